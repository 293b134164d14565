"""README.md's table of supported operations is the route table's, never a hand copy."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from gateway.routing import ROUTES

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "operations_table.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("operations_table", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("operations_table", module)
    spec.loader.exec_module(module)
    return module


def test_readme_table_matches_the_route_table() -> None:
    script = _script()
    readme = script.README.read_text(encoding="utf-8")
    assert script.render(readme) == readme, (
        "README.md's operation table is out of date: run python scripts/operations_table.py --write")


def test_every_served_operation_has_one_row() -> None:
    rows = [line for line in _script().table().splitlines() if line.startswith("| ")][1:]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == [r.operation for r in ROUTES]


def test_a_drifted_readme_is_detected() -> None:
    script = _script()
    readme = script.README.read_text(encoding="utf-8")
    drifted = readme.replace("| HeadBucket |", "| HeadBuckets |")
    assert drifted != readme
    assert script.render(drifted) == readme


def test_rows_name_the_request_that_selects_the_operation() -> None:
    table = _script().table()
    assert "| ListObjectsV2 | `GET /{bucket}?list-type=2` |" in table
    assert "| UploadPartCopy | `PUT /{bucket}/{key}?uploadId` with `x-amz-copy-source` |" in table
    assert "`gateway/handlers/multipart_complete.py`" in table
