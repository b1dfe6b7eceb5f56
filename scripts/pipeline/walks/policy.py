"""NetworkPolicy as an enforcing network plugin applies it to one new connection.

Kubernetes docs, Network Policies: a Pod is isolated for a direction when a policy selects it
(spec.podSelector, in its namespace) and lists that direction in policyTypes (left out: Ingress,
plus Egress when the policy has egress rules). An isolated Pod accepts, in that direction, only
what some rule of those policies allows (additive allow-lists; a rule matches when it matches
one of its peers and one of its ports, an absent list matching everything). A connection needs
the sender's egress and the receiver's ingress to allow it; its replies are allowed
implicitly; traffic between a Pod and its own node is always allowed. Peers select Pods by
label (podSelector in the policy's namespace, namespaceSelector by the namespace's labels, both
in one peer meaning AND) or addresses (ipBlock). Ports are the Pod's: rules see the connection
after a Service's translation, as it reaches the Pod.

Nothing here applies when the manifests hold no NetworkPolicy. When they do, the topology must
say whether the plugin enforces them (cni.network_policy): the API accepts policies that no
plugin enforces.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scripts.pipeline.walks import sources as src
from scripts.pipeline.walks.manifests import Obj, label_selector_matches
from scripts.pipeline.walks.model import Step

if TYPE_CHECKING:  # the rule modules pass their Context; importing it here would be circular
    from scripts.pipeline.walks.network import Context
    from scripts.pipeline.walks.topology import Pod

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # set by the control plane on every namespace
# What a rejected packet (ICMP port unreachable) means to the sender, by protocol.
REJECTED = {
    "TCP": ", and the connection fails at once with Connection refused",
    "UDP": "; whether a resolver notices it at once or still waits out its timeout depends on "
    "the resolver",
    "SCTP": ", and the association fails at once",
}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    step: Step
    objects: tuple[str, ...]  # diagram ids of the policies that decided


def policies_apply(ctx: Context) -> bool:
    """True when the manifests hold NetworkPolicies and the plugin enforces them."""
    if not ctx.manifests.of_kind("NetworkPolicy"):
        return False
    cni = ctx.topology.cni
    if cni is None:
        raise ctx.topology.error(
            "cni",
            "the manifests hold NetworkPolicies: declare the network plugin (cni:) and whether "
            "it enforces them (network_policy: true or false)",
        )
    return cni.network_policy


def policy_types(policy: Obj) -> list[str]:
    declared = policy.spec.get("policyTypes")
    if declared:
        return list(declared)
    return ["Ingress", *(["Egress"] if policy.spec.get("egress") else [])]


def _selecting(ctx: Context, pod: Pod, direction: str) -> list[Obj]:
    return [
        p
        for p in ctx.manifests.of_kind("NetworkPolicy", pod.namespace)
        if direction in policy_types(p)
        and label_selector_matches(p.spec.get("podSelector") or {}, pod.labels)
    ]


def namespace_labels(ctx: Context, namespace: str) -> dict[str, str]:
    labels = dict(ctx.manifests.namespace_labels(namespace) or {})
    labels[NAMESPACE_NAME_LABEL] = namespace
    return labels


def _peer_matches(ctx: Context, policy: Obj, peer: dict, ip: str, pod: Pod | None) -> bool:
    block = peer.get("ipBlock")
    if block is not None:
        address = ipaddress.ip_address(ip)
        if address not in ipaddress.ip_network(block["cidr"]):
            return False
        return not any(address in ipaddress.ip_network(e) for e in block.get("except") or [])
    if pod is None:  # Pod and namespace selectors select Pods only
        return False
    namespaces = peer.get("namespaceSelector")
    if namespaces is None:
        if pod.namespace != policy.namespace:
            return False
    elif not label_selector_matches(namespaces, namespace_labels(ctx, pod.namespace)):
        return False
    pods = peer.get("podSelector")
    return pods is None or label_selector_matches(pods, pod.labels)


def _port_matches(entry: dict, port: int, proto: str, receiver: Pod | None) -> bool:
    if entry.get("protocol", "TCP") != proto:
        return False
    wanted = entry.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, str) and not wanted.isdigit():
        # A named port is the receiving Pod's container port of that name.
        return receiver is not None and receiver.ports.get(wanted) == port
    first = int(wanted)
    return first <= port <= int(entry.get("endPort", first))


def _decide(
    ctx: Context,
    pod: Pod,
    direction: str,
    peer_ip: str,
    peer: Pod | None,
    port: int,
    proto: str,
    receiver: Pod | None,
) -> Verdict | None:
    if not ctx.manifests.of_kind("NetworkPolicy"):
        return None
    enforced = policies_apply(ctx)
    selecting = _selecting(ctx, pod, direction)
    if not selecting:
        return None  # not isolated in this direction: everything passes
    names = ", ".join(p.name for p in selecting)
    ids = tuple(p.diagram_id for p in selecting)
    way = "to" if direction == "Egress" else "from"
    who = f"{peer.name} ({peer_ip})" if peer else peer_ip
    if not enforced:
        return Verdict(
            True,
            Step(
                "policy-allow",
                f"{names} select{'s' if len(selecting) == 1 else ''} {pod.name} for "
                f"{direction.lower()}, but the network plugin does not enforce NetworkPolicy: "
                "nothing checks the packet.",
                src.K8S_NETWORK_POLICY,
                short="policies not enforced",
            ),
            ids,
        )
    node = pod.node
    if peer_ip in {node.ip, node.bridge_address, node.tunnel_address}:
        return Verdict(
            True,
            Step(
                "policy-allow",
                f"The packet carries an address of {pod.name}'s own node, {peer_ip}: traffic "
                "to and from a Pod's own node is always allowed. (Whether a plugin sees "
                "traffic from outside before or after a node's source NAT is not defined.)",
                src.K8S_NETWORK_POLICY,
                short="own node: allowed",
            ),
            (),
        )
    rules_key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    for policy in selecting:
        for index, rule in enumerate(policy.spec.get(rules_key) or []):
            peers = rule.get(peers_key)
            ports = rule.get("ports")
            if peers and not any(_peer_matches(ctx, policy, p, peer_ip, peer) for p in peers):
                continue
            if ports and not any(_port_matches(e, port, proto, receiver) for e in ports):
                continue
            return Verdict(
                True,
                Step(
                    "policy-allow",
                    f"{pod.name} is isolated for {direction.lower()} ({names}); {policy.ref}'s "
                    f"{rules_key} rule {index + 1} allows {proto} {port} {way} {who}.",
                    src.K8S_NETWORK_POLICY,
                    short=f"{policy.name} allows {direction.lower()}",
                ),
                (policy.diagram_id,),
            )
    return Verdict(
        False,
        Step(
            "drop",
            f"{pod.name} is isolated for {direction.lower()} ({names}) and no rule allows "
            f"{proto} {port} {way} {who}: the network plugin discards the packet. Most "
            "plugins (Calico, Cilium) drop it silently, so the sender waits until it times "
            "out; kube-router (k3s's default policy controller) rejects it with an ICMP "
            f"error{REJECTED[proto]}.",
            src.K8S_NETWORK_POLICY,
            short=f"dropped: {direction.lower()} not allowed",
        ),
        ids,
    )


def check_egress(
    ctx: Context, pod: Pod, dst_ip: str, dst: Pod | None, port: int, proto: str
) -> Verdict | None:
    """May `pod` open this connection? Checked where it leaves, on the sender's node.
    None: no policy isolates it for egress (or the manifests hold none)."""
    return _decide(ctx, pod, "Egress", dst_ip, dst, port, proto, receiver=dst)


def check_ingress(ctx: Context, pod: Pod, src_ip: str, port: int, proto: str) -> Verdict | None:
    """May this connection reach `pod`? Checked as it arrives, on the receiver's node."""
    peer = ctx.topology.pod_with_ip(src_ip)
    return _decide(ctx, pod, "Ingress", src_ip, peer, port, proto, receiver=pod)
