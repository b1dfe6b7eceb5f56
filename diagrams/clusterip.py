"""ClusterIP: reached from a client Pod in the cluster, and from a workstation via kubectl proxy.

The client Pod first asks CoreDNS for the name its `wget` uses (`web`, expanded through the
search list), then connects to the ClusterIP. The Service box is drawn outside the nodes on
purpose: a ClusterIP belongs to no machine. The API server proxy does not use the ClusterIP
either: it picks a ready endpoint of the Service and connects to that Pod directly.
"""

from _style import edge, find, group, manifests, page_diagram
from diagrams.k8s.compute import Pod
from diagrams.k8s.controlplane import APIServer
from diagrams.k8s.network import Service
from diagrams.onprem.client import Client
from diagrams.onprem.dns import Coredns

docs = manifests("clusterip")
service = find(docs, "Service", "web")
headless = find(docs, "Service", "web-headless")
deployment = find(docs, "Deployment", "web")

namespace = service["metadata"]["namespace"]
name = service["metadata"]["name"]
headless_name = headless["metadata"]["name"]
port = service["spec"]["ports"][0]
headless_port = headless["spec"]["ports"][0]
container_port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
app = deployment["metadata"]["name"]
# What the page's commands use: `kubectl proxy` on its default address, the throwaway Pod of
# `kubectl run client`, and `wget http://web/hostname` (the Service's short name, port 80).
PROXY_ADDRESS = "127.0.0.1:8001"
CLIENT_POD = "client (busybox)"
WGET_URL = f"http://{name}/hostname"

title = f"ClusterIP Service {name} in namespace {namespace}"
with page_diagram(title, direction="LR", ranksep="0.6", nodesep="0.35"):
    with group("workstation", kind="outside"):
        workstation = Client(f"kubectl proxy\n{PROXY_ADDRESS}")

    with group("cluster"):
        api = APIServer("API server")
        with group("kube-system", kind="namespace"):
            dns = Coredns("CoreDNS")
        with group("node-3", kind="node"):
            client = Pod(CLIENT_POD)
        svc = Service(f"{name}\nClusterIP, port {port['port']}")
        dns_only = Service(f"{headless_name}\nclusterIP: None, port {headless_port['port']}")
        backends = []
        for index in (2, 1):  # created bottom-up, so node-1 is drawn above node-2
            with group(f"node-{index}", kind="node"):
                backends.append(Pod(f"{app} Pod\n:{container_port['containerPort']}"))

    # 1. Name resolution: CoreDNS answers from the Services it watches through the API server.
    client >> edge(f"1. DNS: {name}?\n→ ClusterIP", kind="request") >> dns
    dns >> edge("watches Services,\nEndpointSlices", kind="control") >> api
    # 2. The connection to the ClusterIP, translated to one Pod.
    client >> edge(f"2. wget {WGET_URL}\n(port {port['port']})", kind="request") >> svc
    for backend in backends:
        svc >> edge(kind="request") >> backend
    # The headless Service has no ClusterIP: CoreDNS answers its name with the Pod IPs.
    dns >> edge(f"{headless_name}?\n→ Pod IPs", kind="control") >> dns_only
    for backend in backends:
        dns_only >> edge(kind="control", tailport="e", headport="w") >> backend
    # kubectl proxy: through the API server, straight to a Pod IP.
    workstation >> edge(kind="request") >> api
    api >> edge("reads endpoints", kind="control") >> svc
    api >> edge(".../proxy/ to a Pod IP", kind="request") >> backends[1]
