"""Service mesh (Istio sidecar mode): a canary split decided in the caller's proxy, over mTLS.

The weights come from the canary VirtualService, the versions from the DestinationRule's
subsets, and Pod names and ports from the Deployments in docs/examples/service-mesh/.
istiod configures every sidecar and issues its certificate; requests never pass through it.
"""

from _style import edge, find, group, manifests, page_diagram
from diagrams.k8s.compute import Pod
from diagrams.onprem.network import Envoy, Istio

docs = manifests("service-mesh")
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


with page_diagram(
    f"Istio sidecar mode: {service['metadata']['name']} split by weight in the caller's proxy",
    direction="LR",
    ranksep="0.6",
    nodesep="0.35",
):
    with group(f"namespace {service['metadata']['namespace']} (meshed)", kind="mesh"):
        with group(f"{frontend['metadata']['name']} Pod", kind="node"):
            app = Pod(frontend["metadata"]["name"])
            client_proxy = Envoy("sidecar")
        app >> edge(f"{service['metadata']['name']}:{port}") >> client_proxy

        targets = []
        # Graphviz stacks the last-drawn group on top: reversed() puts the first subset there.
        for destination in reversed(canary["spec"]["http"][0]["route"]):
            deployment = deployment_with(subset_labels[destination["destination"]["subset"]])
            name = deployment["metadata"]["name"]
            with group(f"{name} Pod", kind="node"):
                proxy = Envoy("sidecar")
                workload = Pod(f"{name}\n:{container_port(deployment)}")
            proxy >> edge() >> workload
            targets.append((destination["weight"], destination["destination"]["subset"], proxy))

    with group("control plane", kind="cluster"):
        istiod = Istio("istiod")

    for weight, subset, proxy in targets:
        client_proxy >> edge(f"{weight} % subset {subset}\nmTLS") >> proxy
    # Configuration flows beside the requests: it must not pull the layout around.
    # One label for the three arrows, on the middle one, where it has room.
    proxies = [client_proxy, *(proxy for _, _, proxy in targets)]
    for proxy in proxies:
        label = "config, certificates" if proxy is proxies[1] else ""
        istiod >> edge(label, kind="control", constraint="false") >> proxy
