"""The table of unsupported request headers: its shape and value rules (logic only)."""

from __future__ import annotations

import pytest

from gateway.handlers import unsupported_headers as table
from gateway.routing import ROUTES

KNOWN_OPERATIONS = {route.operation for route in ROUTES}


def test_rules_name_lower_case_headers_of_known_operations() -> None:
    for rule in table.RULES:
        assert rule.header == rule.header.lower()
        assert rule.operations <= KNOWN_OPERATIONS, rule


def test_prefix_rules_match_only_their_prefix() -> None:
    sse_c = table.Rule("x-amz-server-side-encryption-customer-", frozenset(),
                       table._not_implemented)
    assert sse_c.matches("x-amz-server-side-encryption-customer-key")
    assert not sse_c.matches("x-amz-server-side-encryption")
    exact = table.Rule("x-amz-server-side-encryption", frozenset(), table._not_implemented)
    assert not exact.matches("x-amz-server-side-encryption-customer-key")


@pytest.mark.parametrize(("value", "code"), [
    ("STANDARD", None), ("standard", "InvalidStorageClass"), ("GLACIER", "InvalidStorageClass")])
def test_storage_class(value: str, code: str | None) -> None:
    error = table._storage_class("x-amz-storage-class", value)
    assert (error.code if error is not None else None) == code


def test_sse_methods() -> None:
    assert table._sse_method("x-amz-server-side-encryption", "aws:kms").code == "NotImplemented"
    unknown = table._sse_method("x-amz-server-side-encryption", "rot13")
    assert unknown is not None and unknown.code == "InvalidArgument"
