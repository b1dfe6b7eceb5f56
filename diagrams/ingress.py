"""Ingress with Traefik: one load balancer, routes chosen by host name and path.

Traefik reads each backend Service's EndpointSlices (control plane) and sends the request
straight to a Pod IP: the Services' ClusterIPs are not on the request path.
"""

import re

from _style import actor, edge, find, group, kube, manifests, page_diagram, same_column
from diagrams.gcp.network import DNS
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import Ing, Service
from diagrams.onprem.client import Client
from diagrams.onprem.network import Traefik

docs = manifests("ingress")
# The page applies the Ingress www twice (without, then with TLS); the rules are the same.
versions = [d for d in docs if d["kind"] == "Ingress" and d["metadata"]["name"] == "www"]
if not versions or any(v["spec"]["rules"] != versions[0]["spec"]["rules"] for v in versions):
    raise LookupError("expected the Ingress www, with the same rules in every version")
ingress = versions[0]
route = find(docs, "IngressRoute")
traefik_service = find(docs, "Service", "traefik")
rule = ingress["spec"]["rules"][0]
host = rule["host"]
match = route["spec"]["routes"][0]
route_host = re.search(r"Host\(`([^`]+)`\)", match["match"]).group(1)
route_prefix = re.search(r"PathPrefix\(`([^`]+)`\)", match["match"]).group(1)
route_service = match["services"][0]
middlewares = ", ".join(m["name"] for m in match["middlewares"])
entry_point = route["spec"]["entryPoints"][0]
namespace = ingress["metadata"]["namespace"]
ingress_name = ingress["metadata"]["name"]
backend_services = {
    d["metadata"]["name"]: d
    for d in docs
    if d["kind"] == "Service" and d["metadata"]["namespace"] == namespace
}
deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
controller_namespace = traefik_service["metadata"]["namespace"]
lb_ports = ", ".join(str(p["port"]) for p in traefik_service["spec"]["ports"])

# Top to bottom: the client, Traefik's load balancer, Traefik between the two routing objects
# it reads, the backends' Pods and, below them, their Services (read for their EndpointSlices).
with page_diagram(
    f"Ingress: one load balancer for {host} and {route_host}",
    direction="TB",
    ranksep="0.5",
    nodesep="0.35",
    newrank="true",
) as picture:
    with group("internet", kind="outside"):
        client = actor(Client, "client", "client")
        dns = actor(DNS, "dns", "DNS")
    with group("cluster"):
        balancer = kube(
            Service,
            traefik_service,
            f"Service {traefik_service['metadata']['name']}\n"
            f"{traefik_service['spec']['type']}, {lb_ports}",
        )
        proxy = actor(Traefik, "traefik", f"Traefik Pods\nentryPoint {entry_point}")
        custom = kube(Ing, route, f"IngressRoute {route['metadata']['name']}\n{route_host}")
        rules = kube(Ing, ingress, f"Ingress {ingress_name}\n{host}")
        with group(f"namespace {namespace}", kind="namespace"):
            services, pods = {}, {}
            for name, svc in sorted(backend_services.items()):
                port = svc["spec"]["ports"][0]["port"]
                pods[name] = kube(Pod, deployments[name], f"{name} Pods")
                services[name] = kube(Service, svc, f"Service {name}\nport {port}")

    client >> edge("DNS", kind="control", constraint="false") >> dns
    port = traefik_service["spec"]["ports"][0]["port"]
    client >> edge(f"HTTP :{port}") >> balancer
    balancer >> edge(f"targetPort {traefik_service['spec']['ports'][0]['targetPort']}") >> proxy
    # Control plane: Traefik reads the routing objects beside it and each Service's
    # EndpointSlices below the Pods.
    custom << edge("reads", kind="control", constraint="false") << proxy
    proxy >> edge("reads", kind="control", constraint="false") >> rules
    same_column(picture, custom, proxy, rules)
    for name, backend in services.items():
        pods[name] << edge("selects" if name == "api" else "", kind="control") << backend
        slices = "EndpointSlices" if name != "api" else ""
        proxy >> edge(slices, kind="control", constraint="false") >> backend
    # The request itself goes from Traefik to a Pod IP, chosen by the rules.
    for path in rule["http"]["paths"]:
        target = path["backend"]["service"]["name"]
        proxy >> edge(f"{host}{path['path']}") >> pods[target]
    # The IngressRoute's middlewares run in Traefik before the request is forwarded.
    proxy >> edge(f"{route_host}{route_prefix}\n+ {middlewares}") >> pods[route_service["name"]]
