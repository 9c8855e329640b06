"""Test-only plumbing: throwaway Postgres and PgBouncer from the project's own images."""

import os

# Where no Ryuk image can be pulled, containers are removed by our own context managers, and
# published ports are reached on loopback even when the host itself looks like a container.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
os.environ.setdefault("TESTCONTAINERS_CONNECTION_MODE", "docker_host")
os.environ.setdefault("TESTCONTAINERS_HOST_OVERRIDE", "localhost")
