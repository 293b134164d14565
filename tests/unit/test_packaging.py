"""Packaging: the lock file, the Dockerfile and ``pip install .`` without extras agree.

No Docker engine runs in CI, so the image is checked here against what it is built
from: every version comes from requirements.lock (which pins every dependency
pyproject.toml declares), the files it copies are in the build context, its entry
point is the installed ``s3swift`` command and it runs as an unprivileged user.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from gateway import cli

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
EXTRAS = ("embedded", "test")


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def _declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    texts = [*project["dependencies"], *PYPROJECT["build-system"]["requires"]]
    for extra in EXTRAS:
        texts += project["optional-dependencies"][extra]
    return [Requirement(text) for text in texts]


def _closure(roots: list[Requirement]) -> set[str]:
    """Canonical names of ``roots`` and everything installed that they require."""
    seen: set[str] = set()
    todo = [r for r in roots if r.marker is None or r.marker.evaluate({"extra": ""})]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(req.name) or []:
            sub = Requirement(text)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e})
                                         for e in [""] + sorted(req.extras)):
                todo.append(sub)
    return seen


def test_lock_pins_every_declared_dependency_within_its_range() -> None:
    pins = _lock()
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock: run python scripts/lock.py"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name]}, outside {req}")


def test_this_environment_runs_the_locked_versions() -> None:
    """`make install` (so CI) installs with the lock as constraints: same versions here."""
    pins = _lock()
    roots = [Requirement(f"s3swift[{','.join(EXTRAS)}]")]
    for name in _closure(roots) - {"s3swift"}:
        assert name in pins, f"{name} is installed for s3swift but missing from requirements.lock"
        assert metadata.version(name) == pins[name], (
            f"{name} {metadata.version(name)} is installed, requirements.lock says {pins[name]}")


def test_make_install_uses_the_lock_as_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    install = [line.strip() for line in makefile.splitlines() if "pip install" in line]
    # The test Keystone's own virtualenv installs its own pinned list instead.
    gateway = [line for line in install if "requirements-keystone.txt" not in line]
    assert gateway and all(line.startswith("PIP_CONSTRAINT=$(LOCK) ") for line in gateway)
    keystone_pins = [line for line in (ROOT / "requirements-keystone.txt").read_text(
        encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    assert keystone_pins and all("==" in line for line in keystone_pins)
    assert "LOCK := $(CURDIR)/requirements.lock" in makefile
    assert re.search(r"^\$\(STAMP\): .*\$\(LOCK\)", makefile, re.MULTILINE), "a new lock reinstalls"


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in text.splitlines() if line.strip()]


def test_dockerfile_base_is_the_python_ci_tests() -> None:
    args = dict(a.split("=", 1) for i, a in _dockerfile() if i == "ARG" and "=" in a)
    image = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:\d+\.\d+-slim(-\w+)?", image), image
    assert image.split(":")[1].startswith(f"{sys.version_info.major}.{sys.version_info.minor}-")
    stages = [a for i, a in _dockerfile() if i == "FROM"]
    assert stages == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]


def test_dockerfile_installs_only_locked_versions() -> None:
    pins = _lock()
    installs = [cmd for i, a in _dockerfile() if i == "RUN"
                for cmd in a.split("&&") if " install " in cmd]
    assert len(installs) == 2
    for cmd in installs:
        words = shlex.split(cmd)
        assert words[words.index("--constraint") + 1] == "requirements.lock", cmd
        named = [w for w in words[words.index("install") + 1:]
                 if not w.startswith("-") and w not in ("requirements.lock", ".")]
        assert all(canonicalize_name(w) in pins for w in named), cmd
    assert "." in shlex.split(installs[1]), "the gateway itself, without extras"


def _admitted(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching .dockerignore line decides; ``!`` re-admits."""
    admitted = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        if pattern.startswith("**/"):
            hit = any(fnmatch.fnmatch(part, pattern[3:]) for part in parts)
        else:
            hit = any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes)
        if hit:
            admitted = negated
    return admitted


def test_dockerfile_copies_exist_and_are_in_the_build_context() -> None:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    copies = [a.split() for i, a in _dockerfile() if i == "COPY" and "--from" not in a]
    sources = [src for words in copies for src in words[:-1]]
    assert "pyproject.toml" in sources and "gateway" in sources and "requirements.lock" in sources
    for src in sources:
        assert (ROOT / src).exists(), src
        assert _admitted(src, patterns), f"{src} is excluded by .dockerignore"
    assert not _admitted("gateway/__pycache__/cli.cpython-311.pyc", patterns)
    assert not _admitted("tests/unit/test_packaging.py", patterns)
    assert not _admitted(".venv/bin/python", patterns)


def test_image_runs_s3swift_serve_as_an_unprivileged_user() -> None:
    runtime = _dockerfile()
    runtime = runtime[max(n for n, (i, _) in enumerate(runtime) if i == "FROM"):]
    values = {i: a for i, a in runtime}
    assert json.loads(values["ENTRYPOINT"]) == ["s3swift"]
    assert PYPROJECT["project"]["scripts"]["s3swift"] == "gateway.cli:main"
    assert json.loads(values["CMD"]) == ["serve"]
    cli.build_parser().parse_args(json.loads(values["CMD"]))  # a real subcommand
    user = values["USER"].split(":")
    assert all(int(part) > 0 for part in user), "never root"
    assert "--uid " + user[0] in values["RUN"]


def test_version_is_the_project_version(capsys) -> None:
    try:
        cli.main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.strip() == f"s3swift {PYPROJECT['project']['version']}"


# A child Python in which only `pip install .` (no extras) is importable: every
# installed distribution outside the gateway's runtime closure is blocked.
_NO_EXTRAS = """
import json, sys
blocked, import_all, argv = json.loads(sys.argv[1]), sys.argv[2] == "all", sys.argv[3:]
for name in blocked:
    sys.modules[name] = None
import importlib, pkgutil, gateway
for info in pkgutil.walk_packages(gateway.__path__, "gateway.") if import_all else ():
    if info.name != "gateway.__main__":  # runs the command line when imported
        importlib.import_module(info.name)
from gateway import cli
sys.exit(cli.main(argv))
"""


@functools.cache
def _blocked_modules() -> list[str]:
    """Top-level modules of the installed distributions `pip install .` would not bring."""
    runtime = _closure([Requirement(r) for r in PYPROJECT["project"]["dependencies"]])
    blocked = set()
    for module, dists in metadata.packages_distributions().items():
        if all(canonicalize_name(d) not in runtime | {"s3swift"} for d in dists):
            blocked.add(module)
    assert {"swift", "boto3", "swiftclient", "pytest"} <= blocked
    assert "aiohttp" not in blocked and "gateway" not in blocked
    return sorted(blocked)


def _run_without_extras(*argv: str, import_all: bool = False, env: dict[str, str] | None = None
                        ) -> subprocess.CompletedProcess[str]:
    """``s3swift *argv`` in a child that can import only what ``pip install .`` brings
    (and, with ``import_all``, first imports every gateway module)."""
    return subprocess.run(
        [sys.executable, "-c", _NO_EXTRAS, json.dumps(_blocked_modules()),
         "all" if import_all else "cli", *argv],
        check=False, capture_output=True, text=True, timeout=60, cwd=ROOT,
        env=env)


def test_dev_without_the_embedded_extra_says_what_to_install() -> None:
    done = _run_without_extras("dev", "--data-dir", "/nonexistent/never-created")
    assert done.returncode == 2, done.stderr
    assert done.stderr == cli.EMBEDDED_MISSING + "\n"
    assert "pip install 's3swift[embedded]'" in done.stderr


def test_serve_without_extras_runs_until_swift_answers() -> None:
    """Every module imports and `serve` gets as far as authenticating to Swift."""
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("S3SWIFT_")}
        env.update(S3SWIFT_SWIFT_AUTH_URL=f"http://127.0.0.1:{port}/auth/v1.0",
                   S3SWIFT_SWIFT_USER="gw:admin", S3SWIFT_SWIFT_KEY="k",
                   S3SWIFT_CREDENTIALS_BACKEND="static", S3SWIFT_CREDENTIALS_ACCESS_KEY="AK",
                   S3SWIFT_CREDENTIALS_SECRET_KEY="SK", S3SWIFT_CREDENTIALS_ACCOUNT="AUTH_a",
                   S3SWIFT_SERVER_PORT="0")
        done = _run_without_extras("serve", import_all=True, env=env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("s3swift serve: Swift authentication (tempauth) at "), done.stderr
    assert "Traceback" not in done.stderr
