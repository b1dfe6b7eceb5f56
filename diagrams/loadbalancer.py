"""LoadBalancer: a cloud load balancer in front of the node port that every node opens.

The example cluster of the Service pages: the two replicas run on node-1 and node-2, node-3
runs none. With the default externalTrafficPolicy, Cluster, the load balancer sends to every
node, and node-3 forwards to a Pod on another node with SNAT, so no path keeps the client's
address (the green style is not used here; the NodePort picture shows the Local policy).
"""

from _style import actor, edge, find, group, kube, manifests, page_diagram, pod
from diagrams.gcp.network import LoadBalancing
from diagrams.k8s.compute import Pod
from diagrams.k8s.controlplane import CCM
from diagrams.k8s.infra import Node
from diagrams.k8s.network import Service
from diagrams.onprem.client import Client

docs = manifests("loadbalancer")
service = find(docs, "Service")
deployment = find(docs, "Deployment")
port = service["spec"]["ports"][0]
name = service["metadata"]["name"]
app = deployment["metadata"]["name"]
replicas = deployment["spec"]["replicas"]
# No nodePort in the manifest: Kubernetes allocates one, which the picture says in words.
node_port = port.get("nodePort", "allocated")
# Where the page's example cluster placed the replicas: one on each of the first nodes.
NODES = ("node-1", "node-2", "node-3")
NODES_WITH_POD = NODES[:replicas]

title = f"type: {service['spec']['type']}: one load balancer, a node port on every node"
# Top to bottom: the client, the cloud's load balancer, the three nodes, their Pods.
with page_diagram(title, direction="TB", ranksep="0.5", nodesep="0.3"):
    with group("internet", kind="outside"):
        client = actor(Client, "client", "client")
    # Managed clusters run the cloud controller manager on the provider's side.
    with group("cloud provider", kind="outside"):
        balancer = actor(
            LoadBalancing, "load-balancer", f"load balancer\nEXTERNAL-IP:{port['port']}"
        )
        controller = actor(CCM, "cloud-controller-manager", "cloud controller\nmanager")
    entries, pods = {}, {}
    with group("cluster"):
        svc = kube(Service, service, f"{name}\n:{port['port']}, nodePort\n{node_port}")
        for node in NODES:
            has_pod = node in NODES_WITH_POD
            with group(node if has_pod else f"{node} (no Pod)", kind="node"):
                # kube-proxy on every node holds the Service's rules for the node port.
                entries[node] = actor(Node, node, "node port")
                if has_pod:
                    pods[node] = pod(Pod, deployment, node, f"{app} Pod\n:{port['targetPort']}")

    client >> edge(f"TCP {port['port']}") >> balancer
    controller >> edge("provisions", kind="control", constraint="false") >> balancer
    svc >> edge("watched by", kind="control") >> controller
    for node in NODES:
        balancer >> edge() >> entries[node]
    for node in NODES_WITH_POD:
        entries[node] >> edge("targetPort") >> pods[node]
    # externalTrafficPolicy Cluster (the default): node-3 forwards to another node and SNATs.
    entries["node-3"] >> edge("SNAT + DNAT") >> pods["node-2"]
