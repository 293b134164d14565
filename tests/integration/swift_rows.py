"""Listing rows written straight into the embedded Swift's account or container server.

A test that only lists needs the rows of a listing, not the objects or containers
behind them: one ``REPLICATE`` ``merge_items`` request (what Swift's own
replicators send) writes a thousand rows into the real database that the real
servers then list, where a thousand real writes would cost the suite seconds.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

# Swift's hash salts come from swift.conf, read at import: a process of its own.
_LOCATE = """
import json, sys
import swift.common.utils as utils
utils.SWIFT_CONF_FILE = sys.argv[1] + "/swift.conf"
from swift.common.ring import Ring
path = sys.argv[3:]
part, nodes = Ring(sys.argv[1], ring_name=sys.argv[2]).get_nodes(*path)
print(json.dumps([part, nodes[0], utils.hash_path(*path)]))
"""


def locate(etc: Path, ring: str, *path: str) -> tuple[int, dict[str, Any], str]:
    """Where ``path`` (an account, or an account and a container) lives in ``ring``
    (``account`` or ``container``): partition, server and hash (its database's name)."""
    found = subprocess.run([sys.executable, "-c", _LOCATE, str(etc), ring, *path],
                           capture_output=True, text=True, timeout=60, check=True)
    part, node, path_hash = json.loads(found.stdout)
    return int(part), node, path_hash


def backend_request(node: dict[str, Any], method: str, path: str,
                    body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request to a Swift backend server (account, container or object)."""
    conn = http.client.HTTPConnection(node["ip"], node["port"], timeout=60)
    try:
        conn.request(method, quote(path), body=body,
                     headers={"Content-Type": "application/json"} if body else {})
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def _merge(part: int, node: dict[str, Any], path_hash: str,
           rows: list[dict[str, Any]]) -> None:
    status, _, body = backend_request(
        node, "REPLICATE", f"/{node['device']}/{part}/{path_hash}",
        json.dumps(["merge_items", rows, None]).encode())
    assert status == 202, (status, body)


def merge_account_rows(etc: Path, account: str, rows: list[dict[str, Any]]) -> None:
    """Merge container ``rows`` into ``account``'s database (which must exist)."""
    _merge(*locate(etc, "account", account), rows)


def merge_container_rows(etc: Path, account: str, container: str,
                         rows: list[dict[str, Any]]) -> None:
    """Merge object ``rows`` into an existing container's database, in its storage
    policy (a listing shows only the rows of the container's policy)."""
    part, node, path_hash = locate(etc, "container", account, container)
    status, headers, _ = backend_request(
        node, "HEAD", f"/{node['device']}/{part}/{account}/{container}")
    assert status // 100 == 2, status
    policy = int(headers["x-backend-storage-policy-index"])
    _merge(part, node, path_hash, [{**row, "storage_policy_index": policy} for row in rows])
