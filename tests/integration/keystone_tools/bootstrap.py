"""Bootstrap a Keystone state directory (database, keys, admin) in one process.

Run with Keystone's interpreter: ``.venv-keystone/bin/python bootstrap.py STATE
PASSWORD URL``. The four ``keystone-manage`` steps share one Python process,
which saves ~3.5 s of imports per step.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from keystone_conf import write_keystone_conf  # this script's directory is on sys.path


def main() -> int:
    state, password, url = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    state.mkdir(parents=True, exist_ok=True)
    conf = write_keystone_conf(state)
    from keystone.cmd import cli
    import keystone.conf
    owner = ["--keystone-user", str(os.getuid()), "--keystone-group", str(os.getgid())]
    steps = [["db_sync"], ["fernet_setup", *owner], ["credential_setup", *owner],
             ["bootstrap", "--bootstrap-password", password,
              "--bootstrap-admin-url", url, "--bootstrap-public-url", url,
              "--bootstrap-internal-url", url, "--bootstrap-region-id", "RegionOne"]]
    for step in steps:
        keystone.conf.CONF.clear()
        cli.main(argv=["keystone-manage", "--config-file", str(conf), *step])
    keystone.conf.CONF.clear()
    return 0


if __name__ == "__main__":
    sys.exit(main())
