"""gateway.xml: escaping, the response writer, and the hardened request parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from gateway import errors
from gateway.xml import S3_NAMESPACE, XMLWriter, escape, parse

NS = "{" + S3_NAMESPACE + "}"
SCHEMA = "CreateBucketConfiguration"


# --- escape ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "escaped"), [
    ("plain text", "plain text"),
    ("", ""),
    ("a&b", "a&amp;b"),
    ("<tag>", "&lt;tag&gt;"),
    ('say "hi"', "say &quot;hi&quot;"),
    ("it's", "it's"),
    ("&amp;", "&amp;amp;"),               # no double-decoding: escaped again
    ("\x00", "&#x0;"),
    ("\x01", "&#x1;"),
    ("\x1f", "&#x1F;"),
    ("\t", "&#x9;"),
    ("\n", "&#xA;"),
    ("\r", "&#xD;"),
    ("\r\n", "&#xD;&#xA;"),
    ("\x7f", "&#x7F;"),
    ("\ufffe\uffff", "&#xFFFE;&#xFFFF;"),
    ("caf\u00e9 \u65e5\u672c \U0001F600", "caf\u00e9 \u65e5\u672c \U0001F600"),
    ("\u0080\u009f", "\u0080\u009f"),     # C1 characters are legal XML 1.0 characters
    ("a\x01<b>\n&", "a&#x1;&lt;b&gt;&#xA;&amp;"),
])
def test_escape(text: str, escaped: str) -> None:
    assert escape(text) == escaped


def test_escape_leaves_no_character_xml_cannot_carry_literally() -> None:
    every_char = "".join(chr(c) for c in range(0x20)) + "\x7f&<>\""
    out = escape(every_char)
    assert not any(ord(ch) < 0x20 or ch == "\x7f" for ch in out)
    assert "<" not in out and ">" not in out and '"' not in out
    assert out.count("&") == len(every_char)  # every character became one reference


@pytest.mark.parametrize("text", ["line1\nline2", "a\r\nb", "\rcr only\r", "tab\there",
                                  " padded  ", "\u00e9\u65e5\U0001F600", "x & <y> \"z\" 'w'"])
def test_escaped_text_reads_back_exactly(text: str) -> None:
    # Whitespace characters as references survive a parser's end-of-line normalisation.
    document = f"<a>{escape(text)}</a>".encode("utf-8")
    assert etree.fromstring(document).text == text


# --- XMLWriter ----------------------------------------------------------------------------


def test_writer_document_structure() -> None:
    doc = XMLWriter("ListBucketResult")
    doc.element("Name", "bucket").element("Prefix", "")
    doc.element("MaxKeys", 1000).element("IsTruncated", False).element("Missing", None)
    doc.start("Contents").element("Key", "a<b>&c\x01").element("Size", 0).end("Contents")
    doc.start("Contents").element("Key", "\u65e5\u672c").end("Contents")
    doc.empty("Empty")
    raw = doc.to_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="')
    assert raw.endswith(b"</ListBucketResult>")
    assert b"Missing" not in raw
    assert b"<IsTruncated>false</IsTruncated>" in raw
    assert b"a&lt;b&gt;&amp;c&#x1;" in raw
    assert "\u65e5\u672c".encode("utf-8") in raw

    # Without the control character the document is well-formed and reads back.
    doc2 = XMLWriter("ListBucketResult")
    doc2.element("Name", "b").element("IsTruncated", True).element("KeyCount", 2)
    doc2.start("CommonPrefixes").element("Prefix", "x/\r\n").end("CommonPrefixes")
    doc2.empty("Owner")
    root = etree.fromstring(doc2.to_bytes())
    assert root.tag == f"{NS}ListBucketResult"
    assert root.findtext(f"{NS}Name") == "b"
    assert root.findtext(f"{NS}IsTruncated") == "true"
    assert root.findtext(f"{NS}KeyCount") == "2"
    assert root.findtext(f"{NS}CommonPrefixes/{NS}Prefix") == "x/\r\n"
    assert root.find(f"{NS}Owner") is not None
    assert [child.tag for child in root] == [
        f"{NS}Name", f"{NS}IsTruncated", f"{NS}KeyCount", f"{NS}CommonPrefixes", f"{NS}Owner"]


def test_writer_text_and_no_namespace() -> None:
    doc = XMLWriter("LocationConstraint", namespace=None).text("eu-<west>-1")
    raw = doc.to_bytes()
    assert raw == (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                   b"<LocationConstraint>eu-&lt;west&gt;-1</LocationConstraint>")
    assert etree.fromstring(raw).text == "eu-<west>-1"


def test_writer_empty_root() -> None:
    root = etree.fromstring(XMLWriter("LocationConstraint").to_bytes())
    assert root.tag == f"{NS}LocationConstraint"
    assert root.text is None
    assert len(root) == 0


def test_writer_bool_before_int() -> None:
    # bool is an int subclass: True must not become "1".
    raw = XMLWriter("R").element("A", True).element("B", 1).element("C", 0).to_bytes()
    assert b"<A>true</A><B>1</B><C>0</C>" in raw


# --- parse: valid documents ---------------------------------------------------------------


@pytest.mark.parametrize("body", [
    b"<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
    b"</CreateBucketConfiguration>",
    b'<?xml version="1.0" encoding="UTF-8"?>\n<CreateBucketConfiguration '
    b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>",
    b'<s3:CreateBucketConfiguration xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<s3:LocationConstraint>eu-west-1</s3:LocationConstraint></s3:CreateBucketConfiguration>",
    b"<CreateBucketConfiguration>\n  <LocationConstraint>eu-<!-- c -->west-1"
    b"</LocationConstraint>\n<?pi ignored?></CreateBucketConfiguration>",
    b"<CreateBucketConfiguration><LocationConstraint><![CDATA[eu-west-1]]>"
    b"</LocationConstraint></CreateBucketConfiguration>",
])
def test_parse_accepts_valid_documents(body: bytes) -> None:
    root = parse(body, SCHEMA)
    assert root.tag == "CreateBucketConfiguration"       # namespaces dropped
    assert root.findtext("LocationConstraint") == "eu-west-1"


def test_parse_empty_configuration() -> None:
    root = parse(b"<CreateBucketConfiguration/>", SCHEMA)
    assert root.tag == "CreateBucketConfiguration"
    assert root.findtext("LocationConstraint") is None


# --- parse: rejected documents ------------------------------------------------------------


@pytest.mark.parametrize("body", [
    b"",
    b"   ",
    b"not xml",
    b"<CreateBucketConfiguration>",                                   # unclosed
    b"<CreateBucketConfiguration></Other>",
    b"<LocationConstraint>eu-west-1</LocationConstraint>",            # wrong root
    b"<Foo><LocationConstraint>eu-west-1</LocationConstraint></Foo>",
    b"<CreateBucketConfiguration><Unknown>x</Unknown></CreateBucketConfiguration>",
    b"<CreateBucketConfiguration><LocationConstraint>a</LocationConstraint>"
    b"<LocationConstraint>b</LocationConstraint></CreateBucketConfiguration>",
    b"<CreateBucketConfiguration><LocationConstraint><x/></LocationConstraint>"
    b"</CreateBucketConfiguration>",
    b"<CreateBucketConfiguration>&#x1;</CreateBucketConfiguration>",  # not an XML 1.0 char
    b"<CreateBucketConfiguration/><CreateBucketConfiguration/>",      # two roots
])
def test_parse_rejects_invalid_documents(body: bytes) -> None:
    with pytest.raises(errors.MalformedXML) as info:
        parse(body, SCHEMA)
    assert info.value.code == "MalformedXML"
    assert info.value.status == 400


# --- parse: entities are never expanded, nothing is fetched --------------------------------


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CreateBucketConfiguration><LocationConstraint>&lol9;</LocationConstraint></CreateBucketConfiguration>
"""


def _malformed_or_inert(body: bytes, forbidden: str) -> None:
    """The parser refuses the document, or returns it with ``forbidden`` nowhere in it."""
    try:
        root = parse(body, SCHEMA)
    except errors.MalformedXML:
        return
    text = "".join(root.itertext())
    assert forbidden not in text
    assert forbidden not in etree.tostring(root, encoding="unicode")


def _malformed(body: bytes) -> None:
    """A document with a DTD is refused outright, whatever its entities would say."""
    with pytest.raises(errors.MalformedXML):
        parse(body, SCHEMA)


def test_billion_laughs_is_not_expanded() -> None:
    _malformed(BILLION_LAUGHS)


def test_internal_entity_is_not_expanded() -> None:
    _malformed(b'<!DOCTYPE c [<!ENTITY region "eu-west-1">]>'
               b"<CreateBucketConfiguration><LocationConstraint>&region;</LocationConstraint>"
               b"</CreateBucketConfiguration>")


def test_external_entity_etc_passwd_is_not_read() -> None:
    _malformed(b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
               b"<CreateBucketConfiguration><LocationConstraint>&xxe;</LocationConstraint>"
               b"</CreateBucketConfiguration>")


def test_external_entity_file_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER-4711")
    body = (f'<!DOCTYPE c [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
            "<CreateBucketConfiguration><LocationConstraint>&xxe;</LocationConstraint>"
            "</CreateBucketConfiguration>").encode()
    _malformed(body)


def test_external_dtd_file_is_not_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY region "DTD-LOADED-MARKER">')
    body = (f'<!DOCTYPE CreateBucketConfiguration SYSTEM "{dtd.as_uri()}">'
            "<CreateBucketConfiguration><LocationConstraint>&region;</LocationConstraint>"
            "</CreateBucketConfiguration>").encode()
    _malformed(body)


def test_external_parameter_entity_is_not_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "param.dtd"
    dtd.write_text('<!ENTITY region "PARAM-DTD-MARKER">')
    body = (f'<!DOCTYPE c [<!ENTITY % remote SYSTEM "{dtd.as_uri()}"> %remote;]>'
            "<CreateBucketConfiguration><LocationConstraint>&region;</LocationConstraint>"
            "</CreateBucketConfiguration>").encode()
    _malformed(body)


def test_xinclude_is_not_processed(tmp_path: Path) -> None:
    secret = tmp_path / "included.txt"
    secret.write_text("XINCLUDE-MARKER")
    body = ('<CreateBucketConfiguration xmlns:xi="http://www.w3.org/2001/XInclude">'
            f'<LocationConstraint><xi:include href="{secret.as_uri()}" parse="text"/>'
            "</LocationConstraint></CreateBucketConfiguration>").encode()
    _malformed_or_inert(body, "XINCLUDE-MARKER")


# --- DTDs and entity references: MalformedXML, never a silently shortened value -------

DELETE = b"<Delete><Object><Key>%s</Key></Object></Delete>"


@pytest.mark.parametrize("body", [
    b'<!DOCTYPE Delete [<!ENTITY ent "x">]>' + DELETE % b"k1&ent;",
    b'<!DOCTYPE Delete [<!ENTITY ent "x">]>' + DELETE % b"k1",
    b'<!DOCTYPE Delete SYSTEM "file:///etc/passwd">' + DELETE % b"k1",
    b"<!DOCTYPE Delete>" + DELETE % b"k1",
    DELETE % b"k1&ent;",
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Delete [<!ENTITY e "x">]>'
    '<Delete><Object><Key>k1&e;</Key></Object></Delete>'.encode("utf-16"),
])
def test_dtd_or_entity_is_malformed(body: bytes) -> None:
    with pytest.raises(errors.MalformedXML):
        parse(body, "Delete")


def test_predefined_entities_and_character_references_are_text() -> None:
    root = parse(DELETE % b"a&amp;&#98;&lt;", "Delete")
    assert root.findtext("Object/Key") == "a&b<"
