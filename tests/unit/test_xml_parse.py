"""The request-document parser refuses DTDs and entity references (MalformedXML)."""

from __future__ import annotations

import pytest

from gateway import errors
from gateway.xml import parse

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
