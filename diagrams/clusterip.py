"""ClusterIP: reached from a client Pod in the cluster, and from a workstation via kubectl proxy.

The Service box is drawn outside the nodes on purpose: a ClusterIP belongs to no machine.
The API server proxy does not use the ClusterIP either: it picks a ready endpoint of the
Service and connects to that Pod directly, which is what the purple and blue edges show.
"""

from _style import edge, find, group, manifests, page_diagram
from diagrams.k8s.compute import Pod
from diagrams.k8s.controlplane import APIServer
from diagrams.k8s.network import Service
from diagrams.onprem.client import Client

docs = manifests("clusterip")
service = find(docs, "Service", "web")
headless = find(docs, "Service", "web-headless")
deployment = find(docs, "Deployment", "web")

namespace = service["metadata"]["namespace"]
port = service["spec"]["ports"][0]
headless_port = headless["spec"]["ports"][0]
container_port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
app = deployment["metadata"]["name"]
# Where the reader runs `kubectl proxy` and the throwaway Pod of the page's `kubectl run`.
PROXY_ADDRESS = "127.0.0.1:8001"
CLIENT_POD = "client (busybox)"

title = f"ClusterIP Service {service['metadata']['name']}.{namespace}"
with page_diagram(title, direction="LR", ranksep="0.5", nodesep="0.3"):
    with group("workstation", kind="outside"):
        workstation = Client(f"kubectl proxy\n{PROXY_ADDRESS}")

    with group(f"cluster (namespace {namespace})"):
        api = APIServer("API server")
        with group("node-1", kind="node"):
            client = Pod(CLIENT_POD)
        dns_only = Service(
            f"{headless['metadata']['name']}\nclusterIP: None, port {headless_port['port']}"
        )
        svc = Service(f"{service['metadata']['name']}\nClusterIP, port {port['port']}")
        backends = []
        for index in (3, 2):  # created bottom-up, so node-2 is drawn above node-3
            with group(f"node-{index}", kind="node"):
                backends.append(Pod(f"{app} Pod\n:{container_port['containerPort']}"))

    workstation >> edge(kind="request") >> api
    api >> edge("reads endpoints", kind="control") >> svc
    api >> edge(".../proxy/ to a Pod IP", kind="request") >> backends[0]
    client >> edge(f"wget :{port['port']}", kind="request") >> svc
    for backend in backends:
        svc >> edge(kind="request") >> backend
    client >> edge("DNS: Pod IPs", kind="control") >> dns_only
    for backend in backends:
        dns_only >> edge(kind="control", tailport="e", headport="w") >> backend
