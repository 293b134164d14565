"""``s3swift serve`` refuses a configuration it cannot run with: one line, exit status 2.

Through the real command line; the Swift checks use the session's embedded Swift.
Mistakes in the file, environment or options are refused before anything starts:
those run ``s3swift serve`` in this process (``_serve_here``, the same ``main`` the
``s3swift`` script calls), as a subprocess would spend most of its second on imports;
``test_missing_file`` and the Swift checks run the real process.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import free_port, s3swift_command

STATIC = """
[credentials]
backend = "static"
access_key = "AK"
secret_key = "secret"
account = "AUTH_test"
"""


def _serve(config: Path | None, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``s3swift serve``; it must exit by itself (it never gets to serve here)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("S3SWIFT_")}
    command = s3swift_command("serve", *(("--config", str(config)) if config else ()), *args)
    return subprocess.run(command, env={**clean, **env}, capture_output=True, text=True,
                          timeout=60, check=False)


def _serve_here(config: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``_serve`` in this process, for mistakes refused before anything starts: the
    environment holds no other ``S3SWIFT_*`` variable meanwhile."""
    from gateway.cli import main as s3swift

    argv = ["serve", "--config", str(config), *args]
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name in [k for k in os.environ if k.startswith("S3SWIFT_")]:
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = s3swift(argv)
    return subprocess.CompletedProcess(["s3swift", *argv], code, out.getvalue(),
                                       err.getvalue())


def _assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert result.stderr.startswith("s3swift serve: "), output
    assert len(output.strip().splitlines()) == 1, output  # one line, no traceback
    for fragment in fragments:
        assert fragment in output, output


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    return path


def test_missing_file(tmp_path: Path) -> None:
    _assert_refused(_serve(tmp_path / "absent.toml"),
                    f"{tmp_path / 'absent.toml'}: configuration file not found")


@pytest.mark.parametrize("text, fragments", [
    ("[server\n", ("invalid TOML", "line 1")),
    ("[server]\nprot = 80\n", ("unknown configuration key [server] prot",)),
    ('[server]\nport = "abc"\n', ("[server] port must be an integer, not 'abc'",)),
    ('[server]\nlog_level = "LOUD"\n', ("[server] log_level must be one of",)),
    ('[[credentials.static]]\naccess_key = "A"\nsecret = "s"\naccount = "AUTH_a"\n',
     ("[credentials] static #1: unknown key 'secret'",)),
])
def test_file_mistakes(tmp_path: Path, text: str, fragments: tuple[str, ...]) -> None:
    path = _write(tmp_path, text)
    _assert_refused(_serve_here(path), f"{path}: ", *fragments)


def test_environment_mistake_names_the_variable(tmp_path: Path) -> None:
    _assert_refused(_serve_here(_write(tmp_path, STATIC), S3SWIFT_SERVER_PORT="abc"),
                    "S3SWIFT_SERVER_PORT: [server] port must be an integer, not 'abc'")


def test_option_mistake_names_the_option(tmp_path: Path) -> None:
    _assert_refused(_serve_here(_write(tmp_path, STATIC), "--workers", "0"),
                    "--workers must be at least 1, not 0")


def test_missing_encryption_key(tmp_path: Path) -> None:
    text = f'[credentials]\nsqlite_path = "{tmp_path}/c.sqlite"\n'
    _assert_refused(_serve_here(_write(tmp_path, text)), "[credentials]", "encryption_key")


def _swift_config(env: Any, tmp_path: Path, **swift: str) -> Path:
    values = {"auth_type": "tempauth", "auth_url": env.swift_auth_url,
              "user": env.swift_admin_user, "key": env.swift_admin_key,
              "connect_timeout_seconds": "5", **swift}
    lines = "\n".join(f'{key} = "{value}"' if key != "connect_timeout_seconds"
                      else f"{key} = {value}" for key, value in values.items())
    return _write(tmp_path, f"[server]\nport = {free_port()}\n\n[swift]\n{lines}\n{STATIC}")


def test_wrong_swift_key(gateway_env: Any, tmp_path: Path) -> None:
    _assert_refused(_serve(_swift_config(gateway_env, tmp_path, key="wrong")),
                    f"Swift authentication (tempauth) at {gateway_env.swift_auth_url} failed",
                    "401 Unauthorized")


def test_wrong_swift_url(gateway_env: Any, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/auth/v1.0"
    _assert_refused(_serve(_swift_config(gateway_env, tmp_path, auth_url=url)),
                    f"Swift authentication (tempauth) at {url} failed", "Cannot connect")


def test_wrong_swift_auth_type(gateway_env: Any, tmp_path: Path) -> None:
    _assert_refused(_serve(_swift_config(gateway_env, tmp_path, auth_type="keystone")),
                    "Swift authentication (keystone)", "keystone answered")


def test_port_in_use(gateway_env: Any, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        config = _swift_config(gateway_env, tmp_path)
        _assert_refused(_serve(config, "--port", str(port)),
                        f"cannot listen on 127.0.0.1:{port}", "Address already in use")
