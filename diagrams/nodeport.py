"""NodePort: the same port opens on every node; where the Pod runs decides the path.

Two Services share one Pod on node-2. With externalTrafficPolicy Cluster (the default) node-1
forwards to node-2 and SNATs, so the Pod sees a node IP; with Local, node-1 has no local
endpoint and drops the connection, while node-2 delivers it with the client's IP intact.
"""

from _style import edge, find, group, manifests, page_diagram
from diagrams.k8s.compute import Pod
from diagrams.k8s.infra import Node
from diagrams.onprem.client import Client

docs = manifests("nodeport")
cluster_svc = find(docs, "Service", "web-nodeport")
local_svc = find(docs, "Service", "web-local")
deployment = find(docs, "Deployment", "web")


def ports_of(service: dict) -> dict:
    return service["spec"]["ports"][0]


cluster_port, local_port = ports_of(cluster_svc), ports_of(local_svc)
container_port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
cluster_name, local_name = cluster_svc["metadata"]["name"], local_svc["metadata"]["name"]


def node_label() -> str:
    """A node lists both node ports: each is open on every node, Pod or not."""
    return (
        f"node IP\n:{cluster_port['nodePort']} → {cluster_name}:{cluster_port['port']}"
        f"\n:{local_port['nodePort']} → {local_name}:{local_port['port']}"
    )


with page_diagram("One NodePort, every node", direction="LR", ranksep="0.5", nodesep="0.5"):
    with group("outside the cluster", kind="outside"):
        client = Client("browser")
    with group("cluster"):
        with group("node-1 (no web Pod)", kind="node"):
            node_1 = Node(node_label())
        with group("node-2", kind="node"):
            node_2 = Node(node_label())
            pod = Pod(f"{deployment['metadata']['name']} Pod\n:{container_port['containerPort']}")

    client >> edge(f":{cluster_port['nodePort']}", kind="request") >> node_1
    node_1 >> edge("hop to node-2\nSNAT + DNAT\n(Pod sees node-1 IP)", kind="request") >> pod
    client >> edge(f":{local_port['nodePort']} dropped", kind="dropped") >> node_1
    (
        client
        >> edge(f":{cluster_port['nodePort']} or :{local_port['nodePort']}", kind="request")
        >> node_2
    )
    node_2 >> edge("DNAT\n(client IP kept\nwith Local)", kind="request") >> pod
