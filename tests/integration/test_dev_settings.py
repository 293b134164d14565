"""``s3swift dev`` takes the same ``S3SWIFT_SERVER_*`` variables as ``serve``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


from tests.integration.conftest import s3swift_command


def test_a_bad_setting_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    data_dir = tmp_path / "dev"
    result = subprocess.run(
        s3swift_command("dev", "--data-dir", str(data_dir)),
        env={**os.environ, "S3SWIFT_SERVER_REQUEST_HEADER_TIMEOUT_SECONDS": "soon"},
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == ("s3swift dev: S3SWIFT_SERVER_REQUEST_HEADER_TIMEOUT_SECONDS: "
                             "[server] request_header_timeout_seconds must be a number, "
                             "not 'soon'\n"), result.stderr
    assert not data_dir.exists()  # nothing was created, let alone started
