"""ClusterIP: reached from a client Pod in the cluster, and from a workstation via kubectl proxy.

The client Pod first asks CoreDNS for the name its `wget` uses (`web`, expanded through the
search list), then connects to the ClusterIP. The Service box is drawn outside the nodes on
purpose: a ClusterIP belongs to no machine. The API server proxy does not use the ClusterIP
either: it picks a ready endpoint of the Service and connects to that Pod directly.
"""

from _style import actor, edge, find, group, kube, manifests, page_diagram, pod
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
WGET_URL = f"http://{name}/hostname"

title = f"ClusterIP Service {name} in namespace {namespace}"
# Top to bottom: who asks (the client Pod, the workstation), who answers (CoreDNS, the API
# server), the two Services, and the Pods on their nodes.
with page_diagram(title, direction="TB", ranksep="0.5", nodesep="0.3"):
    with group("workstation", kind="outside"):
        workstation = actor(Client, "workstation", f"kubectl proxy\n{PROXY_ADDRESS}")

    with group("cluster"):
        with group("node-3", kind="node"):
            client = actor(Pod, "pod-client-node-3", "client Pod\n(busybox)")
        with group("kube-system", kind="namespace"):
            dns = actor(Coredns, "coredns", "CoreDNS")
        api = actor(APIServer, "api-server", "API server")
        svc = kube(Service, service, f"{name}\nClusterIP :{port['port']}")
        dns_only = kube(
            Service, headless, f"{headless_name}\nno ClusterIP, :{headless_port['port']}"
        )
        backends = []
        for index in (1, 2):
            node = f"node-{index}"
            with group(node, kind="node"):
                backends.append(
                    pod(Pod, deployment, node, f"{app} Pod\n:{container_port['containerPort']}")
                )

    # 1. Name resolution: CoreDNS answers from the Services it watches through the API server.
    client >> edge(f"1. DNS: {name}?", kind="request") >> dns
    dns >> edge("watches", kind="control") >> api
    # 2. The connection to the ClusterIP, translated to one Pod.
    client >> edge(f"2. wget {WGET_URL}", kind="request") >> svc
    for backend in backends:
        svc >> edge(kind="request") >> backend
    # The headless Service has no ClusterIP: CoreDNS answers its name with the Pod IPs.
    dns >> edge(f"{headless_name}?\n→ Pod IPs", kind="control") >> dns_only
    for backend in backends:
        dns_only >> edge(kind="control") >> backend
    # Then the client connects to the Pod IP it got: no Service, no translation on the way.
    (
        client
        >> edge(f"3. wget {headless_name}:{headless_port['port']}\n(Pod IP)", kind="request")
        >> backends[1]
    )
    # kubectl proxy: through the API server, straight to a Pod IP.
    workstation >> edge(kind="request") >> api
    api >> edge(".../proxy/", kind="request") >> backends[1]
