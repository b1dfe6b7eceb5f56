"""Where to test each Service from: a debug Pod inside, a workstation outside.

ClusterIP Services are tested from a Pod (the ClusterIP is routed only inside the cluster);
NodePort and LoadBalancer Services from outside, at the address an outside client uses.
The mis-selected Service is drawn with no edge to the Pods: it has no endpoints.
"""

from _style import actor, edge, find, group, kube, manifests, page_diagram, same_column
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import Service
from diagrams.onprem.client import Client

docs = manifests("troubleshooting")
debug = find(docs, "Pod", "debug")
deployment = find(docs, "Deployment", "web")
cluster_ip = find(docs, "Service", "web")
broken = find(docs, "Service", "web-broken")
node_port = find(docs, "Service", "web-nodeport")
load_balancer = find(docs, "Service", "web-lb")


def port(service: dict, field: str = "port") -> int:
    return service["spec"]["ports"][0][field]


def service_label(service: dict, extra: str = "") -> str:
    kind = service["spec"].get("type", "ClusterIP")
    return f"{service['metadata']['name']}\n{kind} :{port(service)}{extra}"


replicas = deployment["spec"]["replicas"]
container_port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
debug_image = debug["spec"]["containers"][0]["image"]

with page_diagram(
    "Where to test from", direction="TB", ranksep="0.5", nodesep="0.3", newrank="true"
) as picture:
    with group("outside the cluster", kind="outside"):
        laptop = actor(Client, "workstation", "workstation\ncurl, nc")
    with group(f"cluster (namespace {debug['metadata']['namespace']})"):
        debug_pod = kube(Pod, debug, f"{debug['metadata']['name']} Pod\n{debug_image}")
        svc_ip = kube(Service, cluster_ip, service_label(cluster_ip))
        svc_broken = kube(Service, broken, service_label(broken, "\nno endpoints"))
        svc_np = kube(
            Service,
            node_port,
            service_label(node_port, f"\nnodePort {port(node_port, 'nodePort')}"),
        )
        svc_lb = kube(Service, load_balancer, service_label(load_balancer))
        app = deployment["metadata"]["name"]
        pods = kube(Pod, deployment, f"{app} Pods ×{replicas}\n:{container_port['containerPort']}")

    # Two rows of Services (the outside ones above): the picture stays narrow.
    debug_pod >> edge(f"wget :{port(cluster_ip)}", kind="request", minlen="2") >> svc_ip
    debug_pod >> edge(f"nc :{port(broken)}", kind="dropped", minlen="2") >> svc_broken
    laptop >> edge(f"EXTERNAL-IP:{port(load_balancer)}", kind="request") >> svc_lb
    laptop >> edge(f"node-IP:{port(node_port, 'nodePort')}", kind="request") >> svc_np
    for svc in (svc_ip, svc_np, svc_lb):
        svc >> edge(kind="request") >> pods
    same_column(picture, laptop, debug_pod)
    same_column(picture, svc_np, svc_lb)
