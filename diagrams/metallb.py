"""MetalLB in layer 2 mode: one elected node answers ARP for the Service's address."""

from _style import actor, edge, find, group, kube, manifests, page_diagram, same_column
from diagrams.k8s.compute import Deploy, Pod
from diagrams.k8s.infra import Node
from diagrams.k8s.network import Service
from diagrams.k8s.others import CRD
from diagrams.onprem.client import Client

docs = manifests("metallb")
pool = find(docs, "IPAddressPool")
advertisement = find(docs, "L2Advertisement")
service = find(docs, "Service")
port = service["spec"]["ports"][0]
name = service["metadata"]["name"]
address = service["metadata"]["annotations"]["metallb.io/loadBalancerIPs"]
app = service["spec"]["selector"]["app"]
pool_label = "\n".join(pool["spec"]["addresses"])

# Top to bottom: the client on the LAN, the elected node, the Pods; MetalLB's objects beside.
with page_diagram(
    f"MetalLB layer 2: node-1 answers ARP for {address}",
    direction="TB",
    ranksep="0.45",
    nodesep="0.3",
    newrank="true",
) as picture:
    with group("LAN", kind="outside"):
        client = actor(Client, "client", "client on the LAN")
    with group("cluster"):
        with group("node-1", kind="node"):
            entry = actor(Node, "node-1", "node-1\nelected speaker")
            # kube-proxy on the receiving node holds the Service's rules: draw it there.
            svc = kube(Service, service, f"{name}\n{address}:{port['port']}")
            local_pod = actor(Pod, f"pod-{app}-node-1", f"{app} Pod\n:{port['targetPort']}")
        # The other speakers stand by; one of them takes the address over if node-1 fails.
        with group("node-2 (standby)", kind="node"):
            remote_pod = actor(Pod, f"pod-{app}-node-2", f"{app} Pod\n:{port['targetPort']}")
        with group(pool["metadata"]["namespace"], kind="namespace"):
            addresses = kube(CRD, pool, f"IPAddressPool {pool['metadata']['name']}\n{pool_label}")
            announce = kube(
                CRD, advertisement, f"L2Advertisement\n{advertisement['metadata']['name']}"
            )
            controller = actor(Deploy, "metallb-controller", "MetalLB\ncontroller")

    client >> edge(f"TCP {address}:{port['port']}") >> entry >> edge() >> svc
    (entry >> edge("ARP reply", kind="control", constraint="false") >> client)
    svc >> edge("targetPort") >> local_pod
    svc >> edge("targetPort") >> remote_pod
    addresses >> edge(kind="control") >> controller
    # The L2Advertisement (drawn below the controller) lets the speakers announce the pool's
    # addresses; node-1's label says which speaker won. No arrow: it would cross the picture.
    controller >> edge("assigns", kind="control", constraint="false") >> svc
    # MetalLB's objects in a column beside the path: the picture stays narrow.
    same_column(picture, entry, addresses)
    same_column(picture, svc, controller)
    same_column(picture, local_pod, announce)
