"""Read a systemd ``EnvironmentFile``, so admin commands see the service's settings.

``s3swift credentials --config gateway.toml --env-file s3swift.env`` applies the same
``S3SWIFT_*`` variables the unit gives ``serve``, and so opens the same credential
store with the same key, whatever the admin's own shell environment holds.
"""

from __future__ import annotations

import os
import re

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def read_env_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """``NAME=value`` lines as systemd reads them: blank lines and lines starting with
    ``#`` or ``;`` skipped, one pair of surrounding quotes removed. A line that is no
    assignment is a ``ValueError`` naming the file and line, never silently skipped."""
    values: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            name, sep, value = line.partition("=")
            name = name.strip()
            if not sep or not _NAME.fullmatch(name):
                raise ValueError(f"{path}:{number}: not a NAME=value line")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[name] = value
    return values
