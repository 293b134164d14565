"""``s3swift buckets``: list and repair the bucket-name registry (operators).

``list`` prints every registered name and its owner. ``repair --account A``
registers the account's containers whose names are free (adoption of
containers made through Swift or before the registry), reports the names
another account holds (those stay reachable only through Swift), and with
``--drop-stale`` frees registered names of the account whose container is gone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from gateway.config import SwiftConfig, load_config
from gateway.storage.errors import BucketNotFound
from gateway.swift.client import SwiftClient
from gateway.swift.store import SwiftStore

DEFAULT_DATA_DIR = Path(".data")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--data-dir", type=Path, help="an `s3swift dev` data dir (default .data)")
    where.add_argument("--config", type=Path, help="the gateway's TOML configuration")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every registered bucket name and its owner account")
    repair = actions.add_parser("repair", help="register an account's unregistered buckets")
    repair.add_argument("--account", action="append", required=True,
                        help="a Swift account (repeat for several)")
    repair.add_argument("--drop-stale", action="store_true",
                        help="also free the account's names whose container is gone")


def _swift_config(args: argparse.Namespace) -> SwiftConfig:
    if args.config is not None:
        return load_config(str(args.config)).swift
    endpoints = json.loads(((args.data_dir or DEFAULT_DATA_DIR) / "endpoints.json").read_text())
    swift = endpoints["swift"]
    return SwiftConfig(auth_url=swift["auth_url"], user=swift["admin_user"],
                       key=swift["admin_key"])


async def _run(args: argparse.Namespace, config: SwiftConfig) -> int:
    store = SwiftStore(SwiftClient(SwiftClient.create_session(config), config), config.registry)
    try:
        if args.action == "list":
            for name, owner in sorted((await store.registered_bucket_names()).items()):
                print(f"{name}\t{owner}")
            return 0
        return await _repair(store, args.account, args.drop_stale)
    finally:
        await store.close()


async def _repair(store: SwiftStore, accounts: list[str], drop_stale: bool) -> int:
    registered = await store.registered_bucket_names()
    for account in accounts:
        for bucket in await store.list_buckets(account):
            owner = await store.claim_bucket_name(bucket.name, account)
            state = "registered" if owner == account else f"conflict: owned by {owner}"
            if registered.get(bucket.name) == account:
                state = "ok"
            print(f"{bucket.name}\t{account}\t{state}")
        if not drop_stale:
            continue
        for name in (n for n, owner in registered.items() if owner == account):
            try:
                await store.head_bucket(account, name)
            except BucketNotFound:
                await store.release_bucket_name(name, account)
                print(f"{name}\t{account}\tstale: freed")
    return 0


def main(args: argparse.Namespace) -> int:
    try:
        config = _swift_config(args)
    except (OSError, KeyError, ValueError) as exc:
        print(f"s3swift buckets: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_run(args, config))
