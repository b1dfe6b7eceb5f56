"""Keeping the client's source IP: what each hop sees as the client's address.

A client sends a request to the address of Traefik's LoadBalancer Service. With
externalTrafficPolicy Local the node that runs the Traefik Pod delivers the connection without
SNAT, so Traefik's TCP peer is the client (green: source kept). Traefik is a proxy: it opens a
new connection to a whoami Pod, whose TCP peer is the Traefik Pod, and passes the client's
address in X-Forwarded-For. The whoami Pods run on node-1 and node-2, Traefik on node-3. Names,
ports and the host come from docs/examples/client-ip/.
"""

from _style import actor, edge, find, group, kube, manifests, page_diagram, pod
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import Ing, Service
from diagrams.onprem.client import Client
from diagrams.onprem.network import Traefik

docs = manifests("client-ip")
traefik_service = find(docs, "Service", "traefik")
whoami_service = find(docs, "Service", "whoami")
deployment = find(docs, "Deployment", "whoami")
ingress = find(docs, "Ingress", "whoami")

host = ingress["spec"]["rules"][0]["host"]
policy = traefik_service["spec"]["externalTrafficPolicy"]
lb_ports = " ".join(f":{p['port']}" for p in traefik_service["spec"]["ports"])
web = next(p for p in traefik_service["spec"]["ports"] if p["targetPort"] == "web")
app = deployment["metadata"]["name"]
replicas = deployment["spec"]["replicas"]
# Where the page's example cluster placed the Pods: whoami on the first nodes, Traefik on node-3.
NODES = ("node-1", "node-2", "node-3")
TRAEFIK_NODE = NODES[-1]

with page_diagram(f"Source IP of a request to {host}", nodesep="0.35", ranksep="0.55"):
    with group("outside the cluster", kind="outside"):
        client = actor(Client, "client", "client")

    with group("cluster"):
        lb = kube(
            Service,
            traefik_service,
            f"Service {traefik_service['metadata']['name']}\n"
            f"{traefik_service['spec']['type']} {lb_ports}\n"
            f"externalTrafficPolicy {policy}",
        )
        with group(TRAEFIK_NODE, kind="node"):
            proxy = actor(Traefik, f"pod-traefik-{TRAEFIK_NODE}", "Traefik Pod\nentryPoint web")
        routing = kube(Ing, ingress, f"Ingress {ingress['metadata']['name']}\n{host}")
        backend = kube(
            Service,
            whoami_service,
            f"Service {whoami_service['metadata']['name']}\n:{whoami_service['spec']['ports'][0]['port']}",
        )
        pods = []
        for node in NODES[:replicas]:
            with group(node, kind="node"):
                pods.append(pod(Pod, deployment, node, f"{app} Pod"))

    client >> edge(f"TCP :{web['port']}\nsource: client") >> lb
    lb >> edge(f"{policy}: no SNAT\nTCP peer: client", kind="source-kept") >> proxy
    routing >> edge("routes", kind="control") >> proxy
    proxy >> edge("EndpointSlices", kind="control") >> backend
    for index, target in enumerate(pods):
        label = (
            "new connection\nTCP peer: Traefik Pod\nX-Forwarded-For: client" if index == 0 else ""
        )
        proxy >> edge(label) >> target
