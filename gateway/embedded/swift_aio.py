"""A real OpenStack Swift all-in-one for development and tests.

Runs the PyPI ``swift`` package's proxy, account, container and object
servers (plus the object and container updaters) and a private memcached on
free loopback ports, with one-replica rings and tempauth. Everything lives
under one data directory:

    <data_dir>/etc    generated configs and rings (rewritten every start)
    <data_dir>/srv    the single storage device ``d0`` (kept across runs)
    <data_dir>/log    one log file per server, plus captured stdout/stderr
    <data_dir>/recon  the updaters' recon stats (Swift's /var/cache/swift)
    <data_dir>/state.json   hash path prefix/suffix and the admin key
    <data_dir>/run/processes.json   pids and command lines of the last start

Ports are picked fresh on every start so the embedded Swift never collides
with a Swift already running on the usual ports of the same machine.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from gateway.embedded.processes import (
    LOOPBACK, cmdline, free_ports, running, tail, terminate_with_parent)
from gateway.embedded.swift_configs import (
    CommonSettings, account_server_conf, container_server_conf, object_server_conf,
    proxy_server_conf, swift_conf)

ADMIN_ACCOUNT, ADMIN_USERNAME = "gateway", "admin"
TEST_ACCOUNT, TEST_USERNAME, TEST_KEY = "test", "tester", "testing"
RESELLER_PREFIX = "AUTH_"
BACKENDS = ("account", "container", "object")


class EmbeddedSwiftError(RuntimeError):
    """The embedded Swift failed to start; the message carries the log tail."""


@dataclass(frozen=True)
class SwiftEndpoints:
    """How to reach a running embedded Swift.

    ``proxy_url`` is the proxy's base URL (no ``/v1``); ``auth_url`` is the
    tempauth v1 URL. The admin user is a reseller admin (it may act on any
    ``AUTH_`` account); the test user owns ``test_account``.
    """

    proxy_url: str
    auth_url: str
    admin_user: str
    admin_key: str
    test_user: str
    test_key: str
    test_account: str
    memcached: str
    pids: tuple[int, ...] = field(default=())


@dataclass
class _Ports:
    proxy: int
    account: int
    container: int
    object: int
    memcached: int


@dataclass
class _Child:
    name: str
    process: subprocess.Popen[bytes]
    log_files: tuple[Path, ...]


def find_memcached() -> str:
    """The memcached binary; tempauth refuses to run without memcache."""
    found = shutil.which("memcached") or next(
        (p for p in ("/usr/bin/memcached", "/usr/sbin/memcached",
                     "/usr/local/bin/memcached") if os.access(p, os.X_OK)), None)
    if not found:
        raise EmbeddedSwiftError(
            "memcached not found: install it (apt-get install memcached, or `make install`)")
    return found


class EmbeddedSwift:
    """Start and stop a private Swift all-in-one under ``data_dir``.

    Use as a context manager, or call :meth:`start` / :meth:`stop`. Only
    processes this object started (and their process groups) are signalled.
    """

    def __init__(self, data_dir: str | os.PathLike[str], *, proxy_workers: int = 0,
                 part_power: int = 8, log_level: str = "INFO",
                 startup_timeout: float = 60.0, die_with_parent: bool = False,
                 s3api: bool = False, disk_sync: bool = True,
                 container_updater_interval: int = 5) -> None:
        self.root = Path(data_dir).resolve()
        self.etc = self.root / "etc"
        self.srv = self.root / "srv"
        self.log_dir = self.root / "log"
        self.run_dir = self.root / "run"
        self.recon_dir = self.root / "recon"
        self.proxy_workers = proxy_workers
        self.part_power = part_power
        self.log_level = log_level
        self.startup_timeout = startup_timeout
        # Linux only: children get SIGTERM if the thread that started them dies,
        # so a SIGKILLed `s3swift dev` leaves no orphans. Only for callers that
        # start from a long-lived (main) thread.
        self.die_with_parent = die_with_parent and sys.platform.startswith("linux")
        # Swift's own s3api middleware in the proxy (benchmarks only).
        self.s3api = s3api
        # False: the servers skip fsync (a throwaway Swift: the test suite's).
        self.disk_sync = disk_sync
        # Seconds between the container-updater's sweeps (account object counts).
        self.container_updater_interval = container_updater_interval
        self._children: list[_Child] = []
        self._endpoints: SwiftEndpoints | None = None

    # -- public API -------------------------------------------------------

    @property
    def endpoints(self) -> SwiftEndpoints:
        if self._endpoints is None:
            raise EmbeddedSwiftError("embedded Swift is not running")
        return self._endpoints

    @property
    def pids(self) -> list[int]:
        """Pids of the processes (each leads its own process group) we started."""
        return [child.process.pid for child in self._children]

    def start(self) -> SwiftEndpoints:
        """Generate configs and rings, start every process, wait until usable."""
        if self._children:
            return self.endpoints
        for path in (self.etc, self.srv / "d0", self.log_dir, self.run_dir, self.recon_dir):
            path.mkdir(parents=True, exist_ok=True)
        self._stop_stale_processes()
        state = self._load_state()
        ports = _Ports(*free_ports(5))
        self._write_configs(ports, state)
        self._build_rings(ports)
        try:
            self._spawn("memcached", self._memcached_command(ports.memcached))
            for section in ("account-server", "container-server", "object-server",
                            "container-updater", "object-updater", "proxy-server"):
                self._spawn(section, self._server_command(section))
            self._record_processes()
            endpoints = SwiftEndpoints(
                proxy_url=f"http://{LOOPBACK}:{ports.proxy}",
                auth_url=f"http://{LOOPBACK}:{ports.proxy}/auth/v1.0",
                admin_user=f"{ADMIN_ACCOUNT}:{ADMIN_USERNAME}",
                admin_key=state["admin_key"],
                test_user=f"{TEST_ACCOUNT}:{TEST_USERNAME}",
                test_key=TEST_KEY,
                test_account=f"{RESELLER_PREFIX}{TEST_ACCOUNT}",
                memcached=f"{LOOPBACK}:{ports.memcached}",
                pids=tuple(self.pids),
            )
            self._wait_ready(endpoints, ports)
        except BaseException:
            self.stop()
            raise
        self._endpoints = endpoints
        return endpoints

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM each child's process group, wait, then SIGKILL stragglers."""
        children, self._children = self._children, []
        self._endpoints = None
        for child in children:
            self._signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in children:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            # Kill leftovers too (e.g. forked workers of an exited parent).
            self._signal_group(child.process, signal.SIGKILL)
            try:
                child.process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        (self.run_dir / "processes.json").unlink(missing_ok=True)

    def __enter__(self) -> SwiftEndpoints:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None,
                 exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- configuration ----------------------------------------------------

    def _load_state(self) -> dict[str, str]:
        """Secrets that must survive restarts: data placement depends on the hash."""
        path = self.root / "state.json"
        if path.exists():
            state: dict[str, str] = json.loads(path.read_text())
        else:
            state = {}
        changed = False
        for key, nbytes in (("hash_prefix", 16), ("hash_suffix", 16), ("admin_key", 24)):
            if not state.get(key):
                state[key] = secrets.token_hex(nbytes)
                changed = True
        if changed:
            path.write_text(json.dumps(state, indent=2))
            path.chmod(0o600)
        return state

    def _write_configs(self, ports: _Ports, state: dict[str, str]) -> None:
        common = CommonSettings(
            ip=LOOPBACK, user=pwd.getpwuid(os.getuid()).pw_name, swift_dir=str(self.etc),
            devices=str(self.srv), log_level=self.log_level,
            recon_cache_path=str(self.recon_dir))
        files = {
            "swift.conf": swift_conf(state["hash_prefix"], state["hash_suffix"]),
            "proxy-server.conf": proxy_server_conf(
                common, ports.proxy, self.proxy_workers, f"{LOOPBACK}:{ports.memcached}",
                {f"{ADMIN_ACCOUNT}_{ADMIN_USERNAME}":
                    f"{state['admin_key']} .admin .reseller_admin",
                 f"{TEST_ACCOUNT}_{TEST_USERNAME}": f"{TEST_KEY} .admin"},
                s3api=self.s3api),
            "account-server.conf": account_server_conf(common, ports.account),
            "container-server.conf": container_server_conf(
                common, ports.container, self.container_updater_interval),
            "object-server.conf": object_server_conf(common, ports.object),
        }
        for name, text in files.items():
            path = self.etc / name
            path.write_text(text)
            path.chmod(0o600)

    def _build_rings(self, ports: _Ports) -> None:
        command = [sys.executable, "-m", "gateway.embedded.swift_server", "rings",
                   str(self.etc), "--ip", LOOPBACK, "--part-power", str(self.part_power),
                   "--account-port", str(ports.account),
                   "--container-port", str(ports.container),
                   "--object-port", str(ports.object)]
        result = subprocess.run(command, capture_output=True, text=True, check=False,
                                env=self._child_env())
        if result.returncode != 0:
            raise EmbeddedSwiftError(f"building rings failed:\n{result.stderr}")

    # -- processes ----------------------------------------------------------

    def _memcached_command(self, port: int) -> list[str]:
        command = [find_memcached(), "-l", LOOPBACK, "-p", str(port), "-U", "0",
                   "-m", "64", "-c", "1024"]
        if os.geteuid() == 0:
            command += ["-u", "root"]  # memcached refuses to run as root otherwise
        return command

    def _server_command(self, section: str) -> list[str]:
        conf = self.etc / f"{section.split('-')[0]}-server.conf"
        command = [sys.executable, "-m", "gateway.embedded.swift_server", "serve",
                   str(conf), section, "--log-file", str(self.log_dir / f"{section}.log")]
        return command if self.disk_sync else [*command, "--no-disk-sync"]

    def _spawn(self, name: str, command: list[str]) -> None:
        out_path = self.log_dir / f"{name}.out"
        with open(out_path, "ab") as out:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True, env=self._child_env(),
                preexec_fn=terminate_with_parent(os.getpid()) if self.die_with_parent else None)
        log_files = (out_path, self.log_dir / f"{name}.log")
        self._children.append(_Child(name, process, log_files))

    @staticmethod
    def _child_env() -> dict[str, str]:
        env = dict(os.environ)
        # The launcher must import this package even when run from elsewhere.
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        # Every address this Swift uses is a loopback IP literal, so it never resolves a
        # name; eventlet's green DNS imports dnspython and cryptography, half of each
        # server's start-up CPU.
        env.setdefault("EVENTLET_NO_GREENDNS", "yes")
        return env

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
        try:
            os.killpg(process.pid, signum)  # the pid is its own group leader
        except (ProcessLookupError, PermissionError):
            pass

    def _record_processes(self) -> None:
        """Remember what we started so a later start can clean up after a crash."""
        records = [{"name": c.name, "pid": c.process.pid, "cmdline": c.process.args}
                   for c in self._children]
        owner = {"pid": os.getpid(), "cmdline": cmdline(os.getpid())}
        document = {"owner": owner, "processes": records}
        (self.run_dir / "processes.json").write_text(json.dumps(document, indent=2))

    def _stop_stale_processes(self) -> None:
        """Stop leftovers of a previous run that was killed before it could stop.

        A recorded pid is only signalled if its command line still matches
        exactly what we launched, so a recycled pid is never touched.
        """
        path = self.run_dir / "processes.json"
        if not path.exists():
            return
        try:
            document = json.loads(path.read_text())
        except ValueError:
            document = {}
        owner = document.get("owner") or {}
        owner_pid = owner.get("pid")
        if (owner_pid and owner_pid != os.getpid() and running(owner_pid)
                and cmdline(owner_pid) == owner.get("cmdline")):
            # Another live instance owns this data dir: its Swift is not ours to stop.
            raise EmbeddedSwiftError(
                f"{self.root} is in use by running process {owner_pid}; "
                "stop it or choose another data dir")
        records = document.get("processes", [])
        stale = [r["pid"] for r in records if cmdline(r["pid"]) == list(r["cmdline"])]
        for pid in stale:
            try:
                os.killpg(pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + 10
        while any(running(pid) for pid in stale) and time.monotonic() < deadline:
            time.sleep(0.1)
        path.unlink(missing_ok=True)

    # -- readiness ------------------------------------------------------------

    def _check_alive(self) -> None:
        for child in self._children:
            code = child.process.poll()
            if code is not None:
                logs = "\n".join(f"--- {p.name} ---\n{tail(p)}" for p in child.log_files)
                raise EmbeddedSwiftError(
                    f"embedded Swift {child.name} exited with code {code}\n{logs}")

    def _wait_ready(self, endpoints: SwiftEndpoints, ports: _Ports) -> None:
        """Poll until every backend, tempauth (thus memcached) and /info answer."""
        deadline = time.monotonic() + self.startup_timeout
        checks: list[tuple[str, dict[str, str]]] = [
            (f"http://{LOOPBACK}:{getattr(ports, kind)}/healthcheck", {})
            for kind in BACKENDS]
        checks += [
            (f"{endpoints.proxy_url}/healthcheck", {}),
            (endpoints.auth_url, {"X-Auth-User": endpoints.admin_user,
                                  "X-Auth-Key": endpoints.admin_key}),
            (f"{endpoints.proxy_url}/info", {}),
        ]
        last_error = ""
        for url, headers in checks:
            while True:
                self._check_alive()
                try:
                    request = urllib.request.Request(url, headers=headers)
                    with urllib.request.urlopen(request, timeout=5) as response:
                        if response.status < 300:
                            break
                        last_error = f"{url}: HTTP {response.status}"
                except (urllib.error.URLError, OSError) as exc:
                    last_error = f"{url}: {exc}"
                if time.monotonic() > deadline:
                    logs = "\n".join(
                        f"--- {p.name} ---\n{tail(p, 10)}"
                        for c in self._children for p in c.log_files)
                    raise EmbeddedSwiftError(
                        f"embedded Swift not ready after {self.startup_timeout}s "
                        f"({last_error})\n{logs}")
                time.sleep(0.1)
