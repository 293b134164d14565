# s3swift: `s3swift serve` in a slim image, configured by environment.
#
#   docker build -t s3swift:0.1.0 .
#   docker run -p 8080:8080 -e S3SWIFT_SWIFT_AUTH_URL=... -e S3SWIFT_SWIFT_USER=... \
#       -e S3SWIFT_SWIFT_KEY=... -e S3SWIFT_CREDENTIALS_ENCRYPTION_KEY=... s3swift:0.1.0
#
# Every [section] key of config/gateway.example.toml is a variable
# S3SWIFT_<SECTION>_<KEY>; or mount a file and run `serve --config /etc/s3swift/gateway.toml`.
# Dependencies are installed with requirements.lock as constraints: the image runs
# exactly the versions CI tests (`make install` uses the same file).
# tests/unit/test_packaging.py checks this file against the lock and pyproject.toml.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the gateway and its locked dependencies in a virtualenv -----------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml requirements.lock README.md LICENSE ./
COPY gateway ./gateway
RUN python -m venv /opt/s3swift \
    && /opt/s3swift/bin/pip install --constraint requirements.lock pip setuptools wheel \
    && /opt/s3swift/bin/pip install --constraint requirements.lock --no-build-isolation . \
    && /opt/s3swift/bin/pip uninstall --yes setuptools wheel \
    && /opt/s3swift/bin/s3swift --version

# --- runtime: the virtualenv only, run as an unprivileged user ----------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 s3swift \
    && useradd --system --uid 10001 --gid s3swift --home-dir /var/lib/s3swift \
       --create-home --shell /usr/sbin/nologin s3swift
COPY --from=build /opt/s3swift /opt/s3swift
ENV PATH=/opt/s3swift/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    S3SWIFT_SERVER_HOST=0.0.0.0 \
    S3SWIFT_SERVER_PORT=8080 \
    S3SWIFT_CREDENTIALS_SQLITE_PATH=/var/lib/s3swift/credentials.sqlite
WORKDIR /var/lib/s3swift
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["s3swift"]
CMD ["serve"]
