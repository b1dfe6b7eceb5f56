"""Gateway API: who owns which resource, and how a request follows them to the Pods.

GatewayClass (infrastructure provider) -> Gateway (cluster operator) <- HTTPRoute
(application developer) -> two Services by weight. The client reaches Traefik through its
LoadBalancer Service; Traefik reads the backends' EndpointSlices and sends each request
straight to a Pod. Names, ports, hostnames and weights all come from
docs/examples/gateway-api/.
"""

from _style import (
    actor,
    edge,
    find,
    group,
    kube,
    manifests,
    page_diagram,
    placement,
    pod,
    same_column,
)
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import Service
from diagrams.k8s.others import CRD
from diagrams.onprem.client import Client
from diagrams.onprem.network import Traefik

docs = manifests("gateway-api")
cluster = placement("gateway-api")
gateway_class = find(docs, "GatewayClass")
gateway = find(docs, "Gateway")
route = find(docs, "HTTPRoute")
grant = find(docs, "ReferenceGrant")
traefik_service = find(docs, "Service", "traefik")
listener = gateway["spec"]["listeners"][0]
hostname = route["spec"]["hostnames"][0]
# The weighted rule is the one whose backendRefs carry weights: it draws the split.
weighted = next(
    rule for rule in route["spec"]["rules"] if all("weight" in ref for ref in rule["backendRefs"])
)


def namespace_of(document: dict) -> str:
    return document["metadata"].get("namespace", "default")


def service_for(backend_ref: dict) -> dict:
    wanted = backend_ref.get("namespace", namespace_of(route))
    return next(
        d
        for d in docs
        if d["kind"] == "Service"
        and d["metadata"]["name"] == backend_ref["name"]
        and namespace_of(d) == wanted
    )


def deployment_for(service: dict) -> dict:
    selector = service["spec"]["selector"]
    return next(
        d
        for d in docs
        if d["kind"] == "Deployment"
        and namespace_of(d) == namespace_of(service)
        and d["spec"]["selector"]["matchLabels"] == selector
    )


# The Service port whose targetPort names the entryPoint that the listener port binds to.
web_port = next(p for p in traefik_service["spec"]["ports"] if p["targetPort"] == "web")

# Top to bottom: the client, the operator's load balancer and Traefik (the Gateway), the
# developer's HTTPRoute, then per backend its Service and Pods. The GatewayClass and the
# ReferenceGrant sit beside what they govern.
with page_diagram(
    f"Gateway API: {hostname}, split by weight",
    direction="TB",
    ranksep="0.45",
    nodesep="0.3",
    newrank="true",
) as picture:
    client = actor(Client, "client", "client")

    with group("infrastructure provider", kind="outside"):
        gwc = kube(CRD, gateway_class, f"GatewayClass\n{gateway_class['metadata']['name']}")

    with group(f"cluster operator: namespace {namespace_of(gateway)}", kind="namespace"):
        balancer = kube(
            Service,
            traefik_service,
            f"Service {traefik_service['metadata']['name']}\n{traefik_service['spec']['type']}, "
            + ", ".join(str(p["port"]) for p in traefik_service["spec"]["ports"]),
        )
        # Traefik's Pod implements the Gateway: the node is Traefik (id traefik, as on the
        # Ingress page), its link and tooltip the Gateway object's.
        gw = kube(
            Traefik,
            gateway,
            f"Traefik: Gateway {gateway['metadata']['name']}\n"
            f"listener {listener['name']} :{listener['port']}",
            nodeid="traefik",
        )

    with group("application developer", kind="cluster"):
        with group(f"namespace {namespace_of(route)}", kind="namespace"):
            http_route = kube(CRD, route, f"HTTPRoute {route['metadata']['name']}\n{hostname}")
        backends, granted = [], None
        for ref in weighted["backendRefs"]:
            service = service_for(ref)
            deployment = deployment_for(service)
            name = service["metadata"]["name"]
            with group(f"namespace {namespace_of(service)}", kind="namespace"):
                svc = kube(Service, service, f"{name}\nport {service['spec']['ports'][0]['port']}")
                # One Pod per replica, on the node the page's example cluster runs it on.
                owner = f"Deployment/{deployment['metadata']['name']}"
                replicas = deployment["spec"].get("replicas", 1)
                where = cluster.get(owner) or [str(i) for i in range(1, replicas + 1)]
                pods = [
                    pod(Pod, deployment, node, f"{deployment['metadata']['name']} Pod\n{node}")
                    for node in where
                ]
                if namespace_of(grant) == namespace_of(service):
                    granted = kube(CRD, grant, f"ReferenceGrant\n{grant['metadata']['name']}")
                    granted >> edge("allows", kind="control", constraint="false") >> svc
            backends.append((ref["weight"], svc, pods))

    # Control plane: the class names the controller; the route names its Gateway in parentRefs.
    gwc >> edge(kind="control", constraint="false") >> gw
    same_column(picture, gwc, balancer)
    gw << edge("parentRefs", kind="control") << http_route
    # The request: port 80 on the load balancer, the entryPoint port inside the Traefik Pod,
    # then straight to a Pod IP that Traefik learned from the Service's EndpointSlices.
    client >> edge(f"HTTP :{web_port['port']}") >> balancer
    balancer >> edge(f"targetPort {web_port['targetPort']}") >> gw
    for weight, svc, pods in backends:
        http_route >> edge(f"weight {weight}", kind="control") >> svc
        if granted is not None and svc in (b[1] for b in backends[1:]):
            same_column(picture, granted, svc)
        for index, backend_pod in enumerate(pods):
            svc >> edge("selects" if index == 0 else "", kind="control") >> backend_pod
            gw >> edge(constraint="false") >> backend_pod
