"""The ownership-controls and public-access-block documents, their helpers, and the
configured default object ownership."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import ConfigError, load_config
from gateway.policy import access_block, ownership
from gateway.policy.access_block import PublicAccessBlock


@pytest.mark.parametrize("mode", ownership.MODES)
def test_ownership_round_trips(mode: str) -> None:
    document = ownership.ownership_document(mode)
    assert ownership.stored_ownership(document) == mode
    assert ownership.object_ownership(document, "ObjectWriter") == mode


@pytest.mark.parametrize("document", [None, b"", b"not json", b"[1]",
                                      b'{"ObjectOwnership": "Nobody"}'])
def test_without_a_readable_document_the_default_rules(document: bytes | None) -> None:
    assert ownership.stored_ownership(document) is None
    assert ownership.object_ownership(document, "BucketOwnerEnforced") == "BucketOwnerEnforced"


def test_only_bucket_owner_enforced_disables_acls() -> None:
    assert [ownership.acls_enabled(mode) for mode in ownership.MODES] == [False, True, True]


def test_access_block_round_trips_every_flag() -> None:
    for index in range(4):
        flags = [i == index for i in range(4)]
        block = PublicAccessBlock(*flags)
        assert access_block.public_access_block(block.to_document()) == block
        assert list(block.by_name().values()) == flags
    assert list(PublicAccessBlock().by_name()) == [
        "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]


@pytest.mark.parametrize("document", [None, b"", b"garbage", b"[true]"])
def test_without_a_readable_access_block_nothing_is_blocked(document: bytes | None) -> None:
    assert access_block.stored_access_block(document) is None
    assert access_block.public_access_block(document) == access_block.NOTHING_BLOCKED


def test_only_true_sets_a_flag() -> None:
    document = b'{"BlockPublicAcls": "true", "IgnorePublicAcls": 1, "BlockPublicPolicy": true}'
    assert access_block.public_access_block(document) == PublicAccessBlock(
        block_public_policy=True)


def test_default_object_ownership_is_configurable(tmp_path: Path) -> None:
    assert load_config(env={}).buckets.default_object_ownership == "ObjectWriter"
    env = {"S3SWIFT_BUCKETS_DEFAULT_OBJECT_OWNERSHIP": "BucketOwnerEnforced"}
    assert load_config(env=env).buckets.default_object_ownership == "BucketOwnerEnforced"
    path = tmp_path / "gateway.toml"
    path.write_text('[buckets]\ndefault_object_ownership = "Everyone"\n')
    with pytest.raises(ConfigError, match=r"\[buckets\] default_object_ownership must be one "
                                          r"of BucketOwnerEnforced, BucketOwnerPreferred, "
                                          r"ObjectWriter, not 'Everyone'$"):
        load_config(path, env={})


@pytest.mark.parametrize(("decision", "restrict", "public", "insider", "expected"), [
    ("allow", True, True, False, "default"),  # the public grant is ignored for outsiders
    ("allow", True, True, True, "allow"),  # the owner's account keeps its access
    ("allow", True, False, False, "allow"),  # a policy that is not public still grants
    ("allow", False, True, False, "allow"),  # the flag is off
    ("deny", True, True, False, "deny"),
    ("default", True, True, False, "default"),
])
def test_restrict_public_buckets(decision: str, restrict: bool, public: bool, insider: bool,
                                 expected: str) -> None:
    block = PublicAccessBlock(restrict_public_buckets=restrict)
    assert access_block.restricted_decision(decision, block, public, insider) == expected
