"""The embedded Swift's proxy runs Swift's s3api only when asked (benchmarks)."""

from __future__ import annotations

import argparse
import configparser

from gateway.embedded import dev
from gateway.embedded.swift_configs import CommonSettings, proxy_server_conf

COMMON = CommonSettings(ip="127.0.0.1", user="swift", swift_dir="/etc/swift", devices="/srv",
                        log_level="INFO", recon_cache_path="/tmp")


def _pipeline(text: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser["pipeline:main"]["pipeline"].split()


def test_default_proxy_has_no_s3api() -> None:
    text = proxy_server_conf(COMMON, 1, 1, "127.0.0.1:2", {"test_tester": "testing .admin"})
    assert "s3api" not in _pipeline(text)
    assert "[filter:s3api]" not in text


def test_s3api_sits_right_before_tempauth_with_slo_after() -> None:
    text = proxy_server_conf(COMMON, 1, 1, "127.0.0.1:2", {"test_tester": "testing .admin"},
                             s3api=True)
    pipeline = _pipeline(text)
    assert pipeline.index("s3api") + 1 == pipeline.index("tempauth")
    assert pipeline.index("slo") > pipeline.index("s3api")  # multipart needs SLO after it
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    assert parser["filter:s3api"]["use"] == "egg:swift#s3api"


def test_dev_flag_defaults_off() -> None:
    parser = argparse.ArgumentParser()
    dev.add_arguments(parser)
    assert parser.parse_args([]).with_s3api is False
    assert parser.parse_args(["--with-s3api"]).with_s3api is True
