"""LoadBalancer: a cloud load balancer in front of the node port that every node opens."""

from _style import edge, find, group, manifests, page_diagram
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
# No nodePort in the manifest: Kubernetes allocates one, which the picture says in words.
node_port = port.get("nodePort", "allocated")

# Tighter ranks than the default keep the picture readable at the page's width.
with page_diagram(
    f"type: {service['spec']['type']}: one load balancer, a node port on every node",
    ranksep="0.5",
):
    with group("internet", kind="outside"):
        client = Client("client")
    # Managed clusters run the cloud controller manager on the provider's side.
    with group("cloud provider", kind="outside", direction="TB"):
        controller = CCM("cloud controller\nmanager")
        balancer = LoadBalancing(f"load balancer\nEXTERNAL-IP:{port['port']}")
    with group("cluster"):
        proxies, pods = [], []
        for index in (1, 2):
            with group(f"node-{index}", kind="node"):
                entry = Node(f"node-{index}\nnodePort ({node_port})")
                # kube-proxy on every node holds the Service's rules: draw the Service there.
                proxy = Service(f"Service {name}\nport {port['port']}")
                pod = Pod(f"{deployment['metadata']['name']} Pod\n:{port['targetPort']}")
                balancer >> edge("nodePort") >> entry >> edge() >> proxy
                proxy >> edge("targetPort") >> pod
            proxies.append(proxy)
            pods.append(pod)

    client >> edge(f"TCP {port['port']}") >> balancer
    # externalTrafficPolicy Cluster (the default) may pick a Pod on the other node.
    proxies[0] >> edge("or to node-2", constraint="false") >> pods[1]
    controller >> edge("provisions", kind="control") >> balancer
