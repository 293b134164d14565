"""``s3swift credentials``: manage the SQLite or Swift store while the gateway keeps running.

The gateway looks SQLite keys up afresh, so changes apply to the next request;
replicas on the Swift store see them within its ``cache_seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from gateway.config import load_config
from gateway.credentials.base import ManagedCredentialStore
from gateway.credentials.factory import (
    build_swift_store,
    normalize_account,
    open_sqlite_store_for_data_dir,
)
from gateway.credentials.sqlite_store import (
    SqliteCredentialStore,
    generate_access_key,
    generate_encryption_key,
    generate_secret_key,
)
from gateway.env_file import read_env_file
from gateway.storage.errors import StoreError
from gateway.swift.client import SwiftClient

_ERRORS = (ValueError, OSError, sqlite3.Error, StoreError)

DEFAULT_DATA_DIR = ".data"


def _add_store_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Store options, accepted both before and after the sub-subcommand.

    Sub-subcommand defaults are suppressed so they do not overwrite a value
    given before the sub-subcommand name.
    """
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--data-dir", type=Path, default=default,
                       help=f"an `s3swift dev` data dir (default: {DEFAULT_DATA_DIR} "
                            "unless --config is given)")
    group.add_argument("--config", type=Path, default=default,
                       help="a gateway TOML config whose sqlite or swift store to manage "
                            "(S3SWIFT_* environment overrides apply)")
    parser.add_argument("--env-file", type=Path, default=default,
                        help="with --config: a systemd EnvironmentFile whose S3SWIFT_* "
                             "variables apply as they do for the service (e.g. "
                             "/etc/s3swift/s3swift.env)")
    parser.add_argument("--reseller-prefix", default=default,
                        help="prefix added to accounts that lack it (default: the config's "
                             "[swift] reseller_prefix, else AUTH_)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``create``/``list``/``delete``/``generate-key`` sub-subcommands."""
    _add_store_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="credentials_command", metavar="COMMAND")
    sub.required = True

    create = sub.add_parser("create", help="create a key, or replace an existing key's secret")
    _add_store_options(create, suppress=True)
    create.add_argument("--access-key", help="the access key (default: generated)")
    secret = create.add_mutually_exclusive_group()
    secret.add_argument("--secret-key", help="the secret (default: generated); visible in "
                                             "the process list, prefer --secret-key-stdin")
    secret.add_argument("--secret-key-stdin", action="store_true",
                        help="read the secret from the first line of standard input")
    create.add_argument("--account", required=True,
                        help="the Swift account, e.g. test or AUTH_test")

    lst = sub.add_parser("list", help="list keys and accounts (never secrets)")
    _add_store_options(lst, suppress=True)

    delete = sub.add_parser("delete", help="delete a key")
    _add_store_options(delete, suppress=True)
    delete.add_argument("--access-key", required=True)

    sub.add_parser("generate-key",
                   help="print a new encryption key for [credentials] encryption_key")


def _open_store(args: argparse.Namespace, err: TextIO
                ) -> tuple[ManagedCredentialStore, str, SwiftClient | None]:
    """The store the options select, the reseller prefix to apply to accounts, and
    the Swift client the store uses, if any (for the caller to close)."""
    config_path: Path | None = getattr(args, "config", None)
    data_dir: Path | None = getattr(args, "data_dir", None)
    prefix: str | None = getattr(args, "reseller_prefix", None)
    if config_path is not None and data_dir is not None:
        raise ValueError("give either --config or --data-dir, not both")
    env_file: Path | None = getattr(args, "env_file", None)
    if env_file is not None and config_path is None:
        raise ValueError("--env-file applies to a --config store")
    if config_path is not None:
        env = {**os.environ, **read_env_file(env_file)} if env_file is not None else None
        config = load_config(config_path, env=env)
        creds = config.credentials
        prefix = config.swift.reseller_prefix if prefix is None else prefix
        if creds.backend == "swift":
            swift = SwiftClient(SwiftClient.create_session(config.swift), config.swift)
            return build_swift_store(creds, config.swift.reseller_prefix, swift), prefix, swift
        if creds.backend != "sqlite":
            raise ValueError(f"{config_path} uses the {creds.backend!r} credentials backend; "
                             "only the sqlite and swift backends are managed by this command")
        if not creds.encryption_key:
            raise ValueError(f"{config_path} sets no [credentials] encryption_key")
        path = Path(creds.sqlite_path).absolute()
        if not path.exists():  # never a silent new store beside the one the service reads
            err.write(f"s3swift credentials: creating a new credential store at {path}\n")
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteCredentialStore(path, creds.encryption_key), prefix, None
    store = open_sqlite_store_for_data_dir(data_dir or Path(DEFAULT_DATA_DIR))
    return store, "AUTH_" if prefix is None else prefix, None


async def _create(store: ManagedCredentialStore, prefix: str, args: argparse.Namespace,
                  stdin: TextIO, out: TextIO) -> int:
    if args.secret_key_stdin:
        secret = stdin.readline().rstrip("\r\n")
    else:
        secret = args.secret_key or generate_secret_key()
    cred = await store.create_credential(args.access_key or generate_access_key(), secret,
                                         normalize_account(args.account, prefix))
    # The user asked for this key, so the secret is printed once, for scripts to read.
    out.write(f"access_key={cred.access_key}\nsecret_key={cred.secret_key}\n"
              f"account={cred.account}\n")
    return 0


async def _list(store: ManagedCredentialStore, out: TextIO) -> int:
    creds = await store.list_credentials()
    key_width = max((len(c.access_key) for c in creds), default=0)
    account_width = max((len(c.account) for c in creds), default=0)
    for c in creds:
        created = c.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        out.write(f"{c.access_key:<{key_width}}  {c.account:<{account_width}}  {created}\n")
    return 0


async def _run(command: str, args: argparse.Namespace, stdin: TextIO, out: TextIO,
               err: TextIO) -> int:
    try:
        store, prefix, swift = _open_store(args, err)
    except _ERRORS as exc:
        err.write(f"s3swift credentials: error: {exc}\n")
        return 2
    try:
        if command == "create":
            return await _create(store, prefix, args, stdin, out)
        if command == "list":
            return await _list(store, out)
        if command == "delete":
            if await store.delete_credential(args.access_key):
                out.write(f"deleted {args.access_key}\n")
                return 0
            err.write(f"s3swift credentials: no such access key: {args.access_key}\n")
            return 1
    except _ERRORS as exc:
        err.write(f"s3swift credentials: error: {exc}\n")
        return 2
    finally:
        await store.close()
        if swift is not None:
            await swift.close()
    err.write(f"s3swift credentials: unknown command {command!r}\n")
    return 2


def main(args: argparse.Namespace, stdin: TextIO | None = None,
         out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the selected sub-subcommand; 0 on success, 1 when a key is absent, 2 on errors."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    err = err or sys.stderr
    command = getattr(args, "credentials_command", None)
    if command == "generate-key":
        out.write(generate_encryption_key() + "\n")
        return 0
    return asyncio.run(_run(command, args, stdin, out, err))
