"""MetalLB in layer 2 mode: one elected node answers ARP for the Service's address."""

from _style import edge, find, group, manifests, page_diagram
from diagrams.k8s.compute import Deploy, Pod
from diagrams.k8s.infra import Node
from diagrams.k8s.network import Service
from diagrams.k8s.others import CRD
from diagrams.onprem.client import Client

docs = manifests("metallb")
pool = find(docs, "IPAddressPool")
service = find(docs, "Service")
port = service["spec"]["ports"][0]
name = service["metadata"]["name"]
address = service["metadata"]["annotations"]["metallb.io/loadBalancerIPs"]
app = service["spec"]["selector"]["app"]
pool_label = ", ".join(pool["spec"]["addresses"])

# Tighter ranks than the default keep the picture readable at the page's width.
with page_diagram(f"MetalLB layer 2: node-1 answers ARP for {address}", ranksep="0.5"):
    with group("cluster"):
        with group("node-1", kind="node"):
            entry = Node("node-1\nelected speaker")
            # kube-proxy on the receiving node holds the Service's rules: draw it there.
            svc = Service(f"Service {name}\n{address}:{port['port']}")
            local_pod = Pod(f"{app} Pod\n:{port['targetPort']}")
        # The other speakers stand by; one of them takes the address over if node-1 fails.
        with group("node-2 (standby speaker)", kind="node"):
            remote_pod = Pod(f"{app} Pod\n:{port['targetPort']}")
        with group(pool["metadata"]["namespace"], kind="namespace"):
            addresses = CRD(f"IPAddressPool\n{pool['metadata']['name']}")
            controller = Deploy("MetalLB\ncontroller")

    with group("LAN", kind="outside"):
        client = Client("client on the LAN")

    client >> edge(f"TCP {address}:{port['port']}") >> entry >> edge() >> svc
    (
        entry
        >> edge(f"speaker: ARP reply\n{address} is here", kind="control", constraint="false")
        >> client
    )
    svc >> edge("targetPort") >> local_pod
    svc >> edge("targetPort") >> remote_pod
    addresses >> edge(pool_label, kind="control") >> controller
    controller >> edge("assigns", kind="control") >> svc
