"""Launch one Swift server or daemon against a private config directory.

Run as ``python -m gateway.embedded.swift_server serve <conf> <section> --log-file F``;
``... rings <etc-dir> --ip IP --account-port A --container-port C --object-port O``
builds the one-replica rings (in a child process, so the gateway itself never
imports Swift and eventlet).

Why a launcher instead of ``swift-proxy-server`` and friends: several Swift
modules (``constraints``, ``storage_policy``) read ``/etc/swift/swift.conf`` at
import time, before ``swift_dir`` from the config is even parsed. Pointing
``swift.common.utils.SWIFT_CONF_FILE`` at our own file *before* those imports
keeps the embedded Swift self-contained and leaves any system Swift alone.

Swift also logs to syslog only (``/dev/log``, else UDP port 514). A dev
machine or CI container rarely runs a syslog daemon, so the launcher swaps
Swift's syslog handler for a plain file handler under the data directory.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

WSGI_SERVERS = ("proxy-server", "account-server", "container-server", "object-server")
# Background daemons: (module, class) keyed by their config section name.
DAEMONS = {
    "object-updater": ("swift.obj.updater", "ObjectUpdater"),
    "container-updater": ("swift.container.updater", "ContainerUpdater"),
}


class _TimestampedFileHandler(logging.handlers.WatchedFileHandler):
    """A file handler that prefixes a timestamp.

    Swift's formatter leaves timestamps to syslog and resets the formatter of
    every handler it gets, so the timestamp is added here instead.
    """

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created))
        return f"{stamp} {super().format(record)}"


def _route_logs_to_file(log_file: str) -> None:
    """Make every Swift logger in this process write to ``log_file``."""
    from swift.common.utils import logs

    Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    shared: list[logging.Handler] = []

    def syslog_replacement(*_args: Any, **_kwargs: Any) -> logging.Handler:
        # Created lazily, after eventlet's monkey patching, so its lock is green;
        # then shared, because Swift calls this for every logger it builds.
        if not shared:
            shared.append(_TimestampedFileHandler(log_file))
        return shared[0]

    logs.ThreadSafeSysLogHandler = syslog_replacement  # type: ignore[assignment,misc]


def _skip_disk_syncs() -> None:
    """Make this Swift server's writes skip fsync (files and SQLite commits).

    For a throwaway Swift only (the test suite's): a write costs no disk flush,
    so a crash of the machine may lose what it stored.
    """
    import swift.common.db as swift_db

    os.fsync = os.fdatasync = lambda _fd: None  # type: ignore[assignment]
    connect = swift_db.get_db_connection

    def unsynced_connection(*args: Any, **kwargs: Any) -> Any:
        conn = connect(*args, **kwargs)
        conn.execute("PRAGMA synchronous = OFF")
        return conn

    swift_db.get_db_connection = unsynced_connection


def _sweep_at_start(module: Any) -> None:
    """Make a Swift updater daemon start its first sweep at once.

    Swift's updaters first sleep a random part of their interval, which spreads
    a cluster's many nodes; this Swift has one node, and with a long interval
    (the test suite's container-updater) the first sweep, and with it the recon
    stats, would otherwise come any time within that interval.
    """
    module.random = lambda: 0.0


def run(conf_file: str, section: str, log_file: str, disk_sync: bool = True) -> int:
    """Point Swift at the private swift.conf, then run ``section`` from ``conf_file``."""
    conf_path = Path(conf_file).resolve()
    import swift.common.utils as swift_utils

    # Must precede any import of swift.common.constraints / storage_policy / wsgi.
    swift_utils.SWIFT_CONF_FILE = str(conf_path.parent / "swift.conf")
    _route_logs_to_file(log_file)
    if not disk_sync:
        _skip_disk_syncs()

    if section in WSGI_SERVERS:
        from swift.common.wsgi import run_wsgi

        return int(run_wsgi(str(conf_path), section) or 0)
    if section in DAEMONS:
        from swift.common.daemon import run_daemon

        module_name, class_name = DAEMONS[section]
        module = importlib.import_module(module_name)
        _sweep_at_start(module)
        klass = getattr(module, class_name)
        run_daemon(klass, str(conf_path), section_name=section, once=False)
        return 0
    print(f"unknown Swift section {section!r}", file=sys.stderr)
    return 2


def build_rings(etc_dir: str, ip: str, ports: dict[str, int], part_power: int,
                device: str) -> None:
    """Write one-replica, one-device account/container/object rings.

    Rings carry the servers' ports, which change every start, so they are
    rebuilt each time. With a single device every partition lives on it, so a
    rebuild never moves data.
    """
    from swift.common.ring import RingBuilder

    for kind, port in ports.items():
        builder = RingBuilder(part_power, 1, 0)
        builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": ip, "port": port,
                         "replication_ip": ip, "replication_port": port,
                         "device": device, "weight": 100.0, "meta": ""})
        builder.rebalance()
        builder.get_ring().save(str(Path(etc_dir) / f"{kind}.ring.gz"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run one Swift server or daemon")
    serve.add_argument("conf_file")
    serve.add_argument("section", choices=[*WSGI_SERVERS, *DAEMONS])
    serve.add_argument("--log-file", required=True)
    serve.add_argument("--no-disk-sync", dest="disk_sync", action="store_false",
                       help="skip fsync and SQLite syncs (a throwaway Swift, e.g. tests)")
    rings = commands.add_parser("rings", help="build the one-replica rings")
    rings.add_argument("etc_dir")
    rings.add_argument("--ip", default="127.0.0.1")
    rings.add_argument("--part-power", type=int, default=8)
    rings.add_argument("--device", default="d0")
    for kind in ("account", "container", "object"):
        rings.add_argument(f"--{kind}-port", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "rings":
        ports = {"account": args.account_port, "container": args.container_port,
                 "object": args.object_port}
        build_rings(args.etc_dir, args.ip, ports, args.part_power, args.device)
        return 0
    return run(args.conf_file, args.section, args.log_file, args.disk_sync)


if __name__ == "__main__":
    sys.exit(main())
