"""Gateway API: who owns which resource, and how a request follows them to the Pods.

GatewayClass (infrastructure provider) -> Gateway (cluster operator) -> HTTPRoute
(application developer) -> two Services by weight; names, ports, hostnames and weights all
come from docs/examples/gateway-api/.
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


with page_diagram(
    f"Gateway API: {hostname}, split by weight",
    direction="LR",
    ranksep="0.4",
    nodesep="0.25",
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
        gw = Traefik(
            f"Gateway {gateway['metadata']['name']}\n"
            f"listener {listener['name']} :{listener['port']}"
        )

    with group("application developer", kind="cluster"):
        with group(f"namespace {namespace_of(route)}", kind="namespace"):
            http_route = CRD(f"HTTPRoute {route['metadata']['name']}\n{hostname}")
        backends = []
        for ref in weighted["backendRefs"]:
            service = service_for(ref)
            deployment = deployment_for(service)
            name = service["metadata"]["name"]
            with group(f"namespace {namespace_of(service)}", kind="namespace"):
                svc = Service(f"{name}\nport {service['spec']['ports'][0]['port']}")
                pods = [
                    Pod(f"{deployment['metadata']['name']} Pod")
                    for _ in range(deployment["spec"].get("replicas", 1))
                ]
                if namespace_of(grant) == namespace_of(service):
                    granted = CRD(f"ReferenceGrant\n{grant['metadata']['name']}")
                    granted >> edge("grants", kind="control") >> svc
            backends.append((ref["weight"], svc, pods))

    gwc >> edge(kind="control") >> gw
    same_column(picture, gwc, gw)
    client >> edge(f":{listener['port']}") >> gw >> edge() >> http_route
    for weight, svc, pods in backends:
        http_route >> edge(f"weight {weight}") >> svc
        for pod in pods:
            svc >> edge() >> pod
