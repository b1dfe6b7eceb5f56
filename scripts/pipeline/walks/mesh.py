"""Rules for Istio in sidecar mode: capture of the app's connection by its sidecar, the
VirtualService and DestinationRule that pick a Pod, mutual TLS between the sidecars,
PeerAuthentication, AuthorizationPolicy and delivery to the app.
"""

from __future__ import annotations

from scripts.pipeline.walks import sources as src
from scripts.pipeline.walks.manifests import Obj, label_selector_matches
from scripts.pipeline.walks.model import Addr, Outcome, Packet, Step
from scripts.pipeline.walks.network import (
    Context,
    cluster_ip_hop,
    endpoints,
    pod_sends,
    resolve,
    service_for_name,
    service_port,
    target_port,
)
from scripts.pipeline.walks.topology import Pod

DEFAULT_DOMAIN = "cluster.local"
INBOUND_SOURCE = "127.0.0.6"  # InboundPassthroughBindIpv4 in istio/istio


def _meshed(ctx: Context, pod: Pod) -> bool:
    """Sidecar injection: a namespace labeled istio-injection=enabled gets a sidecar in every
    new Pod, unless the Pod's label sidecar.istio.io/inject is "false" (Istio, Installing
    the sidecar)."""
    if pod.labels.get("sidecar.istio.io/inject") == "false":
        return False
    labels = ctx.manifests.namespace_labels(pod.namespace) or {}
    return labels.get("istio-injection") == "enabled"


def _fqdn(ctx: Context, host: str, namespace: str) -> str:
    domain = ctx.topology.cluster.get("domain", DEFAULT_DOMAIN)
    if "." not in host:
        return f"{host}.{namespace}.svc.{domain}"
    if host.count(".") == 1:
        return f"{host}.svc.{domain}"
    return host


def _string_matches(pattern: str, value: str | None) -> bool:
    """AuthorizationPolicy string fields: exact, prefix `abc*`, suffix `*abc`, or `*`."""
    if value is None:
        return False
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return value == pattern


def _any(patterns, value) -> bool:
    return any(_string_matches(str(p), value) for p in patterns)


def _rule_matches(policy: Obj, rule: dict, principal: str | None, ctx: Context, port: int) -> bool:
    """A rule matches when one of its `from` sources, one of its `to` operations and all of
    its `when` conditions match; a missing field matches anything (AuthorizationPolicy
    reference, Rule)."""
    if rule.get("when"):
        raise policy.error("`when` conditions are not modeled by the packet walk")
    request = ctx.request
    namespace = principal.split("/ns/", 1)[1].split("/", 1)[0] if principal else None
    sources_ok = not rule.get("from")
    for item in rule.get("from") or []:
        source = item.get("source") or {}
        unknown = set(source) - {"principals", "notPrincipals", "namespaces", "notNamespaces"}
        if unknown:
            raise policy.error(f"source field {min(unknown)} is not modeled")
        ok = True
        if "principals" in source and not _any(source["principals"], principal):
            ok = False
        if "notPrincipals" in source and _any(source["notPrincipals"], principal):
            ok = False
        if "namespaces" in source and not _any(source["namespaces"], namespace):
            ok = False
        if "notNamespaces" in source and _any(source["notNamespaces"], namespace):
            ok = False
        sources_ok = sources_ok or ok
    operations_ok = not rule.get("to")
    for item in rule.get("to") or []:
        operation = item.get("operation") or {}
        unknown = set(operation) - {"methods", "notMethods", "paths", "notPaths", "ports"}
        if unknown:
            raise policy.error(f"operation field {min(unknown)} is not modeled")
        path = request.path.split("?", 1)[0]
        ok = True
        if "methods" in operation and not _any(operation["methods"], request.method):
            ok = False
        if "notMethods" in operation and _any(operation["notMethods"], request.method):
            ok = False
        if "paths" in operation and not _any(operation["paths"], path):
            ok = False
        if "notPaths" in operation and _any(operation["notPaths"], path):
            ok = False
        if "ports" in operation and str(port) not in [str(p) for p in operation["ports"]]:
            ok = False
        operations_ok = operations_ok or ok
    return sources_ok and operations_ok


def _policies(ctx: Context, kind: str, pod: Pod) -> list[Obj]:
    root = ctx.topology.mesh.get("root_namespace", "istio-system")
    found = []
    for policy in ctx.manifests.of_kind(kind):
        if policy.namespace not in (pod.namespace, root):
            continue
        if policy.spec.get("targetRefs") or policy.spec.get("targetRef"):
            raise policy.error("targetRefs are not modeled (only selector)")
        if label_selector_matches(policy.spec.get("selector"), pod.labels):
            found.append(policy)
    return found


def authorize(
    ctx: Context, pod: Pod, principal: str | None, port: int
) -> tuple[bool, Step, Obj | None]:
    """AuthorizationPolicy: CUSTOM, then DENY, then ALLOW. A request matching a DENY policy is
    denied; if any ALLOW policy selects the workload, the request must match one of them;
    with no ALLOW policy it is allowed. A policy without rules matches nothing."""
    policies = _policies(ctx, "AuthorizationPolicy", pod)
    for policy in policies:
        if policy.spec.get("action", "ALLOW") == "CUSTOM":
            raise policy.error("action CUSTOM is not modeled")
    who = principal or "no identity (plaintext)"

    def matches(policy: Obj) -> bool:
        return any(
            _rule_matches(policy, rule, principal, ctx, port)
            for rule in policy.spec.get("rules") or []
        )

    for policy in policies:
        if policy.spec.get("action") == "DENY" and matches(policy):
            return (
                False,
                Step(
                    "authz-deny",
                    f"{policy.ref} (DENY) matches {who}: HTTP 403, RBAC: access denied.",
                    src.ISTIO_AUTHZ,
                    short=f"denied by {policy.name}: 403",
                ),
                policy,
            )
    allows = [p for p in policies if p.spec.get("action", "ALLOW") == "ALLOW"]
    if not allows:
        return (
            True,
            Step(
                "authz-allow",
                "No ALLOW AuthorizationPolicy selects the workload, so the request is allowed.",
                src.ISTIO_AUTHZ,
                short="allowed (no policy)",
            ),
            None,
        )
    for policy in allows:
        if matches(policy):
            return (
                True,
                Step(
                    "authz-allow",
                    f"{policy.ref} (ALLOW) matches {who} and {ctx.request.method}: allowed.",
                    src.ISTIO_AUTHZ,
                    short=f"allowed by {policy.name}",
                ),
                policy,
            )
    names = ", ".join(p.ref for p in allows)
    return (
        False,
        Step(
            "authz-deny",
            f"{names} (ALLOW) select the workload and none matches {who} with "
            f"{ctx.request.method}: HTTP 403, RBAC: access denied.",
            src.ISTIO_AUTHZ,
            short="no ALLOW rule matches: 403",
        ),
        allows[0],
    )


def peer_authentication(ctx: Context, pod: Pod) -> tuple[str, Obj | None]:
    """PeerAuthentication: a workload policy (selector) overrides the namespace's (no
    selector), which overrides the root namespace's; UNSET inherits; the default is
    PERMISSIVE, which accepts plaintext and mTLS."""
    root = ctx.topology.mesh.get("root_namespace", "istio-system")
    levels = []
    for policy in ctx.manifests.of_kind("PeerAuthentication"):
        if policy.spec.get("portLevelMtls"):
            raise policy.error("portLevelMtls is not modeled")
        selector = policy.spec.get("selector")
        if (
            policy.namespace == pod.namespace
            and selector
            and label_selector_matches(selector, pod.labels)
        ):
            levels.append((0, policy))
        elif policy.namespace == pod.namespace and not selector:
            levels.append((1, policy))
        elif policy.namespace == root and not selector:
            levels.append((2, policy))
    for _, policy in sorted(levels, key=lambda item: item[0]):
        mode = (policy.spec.get("mtls") or {}).get("mode", "UNSET")
        if mode != "UNSET":
            return mode, policy
    return "PERMISSIVE", None


def _route(ctx: Context, client: Pod, fqdn: str):
    """VirtualService: the first HTTP route whose match list matches wins (an empty match
    list matches everything); each destination gets weight/(sum of weights) of the traffic,
    a lone destination all of it."""
    services = [
        vs
        for vs in ctx.manifests.of_kind("VirtualService")
        if any(_fqdn(ctx, h, vs.namespace) == fqdn for h in vs.spec.get("hosts") or [])
    ]
    if not services:
        return None, None, None
    if len(services) > 1:
        raise services[1].error(f"a second VirtualService for {fqdn}: list the files in effect")
    vs = services[0]
    for index, http in enumerate(vs.spec.get("http") or []):
        matches = http.get("match") or [{}]
        if any(_vs_match_ok(vs, m, ctx) for m in matches):
            return vs, index, http
    return vs, None, None


def _vs_match_ok(vs: Obj, match: dict, ctx: Context) -> bool:
    request = ctx.request
    unknown = set(match) - {"headers", "uri", "method", "name"}
    if unknown:
        raise vs.error(f"match field {min(unknown)} is not modeled")
    for name, condition in (match.get("headers") or {}).items():
        if not _istio_string(vs, condition, request.headers.get(name.lower())):
            return False
    if "uri" in match and not _istio_string(vs, match["uri"], request.path.split("?", 1)[0]):
        return False
    return "method" not in match or _istio_string(vs, match["method"], request.method)


def _istio_string(vs: Obj, condition: dict, value: str | None) -> bool:
    if value is None:
        return False
    if "exact" in condition:
        return value == condition["exact"]
    if "prefix" in condition:
        return value.startswith(condition["prefix"])
    raise vs.error(f"string match {min(condition)} is not modeled")


def _subset_pods(
    ctx: Context, service: Obj, subset: str, fqdn: str
) -> tuple[list[Pod], Obj | None]:
    for rule in ctx.manifests.of_kind("DestinationRule"):
        if _fqdn(ctx, rule.spec.get("host", ""), rule.namespace) != fqdn:
            continue
        for item in rule.spec.get("subsets") or []:
            if item.get("name") == subset:
                labels = item.get("labels") or {}
                pods = [
                    p
                    for p in endpoints(ctx, service)
                    if all(p.labels.get(k) == v for k, v in labels.items())
                ]
                return pods, rule
    return [], None


def walk_mesh(ctx: Context) -> None:
    if ctx.topology.mesh.get("name") != "istio":
        raise ctx.topology.error("mesh.name", "only Istio in sidecar mode is modeled")
    client = ctx.origin_pod()
    if client is None:
        raise ctx.topology_error("from: a mesh walk starts in a Pod")
    request = ctx.request
    answer = resolve(ctx, client, request.host)
    service = answer.service
    vip = answer.addresses[0]
    port = service_port(service, request.port)
    app_packet = pod_sends(
        ctx,
        client,
        f"{client.app} container on {client.node.name}",
        vip,
        "HTTP",
        f"{request.line}, Host: {request.authority}",
        Step(
            "send",
            f"The app sends {request.line} to {request.host}:{request.port}; cluster DNS "
            f"gives the ClusterIP of {service.ref}, {vip}.",
            src.K8S_DNS,
        ),
        objects=[client.owner.diagram_id] if client.owner else [],
    )
    if _meshed(ctx, client):
        outcome = _client_sidecar(ctx, client, app_packet, service, port, answer.fqdn)
    else:
        outcome = _plain_client(ctx, client, app_packet, service, port)
    if outcome is None:
        return
    server, packet, principal = outcome
    _server_side(ctx, server, packet, principal)


def _plain_client(ctx: Context, client: Pod, packet: Packet, service: Obj, port: dict):
    """A Pod without a sidecar: kube-proxy's rules DNAT its connection like any other."""
    reached = cluster_ip_hop(ctx, client, packet, service, port)
    return None if reached is None else (*reached, None)


def _client_sidecar(ctx: Context, client: Pod, packet: Packet, service: Obj, port: dict, fqdn: str):
    request = ctx.request
    place = f"{client.app} sidecar (Envoy) on {client.node.name}"
    steps = [
        Step(
            "capture",
            "The Pod's iptables rules redirect the outbound connection to the sidecar "
            "(Envoy, port 15001), which reads the original destination.",
            src.ISTIO_PORTS,
            short="captured on 15001",
        )
    ]
    objects: list[str] = [service.diagram_id]

    def refuse(text: str, short: str) -> None:
        steps.append(Step("refuse", text, src.ISTIO_VIRTUAL_SERVICE, short=short))
        ctx.builder.add(
            place,
            client.sidecar_id,
            arriving=packet,
            leaving=None,
            steps=steps,
            outcome=Outcome.REFUSED,
            objects=objects,
        )

    vs, index, http = _route(ctx, client, fqdn)
    pods = endpoints(ctx, service)
    target_service = service
    picked = "It picks"
    source = src.ISTIO_TRAFFIC
    if vs is not None:
        objects.append(vs.diagram_id)
        if http is None:
            refuse(f"No HTTP route of {vs.ref} matches {request.line}: HTTP 404.", "404: no route")
            return None
        destinations = http.get("route") or []
        weights = [int(d.get("weight", 100 if len(destinations) == 1 else 0)) for d in destinations]
        live = [d for d, w in zip(destinations, weights, strict=True) if w > 0]
        if not live:
            refuse(f"{vs.ref} route {index + 1} sends no traffic anywhere: HTTP 503.", "503")
            return None
        chosen = ctx.choose(
            "backend",
            live,
            lambda d: (d["destination"].get("subset", ""), d["destination"]["host"]),
        )
        dest = chosen["destination"]
        label = dest.get("subset") or dest["host"]
        text = f"{vs.ref} HTTP route {index + 1} applies"
        if len(destinations) > 1:
            shares = ", ".join(
                f"{d['destination'].get('subset') or d['destination']['host']} {w}"
                for d, w in zip(destinations, weights, strict=True)
            )
            text += (
                f"; weighted choice ({shares}): this request goes to {label}, which gets "
                f"{int(chosen.get('weight', 0))} of every {sum(weights)}"
            )
        steps.append(
            Step(
                "weighted-choice" if len(destinations) > 1 else "l7-match",
                f"{text}.",
                src.ISTIO_VIRTUAL_SERVICE,
                short=f"VirtualService {vs.name}: {label}",
            )
        )
        dest_fqdn = _fqdn(ctx, dest["host"], vs.namespace)
        domain = ctx.topology.cluster.get("domain", DEFAULT_DOMAIN)
        target_service = service_for_name(ctx, dest_fqdn, domain)
        if target_service is None:
            raise vs.error(f"routes to {dest['host']}, which is no Service of the manifests")
        if "port" in dest:
            port = service_port(target_service, int(dest["port"]["number"]))
        pods = endpoints(ctx, target_service)
        if dest.get("subset"):
            pods, rule = _subset_pods(ctx, target_service, dest["subset"], dest_fqdn)
            if rule is None:
                refuse(
                    f"No DestinationRule defines subset {dest['subset']} of {dest['host']}: "
                    "the sidecar answers HTTP 503.",
                    "503: unknown subset",
                )
                return None
            objects.append(rule.diagram_id)
            if not pods:
                refuse(f"Subset {dest['subset']} selects no Pod: HTTP 503.", "503: no Pod")
                return None
            # DestinationRule: a subset is the Service's endpoints that carry its labels.
            labels = next(s for s in rule.spec["subsets"] if s["name"] == dest["subset"])
            shown = ", ".join(f"{k}={v}" for k, v in (labels.get("labels") or {}).items())
            picked = f"Subset {dest['subset']} of {rule.ref} ({shown}): it picks"
            source = src.ISTIO_DESTINATION_RULE
    server = ctx.choose("endpoint", pods, lambda p: (p.name, p.node.name, p.ip))
    target = target_port(target_service, port, server)
    steps.append(
        Step(
            "endpoint-choice",
            f"{picked} the {server.app} Pod {server.ip}:{target} on {server.node.name} and "
            "connects to that Pod IP itself: kube-proxy's ClusterIP rules are not used.",
            source,
            short=f"to {server.ip}:{target}",
        )
    )
    identity = _principal(ctx, client)
    if _meshed(ctx, server):
        steps.append(
            Step(
                "mtls-wrap",
                f"Auto mTLS: the destination runs a sidecar, so the connection is wrapped in "
                f"mutual TLS with the certificate of spiffe://{identity}.",
                src.ISTIO_AUTO_MTLS,
                short=f"mTLS as {client.service_account}",
            )
        )
        leaving = Packet(
            Addr(client.ip, ctx.ephemeral_port()),
            Addr(server.ip, target),
            "mTLS",
            f"{request.line} inside mutual TLS",
        )
        principal = identity
    else:
        leaving = Packet(
            Addr(client.ip, ctx.ephemeral_port()), Addr(server.ip, target), "HTTP", request.line
        )
        principal = None
    ctx.builder.add(
        place, client.sidecar_id, arriving=packet, leaving=leaving, steps=steps, objects=objects
    )
    return server, leaving, principal


def _principal(ctx: Context, pod: Pod) -> str:
    domain = ctx.topology.mesh.get("trust_domain", DEFAULT_DOMAIN)
    return f"{domain}/ns/{pod.namespace}/sa/{pod.service_account}"


def _refused(
    ctx: Context, place: str, server: Pod, packet: Packet, steps: list[Step], objects: list[str]
) -> None:
    """The server's sidecar refuses the request: the walk ends at its hop."""
    ctx.builder.add(
        place,
        server.sidecar_id,
        arriving=packet,
        leaving=None,
        steps=steps,
        outcome=Outcome.REFUSED,
        objects=objects,
    )


def _server_side(ctx: Context, server: Pod, packet: Packet, principal: str | None) -> None:
    request = ctx.request
    if not _meshed(ctx, server):
        _deliver(ctx, server, packet, [], packet.src.ip)
        return
    place = f"{server.app} sidecar (Envoy) on {server.node.name}"
    steps = [
        Step(
            "capture",
            "The Pod's iptables rules redirect the inbound connection to its sidecar (port 15006).",
            src.ISTIO_PORTS,
            short="captured on 15006",
        )
    ]
    objects: list[str] = []
    mode, policy = peer_authentication(ctx, server)
    if policy is not None:
        objects.append(policy.diagram_id)
    named = f"{policy.ref} sets" if policy else "The default is"
    if packet.proto == "mTLS":
        steps.append(
            Step(
                "mtls-unwrap",
                f"It terminates the mutual TLS and verifies the client certificate: the caller "
                f"is {principal}. {named} mode {mode}, which accepts mTLS.",
                src.ISTIO_PEER_AUTHN,
                short=f"mTLS from {principal.rsplit('/', 1)[-1]}",
            )
        )
    elif mode == "STRICT":
        steps.append(
            Step(
                "refuse",
                f"{named} mode STRICT: plaintext is refused, and the client sees its connection "
                "reset.",
                src.ISTIO_PEER_AUTHN,
                short="plaintext refused (STRICT)",
            )
        )
        _refused(ctx, place, server, packet, steps, objects)
        return
    else:
        steps.append(
            Step(
                "no-nat",
                f"{named} mode {mode}, which accepts plaintext too; the caller has no "
                "verified identity.",
                src.ISTIO_PEER_AUTHN,
                short=f"plaintext ({mode})",
            )
        )
    allowed, step, authz = authorize(ctx, server, principal, packet.dst.port)
    steps.append(step)
    if authz is not None:
        objects.append(authz.diagram_id)
    if not allowed:
        _refused(ctx, place, server, packet, steps, objects)
        return
    # Since Istio 1.10 the sidecar forwards inbound requests to the Pod IP and port they were
    # sent to, from 127.0.0.6 (istio/istio, pilot/pkg/networking/core/listener_address.go:
    # InboundPassthroughBindIpv4).
    leaving = Packet(Addr(INBOUND_SOURCE, ctx.ephemeral_port()), packet.dst, "HTTP", request.line)
    steps.append(
        Step(
            "new-connection",
            f"It forwards the plain request to the app on {packet.dst}, from {INBOUND_SOURCE}.",
            src.ISTIO_INBOUND,
            short=f"to the app from {INBOUND_SOURCE}",
        )
    )
    ctx.builder.add(
        place, server.sidecar_id, arriving=packet, leaving=leaving, steps=steps, objects=objects
    )
    _deliver(ctx, server, leaving, [], INBOUND_SOURCE)


def _deliver(ctx: Context, pod: Pod, packet: Packet, steps: list[Step], seen: str) -> None:
    steps.append(
        Step(
            "deliver",
            f"The {pod.app} container on port {packet.dst.port} receives {ctx.request.line} "
            f"and sees the source {seen}.",
            src.ISTIO_INBOUND_SOURCE if seen == INBOUND_SOURCE else src.K8S_SOURCE_IP,
            short=f"app sees {seen}",
        )
    )
    ctx.builder.add(
        f"{pod.app} container on {pod.node.name}",
        pod.id,
        arriving=packet,
        leaving=None,
        steps=steps,
        outcome=Outcome.DELIVERED,
        objects=[pod.owner.diagram_id] if pod.owner else [],
    )
