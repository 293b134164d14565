"""``s3swift dev`` takes the same ``S3SWIFT_SERVER_*`` variables as ``serve``."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.integration.conftest import free_port, s3_client_of, s3swift_command, start_dev


def test_dev_listens_on_the_port_from_the_environment(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("S3SWIFT_SERVER_PORT", str(port))
    monkeypatch.setenv("S3SWIFT_SERVER_BASE_DOMAINS", "s3.example.test")
    dev = start_dev(tmp_path / "dev", None)
    try:
        assert dev.env.port == port
        assert dev.env.endpoint == f"http://127.0.0.1:{port}"
        assert dev.env.raw["s3"]["base_domains"] == ["s3.example.test"]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        assert "Buckets" in s3_client_of(dev.env).list_buckets()
    finally:
        assert dev.stop() == 0, dev.output()


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
