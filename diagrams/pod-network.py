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

from _style import actor, edge, find, group, kube, manifests, page_diagram, same_column
from diagrams.generic.network import Router, Switch
from diagrams.k8s.compute import Pod
from diagrams.onprem.client import Client

docs = manifests("pod-network")
debug = find(docs, "Pod", "net-debug")
echo_1 = find(docs, "Pod", "echo-node-1")
echo_2 = find(docs, "Pod", "echo-node-2")


def node_of(pod: dict) -> str:
    return pod["spec"]["nodeSelector"]["kubernetes.io/hostname"]


# The example cluster of the page's outputs: node addresses, Pod addresses, the bridges'
# gateway addresses, Flannel's VXLAN port (the Linux kernel's default, 8472) and the host
# outside the cluster that the page's egress test calls.
NODE_IP = {"node-1": "192.168.1.11", "node-2": "192.168.1.12"}
POD_IP = {"net-debug": "10.244.1.14", "echo-node-1": "10.244.1.15", "echo-node-2": "10.244.2.7"}
POD_RANGE = {"node-1": "10.244.1.0/24", "node-2": "10.244.2.0/24"}
BRIDGE_IP = {"node-1": "10.244.1.1", "node-2": "10.244.2.1"}
VXLAN_PORT = 8472
OUTSIDE = "192.168.1.50:8000"

node_a, node_b = node_of(debug), node_of(echo_2)
assert node_of(echo_1) == node_a != node_b, "the page pins net-debug and echo-node-1 together"


def pod_node(manifest: dict) -> Pod:
    """A Pod with its address, and the port it serves on when it declares one."""
    name = manifest["metadata"]["name"]
    ports = manifest["spec"]["containers"][0].get("ports")
    where = f"{POD_IP[name]}:{ports[0]['containerPort']}" if ports else POD_IP[name]
    return kube(Pod, manifest, f"{name}\n{where}")


def bridge(node: str) -> Switch:
    return actor(Switch, f"cni0-{node}", f"cni0\n{BRIDGE_IP[node]}")


def tunnel(node: str) -> Router:
    return actor(Router, f"flannel-{node}", f"flannel.1, eth0\n{NODE_IP[node]}")


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
        outside = actor(Client, "outside", OUTSIDE)

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
