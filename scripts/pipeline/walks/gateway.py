"""Rules for Gateway API v1 served by Traefik v3: listener, route attachment, HTTPRoute match
precedence, the weighted choice between backends and ReferenceGrant.
"""

from __future__ import annotations

from dataclasses import dataclass

from scripts.pipeline.walks import sources as src
from scripts.pipeline.walks.ingress import (
    arrive_at_controller,
    controller_place,
    forwarded_headers,
    lookup_service,
    refuse_at_controller,
    send_to_backend,
)
from scripts.pipeline.walks.manifests import Obj, label_selector_matches
from scripts.pipeline.walks.model import Step
from scripts.pipeline.walks.network import Context, service_port

GROUP = "gateway.networking.k8s.io"


def hostname_matches(pattern: str | None, host: str) -> bool:
    """Gateway API Listener.hostname and HTTPRoute.hostnames: none matches every host; a
    name prefixed with `*.` is a suffix match of one or more labels (`*.example.com` matches
    test.example.com and foo.test.example.com, not example.com)."""
    if not pattern:
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def _listeners(ctx: Context, port: int) -> list[tuple[Obj, dict]]:
    """Gateways of the controller's class, and their listeners bound to this entryPoint.

    Traefik's Gateway provider binds a listener to the entryPoint whose port equals the
    listener's port (Traefik Kubernetes Gateway provider docs)."""
    controller_name = ctx.topology.controller.get("gateway_controller")
    found = []
    for gateway in ctx.manifests.of_kind("Gateway"):
        class_name = gateway.spec.get("gatewayClassName")
        gateway_class = ctx.manifests.get("GatewayClass", "default", class_name)
        if gateway_class is None:
            raise gateway.error(f"gatewayClassName {class_name!r}: no such GatewayClass")
        if gateway_class.spec.get("controllerName") != controller_name:
            continue
        for listener in gateway.spec.get("listeners") or []:
            if int(listener["port"]) == port and listener.get("protocol") in (
                "HTTP",
                "HTTPS",
                "TLS",
            ):
                found.append((gateway, listener))
    return found


def _route_allowed(ctx: Context, gateway: Obj, listener: dict, route: Obj) -> bool:
    """AllowedRoutes.namespaces.from: Same (default), All, or Selector on the route's
    Namespace labels."""
    namespaces = (listener.get("allowedRoutes") or {}).get("namespaces") or {}
    kind = namespaces.get("from", "Same")
    if kind == "All":
        return True
    if kind == "Same":
        return route.namespace == gateway.namespace
    if kind == "Selector":
        labels = ctx.manifests.namespace_labels(route.namespace)
        if labels is None:
            raise gateway.error(
                f"allowedRoutes selects namespaces by label, and the Namespace {route.namespace} "
                "is not in the manifests"
            )
        return label_selector_matches(namespaces.get("selector"), labels)
    raise gateway.error(f"allowedRoutes.namespaces.from {kind!r} is not modeled")


def _attached(ctx: Context, gateway: Obj, listener: dict, route: Obj) -> bool:
    for parent in route.spec.get("parentRefs") or []:
        if parent.get("kind", "Gateway") != "Gateway" or parent.get("group", GROUP) != GROUP:
            continue
        if parent.get("name") != gateway.name:
            continue
        if parent.get("namespace", route.namespace) != gateway.namespace:
            continue
        if parent.get("sectionName") not in (None, listener["name"]):
            continue
        if parent.get("port") not in (None, listener["port"]):
            continue
        return _route_allowed(ctx, gateway, listener, route)
    return False


@dataclass(frozen=True)
class RouteMatch:
    route: Obj
    rule_index: int
    rule: dict
    path_type: str
    path: str
    method: str | None
    headers: int
    queries: int


def _path_ok(path_type: str, value: str, path: str) -> bool:
    """HTTPPathMatch: Exact is the whole path; PathPrefix matches element by element split by
    `/` (`/v2` matches /v2 and /v2/x, not /v2beta); a trailing slash is ignored."""
    path = path.split("?", 1)[0]
    if path_type == "Exact":
        return path == value
    wanted = [p for p in value.split("/") if p]
    got = [p for p in path.split("/") if p]
    return got[: len(wanted)] == wanted


def _match_ok(route: Obj, match: dict, ctx: Context) -> bool:
    request = ctx.request
    path = match.get("path") or {"type": "PathPrefix", "value": "/"}
    if path.get("type", "PathPrefix") not in ("Exact", "PathPrefix"):
        raise route.error(f"path match type {path.get('type')} is not modeled")
    if not _path_ok(path.get("type", "PathPrefix"), path.get("value", "/"), request.path):
        return False
    if match.get("method") and match["method"] != request.method:
        return False
    for header in match.get("headers") or []:
        if header.get("type", "Exact") != "Exact":
            raise route.error(f"header match type {header['type']} is not modeled")
        # Header names are case-insensitive (HTTPHeaderMatch).
        if request.headers.get(header["name"].lower()) != header["value"]:
            return False
    if match.get("queryParams"):
        raise route.error("queryParams matches are not modeled")
    return True


def _precedence(m: RouteMatch) -> tuple:
    return (m.path_type != "Exact", -len(m.path), m.method is None, -m.headers, -m.queries)


WHY = (
    "an Exact path beats a prefix",
    "a longer path prefix wins",
    "a method match wins",
    "more header matches win",
    "more query parameter matches win",
)


def why_first(best: RouteMatch, other: RouteMatch) -> str:
    """The first precedence criterion that separates two matches (else: list order)."""
    for index, (a, b) in enumerate(zip(_precedence(best), _precedence(other), strict=True)):
        if a != b:
            return WHY[index]
    return "on a tie the earlier rule wins"


def match_routes(ctx: Context, routes: list[Obj]) -> tuple[RouteMatch | None, list[RouteMatch]]:
    """HTTPRouteRule.matches: "precedence must be given to the match having: Exact path
    match; Prefix path match with largest number of characters; Method match; Largest number
    of header matches; Largest number of query param matches", then the oldest Route, then
    {namespace}/{name} order, then the first matching rule in list order. A rule without
    matches matches every request (PathPrefix /)."""
    candidates = []
    for route in sorted(routes, key=lambda r: f"{r.namespace}/{r.name}"):
        for index, rule in enumerate(route.spec.get("rules") or []):
            for match in rule.get("matches") or [{}]:
                if _match_ok(route, match, ctx):
                    path = match.get("path") or {"type": "PathPrefix", "value": "/"}
                    candidates.append(
                        RouteMatch(
                            route,
                            index,
                            rule,
                            path.get("type", "PathPrefix"),
                            path.get("value", "/"),
                            match.get("method"),
                            len(match.get("headers") or []),
                            len(match.get("queryParams") or []),
                        )
                    )
    if not candidates:
        return None, []
    # Stable sort: earlier (alphabetical route, then rule order) wins every tie.
    ranked = sorted(candidates, key=_precedence)
    return ranked[0], ranked[1:]


def _reference_allowed(
    ctx: Context,
    source: Obj,
    namespace: str,
    name: str,
    target_kind: str = "Service",
) -> Obj | None:
    """ReferenceGrant: a reference from `source` (an HTTPRoute to a Service, a Gateway to a
    Secret) to an object in another namespace is allowed only by a ReferenceGrant in that
    namespace whose `from` lists the source's group, kind and namespace and whose `to` lists
    the target's group and kind (and name, when given)."""
    for grant in ctx.manifests.of_kind("ReferenceGrant", namespace):
        from_ok = any(
            f.get("group") == GROUP
            and f.get("kind") == source.kind
            and f.get("namespace") == source.namespace
            for f in grant.spec.get("from") or []
        )
        to_ok = any(
            t.get("group", "") == ""
            and t.get("kind") == target_kind
            and t.get("name") in (None, name)
            for t in grant.spec.get("to") or []
        )
        if from_ok and to_ok:
            return grant
    return None


def listener_precedence(hostname: str | None) -> tuple[int, int]:
    """Gateway API, Listeners distinct only by Hostname: exact names before wildcards, more
    specific wildcards (more dots right of the `*`) before less specific ones, and a listener
    without a hostname last."""
    if not hostname:
        return (0, 0)
    if hostname.startswith("*."):
        return (1, hostname.count("."))
    return (2, hostname.count("."))


def _certificate(ctx: Context, gateway: Obj, listener: dict) -> tuple[str | None, Obj | None, str]:
    """An HTTPS listener's certificate: (why the listener is not usable, or None; the
    ReferenceGrant that allows a Secret in another namespace; the Secret as ns/name).

    Gateway API: tls.mode defaults to Terminate and needs certificateRefs; a Secret in
    another namespace needs a ReferenceGrant there (otherwise ResolvedRefs is False with
    RefNotPermitted). Traefik then leaves the listener out (Programmed False)."""
    tls = listener.get("tls") or {}
    if tls.get("mode", "Terminate") != "Terminate":
        raise gateway.error(
            f"listener {listener['name']}: HTTPS with tls.mode {tls.get('mode')!r} is not modeled"
        )
    refs = tls.get("certificateRefs") or []
    if not refs:
        return "it names no certificate (tls.certificateRefs)", None, ""
    ref = refs[0]
    namespace = ref.get("namespace", gateway.namespace)
    secret = f"{namespace}/{ref['name']}"
    if namespace == gateway.namespace:
        return None, None, secret
    grant = _reference_allowed(ctx, gateway, namespace, ref["name"], target_kind="Secret")
    if grant is None:
        problem = (
            f"its Secret {secret} is in another namespace and no ReferenceGrant there allows "
            f"Gateways from {gateway.namespace} to use it (ResolvedRefs False, RefNotPermitted)"
        )
        return problem, None, secret
    return None, grant, secret


def _backend_tls(ctx: Context, service: Obj, port: dict) -> tuple[Obj | None, Step | None]:
    """BackendTLSPolicy: a policy that targets the Service (and the port's name, when it gives
    a sectionName) makes the Gateway speak TLS to the Pods, with validation.hostname as the
    server name, and check their certificate against caCertificateRefs."""
    for policy in ctx.manifests.of_kind("BackendTLSPolicy", service.namespace):
        for target in policy.spec.get("targetRefs") or []:
            if target.get("kind") != "Service" or target.get("name") != service.name:
                continue
            if target.get("sectionName") not in (None, port.get("name")):
                continue
            validation = policy.spec.get("validation") or {}
            cas = ", ".join(
                f"{c.get('kind', 'ConfigMap')} {c['name']}"
                for c in validation.get("caCertificateRefs") or []
            )
            trusted = f"signed by the CA in {cas}" if cas else "trusted by the system's CAs"
            return policy, Step(
                "tls-originate",
                f"{policy.ref} targets {service.ref}: the new connection is TLS again, with the "
                f"server name {validation.get('hostname')}, and Traefik accepts only a "
                f"certificate for that name {trusted}.",
                src.GATEWAY_BACKEND_TLS,
                short="TLS again to the Pod",
            )
    return None, None


def walk_gateway(ctx: Context) -> None:
    arrived = arrive_at_controller(ctx)
    if arrived is None:
        return
    entry, controller, point = arrived
    request = ctx.request
    place = controller_place(ctx, controller)
    steps: list[Step] = []
    objects: list[str] = []

    def refuse(text: str, short: str, source: str = src.GATEWAY_HTTPROUTE_RULE) -> None:
        why = Step("refuse", text, source, short=short)
        refuse_at_controller(ctx, controller, entry.packet, steps, objects, why)

    listeners = sorted(
        (
            (g, listener)
            for g, listener in _listeners(ctx, point.port)
            if hostname_matches(listener.get("hostname"), request.host)
        ),
        key=lambda found: listener_precedence(found[1].get("hostname")),
        reverse=True,
    )
    if not listeners:
        refuse(
            f"No Gateway listener on port {point.port} accepts host {request.host}: 404.",
            "404: no listener",
        )
        return
    chosen = None
    for gateway, listener in listeners:
        protocol = listener.get("protocol")
        if protocol == "TLS":
            raise gateway.error(
                f"listener {listener['name']}: TLS passthrough (TLSRoute) is not modeled by the "
                "packet walk"
            )
        if (protocol == "HTTPS") != point.tls or (protocol == "HTTPS") != (
            request.scheme == "https"
        ):
            raise gateway.error(
                f"listener {listener['name']} ({protocol}) on the {point.name} entryPoint "
                f"cannot serve {request.scheme}://{request.host}"
            )
        if protocol != "HTTPS":
            chosen = (gateway, listener, None, "")
            break
        problem, grant, secret = _certificate(ctx, gateway, listener)
        if problem is None:
            chosen = (gateway, listener, grant, secret)
            break
        steps.append(
            Step(
                "reference-check",
                f"{gateway.ref}'s listener {listener['name']} would take {request.host}, but "
                f"{problem}: Traefik leaves the listener out.",
                src.GATEWAY_TLS,
                short=f"listener {listener['name']} not programmed",
            )
        )
    if chosen is None:
        if point.tls:
            refuse(
                f"No valid listener on port {point.port} has a certificate for {request.host}: "
                "Traefik presents its own self-signed default certificate and the client's TLS "
                "handshake fails.",
                "TLS handshake fails",
                src.GATEWAY_TLS,
            )
        else:
            refuse(
                f"No Gateway listener on port {point.port} accepts host {request.host}: 404.",
                "404: no listener",
            )
        return
    gateway, listener, grant, secret = chosen
    objects.append(gateway.diagram_id)
    host = listener.get("hostname") or "any host"
    if secret:
        rivals = [
            f"{other['name']}'s {other.get('hostname') or 'empty hostname'}"
            for g, other in listeners
            if g == gateway
            and other is not listener
            and other.get("protocol") == "HTTPS"
            and listener_precedence(other.get("hostname"))
            < listener_precedence(listener.get("hostname"))
        ]
        if rivals:
            host += f", more specific than {' and '.join(rivals)}"
        allowed = ""
        if grant is not None:
            objects.append(grant.diagram_id)
            allowed = f" ({grant.ref} allows the Gateway to use it)"
        objects.append(f"secret-{secret.split('/')[1]}")
        steps.append(
            Step(
                "tls-terminate",
                f"The {point.name} entryPoint (port {point.port}) terminates TLS. Of the "
                "certificates of the Gateway's listeners, Traefik presents the one whose names "
                f"match the server name the client sends (SNI), {request.host}: Secret "
                f"{secret}{allowed}, named by listener {listener['name']} (hostname {host}), "
                "whose routes now apply.",
                src.GATEWAY_TLS,
                short=f"TLS ends here: listener {listener['name']}",
            )
        )
    else:
        steps.append(
            Step(
                "l7-match",
                f"{gateway.ref}'s listener {listener['name']} (port {listener['port']}, "
                f"hostname {listener.get('hostname') or 'any'}) is bound to the {point.name} "
                f"entryPoint and accepts {request.host}.",
                src.TRAEFIK_GATEWAY,
                short=f"listener {listener['name']}",
            )
        )
    routes = [
        r
        for r in ctx.manifests.of_kind("HTTPRoute")
        if _attached(ctx, gateway, listener, r)
        and (
            not r.spec.get("hostnames")
            # Route hostnames that the listener's hostname does not cover are ignored; the
            # listener already accepted this request's host.
            or any(hostname_matches(h, request.host) for h in r.spec["hostnames"])
        )
    ]
    match, others = match_routes(ctx, routes)
    if match is None:
        refuse(
            f"No HTTPRoute attached to listener {listener['name']} matches {request.host}"
            f"{request.path}: 404.",
            "404: no route",
        )
        return
    route, rule = match.route, match.rule
    objects.append(route.diagram_id)
    if rule.get("filters"):
        raise route.error("rule filters are not modeled by the packet walk")
    what = f"{match.path_type} {match.path}"
    if match.headers:
        what += f" and {match.headers} header match{'es' if match.headers > 1 else ''}"
    rivals = [m for m in others if (m.route, m.rule_index) != (route, match.rule_index)]
    beaten = ""
    if rivals:
        rival = rivals[0]
        name = "rule" if rival.route == route else f"{rival.route.ref} rule"
        beaten = f"; {name} {rival.rule_index + 1} matches too, and {why_first(match, rival)}"
    steps.append(
        Step(
            "l7-match",
            f"{route.ref} rule {match.rule_index + 1} matches ({what}){beaten}.",
            src.GATEWAY_HTTPROUTE_RULE,
            short=f"HTTPRoute {route.name} rule {match.rule_index + 1}",
        )
    )
    refs = rule.get("backendRefs") or []
    if not refs:
        refuse(f"{route.ref} rule {match.rule_index + 1} has no backendRefs: 500.", "500")
        return
    # BackendRef.weight: "the proportion of requests forwarded to the referenced backend ...
    # weight/(sum of all weights)"; unspecified means 1, 0 means no traffic.
    weights = [int(r.get("weight", 1)) for r in refs]
    total = sum(weights)
    live = [r for r, w in zip(refs, weights, strict=True) if w > 0]
    if not live:
        refuse(
            f"Every backend of {route.ref} rule {match.rule_index + 1} has weight 0: 500.",
            "500: all weights 0",
        )
        return
    backend = ctx.choose("backend", live, lambda r: (r["name"],))
    weight = int(backend.get("weight", 1))
    if len(refs) > 1:
        shares = ", ".join(f"{r['name']} {w}" for r, w in zip(refs, weights, strict=True))
        steps.append(
            Step(
                "weighted-choice",
                f"Weighted choice between the backends ({shares}): this request goes to "
                f"{backend['name']}, which gets {weight} of every {total} requests.",
                src.GATEWAY_BACKEND_REF,
                short=f"{backend['name']}: weight {weight} of {total}",
            )
        )
    if backend.get("kind", "Service") != "Service" or backend.get("group", "") != "":
        raise route.error(f"backendRef {backend['name']}: only Services are modeled")
    namespace = backend.get("namespace", route.namespace)
    if namespace != route.namespace:
        grant = _reference_allowed(ctx, route, namespace, backend["name"])
        if grant is None:
            # HTTPRouteRule.backendRefs: requests that would go to an invalid backend (here
            # RefNotPermitted) MUST get a 500.
            refuse(
                f"{backend['name']} is in namespace {namespace} and no ReferenceGrant there "
                f"allows HTTPRoutes from {route.namespace}: the reference is not permitted, "
                "and the request gets HTTP 500.",
                "500: RefNotPermitted",
            )
            return
        objects.append(grant.diagram_id)
        steps.append(
            Step(
                "reference-check",
                f"The Service is in namespace {namespace}: {grant.ref} allows HTTPRoutes from "
                f"{route.namespace} to refer to it.",
                src.GATEWAY_REFERENCEGRANT,
                short=f"ReferenceGrant {grant.name} allows",
            )
        )
    service = lookup_service(ctx, route, backend["name"], namespace)
    objects.append(service.diagram_id)
    port = service_port(service, backend.get("port"))
    steps.append(forwarded_headers(entry.packet, point.tls))
    policy, tls_step = _backend_tls(ctx, service, port)
    if policy is None and (port.get("port") == 443 or port.get("name") == "https"):
        # Traefik's own rule (TLS to a port 443 or named https) has no certificate check to
        # model; the page's backends that speak TLS all have a BackendTLSPolicy.
        raise service.error(
            f"port {port.get('name') or port['port']} speaks TLS but no BackendTLSPolicy "
            "targets it: the walk models backend TLS through BackendTLSPolicy only"
        )
    if policy is not None:
        objects.append(policy.diagram_id)
    send_to_backend(
        ctx,
        controller,
        entry.packet,
        service,
        port,
        steps,
        objects,
        "HTTPS" if policy else "HTTP",
        "traefik",
        place,
        then=tls_step,
        source=src.TRAEFIK_GATEWAY,
    )
