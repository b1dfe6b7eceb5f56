"""Pod network: one Pod talks to a Pod on its own node, to a Pod on another node, and outside.

net-debug and echo-node-1 share node-1's bridge, so their packets never leave the node. The
packet to echo-node-2 follows node-1's route for node-2's Pod range into the VXLAN device,
which wraps it in UDP between the two node addresses; node-2 unwraps it and delivers it with
both Pod addresses untouched. Traffic to an address outside the Pod network leaves through
eth0 and is masqueraded (SNAT) to node-1's own address. Pod names, ports and nodes come from
the manifests; the addresses are the example cluster's (Flannel in VXLAN mode), as in the
page's outputs.

Pods sit on top and the node plumbing below, so some arrows point up: they are declared
target-first with `<<`, which keeps the ranks and turns the arrowhead around.
"""

from urllib.parse import urlsplit

from _style import (
    actor,
    edge,
    example_cluster,
    find,
    group,
    kube,
    manifests,
    page_diagram,
    same_column,
)
from diagrams.generic.network import Router, Switch
from diagrams.k8s.compute import Pod
from diagrams.onprem.client import Client

docs = manifests("pod-network")
debug = find(docs, "Pod", "net-debug")
echo_1 = find(docs, "Pod", "echo-node-1")
echo_2 = find(docs, "Pod", "echo-node-2")


def node_of(pod: dict) -> str:
    return pod["spec"]["nodeSelector"]["kubernetes.io/hostname"]


# The example cluster of the page's outputs and walks (walk-topology.yml): node and Pod
# addresses, the bridges' addresses, Flannel's devices and VXLAN port, and the host outside
# the cluster that the egress walk calls.
cluster = example_cluster("pod-network")
cni = cluster["cni"]
NODE_IP = {name: node["ip"] for name, node in cluster["nodes"].items()}
POD_RANGE = {name: node["pod_cidr"] for name, node in cluster["nodes"].items()}
BRIDGE_IP = {name: node["bridge_address"] for name, node in cluster["nodes"].items()}
POD_IP = {entry["of"].removeprefix("Pod/"): entry["ip"] for entry in cluster["pods"]}
VXLAN_PORT = cni["vxlan_port"]
egress_to = urlsplit(cluster["walks"]["egress"]["to"])
OUTSIDE = f"{egress_to.hostname}:{egress_to.port}"

node_a, node_b = node_of(debug), node_of(echo_2)
assert node_of(echo_1) == node_a != node_b, "the page pins net-debug and echo-node-1 together"


def pod_node(manifest: dict) -> Pod:
    """A Pod with its address, and the port it serves on when it declares one."""
    name = manifest["metadata"]["name"]
    ports = manifest["spec"]["containers"][0].get("ports")
    where = f"{POD_IP[name]}:{ports[0]['containerPort']}" if ports else POD_IP[name]
    return kube(Pod, manifest, f"{name}\n{where}")


def bridge(node: str) -> Switch:
    return actor(Switch, f"bridge-{node}", f"{cni['bridge']}\n{BRIDGE_IP[node]}")


def tunnel(node: str) -> Router:
    """The node's way out: the VXLAN device and eth0, one box (the walks' tunnel and uplink)."""
    return actor(Router, f"tunnel-{node}", f"{cni['tunnel_device']}, eth0\n{NODE_IP[node]}")


title = "Pod to Pod without NAT, on one node and across two; Pod to outside with SNAT"
with page_diagram(title, direction="TB", ranksep="0.55", nodesep="0.3") as diagram:
    diagram.dot.graph_attr["newrank"] = "true"
    with group("cluster"):
        # Created right to left: Graphviz then draws node-1 on the left, node-2 on the right.
        with group(f"{node_b}: {POD_RANGE[node_b]}", kind="node"):
            far = pod_node(echo_2)
            bridge_b = bridge(node_b)
            tunnel_b = tunnel(node_b)
        with group(f"{node_a}: {POD_RANGE[node_a]}", kind="node"):
            near = pod_node(echo_1)
            client = pod_node(debug)
            bridge_a = bridge(node_a)
            tunnel_a = tunnel(node_a)
    with group("outside the cluster", kind="outside", label_at="bottom"):
        outside = actor(Client, "server", OUTSIDE)

    same_column(diagram, client, near, far)
    same_column(diagram, bridge_a, bridge_b)
    same_column(diagram, tunnel_a, tunnel_b)

    # Same node: through the veth pairs and the bridge, addresses untouched.
    client >> edge("veth", kind="request") >> bridge_a
    near << edge(kind="request") << bridge_a
    # Across nodes: the route for node-2's range points at the VXLAN device.
    bridge_a >> edge(f"route to\n{POD_RANGE[node_b]}", kind="request") >> tunnel_a
    tunnel_a >> edge(f"VXLAN\nUDP {VXLAN_PORT}", kind="request") >> tunnel_b
    bridge_b << edge("unwrapped", kind="request") << tunnel_b
    far << edge(f"source\n{POD_IP['net-debug']}", kind="request") << bridge_b
    # Outside the Pod network: masqueraded to the node's own address.
    tunnel_a >> edge(f"SNAT to\n{NODE_IP[node_a]}", kind="request") >> outside
