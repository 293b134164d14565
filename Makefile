# Developer entry points: `make run` starts Swift + the gateway, `make test` runs
# every test. Both install what they need first (idempotent, fast when done).

SHELL := /bin/bash
PYTHON ?= python3
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-m \"not integration\""
PYTEST_ARGS ?=
# `make run PORT=9000 HOST=0.0.0.0`: where the dev gateway listens (default
# 127.0.0.1:8080, or S3SWIFT_SERVER_PORT / S3SWIFT_SERVER_HOST). DEV_ARGS: any
# other `s3swift dev` option, e.g. DEV_ARGS="--data-dir /tmp/s3data".
PORT ?=
HOST ?=
DEV_ARGS ?=
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A real Keystone for the Keystone tests and benchmark, in its own virtualenv so
# its dependencies never move the gateway's; bootstrapped once into a template.
KEYSTONE_VENV := .venv-keystone
KEYSTONE_STAMP := $(KEYSTONE_VENV)/.installed
# Run apt-get directly as root, through sudo otherwise (when sudo exists).
SUDO := $(shell [ "$$(id -u)" = 0 ] || ! command -v sudo >/dev/null || echo sudo)

.PHONY: install lock run test bench bench-quick bench-multipart clean distclean system-packages

install: $(STAMP) $(KEYSTONE_STAMP) system-packages $(BIN)/helm

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: $(PYTHON) must be Python 3.11 or newer" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# requirements.lock pins every version (as constraints, also inside pip's build
# environment), so CI installs exactly what the Docker image does.
LOCK := $(CURDIR)/requirements.lock
$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	PIP_CONSTRAINT=$(LOCK) $(BIN)/python -m pip install --upgrade pip
	PIP_CONSTRAINT=$(LOCK) $(BIN)/python -m pip install -e '.[embedded,test]'
	touch $@

# Regenerate requirements.lock after changing a dependency in pyproject.toml.
lock: | $(BIN)/python
	$(BIN)/python scripts/lock.py

# helm, which tests/unit/test_helm_chart.py runs to lint and render deploy/helm/s3swift.
$(BIN)/helm: scripts/install_helm.py | $(BIN)/python
	$(BIN)/python scripts/install_helm.py $(BIN)

$(KEYSTONE_STAMP): requirements-keystone.txt tests/integration/keystone_tools/bootstrap.py
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: Keystone needs $(PYTHON) to be Python 3.11 or newer" >&2; exit 1; }
	[ -x $(KEYSTONE_VENV)/bin/python ] || $(PYTHON) -m venv $(KEYSTONE_VENV)
	$(KEYSTONE_VENV)/bin/python -m pip install -q -r requirements-keystone.txt
	rm -rf $(KEYSTONE_VENV)/keystone-state-template
	$(KEYSTONE_VENV)/bin/python tests/integration/keystone_tools/bootstrap.py \
		$(KEYSTONE_VENV)/keystone-state-template s3swift-keystone-admin http://127.0.0.1:5000/v3/
	touch $@

# memcached for the embedded Swift; rclone, an independent S3 client, for the tests.
system-packages:
	@command -v memcached >/dev/null || [ -x /usr/bin/memcached ] || \
		($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y memcached)
	@command -v rclone >/dev/null || \
		($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y rclone)

run: install
	$(BIN)/s3swift dev $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST)) $(DEV_ARGS)

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench-quick: install
	$(BIN)/python benchmarks/run.py --quick

bench: install
	$(BIN)/python benchmarks/run.py

bench-multipart: install
	$(BIN)/python benchmarks/run.py --only multipart,checksum

clean:
	rm -rf .data .pytest_cache build
	find . -path ./$(VENV) -prune -o -path ./$(KEYSTONE_VENV) -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) $(KEYSTONE_VENV)
