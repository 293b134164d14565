"""Keystone's WSGI application for gunicorn.

Keystone parses ``sys.argv`` when imported; gunicorn's arguments would make it
fail, so they are hidden during the import.
"""

import sys

_argv = sys.argv
sys.argv = _argv[:1]
try:
    from keystone.wsgi.api import application  # noqa: F401
finally:
    sys.argv = _argv
