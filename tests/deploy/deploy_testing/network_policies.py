"""Who may open a connection to whom, as the rendered NetworkPolicies decide it.

A connection is allowed when the source's egress and the destination's ingress both allow
it: a pod no policy of a direction selects is open in that direction, a selected one only
where some rule of a selecting policy matches the peer and the port (the Kubernetes
semantics). Enough of them to judge this project's policies: pod and namespace selectors,
ipBlock for addresses outside the cluster, numbered and named ports. Written here because the
offline analysers of NetworkPolicies (np-guard's, cyclonus) are Go programs, not libraries.
"""

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from deploy_testing.manifests import Manifest, of_kind, selects


@dataclass(frozen=True)
class Peer:
    """A pod (labels in a namespace) or an address outside the cluster (ip)."""

    name: str
    namespace: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    namespace_labels: dict[str, str] = field(default_factory=dict)
    ip: str | None = None
    # (name, number, protocol) of what it listens on
    ports: tuple[tuple[str, int, str], ...] = ()


def _port_matches(
    rule_ports: list[dict[str, Any]] | None, peer: Peer, port: int, protocol: str
) -> bool:
    if not rule_ports:
        return True
    for entry in rule_ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        wanted = entry.get("port")
        if wanted is None or wanted == port:
            return True
        if isinstance(wanted, str) and any(
            name == wanted and number == port and proto == protocol
            for name, number, proto in peer.ports
        ):
            return True
    return False


def _peer_matches(entries: list[dict[str, Any]] | None, peer: Peer, namespace: str) -> bool:
    if not entries:
        return True
    for entry in entries:
        if "ipBlock" in entry:
            block = entry["ipBlock"]
            if (
                peer.ip is not None
                and ipaddress.ip_address(peer.ip) in ipaddress.ip_network(block["cidr"])
                and not any(
                    ipaddress.ip_address(peer.ip) in ipaddress.ip_network(cidr)
                    for cidr in block.get("except", [])
                )
            ):
                return True
            continue
        if peer.ip is not None:
            continue  # selectors name pods, never outside addresses
        if "namespaceSelector" in entry:
            if not selects(entry["namespaceSelector"], peer.namespace_labels):
                continue
        elif peer.namespace != namespace:
            continue  # a podSelector alone means the policy's own namespace
        if selects(entry.get("podSelector", {}), peer.labels):
            return True
    return False


class Policies:
    def __init__(self, manifests: list[Manifest]) -> None:
        self.policies = of_kind(manifests, "NetworkPolicy")

    def _selecting(self, pod: Peer, direction: str) -> list[Manifest]:
        if pod.ip is not None:
            return []  # outside the cluster no policy of ours applies
        return [
            policy
            for policy in self.policies
            if policy["metadata"]["namespace"] == pod.namespace
            and direction in policy["spec"].get("policyTypes", ["Ingress"])
            and selects(policy["spec"]["podSelector"], pod.labels)
        ]

    def allows(self, source: Peer, destination: Peer, port: int, protocol: str = "TCP") -> bool:
        egress = self._selecting(source, "Egress")
        egress_open = not egress or any(
            _peer_matches(rule.get("to"), destination, policy["metadata"]["namespace"])
            and _port_matches(rule.get("ports"), destination, port, protocol)
            for policy in egress
            for rule in policy["spec"].get("egress", [])
        )
        ingress = self._selecting(destination, "Ingress")
        ingress_open = not ingress or any(
            _peer_matches(rule.get("from"), source, policy["metadata"]["namespace"])
            and _port_matches(rule.get("ports"), destination, port, protocol)
            for policy in ingress
            for rule in policy["spec"].get("ingress", [])
        )
        return egress_open and ingress_open
