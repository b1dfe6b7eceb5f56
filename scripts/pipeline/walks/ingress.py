"""Rules for an Ingress served by Traefik v3: entry point, TLS, host and path matching, and the
controller's own connection to a Pod of the backend Service.
"""

from __future__ import annotations

from dataclasses import dataclass

from scripts.pipeline.walks import sources as src
from scripts.pipeline.walks.manifests import Obj
from scripts.pipeline.walks.model import Addr, Outcome, Packet, Step
from scripts.pipeline.walks.network import (
    Context,
    cluster_ip,
    cluster_ip_hop,
    deliver_to_pod,
    egress_allows,
    endpoints,
    service_port,
    target_port,
)
from scripts.pipeline.walks.services import Entry, connect_from_outside
from scripts.pipeline.walks.topology import Pod

NATIVE_LB = "traefik.ingress.kubernetes.io/service.nativelb"
MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"


@dataclass(frozen=True)
class EntryPoint:
    name: str
    port: int
    tls: bool


def controller_pod(ctx: Context) -> Pod:
    name = ctx.topology.controller.get("pod")
    pod = ctx.topology.pod_named(str(name)) if name else None
    if pod is None:
        raise ctx.topology.error("controller.pod", "must name a Pod of the topology")
    return pod


def entry_point(ctx: Context, port: int) -> EntryPoint:
    """Traefik listens on its entryPoints inside the Pod (the chart: web on 8000, websecure on
    8443 with TLS on); the Service's targetPort names them."""
    for name, raw in (ctx.topology.controller.get("entry_points") or {}).items():
        raw = raw if isinstance(raw, dict) else {"port": raw}
        if int(raw.get("port", 0)) == port:
            return EntryPoint(str(name), port, bool(raw.get("tls", False)))
    raise ctx.topology.error("controller.entry_points", f"no entryPoint listens on port {port}")


def controller_place(ctx: Context, pod: Pod) -> str:
    name = ctx.topology.controller.get("name", "controller")
    return f"{name.capitalize()} Pod on {pod.node.name}"


def refuse_at_controller(
    ctx: Context,
    controller: Pod,
    arriving: Packet,
    steps: list[Step],
    objects: list[str],
    why: Step,
) -> None:
    """The controller answers the request itself (a 404, a 500, a failed handshake): the walk
    ends at its Pod."""
    ctx.builder.add(
        controller_place(ctx, controller),
        "traefik",
        arriving=arriving,
        leaving=None,
        steps=[*steps, why],
        outcome=Outcome.REFUSED,
        objects=objects,
    )


def arrive_at_controller(ctx: Context) -> tuple[Entry, Pod, EntryPoint] | None:
    entry = connect_from_outside(ctx)
    if entry is None:
        return None
    pod = controller_pod(ctx)
    if entry.pod != pod:
        raise ctx.topology_error(
            f"the connection reached {entry.pod.name}, not the controller Pod {pod.name}"
        )
    return entry, pod, entry_point(ctx, entry.packet.dst.port)


# --- matching ---------------------------------------------------------------------------------


def host_matches(rule_host: str | None, host: str) -> tuple[bool, int]:
    """Ingress hosts (Kubernetes docs, Ingress, Hostname wildcards): a precise host must equal
    the Host header; `*.foo.com` matches exactly one more label; no host matches any request.
    Returns (matches, specificity): 2 precise, 1 wildcard, 0 none."""
    if not rule_host:
        return True, 0
    if rule_host.startswith("*."):
        suffix = rule_host[1:]
        label = host[: -len(suffix)] if host.endswith(suffix) else ""
        return bool(label) and "." not in label, 1
    return rule_host == host, 2


def path_matches(path_type: str, value: str, request_path: str, strict_prefix: bool) -> bool:
    """Ingress path types (Kubernetes docs, Ingress, Path types): Exact compares the whole
    path, case-sensitively; Prefix compares element by element split by `/`, ignoring a
    trailing slash. Traefik's Ingress provider turns Prefix into a plain string prefix unless
    strictPrefixMatching is on (Traefik Kubernetes Ingress provider options)."""
    path = request_path.split("?", 1)[0]
    if path_type == "Exact":
        return path == value
    if path_type == "Prefix":
        if not strict_prefix:
            return path.startswith(value)
        wanted = [part for part in value.split("/") if part]
        got = [part for part in path.split("/") if part]
        return got[: len(wanted)] == wanted
    raise ValueError(path_type)


@dataclass(frozen=True)
class IngressMatch:
    ingress: Obj
    rule_index: int
    host: str | None
    path: str
    path_type: str
    backend: dict
    specificity: int


def _serves(ctx: Context, ingress: Obj) -> bool:
    """IngressClass (Kubernetes docs, Ingress, Ingress class): an Ingress names its class;
    Traefik also serves Ingresses that name none."""
    wanted = ctx.topology.controller.get("ingress_class", "traefik")
    name = ingress.spec.get("ingressClassName")
    return name is None or name == wanted


def match_ingress(ctx: Context, host: str, path: str) -> tuple[IngressMatch | None, list[Obj]]:
    strict = bool(ctx.topology.controller.get("strict_prefix_matching", False))
    served = [i for i in ctx.manifests.of_kind("Ingress") if _serves(ctx, i)]
    found: list[IngressMatch] = []
    for ingress in served:
        if ingress.annotations.get(MIDDLEWARES):
            raise ingress.error(f"the annotation {MIDDLEWARES} is not modeled by the packet walk")
        for index, rule in enumerate(ingress.spec.get("rules") or []):
            ok, specificity = host_matches(rule.get("host"), host)
            if not ok:
                continue
            for item in (rule.get("http") or {}).get("paths") or []:
                path_type = item.get("pathType")
                if path_type not in ("Exact", "Prefix"):
                    raise ingress.error(
                        f"pathType {path_type} is up to each controller and is not modeled"
                    )
                if path_matches(path_type, item["path"], path, strict):
                    found.append(
                        IngressMatch(
                            ingress,
                            index,
                            rule.get("host"),
                            item["path"],
                            path_type,
                            item["backend"],
                            specificity,
                        )
                    )
    if not found:
        return None, served
    # Kubernetes docs, Ingress, Multiple matches: the longest matching path wins; on a tie an
    # Exact path beats a Prefix. A precise host before a wildcard before none (Traefik ranks
    # routers by the length of their rule, which a longer host makes longer).
    best = max(
        found,
        key=lambda m: (len(m.path.rstrip("/")), m.path_type == "Exact", m.specificity),
    )
    return best, served


def walk_ingress(ctx: Context) -> None:
    arrived = arrive_at_controller(ctx)
    if arrived is None:
        return
    entry, controller, point = arrived
    request = ctx.request
    steps: list[Step] = []
    objects: list[str] = []
    proto = "HTTP"
    if point.tls:
        # Ingress TLS (Kubernetes docs, Ingress, TLS): the controller terminates TLS with the
        # Secret that spec.tls lists for the host and speaks plain HTTP to the backend.
        tls = _tls_for(ctx, request.host)
        if tls is None:
            refuse_at_controller(
                ctx,
                controller,
                entry.packet,
                steps,
                objects,
                Step(
                    "refuse",
                    f"No Ingress lists {request.host} under spec.tls, so Traefik presents "
                    "its own self-signed default certificate, which the client rejects.",
                    src.K8S_INGRESS_TLS,
                    short="no certificate for the host",
                ),
            )
            return
        ingress, secret = tls
        steps.append(
            Step(
                "tls-terminate",
                f"The {point.name} entryPoint (port {point.port}) terminates TLS for "
                f"{request.host} with the certificate in Secret {ingress.namespace}/{secret}, "
                f"named by {ingress.ref}'s spec.tls.",
                src.K8S_INGRESS_TLS,
                short=f"TLS terminated ({secret})",
            )
        )
        objects.append(ingress.diagram_id)
    match, served = match_ingress(ctx, request.host, request.path)
    if match is None:
        default = next((i for i in served if i.spec.get("defaultBackend")), None)
        if default is None:
            refuse_at_controller(
                ctx,
                controller,
                entry.packet,
                steps,
                objects,
                Step(
                    "refuse",
                    f"No Ingress rule matches host {request.host} and path {request.path}, and "
                    "none names a defaultBackend: Traefik answers 404 itself.",
                    src.K8S_INGRESS,
                    short="404: no rule matches",
                ),
            )
            return
        match = IngressMatch(default, -1, None, "", "", default.spec["defaultBackend"], 0)
        steps.append(
            Step(
                "l7-match",
                f"No rule matches: {default.ref}'s defaultBackend takes the request.",
                src.K8S_INGRESS,
                short="defaultBackend",
            )
        )
    else:
        host_text = f"host {match.host}" if match.host else "any host"
        steps.append(
            Step(
                "l7-match",
                f"{match.ingress.ref}, rule {match.rule_index + 1} ({host_text}): the "
                f"{match.path_type} path {match.path} is the longest that matches "
                f"{request.path}.",
                src.K8S_INGRESS_MATCH,
                short=f"Ingress {match.ingress.name}: {match.path} ({match.path_type})",
            )
        )
    objects.append(match.ingress.diagram_id)
    service = _backend_service(ctx, match)
    objects.append(service.diagram_id)
    port_ref = match.backend["service"].get("port") or {}
    port = service_port(service, port_ref.get("number", port_ref.get("name")))
    steps.append(forwarded_headers(entry.packet, point.tls))
    send_to_backend(
        ctx,
        controller,
        entry.packet,
        service,
        port,
        steps,
        objects,
        proto,
        "traefik",
        controller_place(ctx, controller),
    )


def forwarded_headers(arrived: Packet, tls: bool) -> Step:
    """Traefik adds the address the connection came from to X-Forwarded-For, and says in
    X-Forwarded-Proto how the client connected (entryPoints, forwarded headers)."""
    return Step(
        "set-header",
        f"It sets X-Forwarded-For: {arrived.src.ip}, the address the connection came from"
        f"{', and X-Forwarded-Proto: https' if tls else ''}.",
        src.TRAEFIK_FORWARDED,
        short=f"X-Forwarded-For: {arrived.src.ip}",
    )


def _tls_for(ctx: Context, host: str) -> tuple[Obj, str] | None:
    for ingress in ctx.manifests.of_kind("Ingress"):
        if not _serves(ctx, ingress):
            continue
        for item in ingress.spec.get("tls") or []:
            if any(host_matches(h, host)[0] for h in item.get("hosts") or []):
                if not item.get("secretName"):
                    raise ingress.error(f"spec.tls for {host} names no secretName")
                return ingress, item["secretName"]
    return None


def _backend_service(ctx: Context, match: IngressMatch) -> Obj:
    backend = match.backend.get("service")
    if not backend:
        raise match.ingress.error("a backend without `service` (resource backends) is not modeled")
    return lookup_service(ctx, match.ingress, backend["name"], match.ingress.namespace)


def lookup_service(ctx: Context, owner: Obj, name: str, namespace: str) -> Obj:
    """A route to a Service that does not exist cannot be walked: the manifests are wrong
    (a controller would answer 500 or 503 for it)."""
    service = ctx.manifests.get("Service", namespace, name)
    if service is None:
        raise owner.error(f"routes to Service {namespace}/{name}, which does not exist")
    return service


def send_to_backend(
    ctx: Context,
    proxy: Pod,
    arriving: Packet,
    service: Obj,
    port: dict,
    steps: list[Step],
    objects: list[str],
    proto: str,
    proxy_id: str,
    place: str,
    then: Step | None = None,
    source: str = src.TRAEFIK_INGRESS_ROUTING,
) -> None:
    """The controller opens its own connection to a Pod of the backend Service (`then`: a
    step about that connection, such as TLS to the Pod, added after it).

    Traefik reads the Service's EndpointSlices and connects to a Pod IP; with the Service
    annotation traefik.ingress.kubernetes.io/service.nativelb: "true" it connects to the
    ClusterIP instead and kube-proxy picks the Pod (Traefik Kubernetes Ingress routing
    configuration, annotations on Service). The backend sees the controller Pod's IP.
    """
    native = service.annotations.get(NATIVE_LB) == "true"
    pods = endpoints(ctx, service)
    if native:
        vip = cluster_ip(ctx, service)
        leaving = Packet(
            Addr(proxy.ip, ctx.ephemeral_port()), Addr(vip, port["port"]), proto, ctx.request.line
        )
        steps.append(
            Step(
                "new-connection",
                f"{service.ref} carries {NATIVE_LB}: it connects to the ClusterIP "
                f"{vip}:{port['port']} and leaves the choice of Pod to kube-proxy.",
                src.TRAEFIK_INGRESS_ROUTING,
                short=f"new connection to {vip}:{port['port']}",
            )
        )
        ctx.builder.add(
            place, proxy_id, arriving=arriving, leaving=leaving, steps=steps, objects=objects
        )
        reached = cluster_ip_hop(ctx, proxy, leaving, service, port)
        if reached is not None:
            deliver_to_pod(ctx, *reached, reply=False)
        return
    pod = ctx.choose("endpoint", pods, lambda p: (p.name, p.node.name, p.ip))
    target = target_port(service, port, pod)
    leaving = Packet(
        Addr(proxy.ip, ctx.ephemeral_port()), Addr(pod.ip, target), proto, ctx.request.line
    )
    count = len(pods)
    steps.append(
        Step(
            "new-connection",
            f"It opens its own connection to {pod.ip}:{target} on {pod.node.name}"
            f"{f', one of the {count} Pods in the EndpointSlices of {service.ref}' if count > 1 else ''}"
            "; the ClusterIP and kube-proxy are not on this path.",
            source,
            short=f"new connection to {pod.ip}:{target}",
        )
    )
    if then is not None:
        steps.append(then)
    # The controller Pod's own egress policies apply to its connection to the Pod.
    allowed = egress_allows(ctx, proxy, pod, leaving, steps, objects)
    ctx.builder.add(
        place,
        proxy_id,
        arriving=arriving,
        leaving=leaving if allowed else None,
        steps=steps,
        objects=objects,
        outcome=Outcome.FORWARDED if allowed else Outcome.DROPPED,
    )
    if allowed:
        deliver_to_pod(ctx, pod, leaving, reply=False)
