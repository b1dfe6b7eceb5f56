"""Home page overview: the layers a request from the internet crosses to reach a Pod.

A map, not an example: it draws layer names only (no object names or ports), so it reads
no manifests.
"""

from _style import actor, edge, group, page_diagram, same_column
from diagrams.generic.network import Router
from diagrams.k8s.compute import Pod
from diagrams.k8s.infra import Node
from diagrams.k8s.network import Ingress, Service
from diagrams.onprem.client import Client
from diagrams.onprem.network import Envoy

with page_diagram(
    "How a request reaches a Pod, layer by layer",
    direction="TB",
    ranksep="0.45",
    nodesep="0.3",
    newrank="true",
) as picture:
    client = actor(Client, "client", "internet client")
    with group("cloud or MetalLB", kind="outside"):
        balancer = actor(Router, "load-balancer", "LoadBalancer\nexternal IP")

    with group("cluster", kind="cluster"):
        node_ports = []
        for index in (1, 2):
            with group(f"node-{index}", kind="node"):
                node_ports.append(actor(Node, f"node-{index}", "NodePort"))
        controller = actor(Ingress, "controller", "Ingress or\nGateway controller")
        service = actor(Service, "service", "Service\n(EndpointSlices)")
        with group("Pod (meshed)", kind="mesh"):
            sidecar = actor(Envoy, "sidecar", "mesh sidecar")
            app = actor(Pod, "app", "app container")

    client >> edge() >> balancer
    for node_port in node_ports:
        balancer >> edge() >> node_port >> edge() >> controller
    # The controller reads the Service's EndpointSlices and sends the request straight to a
    # Pod IP; the Service's ClusterIP is not on this path.
    controller >> edge("reads EndpointSlices", kind="control", constraint="false") >> service
    same_column(picture, controller, service)
    controller >> edge("host, path\nto a Pod IP") >> sidecar >> edge() >> app
