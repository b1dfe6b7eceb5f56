"""Rules for the Service paths: ClusterIP, headless, kubectl proxy, NodePort, a cloud load
balancer and MetalLB in layer 2 mode. Each rule's source is in sources.py and in a comment.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, replace

from scripts.pipeline.walks import sources as src
from scripts.pipeline.walks.manifests import Obj, label_selector_matches
from scripts.pipeline.walks.model import Addr, Outcome, Packet, Step
from scripts.pipeline.walks.network import (
    Context,
    cluster_ip_hop,
    deliver_to_pod,
    dns_hops,
    egress_allows,
    endpoints,
    is_headless,
    kernel_place,
    node_port,
    pod_sends,
    receive_reply,
    service_for_node_port,
    service_port,
    target_port,
    translate_external,
    un_nat_reply,
)
from scripts.pipeline.walks.topology import Node, Pod

# --- from a Pod: ClusterIP and headless -----------------------------------------------------


def _client_pod(ctx: Context) -> Pod:
    pod = ctx.origin_pod()
    if pod is None:
        raise ctx.topology_error(f"from: {ctx.spec.origin!r} must be a Pod for this path")
    return pod


def _service_by_cluster_ip(ctx: Context, ip: str) -> Obj:
    for service in ctx.manifests.of_kind("Service"):
        if ctx.topology.service_value(service, "cluster_ip") == ip:
            return service
    raise ctx.topology_error(f"no Service has the ClusterIP {ip}")


def walk_cluster_ip(ctx: Context) -> None:
    """A Pod resolves a Service's name and connects to its ClusterIP; kube-proxy's rules on the
    client's own node DNAT the connection to a Pod, and un-NAT the reply."""
    client = _client_pod(ctx)
    request = ctx.request
    if _is_ip(request.host):
        service = _service_by_cluster_ip(ctx, request.host)
        vip, answer_packet = request.host, None
    else:
        answer, answer_packet = dns_hops(ctx, client, request.host)
        if answer_packet is None:
            return  # the query was dropped
        service = answer.service
        if is_headless(service):
            raise ctx.topology_error(f"{service.ref} is headless: use `path: headless`")
        vip = answer.addresses[0]
    syn = pod_sends(
        ctx,
        client,
        f"{client.app} Pod on {client.node.name}",
        vip,
        "TCP",
        f"SYN, then {request.line}",
        Step(
            "send",
            f"It opens a TCP connection to the ClusterIP {vip} on port {request.port}.",
            src.K8S_VIPS,
        ),
        arriving=answer_packet,
    )
    ports = [p for p in service.spec.get("ports") or [] if p.get("port") == request.port]
    if not ports:
        # Virtual IPs and Service Proxies: the rules capture the Service's clusterIP *and port*;
        # no machine owns the address, so a packet to any other port matches nothing.
        ctx.builder.add(
            kernel_place(client.node),
            client.node.kernel_id,
            arriving=syn,
            leaving=None,
            steps=[
                Step(
                    "drop",
                    f"No rule matches {syn.dst}: {service.ref} declares no port {request.port}, "
                    "and no host owns the ClusterIP, so the connection goes nowhere.",
                    src.K8S_VIPS,
                    short="dropped: no such port",
                )
            ],
            outcome=Outcome.DROPPED,
            objects=[service.diagram_id],
        )
        return
    reached = cluster_ip_hop(ctx, client, syn, service, ports[0])
    if reached is None:
        return
    pod, leaving = reached
    reply = deliver_to_pod(ctx, pod, leaving, reply=True)
    if reply is None:
        return  # dropped by the receiver's ingress policies
    restored = un_nat_reply(ctx, client.node, reply, syn, [service.diagram_id])
    receive_reply(
        ctx,
        client.id,
        f"{client.app} Pod on {client.node.name}",
        restored,
        f"The answer comes from {restored.src}: the client never sees the Pod's address.",
    )


def walk_headless(ctx: Context) -> None:
    """A headless Service: DNS answers with Pod IPs, the client connects to one of them
    directly, and no rule translates anything."""
    client = _client_pod(ctx)
    request = ctx.request
    answer, answer_packet = dns_hops(ctx, client, request.host)
    if answer_packet is None:
        return  # the query was dropped
    service = answer.service
    if not is_headless(service):
        raise ctx.topology_error(f"{service.ref} has a ClusterIP: use `path: cluster-ip`")
    # Headless Services: "kube-proxy does not handle these Services, and there is no load
    # balancing or proxying done by the platform"; the client picks among the addresses.
    pods = [p for p in endpoints(ctx, service) if p.ip in answer.addresses]
    pod = ctx.choose("endpoint", pods, lambda p: (p.name, p.node.name, p.ip))
    syn = pod_sends(
        ctx,
        client,
        f"{client.app} Pod on {client.node.name}",
        pod.ip,
        "TCP",
        f"SYN, then {request.line}",
        Step(
            "endpoint-choice",
            f"The client picks {pod.ip} among the {len(answer.addresses)} addresses itself "
            f"and connects to port {request.port} on it.",
            src.K8S_HEADLESS,
            short=f"picks {pod.ip}",
        ),
        arriving=answer_packet,
    )
    steps = [
        Step(
            "no-nat",
            f"No rule matches: {service.ref} is headless, so kube-proxy installed none, and "
            f"{pod.ip} is a real Pod address. The packet is routed unchanged.",
            src.K8S_HEADLESS,
            short="no rule, no NAT",
        )
    ]
    objects = [service.diagram_id]
    allowed = egress_allows(ctx, client, pod, syn, steps, objects)
    ctx.builder.add(
        kernel_place(client.node),
        client.node.kernel_id,
        arriving=syn,
        leaving=syn if allowed else None,
        steps=steps,
        objects=objects,
        outcome=Outcome.FORWARDED if allowed else Outcome.DROPPED,
    )
    if not allowed:
        return
    if request.port not in pod.numbers:
        # The app listens on its container ports; a SYN to any other port is answered with a
        # TCP reset. The Service's `port` is not translated for a headless Service.
        ctx.builder.add(
            f"{pod.app} Pod on {pod.node.name}",
            pod.id,
            arriving=syn,
            leaving=None,
            steps=[
                Step(
                    "refuse",
                    f"Nothing listens on port {request.port} in the Pod (its container ports: "
                    f"{', '.join(map(str, pod.numbers)) or 'none'}): connection refused. A "
                    "headless Service translates no port.",
                    src.K8S_HEADLESS,
                    short=f"refused: nothing on port {request.port}",
                )
            ],
            outcome=Outcome.REFUSED,
        )
        return
    reply = deliver_to_pod(ctx, pod, syn, reply=True)
    if reply is None:
        return  # dropped by the receiver's ingress policies
    ctx.builder.add(
        kernel_place(client.node),
        client.node.kernel_id,
        arriving=reply,
        leaving=reply,
        steps=[
            Step(
                "no-nat",
                "Nothing to undo: the connection was never translated.",
                src.K8S_HEADLESS,
                short="nothing to undo",
            )
        ],
        direction="reply",
        objects=[service.diagram_id],
    )
    receive_reply(
        ctx,
        client.id,
        f"{client.app} Pod on {client.node.name}",
        reply,
        f"The answer comes straight from the Pod, {reply.src}.",
    )


def _is_ip(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


# --- kubectl proxy --------------------------------------------------------------------------

PROXY_PATH = re.compile(
    r"^/api/v1/namespaces/(?P<ns>[^/]+)/services/(?:(?P<scheme>https?):)?(?P<name>[^/:]+)"
    r"(?::(?P<port>[^/]+))?/proxy(?P<rest>/.*)?$"
)


def walk_kubectl_proxy(ctx: Context) -> None:
    """curl → kubectl proxy on the workstation → API server → a Pod of the Service.

    kubectl proxy listens on 127.0.0.1:8001 by default and forwards to the API server with
    the kubeconfig's credentials; the API server's services/proxy subresource
    (/api/v1/namespaces/<ns>/services/[https:]<name>[:<port>]/proxy/<path>) picks a ready
    endpoint of the Service and connects to that Pod itself (Access Services Running on
    Clusters; kubectl proxy reference).
    """
    outside = ctx.origin_outside()
    if outside is None:
        raise ctx.topology_error("from: kubectl proxy runs on a machine under outside:")
    request = ctx.request
    match = PROXY_PATH.match(request.path)
    if match is None:
        raise ctx.topology_error(
            f"to: {request.path} is not the services proxy form "
            "/api/v1/namespaces/<ns>/services/<name>[:<port>]/proxy/<path>"
        )
    service = ctx.manifests.get("Service", match["ns"], match["name"])
    if service is None:
        raise ctx.topology_error(f"to: no Service {match['ns']}/{match['name']} in the manifests")
    port_ref = match["port"]
    port = service_port(
        service, None if port_ref is None else (int(port_ref) if port_ref.isdigit() else port_ref)
    )
    api = ctx.topology.cluster.get("api_server") or {}
    api_node = ctx.topology.nodes.get(api.get("node"))
    if api_node is None:
        raise ctx.topology.error("cluster.api_server", "`node:` must name a node of the topology")
    api_port = int(api.get("port", 6443))
    rest = match["rest"] or "/"
    local = Packet(
        Addr("127.0.0.1", ctx.ephemeral_port()),
        Addr(request.host, request.port),
        "HTTP",
        request.line,
    )
    to_api = Packet(
        Addr(outside.ip, ctx.ephemeral_port()),
        Addr(api_node.ip, api_port),
        "HTTPS",
        request.line,
    )
    ctx.builder.add(
        f"workstation {outside.ip} (curl and kubectl proxy)",
        "workstation",
        arriving=local,
        leaving=to_api,
        steps=[
            Step(
                "send",
                f"curl sends {request.line} to kubectl proxy on {request.host}:{request.port}.",
                src.K8S_KUBECTL_PROXY,
            ),
            Step(
                "new-connection",
                f"kubectl proxy sends it on over HTTPS to the API server {api_node.ip}:{api_port}, "
                "authenticated with your kubeconfig's credentials.",
                src.K8S_ACCESS_SERVICES,
                short="kubectl proxy: HTTPS to the API server",
            ),
        ],
    )
    pods = endpoints(ctx, service)
    pod = ctx.choose("endpoint", pods, lambda p: (p.name, p.node.name, p.ip))
    target = target_port(service, port, pod)
    scheme = "HTTPS" if match["scheme"] == "https" else "HTTP"
    to_pod = Packet(
        Addr(ctx.topology.egress_address(api_node, pod), ctx.ephemeral_port()),
        Addr(pod.ip, target),
        scheme,
        f"{request.method} {rest}",
    )
    ctx.builder.add(
        "API server",
        "api-server",
        arriving=to_api,
        leaving=to_pod,
        steps=[
            Step(
                "l7-match",
                f"The path names the proxy subresource of {service.ref} port "
                f"{port.get('name') or port['port']}; RBAC must allow services/proxy.",
                src.K8S_ACCESS_SERVICES,
                short="services/proxy",
            ),
            Step(
                "endpoint-choice",
                f"It reads the Service's endpoints and picks {pod.ip}:{target} on "
                f"{pod.node.name}; the ClusterIP and kube-proxy are not used.",
                src.K8S_ACCESS_SERVICES,
                short=f"endpoint {pod.ip}:{target}",
            ),
            Step(
                "new-connection",
                f"It opens its own {scheme} connection to the Pod and forwards {request.method} "
                f"{rest}.",
                src.K8S_ACCESS_SERVICES,
                short="new connection to the Pod",
            ),
        ],
        objects=[service.diagram_id],
    )
    ctx.request = replace(ctx.request, path=rest)
    deliver_to_pod(ctx, pod, to_pod, reply=False)


# --- from outside: node ports, load balancers, MetalLB ------------------------------------


@dataclass(frozen=True)
class Entry:
    """Where an external connection ended up after entering the cluster."""

    pod: Pod
    packet: Packet  # as it arrives at the Pod
    node: Node  # the node whose rules translated it
    at_node: Packet  # as it arrived at that node
    service: Obj
    load_balancer: Packet | None  # as it arrived at a cloud load balancer, if one was in front


def client_hop(ctx: Context, packet: Packet, text: str, arriving: Packet | None = None) -> None:
    outside = ctx.origin_outside()
    if outside is None:
        raise ctx.topology_error("from: this path starts outside the cluster (under outside:)")
    ctx.builder.add(
        f"client {outside.ip}",
        "client",
        arriving=arriving,
        leaving=packet,
        steps=[Step("send", text, src.K8S_SOURCE_IP)],
    )


def enter(ctx: Context, packet: Packet, text: str, arriving: Packet | None = None) -> Entry | None:
    """A connection from outside to a node port, a cloud load balancer or a MetalLB address.
    Adds the hops from the client up to (not including) the Pod; None when it is dropped."""
    ip = packet.dst.ip
    node = ctx.topology.node_of_ip(ip)
    if node is not None:
        service, port = service_for_node_port(ctx, packet.dst.port)
        client_hop(ctx, packet, text, arriving)
        return _through_node(ctx, node, packet, service, port, f"node port {packet.dst.port}")
    service, port = _service_for_lb_ip(ctx, ip, packet.dst.port)
    if ctx.topology.metallb:
        return _through_metallb(ctx, packet, service, port, text)
    client_hop(ctx, packet, text, arriving)
    return _through_cloud_lb(ctx, packet, service, port)


def _service_for_lb_ip(ctx: Context, ip: str, number: int) -> tuple[Obj, dict]:
    for service in ctx.manifests.of_kind("Service"):
        if service.spec.get("type") != "LoadBalancer":
            continue
        if ip in _lb_addresses(ctx, service):
            return service, service_port(service, number)
    raise ctx.topology_error(f"to: no LoadBalancer Service has the address {ip}")


def _lb_addresses(ctx: Context, service: Obj) -> list[str]:
    # MetalLB: the annotation metallb.io/loadBalancerIPs asks for given addresses (MetalLB
    # usage); otherwise the address the implementation assigned is in the Service's status,
    # which the topology records.
    requested = service.annotations.get("metallb.io/loadBalancerIPs")
    if requested:
        return [a.strip() for a in requested.split(",")]
    assigned = ctx.topology.service_value(service, "load_balancer_ip")
    return [str(assigned)] if assigned else []


def _through_node(
    ctx: Context, node: Node, packet: Packet, service: Obj, port: dict, entry: str
) -> Entry | None:
    translation = translate_external(ctx, node, packet, service, port, entry)
    ctx.builder.add(
        kernel_place(node),
        node.kernel_id,
        arriving=packet,
        leaving=translation.packet,
        steps=list(translation.steps),
        outcome=translation.outcome,
        objects=[service.diagram_id],
    )
    if translation.pod is None:
        return None
    return Entry(translation.pod, translation.packet, node, packet, service, None)


def _through_cloud_lb(ctx: Context, packet: Packet, service: Obj, port: dict) -> Entry | None:
    """A cloud load balancer in front of the node ports.

    Service docs: a LoadBalancer Service also allocates node ports, and the cloud's load
    balancer sends to them. Using Source IP: a load balancer that forwards packets keeps the
    client's address, one that proxies connections shows its own; with
    externalTrafficPolicy Local the load balancer health-checks spec.healthCheckNodePort and
    stops sending to nodes without a local endpoint.
    """
    lb = ctx.topology.outside.get("load_balancer")
    if lb is None:
        raise ctx.topology_error("outside.load_balancer is required for a cloud load balancer")
    number = node_port(ctx, service, port)
    targets = [ctx.topology.nodes[n] for n in lb.extra.get("targets", ctx.topology.nodes)]
    steps = []
    if service.spec.get("externalTrafficPolicy", "Cluster") == "Local":
        pods = endpoints(ctx, service)
        healthy = [n for n in targets if any(p.node == n for p in pods)]
        failing = [n.name for n in targets if n not in healthy]
        steps.append(
            Step(
                "health-check",
                "externalTrafficPolicy Local: kube-proxy answers the health-check node port "
                f"with 200 only on nodes with a ready local Pod, so "
                f"{', '.join(failing) or 'no node'} fail{'s' if len(failing) == 1 else ''} and "
                "receive nothing.",
                src.K8S_SOURCE_IP,
                short="health check: Local",
            )
        )
        targets = healthy
    node = ctx.choose("node", targets, lambda n: (n.name, n.ip))
    keeps = bool(lb.extra.get("keeps_client_ip", True))
    source = packet.src if keeps else Addr(str(lb.extra.get("source_ip")), ctx.ephemeral_port())
    if not keeps and not lb.extra.get("source_ip"):
        raise ctx.topology.error(
            "outside.load_balancer", "a proxying load balancer needs source_ip"
        )
    forwarded = Packet(source, Addr(node.ip, number), packet.proto, packet.what)
    steps.append(
        Step(
            "dnat",
            f"It sends the connection to {node.name}'s node port {number} "
            f"({'keeping the client address' if keeps else 'from its own address'}).",
            src.K8S_LOADBALANCER,
            short=f"to {node.name}:{number}",
        )
    )
    ctx.builder.add(
        f"cloud load balancer {packet.dst.ip}",
        "load-balancer",
        arriving=packet,
        leaving=forwarded,
        steps=steps,
        objects=[service.diagram_id],
    )
    entry = _through_node(ctx, node, forwarded, service, port, f"node port {number}")
    if entry is None:
        return None
    return Entry(entry.pod, entry.packet, entry.node, forwarded, service, packet)


def _through_metallb(
    ctx: Context, packet: Packet, service: Obj, port: dict, text: str
) -> Entry | None:
    """MetalLB in layer 2 mode: one elected node answers ARP for the address and receives all
    its traffic; kube-proxy on that node then handles it like a node port (MetalLB,
    Layer 2 concepts)."""
    address = packet.dst.ip
    pool = _pool_for(ctx, service, address)
    advertisement = _advertisement_for(ctx, pool)
    outside = ctx.origin_outside()
    arp = Packet(Addr(outside.ip), Addr(address), "ARP", f"who has {address}? (broadcast)")
    client_hop(ctx, arp, f"Before it can send, the client asks the LAN who has {address}.")
    if advertisement is None:
        # MetalLB configuration: without an L2Advertisement the address is assigned but never
        # announced, so nothing answers ARP.
        ctx.builder.add(
            f"client {outside.ip}",
            "client",
            arriving=None,
            leaving=None,
            steps=[
                Step(
                    "drop",
                    f"No answer: no L2Advertisement announces pool {pool.name}, so no node "
                    f"claims {address} and the client cannot send at all.",
                    src.METALLB_CONFIG,
                    short="no answer: not announced",
                )
            ],
            outcome=Outcome.DROPPED,
            objects=[pool.diagram_id, service.diagram_id],
        )
        return None
    node, how = _elected_node(ctx, service, address)
    mac = f" {node.mac}" if node.mac else ""
    arp_reply = Packet(
        Addr(address), Addr(outside.ip), "ARP", f"{address} is at {node.name}'s MAC{mac}"
    )
    ctx.builder.add(
        f"MetalLB speaker on {node.name}",
        f"speaker-{node.name}",
        arriving=arp,
        leaving=arp_reply,
        steps=[
            Step(
                "arp-reply",
                f"{how} It answers the ARP request with {node.name}'s MAC address.",
                src.METALLB_L2,
                short=f"{node.name} answers ARP",
            )
        ],
        objects=[advertisement.diagram_id, pool.diagram_id, service.diagram_id],
    )
    syn = Packet(packet.src, packet.dst, packet.proto, packet.what)
    ctx.builder.add(
        f"client {outside.ip}",
        "client",
        arriving=arp_reply,
        leaving=syn,
        steps=[
            Step(
                "send",
                f"{text[:-1]}, in frames addressed to {node.name}'s MAC address.",
                src.METALLB_L2,
            )
        ],
    )
    return _through_node(ctx, node, syn, service, port, f"the load-balancer IP {address}")


def _pool_for(ctx: Context, service: Obj, address: str) -> Obj:
    ip = ipaddress.IPv4Address(address)
    for pool in ctx.manifests.of_kind("IPAddressPool"):
        for block in pool.spec.get("addresses") or []:
            if "-" in block:
                first, last = (ipaddress.IPv4Address(a.strip()) for a in block.split("-"))
                inside = first <= ip <= last
            else:
                inside = ip in ipaddress.IPv4Network(block, strict=False)
            if inside:
                return pool
    raise service.error(f"address {address} is in no IPAddressPool of the manifests")


def _advertisement_for(ctx: Context, pool: Obj) -> Obj | None:
    """MetalLB configuration: an L2Advertisement names pools in ipAddressPools or selects them
    with ipAddressPoolSelectors; one with neither announces every pool."""
    for advertisement in ctx.manifests.of_kind("L2Advertisement"):
        spec = advertisement.spec
        if spec.get("nodeSelectors"):
            raise advertisement.error(
                "nodeSelectors are not modeled (the topology has no node labels)"
            )
        names = spec.get("ipAddressPools") or []
        selectors = spec.get("ipAddressPoolSelectors") or []
        if not names and not selectors:
            return advertisement
        if pool.name in names:
            return advertisement
        if any(label_selector_matches(s, pool.labels) for s in selectors):
            return advertisement
    return None


def elected_node_by_hash(candidates: list[str], address: str) -> str:
    """MetalLB's layer 2 election (speaker/layer2_controller.go, ShouldAnnounce): every speaker
    sorts the eligible nodes by sha256(node name + "#" + IP) and the first one announces."""
    return min(candidates, key=lambda n: hashlib.sha256(f"{n}#{address}".encode()).digest())


def _elected_node(ctx: Context, service: Obj, address: str) -> tuple[Node, str]:
    speakers = ctx.topology.metallb.get("speakers") or list(ctx.topology.nodes)
    candidates = [ctx.topology.nodes[n] for n in speakers]
    if service.spec.get("externalTrafficPolicy", "Cluster") == "Local":
        # Only nodes with a ready endpoint are eligible when the policy is Local
        # (layer2_controller.go: nodesWithEndpoint).
        pods = endpoints(ctx, service)
        candidates = [n for n in candidates if any(p.node == n for p in pods)]
    names = [n.name for n in candidates]
    declared = ctx.topology.metallb.get("announcing_node")
    if declared:
        if declared not in names:
            raise ctx.topology.error(
                "metallb.announcing_node",
                f"{declared} cannot announce {address}: eligible nodes are {', '.join(names)}",
            )
        node = ctx.topology.nodes[declared]
        return node, (
            f"The speakers elected {node.name} to announce {address} (each computes the same "
            "choice from the eligible nodes' names and the address)."
        )
    if not names:
        raise ctx.topology_error(f"no node is eligible to announce {address}")
    node = ctx.topology.nodes[elected_node_by_hash(names, address)]
    local = service.spec.get("externalTrafficPolicy", "Cluster") == "Local"
    why = " (externalTrafficPolicy Local: only nodes with a ready endpoint)" if local else ""
    if len(names) == 1:
        return node, f"{node.name} is the only eligible node{why}, so it announces {address}."
    return node, (
        f"Each speaker sorts the eligible nodes ({', '.join(names)}){why} by a hash of node "
        f"name and address; {node.name} comes first and announces {address}."
    )


def walk_from_outside(ctx: Context) -> None:
    """NodePort, cloud load balancer or MetalLB: client → (load balancer) → node → Pod, and
    the reply back through the same translations."""
    request = ctx.request
    outside = ctx.origin_outside()
    if outside is None:
        raise ctx.topology_error("from: this path starts outside the cluster (under outside:)")
    syn = Packet(
        Addr(outside.ip, ctx.ephemeral_port()),
        Addr(request.host, request.port),
        "TCP",
        f"SYN, then {request.line}",
    )
    entry = enter(ctx, syn, f"It opens a TCP connection to {request.host}:{request.port}.")
    if entry is None:
        return
    reply = deliver_to_pod(ctx, entry.pod, entry.packet, reply=True)
    if reply is None:
        return  # dropped by the receiver's ingress policies
    restored = un_nat_reply(ctx, entry.node, reply, entry.at_node, [entry.service.diagram_id])
    if entry.load_balancer is not None:
        back = Packet(entry.load_balancer.dst, entry.load_balancer.src, restored.proto, "reply")
        ctx.builder.add(
            f"cloud load balancer {entry.load_balancer.dst.ip}",
            "load-balancer",
            arriving=restored,
            leaving=back,
            steps=[
                Step(
                    "un-nat",
                    f"The load balancer returns the reply to the client from {back.src}.",
                    src.K8S_LOADBALANCER,
                    short=f"reply from {back.src}",
                )
            ],
            direction="reply",
            objects=[entry.service.diagram_id],
        )
        restored = back
    receive_reply(
        ctx,
        "client",
        f"client {outside.ip}",
        restored,
        f"The client receives the answer from {restored.src}, the address it connected to.",
    )


def connect_from_outside(ctx: Context) -> Entry | None:
    """An HTTP(S) client outside the cluster: public DNS (when the topology shows the
    lookup), then the connection through the load balancer or node port to a Pod."""
    request = ctx.request
    outside = ctx.origin_outside()
    if outside is None:
        raise ctx.topology_error("from: this path starts outside the cluster (under outside:)")
    address, answer = request.host, None
    if not _is_ip(request.host):
        dns = ctx.topology.outside.get("dns")
        records = (dns.extra.get("records") or {}) if dns else {}
        if request.host not in records:
            raise ctx.topology.error("outside.dns", f"no record for {request.host}")
        address = str(records[request.host])
        if dns.ip:
            port = ctx.ephemeral_port()
            query = Packet(Addr(outside.ip, port), Addr(dns.ip, 53), "UDP", f"A? {request.host}")
            client_hop(ctx, query, f"It asks its DNS resolver for {request.host}.")
            answer = Packet(
                Addr(dns.ip, 53), Addr(outside.ip, port), "UDP", f"A {request.host} = {address}"
            )
            ctx.builder.add(
                "public DNS",
                "dns",
                arriving=query,
                leaving=answer,
                steps=[
                    Step(
                        "dns-answer",
                        f"The public record for {request.host} points at {address}, the "
                        "external address in front of the controller.",
                        src.K8S_INGRESS,
                        short=f"{request.host} = {address}",
                    )
                ],
            )
    what = "TLS ClientHello" if request.scheme == "https" else "SYN"
    syn = Packet(
        Addr(outside.ip, ctx.ephemeral_port()),
        Addr(address, request.port),
        "TCP",
        f"{what}, then {request.line}, Host: {request.authority}",
    )
    text = f"It connects to {address}:{request.port} for {request.host}."
    return enter(ctx, syn, text, arriving=answer)
