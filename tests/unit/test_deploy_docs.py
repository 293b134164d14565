"""docs/deploy.md's table of Swift cluster settings is what the embedded Swift runs.

The test suite runs against the embedded Swift, so a setting the table asks of a
production cluster must be the one ``gateway/embedded/swift_configs.py`` writes.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from gateway.embedded.swift_configs import CommonSettings, proxy_server_conf, swift_conf

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
_FILES = {"swift.conf": lambda: swift_conf("prefix", "suffix"),
          "proxy-server.conf": lambda: proxy_server_conf(
              CommonSettings("127.0.0.1", "swift", "/srv", "/srv/node", "INFO", "/tmp/recon"),
              8080, 1, "127.0.0.1:11211", {})}


def _rows() -> list[tuple[str, str, str, str]]:
    """(file, section, setting, value) for each row, the blank "where" cells filled in."""
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("| where | setting |"):].split("\n\n")[0].splitlines()[2:]
    rows, where = [], ""
    for line in table:
        cells = [c.strip() for c in line.strip("|").split("|")]
        where = cells[0].strip("`") or where
        file, section = re.fullmatch(r"(\S+) \[(.+)\]", where).groups()
        for setting in re.findall(r"`(\w+)`", cells[1]):
            rows.append((file, section, setting, cells[2]))
    return rows


def _config(file: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(_FILES[file]())
    return parser


def test_every_documented_setting_is_the_embedded_swifts() -> None:
    rows = _rows()
    assert len(rows) >= 10
    for file, section, setting, value in rows:
        actual = _config(file)[section][setting]
        numbers = [int(n) for n in re.findall(r"\d{2,}", value)]
        if value.startswith("at least"):
            # "at least 90 and 128" lists the minimum of each setting in the row, in order.
            same_row = [s for f, sec, s, v in rows if (f, sec, v) == (file, section, value)]
            assert int(actual) >= numbers[same_row.index(setting)], (setting, actual)
        else:
            assert actual == value, (file, section, setting, actual, value)


def test_documented_middlewares_are_in_the_embedded_pipeline() -> None:
    pipeline = _config("proxy-server.conf")["pipeline:main"]["pipeline"].split()
    doc = DOC.read_text(encoding="utf-8")
    named = re.search(r"pipeline needs the (.+?) middlewares", doc.replace("\n", " ")).group(1)
    middlewares = re.findall(r"`(\w+)`", named)
    assert middlewares == ["bulk", "copy", "slo"]
    assert set(middlewares) <= set(pipeline)
