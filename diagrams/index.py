"""Home page overview: the layers a request from the internet crosses to reach a Pod.

A map, not an example: it draws layer names only (no object names or ports), so it reads
no manifests.
"""

from _style import edge, group, page_diagram, same_column
from diagrams.generic.network import Router
from diagrams.k8s.compute import Pod
from diagrams.k8s.infra import Node
from diagrams.k8s.network import Ingress, Service
from diagrams.onprem.client import Client
from diagrams.onprem.network import Envoy

with page_diagram(
    "How a request reaches a Pod, layer by layer",
    direction="LR",
    ranksep="0.5",
    nodesep="0.3",
    newrank="true",
) as picture:
    # The client's arrow enters from the top: keep the label out of its way.
    provider = group("cloud or MetalLB", kind="outside", label_at="bottom")
    with provider:
        balancer = Router("LoadBalancer\nexternal IP")
    client = Client("internet client")

    with group("cluster", kind="cluster"):
        node_ports = []
        for index in (1, 2):
            with group(f"node-{index}", kind="node"):
                node_ports.append(Node("NodePort"))
        controller = Ingress("Ingress or\nGateway controller")
        service = Service("Service\n(EndpointSlices)")
        with group("Pod (meshed)", kind="mesh"):
            sidecar = Envoy("mesh sidecar")
            app = Pod("app container")

    client >> edge() >> balancer
    for node_port in node_ports:
        balancer >> edge() >> node_port >> edge() >> controller
    # The controller reads the Service's EndpointSlices and sends the request straight to a
    # Pod IP; the Service's ClusterIP is not on this path.
    controller >> edge("reads EndpointSlices", kind="control") >> service
    controller >> edge("host, path\nto a Pod IP") >> sidecar >> edge() >> app
    same_column(picture, client, balancer)
    same_column(picture, sidecar, app)
