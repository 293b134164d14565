"""A second gateway on the session's Swift, for modules that need other settings.

``s3swift serve`` with a generated configuration (the session's Swift and
credential store) and ``S3SWIFT_*`` settings from the environment starts in a
second or two; a second ``s3swift dev`` would start a whole Swift as well.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from gateway.config import load_config
from tests.integration.conftest import (
    SHUTDOWN_TIMEOUT, STARTUP_TIMEOUT, DevProcess, GatewayEnv, read_output, free_port, s3swift_command)


def _serve_config(base: GatewayEnv) -> str:
    """A ``serve`` TOML file for the Swift and the credential store of ``base``'s dev."""
    credentials = base.raw["credentials"]
    encryption_key = Path(credentials["encryption_key_file"]).read_text().strip()
    return "\n".join((
        "[server]", 'host = "127.0.0.1"', f'region = "{base.region}"',
        "[swift]", 'auth_type = "tempauth"', f'auth_url = "{base.swift_auth_url}"',
        f'user = "{base.swift_admin_user}"', f'key = "{base.swift_admin_key}"',
        "[credentials]", 'backend = "sqlite"', f'sqlite_path = "{credentials["sqlite_path"]}"',
        f'encryption_key = "{encryption_key}"', ""))


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, work_dir: Path,
                          timeout: float = STARTUP_TIMEOUT) -> None:
    """Return once ``port`` accepts connections; fail with the output if ``serve`` exits."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        code = process.poll()
        if code is not None:
            pytest.fail(f"s3swift serve exited early with code {code}\n"
                        f"{read_output(work_dir, 'serve')}")
        if time.monotonic() > deadline:
            process.kill()
            process.wait(10)
            pytest.fail(f"s3swift serve did not listen within {timeout}s\n"
                        f"{read_output(work_dir, 'serve')}")
        time.sleep(0.05)


def _launch(base: GatewayEnv, work_dir: Path, settings: Mapping[str, str]
            ) -> tuple[subprocess.Popen[bytes], int, Path]:
    """Start ``s3swift serve`` on a free port without waiting: (process, port, config)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    config_path = work_dir / "gateway.toml"
    config_path.write_text(_serve_config(base))
    port = free_port()
    environment = {**os.environ, **settings, "S3SWIFT_SERVER_PORT": str(port)}
    with open(work_dir / "serve.stdout", "wb") as out, \
            open(work_dir / "serve.stderr", "wb") as err:
        process = subprocess.Popen(s3swift_command("serve", "--config", str(config_path)),
                                   env=environment, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=err)
    return process, port, config_path


def _listening(base: GatewayEnv, work_dir: Path, settings: Mapping[str, str],
               launched: tuple[subprocess.Popen[bytes], int, Path]) -> DevProcess:
    """Wait for a launched ``serve`` to listen; fails with its output (``pytest.fail``)."""
    process, port, config_path = launched
    _wait_until_listening(process, port, work_dir)
    with pytest.MonkeyPatch.context() as env:  # the region serve itself reads
        for name, value in settings.items():
            env.setenv(name, value)
        region = load_config(str(config_path)).server.region
    gateway = dataclasses.replace(base, data_dir=work_dir, port=port, pid=process.pid,
                                  endpoint=f"http://127.0.0.1:{port}", region=region)
    return DevProcess(process, work_dir, gateway, "serve")


def start_serve(base: GatewayEnv, work_dir: Path, settings: Mapping[str, str]) -> DevProcess:
    """``s3swift serve`` on a free port, on ``base``'s Swift and keys, with ``S3SWIFT_*``
    environment ``settings``: another gateway without another Swift."""
    for attempt in range(3):
        try:
            return _listening(base, work_dir, settings, _launch(base, work_dir, settings))
        except pytest.fail.Exception as exc:
            if "address already in use" not in str(exc).lower() or attempt == 2:
                raise
    raise AssertionError("unreachable")


def start_serves(base: GatewayEnv, specs: Sequence[tuple[Path, Mapping[str, str]]]
                 ) -> list[DevProcess]:
    """Several ``start_serve`` at once, their start-ups overlapping; one that lost its
    port to another process is started again alone. On failure none is left running."""
    launched = [(work_dir, settings, _launch(base, work_dir, settings))
                for work_dir, settings in specs]
    started: list[DevProcess] = []
    try:
        for work_dir, settings, launch in launched:
            try:
                started.append(_listening(base, work_dir, settings, launch))
            except pytest.fail.Exception as exc:
                if "address already in use" not in str(exc).lower():
                    raise
                started.append(start_serve(base, work_dir, settings))
    except BaseException:
        for _, _, (process, _, _) in launched:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        raise
    return started


def stop_serves(gateways: Sequence[DevProcess]) -> None:
    """SIGTERM all at once, then each must exit cleanly (0)."""
    for gateway in gateways:
        gateway.process.send_signal(signal.SIGTERM)
    for gateway in gateways:
        code = gateway.process.wait(SHUTDOWN_TIMEOUT)
        assert code == 0, f"s3swift serve exited with {code}\n{gateway.output()}"


@contextlib.contextmanager
def gateway_with_settings(base: GatewayEnv, tmp_path_factory: pytest.TempPathFactory,
                          label: str, settings: Mapping[str, str]) -> Iterator[DevProcess]:
    """A second gateway (``start_serve``) on the session's Swift with other ``S3SWIFT_*``
    settings, for a module whose tests need them; asserts a clean exit on SIGTERM."""
    gateway = start_serve(base, tmp_path_factory.mktemp(label), settings)
    yield gateway
    code = gateway.stop()
    assert code == 0, f"s3swift serve exited with {code}\n{gateway.output()}"
