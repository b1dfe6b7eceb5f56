"""Service mesh (Istio sidecar mode): a canary split decided in the caller's proxy, over mTLS.

The weights come from the canary VirtualService, the versions from the DestinationRule's
subsets, and Pod names and ports from the Deployments in docs/examples/service-mesh/.
istiod configures every sidecar and issues its certificate; requests never pass through it.
"""

from _style import actor, edge, find, group, manifests, page_diagram, placement, pod
from diagrams.k8s.compute import Pod
from diagrams.onprem.network import Envoy, Istio

docs = manifests("service-mesh")
cluster = placement("service-mesh")


def node_of(deployment: dict) -> str:
    """The node the page's example cluster runs the Deployment's (one) Pod on."""
    found = cluster.get(f"Deployment/{deployment['metadata']['name']}") or ["1"]
    return found[0]


rule = find(docs, "DestinationRule", "reviews")
service = find(docs, "Service", "reviews")
port = service["spec"]["ports"][0]["port"]
frontend = find(docs, "Deployment", "frontend")
# Two VirtualServices share the name "reviews" (canary and A/B): draw the weighted one.
canary = next(
    d
    for d in docs
    if d["kind"] == "VirtualService"
    and all("weight" in dest for route in d["spec"]["http"] for dest in route["route"])
)
subset_labels = {subset["name"]: subset["labels"] for subset in rule["spec"]["subsets"]}


def deployment_with(labels: dict) -> dict:
    """The Deployment whose Pods carry all of `labels` (a subset selects Pods this way)."""
    return next(
        d
        for d in docs
        if d["kind"] == "Deployment"
        and labels.items() <= d["spec"]["template"]["metadata"]["labels"].items()
    )


def container_port(deployment: dict) -> int:
    return deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]


# Top to bottom: the frontend Pod (app and sidecar), the two reviews Pods the sidecar splits
# between, and istiod beside them, configuring every sidecar.
with page_diagram(
    f"Istio sidecar mode: {service['metadata']['name']} split by weight in the caller's proxy",
    direction="TB",
    ranksep="0.5",
    nodesep="0.3",
):
    with group("control plane", kind="cluster"):
        istiod = actor(Istio, "istiod", "istiod")

    with group(f"namespace {service['metadata']['namespace']} (meshed)", kind="mesh"):
        frontend_name = frontend["metadata"]["name"]
        with group(f"{frontend_name} Pod", kind="node"):
            where = node_of(frontend)
            app = pod(Pod, frontend, where, frontend_name)
            client_proxy = actor(Envoy, f"sidecar-{frontend_name}-{where}", "sidecar")
        app >> edge(f"{service['metadata']['name']}:{port}") >> client_proxy

        targets = []
        for destination in canary["spec"]["http"][0]["route"]:
            deployment = deployment_with(subset_labels[destination["destination"]["subset"]])
            name = deployment["metadata"]["name"]
            with group(f"{name} Pod", kind="node"):
                where = node_of(deployment)
                proxy = actor(Envoy, f"sidecar-{name}-{where}", "sidecar")
                workload = pod(Pod, deployment, where, f"{name}\n:{container_port(deployment)}")
            proxy >> edge() >> workload
            targets.append((destination["weight"], destination["destination"]["subset"], proxy))

        # The intruder comes from `kubectl create deployment intruder` on the page, not from a
        # manifest: drawn as a plain actor. Its sidecar presents the intruder's own identity.
        with group("intruder Pod", kind="node"):
            intruder_where = "node-1"  # where walk-topology.yml places it
            intruder = actor(Pod, f"pod-intruder-{intruder_where}", "intruder\n(curl)")
            intruder_proxy = actor(Envoy, f"sidecar-intruder-{intruder_where}", "sidecar")
        intruder >> edge(f"{service['metadata']['name']}:{port}") >> intruder_proxy
    for weight, subset, proxy in targets:
        client_proxy >> edge(f"{weight} %, {subset}\nmTLS") >> proxy
    # With the access policy applied, the reviews sidecar refuses the intruder's identity.
    intruder_proxy >> edge("refused: 403", kind="dropped") >> targets[0][2]
    # Configuration flows beside the requests: it must not pull the layout around.
    # One label for the three arrows, on the first one.
    proxies = [client_proxy, *(proxy for _, _, proxy in targets)]
    for proxy in proxies:
        first = proxy is proxies[0]
        label = "config, certificates" if first else ""
        istiod >> edge(label, kind="control", constraint="true" if first else "false") >> proxy
