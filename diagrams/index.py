"""Home page overview: the layers a request from the internet crosses to reach a Pod.

A map, not an example: it draws layer names only (no object names or ports), so it reads
no manifests.
"""

from _style import edge, group, page_diagram
from diagrams.generic.network import Router
from diagrams.k8s.compute import Pod
from diagrams.k8s.infra import Node
from diagrams.k8s.network import Ingress, Service
from diagrams.onprem.client import Client
from diagrams.onprem.network import Envoy


def same_column(diagram, *nodes) -> None:
    """Stack nodes in one column (one rank): keeps the picture narrow enough to read."""
    ids = "; ".join(f'"{node.nodeid}"' for node in nodes)
    diagram.dot.body.append(f"{{rank=same; {ids}}}")


with page_diagram(
    "How a request reaches a Pod, layer by layer",
    direction="LR",
    ranksep="0.5",
    nodesep="0.3",
    newrank="true",
) as picture:
    provider = group("cloud or MetalLB", kind="outside")
    provider.dot.graph_attr["labelloc"] = "b"  # the client's arrow enters from the top
    with provider:
        balancer = Router("LoadBalancer\nexternal IP")
    client = Client("internet client")

    with group("cluster", kind="cluster"):
        node_ports = []
        for index in (1, 2):
            with group(f"node-{index}", kind="node"):
                node_ports.append(Node("NodePort"))
        controller = Ingress("Ingress or\nGateway controller")
        service = Service("Service\nClusterIP")
        with group("Pod (meshed)", kind="mesh"):
            sidecar = Envoy("mesh sidecar")
            app = Pod("app container")

    client >> edge() >> balancer
    for node_port in node_ports:
        balancer >> edge() >> node_port >> edge() >> controller
    controller >> edge("host, path") >> service >> edge() >> sidecar >> edge() >> app
    same_column(picture, client, balancer)
    same_column(picture, sidecar, app)
