"""The project's images started the way the overlays' pods start them: the pod's user, a
read-only root file system, no capability, no privilege escalation, emptyDirs (tmpfs here)
where the manifests mount them. Docker stands in for the kubelet, which this machine lacks."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker
from docker.models.containers import Container

from deploy_testing.manifests import PodTemplate

IMAGE_TAG = os.environ.get("SHOP_IMAGE_TAG", "dev")


def image(container: dict[str, Any]) -> str:
    """The manifest's image with the tag `make images` built here."""
    name, _, _ = container["image"].partition(":")
    return f"{name}:{IMAGE_TAG}"


@contextmanager
def started_like_in_the_pod(
    pod: PodTemplate,
    container: dict[str, Any],
    *,
    environment: dict[str, str],
    workdir: Path,
    config_maps: dict[str, Path] | None = None,
    extra_hosts: dict[str, str] | None = None,
    published_port: int | None = None,
) -> Iterator[Container]:
    """One of the pod's containers, under its security context, with its emptyDirs (and new
    claims) as fresh directories of `workdir` and its ConfigMap mounts bound (read-only) from
    `config_maps` (volume -> directory). Removed afterwards."""
    pod_context = pod.spec["securityContext"]
    context = container["securityContext"]
    volumes = {volume["name"]: volume for volume in pod.spec.get("volumes", [])}
    binds: dict[str, dict[str, str]] = {}
    for mount in container.get("volumeMounts", []):
        # Not a pod volume: a StatefulSet's claim, whose new volume is as empty.
        volume = volumes.get(mount["name"], {"emptyDir": {}})
        if "emptyDir" in volume:
            # What the kubelet makes: an empty directory anyone may write, whatever the image
            # has at that path (docker's tmpfs would keep the image directory's mode instead).
            empty_dir = workdir / "empty-dirs" / mount["name"]
            empty_dir.mkdir(parents=True)
            empty_dir.chmod(0o777)
            binds[str(empty_dir)] = {"bind": mount["mountPath"], "mode": "rw"}
        elif "configMap" in volume:
            assert config_maps is not None, "a ConfigMap mount needs its files"
            binds[str(config_maps[mount["name"]])] = {"bind": mount["mountPath"], "mode": "ro"}
    client = docker.from_env()
    started = client.containers.run(
        image(container),
        detach=True,
        user=f"{pod_context['runAsUser']}:{pod_context['runAsGroup']}",
        group_add=[str(pod_context["fsGroup"])],
        read_only=context["readOnlyRootFilesystem"],
        cap_drop=context["capabilities"]["drop"],
        security_opt=["no-new-privileges"] if not context["allowPrivilegeEscalation"] else [],
        sysctls={s["name"]: s["value"] for s in pod_context.get("sysctls", [])},
        volumes=binds,
        environment=environment,
        extra_hosts=extra_hosts or {},
        ports={f"{published_port}/tcp": ("127.0.0.1", None)} if published_port else {},
    )
    try:
        yield started
    finally:
        started.remove(force=True)
        client.close()


def host_port(container: Container, port: int) -> int:
    container.reload()
    return int(container.ports[f"{port}/tcp"][0]["HostPort"])
