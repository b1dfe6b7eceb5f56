"""NodePort: the same ports open on every node; the traffic policy decides the path.

The Deployment's two replicas run on node-1 and node-2; node-3 runs none. Two Services share
them. web-nodeport keeps the default externalTrafficPolicy, Cluster (blue): every node accepts
the connection and SNATs it, even when it picks its own Pod, and node-3 forwards to another
node. web-local uses Local (green, the style for a path that keeps the client's source IP):
node-1 and node-2 deliver to their own Pod without SNAT, and node-3 drops the connection (red).
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
cluster_node_port, local_node_port = cluster_port["nodePort"], local_port["nodePort"]
app = deployment["metadata"]["name"]
replicas = deployment["spec"]["replicas"]
# Where the page's example cluster placed the replicas: one on each of the first nodes.
NODES = ("node-1", "node-2", "node-3")
NODES_WITH_POD = NODES[:replicas]


def node_label(name: str) -> str:
    """A node lists both node ports: each is open on every node, Pod or not."""
    return f"{name}\n:{cluster_node_port}  :{local_node_port}"


title = (
    f"Open on every node: {cluster_name} :{cluster_node_port} → {cluster_port['port']}"
    f" (policy Cluster), {local_name} :{local_node_port} → {local_port['port']} (policy Local)"
)
with page_diagram(title, direction="LR", ranksep="1.6", nodesep="0.3"):
    with group("outside the cluster", kind="outside"):
        client = Client("browser")
    entries, pods = {}, {}
    with group("cluster"):
        for name in NODES:  # created top-down in this layout
            has_pod = name in NODES_WITH_POD
            with group(name if has_pod else f"{name}: no {app} Pod", kind="node"):
                entries[name] = Node(node_label(name))
                if has_pod:
                    pods[name] = Pod(f"{app} Pod\n:{container_port['containerPort']}")

    # Cluster (default): a node with a Pod still SNATs; a node without one forwards and SNATs.
    client >> edge(f":{cluster_node_port}", kind="request") >> entries["node-1"]
    # It bends below the node-1 Local path, so that its label stays clear of the green line.
    (
        entries["node-1"]
        >> edge("SNAT + DNAT:\nPod sees node-1", kind="request", tailport="se", headport="sw")
        >> pods["node-1"]
    )
    client >> edge(f":{cluster_node_port}", kind="request") >> entries["node-3"]
    (
        entries["node-3"]
        >> edge("hop to node-2, SNAT + DNAT:\nPod sees node-3", kind="request")
        >> pods["node-2"]
    )
    # Local: only DNAT to the Pod on the same node, which sees the client's own IP.
    for name in NODES_WITH_POD:
        client >> edge(f":{local_node_port}", kind="source-kept") >> entries[name]
        entries[name] >> edge("DNAT only:\nclient IP kept", kind="source-kept") >> pods[name]
    # Local on a node without a Pod: dropped.
    client >> edge(f":{local_node_port} dropped", kind="dropped") >> entries["node-3"]
