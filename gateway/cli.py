"""The ``s3swift`` command: ``serve``, ``dev``, ``credentials`` and ``buckets``."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from importlib import metadata

from gateway.config import ConfigError, load_config


def _serve(args: argparse.Namespace) -> int:
    """Exit status 2, with one line on stderr, for anything that prevents starting."""
    from gateway.observability import multiprocess

    overrides = {("server", key, option): value for key, option, value in (
        ("workers", "--workers", args.workers), ("port", "--port", args.port),
        ("host", "--host", args.host)) if value is not None}
    try:
        config = load_config(args.config, overrides=overrides)
    except ConfigError as exc:
        print(f"s3swift serve: {exc}", file=sys.stderr)
        return 2
    # Before gateway.server imports prometheus_client: workers then share their metrics.
    metrics_dir = multiprocess.prepare(config)
    from gateway.server import StartupError, serve

    try:
        return serve(config)
    except StartupError as exc:
        print(f"s3swift serve: {exc}", file=sys.stderr)
        return 2
    finally:
        multiprocess.remove(metrics_dir)


# What `s3swift dev` runs needs the optional `embedded` extra (the PyPI swift package).
EMBEDDED_MISSING = ("s3swift dev: the embedded Swift is not installed; "
                    "install it with: pip install 's3swift[embedded]'")


def _dev(args: argparse.Namespace) -> int:
    """Exit status 2 with one line, not a traceback from Swift's processes, without the extra."""
    if importlib.util.find_spec("swift") is None:
        print(EMBEDDED_MISSING, file=sys.stderr)
        return 2
    from gateway.embedded import dev

    return dev.main(args)


def _credentials(args: argparse.Namespace) -> int:
    from gateway.credentials import cli

    return cli.main(args)


def _buckets(args: argparse.Namespace) -> int:
    from gateway.authz import buckets_cli

    return buckets_cli.main(args)


def _version() -> str:
    """The installed distribution's version: one source of truth, pyproject.toml."""
    try:
        return metadata.version("s3swift")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    from gateway.credentials import cli as credentials_cli
    from gateway.embedded import dev

    parser = argparse.ArgumentParser(prog="s3swift", description="An S3 gateway for OpenStack Swift")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve S3 in front of an existing Swift")
    serve.add_argument("--config", help="TOML configuration file (S3SWIFT_* variables override it)")
    serve.add_argument("--workers", type=int, help="worker processes sharing the port")
    serve.add_argument("--host", help="listen address (overrides [server] host)")
    serve.add_argument("--port", type=int, help="listen port (overrides [server] port)")
    serve.set_defaults(func=_serve)

    dev_parser = commands.add_parser(
        "dev", help="run an embedded Swift all-in-one and the gateway in front of it")
    dev.add_arguments(dev_parser)
    dev_parser.set_defaults(func=_dev)

    creds = commands.add_parser("credentials", help="manage S3 credentials")
    credentials_cli.add_arguments(creds)
    creds.set_defaults(func=_credentials)

    from gateway.authz import buckets_cli
    buckets = commands.add_parser("buckets", help="list and repair the bucket-name registry")
    buckets_cli.add_arguments(buckets)
    buckets.set_defaults(func=_buckets)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
