"""Scripts run by Keystone's own interpreter (.venv-keystone), not by the tests'."""
