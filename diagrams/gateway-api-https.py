"""HTTPS with Gateway API: one Gateway, four ways for TLS to reach the Pods.

The client reaches the Traefik Pod that implements the Gateway web: plain HTTP on the http
listener gets a redirect to HTTPS; on port 8443 the server name picks the listener and its
certificate. cert-manager issues the operator's wildcard certificate (Secret next to the
Gateway) and the team's certificate (Secret in namespace whoami, allowed by a ReferenceGrant).
Traefik sends plain HTTP to whoami, TLS again to whoami-tls (BackendTLSPolicy), the client's
own TLS to the same Pod (TLSRoute), and h2c to grpc-health (GRPCRoute). Traefik dials the Pods
it finds in each Service's EndpointSlices; a box around the Pods stands for their Service.
Every name, port and host comes from docs/examples/gateway-api-https/.
"""

from _style import actor, edge, find, group, kube, manifests, page_diagram, same_column
from diagrams.k8s.compute import Pod
from diagrams.k8s.others import CRD
from diagrams.k8s.podconfig import Secret
from diagrams.onprem.client import Client
from diagrams.onprem.network import Traefik

docs = manifests("gateway-api-https")
gateway = find(docs, "Gateway", "web")
issuer = find(docs, "ClusterIssuer", "example-ca")
grant = find(docs, "ReferenceGrant", "gateway-certs")
redirect = find(docs, "HTTPRoute", "https-redirect")
plain = find(docs, "HTTPRoute", "whoami")
api = find(docs, "HTTPRoute", "api")
passthrough = find(docs, "TLSRoute", "passthrough")
grpc = find(docs, "GRPCRoute", "health")
policy = find(docs, "BackendTLSPolicy", "whoami-tls")

listeners = {listener["name"]: listener for listener in gateway["spec"]["listeners"]}
http = listeners[redirect["spec"]["parentRefs"][0]["sectionName"]]
https = listeners[plain["spec"]["parentRefs"][0]["sectionName"]]
https_api = listeners[api["spec"]["parentRefs"][0]["sectionName"]]
operator_secret = https["tls"]["certificateRefs"][0]
team_secret = https_api["tls"]["certificateRefs"][0]
# Listeners by port, as Traefik binds them to its entryPoints.
by_port: dict[int, list[str]] = {}
for listener in gateway["spec"]["listeners"]:
    by_port.setdefault(listener["port"], []).append(listener["name"])


def namespace_of(document: dict) -> str:
    return document["metadata"].get("namespace", "default")


def backend(route: dict) -> tuple[dict, dict]:
    """The Service and Deployment that a route's only backendRef leads to."""
    ref = route["spec"]["rules"][0]["backendRefs"][0]
    service = find(docs, "Service", ref["name"])
    deployment = next(
        d
        for d in docs
        if d["kind"] == "Deployment"
        and namespace_of(d) == namespace_of(service)
        and d["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    )
    return service, deployment


def first_host(route: dict) -> str:
    return route["spec"]["hostnames"][0]


gateway_label = f"Traefik Pod\nGateway {gateway['metadata']['name']}\n" + "\n".join(
    f":{port} {', '.join(names)}" for port, names in sorted(by_port.items())
).replace("https-api, ", "https-api,\n")

with page_diagram(
    "HTTPS with Gateway API: four ways for TLS", nodesep="0.3", ranksep="0.45", newrank="true"
) as picture:
    with group("outside the cluster", kind="outside"):
        client = actor(Client, "client", "client")

    with group("cluster"):
        certs = kube(CRD, issuer, f"ClusterIssuer\n{issuer['metadata']['name']}")
        with group(f"namespace {namespace_of(gateway)}", kind="namespace"):
            wildcard = actor(
                Secret,
                f"secret-{operator_secret['name']}",
                f"Secret\n{operator_secret['name']}",
            )
            traefik = kube(Traefik, gateway, gateway_label)
        # The application team's certificate; its apps are drawn in the box below.
        with group(f"namespace {namespace_of(grant)}: certificate", kind="namespace"):
            granted = kube(CRD, grant, f"ReferenceGrant\n{grant['metadata']['name']}")
            team = actor(Secret, f"secret-{team_secret['name']}", f"Secret\n{team_secret['name']}")
        with group(f"namespace {namespace_of(grant)}: apps", kind="namespace", label_at="bottom"):
            pods = {}
            for route in (plain, api, grpc):
                service, deployment = backend(route)
                name = service["metadata"]["name"]
                port = service["spec"]["ports"][0]["port"]
                replicas = deployment["spec"].get("replicas", 1)
                count = f" ×{replicas}" if replicas > 1 else ""
                with group(f"Service {name} :{port}", kind="node", label_at="bottom"):
                    pods[name] = kube(
                        Pod, deployment, f"{deployment['metadata']['name']} Pod{count}"
                    )

    same_column(picture, certs, granted)
    # The client above the certificate row, so that the picture grows down, not sideways.
    client >> edge(kind="control", style="invis") >> certs
    same_column(picture, wildcard, traefik, team)

    # Certificates: cert-manager writes both Secrets; the listeners name them.
    certs >> edge("issues", kind="control") >> wildcard
    certs >> edge("issues", kind="control") >> team
    wildcard >> edge(https["name"], kind="control") >> traefik
    traefik << edge(https_api["name"], kind="control") << team
    granted >> edge("allows", kind="control") >> team

    # The client: HTTP gets a redirect, HTTPS is routed by the server name.
    client >> edge(f"HTTP\n:{http['port']}") >> traefik
    traefik >> edge("301", kind="return") >> client
    client >> edge(f"TLS\n:{https['port']}") >> traefik

    whoami, _ = backend(plain)
    tls_service, _ = backend(api)
    grpc_service, _ = backend(grpc)
    traefik >> edge(f"{first_host(plain)}\nHTTP") >> pods[whoami["metadata"]["name"]]
    traefik >> edge(f"{first_host(api)}\nTLS again") >> pods[tls_service["metadata"]["name"]]
    (
        traefik
        >> edge(f"{first_host(passthrough)}\npassed through")
        >> pods[tls_service["metadata"]["name"]]
    )
    traefik >> edge(f"{first_host(grpc)}\nh2c") >> pods[grpc_service["metadata"]["name"]]
