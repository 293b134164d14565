"""Start and stop the system under test: ``s3swift dev`` plus a 2-worker ``s3swift serve``.

``s3swift dev`` runs the embedded Swift all-in-one and a 1-worker gateway inside
its own process (the pid in ``endpoints.json``). ``s3swift serve --workers N``
is started next to it, pointed at the same embedded Swift and the same
credential store, so one run measures both gateway shapes against one Swift.
Everything listens on 127.0.0.1 on freshly picked ports.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"


class ClusterError(RuntimeError):
    """The system under test failed to start."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def s3swift_command() -> list[str]:
    """The venv's ``s3swift`` entry point (falls back to ``python -m gateway``)."""
    script = Path(sys.executable).with_name("s3swift")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "gateway"]


def _child_env() -> dict[str, str]:
    """The caller's environment minus ``S3SWIFT_*`` overrides, for reproducible runs."""
    return {k: v for k, v in os.environ.items() if not k.startswith("S3SWIFT_")}


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (all threads), from /proc."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
        except OSError:
            continue
        found.extend(int(p) for p in text.split())
    return sorted(set(found))


def descendants_of(pid: int) -> list[int]:
    out: list[int] = []
    stack = [pid]
    while stack:
        for child in children_of(stack.pop()):
            out.append(child)
            stack.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive for our purposes.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def terminate(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """SIGTERM ``proc`` and wait for it; SIGKILL it if it is still there after ``timeout``."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def _http_answers(url: str, timeout: float = 2.0) -> bool:
    """True once something answers HTTP at ``url`` (any status)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


class Cluster:
    """``s3swift dev`` (embedded Swift + 1-worker gateway) and ``s3swift serve``."""

    def __init__(self, root: Path, serve_workers: int = 2, log=print,  # noqa: ANN001
                 with_s3api: bool = False) -> None:
        self.root = Path(root)
        self.with_s3api = with_s3api  # Swift's own s3api in the proxy: a third side
        self.data_dir = self.root / "dev"
        self.serve_workers = serve_workers
        self.log = log
        self.dev: subprocess.Popen[bytes] | None = None
        self.serve: subprocess.Popen[bytes] | None = None
        self.endpoints: dict[str, Any] = {}
        self.serve_endpoint = ""
        self._swift_pids: list[int] = []

    # -- start ------------------------------------------------------------

    def start(self, timeout: float = 180.0) -> None:
        """Start dev, then (unless ``serve_workers`` is 0) serve."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._start_dev(timeout)
        if self.serve_workers > 0:
            self._start_serve(timeout)

    def _start_dev(self, timeout: float) -> None:
        port = free_port()
        log_file = open(self.root / "dev.log", "wb")  # noqa: SIM115 (closed at exit)
        self.dev = subprocess.Popen(
            [*s3swift_command(), "dev", "--host", LOOPBACK, "--port", str(port),
             "--data-dir", str(self.data_dir), *(["--with-s3api"] if self.with_s3api else [])],
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            env=_child_env(), start_new_session=True)
        log_file.close()
        path = self.data_dir / "endpoints.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.dev.poll() is not None:
                raise ClusterError(f"s3swift dev exited with {self.dev.returncode}:\n"
                                   + self._tail(self.root / "dev.log"))
            if path.exists():
                try:
                    self.endpoints = json.loads(path.read_text())
                    break
                except (OSError, ValueError):
                    pass
            time.sleep(0.2)
        else:
            raise ClusterError("s3swift dev did not become ready in time:\n"
                               + self._tail(self.root / "dev.log"))
        self._swift_pids = list(self.endpoints["swift"].get("pids", []))
        self.log(f"s3swift dev ready: gateway {self.endpoints['s3']['endpoint']} "
                 f"(pid {self.dev_pid}), swift {self.endpoints['swift']['proxy_url']}")

    def _start_serve(self, timeout: float) -> None:
        port = free_port()
        config = self.write_serve_config(self.root / "serve.toml", port, self.serve_workers)
        log_file = open(self.root / "serve.log", "wb")  # noqa: SIM115
        self.serve = subprocess.Popen(
            [*s3swift_command(), "serve", "--config", str(config),
             "--workers", str(self.serve_workers)],
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            env=_child_env(), start_new_session=True)
        log_file.close()
        self.serve_endpoint = f"http://{LOOPBACK}:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.serve.poll() is not None:
                raise ClusterError(f"s3swift serve exited with {self.serve.returncode}:\n"
                                   + self._tail(self.root / "serve.log"))
            if (len(self.serve_worker_pids()) >= self.serve_workers
                    and _http_answers(self.serve_endpoint + "/")):
                break
            time.sleep(0.2)
        else:
            raise ClusterError("s3swift serve did not become ready in time:\n"
                               + self._tail(self.root / "serve.log"))
        self.log(f"s3swift serve ready: gateway {self.serve_endpoint} "
                 f"(workers {self.serve_worker_pids()})")

    def write_serve_config(self, path: Path, port: int, workers: int,
                           swift_endpoint: str = "") -> Path:
        """A ``s3swift serve`` TOML for this Swift and credential store.

        ``swift_endpoint`` (a ``/v1`` URL) sends the gateway's Swift requests
        elsewhere than the proxy tempauth names, e.g. through a recording proxy.
        """
        swift = self.endpoints["swift"]
        creds = self.endpoints["credentials"]
        key = Path(creds["encryption_key_file"]).read_text(encoding="ascii").strip()
        path.write_text("\n".join([
            "[server]",
            f"host = {_toml_str(LOOPBACK)}",
            f"port = {port}",
            f"workers = {workers}",
            f"region = {_toml_str(self.endpoints['s3']['region'])}",
            'log_level = "WARNING"',
            "",
            "[swift]",
            'auth_type = "tempauth"',
            f"auth_url = {_toml_str(swift['auth_url'])}",
            f"user = {_toml_str(swift['admin_user'])}",
            f"key = {_toml_str(swift['admin_key'])}",
            *([f"endpoint = {_toml_str(swift_endpoint)}"] if swift_endpoint else []),
            "",
            "[credentials]",
            'backend = "sqlite"',
            f"sqlite_path = {_toml_str(creds['sqlite_path'])}",
            f"encryption_key = {_toml_str(key)}",
            "",
        ]), encoding="utf-8")
        path.chmod(0o600)
        return path

    # -- process ids --------------------------------------------------------

    @property
    def dev_pid(self) -> int:
        return int(self.endpoints["pid"])

    def serve_worker_pids(self) -> list[int]:
        if self.serve is None:
            return []
        if self.serve_workers <= 1:  # serve runs its only worker in-process
            return [self.serve.pid]
        return children_of(self.serve.pid)

    def swift_pids(self) -> list[int]:
        """Every embedded-Swift process (servers, their workers, memcached)."""
        return descendants_of(self.dev_pid) if self.dev is not None else []

    # -- stop ---------------------------------------------------------------

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM serve and dev, wait (bounded), then SIGKILL what is left of ours."""
        for name in ("serve", "dev"):
            proc: subprocess.Popen[bytes] | None = getattr(self, name)
            if proc is None or proc.poll() is not None:
                continue
            leftovers = descendants_of(proc.pid)
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.log(f"s3swift {name} did not stop in {timeout:.0f}s; killing it")
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # its own session: only ours
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    pass
            # Children that outlived their parent (each Swift server has its own group).
            self._kill_leftovers(leftovers)
        self._kill_leftovers(self._swift_pids)

    def _kill_leftovers(self, pids: list[int]) -> None:
        deadline = time.monotonic() + 10
        pending = [p for p in pids if alive(p)]
        while pending and time.monotonic() < deadline:
            time.sleep(0.2)
            pending = [p for p in pending if alive(p)]
        for pid in pending:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if str(self.root).encode() in cmdline or b"memcached" in cmdline:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    @staticmethod
    def _tail(path: Path, lines: int = 40) -> str:
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
