"""``s3swift dev``: a real Swift all-in-one plus the gateway, ready for S3 clients.

Everything lives under ``--data-dir`` (default ``.data``): the Swift data
and configs in ``swift/``, the credential store and its key, and
``endpoints.json``, which is written only once the gateway listens so scripts
and tests can wait for it.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from gateway.config import GatewayConfig, load_config
from gateway.embedded.swift_aio import EmbeddedSwift, EmbeddedSwiftError, SwiftEndpoints

DEFAULT_ACCESS_KEY = "s3swift-dev-key"
DEFAULT_SECRET_KEY = "s3swift-dev-secret"
DEFAULT_DATA_DIR = ".data"
ENDPOINTS_FILE = "endpoints.json"
# Held (flock) for the whole run: a second `s3swift dev` on the same data dir
# is refused before it touches anything. The kernel releases it on any exit.
LOCK_FILE = "dev.lock"
# The names ``gateway.credentials.factory`` expects inside a dev data dir.
CREDENTIALS_DB = "credentials.sqlite"
CREDENTIALS_KEY = "credentials.key"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``s3swift dev`` options."""
    # No defaults here: S3SWIFT_SERVER_HOST/_PORT (as for `serve`), else [server]'s.
    parser.add_argument("--host", help="gateway listen address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="gateway listen port (default: 8080)")
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help=f"where Swift data, configs and credentials live "
                             f"(default: {DEFAULT_DATA_DIR})")
    parser.add_argument("--access-key", default=DEFAULT_ACCESS_KEY,
                        help=f"the dev S3 access key (default: {DEFAULT_ACCESS_KEY})")
    parser.add_argument("--secret-key", default=DEFAULT_SECRET_KEY,
                        help=f"the dev S3 secret key (default: {DEFAULT_SECRET_KEY})")
    parser.add_argument("--identity-port", type=int,
                        help="port of the OS-EC2 credential API (default: "
                             "S3SWIFT_IDENTITY_API_PORT, else any free port)")
    parser.add_argument("--base-domain", action="append", dest="base_domains",
                        metavar="DOMAIN",
                        help="base domain for virtual-hosted-style requests; repeatable "
                             "(default: localhost)")
    parser.add_argument("--with-s3api", action="store_true",
                        help="also run Swift's own s3api middleware in the proxy (for "
                             "benchmarks: endpoints.json then names its endpoint and key)")
    parser.add_argument("--no-disk-sync", dest="disk_sync", action="store_false",
                        help="the embedded Swift skips fsync: faster, but a machine crash "
                             "may lose data (for throwaway data, e.g. the test suite)")
    parser.add_argument("--container-updater-interval", type=int, default=5, metavar="SECONDS",
                        help="seconds between the embedded Swift's updates of account "
                             "object counts and bytes (default: 5; the test suite, which "
                             "never reads them, sets an hour)")


class DataDirBusy(Exception):
    """Another live ``s3swift dev`` owns the data dir."""


def _lock_data_dir(data_dir: Path) -> int:
    """Take the data dir's lock, or raise ``DataDirBusy`` naming its holder."""
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
        os.close(fd)
        raise DataDirBusy(f"{data_dir} is in use by running process {holder}; "
                          "stop it or choose another --data-dir") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


def _encryption_key(data_dir: Path) -> tuple[str, Path]:
    """The store's Fernet key: created once, then reused so old secrets decrypt."""
    from gateway.credentials.sqlite_store import generate_encryption_key

    path = data_dir / CREDENTIALS_KEY
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(generate_encryption_key() + "\n")
    return path.read_text(encoding="ascii").strip(), path


def _ensure_dev_credential(db_path: Path, key: str, access_key: str, secret_key: str,
                           account: str) -> None:
    """Create the dev key, or reset its secret and account to the given ones."""
    from gateway.credentials.sqlite_store import SqliteCredentialStore

    store = SqliteCredentialStore(db_path, key)
    try:
        store.create(access_key, secret_key, account)
    finally:
        store.close_sync()


def _public_host(host: str) -> str:
    """A host clients can connect to, even when listening on every address."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def server_config(args: argparse.Namespace) -> GatewayConfig:
    """The ``[server]`` settings as ``serve`` reads them from ``S3SWIFT_SERVER_*``, then
    the command line; checked before anything starts. ``[swift]`` and ``[credentials]``
    are the embedded ones (``attach_embedded_swift``)."""
    config = load_config(None)
    if args.host is not None:
        config.server.host = args.host
    if args.port is not None:
        config.server.port = args.port
    if args.base_domains:
        config.server.base_domains = list(args.base_domains)
    # The OS-EC2 API is always on in dev; on a free port unless one is asked for.
    config.identity_api.enabled = True
    config.identity_api.host = config.server.host
    if args.identity_port is not None:
        config.identity_api.port = args.identity_port
    elif "S3SWIFT_IDENTITY_API_PORT" not in os.environ:
        config.identity_api.port = 0
    return config


def attach_embedded_swift(config: GatewayConfig, swift: SwiftEndpoints, db_path: Path,
                          encryption_key: str) -> None:
    """Point the gateway at the embedded Swift and the data dir's credential store."""
    config.swift.auth_type = "tempauth"
    config.swift.auth_url = swift.auth_url
    config.swift.user = swift.admin_user
    config.swift.key = swift.admin_key
    config.swift.endpoint = ""
    config.credentials.backend = "sqlite"
    config.credentials.sqlite_path = str(db_path)
    config.credentials.encryption_key = encryption_key


def endpoints_document(args: argparse.Namespace, config: GatewayConfig,
                       swift: SwiftEndpoints, key_path: Path,
                       admin: tuple[str, int] | None = None,
                       identity_url: str | None = None) -> dict[str, Any]:
    """What ``endpoints.json`` holds: everything a client or test needs; ``admin``
    is where the admin listener (/metrics, /healthz, /readyz) listens."""
    host, port = config.server.host, config.server.port
    scheme = "https" if config.server.tls_cert else "http"
    admin_url = f"http://{_public_host(admin[0])}:{admin[1]}" if admin else None
    return {
        "admin": {
            "metrics_url": f"{admin_url}/metrics",
            "healthz_url": f"{admin_url}/healthz",
            "readyz_url": f"{admin_url}/readyz",
            "port": admin[1],
        } if admin_url and admin else None,
        "s3": {
            "endpoint": f"{scheme}://{_public_host(host)}:{port}",
            "host": host,
            "port": port,
            "access_key": args.access_key,
            "secret_key": args.secret_key,
            "region": config.server.region,
            "account": swift.test_account,
            "base_domains": config.server.base_domains,
        },
        "swift": {
            "auth_url": swift.auth_url,
            "user": swift.test_user,
            "key": swift.test_key,
            "account": swift.test_account,
            "admin_user": swift.admin_user,
            "admin_key": swift.admin_key,
            "proxy_url": swift.proxy_url,
            "memcached": swift.memcached,
            "pids": list(swift.pids),
        },
        **({"s3api": {
            "endpoint": swift.proxy_url,
            "access_key": swift.test_user,  # tempauth's account:user
            "secret_key": swift.test_key,
            "region": "us-east-1",
        }} if args.with_s3api else {}),
        "credentials": {
            "sqlite_path": config.credentials.sqlite_path,
            "encryption_key_file": str(key_path),
        },
        # The OS-EC2 API: POST {url}/v3/users/test:tester/credentials/OS-EC2 with a
        # Swift token of the user and {"tenant_id": "test"}.
        "identity_api": {"url": identity_url},
        "pid": os.getpid(),
    }


def _write_json_atomically(path: Path, document: dict[str, Any]) -> None:
    """Readers polling for the file never see it half written."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    # Owner-only: it holds the Swift reseller admin key.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(document, indent=2) + "\n")
    os.replace(tmp, path)


def _banner(document: dict[str, Any]) -> str:
    s3, swift, admin = document["s3"], document["swift"], document.get("admin")
    metrics = ([f"  Metrics:        {admin['metrics_url']}  (/healthz, /readyz)"]
               if admin else [])
    return "\n".join([
        "s3swift dev is running",
        f"  S3 endpoint:    {s3['endpoint']}  (region {s3['region']})",
        f"  Access key:     {s3['access_key']}",
        f"  Secret key:     {s3['secret_key']}",
        f"  Swift auth URL: {swift['auth_url']}  (tempauth v1)",
        f"  Swift user:     {swift['user']}",
        f"  Swift key:      {swift['key']}",
        f"  Swift account:  {swift['account']}",
        f"  OS-EC2 API:     {document['identity_api']['url']}/v3  (X-Auth-Token: a Swift token)",
        *metrics,
        "Press Ctrl-C to stop.",
    ])


async def _run(args: argparse.Namespace, config: GatewayConfig) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock_data_dir(data_dir)
    try:
        return await _run_locked(args, config, data_dir, stop)
    finally:
        os.close(lock)


async def _run_locked(args: argparse.Namespace, config: GatewayConfig, data_dir: Path,
                      stop: asyncio.Event) -> int:
    """Start Swift and the gateway in ``data_dir`` (locked by us) and serve until ``stop``."""
    from gateway.identity_api.listener import IDENTITY_LISTENER
    from gateway.server import admin_address, bind, settle_heap, start_gateway

    endpoints_path = data_dir / ENDPOINTS_FILE
    endpoints_path.unlink(missing_ok=True)

    # Blocking on purpose: nothing else runs yet, and a signal that arrives
    # meanwhile is delivered to ``stop`` once the loop resumes.
    embedded = EmbeddedSwift(data_dir / "swift", die_with_parent=True,
                             s3api=args.with_s3api, disk_sync=args.disk_sync,
                             container_updater_interval=args.container_updater_interval)
    swift = embedded.start()
    gateway = None
    try:
        encryption_key, key_path = _encryption_key(data_dir)
        db_path = data_dir / CREDENTIALS_DB
        _ensure_dev_credential(db_path, encryption_key, args.access_key, args.secret_key,
                               swift.test_account)
        attach_embedded_swift(config, swift, db_path, encryption_key)
        if not logging.getLogger().handlers:
            logging.basicConfig(level=config.server.log_level.upper(),
                                format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if stop.is_set():
            return 0
        # Metrics are on in dev: on [server] metrics_port, or any free port.
        admin_sock = bind(*admin_address(config), "[server] metrics_host and metrics_port")
        admin = admin_sock.getsockname()[:2]
        gateway = await start_gateway(config, admin_sock=admin_sock)
        settle_heap()
        document = endpoints_document(args, config, swift, key_path, admin,
                                      gateway.runner.app[IDENTITY_LISTENER].url)
        _write_json_atomically(endpoints_path, document)
        print(_banner(document), flush=True)
        await stop.wait()
        print("s3swift dev: stopping", flush=True)
        return 0
    finally:
        endpoints_path.unlink(missing_ok=True)
        if gateway is not None:
            await gateway.stop()
        embedded.stop()


def main(args: argparse.Namespace) -> int:
    """Run until SIGINT or SIGTERM; 0 on a clean stop, 1 if startup failed, 2 for bad settings."""
    try:
        config = server_config(args)
    except ValueError as exc:
        print(f"s3swift dev: {exc}", file=sys.stderr)
        return 2
    from gateway.server import StartupError

    try:
        return asyncio.run(_run(args, config))
    except StartupError as exc:
        print(f"s3swift dev: {exc}", file=sys.stderr)
        return 1
    except DataDirBusy as exc:
        print(f"s3swift dev: {exc}", file=sys.stderr)
        return 1
    except EmbeddedSwiftError as exc:
        print(f"s3swift dev: embedded Swift failed to start: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"s3swift dev: {exc}", file=sys.stderr)
        return 1
