"""NodePort: the same port opens on every node and leads to the Service's Pods."""

from _style import edge, find, group, manifests, page_diagram
from diagrams.k8s.compute import Pod
from diagrams.k8s.infra import Node
from diagrams.k8s.network import Service
from diagrams.onprem.client import Client

docs = manifests("nodeport")
service = find(docs, "Service")
port = service["spec"]["ports"][0]
name = service["metadata"]["name"]

with page_diagram(f"NodePort {port['nodePort']} on every node"):
    client = Client("browser")
    with group("cluster"):
        svc = Service(f"{name}\nport {port['port']}")
        nodes = []
        for index in (1, 2):
            with group(f"node-{index}", kind="node"):
                nodes.append(Node(f"node-{index}:{port['nodePort']}"))
                pod = Pod(f"{name} Pod\n:{port['targetPort']}")
            svc >> edge("targetPort") >> pod
    for node in nodes:
        client >> edge(f"nodePort {port['nodePort']}") >> node >> edge() >> svc
