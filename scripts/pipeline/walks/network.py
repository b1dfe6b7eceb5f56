"""What every path family shares: the walk's context, Service ports and endpoints, cluster
DNS, and kube-proxy's translations (iptables mode, the default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scripts.pipeline.walks import sources as src
from scripts.pipeline.walks.manifests import Manifests, Obj, selector_matches
from scripts.pipeline.walks.model import Addr, Outcome, Packet, Step, WalkBuilder, WalkError
from scripts.pipeline.walks.policy import check_egress, check_ingress, policies_apply
from scripts.pipeline.walks.topology import Node, Outside, Pod, Topology, WalkSpec

DEFAULT_DOMAIN = "cluster.local"


@dataclass(frozen=True)
class Request:
    """The request a walk follows, parsed from the walk's `to:` URL."""

    scheme: str
    host: str
    port: int
    path: str
    method: str
    headers: dict[str, str]

    @property
    def line(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def authority(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def parse_request(spec: WalkSpec) -> Request:
    parts = urlsplit(spec.to)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"`to: {spec.to}` is not an http:// or https:// URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Request(parts.scheme, parts.hostname, port, path, spec.method, dict(spec.headers))


@dataclass
class Context:
    """Everything one walk's rules read, and the builder they append hops to."""

    topology: Topology
    manifests: Manifests
    spec: WalkSpec
    request: Request
    builder: WalkBuilder
    _next_port: int = field(default=0)

    def __post_init__(self) -> None:
        self._next_port = self.spec.source_port

    # --- errors -------------------------------------------------------------------------

    def topology_error(self, reason: str) -> WalkError:
        return self.topology.error(f"walks.{self.spec.variant}", reason)

    # --- helpers ------------------------------------------------------------------------

    def ephemeral_port(self) -> int:
        """Source ports of new connections, in order: deterministic, so pages don't churn."""
        port = self._next_port
        self._next_port += 1
        return port

    def origin_pod(self) -> Pod | None:
        return self.topology.pod_named(self.spec.origin)

    def origin_outside(self) -> Outside | None:
        return self.topology.outside.get(self.spec.origin)

    def choose(self, key: str, candidates: list, describe) -> object:
        """Pick among equivalent candidates (a random or weighted choice in reality).

        The walk's `choose: {key: value}` names the one this walk follows (a Pod name, a node
        name, a Pod IP or a backend name, matched against describe(candidate)); when it names
        none of the candidates, the first one is taken, so a changed manifest still walks.
        """
        wanted = self.spec.choose.get(key)
        if wanted is not None:
            for candidate in candidates:
                if wanted in describe(candidate):
                    return candidate
        return candidates[0]

    def service_ref_objects(self, service: Obj) -> list[str]:
        return [service.diagram_id]


# --- Services, ports and endpoints ---------------------------------------------------------


def service_port(service: Obj, want: int | str | None) -> dict:
    """The entry of spec.ports a client addresses, by number or by name."""
    ports = service.spec.get("ports") or []
    if want is None:
        if len(ports) != 1:
            raise service.error(f"has {len(ports)} ports: the walk must say which one")
        return ports[0]
    for port in ports:
        if (isinstance(want, int) and port.get("port") == want) or port.get("name") == want:
            return port
    listed = ", ".join(f"{p.get('name', '?')}={p.get('port')}" for p in ports)
    raise service.error(f"has no port {want} (ports: {listed})")


def target_port(service: Obj, port: dict, pod: Pod) -> int:
    """The Pod port a Service port leads to.

    Kubernetes docs, Service: `targetPort` defaults to `port`; a string names a container
    port, resolved per Pod, so Pods may use different numbers for the same name.
    """
    target = port.get("targetPort", port["port"])
    if isinstance(target, int) or str(target).isdigit():
        return int(target)
    if target not in pod.ports:
        named = ", ".join(pod.ports) or "none"
        raise service.error(
            f"port {port.get('name') or port['port']}: targetPort {target!r} names no container "
            f"port of Pod {pod.name} (its named ports: {named})"
        )
    return pod.ports[target]


def endpoints(ctx: Context, service: Obj) -> list[Pod]:
    """The ready Pods a Service selects (every placed Pod counts as ready).

    Kubernetes docs, Service: the selector picks the Pods; the EndpointSlice controller lists
    them. A Service that selects nothing has no endpoints to send to.
    """
    selector = service.spec.get("selector")
    pods = [
        p
        for p in ctx.topology.pods
        if p.namespace == service.namespace and selector_matches(selector, p.labels)
    ]
    if not pods:
        shown = ", ".join(f"{k}={v}" for k, v in (selector or {}).items()) or "none"
        raise service.error(f"selects no Pod (selector {shown} matches no Pod of the topology)")
    return pods


def cluster_ip(ctx: Context, service: Obj) -> str:
    value = ctx.topology.service_value(service, "cluster_ip")
    if not value:
        raise ctx.topology.error(
            "services", f"no cluster_ip for {service.ref} (the walk connects to it)"
        )
    return str(value)


def node_port(ctx: Context, service: Obj, port: dict) -> int:
    """spec.ports[].nodePort, or the one the cluster allocated (declared in the topology)."""
    if port.get("nodePort"):
        return int(port["nodePort"])
    allocated = ctx.topology.service_value(service, "node_ports") or {}
    key = port.get("name") or str(port["port"])
    if key not in allocated:
        raise ctx.topology.error(
            "services",
            f"{service.ref} port {key} sets no nodePort: declare the allocated one under "
            f"services.{service.name}.node_ports.{key}",
        )
    return int(allocated[key])


def service_for_node_port(ctx: Context, number: int) -> tuple[Obj, dict]:
    for service in ctx.manifests.of_kind("Service"):
        if service.spec.get("type") not in ("NodePort", "LoadBalancer"):
            continue
        for port in service.spec.get("ports") or []:
            if node_port(ctx, service, port) == number:
                return service, port
    raise ctx.topology_error(f"no NodePort or LoadBalancer Service has node port {number}")


def is_headless(service: Obj) -> bool:
    return service.spec.get("clusterIP") == "None"


# --- cluster DNS ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DnsAnswer:
    fqdn: str
    service: Obj
    addresses: tuple[str, ...]
    tried: tuple[str, ...]  # names tried before the one that exists (NXDOMAIN)


def resolve(ctx: Context, client: Pod, host: str) -> DnsAnswer:
    """Resolve a name the way a Pod's resolver and CoreDNS do.

    Kubernetes docs, DNS for Services and Pods: a Pod's resolv.conf has `search
    <ns>.svc.<domain> svc.<domain> <domain>` and `options ndots:5`, so a name with fewer than
    five dots is tried with each search suffix first. A Service gets an A record
    `<svc>.<ns>.svc.<domain>` that points at its ClusterIP; a headless Service's record
    lists the addresses of its ready Pods instead.
    """
    domain = ctx.topology.cluster.get("domain", DEFAULT_DOMAIN)
    search = [f"{client.namespace}.svc.{domain}", f"svc.{domain}", domain]
    if host.endswith("."):
        candidates = [host.rstrip(".")]
    elif host.count(".") < 5:
        candidates = [f"{host}.{suffix}" for suffix in search] + [host]
    else:
        candidates = [host] + [f"{host}.{suffix}" for suffix in search]
    tried = []
    for name in candidates:
        service = service_for_name(ctx, name, domain)
        if service is None:
            tried.append(name)
            continue
        if is_headless(service):
            addresses = tuple(p.ip for p in endpoints(ctx, service))
        else:
            addresses = (cluster_ip(ctx, service),)
        return DnsAnswer(name, service, addresses, tuple(tried))
    raise ctx.topology_error(
        f"no Service answers to the name {host!r} from namespace "
        f"{client.namespace} (tried {', '.join(candidates)})"
    )


def service_for_name(ctx: Context, fqdn: str, domain: str) -> Obj | None:
    suffix = f".svc.{domain}"
    if not fqdn.endswith(suffix):
        return None
    parts = fqdn[: -len(suffix)].split(".")
    if len(parts) != 2:
        return None
    name, namespace = parts
    return ctx.manifests.get("Service", namespace, name)


def dns_hops(ctx: Context, client: Pod, host: str) -> tuple[DnsAnswer, Packet | None]:
    """The client's query and CoreDNS's answer, as two hops; returns the answer packet, or
    None when the client's egress policies drop the query (the walk ends there)."""
    answer = resolve(ctx, client, host)
    dns_ip = ctx.topology.cluster.get("dns_service_ip")
    if not dns_ip:
        raise ctx.topology.error("cluster", "dns_service_ip is required for a DNS lookup")
    port = ctx.ephemeral_port()
    query = Packet(Addr(client.ip, port), Addr(str(dns_ip), 53), "UDP", f"A? {answer.fqdn}")
    expanded = (
        f"The resolver tries {answer.fqdn} first (search list, ndots:5)"
        if not answer.tried
        else f"The resolver tries {', '.join(answer.tried)} (no such name) and then {answer.fqdn}"
    )
    steps = [
        Step(
            "dns-query",
            f"{expanded}, asking the cluster DNS Service {dns_ip}.",
            src.K8S_DNS,
            short="search list, ndots:5",
        )
    ]
    objects: list[str] = []
    dropped = False
    if policies_apply(ctx):
        # Policies see the query after the kube-dns Service's translation: a CoreDNS Pod, UDP 53.
        coredns = _coredns_pod(ctx)
        to_coredns = Packet(query.src, Addr(coredns.ip, 53), "UDP", query.what)
        dropped = not egress_allows(ctx, client, coredns, to_coredns, steps, objects)
    ctx.builder.add(
        f"{client.app} Pod on {client.node.name}",
        client.id,
        arriving=None,
        leaving=None if dropped else query,
        steps=steps,
        outcome=Outcome.DROPPED if dropped else Outcome.FORWARDED,
        objects=objects,
    )
    if dropped:
        return answer, None
    what = ", ".join(answer.addresses)
    if is_headless(answer.service):
        told = (
            f"{answer.service.ref} is headless: the answer lists its ready Pods' IPs, "
            f"{what}; there is no virtual IP."
        )
        source = src.K8S_HEADLESS
    else:
        told = f"The A record of {answer.service.ref} points at its ClusterIP, {what}."
        source = src.K8S_DNS
    reply = Packet(Addr(str(dns_ip), 53), Addr(client.ip, port), "UDP", f"A {answer.fqdn} = {what}")
    ctx.builder.add(
        "CoreDNS",
        "coredns",
        arriving=query,
        leaving=reply,
        steps=[
            Step(
                "dns-answer",
                f"{told} (The query itself reached a CoreDNS Pod through the kube-dns "
                "Service's own ClusterIP.)",
                source,
                short="headless: Pod IPs" if is_headless(answer.service) else "A record: ClusterIP",
            )
        ],
        objects=[answer.service.diagram_id],
    )
    return answer, reply


def _coredns_pod(ctx: Context) -> Pod:
    """A CoreDNS Pod of the topology: kube-system, label k8s-app=kube-dns (what the kube-dns
    Service selects)."""
    for pod in ctx.topology.pods:
        if pod.namespace == "kube-system" and pod.labels.get("k8s-app") == "kube-dns":
            return pod
    raise ctx.topology.error(
        "pods",
        "a DNS lookup under NetworkPolicy needs a CoreDNS Pod (namespace kube-system, label "
        "k8s-app: kube-dns): the policies see its address, not the Service's",
    )


# --- kube-proxy -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Translation:
    """What kube-proxy's rules on one node did to a new connection."""

    pod: Pod | None  # None: dropped
    packet: Packet | None  # as it leaves the node (None: dropped)
    steps: tuple[Step, ...]
    outcome: Outcome


def _endpoint_text(pod: Pod, port: int, count: int) -> str:
    if count == 1:
        return f"its only ready endpoint, {pod.ip}:{port} on {pod.node.name}"
    return (
        f"{pod.ip}:{port} on {pod.node.name}, one of {count} ready endpoints "
        "(chosen at random per connection)"
    )


def _dnat_to_endpoint(
    ctx: Context, service: Obj, port: dict, packet: Packet, candidates: list[Pod]
) -> tuple[Pod, int, Packet]:
    """Choose one of `candidates` and rewrite only the destination of `packet` to it."""
    pod = ctx.choose("endpoint", candidates, lambda p: (p.name, p.node.name, p.ip))
    target = target_port(service, port, pod)
    return pod, target, Packet(packet.src, Addr(pod.ip, target), packet.proto, packet.what)


def translate_cluster_ip(
    ctx: Context, node: Node, packet: Packet, service: Obj, port: dict
) -> Translation:
    """A connection from a Pod (or node) to a ClusterIP:port.

    Virtual IPs and Service Proxies: kube-proxy's rules on the client's own node capture the
    Service's clusterIP and port and DNAT to a backend chosen at random, "without rewriting
    the client IP address". internalTrafficPolicy Local keeps only this node's endpoints and
    drops the traffic when there are none. trafficDistribution PreferSameNode: the
    EndpointSlice controller hints each endpoint for its own node, and kube-proxy uses the
    endpoints hinted for its node when there are any, otherwise (no zone hints either) all.
    """
    ready = endpoints(ctx, service)
    candidates = ready
    preference: list[Step] = []
    if (
        service.spec.get("trafficDistribution") == "PreferSameNode"
        and service.spec.get("internalTrafficPolicy", "Cluster") != "Local"
    ):
        local = [p for p in candidates if p.node == node]
        if local:
            candidates = local
            said = (
                f"{service.ref} has trafficDistribution PreferSameNode and {node.name} runs one "
                f"of its Pods: the EndpointSlice hints for {node.name} leave only that Pod."
            )
        else:
            said = (
                f"{service.ref} has trafficDistribution PreferSameNode, but no endpoint is "
                f"hinted for {node.name}, which runs none of its Pods, and there are no zone "
                "hints: every ready endpoint stays a candidate."
            )
        preference.append(
            Step("endpoint-choice", said, src.K8S_TRAFFIC_DISTRIBUTION, short="PreferSameNode")
        )
    policy = service.spec.get("internalTrafficPolicy", "Cluster")
    if policy == "Local":
        candidates = [p for p in candidates if p.node == node]
        if not candidates:
            step = Step(
                "drop",
                f"{service.ref} has internalTrafficPolicy Local and {node.name} runs none of "
                "its Pods: the rules drop the packet.",
                src.K8S_TRAFFIC_POLICY,
                short="dropped: no local endpoint",
            )
            return Translation(None, None, (step,), Outcome.DROPPED)
    pod, target, leaving = _dnat_to_endpoint(ctx, service, port, packet, candidates)
    if len(candidates) < len(ready):
        # Narrowed to this node's Pods by the policy or the hints.
        chosen = f"{pod.ip}:{target}, the Pod on {node.name}"
    else:
        chosen = _endpoint_text(pod, target, len(candidates))
    steps = (
        *preference,
        Step(
            "dnat",
            f"The rules for {service.ref} port {port['port']} match {packet.dst} and rewrite the "
            f"destination to {chosen}.",
            src.K8S_VIPS,
            short=f"DNAT to {pod.ip}:{target}",
        ),
        Step(
            "no-nat",
            f"The source stays {packet.src}: traffic from inside the cluster to a ClusterIP is "
            "not masqueraded.",
            src.K8S_SOURCE_IP,
            short="source kept",
        ),
    )
    return Translation(pod, leaving, steps, Outcome.FORWARDED)


def translate_external(
    ctx: Context, node: Node, packet: Packet, service: Obj, port: dict, entry: str
) -> Translation:
    """A connection from outside the cluster to a node port or a load-balancer IP.

    Using Source IP and Virtual IPs and Service Proxies: with externalTrafficPolicy Cluster
    (the default) any ready Pod may be chosen and kube-proxy masquerades the source to the
    node, so the reply comes back through it; its iptables rules mark all such traffic for
    masquerading before choosing a Pod, even a local one (proxier.go: "If we are using
    non-local endpoints we need to masquerade, in case we cross nodes"). With Local only this
    node's Pods are candidates, the client's IP is kept, and a node without one drops the
    packet ("has no local endpoints").
    """
    candidates = endpoints(ctx, service)
    policy = service.spec.get("externalTrafficPolicy", "Cluster")
    if policy == "Local":
        local = [p for p in candidates if p.node == node]
        if not local:
            step = Step(
                "drop",
                f"{service.ref} has externalTrafficPolicy Local and {node.name} runs none of its "
                f"Pods: the rule for {entry} drops the packet, and the client times out.",
                src.K8S_SOURCE_IP,
                short="dropped: no local endpoint",
            )
            return Translation(None, None, (step,), Outcome.DROPPED)
        pod, target, leaving = _dnat_to_endpoint(ctx, service, port, packet, local)
        steps = (
            Step(
                "dnat",
                f"{entry[0].upper()}{entry[1:]} of {service.ref} (externalTrafficPolicy Local) leads only to Pods on "
                f"{node.name}: the destination becomes "
                f"{_endpoint_text(pod, target, len(local))}.",
                src.K8S_SOURCE_IP,
                short=f"DNAT to {pod.ip}:{target}",
            ),
            Step(
                "no-nat",
                f"No SNAT: the source stays the client's own {packet.src}.",
                src.K8S_SOURCE_IP,
                short="client IP kept",
            ),
        )
        return Translation(pod, leaving, steps, Outcome.FORWARDED)
    pod = ctx.choose("endpoint", candidates, lambda p: (p.name, p.node.name, p.ip))
    target = target_port(service, port, pod)
    snat = ctx.topology.egress_address(node, pod)
    # kube-proxy's MASQUERADE rule asks for --random-fully: the source port is new and random,
    # so the walk shows none.
    leaving = Packet(Addr(snat), Addr(pod.ip, target), packet.proto, packet.what)
    where = "the bridge to its local Pods" if pod.node == node else "its overlay interface"
    if snat == node.ip:
        where = "its InternalIP"
    # Using Source IP: the packet "is routed to node 1, and then to the endpoint"; that node
    # only routes it, so it is not a hop of its own here.
    onwards = "" if pod.node == node else f" It is routed over the Pod network to {pod.node.name}."
    steps = (
        Step(
            "dnat",
            f"{entry[0].upper()}{entry[1:]} of {service.ref} (externalTrafficPolicy Cluster) may lead to any ready "
            f"Pod: the destination becomes {_endpoint_text(pod, target, len(candidates))}.",
            src.K8S_SOURCE_IP,
            short=f"DNAT to {pod.ip}:{target}",
        ),
        Step(
            "snat",
            f"The source is masqueraded to {snat}, {node.name}'s address on {where}, with a "
            "random source port (--random-fully), so that the reply returns through this node; "
            f"the Pod sees a node address, not the client."
            f"{onwards}",
            src.KUBE_PROXY_IPTABLES,
            short=f"SNAT to {snat}",
        ),
    )
    return Translation(pod, leaving, steps, Outcome.FORWARDED)


def pod_sends(
    ctx: Context,
    client: Pod,
    place: str,
    dst_ip: str,
    proto: str,
    what: str,
    step: Step,
    *,
    arriving: Packet | None = None,
    objects: list[str] | tuple[str, ...] = (),
) -> Packet:
    """The first hop: `client` opens a connection from an ephemeral port to `dst_ip` on the
    request's port; returns the packet it sends."""
    packet = Packet(
        Addr(client.ip, ctx.ephemeral_port()), Addr(dst_ip, ctx.request.port), proto, what
    )
    ctx.builder.add(
        place,
        client.id,
        arriving=arriving,
        leaving=packet,
        steps=[step],
        objects=objects,
    )
    return packet


def kernel_place(node: Node) -> str:
    return f"{node.name}'s kernel (kube-proxy rules)"


def un_nat_reply(
    ctx: Context,
    node: Node,
    reply: Packet,
    original: Packet,
    objects: list[str],
    *,
    place: tuple[str, str] | None = None,
    source: str = src.K8S_VIPS,
) -> Packet:
    """The reply passes the node that translated the request; conntrack restores it. `place`
    (its words and id) when the translation is not kube-proxy's, e.g. a CNI's masquerade."""
    restored = Packet(original.dst, original.src, reply.proto, reply.what)
    where, where_id = place or (kernel_place(node), node.kernel_id)
    ctx.builder.add(
        where,
        where_id,
        arriving=reply,
        leaving=restored,
        steps=[
            Step(
                "un-nat",
                "Connection tracking recognizes the reply and restores the addresses the "
                f"connection arrived with: {restored}.",
                source,
                short="un-NAT (conntrack)",
            )
        ],
        direction="reply",
        objects=objects,
    )
    return restored


def receive_reply(
    ctx: Context, node_id: str, place: str, packet: Packet, text: str, source: str = src.K8S_VIPS
) -> None:
    """The last hop of a walk that follows the answer back to the client."""
    ctx.builder.add(
        place,
        node_id,
        arriving=packet,
        leaving=None,
        steps=[Step("deliver", text, source)],
        outcome=Outcome.DELIVERED,
        direction="reply",
    )


def egress_allows(
    ctx: Context,
    sender: Pod,
    receiver: Pod | None,
    packet: Packet,
    steps: list[Step],
    objects: list,
) -> bool:
    """The sender's egress policies for a new connection, checked where it leaves the sender's
    node (on the packet as it goes, after any Service translation): appends the verdict to
    `steps` and `objects`; False when they drop the packet."""
    verdict = check_egress(
        ctx, sender, packet.dst.ip, receiver, packet.dst.port or 0, packet.proto_l4
    )
    if verdict is None:
        return True
    steps.append(verdict.step)
    objects.extend(verdict.objects)
    return verdict.allowed


def cluster_ip_hop(
    ctx: Context, sender: Pod, packet: Packet, service: Obj, port: dict
) -> tuple[Pod, Packet] | None:
    """A Pod's connection to a ClusterIP, as the hop on the sender's node: kube-proxy's
    translation, then the sender's egress policies, which see the translated packet (the
    Pod's address and port). Returns the chosen Pod and the packet on its way, or None when
    the packet is dropped here."""
    translation = translate_cluster_ip(ctx, sender.node, packet, service, port)
    steps, leaving, outcome = list(translation.steps), translation.packet, translation.outcome
    objects = [service.diagram_id]
    if leaving is not None and not egress_allows(
        ctx, sender, translation.pod, leaving, steps, objects
    ):
        leaving, outcome = None, Outcome.DROPPED
    ctx.builder.add(
        kernel_place(sender.node),
        sender.node.kernel_id,
        arriving=packet,
        leaving=leaving,
        steps=steps,
        outcome=outcome,
        objects=objects,
    )
    if translation.pod is None or leaving is None:
        return None
    return translation.pod, leaving


def deliver_to_pod(
    ctx: Context,
    pod: Pod,
    packet: Packet,
    *,
    reply: bool,
    extra: list[Step] | None = None,
    objects: list[str] | None = None,
) -> Packet | None:
    """The app container receives the request; with reply=True it answers (a reply hop
    follows), otherwise the walk ends here. When the Pod's ingress policies drop the
    connection, the walk ends here too, and None is returned."""
    steps = list(extra or [])
    verdict = check_ingress(ctx, pod, packet.src.ip, packet.dst.port or 0, packet.proto_l4)
    if verdict is not None:
        steps.append(verdict.step)
        objects = [*(objects or []), *verdict.objects]
        if not verdict.allowed:
            ctx.builder.add(
                f"{pod.app} Pod on {pod.node.name}",
                pod.id,
                arriving=packet,
                leaving=None,
                steps=steps,
                outcome=Outcome.DROPPED,
                objects=objects,
            )
            return None
    steps.append(
        Step(
            "deliver",
            f"The {pod.app} container on port {packet.dst.port} receives "
            f"{ctx.request.line} and sees the source {packet.src.ip}.",
            src.K8S_SOURCE_IP,
            short=f"app sees {packet.src.ip}",
        )
    )
    owner_ids = [pod.owner.diagram_id] if pod.owner else []
    leaving = None
    if reply:
        leaving = Packet(packet.dst, packet.src, packet.proto, "reply")
        allowed = " (replies of an allowed connection pass the policies)" if verdict else ""
        steps.append(Step("reply", f"It answers to {packet.src}{allowed}.", src.K8S_SOURCE_IP))
    ctx.builder.add(
        f"{pod.app} Pod on {pod.node.name}",
        pod.id,
        arriving=packet,
        leaving=leaving,
        steps=steps,
        outcome=Outcome.FORWARDED if reply else Outcome.DELIVERED,
        objects=[*owner_ids, *(objects or [])],
    )
    return leaving
