"""The compose stack under test: its containers (found by compose labels, never by container
name), recreating the services with another setting, and waiting until they answer."""

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILES = ("docker-compose.yml", "bench/compose.bench.yml")
SERVICES = ("users", "catalog", "orders")
BASELINE_SERVICES = frozenset({"baseline", "baseline-postgres"})
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


@dataclass(frozen=True)
class Container:
    id: str  # the full id: cgroup paths are named by it
    name: str
    service: str
    pid: int  # the host pid of its first process
    env: tuple[str, ...]

    @property
    def side(self) -> str:
        """Which system under test it belongs to: "baseline" or "shop"."""
        return "baseline" if self.service in BASELINE_SERVICES else "shop"

    def setting(self, name: str) -> str | None:
        prefix = name + "="
        return next((item[len(prefix) :] for item in self.env if item.startswith(prefix)), None)


def docker(*arguments: str, timeout: float = 60) -> str:
    completed = subprocess.run(  # noqa: S603  (the local docker CLI, fixed arguments)
        ["docker", *arguments],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout,
    )
    return completed.stdout


def containers(project: str) -> list[Container]:
    """The running containers of one compose project, whatever their names."""
    ids = docker("ps", "-q", "--no-trunc", "--filter", f"label={PROJECT_LABEL}={project}").split()
    if not ids:
        return []
    found = []
    for item in json.loads(docker("inspect", *ids)):
        found.append(
            Container(
                id=item["Id"],
                name=item["Name"].lstrip("/"),
                service=item["Config"]["Labels"].get(SERVICE_LABEL, "?"),
                pid=int(item["State"]["Pid"]),
                env=tuple(item["Config"]["Env"] or ()),
            )
        )
    return sorted(found, key=lambda container: (container.side, container.service, container.name))


def service_container(project: str, service: str) -> Container:
    for container in containers(project):
        if container.service == service:
            return container
    raise LookupError(f"no running {service!r} container in compose project {project!r}")


class Compose:
    """The project's compose files with the bench overlay, run as the Makefile runs them."""

    def __init__(self) -> None:
        v2 = subprocess.run(
            ["docker", "compose", "version"],  # noqa: S607
            capture_output=True,
            check=False,
        )
        if v2.returncode == 0:
            self.command = ["docker", "compose"]
        elif shutil.which("docker-compose"):
            self.command = ["docker-compose"]
        else:
            raise RuntimeError("neither `docker compose` nor `docker-compose` is installed")
        self.env = {**_images_env(), **os.environ}

    def run(self, *arguments: str, env: dict[str, str] | None = None, timeout: float = 300) -> None:
        files = [part for name in COMPOSE_FILES for part in ("-f", name)]
        subprocess.run(  # noqa: S603  (compose with our own files and arguments)
            [*self.command, *files, *arguments],
            cwd=REPO,
            env={**self.env, **(env or {})},
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
        )

    def recreate_services(self, *, pool_size: int) -> None:
        """users, catalog and orders again with DATABASE_POOL_SIZE set; nothing else touched."""
        self.run(
            "up",
            "-d",
            "--no-deps",
            "--no-build",
            "--force-recreate",
            *SERVICES,
            env={"DATABASE_POOL_SIZE": str(pool_size)},
        )


def _images_env() -> dict[str, str]:
    """The base images `make base-images` picked (.images.env), as the Makefile passes them."""
    path = REPO / ".images.env"
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines())
    return dict(pair for pair in pairs if len(pair) == 2 and not pair[0].startswith("#"))


def wait_until(check: Callable[[], bool], what: str, *, seconds: float = 180) -> None:
    """Poll `check` (connection errors count as "not yet") until it holds or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not become ready within {seconds:.0f} s")
        time.sleep(0.5)


def wait_for_shop(gateway: httpx.Client) -> None:
    for service in SERVICES:
        wait_until(
            lambda s=service: gateway.get(f"/api/{s}/readyz").status_code == 200,
            f"{service} (through the gateway)",
        )


def wait_for_baseline(baseline: httpx.Client) -> None:
    wait_until(lambda: baseline.get("/healthz").status_code == 200, "the baseline shop")
