"""Gateway API: who owns which resource, and how a request follows them to the Pods.

GatewayClass (infrastructure provider) -> Gateway (cluster operator) <- HTTPRoute
(application developer) -> two Services by weight. The client reaches Traefik through its
LoadBalancer Service; Traefik reads the backends' EndpointSlices and sends each request
straight to a Pod. Names, ports, hostnames and weights all come from
docs/examples/gateway-api/.
"""

from _style import edge, find, group, manifests, page_diagram, same_column
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import Service
from diagrams.k8s.others import CRD
from diagrams.onprem.client import Client
from diagrams.onprem.network import Traefik

docs = manifests("gateway-api")
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

with page_diagram(
    f"Gateway API: {hostname}, split by weight",
    direction="LR",
    ranksep="0.3",
    nodesep="0.3",
    newrank="true",
) as picture:
    client = Client("client")

    with group("infrastructure provider", kind="outside"):
        gwc = CRD(f"GatewayClass\n{gateway_class['metadata']['name']}")

    # The GatewayClass arrow enters from the top: keep the label out of its way.
    operator = group(
        f"cluster operator\nnamespace {namespace_of(gateway)}", kind="namespace", label_at="bottom"
    )
    with operator:
        balancer = Service(
            f"Service {traefik_service['metadata']['name']}\n"
            f"type {traefik_service['spec']['type']}\n"
            + ", ".join(f"{p['name']} {p['port']}" for p in traefik_service["spec"]["ports"])
        )
        gw = Traefik(
            f"Traefik Pod\nGateway {gateway['metadata']['name']}\n"
            f"listener {listener['name']} :{listener['port']}"
        )

    # The route's namespace box gets its label at the bottom: the route's arrow to the other
    # namespace leaves from its top edge.
    def namespace_box(name: str):
        at = "bottom" if name == namespace_of(route) else "top"
        return group(f"namespace {name}", kind="namespace", label_at=at)

    with group("application developer", kind="cluster"):
        with namespace_box(namespace_of(route)):
            http_route = CRD(f"HTTPRoute {route['metadata']['name']}\n{hostname}")
        backends, granted = [], None
        for ref in weighted["backendRefs"]:
            service = service_for(ref)
            deployment = deployment_for(service)
            name = service["metadata"]["name"]
            with namespace_box(namespace_of(service)):
                svc = Service(f"Service {name}\nport {service['spec']['ports'][0]['port']}")
                pods = [
                    Pod(f"{deployment['metadata']['name']} Pod")
                    for _ in range(deployment["spec"].get("replicas", 1))
                ]
                if namespace_of(grant) == namespace_of(service):
                    granted = CRD(f"ReferenceGrant\n{grant['metadata']['name']}")
                    granted >> edge("allows", kind="control") >> svc
            backends.append((ref["weight"], svc, pods))

    # Control plane: the class names the controller, and the route names its Gateway in
    # parentRefs (drawn from the route to the Gateway, laid out left to right).
    gwc >> edge(kind="control") >> gw
    same_column(picture, gwc, gw)
    gw << edge("parentRefs", kind="control") << http_route
    if granted is not None:
        same_column(picture, http_route, granted)
    # The request: port 80 on the load balancer, the entryPoint port inside the Traefik Pod,
    # then straight to a Pod IP that Traefik learned from the Service's EndpointSlices.
    client >> edge(f"HTTP :{web_port['port']}") >> balancer
    balancer >> edge(f"targetPort {web_port['targetPort']}\n:{listener['port']}") >> gw
    for weight, svc, pods in backends:
        http_route >> edge(f"backendRef\nweight {weight}", kind="control") >> svc
        gw >> edge("EndpointSlices", kind="control") >> svc
        for index, pod in enumerate(pods):
            svc >> edge("selects" if index == 0 else "", kind="control") >> pod
            gw >> edge() >> pod
