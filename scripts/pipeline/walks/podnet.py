"""Rules for the Pod network itself: a Pod connects straight to an address, with no Service
and no kube-proxy on the way.

To another Pod on its node, the node's bridge switches the frame; to a Pod on another node,
the node routes the packet by that node's Pod range, into the overlay device (VXLAN) or onto
the node network (routed mode), and neither address changes (the network model's second
rule). To an address outside the cluster's Pod range, the packet leaves through the node's
own interface and, when the plugin masquerades, its source becomes the node's address;
connection tracking restores the reply.
"""

from __future__ import annotations

import ipaddress

from scripts.pipeline.walks import sources as src
from scripts.pipeline.walks.model import Addr, Outcome, Packet, Step
from scripts.pipeline.walks.network import (
    Context,
    deliver_to_pod,
    egress_allows,
    pod_sends,
    receive_reply,
    un_nat_reply,
)
from scripts.pipeline.walks.topology import Cni, Node, Outside, Pod


def walk_pod_ip(ctx: Context) -> None:
    client = ctx.origin_pod()
    if client is None:
        raise ctx.topology_error(f"from: {ctx.spec.origin!r} must be a Pod for this path")
    cni = ctx.topology.cni
    if cni is None:
        raise ctx.topology.error("cni", "the pod-ip path needs the network plugin (cni:)")
    if cni.mode is None:
        raise ctx.topology.error("cni", "the pod-ip path needs cni.mode (vxlan or routed)")
    try:
        address = ipaddress.IPv4Address(ctx.request.host)
    except ValueError:
        raise ctx.topology_error(
            f"to: {ctx.request.host!r} is not an IP address (the pod-ip path uses no DNS)"
        ) from None
    if address in cni.cluster_cidr:
        target = ctx.topology.pod_with_ip(str(address))
        if target is None:
            raise ctx.topology_error(f"to: no Pod of the topology has the IP {address}")
        _pod_to_pod(ctx, cni, client, target)
        return
    server = next((o for o in ctx.topology.outside.values() if o.ip == str(address)), None)
    if server is None:
        raise ctx.topology_error(
            f"to: {address} is outside {cni.cluster_cidr} and no host under outside: has it"
        )
    _pod_to_outside(ctx, cni, client, server)


def _send(ctx: Context, client: Pod, dst: Addr, text: str) -> Packet:
    return pod_sends(
        ctx,
        client,
        f"{client.app} Pod on {client.node.name}",
        dst.ip,
        "TCP",
        f"SYN, then {ctx.request.line}",
        Step("send", text, src.K8S_NETWORK_MODEL),
        objects=[client.owner.diagram_id] if client.owner else [],
    )


def _bridge_place(cni: Cni, node: Node) -> str:
    return f"{node.name}: bridge {cni.bridge} and routing table"


def _pod_to_pod(ctx: Context, cni: Cni, client: Pod, target: Pod) -> None:
    node, far = client.node, target.node
    dst = Addr(target.ip, ctx.request.port)
    if far == node:
        syn = _send(
            ctx,
            client,
            dst,
            f"It opens a TCP connection to {dst}. The address is in its own subnet "
            f"{node.pod_cidr}, so it sends the frame straight to that Pod's MAC address, out "
            "of eth0, its end of a veth pair.",
        )
        steps = [
            Step(
                "forward",
                f"The node's end of the veth pair hangs off the bridge {cni.bridge}, which "
                f"switches the frame to {target.name}'s veth pair by MAC address: the packet "
                f"never leaves {node.name} and nothing rewrites it.",
                src.K8S_NETWORK_MODEL,
                short=f"switched by {cni.bridge}",
            )
        ]
        if not _egress(ctx, cni, client, target, syn, steps):
            return
        ctx.builder.add(
            _bridge_place(cni, node), cni.bridge_id(node), arriving=syn, leaving=syn, steps=steps
        )
        deliver_to_pod(ctx, target, syn, reply=False)
        return

    gateway = node.bridge_address or "the node's bridge"
    syn = _send(
        ctx,
        client,
        dst,
        f"It opens a TCP connection to {dst}. The address is outside its own subnet "
        f"{node.pod_cidr}, so its route sends the packet to its gateway {gateway}, the "
        f"bridge on {node.name}, out of eth0, its end of a veth pair.",
    )
    if cni.mode == "vxlan":
        via = f"via {far.tunnel_address} dev {cni.tunnel_device} onlink"
        why = (
            f"the route the network plugin keeps for {far.name}'s Pod range leads into the "
            f"VXLAN device {cni.tunnel_device}"
        )
    else:
        via = f"via {far.ip} dev eth0"
        why = f"the node network knows the Pod ranges, so the next hop is {far.name} itself"
    steps = [
        Step(
            "route",
            f"The frame is addressed to the bridge {cni.bridge}, so {node.name}'s kernel routes "
            f"the packet: {far.pod_cidr} {via}; {why}.",
            src.FLANNEL_VXLAN if cni.mode == "vxlan" else src.K8S_NETWORK_MODEL,
            short=f"route {far.pod_cidr} {via.split(' dev ')[0]}",
        ),
        Step(
            "no-nat",
            (
                f"No address is translated: {cni.name}'s rule for traffic from this node's "
                f"Pods to the Pod network (from {node.pod_cidr} to {cni.cluster_cidr}: RETURN) "
                "stops before its masquerade rule, as the network model requires."
            )
            if cni.masquerade
            else "No address is translated, as the network model requires.",
            src.FLANNEL_MASQ if cni.masquerade else src.K8S_NETWORK_MODEL,
            short="no NAT",
        ),
    ]
    if not _egress(ctx, cni, client, target, syn, steps):
        return
    ctx.builder.add(
        _bridge_place(cni, node), cni.bridge_id(node), arriving=syn, leaving=syn, steps=steps
    )
    arriving = syn
    if cni.mode == "vxlan":
        outer = Packet(
            Addr(node.ip),
            Addr(far.ip, cni.vxlan_port),
            "UDP",
            f"VXLAN {cni.vni}, inside: {syn} TCP {syn.what}",
        )
        ctx.builder.add(
            f"{node.name}: VXLAN device {cni.tunnel_device}",
            cni.tunnel_id(node),
            arriving=syn,
            leaving=outer,
            steps=[
                Step(
                    "encapsulate",
                    f"{cni.tunnel_device} puts the packet in an Ethernet frame for "
                    f"{far.name}'s {cni.tunnel_device}, adds a VXLAN header (VNI {cni.vni}) and "
                    f"sends it all in a UDP packet from {node.name}'s address {node.ip} to "
                    f"{far.name}'s {far.ip}, port {cni.vxlan_port}. {cni.name} wrote static "
                    f"neighbour and forwarding entries for {far.name} ({far.tunnel_address}'s "
                    f"MAC address, and which node has it), so no ARP or MAC learning happens "
                    "through the tunnel.",
                    src.FLANNEL_VXLAN,
                    short=f"VXLAN to {far.ip}:{cni.vxlan_port}",
                )
            ],
        )
        ctx.builder.add(
            f"{far.name}: VXLAN device {cni.tunnel_device}",
            cni.tunnel_id(far),
            arriving=outer,
            leaving=syn,
            steps=[
                Step(
                    "decapsulate",
                    f"{far.name}'s kernel hands UDP port {cni.vxlan_port} to its own "
                    f"{cni.tunnel_device}, which strips the outer headers. The inner packet is "
                    f"unchanged; {far.name} routes it to {cni.bridge}, since {far.pod_cidr} is "
                    "the bridge's own subnet.",
                    src.FLANNEL_BACKENDS,
                    short="unwrapped",
                )
            ],
        )
    ctx.builder.add(
        _bridge_place(cni, far),
        cni.bridge_id(far),
        arriving=arriving,
        leaving=syn,
        steps=[
            Step(
                "forward",
                f"{cni.bridge} on {far.name} switches the packet to {target.name}'s veth pair, "
                f"with both Pod addresses as {client.name} sent them.",
                src.K8S_NETWORK_MODEL,
                short=f"to {target.name}'s veth",
            )
        ],
    )
    deliver_to_pod(ctx, target, syn, reply=False)


def _egress(
    ctx: Context, cni: Cni, client: Pod, target: Pod, packet: Packet, steps: list[Step]
) -> bool:
    """The sending Pod's egress policies, checked on its node as the packet leaves the Pod;
    False (and a hop that drops it) when they do not allow it."""
    checked: list[Step] = []
    objects: list[str] = []
    allowed = egress_allows(ctx, client, target, packet, checked, objects)
    steps[:0] = checked
    if not allowed:
        ctx.builder.add(
            _bridge_place(cni, client.node),
            cni.bridge_id(client.node),
            arriving=packet,
            leaving=None,
            steps=checked,
            outcome=Outcome.DROPPED,
            objects=objects,
        )
    return allowed


def _pod_to_outside(ctx: Context, cni: Cni, client: Pod, server: Outside) -> None:
    node = client.node
    dst = Addr(server.ip, ctx.request.port)
    gateway = node.bridge_address or "the node's bridge"
    syn = _send(
        ctx,
        client,
        dst,
        f"It opens a TCP connection to {dst}, an address outside the cluster's Pod range "
        f"{cni.cluster_cidr}: its default route sends the packet to its gateway {gateway}, the "
        f"bridge on {node.name}.",
    )
    ctx.builder.add(
        _bridge_place(cni, node),
        cni.bridge_id(node),
        arriving=syn,
        leaving=syn,
        steps=[
            Step(
                "route",
                f"{node.name}'s kernel routes the packet out of eth0, its interface on the node "
                f"network: {server.ip} is in no Pod range, so no route leads into "
                f"{cni.tunnel_device or 'another node'}.",
                src.K8S_NETWORK_MODEL,
                short="route out of eth0",
            )
        ],
    )
    if cni.masquerade:
        leaving = Packet(Addr(node.ip), syn.dst, syn.proto, syn.what)
        step = Step(
            "snat",
            f"On the way out, {cni.name}'s rule in the nat table masquerades traffic from "
            f"{cni.cluster_cidr} to anything but multicast: the source becomes {node.ip}, the "
            "address of eth0, with a random source port (--random-fully). Nothing outside the "
            "cluster has a route to the Pod range, so an answer to a Pod address would get "
            "lost.",
            src.FLANNEL_MASQ,
            short=f"SNAT to {node.ip}",
        )
    else:
        leaving = syn
        step = Step(
            "no-nat",
            f"The plugin does not masquerade: the packet keeps the Pod's address {syn.src.ip}, "
            "so the network outside must route the Pod range back to this node.",
            src.K8S_NETWORK_MODEL,
            short="source kept",
        )
    ctx.builder.add(
        f"{node.name}: eth0 ({node.ip})",
        cni.uplink_id(node),
        arriving=syn,
        leaving=leaving,
        steps=[step],
    )
    reply = Packet(leaving.dst, leaving.src, leaving.proto, "reply")
    ctx.builder.add(
        f"server {server.ip} outside the cluster",
        server.key,
        arriving=leaving,
        leaving=reply,
        steps=[
            Step(
                "deliver",
                f"The server on port {dst.port} receives {ctx.request.line} from "
                f"{leaving.src.ip}: {'the node, not the Pod' if cni.masquerade else 'the Pod'}.",
                src.MASQUERADE if cni.masquerade else src.K8S_NETWORK_MODEL,
                short=f"server sees {leaving.src.ip}",
            ),
            Step("reply", f"It answers to {leaving.src}.", src.MASQUERADE),
        ],
    )
    if cni.masquerade:
        restored = un_nat_reply(
            ctx,
            node,
            reply,
            syn,
            [],
            place=(f"{node.name}: eth0 ({node.ip})", cni.uplink_id(node)),
            source=src.MASQUERADE,
        )
    else:
        restored = Packet(syn.dst, syn.src, reply.proto, reply.what)
    ctx.builder.add(
        _bridge_place(cni, node),
        cni.bridge_id(node),
        arriving=restored,
        leaving=restored,
        direction="reply",
        steps=[
            Step(
                "forward",
                f"{node.name} routes the reply to {cni.bridge}, since {node.pod_cidr} is the "
                f"bridge's own subnet, and the bridge switches it to {client.name}'s veth pair.",
                src.K8S_NETWORK_MODEL,
                short=f"to {client.name}'s veth",
            )
        ],
    )
    receive_reply(
        ctx,
        client.id,
        f"{client.app} Pod on {node.name}",
        restored,
        f"{client.name} receives the answer from {restored.src}; the translation on "
        f"{node.name} is invisible to it.",
        src.MASQUERADE,
    )
