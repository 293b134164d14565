"""The embedded Swift is a real, correctly configured Swift, and ``s3swift dev`` cleans up.

These talk to Swift directly with python-swiftclient, bypassing the gateway,
so a failure here points at the Swift set-up rather than at the S3 layer.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import swiftclient.client
from swiftclient.exceptions import ClientException

from tests.integration.conftest import (
    DevProcess, GatewayEnv, free_port, s3_client_of, s3swift_command, start_dev)


def _pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains ``text`` (e.g. a data directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace")
        except OSError:
            continue
        if text in cmdline and _pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _wait_until(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_tempauth_hands_out_a_token_for_the_test_account(
        swift_conn: swiftclient.client.Connection, gateway_env: GatewayEnv) -> None:
    url, token = swift_conn.get_auth()
    assert token
    assert url == f"{gateway_env.swift_proxy_url}/v1/{gateway_env.swift_account}"


def test_container_and_object_round_trip(swift_conn: swiftclient.client.Connection) -> None:
    container = f"c-{uuid.uuid4().hex[:12]}"
    swift_conn.put_container(container)
    swift_conn.put_object(container, "hello.txt", b"hello swift",
                          content_type="text/plain")
    headers, body = swift_conn.get_object(container, "hello.txt")
    assert body == b"hello swift"
    assert headers["content-type"] == "text/plain"
    _, listing = swift_conn.get_container(container)
    assert [item["name"] for item in listing] == ["hello.txt"]
    swift_conn.delete_object(container, "hello.txt")
    swift_conn.delete_container(container)


def test_fresh_account_works_on_first_use(
        swift_admin_conn: swiftclient.client.Connection, gateway_env: GatewayEnv) -> None:
    """The gateway's reseller admin can use any AUTH_ account without creating it first."""
    _, token = swift_admin_conn.get_auth()
    account_url = f"{gateway_env.swift_proxy_url}/v1/AUTH_fresh{uuid.uuid4().hex[:12]}"
    swiftclient.client.put_container(account_url, token, "first")
    swiftclient.client.put_object(account_url, token, "first", "obj", b"data")
    _, body = swiftclient.client.get_object(account_url, token, "first", "obj")
    assert body == b"data"
    _, containers = swiftclient.client.get_account(account_url, token)
    assert [c["name"] for c in containers] == ["first"]


def test_test_user_cannot_reach_other_accounts(
        swift_conn: swiftclient.client.Connection, gateway_env: GatewayEnv) -> None:
    _, token = swift_conn.get_auth()
    other = f"{gateway_env.swift_proxy_url}/v1/AUTH_other{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientException) as excinfo:
        swiftclient.client.put_container(other, token, "nope")
    assert excinfo.value.http_status == 403


def test_metadata_up_to_s3s_2_kib_is_stored(swift_conn: swiftclient.client.Connection) -> None:
    """S3's 2 KiB of user metadata (2560 bytes packed) fits, with 512 bytes to spare
    for the gateway's own."""
    container = f"meta-{uuid.uuid4().hex[:12]}"
    swift_conn.put_container(container)
    # Swift counts name (after X-Object-Meta-) plus value: 4 * (4 + 496) = 2000 bytes.
    meta = {f"X-Object-Meta-K{i:03d}": chr(ord("a") + i) * 496 for i in range(4)}
    swift_conn.put_object(container, "meta", b"x", headers=meta)
    headers = swift_conn.head_object(container, "meta")
    assert headers["x-object-meta-k002"] == "c" * 496

    too_big = {f"X-Object-Meta-K{i:03d}": "z" * 800 for i in range(4)}  # 3216 > 3072
    with pytest.raises(ClientException) as excinfo:
        swift_conn.put_object(container, "too-big", b"x", headers=too_big)
    assert excinfo.value.http_status == 400


def test_info_advertises_the_limits_s3_needs(
        swift_conn: swiftclient.client.Connection) -> None:
    info = swift_conn.get_capabilities()
    assert info["slo"]["max_manifest_segments"] == 10000
    assert info["swift"]["max_meta_overall_size"] == 3072
    assert info["swift"]["max_file_size"] >= 5 * 1024**3
    assert info["swift"]["max_object_name_length"] >= 1024
    for feature in ("tempauth", "bulk_delete", "symlink", "object_versioning", "versioned_writes"):
        assert feature in info, feature
    assert [p["name"] for p in info["swift"]["policies"]] == ["gold"]


def test_private_configuration_not_etc_swift(
        dev_process: DevProcess, swift_conn: swiftclient.client.Connection) -> None:
    """Swift reads its configs from the data dir; /etc/swift is neither created nor used."""
    etc = dev_process.data_dir / "swift" / "etc"
    for name in ("swift.conf", "proxy-server.conf", "object.ring.gz", "account.ring.gz"):
        assert (etc / name).is_file(), name
    # 3072 is ours; a stray /etc/swift/swift.conf would leave Swift's default of 4096.
    assert swift_conn.get_capabilities()["swift"]["max_meta_overall_size"] == 3072
    system = Path("/etc/swift")
    if system.exists():
        started = (dev_process.data_dir / "endpoints.json").stat().st_mtime - 120
        touched = [p for p in system.rglob("*") if p.stat().st_mtime >= started]
        assert not touched, f"files under /etc/swift changed: {touched}"
    else:
        assert not system.exists()


def _orphans_of_a_killed_owner(swift_dir: Path) -> list[int]:
    """Start an EmbeddedSwift on ``swift_dir`` in a child process, SIGKILL that owner and
    return the pids of the Swift processes it leaves running."""
    script = ("import sys, time\n"
              "from gateway.embedded import EmbeddedSwift\n"
              "swift = EmbeddedSwift(sys.argv[1])\n"
              "print(' '.join(map(str, swift.start().pids)), flush=True)\n"
              "time.sleep(600)\n")
    owner = subprocess.Popen([sys.executable, "-c", script, str(swift_dir)],
                             stdout=subprocess.PIPE, text=True)
    try:
        line = owner.stdout.readline() if owner.stdout else ""
        orphans = [int(pid) for pid in line.split()]
        assert orphans, "the first EmbeddedSwift did not start"
    finally:
        owner.kill()
        owner.wait(10)
    assert all(_pid_alive(pid) for pid in orphans)  # own sessions: they outlive the owner
    return orphans


def test_dev_command_lifecycle_and_restart(
        launch_dev: Callable[..., DevProcess], monkeypatch: pytest.MonkeyPatch) -> None:
    """A second instance starts, serves, stops every child on SIGTERM and restarts on its
    data; the restart takes its port and base domains from the environment, and stops
    the processes a SIGKILLed owner left on that data dir (one restart, two duties: each
    Swift start costs seconds)."""
    dev = launch_dev()
    env = dev.env
    endpoints = json.loads((dev.data_dir / "endpoints.json").read_text())
    assert endpoints["pid"] == dev.process.pid
    assert endpoints["credentials"]["sqlite_path"].endswith("credentials.sqlite")
    # It holds the Swift reseller admin key: owner-only, like the credential store.
    assert (dev.data_dir / "endpoints.json").stat().st_mode & 0o777 == 0o600
    with socket.create_connection(("127.0.0.1", env.port), timeout=5):
        pass
    assert "s3swift dev is running" in (dev.data_dir / "dev.stdout").read_text()

    children = list(env.swift_pids)
    assert len(children) >= 5 and all(_pid_alive(pid) for pid in children)
    conn = swiftclient.client.Connection(authurl=env.swift_auth_url, user=env.swift_user,
                                         key=env.swift_key, auth_version="1", retries=1)
    conn.put_container("persist")
    conn.put_object("persist", "obj", b"survives restarts")

    dev.process.send_signal(signal.SIGTERM)
    assert dev.process.wait(30) == 0, dev.output()
    assert _wait_until(lambda: not any(_pid_alive(pid) for pid in children)), \
        [pid for pid in children if _pid_alive(pid)]
    assert _wait_until(lambda: not _processes_mentioning(str(dev.data_dir)))
    assert not (dev.data_dir / "endpoints.json").exists()

    # A crash in between: an owner of the same Swift data dir dies by SIGKILL.
    orphans = _orphans_of_a_killed_owner(dev.data_dir / "swift")

    # Same data dir, new ports: rings and configs are regenerated, the data is kept.
    # No --port: S3SWIFT_SERVER_PORT decides, as [server] settings all come from the
    # environment too.
    port = free_port()
    monkeypatch.setenv("S3SWIFT_SERVER_PORT", str(port))
    monkeypatch.setenv("S3SWIFT_SERVER_BASE_DOMAINS", "s3.example.test")
    again = start_dev(dev.data_dir, None)
    try:
        # The start stopped the orphans before starting its own Swift.
        assert not any(_pid_alive(pid) for pid in orphans)
        assert set(again.env.swift_pids).isdisjoint(orphans)
        assert again.env.port == port
        assert again.env.endpoint == f"http://127.0.0.1:{port}"
        assert again.env.raw["s3"]["base_domains"] == ["s3.example.test"]
        assert "Buckets" in s3_client_of(again.env).list_buckets()
        conn = swiftclient.client.Connection(authurl=again.env.swift_auth_url,
                                             user=again.env.swift_user, key=again.env.swift_key,
                                             auth_version="1", retries=1)
        _, body = conn.get_object("persist", "obj")
        assert body == b"survives restarts"
    finally:
        assert again.stop() == 0, again.output()
    assert _wait_until(lambda: not any(_pid_alive(pid) for pid in again.env.swift_pids))


def test_busy_data_dir_is_refused_and_the_running_instance_survives(
        dev_process: DevProcess) -> None:
    first = dev_process  # the session's instance: it must survive this
    second = subprocess.run(
        s3swift_command("dev", "--port", str(free_port()), "--data-dir", str(first.data_dir)),
        capture_output=True, text=True, timeout=120)
    assert second.returncode != 0
    output = second.stdout + second.stderr
    assert f"in use by running process {first.process.pid}" in output
    assert len(output.strip().splitlines()) == 1, output  # one clear line, no traceback
    # The first instance's endpoints.json is left alone.
    endpoints = json.loads((first.data_dir / "endpoints.json").read_text())
    assert endpoints["pid"] == first.process.pid
    # The first instance's Swift and gateway are untouched.
    assert first.process.poll() is None
    conn = swiftclient.client.Connection(
        authurl=first.env.swift_auth_url, user=first.env.swift_user,
        key=first.env.swift_key, auth_version="1", retries=0)
    conn.put_container("still-up")
    assert conn.head_container("still-up") is not None


def test_recon_cache_is_in_the_data_dir(dev_process: DevProcess) -> None:
    """The updaters dump their recon stats under the data dir, not /var/cache/swift."""
    swift_dir = dev_process.data_dir / "swift"
    recon = [swift_dir / "recon" / "object.recon", swift_dir / "recon" / "container.recon"]
    # Both updaters sweep once at start and write their stats after each sweep.
    assert _wait_until(lambda: all(path.is_file() for path in recon), timeout=60), \
        [str(path) for path in recon if not path.is_file()]
    for log in (swift_dir / "log").iterdir():
        assert "Exception dumping recon cache" not in log.read_text(errors="replace"), log
