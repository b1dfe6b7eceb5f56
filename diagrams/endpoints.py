"""EndpointSlices and traffic locality: which backend a client Pod's connection may reach.

Two client Pods, one on node-1 (which runs a web Pod) and one on node-3 (which runs none), call
two Services in front of the same web Pods. web-prefer-local (trafficDistribution:
PreferSameNode) keeps node-1's traffic on node-1 and lets node-3's go to any ready Pod.
web-local-only (internalTrafficPolicy: Local) has no Pod to offer on node-3, so node-3's
traffic is dropped. The selector-less Service db gets its only endpoint, a server outside the
cluster, from the EndpointSlice db-1 written by hand.
"""

from _style import actor, edge, find, group, kube, manifests, page_diagram, pod
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import Endpoint, Service
from diagrams.onprem.database import Postgresql

docs = manifests("endpoints")
deployment = find(docs, "Deployment", "web")
prefer = find(docs, "Service", "web-prefer-local")
local_only = find(docs, "Service", "web-local-only")
db = find(docs, "Service", "db")
db_slice = find(docs, "EndpointSlice", "db-1")

# Where the page's commands put things: the client Pods are pinned to a node with nodeName,
# and the two web replicas run on node-1 and node-2 (node-3 runs none).
CLIENT_NODES = ("node-1", "node-3")
WEB_NODES = ("node-1", "node-2")


def service_label(service: dict, setting: str) -> str:
    return f"{service['metadata']['name']}\n:{service['spec']['ports'][0]['port']} {setting}"


app = deployment["metadata"]["name"]
container_port = deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]
db_address = db_slice["endpoints"][0]["addresses"][0]
db_port = db_slice["ports"][0]["port"]
slice_owner = db_slice["metadata"]["labels"]["kubernetes.io/service-name"]
assert slice_owner == db["metadata"]["name"], "the slice must name its Service"

with page_diagram("Which endpoints a client Pod may reach", ranksep="0.8", nodesep="0.3"):
    with group("cluster: namespace demo"):
        clients = {
            node: actor(Pod, f"pod-client-{node}", f"client on\n{node}") for node in CLIENT_NODES
        }
        eps = kube(Endpoint, db_slice, f"EndpointSlice\n{db_slice['metadata']['name']}")
        svc_prefer = kube(Service, prefer, service_label(prefer, "\nPreferSameNode"))
        svc_local = kube(
            Service,
            local_only,
            service_label(local_only, f"\ninternal {local_only['spec']['internalTrafficPolicy']}"),
        )
        svc_db = kube(Service, db, service_label(db, "\nno selector"))
        pods = {
            node: pod(
                Pod, deployment, node, f"{app} Pod\non {node}\n:{container_port['containerPort']}"
            )
            for node in WEB_NODES
        }
    with group("outside the cluster", kind="outside", label_at="bottom"):
        database = actor(Postgresql, "database", f"database\n{db_address}\n:{db_port}")

    near, far = clients["node-1"], clients["node-3"]
    # PreferSameNode: node-1 keeps its traffic; node-3 has no local Pod and falls back.
    near >> edge(kind="request") >> svc_prefer
    svc_prefer >> edge("node-1:\nsame node", kind="request") >> pods["node-1"]
    far >> edge(kind="request") >> svc_prefer
    svc_prefer >> edge("node-3:\nany Pod", kind="request") >> pods["node-2"]
    # internalTrafficPolicy: Local on a node without a web Pod: dropped.
    far >> edge("dropped\non node-3", kind="dropped") >> svc_local
    # The selector-less Service and its hand-written EndpointSlice.
    far >> edge(kind="request") >> svc_db
    eps >> edge(f"service-name:\n{slice_owner}", kind="control") >> svc_db
    svc_db >> edge(kind="request") >> database
