"""prometheus-client's multiprocess mode for ``serve --workers N``.

The library picks how it stores values when it is first imported, from
``PROMETHEUS_MULTIPROC_DIR``; so the directory is chosen here, in the master,
before anything imports ``prometheus_client``, and every worker (forked later)
writes its series there. Any worker's ``/metrics`` then serves all of them summed.
This module must not import ``prometheus_client`` itself.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from gateway.config import GatewayConfig

ENV_NAME = "PROMETHEUS_MULTIPROC_DIR"


def prepare(config: GatewayConfig) -> str | None:
    """Create and export a fresh multiprocess directory when workers share metrics;
    returns it (to remove at exit), or ``None`` when one process keeps its own."""
    if config.server.workers <= 1 or not config.server.metrics_port:
        return None
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its multiprocess directory "
                           "was set")
    directory = tempfile.mkdtemp(prefix="s3swift-metrics-")
    os.environ[ENV_NAME] = directory
    return directory


def remove(directory: str | None) -> None:
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop(ENV_NAME, None)


def multiprocess_directory() -> str | None:
    """The directory workers write to, if multiprocess mode is on."""
    return os.environ.get(ENV_NAME) or None


def forget_worker(pid: int) -> None:
    """A dead worker's live gauges (in-flight requests) no longer count; its counters do."""
    if multiprocess_directory() is None:
        return
    from prometheus_client import multiprocess  # imported once the directory is set

    multiprocess.mark_process_dead(pid)
