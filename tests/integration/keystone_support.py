"""A real Keystone for the tests: installed in .venv-keystone, bootstrapped once
into a template state directory, served by gunicorn once per session.

``make install`` creates the virtualenv (``requirements-keystone.txt``) and the
template; when the template is missing the first session builds it. Users,
projects, roles and EC2 credentials are then made through Keystone's own API
(``KeystoneAdmin``), as an operator and its users would.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.integration.keystone_tools.keystone_conf import write_keystone_conf

REPO = Path(__file__).resolve().parents[2]
TOOLS = Path(__file__).resolve().parent / "keystone_tools"

ADMIN_PASSWORD = "s3swift-keystone-admin"
TEMPLATE_URL = "http://127.0.0.1:5000/v3/"  # the catalog's URL; the tests never read it
READY_TIMEOUT = 120.0
HTTP_TIMEOUT = 30.0


def keystone_venv() -> Path:
    """``S3SWIFT_KEYSTONE_VENV``, else the repository's ``.venv-keystone``."""
    venv = Path(os.environ.get("S3SWIFT_KEYSTONE_VENV", REPO / ".venv-keystone"))
    if not (venv / "bin" / "gunicorn").exists():
        pytest.fail(f"no Keystone virtualenv at {venv}: run `make install` "
                    "(or set S3SWIFT_KEYSTONE_VENV)")
    return venv


def template_state(venv: Path) -> Path:
    """The bootstrapped state directory, built once per virtualenv."""
    template = venv / "keystone-state-template"
    if (template / "keystone.db").exists():
        return template
    building = venv / f"keystone-state-building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    result = subprocess.run(
        [str(venv / "bin" / "python"), str(TOOLS / "bootstrap.py"), str(building),
         ADMIN_PASSWORD, TEMPLATE_URL], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"keystone bootstrap failed:\n{result.stderr[-4000:]}")
    with contextlib.suppress(OSError):  # another session may have won the race
        building.rename(template)
    shutil.rmtree(building, ignore_errors=True)
    return template


def _request(url: str, method: str = "GET", body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
            raw = resp.read()
            return resp.status, dict(resp.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, dict(exc.headers), json.loads(raw) if raw else None


def password_token(url: str, user_id: str, password: str, scope: dict[str, Any]) -> str:
    status, headers, body = _request(f"{url}/auth/tokens", "POST", {"auth": {
        "identity": {"methods": ["password"],
                     "password": {"user": {"id": user_id, "password": password}}},
        "scope": scope}})
    assert status == 201, (status, body)
    return headers["X-Subject-Token"]


@dataclass
class KeystoneServer:
    """A gunicorn-served Keystone on a copy of the template; ``stop``/``start`` at will."""

    venv: Path
    state: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    _admin_token: str | None = field(default=None, repr=False)

    @property
    def access_log(self) -> Path:
        """gunicorn's access log: one line per request Keystone served."""
        return self.state / "access.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v3"

    def start(self) -> None:
        (self.state / "wsgi_app.py").write_bytes((TOOLS / "wsgi_app.py").read_bytes())
        conf = write_keystone_conf(self.state)
        # No green DNS: Keystone resolves no names here (SQLite, an in-memory cache),
        # and eventlet's would import dnspython at every start.
        env = {**os.environ, "OS_KEYSTONE_CONFIG_FILES": str(conf), "EVENTLET_NO_GREENDNS": "yes"}
        env.pop("PYTHONPATH", None)
        with open(self.state / "gunicorn.log", "ab") as log:
            self.process = subprocess.Popen(
                [str(self.venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "1", "--timeout", "300", "--no-control-socket",
                 "--access-logfile", str(self.access_log), "--chdir", str(self.state),
                 "wsgi_app:application"],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)  # its own process group: ``stop`` ends both
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            with contextlib.suppress(OSError, AssertionError):
                self._admin_token = password_token(self.url, self.admin_id(), ADMIN_PASSWORD,
                                                   {"system": {"all": True}})
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log_text = (self.state / "gunicorn.log").read_text(errors="replace")
                pytest.fail(f"keystone did not become ready:\n{log_text[-4000:]}")
            time.sleep(0.2)

    def admin_id(self) -> str:
        """The bootstrap admin's id, read from the database (the API needs a token)."""
        import sqlite3
        with contextlib.closing(sqlite3.connect(self.state / "keystone.db")) as db:
            row = db.execute("SELECT user_id FROM local_user WHERE name = 'admin'").fetchone()
        return str(row[0])

    def stop(self) -> None:
        """Kill gunicorn and its worker at once (its graceful stops take seconds);
        the state is a throw-away copy whose SQLite commits are already on disk."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)
        self.process = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def admin(self) -> KeystoneAdmin:
        if not self.running():
            self.start()
        assert self._admin_token is not None
        return KeystoneAdmin(self.url, self._admin_token)


def start_keystone(tmp_dir: Path, port: int) -> KeystoneServer:
    venv = keystone_venv()
    state = tmp_dir / "keystone-state"
    shutil.copytree(template_state(venv), state)
    server = KeystoneServer(venv, state, port)
    server.start()
    return server


@dataclass(frozen=True)
class Ec2Key:
    access: str
    secret: str
    user_id: str
    project_id: str


@dataclass(frozen=True)
class KeystoneAdmin:
    """Keystone's admin API as the bootstrap admin (system scope)."""

    url: str
    token: str = field(repr=False)

    def call(self, method: str, path: str, body: Any = None,
             token: str | None = None) -> tuple[int, Any]:
        status, _, answer = _request(self.url + path, method, body,
                                     {"X-Auth-Token": token or self.token})
        return status, answer

    def _ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.call(method, path, body)
        assert status // 100 == 2, (method, path, status, answer)
        return answer

    def role_id(self, name: str) -> str:
        roles = self._ok("GET", f"/roles?name={name}")["roles"]
        if roles:
            return str(roles[0]["id"])
        return str(self._ok("POST", "/roles", {"role": {"name": name}})["role"]["id"])

    def project(self, name: str) -> str:
        return str(self._ok("POST", "/projects", {"project": {
            "name": name, "domain_id": "default"}})["project"]["id"])

    def user(self, name: str, password: str) -> str:
        return str(self._ok("POST", "/users", {"user": {
            "name": name, "password": password, "domain_id": "default"}})["user"]["id"])

    def grant(self, user_id: str, project_id: str, role: str) -> None:
        self._ok("PUT", f"/projects/{project_id}/users/{user_id}/roles/{self.role_id(role)}")

    def grant_system(self, user_id: str, role: str) -> None:
        self._ok("PUT", f"/system/users/{user_id}/roles/{self.role_id(role)}")

    def service_user(self, password: str,
                     roles: tuple[str, ...] = ("reader", "service")) -> tuple[str, str]:
        """The gateway's own user (id, name): system-scoped ``reader`` + ``service``."""
        name = f"s3gateway-{uuid.uuid4().hex[:8]}"
        user_id = self.user(name, password)
        for role in roles:
            self.grant_system(user_id, role)
        return user_id, name

    def ec2_key(self, user_id: str, password: str, project_id: str) -> Ec2Key:
        """An EC2 credential made by the user itself, as OpenStack users make theirs."""
        token = password_token(self.url, user_id, password, {"project": {"id": project_id}})
        status, answer = self.call("POST", f"/users/{user_id}/credentials/OS-EC2",
                                   {"tenant_id": project_id}, token=token)
        assert status == 201, (status, answer)
        cred = answer["credential"]
        return Ec2Key(cred["access"], cred["secret"], user_id, project_id)

    def issued_ec2_key(self, user_id: str, project_id: str) -> Ec2Key:
        """An EC2 credential the admin files for a user (``POST /v3/credentials``), e.g.
        for a user whose roles do not let it make its own."""
        access, secret = uuid.uuid4().hex, uuid.uuid4().hex
        self._ok("POST", "/credentials", {"credential": {
            "type": "ec2", "user_id": user_id, "project_id": project_id,
            "blob": json.dumps({"access": access, "secret": secret})}})
        return Ec2Key(access, secret, user_id, project_id)

    def delete_ec2_key(self, key: Ec2Key) -> None:
        status, answer = self.call("DELETE", f"/users/{key.user_id}/credentials/OS-EC2/"
                                             f"{key.access}")
        assert status == 204, (status, answer)
