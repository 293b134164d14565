"""keystone.conf for a state directory: SQLite, fernet tokens, in-memory cache.

Plain Python without imports from Keystone, so both the test fixtures and the
bootstrap script (in Keystone's own virtualenv) can write it.
"""

from __future__ import annotations

from pathlib import Path


def write_keystone_conf(state: Path) -> Path:
    """Write ``state/keystone.conf`` pointing at ``state``'s database and key repositories."""
    state = state.resolve()
    conf = state / "keystone.conf"
    conf.write_text(f"""[DEFAULT]
log_file = {state}/keystone.log
[database]
connection = sqlite:///{state}/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = {state}/fernet-keys
[fernet_receipts]
key_repository = {state}/fernet-keys
[credential]
key_repository = {state}/credential-keys
[identity]
password_hash_rounds = 4
max_password_length = 72
[cache]
enabled = true
backend = dogpile.cache.memory
""")
    return conf
