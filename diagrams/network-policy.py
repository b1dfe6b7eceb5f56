"""NetworkPolicy: a default-deny namespace, the DNS exception, and one allowed flow.

Every Pod in the namespace is isolated in both directions by default-deny. allow-dns lets all
of them query the CoreDNS Pods in kube-system. The frontend client reaches the web Pods because
both ends allow it: frontend-to-web (egress on the client) and web-from-frontend (ingress on the
web Pods), on the Pods' port, not the Service's. The other client reaches DNS and nothing else.
"""

from _style import actor, edge, find, group, kube, manifests, page_diagram
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import Service
from diagrams.onprem.dns import Coredns

docs = manifests("network-policy")
deny = find(docs, "NetworkPolicy", "default-deny")
dns = find(docs, "NetworkPolicy", "allow-dns")
ingress = find(docs, "NetworkPolicy", "web-from-frontend")
egress = find(docs, "NetworkPolicy", "frontend-to-web")
service = find(docs, "Service", "web")
deployment = find(docs, "Deployment", "web")
frontend = find(docs, "Pod", "client-frontend")
other = find(docs, "Pod", "client-other")


def labels(selector: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in selector["matchLabels"].items())


namespace = deny["metadata"]["namespace"]
dns_peer = dns["spec"]["egress"][0]["to"][0]
dns_namespace = dns_peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
dns_ports = dns["spec"]["egress"][0]["ports"]
dns_port = dns_ports[0]["port"]
dns_protocols = "/".join(p["protocol"] for p in dns_ports)
allowed_port = ingress["spec"]["ingress"][0]["ports"][0]["port"]
assert allowed_port == egress["spec"]["egress"][0]["ports"][0]["port"], "both ends, one port"
svc_name, svc_port = service["metadata"]["name"], service["spec"]["ports"][0]["port"]
container_port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
app = deployment["metadata"]["name"]
web_labels = labels(ingress["spec"]["podSelector"])
isolation = ", ".join(deny["spec"]["policyTypes"])


def client_label(pod: dict) -> str:
    pod_labels = ",".join(f"{k}={v}" for k, v in pod["metadata"]["labels"].items())
    return f"{pod['metadata']['name']}\n{pod_labels}"


title = f"Namespace {namespace}: {deny['metadata']['name']} isolates every Pod ({isolation})"
with page_diagram(title, direction="TB", ranksep="0.8", nodesep="0.6"):
    with group("cluster"):
        with group(f"namespace {namespace}: {deny['metadata']['name']}", kind="namespace"):
            front = kube(Pod, frontend, client_label(frontend))
            stranger = kube(Pod, other, client_label(other))
            svc = kube(Service, service, f"{svc_name}\nport {svc_port}")
            # One node for the Deployment's Pods: the policies select them by label.
            web = kube(
                Pod, deployment, f"{app} Pods\n{web_labels} :{container_port['containerPort']}"
            )
        with group(f"namespace {dns_namespace}", kind="namespace", label_at="bottom"):
            coredns = actor(
                Coredns, "coredns", f"CoreDNS Pods\n{labels(dns_peer['podSelector'])}\n:{dns_port}"
            )

    # Both clients connect to the Service port; the rules see the Pod port after translation.
    front >> edge(f":{svc_port}", kind="request") >> svc
    stranger >> edge(f":{svc_port}", kind="request") >> svc
    (
        svc
        >> edge(
            f"{egress['metadata']['name']} +\n{ingress['metadata']['name']}\nTCP {allowed_port}",
            kind="request",
        )
        >> web
    )
    svc >> edge(f"{other['metadata']['name']}:\ndropped", kind="dropped") >> web
    # allow-dns selects every Pod of the namespace: both clients look up web first.
    front >> edge(kind="request") >> coredns
    (
        stranger
        >> edge(
            f"{dns['metadata']['name']} (every Pod)\n{dns_protocols} {dns_port}", kind="request"
        )
        >> coredns
    )
