"""aws-cli (the venv's) run in this process against a gateway, isolated from any
user configuration: a subprocess per command would spend most of its second on imports."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.integration.conftest import GatewayEnv


@contextlib.contextmanager
def _only_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` is exactly ``variables`` inside (tests run one at a time)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_aws(env: GatewayEnv, home: Path, *args: str,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    """aws-cli (the venv's) against the gateway, isolated from any user configuration.

    The real CLI, run in this process (``awscli.clidriver``, what the ``aws``
    script calls): a subprocess per command would spend most of its second on
    imports. Its environment is exactly the isolated one below while it runs.
    """
    from awscli.clidriver import create_clidriver

    isolated = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": env.access_key,
        "AWS_SECRET_ACCESS_KEY": env.secret_key,
        "AWS_DEFAULT_REGION": env.region,
        "AWS_CONFIG_FILE": str(home / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
        # Set by ``import awscli``: where the CLI finds its own models.
        "AWS_DATA_PATH": os.environ.get("AWS_DATA_PATH", ""),
    }
    argv = ["--endpoint-url", env.endpoint, *args]
    out, err = io.StringIO(), io.StringIO()
    with _only_environment(isolated), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        code = create_clidriver().main(argv)
    result = subprocess.CompletedProcess(["aws", *argv], code, out.getvalue(), err.getvalue())
    if check:
        assert result.returncode == 0, f"aws {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result
