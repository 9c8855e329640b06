"""deploy/k8s, checked offline: every overlay renders, validates against the Kubernetes schemas,
and keeps the invariants docs/deploy.md promises, read from the rendered objects."""

import base64
import re

import kubernetes_validate
import pytest
import yaml
from pydantic import TypeAdapter
from pydantic_settings import BaseSettings

from catalog.settings import CatalogSettings
from deploy_testing.manifests import (
    K8S,
    REPOSITORY,
    Manifest,
    PodTemplate,
    decoded_secrets,
    dev_secrets,
    env_of,
    named,
    of_kind,
    pod_templates,
    selects,
)
from deploy_testing.network_policies import Peer, Policies
from orders.settings import OrdersSettings
from service_kit.scram import scram_sha256_secret
from service_kit.settings import DatabaseSettings
from users.settings import UsersSettings

SERVICES = ("users", "catalog", "orders")
NAMESPACES = {"dev": "shop-dev", "production": "shop"}
IMAGE_TAGS = {"dev": "dev", "production": "production"}
# 1.33: native sidecars are GA from there on; 1.37: the newest the pinned validator knows.
KUBERNETES_VERSIONS = ("1.33.0", "1.37.0")
# Postgres' defaults (docs/deploy.md, "Capacity"): what the pools must fit in.
POSTGRES_MAX_CONNECTIONS = 100
POSTGRES_SUPERUSER_RESERVED_CONNECTIONS = 3
SECRET_LOOKING_NAME = re.compile(r"PASSWORD|KEY|SECRET|TOKEN|DATABASE_URL")
CREDENTIALS_IN_URL = re.compile(r"://[^/@\s]+:[^/@\s]+@")


def _workload(manifests: list[Manifest], kind: str, name: str) -> PodTemplate:
    (template,) = [t for t in pod_templates(manifests) if (t.kind, t.name) == (kind, name)]
    return template


def _hpa_for(manifests: list[Manifest], deployment: str) -> Manifest:
    (hpa,) = [
        h
        for h in of_kind(manifests, "HorizontalPodAutoscaler")
        if h["spec"]["scaleTargetRef"]
        == {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment}
    ]
    return hpa


def _quantity(value: str | int) -> float:
    # The suffixes the manifests use; the kubernetes client's parse_quantity would bring in the
    # whole client for these four.
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text.removesuffix(suffix)) * factor
    return float(text)


def test_every_overlay_validates_against_the_kubernetes_schemas(
    manifests: list[Manifest],
) -> None:
    for version in KUBERNETES_VERSIONS:
        for manifest in manifests:
            kubernetes_validate.validate(manifest, version, strict=True)


def test_no_secret_is_inlined(manifests: list[Manifest]) -> None:
    assert of_kind(manifests, "Secret") == []


def test_every_object_lives_in_the_overlays_namespace(
    manifests: list[Manifest], overlay: str
) -> None:
    namespaced = [m for m in manifests if m["kind"] != "Namespace"]

    assert {m["metadata"]["namespace"] for m in namespaced} == {NAMESPACES[overlay]}


def test_the_namespace_enforces_the_restricted_pod_security_standard(
    manifests: list[Manifest], overlay: str
) -> None:
    (namespace,) = of_kind(manifests, "Namespace")

    assert namespace["metadata"]["name"] == NAMESPACES[overlay]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_every_container_runs_unprivileged_on_a_read_only_root(manifests: list[Manifest]) -> None:
    for pod in pod_templates(manifests):
        assert pod.spec["securityContext"]["runAsNonRoot"] is True, pod.name
        assert pod.spec["securityContext"]["runAsUser"] > 0, pod.name
        assert pod.spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, pod.name
        for container in pod.all_containers:
            context = container["securityContext"]
            where = f"{pod.name}/{container['name']}"
            assert context["runAsNonRoot"] is True, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"] == {"drop": ["ALL"]}, where


def test_no_pod_gets_a_service_account_token(manifests: list[Manifest]) -> None:
    for pod in pod_templates(manifests):
        assert pod.spec["automountServiceAccountToken"] is False, pod.name


def test_every_container_has_requests_within_limits(manifests: list[Manifest]) -> None:
    for pod in pod_templates(manifests):
        for container in pod.all_containers:
            resources = container["resources"]
            for resource in ("cpu", "memory"):
                request = _quantity(resources["requests"][resource])
                limit = _quantity(resources["limits"][resource])
                assert 0 < request <= limit, f"{pod.name}/{container['name']} {resource}"


def test_every_long_running_container_and_sidecar_is_probed(manifests: list[Manifest]) -> None:
    for pod in pod_templates(manifests):
        probed = pod.containers + pod.sidecars if pod.long_running else pod.sidecars
        for container in probed:
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert probe in container, f"{pod.name}/{container['name']} {probe}"


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_is_ready_on_readyz_alive_on_healthz(
    manifests: list[Manifest], service: str
) -> None:
    (container,) = _workload(manifests, "Deployment", service).containers

    assert container["readinessProbe"]["httpGet"] == {
        "path": f"/api/{service}/readyz",
        "port": "http",
    }
    assert container["livenessProbe"]["httpGet"] == {
        "path": f"/api/{service}/healthz",
        "port": "http",
    }
    assert container["startupProbe"]["httpGet"] == {
        "path": f"/api/{service}/healthz",
        "port": "http",
    }


@pytest.mark.parametrize("service", SERVICES)
def test_pgbouncer_is_a_native_sidecar_sharing_only_its_socket(
    manifests: list[Manifest], overlay: str, service: str
) -> None:
    pod = _workload(manifests, "Deployment", service)
    (sidecar,) = pod.sidecars
    (app,) = pod.containers
    socket_volumes = {
        container["name"]: {
            m["name"] for m in container["volumeMounts"] if m["mountPath"] == "/var/run/pgbouncer"
        }
        for container in (sidecar, app)
    }
    volumes = {volume["name"]: volume for volume in pod.spec["volumes"]}

    assert sidecar["name"] == "pgbouncer"
    assert sidecar["image"] == f"shop/pgbouncer:{IMAGE_TAGS[overlay]}"
    assert socket_volumes[sidecar["name"]] == socket_volumes[app["name"]] != set()
    (socket,) = socket_volumes[app["name"]]
    assert "emptyDir" in volumes[socket]
    assert env_of(sidecar)["PGBOUNCER_USER"]["value"] == f"{service}_svc"
    auth = env_of(sidecar)["PGBOUNCER_AUTH_SECRET"]["valueFrom"]["secretKeyRef"]
    url = env_of(app)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert auth["name"] == url["name"] == f"{service}-database"


def test_no_secret_travels_in_a_plain_value(manifests: list[Manifest]) -> None:
    config_maps = {
        m["metadata"]["name"]: m.get("data", {}) for m in of_kind(manifests, "ConfigMap")
    }
    for pod in pod_templates(manifests):
        secret_volumes = {v["name"] for v in pod.spec.get("volumes", []) if "secret" in v}
        for container in pod.all_containers:
            secret_mounts = [
                m["mountPath"]
                for m in container.get("volumeMounts", [])
                if m["name"] in secret_volumes
            ]
            for name, entry in env_of(container).items():
                where = f"{pod.name}/{container['name']} {name}"
                if "value" not in entry:
                    assert "secretKeyRef" in entry["valueFrom"] or not SECRET_LOOKING_NAME.search(
                        name
                    ), where
                    continue
                assert not CREDENTIALS_IN_URL.search(entry["value"]), where
                if SECRET_LOOKING_NAME.search(name):
                    # Only a path, to a file of a mounted Secret.
                    assert name.endswith("_FILE"), where
                    assert any(entry["value"].startswith(f"{mount}/") for mount in secret_mounts), (
                        where
                    )
            for source in container.get("envFrom", []):
                data = config_maps[source["configMapRef"]["name"]]
                assert not [key for key in data if SECRET_LOOKING_NAME.search(key)], pod.name


def _compose_image_names() -> set[str]:
    compose = yaml.safe_load((REPOSITORY / "docker-compose.yml").read_text())
    return {
        service["image"].removesuffix(":${SHOP_IMAGE_TAG:-dev}")
        for service in compose["services"].values()
        if "image" in service
    }


def test_images_are_the_ones_make_images_builds(manifests: list[Manifest], overlay: str) -> None:
    built = _compose_image_names()
    for pod in pod_templates(manifests):
        for container in pod.all_containers:
            name, _, tag = container["image"].partition(":")
            assert name in built, container["image"]
            assert tag == IMAGE_TAGS[overlay], container["image"]


def test_dev_uses_the_tag_make_images_gives_by_default() -> None:
    makefile = (REPOSITORY / "Makefile").read_text()
    default = re.search(r"^export SHOP_IMAGE_TAG \?= (\S+)$", makefile, re.MULTILINE)

    assert default
    assert default[1] == IMAGE_TAGS["dev"]


def test_every_service_selects_a_workloads_pods_and_names_their_port(
    manifests: list[Manifest],
) -> None:
    pods = list(pod_templates(manifests))
    for service in of_kind(manifests, "Service"):
        name = service["metadata"]["name"]
        selector = service["spec"]["selector"]
        selected = [pod for pod in pods if selects({"matchLabels": selector}, pod.labels)]
        assert selector, name
        assert selected, name
        assert {pod.kind for pod in selected} <= {"Deployment", "StatefulSet"}, name
        for pod in selected:
            port_names = {p["name"] for c in pod.containers for p in c.get("ports", [])}
            for port in service["spec"]["ports"]:
                assert port["targetPort"] in port_names, name


def test_production_runs_at_least_two_of_every_deployment(
    rendered: dict[str, list[Manifest]],
) -> None:
    manifests = rendered["production"]
    for deployment in of_kind(manifests, "Deployment"):
        name = deployment["metadata"]["name"]
        hpa = _hpa_for(manifests, name)
        # The autoscaler owns the count: a figure in the Deployment would reset it on apply.
        assert "replicas" not in deployment["spec"], name
        assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], name


def test_every_deployment_is_autoscaled_on_its_own_containers_cpu(
    manifests: list[Manifest],
) -> None:
    for deployment in of_kind(manifests, "Deployment"):
        name = deployment["metadata"]["name"]
        (metric,) = _hpa_for(manifests, name)["spec"]["metrics"]
        (app,) = _workload(manifests, "Deployment", name).containers
        assert metric["containerResource"]["container"] == app["name"]
        assert metric["containerResource"]["name"] == "cpu"


def test_disruption_budgets_allow_a_drain_and_keep_one_serving(
    manifests: list[Manifest], overlay: str
) -> None:
    for deployment in of_kind(manifests, "Deployment"):
        name = deployment["metadata"]["name"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        (budget,) = [
            p
            for p in of_kind(manifests, "PodDisruptionBudget")
            if selects(p["spec"]["selector"], labels)
        ]
        assert "minAvailable" not in budget["spec"], name
        assert budget["spec"]["maxUnavailable"] >= 1, name
        if overlay == "production":
            minimum = _hpa_for(manifests, name)["spec"]["minReplicas"]
            assert minimum - budget["spec"]["maxUnavailable"] >= 1, name


def _pool_size(pod: PodTemplate) -> int:
    pools = [int(env_of(sidecar)["DEFAULT_POOL_SIZE"]["value"]) for sidecar in pod.sidecars]
    return sum(pools)


def test_the_pools_at_full_scale_fit_in_postgres_connections(manifests: list[Manifest]) -> None:
    connections = POSTGRES_SUPERUSER_RESERVED_CONNECTIONS
    for deployment in of_kind(manifests, "Deployment"):
        name = deployment["metadata"]["name"]
        pod = _workload(manifests, "Deployment", name)
        surge = deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        pods = _hpa_for(manifests, name)["spec"]["maxReplicas"] + surge
        connections += pods * _pool_size(pod)
    for job in (t for t in pod_templates(manifests) if t.kind == "Job"):
        # A migration holds one connection; a Job with a PgBouncer at most its pool.
        connections += _pool_size(job) or 1

    assert connections <= POSTGRES_MAX_CONNECTIONS


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_migrates_in_a_job_straight_to_postgres_as_its_owner(
    manifests: list[Manifest], overlay: str, service: str
) -> None:
    job = _workload(manifests, "Job", f"migrate-{service}")
    (container,) = job.containers

    assert container["command"] == ["alembic", "upgrade", "head"]
    assert container["image"] == f"shop/{service}:{IMAGE_TAGS[overlay]}"
    assert job.sidecars == []
    url = env_of(container)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert url == {"name": f"{service}-migration", "key": "url"}


def test_the_deployments_roll_only_after_the_migrations(manifests: list[Manifest]) -> None:
    # release.sh applies and awaits everything without this label first, the rest after.
    after = {"shop/rollout": "after-migrations"}
    rolled_after = {
        (m["kind"], m["metadata"]["name"])
        for m in manifests
        if selects({"matchLabels": after}, m["metadata"].get("labels", {}))
    }
    deployments = {("Deployment", m["metadata"]["name"]) for m in of_kind(manifests, "Deployment")}
    migrations = {("Job", f"migrate-{service}") for service in SERVICES}

    assert deployments <= rolled_after
    assert not migrations & rolled_after
    assert rolled_after <= deployments | {("Job", "seed-catalog")}


def test_the_demo_seed_runs_in_dev_only(rendered: dict[str, list[Manifest]]) -> None:
    def seeds(overlay: str) -> list[str]:
        return [
            t.name
            for t in pod_templates(rendered[overlay])
            if t.labels.get("app.kubernetes.io/component") == "seed"
        ]

    assert seeds("dev") == ["seed-catalog"]
    assert seeds("production") == []


def test_dev_runs_postgres_in_the_cluster_and_production_outside(
    rendered: dict[str, list[Manifest]],
) -> None:
    dev = _workload(rendered["dev"], "StatefulSet", "postgres")

    assert dev.containers[0]["image"] == "shop/postgres:dev"
    assert of_kind(rendered["production"], "StatefulSet") == []
    for overlay in ("dev", "production"):
        for service in SERVICES:
            (sidecar,) = _workload(rendered[overlay], "Deployment", service).sidecars
            host = env_of(sidecar)["DB_HOST"]["valueFrom"]["secretKeyRef"]
            assert host == {"name": "postgres-server", "key": "host"}


def test_the_gateway_replaces_exactly_the_images_platform_files(
    manifests: list[Manifest], overlay: str
) -> None:
    pod = _workload(manifests, "Deployment", "gateway")
    (container,) = pod.containers
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/etc/nginx/platform"]
    (volume,) = [v for v in pod.spec["volumes"] if v["name"] == mount["name"]]
    platform = named(manifests, "ConfigMap", volume["configMap"]["name"])["data"]
    compose_files = {
        path.name for path in (REPOSITORY / "deploy" / "gateway" / "platform").iterdir()
    }

    assert set(platform) == compose_files
    assert "127.0.0.11" not in platform["resolver.conf"]
    for service in SERVICES:
        upstream = f"http://{service}.{NAMESPACES[overlay]}.svc.cluster.local:8000;"
        assert f"${service}_upstream {{ default {upstream} }}" in platform["upstreams.conf"]


# --- who reaches whom ---------------------------------------------------------------------

CLIENT = Peer(name="internet", ip="198.51.100.7")
OTHER_NAMESPACE = Peer(
    name="other-namespace",
    namespace="elsewhere",
    namespace_labels={"kubernetes.io/metadata.name": "elsewhere"},
)
KUBE_DNS = Peer(
    name="kube-dns",
    namespace="kube-system",
    labels={"k8s-app": "kube-dns"},
    namespace_labels={"kubernetes.io/metadata.name": "kube-system"},
    ports=(("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")),
)
EXTERNAL_POSTGRES = "external-postgres"


def _peers(manifests: list[Manifest], overlay: str) -> list[Peer]:
    namespace = NAMESPACES[overlay]
    peers = [
        Peer(
            name=pod.name if pod.kind != "Job" else f"job/{pod.name}",
            namespace=namespace,
            labels=pod.labels,
            namespace_labels={"kubernetes.io/metadata.name": namespace},
            ports=tuple(
                (p["name"], p["containerPort"], p.get("protocol", "TCP"))
                for c in pod.containers
                for p in c.get("ports", [])
            ),
        )
        for pod in pod_templates(manifests)
    ]
    if overlay == "production":
        (database_clients,) = [
            p
            for p in of_kind(manifests, "NetworkPolicy")
            if p["metadata"]["name"] == "database-clients"
        ]
        (rule,) = database_clients["spec"]["egress"]
        address = rule["to"][0]["ipBlock"]["cidr"].split("/")[0]
        peers.append(Peer(name=EXTERNAL_POSTGRES, ip=address, ports=(("postgres", 5432, "TCP"),)))
    # A pod nobody wrote a policy for (`kubectl run`, say): the default deny must cover it.
    stray = Peer(
        name="stray-pod",
        namespace=namespace,
        labels={"run": "debug"},
        namespace_labels={"kubernetes.io/metadata.name": namespace},
        ports=(("http", 8080, "TCP"),),
    )
    return [*peers, stray, CLIENT, OTHER_NAMESPACE]


def _expected_flows(overlay: str) -> set[tuple[str, str, int]]:
    outside = ["internet", "other-namespace"] + (
        [EXTERNAL_POSTGRES] if overlay == "production" else []
    )
    flows = {(peer, "gateway", 80) for peer in outside}
    flows |= {("gateway", service, 8000) for service in SERVICES}
    flows |= {("orders", "catalog", 8000), ("orders", "users", 8000), ("catalog", "users", 8000)}
    postgres = "postgres" if overlay == "dev" else EXTERNAL_POSTGRES
    clients = [*SERVICES, *(f"job/migrate-{service}" for service in SERVICES)]
    if overlay == "dev":
        clients.append("job/seed-catalog")
    flows |= {(client, postgres, 5432) for client in clients}
    return flows


def test_only_the_documented_flows_are_allowed(manifests: list[Manifest], overlay: str) -> None:
    policies = Policies(manifests)
    peers = _peers(manifests, overlay)
    allowed = {
        (source.name, destination.name, port)
        for source in peers
        for destination in peers
        # between two peers outside the namespace its policies decide nothing
        if NAMESPACES[overlay] in (source.namespace, destination.namespace)
        for _, port, protocol in destination.ports
        if policies.allows(source, destination, port, protocol)
    }

    assert allowed == _expected_flows(overlay)


def test_every_pod_may_ask_the_clusters_dns(manifests: list[Manifest], overlay: str) -> None:
    policies = Policies(manifests)
    for peer in _peers(manifests, overlay):
        if peer.namespace == NAMESPACES[overlay]:
            assert policies.allows(peer, KUBE_DNS, 53, "UDP"), peer.name
            assert policies.allows(peer, KUBE_DNS, 53, "TCP"), peer.name


def test_nothing_reaches_an_address_outside_but_the_database(
    manifests: list[Manifest], overlay: str
) -> None:
    policies = Policies(manifests)
    for peer in _peers(manifests, overlay):
        if peer.namespace == NAMESPACES[overlay]:
            for port in (80, 443, 5432, 8000):
                assert not policies.allows(peer, CLIENT, port), f"{peer.name} :{port}"


# --- the Secrets ----------------------------------------------------------------------------


def _secret_references(manifests: list[Manifest]) -> set[tuple[str, str]]:
    references = set()
    for pod in pod_templates(manifests):
        for container in pod.all_containers:
            for entry in container.get("env", []):
                reference = entry.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    references.add((reference["name"], reference["key"]))
        for volume in pod.spec.get("volumes", []):
            if "secret" in volume:
                for item in volume["secret"]["items"]:
                    references.add((volume["secret"]["secretName"], item["key"]))
    return references


def test_dev_secrets_provide_every_secret_dev_references(
    rendered: dict[str, list[Manifest]],
) -> None:
    secrets = dev_secrets(NAMESPACES["dev"])
    provided = {(name, key) for name, data in decoded_secrets(secrets).items() for key in data}

    assert _secret_references(rendered["dev"]) <= provided
    for secret in secrets:
        assert secret["metadata"]["namespace"] == NAMESPACES["dev"]
        kubernetes_validate.validate(secret, KUBERNETES_VERSIONS[0], strict=True)


def _password(url: str) -> str:
    match = re.match(r"postgresql\+asyncpg://[^:]+:([^@]+)@", url)
    assert match, "no password in the URL"
    return match[1]


def _matches(password: str, secret: str) -> bool:
    match = re.fullmatch(r"SCRAM-SHA-256\$(\d+):([^$]+)\$.+", secret)
    assert match, secret
    salt = base64.b64decode(match[2])
    return scram_sha256_secret(password, iterations=int(match[1]), salt=salt) == secret


@pytest.mark.parametrize("service", SERVICES)
def test_dev_secrets_passwords_match_their_scram_secrets(service: str) -> None:
    secrets = decoded_secrets(dev_secrets(NAMESPACES["dev"]))

    for name in (f"{service}-database", f"{service}-migration"):
        assert _matches(_password(secrets[name]["url"]), secrets[name]["scram-secret"]), name


def test_dev_secrets_give_catalog_the_key_orders_presents() -> None:
    secrets = decoded_secrets(dev_secrets(NAMESPACES["dev"]))

    key = secrets["orders-api"]["catalog-service-key"]
    assert secrets["catalog-api"]["internal-api-keys"].split() == [f"orders:{key}"]


def test_deploy_docs_create_every_secret_production_references(
    rendered: dict[str, list[Manifest]],
) -> None:
    docs = (REPOSITORY / "docs" / "deploy.md").read_text()
    for name, key in sorted(_secret_references(rendered["production"])):
        command = re.search(
            rf"create secret generic {re.escape(name)} (.*?)(?:\n\n|```)", docs, re.DOTALL
        )
        assert command, f"docs/deploy.md creates no Secret {name}"
        assert re.search(rf"--from-(literal|file)={re.escape(key)}=", command[1]), f"{name}: {key}"


def test_release_script_and_dev_secrets_are_executable() -> None:
    for script in ("release.sh", "dev-secrets.sh"):
        assert (K8S / script).stat().st_mode & 0o111, script


# --- the services' settings ---------------------------------------------------------------

PYTHON_SETTINGS: dict[str, type[BaseSettings]] = {
    "users": UsersSettings,
    "catalog": CatalogSettings,
    "orders": OrdersSettings,
    **{f"migrate-{service}": DatabaseSettings for service in SERVICES},
    "seed-catalog": DatabaseSettings,
}


def _settings_given(manifests: list[Manifest], pod: PodTemplate) -> dict[str, str | None]:
    """What a Python process of the pod is told: name -> value (None: from a Secret)."""
    (container,) = pod.containers
    given: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        given |= named(manifests, "ConfigMap", source["configMapRef"]["name"]).get("data", {})
    for name, entry in env_of(container).items():
        given[name] = entry.get("value")
    return given


def test_every_python_process_is_checked(manifests: list[Manifest]) -> None:
    with_settings = {
        pod.name
        for pod in pod_templates(manifests)
        if any("DATABASE_URL" in env_of(c) for c in pod.containers)
    }

    assert with_settings <= set(PYTHON_SETTINGS)


def test_the_manifests_set_only_what_the_process_reads_and_restate_no_default(
    manifests: list[Manifest],
) -> None:
    for pod in pod_templates(manifests):
        settings_type = PYTHON_SETTINGS.get(pod.name)
        if settings_type is None:
            continue
        for name, value in _settings_given(manifests, pod).items():
            field = settings_type.model_fields.get(name.lower())
            assert field is not None, f"{pod.name}: {name} is no setting"
            if value is not None and not field.is_required():
                parsed = TypeAdapter(field.annotation).validate_python(value)
                assert parsed != field.get_default(), f"{pod.name}: {name} restates its default"
