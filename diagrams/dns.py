"""DNS in the cluster: what CoreDNS answers for each kind of Service, and where the rest goes.

A client Pod sends every query to the kube-dns Service address in its resolv.conf. CoreDNS
watches Services and EndpointSlices through the API server and answers cluster names from
memory: a ClusterIP Service with its virtual IP, the headless Service db with the ready Pods'
IPs (and each StatefulSet Pod under its own name), the ExternalName Service example with a
CNAME. Every other name goes to the upstream resolvers of the node CoreDNS runs on. Names,
ports, the Pod names and the CNAME target come from the manifests (web from the ClusterIP
page's); the addresses are the example cluster's, as in the page's outputs.
"""

from _style import actor, edge, find, group, kube, manifests, page_diagram, pod, same_column
from diagrams.k8s.compute import Pod
from diagrams.k8s.controlplane import APIServer
from diagrams.k8s.network import Service
from diagrams.onprem.dns import Coredns
from diagrams.onprem.network import Internet

docs = manifests("dns")
headless = find(docs, "Service", "db")
statefulset = find(docs, "StatefulSet", "db")
external = find(docs, "Service", "example")
# The ClusterIP Service the page queries is the one the ClusterIP page deploys.
web = find(manifests("clusterip"), "Service", "web")

namespace = headless["metadata"]["namespace"]
headless_port = headless["spec"]["ports"][0]["port"]
web_port = web["spec"]["ports"][0]["port"]
target = external["spec"]["externalName"]
replicas = [
    f"{statefulset['metadata']['name']}-{i}" for i in range(statefulset["spec"]["replicas"])
]
# The example cluster: the kube-dns Service address, web's ClusterIP and the db Pods' IPs.
DNS_IP = "10.96.0.10"
WEB_IP = "10.96.112.47"
POD_IP = {"db-0": "10.244.3.5", "db-1": "10.244.1.13"}

title = "What CoreDNS answers for a ClusterIP, a headless and an ExternalName Service"
with page_diagram(title, direction="TB", ranksep="0.55", nodesep="0.35") as diagram:
    diagram.dot.graph_attr["newrank"] = "true"
    with group("outside the cluster", kind="outside", label_at="bottom"):
        upstream = actor(Internet, "upstream-dns", "upstream DNS")
    with group("cluster"):
        client = actor(Pod, "client", f"dns-client\n{namespace}")
        api = actor(APIServer, "apiserver", "API server")
        coredns = actor(Coredns, "coredns", f"CoreDNS\nkube-system\n{DNS_IP}")
        web_node = actor(Service, "service-web", f"{web['metadata']['name']}\nport {web_port}")
        db = kube(Service, headless, f"{headless['metadata']['name']}\nport {headless_port}")
        alias = kube(Service, external, f"{external['metadata']['name']}\n{target}")
        pods = [pod(Pod, statefulset, name, f"{name}\n{POD_IP[name]}") for name in replicas]

    same_column(diagram, client, api)
    same_column(diagram, coredns, upstream)
    same_column(diagram, web_node, db, alias)

    client >> edge("query", kind="request") >> coredns
    api << edge("watches", kind="control") << coredns
    coredns >> edge("other names", kind="request") >> upstream
    coredns >> edge(f"A {WEB_IP}", kind="return") >> web_node
    coredns >> edge("A, SRV", kind="return") >> db
    coredns >> edge("CNAME", kind="return") >> alias
    for replica in pods:
        db >> edge(kind="return") >> replica
