"""Ingress with Traefik: one load balancer, routes chosen by host name and path.

Traefik reads each backend Service's EndpointSlices (control plane) and sends the request
straight to a Pod IP: the Services' ClusterIPs are not on the request path.
"""

import re

from _style import edge, find, group, manifests, page_diagram
from diagrams.gcp.network import DNS
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import Service
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
middlewares = " + ".join(m["name"] for m in match["middlewares"])
entry_point = route["spec"]["entryPoints"][0]
namespace = ingress["metadata"]["namespace"]
ingress_name = ingress["metadata"]["name"]
backend_services = {
    d["metadata"]["name"]: d
    for d in docs
    if d["kind"] == "Service" and d["metadata"]["namespace"] == namespace
}
controller_namespace = traefik_service["metadata"]["namespace"]
lb_ports = " and ".join(str(p["port"]) for p in traefik_service["spec"]["ports"])

# Tighter ranks than the default keep the picture readable at the page's width.
with page_diagram(f"Ingress: one load balancer for {host} and {route_host}", ranksep="0.5"):
    with group("internet", kind="outside"):
        client = Client("client")
        dns = DNS("DNS")
    with group("cluster"):
        with group(f"namespace {controller_namespace}", kind="namespace"):
            balancer = Service(
                f"Service {traefik_service['metadata']['name']}\n"
                f"type {traefik_service['spec']['type']}\nports {lb_ports}"
            )
            proxy = Traefik(f"Traefik Pods\nentryPoint {entry_point}")
        with group(f"namespace {namespace}", kind="namespace"):
            services, pods = {}, {}
            for name, svc in sorted(backend_services.items(), reverse=True):
                port = svc["spec"]["ports"][0]["port"]
                services[name] = Service(f"Service {name}\nport {port}")
                pods[name] = Pod(f"{name} Pods")

    client >> edge("DNS lookup", kind="control", constraint="false") >> dns
    port = traefik_service["spec"]["ports"][0]["port"]
    client >> edge(f"HTTP :{port}\nHost: {host}\nor {route_host}") >> balancer
    balancer >> edge(f"targetPort {traefik_service['spec']['ports'][0]['targetPort']}") >> proxy
    # Control plane: Traefik watches each Service's EndpointSlices to learn the Pod IPs.
    for name, svc in services.items():
        proxy >> edge("reads EndpointSlices", kind="control") >> svc
        svc >> edge("selects", kind="control") >> pods[name]
    # The request itself goes from Traefik to a Pod IP, chosen by the rules.
    for path in rule["http"]["paths"]:
        target = path["backend"]["service"]["name"]
        proxy >> edge(f"Ingress {ingress_name}\n{host}{path['path']}") >> pods[target]
    # The IngressRoute's middlewares run in Traefik before the request is forwarded.
    label = f"IngressRoute {route['metadata']['name']}\n{route_host}{route_prefix}\n{middlewares}"
    proxy >> edge(label) >> pods[route_service["name"]]
