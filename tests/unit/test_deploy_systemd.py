"""deploy/s3swift.service: the admin commands it documents manage the store it serves.

The store's path lives in the config file and its key in the EnvironmentFile, and
the documented ``s3swift credentials`` lines name both, so a key created by an admin
is the key the service finds (before, the path lived only in the unit's environment
and the admin command silently wrote to ``./.data``).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shlex
from pathlib import Path

import pytest

from gateway.config import load_config
from gateway.credentials.cli import add_arguments, main
from gateway.credentials.factory import build_store
from gateway.credentials.sqlite_store import generate_encryption_key
from gateway.env_file import read_env_file

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "s3swift.service"


def _service() -> dict[str, list[str]]:
    """The [Service] section's settings (a key may repeat)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def _documented_commands() -> list[list[str]]:
    return [shlex.split(line.lstrip("# ")) for line in UNIT.read_text().splitlines()
            if line.startswith("#") and " credentials " in line and "sudo -u" in line]


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_every_setting_reaches_admin_commands_through_the_files_they_name() -> None:
    service = _service()
    assert not [v for v in service.get("Environment", []) if "S3SWIFT_" in v], (
        "a setting only in the unit's environment is invisible to the admin commands")
    serve = shlex.split(service["ExecStart"][0])
    commands = _documented_commands()
    assert sorted(argv[argv.index("--env-file") + 2] for argv in commands) == [
        "create", "delete", "list"]
    for argv in commands:
        assert argv[:3] == ["sudo", "-u", service["User"][0]]
        assert argv[3] == serve[0], "the same installation as the service"
        assert _option(argv, "--config") == _option(serve, "--config")
        assert _option(argv, "--env-file") == service["EnvironmentFile"][0]


def test_the_shipped_config_puts_the_store_in_the_state_directory() -> None:
    service = _service()
    state = Path("/var/lib") / service["StateDirectory"][0]
    config = load_config(DEPLOY / "s3swift.toml", env={})
    path = Path(config.credentials.sqlite_path)
    assert config.credentials.backend == "sqlite"
    assert path.is_absolute() and path.parent == state
    assert str(state) in service["ReadWritePaths"][0].split()
    assert service["User"] != ["root"]


def _run_cli(argv: list[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="s3swift credentials")
    add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = main(parser.parse_args(argv), stdin=io.StringIO(""), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_a_key_created_as_documented_is_found_by_the_service(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The documented create line, run from another directory with a bare shell
    environment, writes the store the service (config + EnvironmentFile) opens."""
    store = tmp_path / "state" / "credentials.sqlite"
    config = tmp_path / "gateway.toml"
    shipped = (DEPLOY / "s3swift.toml").read_text(encoding="utf-8")
    config.write_text(shipped.replace("/var/lib/s3swift/credentials.sqlite", str(store)))
    env_file = tmp_path / "s3swift.env"
    env_file.write_text("# secrets\nS3SWIFT_SWIFT_KEY=swift-secret\n"
                        f"S3SWIFT_CREDENTIALS_ENCRYPTION_KEY=\"{generate_encryption_key()}\"\n")
    for name in ("S3SWIFT_CREDENTIALS_ENCRYPTION_KEY", "S3SWIFT_CREDENTIALS_SQLITE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path.parent)

    create = next(argv for argv in _documented_commands() if "create" in argv)
    args = create[create.index("credentials") + 1:]
    args[args.index("--config") + 1] = str(config)
    args[args.index("--env-file") + 1] = str(env_file)
    code, out, err = _run_cli([*args, "--access-key", "AKADMIN", "--secret-key", "S" * 40])
    assert code == 0, err
    assert err == f"s3swift credentials: creating a new credential store at {store}\n"

    service_config = load_config(config, env=read_env_file(env_file))
    credential = asyncio.run(build_store(service_config.credentials).lookup("AKADMIN"))
    assert credential is not None and credential.secret_key == "S" * 40
    assert not (tmp_path.parent / ".data").exists()

    code, out, err = _run_cli([*args[:args.index("create")], "list"])
    assert code == 0 and err == "" and "AKADMIN" in out

    # Without the EnvironmentFile the key is missing: a clear error, nothing written.
    without = [a for a in args if a not in ("--env-file", str(env_file))]
    code, out, err = _run_cli([*without, "--access-key", "AK2"])
    assert code == 2 and "encryption_key" in err


def test_env_file_syntax(tmp_path: Path) -> None:
    path = tmp_path / "env"
    path.write_text("# comment\n; comment\n\nA=1\n B = 'two words' \nC=\"x=y\"\nD=\n")
    assert read_env_file(path) == {"A": "1", "B": "two words", "C": "x=y", "D": ""}
    path.write_text("A=1\nexport B=2\n")
    with pytest.raises(ValueError, match=r"env:2: not a NAME=value line"):
        read_env_file(path)


def test_env_file_needs_a_config(tmp_path: Path) -> None:
    path = tmp_path / "env"
    path.write_text("A=1\n")
    code, _, err = _run_cli(["list", "--data-dir", str(tmp_path), "--env-file", str(path)])
    assert code == 2 and "--env-file applies to a --config store" in err
