"""Ingress with Traefik: one load balancer, routes chosen by host name and path."""

import re

from _style import edge, find, group, manifests, page_diagram
from diagrams.gcp.network import DNS, LoadBalancing
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import Service
from diagrams.onprem.client import Client
from diagrams.onprem.network import Traefik

docs = manifests("ingress")
ingress = find(docs, "Ingress", "www")
route = find(docs, "IngressRoute")
rule = ingress["spec"]["rules"][0]
host = rule["host"]
controller_name = ingress["spec"]["ingressClassName"]
match = route["spec"]["routes"][0]
route_host = re.search(r"Host\(`([^`]+)`\)", match["match"]).group(1)
route_prefix = re.search(r"PathPrefix\(`([^`]+)`\)", match["match"]).group(1)
route_service = match["services"][0]
middlewares = " + ".join(m["name"] for m in match["middlewares"])
entry_point = route["spec"]["entryPoints"][0]
services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
namespace = ingress["metadata"]["namespace"]
ingress_name = ingress["metadata"]["name"]

# Tighter ranks than the default keep the picture readable at the page's width.
with page_diagram(f"Ingress: one load balancer for {host} and {route_host}", ranksep="0.5"):
    with group("internet", kind="outside"):
        client = Client("client")
        dns = DNS("DNS")
    with group("cluster"):
        with group(f"namespace {controller_name}", kind="namespace"):
            balancer = LoadBalancing(f"Service {controller_name}\ntype LoadBalancer")
            proxy = Traefik(f"{controller_name} Pods\nentryPoint {entry_point}")
        with group(f"namespace {namespace}", kind="namespace"):
            backends = {}
            for name, svc in services.items():
                port = svc["spec"]["ports"][0]["port"]
                backends[name] = Service(f"{name}\nport {port}")
                backends[name] >> edge() >> Pod(f"{name} Pods")

    client >> edge("DNS lookup", kind="control", constraint="false") >> dns
    client >> edge(f"HTTP\nHost: {host}\nor Host: {route_host}") >> balancer >> edge() >> proxy
    for path in rule["http"]["paths"]:
        target = path["backend"]["service"]["name"]
        proxy >> edge(f"Ingress {ingress_name}\n{host}{path['path']}") >> backends[target]
    # The IngressRoute's middlewares run in Traefik before the request is forwarded.
    label = f"IngressRoute {route['metadata']['name']}\n{route_host}{route_prefix}\n{middlewares}"
    proxy >> edge(label) >> backends[route_service["name"]]
