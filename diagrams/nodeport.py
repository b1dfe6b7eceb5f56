"""NodePort: the same ports open on every node; the traffic policy decides the path.

The Deployment's two replicas run on node-1 and node-2; node-3 runs none. Two Services share
them. web-nodeport keeps the default externalTrafficPolicy, Cluster (blue): every node accepts
the connection and SNATs it, even when it picks its own Pod, and node-3 forwards to another
node. web-local uses Local (green, the style for a path that keeps the client's source IP):
node-1 and node-2 deliver to their own Pod without SNAT, and node-3 drops the connection (red).
Drawn top to bottom for the page column: the client, the three nodes, their Pods, and below
them the two Services whose rules every node holds.
"""

from _style import actor, edge, find, group, kube, manifests, page_diagram, pod
from diagrams.k8s.compute import Pod
from diagrams.k8s.infra import Node
from diagrams.k8s.network import Service
from diagrams.onprem.client import Client

docs = manifests("nodeport")
cluster_svc = find(docs, "Service", "web-nodeport")
local_svc = find(docs, "Service", "web-local")
deployment = find(docs, "Deployment", "web")


def ports_of(service: dict) -> dict:
    return service["spec"]["ports"][0]


cluster_port, local_port = ports_of(cluster_svc), ports_of(local_svc)
container_port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
cluster_node_port, local_node_port = cluster_port["nodePort"], local_port["nodePort"]
app = deployment["metadata"]["name"]
replicas = deployment["spec"]["replicas"]
# Where the page's example cluster placed the replicas: one on each of the first nodes.
NODES = ("node-1", "node-2", "node-3")
NODES_WITH_POD = NODES[:replicas]


def service_label(service: dict, policy: str) -> str:
    port = ports_of(service)
    return f"{service['metadata']['name']}\n:{port['nodePort']} → {port['port']}\n{policy}"


title = (
    f"NodePort: {cluster_svc['metadata']['name']} :{cluster_node_port} (policy Cluster) and "
    f"{local_svc['metadata']['name']} :{local_node_port} (policy Local) on every node"
)
with page_diagram(title, direction="TB", ranksep="0.55", nodesep="0.3"):
    with group("outside the cluster", kind="outside"):
        client = actor(Client, "client", "browser")
    entries, pods = {}, {}
    with group("cluster"):
        for name in NODES:
            has_pod = name in NODES_WITH_POD
            with group(name if has_pod else f"{name} (no Pod)", kind="node"):
                # A node lists both node ports: each is open on every node, Pod or not.
                entries[name] = actor(Node, name, f":{cluster_node_port}  :{local_node_port}")
                if has_pod:
                    pods[name] = pod(
                        Pod, deployment, name, f"{app} Pod\n:{container_port['containerPort']}"
                    )
        services = [
            kube(Service, cluster_svc, service_label(cluster_svc, "Cluster")),
            kube(Service, local_svc, service_label(local_svc, "Local")),
        ]

    # Cluster (default): a node with a Pod still SNATs; a node without one forwards and SNATs.
    client >> edge(f":{cluster_node_port}", kind="request") >> entries["node-1"]
    entries["node-1"] >> edge("SNAT", kind="request") >> pods["node-1"]
    client >> edge(f":{cluster_node_port}", kind="request") >> entries["node-3"]
    entries["node-3"] >> edge("SNAT", kind="request") >> pods["node-2"]
    # Local: only DNAT to the Pod on the same node, which sees the client's own IP.
    for name in NODES_WITH_POD:
        client >> edge(f":{local_node_port}", kind="source-kept") >> entries[name]
        entries[name] >> edge("no SNAT", kind="source-kept") >> pods[name]
    # Local on a node without a Pod: dropped.
    client >> edge(f":{local_node_port}", kind="dropped") >> entries["node-3"]
    # The Services sit below the Pods: kube-proxy on every node holds their rules.
    for service in services:
        pods["node-2"] >> edge(style="invis") >> service
