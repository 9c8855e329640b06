"""Throwaway compose projects: the repository's docker-compose.yml plus a test override.

The stack a test starts is the one `make up` runs, with an override file on top that says
only what differs in tests. Compose runs as the Makefile runs it (`docker compose`, else
docker-compose 1.29, whose Python CLI testcontainers' compose module cannot drive), under a
project name of the run's own, so runs share no container, network or volume, and
everything goes with `down --volumes` at the end. Containers are found by compose's labels,
never by their names (v1 and v2 name them differently); a service may run several replicas.
"""

import os
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import docker
from docker.models.containers import Container

from testing_kit.waiting import eventually_sync

REPOSITORY = next(
    path for path in Path(__file__).resolve().parents if (path / "docker-compose.yml").is_file()
)
COMPOSE_FILE = REPOSITORY / "docker-compose.yml"
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
REPLICA_LABEL = "com.docker.compose.container-number"
COMPOSE_TIMEOUT_SECONDS = 600
HEALTHY_WITHIN_SECONDS = 180


class ComposeError(RuntimeError):
    pass


@cache
def compose_command() -> tuple[str, ...]:
    """`docker compose` (v2) where it exists, else `docker-compose` (v1), like the Makefile."""
    try:
        v2 = subprocess.run(
            ["docker", "compose", "version"],  # noqa: S607  (the docker CLI on PATH)
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise ComposeError("docker is not installed (make docker sets it up)") from None
    if v2.returncode == 0:
        return ("docker", "compose")
    if shutil.which("docker-compose"):
        return ("docker-compose",)
    raise ComposeError("neither `docker compose` nor `docker-compose` is installed")


@dataclass
class ComposeProject:
    name: str
    files: Sequence[Path]
    # Compose's variables for this project, over this process's environment (secrets among
    # them: never in a repr, so never in a test report).
    variables: Mapping[str, str] = field(repr=False)
    _docker: docker.DockerClient = field(default_factory=docker.from_env, repr=False)

    def compose(self, *arguments: str) -> str:
        files = [part for path in self.files for part in ("--file", str(path))]
        completed = subprocess.run(  # noqa: S603  (compose with our own files and arguments)
            [*compose_command(), "--project-name", self.name, *files, *arguments],
            cwd=REPOSITORY,
            env={**os.environ, **self.variables},
            capture_output=True,
            text=True,
            timeout=COMPOSE_TIMEOUT_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            raise ComposeError(
                f"compose {' '.join(arguments)} exited {completed.returncode}:\n"
                f"{completed.stdout}{completed.stderr}"
            )
        return completed.stdout

    def containers(self) -> list[Container]:
        return self._docker.containers.list(
            all=True, filters={"label": f"{PROJECT_LABEL}={self.name}"}
        )

    def replicas(self, service: str) -> list[Container]:
        """Every container of `service`, by replica number (the docker SDK's, freshly
        inspected)."""
        found = self._docker.containers.list(
            all=True,
            filters={"label": [f"{PROJECT_LABEL}={self.name}", f"{SERVICE_LABEL}={service}"]},
        )
        if not found:
            raise LookupError(f"no container of {service!r} in project {self.name}")
        return sorted(found, key=lambda container: int(container.labels[REPLICA_LABEL]))

    def container(self, service: str) -> Container:
        """The one container of a service that runs one (`replicas` for one that runs several:
        an action on "the" container of a replicated service would miss the others)."""
        found = self.replicas(service)
        if len(found) != 1:
            raise LookupError(
                f"{len(found)} containers of {service!r} in project {self.name}: use replicas()"
            )
        return found[0]

    def published_port(self, service: str, port: int) -> int:
        """The port of this machine that `service`'s `port` is published on."""
        bindings = self.container(service).attrs["NetworkSettings"]["Ports"][f"{port}/tcp"]
        return int(bindings[0]["HostPort"])

    def wait_until_healthy(self, *, within_seconds: float = HEALTHY_WITHIN_SECONDS) -> None:
        """Every container healthy (or, without a healthcheck, running; a one-shot job exited
        0). A container that failed fails at once, not at the deadline."""

        def healthy() -> bool:
            settled = True
            for container in self.containers():
                state = container.attrs["State"]
                service = container.labels.get(SERVICE_LABEL, container.name)
                if state["Status"] == "exited" and state["ExitCode"] == 0:
                    continue
                if not state["Running"]:
                    raise ComposeError(f"{service} is {state['Status']} ({state['ExitCode']})")
                health = state.get("Health", {}).get("Status")
                if health == "unhealthy":
                    raise ComposeError(f"{service} is unhealthy")
                settled = settled and health in {None, "healthy"}
            return settled

        if not eventually_sync(healthy, within_seconds=within_seconds):
            raise ComposeError(f"project {self.name} not healthy within {within_seconds:.0f} s")

    def print_logs(self) -> None:
        """Every container's state, log and last health checks, for a start-up that failed."""
        for container in self.containers():
            service = container.labels.get(SERVICE_LABEL, container.name)
            replica = container.labels.get(REPLICA_LABEL, "?")
            health = container.attrs["State"].get("Health") or {}
            checks = "".join(
                f"health check {check['Start']}: exit {check['ExitCode']} {check['Output']}\n"
                for check in (health.get("Log") or [])
            )
            log = container.logs().decode(errors="replace")
            status = ", ".join(filter(None, [container.status, health.get("Status")]))
            print(f"--- {service} #{replica} {container.short_id} ({status})\n{log}{checks}")

    def close(self) -> None:
        self._docker.close()


@contextmanager
def running_compose_project(
    *,
    name_prefix: str,
    override_files: Sequence[Path],
    variables: Mapping[str, str],
    services: Sequence[str] = (),
    ready: Callable[[ComposeProject], None] | None = None,
) -> Iterator[ComposeProject]:
    """docker-compose.yml with `override_files`, up (`services` and what they depend on, or
    all), healthy and `ready`; removed with its volumes at the end, also when start-up fails
    (then every container's log is printed first). Images are never built here: `make
    images` builds them, tagged SHOP_IMAGE_TAG as compose's `image:` keys say."""
    project = ComposeProject(
        name=f"{name_prefix}-{secrets.token_hex(4)}",
        files=(COMPOSE_FILE, *override_files),
        variables=variables,
    )
    try:
        try:
            try:
                project.compose("up", "--detach", "--no-build", *services)
            except ComposeError as error:
                if "built" in str(error) or "pull" in str(error):
                    error.add_note("build the images first: make images (same SHOP_IMAGE_TAG)")
                raise
            project.wait_until_healthy()
            if ready is not None:
                ready(project)
        except BaseException:
            project.print_logs()
            raise
        yield project
    finally:
        try:
            project.compose("down", "--volumes", "--remove-orphans")
        finally:
            project.close()
