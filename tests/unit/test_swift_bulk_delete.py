"""Reading Swift's bulk-delete result into per-key DeleteObjects outcomes."""

from __future__ import annotations

import pytest

from gateway.storage import errors as store
from gateway.swift.containers import bulk_delete_body
from gateway.swift.deletes import BulkUnavailable, bulk_outcomes


def test_unlisted_keys_are_deleted_and_failures_stay_per_key() -> None:
    keys = ["a", "日本/語", "100%", "x y"]
    result = {"Response Status": "400 Bad Request", "Response Body": "",
              "Number Deleted": 2, "Number Not Found": 1,
              "Errors": [["/b/%E6%97%A5%E6%9C%AC/%E8%AA%9E", "409 Conflict"],
                         ["/b/x%20y", "503 Service Unavailable"]]}
    outcomes = bulk_outcomes("b", keys, result)
    assert outcomes["a"] is None and outcomes["100%"] is None
    conflict, unavailable = outcomes["日本/語"], outcomes["x y"]
    assert isinstance(conflict, store.StoreInternal) and conflict.key == "日本/語"
    assert isinstance(unavailable, store.StoreUnavailable) and unavailable.key == "x y"


@pytest.mark.parametrize("result", [
    {"Response Status": "400 Bad Request", "Response Body": "Max delete failures exceeded"},
    {"Response Status": "500 Internal Error", "Response Body": ""},
    {"Response Status": "", "Errors": []},
    {"Response Status": "200 OK", "Errors": ["not a pair"]},
])
def test_a_request_that_stopped_part_way_is_unavailable(result: dict) -> None:
    with pytest.raises(BulkUnavailable):
        bulk_outcomes("b", ["a"], result)


def test_body_quotes_every_name_on_its_own_line() -> None:
    body = bulk_delete_body("b", ["a\nb", "100%", "p/q r"])
    assert body.split("\n") == ["/b/a%0Ab", "/b/100%25", "/b/p/q%20r"]
