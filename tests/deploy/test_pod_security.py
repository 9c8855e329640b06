"""The images run as the overlays' pods run them: as the pod's user, on a read-only root file
system, with every capability dropped and only the emptyDirs writable (deploy_testing.
containers says how docker stands in for the kubelet). Needs the images `make images` builds."""

import re
from pathlib import Path

import httpx

from deploy_testing.containers import host_port, started_like_in_the_pod
from deploy_testing.manifests import (
    REPOSITORY,
    Manifest,
    decoded_secrets,
    dev_secrets,
    env_of,
    named,
    pod_templates,
)
from testing_kit.waiting import eventually_sync

STARTS_WITHIN_SECONDS = 30
# A first start runs initdb and the roles' script.
POSTGRES_STARTS_WITHIN_SECONDS = 180


def test_the_gateway_serves_as_its_pod_runs_it(
    rendered: dict[str, list[Manifest]], tmp_path: Path
) -> None:
    manifests = rendered["production"]
    (pod,) = [p for p in pod_templates(manifests) if p.name == "gateway"]
    (container,) = pod.containers
    (volume,) = [v for v in pod.spec["volumes"] if "configMap" in v]
    platform = tmp_path / "platform"
    platform.mkdir(mode=0o755)
    platform.chmod(0o755)  # read by nginx's user inside the container
    for name, text in named(manifests, "ConfigMap", volume["configMap"]["name"])["data"].items():
        (platform / name).write_text(text)
        (platform / name).chmod(0o644)
    # nginx resolves its resolver's name once, at start; nothing answers DNS there, so a
    # service behind it is unreachable, which the gateway must answer as a 503.
    dns = re.search(r"resolver (\S+)", (platform / "resolver.conf").read_text())
    assert dns

    with started_like_in_the_pod(
        pod,
        container,
        environment={},
        workdir=tmp_path,
        config_maps={volume["name"]: platform},
        extra_hosts={dns[1]: "127.0.0.1"},
        published_port=80,
    ) as gateway:
        base_url = f"http://127.0.0.1:{host_port(gateway, 80)}"

        def answers() -> bool:
            try:
                return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        assert eventually_sync(answers, within_seconds=STARTS_WITHIN_SECONDS), (
            gateway.logs().decode()
        )
        unreachable = httpx.get(f"{base_url}/api/users/healthz", timeout=10)
        assert unreachable.status_code == 503
        assert unreachable.headers["Retry-After"] == "2"
        gateway.reload()
        assert gateway.status == "running"


def test_pgbouncer_serves_its_socket_as_its_sidecar_runs_it(
    rendered: dict[str, list[Manifest]], tmp_path: Path
) -> None:
    (pod,) = [p for p in pod_templates(rendered["production"]) if p.name == "users"]
    (sidecar,) = pod.sidecars
    environment = {
        name: entry["value"] for name, entry in env_of(sidecar).items() if "value" in entry
    }
    secret = (REPOSITORY / "deploy" / "dev-secrets" / "users.scram").read_text().strip()
    # No Postgres behind it: PgBouncer connects to the server only when a client asks.
    environment |= {"DB_HOST": "postgres", "DB_PORT": "5432", "PGBOUNCER_AUTH_SECRET": secret}
    command = sidecar["readinessProbe"]["exec"]["command"]

    with started_like_in_the_pod(
        pod, sidecar, environment=environment, workdir=tmp_path
    ) as pgbouncer:

        def ready() -> bool:
            pgbouncer.reload()
            return pgbouncer.status == "running" and pgbouncer.exec_run(command).exit_code == 0

        assert eventually_sync(ready, within_seconds=STARTS_WITHIN_SECONDS), (
            pgbouncer.logs().decode()
        )


def test_dev_postgres_initialises_and_serves_as_its_pod_runs_it(
    rendered: dict[str, list[Manifest]], tmp_path: Path
) -> None:
    (pod,) = [p for p in pod_templates(rendered["dev"]) if p.name == "postgres"]
    (container,) = pod.containers
    secrets = decoded_secrets(dev_secrets("shop-dev"))
    environment = {}
    for name, entry in env_of(container).items():
        if "value" in entry:
            environment[name] = entry["value"]
        else:
            reference = entry["valueFrom"]["secretKeyRef"]
            environment[name] = secrets[reference["name"]][reference["key"]]
    command = container["readinessProbe"]["exec"]["command"]

    with started_like_in_the_pod(
        pod, container, environment=environment, workdir=tmp_path
    ) as postgres:

        def ready() -> bool:
            postgres.reload()
            return postgres.status == "running" and postgres.exec_run(command).exit_code == 0

        assert eventually_sync(ready, within_seconds=POSTGRES_STARTS_WITHIN_SECONDS), (
            postgres.logs().decode()
        )
        # The login roles the roles' script made from the Secrets' SCRAM secrets.
        query = "SELECT rolname FROM pg_roles WHERE rolcanlogin AND NOT rolsuper ORDER BY 1"
        roles = postgres.exec_run(
            ["psql", "-h", "/var/run/postgresql", "-U", "postgres", "-d", "shop", "-Atc", query]
        )
        assert roles.exit_code == 0, roles.output.decode()
        assert roles.output.decode().split() == sorted(
            f"{service}_{kind}"
            for service in ("users", "catalog", "orders")
            for kind in ("owner", "svc")
        )
