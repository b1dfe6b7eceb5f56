"""Follow a packet: the walks computed from each page's manifests and walk-topology.yml.

The behavior tests state what the Kubernetes, MetalLB, Gateway API, Traefik and Istio
documentation says (each test names its source) and check the computed walk against it; they
do not compare with a recorded output. Then: a copy of a page's manifests with one changed
field changes the walk; bad input fails with one line naming the file and the reason; the HTML
list, the JSON for the step-through control and the Mermaid sequence all say the same thing;
and every hop's node and edge exist in the page's diagram (once the diagrams carry ids).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from scripts.pipeline.walks import WalkError, checked, compute, render_walk_placeholders
from scripts.pipeline.walks.model import Outcome, Walk
from scripts.pipeline.walks.render import hop_text, render_html, render_sequence
from scripts.pipeline.walks.services import elected_node_by_hash
from scripts.pipeline.walks.topology import TOPOLOGY_FILE, load_raw
from tests.conftest import DOCS, EXAMPLES, ROOT

TOPOLOGIES = sorted(EXAMPLES.glob(f"*/{TOPOLOGY_FILE}"))
ALL_WALKS = [
    (path.parent.name, variant)
    for path in TOPOLOGIES
    for variant in (load_raw(path).get("walks") or {})
]
PLACEHOLDER = re.compile(r'\{\{\s*walk(?:_sequence)?\(\s*"([a-z0-9-]+)"((?:\s*,\s*"[a-z0-9-]+")+)')


def hop_at(walk: Walk, node_id: str, direction: str = "request"):
    hops = [h for h in walk.hops if h.place_id == node_id and h.direction == direction]
    assert hops, f"{walk.dom_id}: no {direction} hop at {node_id}"
    return hops[0]


def kinds(hop) -> list[str]:
    return [step.kind for step in hop.steps]


def topology(slug: str) -> dict:
    return yaml.safe_load((EXAMPLES / slug / TOPOLOGY_FILE).read_text())


@pytest.fixture
def examples(tmp_path) -> Path:
    """A copy of docs/examples to change; walks computed from it read nothing else."""
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy)
    return copy


def edit(path: Path, change) -> None:
    """Load a one-document YAML file, let `change` edit it, write it back."""
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def one_line_error(excinfo, file: str, *words: str) -> str:
    """The message is one line, starts with the file at fault and names the reason."""
    message = str(excinfo.value)
    assert "\n" not in message, message
    where = message.split(": ", 1)[0]
    assert where == file or where.endswith(f"/{file}"), message
    for word in words:
        assert word in message, message
    return message


# --- every declared walk --------------------------------------------------------------------


def test_there_are_walks():
    assert len(ALL_WALKS) >= 12, ALL_WALKS


@pytest.mark.parametrize(("slug", "variant"), ALL_WALKS, ids=[f"{s}/{v}" for s, v in ALL_WALKS])
def test_walk_ends_as_its_topology_declares(slug, variant):
    walk = checked(slug, variant)
    assert walk.outcome == walk.expect


@pytest.mark.parametrize(("slug", "variant"), ALL_WALKS, ids=[f"{s}/{v}" for s, v in ALL_WALKS])
def test_each_hop_receives_what_the_previous_one_sent(slug, variant):
    walk = compute(slug, variant)
    for before, hop in zip(walk.hops, walk.hops[1:], strict=False):
        assert hop.arriving == before.leaving, f"hop {hop.index} of {walk.dom_id}"
        assert (hop.edge_id is None) == (hop.node_id == before.node_id), f"hop {hop.index}"
    # Only the last hop may end the packet's journey.
    assert all(h.leaving is not None for h in walk.hops[:-1])
    assert walk.hops[-1].leaving is None


@pytest.mark.parametrize(("slug", "variant"), ALL_WALKS, ids=[f"{s}/{v}" for s, v in ALL_WALKS])
def test_every_step_cites_a_source(slug, variant):
    for hop in compute(slug, variant).hops:
        for step in hop.steps:
            assert step.source.startswith("https://"), (hop.place, step.kind)


# --- ClusterIP (kubernetes.io: Virtual IPs and Service Proxies; DNS for Services and Pods) ---


def test_clusterip_dns_answers_the_cluster_ip_for_the_expanded_name():
    # DNS for Services and Pods: `web` from namespace demo is tried as web.demo.svc.cluster.local
    # first (search list, ndots:5); the Service's A record points at its ClusterIP.
    walk = compute("clusterip", "pod")
    dns = hop_at(walk, "coredns")
    assert "web.demo.svc.cluster.local" in dns.arriving.what
    assert dns.leaving.what.endswith(topology("clusterip")["services"]["web"]["cluster_ip"])


def test_clusterip_dnat_on_the_client_node_keeps_the_client_ip():
    # Virtual IPs: the client's own node captures clusterIP:port and DNATs to a backend
    # "without rewriting the client IP address".
    walk = compute("clusterip", "pod")
    client = next(p for p in topology("clusterip")["pods"] if p.get("name") == "client")
    kernel = hop_at(walk, f"kube-proxy-{client['node']}")
    assert "dnat" in kinds(kernel)
    assert kernel.leaving.src == kernel.arriving.src
    assert kernel.leaving.src.ip == client["ip"]
    pod_ips = [p["ip"] for p in topology("clusterip")["pods"] if p.get("of") == "Deployment/web"]
    assert kernel.leaving.dst.ip in pod_ips
    assert kernel.leaving.dst.port == 8080  # targetPort http -> containerPort 8080
    # The Pod is on another node than the client.
    pod_hop = next(h for h in walk.hops if h.place_id.startswith("pod-web-"))
    assert not pod_hop.place_id.endswith(client["node"])


def test_clusterip_reply_is_un_natted_so_the_client_sees_the_cluster_ip():
    walk = compute("clusterip", "pod")
    cluster_ip = topology("clusterip")["services"]["web"]["cluster_ip"]
    reply = [h for h in walk.hops if h.direction == "reply"]
    assert "un-nat" in kinds(reply[0])
    assert walk.hops[-1].arriving.src.ip == cluster_ip
    assert walk.hops[-1].arriving.src.port == 80


def test_clusterip_to_an_undeclared_port_goes_nowhere(examples):
    # Virtual IPs: the rules capture the Service's clusterIP *and port*; nothing else.
    path = examples / "clusterip" / TOPOLOGY_FILE
    edit(path, lambda t: t["walks"]["pod"].update(to="http://web:8080/hostname"))
    walk = compute("clusterip", "pod", examples)
    assert walk.outcome == Outcome.DROPPED


# --- Headless (kubernetes.io: Service, Headless Services) -----------------------------------


def test_headless_dns_returns_pod_ips_and_nothing_is_translated():
    # Headless Services: no cluster IP, kube-proxy does not handle them, DNS returns the
    # ready Pods' addresses.
    walk = compute("clusterip", "headless")
    pod_ips = {p["ip"] for p in topology("clusterip")["pods"] if p.get("of") == "Deployment/web"}
    answer = hop_at(walk, "coredns").leaving.what
    assert pod_ips <= set(re.findall(r"\d+\.\d+\.\d+\.\d+", answer))
    service_range = ipaddress.IPv4Network("10.96.0.0/12")
    dns_ip = topology("clusterip")["cluster"]["dns_service_ip"]
    for hop in walk.hops:
        assert not {"dnat", "snat", "un-nat"} & set(kinds(hop)), hop.place
        for packet in (hop.arriving, hop.leaving):
            if packet is None or packet.proto == "UDP":
                continue
            for address in (packet.src.ip, packet.dst.ip):
                assert ipaddress.IPv4Address(address) not in service_range or address == dns_ip
    assert walk.hops[-1].arriving.src.ip in pod_ips


def test_headless_service_port_is_not_translated(examples):
    # A headless Service's `port` is not a virtual port: a client on port 80 reaches nothing.
    path = examples / "clusterip" / TOPOLOGY_FILE
    edit(path, lambda t: t["walks"]["headless"].update(to="http://web-headless/hostname"))
    assert compute("clusterip", "headless", examples).outcome == Outcome.REFUSED


# --- kubectl proxy (kubernetes.io: Access Services Running on Clusters; kubectl proxy) ------


def test_kubectl_proxy_goes_through_the_api_server_straight_to_a_pod():
    walk = compute("clusterip", "kubectl-proxy")
    assert [h.place_id for h in walk.hops][:2] == ["workstation", "api-server"]
    assert walk.hops[0].arriving.dst.ip == "127.0.0.1" and walk.hops[0].arriving.dst.port == 8001
    api = hop_at(walk, "api-server")
    assert api.leaving.dst.port == 8080  # the Pod's port, not the Service's 80
    pod = walk.hops[-1]
    workstation = topology("clusterip")["outside"]["workstation"]["ip"]
    assert pod.arriving.src.ip != workstation  # the API server connects, not the workstation
    assert "GET /hostname" in pod.arriving.what  # the proxy prefix is gone
    assert not any(h.place_id.startswith("kube-proxy-") for h in walk.hops)


# --- NodePort (kubernetes.io: Using Source IP; kube-proxy proxier.go) -----------------------


def test_nodeport_cluster_snat_the_pod_sees_a_node_address():
    # Using Source IP: the node SNATs to its own address and forwards to another node;
    # the Pod does not see the client.
    walk = compute("nodeport", "cluster")
    client = topology("nodeport")["outside"]["client"]["ip"]
    kernel = hop_at(walk, "kube-proxy-node-3")
    assert {"dnat", "snat"} <= set(kinds(kernel))
    seen = walk.hops[[h.place_id for h in walk.hops].index("pod-web-node-2")].arriving.src.ip
    assert seen != client
    assert ipaddress.IPv4Address(seen) in ipaddress.IPv4Network("10.244.3.0/24")  # node-3's
    # Forwarded to another node: the translated packet is for a Pod in node-2's range.
    assert ipaddress.IPv4Address(kernel.leaving.dst.ip) in ipaddress.IPv4Network("10.244.2.0/24")
    assert walk.hops[-1].arriving.src.ip == "192.168.1.13"  # the reply comes from node-3


def test_nodeport_cluster_masquerades_even_to_a_local_pod():
    # proxier.go: external traffic is marked for masquerading before a Pod is chosen.
    walk = compute("nodeport", "cluster-local-pod")
    pod = hop_at(walk, "pod-web-node-1")
    assert pod.arriving.src.ip != topology("nodeport")["outside"]["client"]["ip"]
    assert "snat" in kinds(hop_at(walk, "kube-proxy-node-1"))


def test_nodeport_local_the_pod_sees_the_client_ip():
    # Using Source IP: with Local, kube-proxy only proxies to local endpoints and the source
    # IP is preserved.
    walk = compute("nodeport", "local")
    pod = hop_at(walk, "pod-web-node-1")
    assert pod.arriving.src.ip == topology("nodeport")["outside"]["client"]["ip"]
    assert "snat" not in kinds(hop_at(walk, "kube-proxy-node-1"))


def test_nodeport_local_on_a_node_without_endpoints_drops():
    # Using Source IP: "If there are no local endpoints, packets sent to the node are dropped".
    walk = compute("nodeport", "local-no-endpoint")
    assert walk.outcome == Outcome.DROPPED
    assert walk.hops[-1].place_id == "kube-proxy-node-3"
    assert len(walk.hops) == 2


# --- LoadBalancer (kubernetes.io: Service type LoadBalancer; Using Source IP) ---------------


def test_loadbalancer_sends_to_a_node_port_then_kube_proxy_picks_a_pod():
    walk = compute("loadbalancer", "cloud")
    lb = hop_at(walk, "load-balancer")
    assert (
        lb.leaving.dst.port == topology("loadbalancer")["services"]["web-lb"]["node_ports"]["http"]
    )
    node_ips = {n["ip"] for n in topology("loadbalancer")["nodes"].values()}
    assert lb.leaving.dst.ip in node_ips
    assert walk.hops[-1].arriving.src.ip == "203.0.113.10"  # the client sees the LB address


def test_loadbalancer_local_skips_nodes_that_fail_the_health_check(examples):
    # Using Source IP: with Local, nodes without an endpoint fail the health check and the load
    # balancer stops sending to them; the Pod then sees the client's address.
    edit(
        examples / "loadbalancer" / "service-web.yaml",
        lambda s: s["spec"].update(externalTrafficPolicy="Local"),
    )
    walk = compute("loadbalancer", "cloud", examples)
    lb = hop_at(walk, "load-balancer")
    assert "health-check" in kinds(lb)
    assert lb.leaving.dst.ip != "192.168.1.13"  # node-3 runs no web Pod
    pod = next(h for h in walk.hops if h.place_id.startswith("pod-web-"))
    assert pod.arriving.src.ip == topology("loadbalancer")["outside"]["client"]["ip"]


# --- MetalLB layer 2 (metallb.io: Layer 2 concepts, configuration; layer2_controller.go) ----


def test_metallb_the_elected_node_answers_arp_and_receives_the_traffic():
    # The topology declares no announcer: the election itself picks node-1 for this address.
    walk = compute("metallb", "l2")
    assert "announcing_node" not in topology("metallb")["metallb"]
    node = "node-1"
    assert walk.hops[0].leaving.proto == "ARP"
    assert hop_at(walk, f"speaker-{node}").leaving.proto == "ARP"
    kernel = hop_at(walk, f"kube-proxy-{node}")
    assert kernel.arriving.dst.ip == "192.168.1.248"
    assert "dnat" in kinds(kernel)


def test_metallb_election_follows_the_speaker_code():
    # layer2_controller.go: sort by sha256(node + "#" + ip), the first node announces.
    nodes = ["node-1", "node-2", "node-3"]
    ip = "192.168.1.248"
    expected = min(nodes, key=lambda n: hashlib.sha256(f"{n}#{ip}".encode()).hexdigest())
    assert elected_node_by_hash(nodes, ip) == expected


def test_metallb_without_an_announced_pool_nobody_answers_arp(examples):
    # MetalLB configuration: without an L2Advertisement the address is never announced.
    (examples / "metallb" / "l2advertisement-lan.yaml").unlink()
    walk = compute("metallb", "l2", examples)
    assert walk.outcome == Outcome.DROPPED
    assert all(h.place_id == "client" for h in walk.hops)


def test_metallb_local_policy_needs_the_announcer_to_run_a_pod(examples):
    # layer2_controller.go: with Local only nodes with a ready endpoint may announce.
    edit(
        examples / "metallb" / "service-web-fixed.yaml",
        lambda s: s["spec"].update(externalTrafficPolicy="Local"),
    )
    edit(
        examples / "metallb" / TOPOLOGY_FILE,
        lambda t: t["metallb"].update(announcing_node="node-3"),
    )
    with pytest.raises(WalkError) as excinfo:
        compute("metallb", "l2", examples)
    one_line_error(excinfo, "walk-topology.yml", "node-3 cannot announce")


# --- Ingress (kubernetes.io: Ingress; Traefik Kubernetes Ingress provider) -------------------


def test_ingress_the_pod_sees_the_controller_and_the_client_travels_in_x_forwarded_for():
    walk = compute("ingress", "www-api")
    traefik = hop_at(walk, "traefik")
    pod = walk.hops[-1]
    assert pod.place_id.startswith("pod-api-")
    assert pod.arriving.src.ip == "10.244.1.9"  # the Traefik Pod's IP
    forwarded = next(s for s in traefik.steps if s.kind == "set-header")
    assert f"X-Forwarded-For: {traefik.arriving.src.ip}" in forwarded.text
    # The controller connects to a Pod IP: the Service's ClusterIP is not on the path.
    assert not any(
        h.place_id.startswith("kube-proxy-") for h in walk.hops[walk.hops.index(traefik) :]
    )


def test_ingress_longest_prefix_wins_and_prefix_is_element_wise(examples):
    # Ingress, Multiple matches: the longest matching path wins; Prefix matches element-wise
    # (/api does not match /apiary), which Traefik follows with strictPrefixMatching.
    path = examples / "ingress" / TOPOLOGY_FILE
    edit(path, lambda t: t["walks"]["www-api"].update(to="http://www.example.com/apiary"))
    assert compute("ingress", "www-api", examples).hops[-1].place_id.startswith("pod-frontend-")
    # Without strict matching Traefik's Prefix is a string prefix: /apiary goes to api.
    edit(path, lambda t: t["controller"].update(strict_prefix_matching=False))
    assert compute("ingress", "www-api", examples).hops[-1].place_id.startswith("pod-api-")


def test_ingress_tls_is_terminated_at_the_controller():
    walk = compute("ingress", "www-tls")
    traefik = hop_at(walk, "traefik")
    assert "tls-terminate" in kinds(traefik)
    assert traefik.arriving.dst.port == 8443  # websecure
    assert traefik.leaving.proto == "HTTP"  # a new, plain connection to the Pod


def test_ingress_native_lb_sends_through_the_cluster_ip(examples):
    # Traefik: with service.nativelb the backend is the ClusterIP and kube-proxy picks the Pod.
    edit(
        examples / "ingress" / "service-api.yaml",
        lambda s: (
            s["metadata"]
            .setdefault("annotations", {})
            .update({"traefik.ingress.kubernetes.io/service.nativelb": "true"})
        ),
    )
    edit(
        examples / "ingress" / TOPOLOGY_FILE,
        lambda t: t["services"].update(api={"cluster_ip": "10.96.77.7"}),
    )
    walk = compute("ingress", "www-api", examples)
    assert hop_at(walk, "traefik").leaving.dst.ip == "10.96.77.7"
    assert "dnat" in kinds(hop_at(walk, "kube-proxy-node-1"))


# --- Gateway API (gateway-api.sigs.k8s.io: HTTPRoute, BackendRef, ReferenceGrant) ------------


def test_gateway_weighted_choice_names_both_weights():
    walk = compute("gateway-api", "canary")
    step = next(s for s in hop_at(walk, "traefik").steps if s.kind == "weighted-choice")
    assert "whoami 90" in step.text and "whoami-v2 10" in step.text
    assert walk.hops[-1].place_id.startswith("pod-whoami-v2-")


def test_gateway_header_match_beats_the_catch_all_rule():
    # HTTPRouteRule: with equal paths, the larger number of header matches wins.
    walk = compute("gateway-api", "header")
    match = next(
        s for s in hop_at(walk, "traefik").steps if s.kind == "l7-match" and "rule" in s.text
    )
    assert "rule 1" in match.text
    assert walk.hops[-1].place_id.startswith("pod-whoami-v2-")


def test_gateway_cross_namespace_backend_is_allowed_by_the_reference_grant():
    walk = compute("gateway-api", "canary")
    traefik = hop_at(walk, "traefik")
    assert "reference-check" in kinds(traefik)
    assert "referencegrant-whoami-routes" in traefik.objects


def test_gateway_without_the_grant_the_request_gets_500():
    # HTTPRouteRule.backendRefs: requests to an invalid (not permitted) backend get a 500.
    walk = compute("gateway-api", "before-grant")
    assert walk.outcome == Outcome.REFUSED
    assert "500" in walk.hops[-1].steps[-1].text


def test_gateway_weight_zero_sends_nothing_to_that_backend(examples):
    # BackendRef.weight: "If weight is set to 0, no traffic should be forwarded for this entry."
    def zero(route):
        for ref in route["spec"]["rules"][2]["backendRefs"]:
            if ref["name"] == "whoami-v2":
                ref["weight"] = 0

    edit(examples / "gateway-api" / "httproute-whoami.yaml", zero)
    walk = compute("gateway-api", "canary", examples)
    assert walk.hops[-1].place_id.startswith("pod-whoami-node-")


# --- Service mesh (istio.io: ports, auto mTLS, PeerAuthentication, AuthorizationPolicy) ------


def test_mesh_app_connection_captured_then_mtls_between_sidecars():
    walk = compute("service-mesh", "canary")
    ids = [h.place_id for h in walk.hops]
    assert ids[0].startswith("pod-frontend-") and ids[1].startswith("sidecar-frontend-")
    client_sidecar, server_sidecar = walk.hops[1], walk.hops[2]
    assert "capture" in kinds(client_sidecar) and "mtls-wrap" in kinds(client_sidecar)
    assert client_sidecar.leaving.proto == "mTLS"
    assert "mtls-unwrap" in kinds(server_sidecar) and "authz-allow" in kinds(server_sidecar)
    # The sidecar connects to the chosen Pod's IP, not to the ClusterIP.
    assert client_sidecar.leaving.dst.ip != client_sidecar.arriving.dst.ip
    assert walk.hops[-1].arriving.src.ip == "127.0.0.6"  # the sidecar's inbound source


def test_mesh_denied_request_is_refused_with_403():
    walk = compute("service-mesh", "denied")
    assert walk.outcome == Outcome.REFUSED
    last = walk.hops[-1]
    assert last.place_id.startswith("sidecar-reviews-")
    assert "authz-deny" in kinds(last) and "403" in last.steps[-1].text


def test_mesh_plaintext_is_refused_by_strict_peer_authentication(examples):
    # PeerAuthentication STRICT refuses plaintext: a caller without a sidecar is reset.
    edit(
        examples / "service-mesh" / TOPOLOGY_FILE,
        lambda t: t["pods"].append(
            {
                "name": "plain",
                "namespace": "shop",
                "labels": {"sidecar.istio.io/inject": "false"},
                "node": "node-3",
                "ip": "10.244.3.50",
            }
        ),
    )
    edit(
        examples / "service-mesh" / TOPOLOGY_FILE,
        lambda t: t["walks"]["denied"].update({"from": "plain"}),
    )
    walk = compute("service-mesh", "denied", examples)
    assert walk.outcome == Outcome.REFUSED
    assert "STRICT" in walk.hops[-1].steps[-1].text


# --- The client's address (Using Source IP; MetalLB layer 2; Traefik forwarded headers) ------


def test_client_ip_local_policy_keeps_the_client_up_to_traefik_then_x_forwarded_for():
    client_ip = topology("client-ip")["outside"]["client"]["ip"]
    walk = compute("client-ip", "local")
    # Local: MetalLB announces only from a node with a ready endpoint (the Traefik Pod's).
    assert "only eligible node" in hop_at(walk, "speaker-node-3").steps[0].text
    traefik = hop_at(walk, "traefik")
    assert traefik.arriving.src.ip == client_ip  # no SNAT on node-3
    assert f"X-Forwarded-For: {client_ip}" in " ".join(s.text for s in traefik.steps)
    assert walk.hops[-1].arriving.src.ip == traefik.leaving.src.ip  # the app's peer: Traefik


# --- Traffic locality (kubernetes.io: Service traffic distribution, traffic policies) ---------


def test_prefer_same_node_keeps_the_connection_on_the_clients_node():
    walk = compute("endpoints", "prefer-same-node")
    kernel = hop_at(walk, "kube-proxy-node-1")
    assert kinds(kernel)[:2] == ["endpoint-choice", "dnat"]
    assert kernel.leaving.dst.ip == "10.244.1.17"  # the web Pod on node-1, every time


def test_prefer_same_node_falls_back_to_any_pod_without_a_local_one(examples):
    walk = compute("endpoints", "prefer-fallback")
    kernel = hop_at(walk, "kube-proxy-node-3")
    assert "no endpoint is hinted for node-3" in kernel.steps[0].text
    assert "one of 2 ready endpoints" in kernel.steps[1].text
    # Without the preference nothing is said about hints.
    edit(
        examples / "endpoints" / "service-web-prefer-local.yaml",
        lambda s: s["spec"].pop("trafficDistribution"),
    )
    plain = hop_at(compute("endpoints", "prefer-same-node", examples), "kube-proxy-node-1")
    assert "endpoint-choice" not in kinds(plain)


def test_internal_traffic_policy_local_drops_on_a_node_without_a_pod():
    walk = compute("endpoints", "local-only-dropped")
    assert walk.outcome == Outcome.DROPPED
    assert "internalTrafficPolicy Local" in walk.hops[-1].steps[-1].text


# --- The Pod network (kubernetes.io: the network model; Flannel: VXLAN backend, masquerade) ---


def _pod_ip(slug: str, name: str) -> str:
    return next(p["ip"] for p in topology(slug)["pods"] if p.get("of") == f"Pod/{name}")


def test_pod_to_pod_on_one_node_is_switched_and_never_translated():
    # The network model: Pods reach each other without NAT; on one node the bridge switches.
    walk = compute("pod-network", "same-node")
    assert [h.place_id for h in walk.hops] == ["pod-net-debug", "bridge-node-1", "pod-echo-node-1"]
    for hop in walk.hops:
        assert not {"dnat", "snat", "encapsulate"} & set(kinds(hop)), hop.place
    delivered = walk.hops[-1].arriving
    assert delivered.src.ip == _pod_ip("pod-network", "net-debug")
    assert delivered.dst == walk.hops[0].leaving.dst
    assert walk.outcome == Outcome.DELIVERED


def test_pod_to_pod_across_nodes_travels_in_vxlan_between_the_node_addresses():
    # Flannel's VXLAN backend: the route for the other node's range leads into flannel.1, which
    # wraps the packet in UDP to the other node (port 8472 by default on Linux); the inner
    # packet arrives unchanged.
    nodes = topology("pod-network")["nodes"]
    walk = compute("pod-network", "cross-node")
    route = hop_at(walk, "bridge-node-1")
    assert "route" in kinds(route) and "10.244.2.0/24" in route.steps[0].text
    wrap = hop_at(walk, "tunnel-node-1")
    assert "encapsulate" in kinds(wrap)
    assert wrap.leaving.proto == "UDP"
    assert wrap.leaving.src.ip == nodes["node-1"]["ip"]
    assert (wrap.leaving.dst.ip, wrap.leaving.dst.port) == (nodes["node-2"]["ip"], 8472)
    assert "decapsulate" in kinds(hop_at(walk, "tunnel-node-2"))
    assert walk.hops[-1].arriving == walk.hops[0].leaving  # nothing rewrote the Pod's packet


def test_pod_to_outside_is_masqueraded_to_the_node_and_restored_on_the_way_back():
    # Flannel's FLANNEL-POSTRTG: MASQUERADE for Pod traffic leaving the cluster range; the
    # address is eth0's (iptables-extensions, MASQUERADE); conntrack restores the reply.
    node_ip = topology("pod-network")["nodes"]["node-1"]["ip"]
    walk = compute("pod-network", "egress")
    out = hop_at(walk, "uplink-node-1")
    assert "snat" in kinds(out) and out.leaving.src.ip == node_ip
    assert hop_at(walk, "server").arriving.src.ip == node_ip
    back = hop_at(walk, "uplink-node-1", "reply")
    assert "un-nat" in kinds(back)
    assert back.leaving.dst == walk.hops[0].leaving.src
    assert walk.hops[-1].place_id == "pod-net-debug" and walk.outcome == Outcome.DELIVERED


def test_pod_to_outside_without_masquerading_keeps_the_pod_address(examples):
    edit(examples / "pod-network" / TOPOLOGY_FILE, lambda t: t["cni"].update(masquerade=False))
    walk = compute("pod-network", "egress", examples)
    assert hop_at(walk, "server").arriving.src.ip == _pod_ip("pod-network", "net-debug")
    assert not any("snat" in kinds(h) or "un-nat" in kinds(h) for h in walk.hops)


def test_routed_mode_sends_to_the_other_node_without_a_tunnel(examples):
    edit(examples / "pod-network" / TOPOLOGY_FILE, lambda t: t["cni"].update(mode="routed"))
    walk = compute("pod-network", "cross-node", examples)
    assert [h.place_id for h in walk.hops] == [
        "pod-net-debug",
        "bridge-node-1",
        "bridge-node-2",
        "pod-echo-node-2",
    ]
    assert "via 192.168.1.12" in hop_at(walk, "bridge-node-1").steps[0].text


def test_a_pod_pinned_elsewhere_cannot_be_placed(examples):
    edit(
        examples / "pod-network" / TOPOLOGY_FILE,
        lambda t: t["pods"][2].update(node="node-1", ip="10.244.1.99"),
    )
    with pytest.raises(WalkError) as excinfo:
        compute("pod-network", "cross-node", examples)
    one_line_error(excinfo, "walk-topology.yml", "echo-node-2", "pinned to node-2")


def test_pod_ip_walk_to_an_address_no_pod_has(examples):
    edit(
        examples / "pod-network" / TOPOLOGY_FILE,
        lambda t: t["walks"]["cross-node"].update(to="http://10.244.2.99:8080/"),
    )
    with pytest.raises(WalkError) as excinfo:
        compute("pod-network", "cross-node", examples)
    one_line_error(excinfo, "walk-topology.yml", "no Pod of the topology has the IP 10.244.2.99")


def test_vxlan_mode_needs_its_port(examples):
    edit(examples / "pod-network" / TOPOLOGY_FILE, lambda t: t["cni"].pop("vxlan_port"))
    with pytest.raises(WalkError) as excinfo:
        compute("pod-network", "cross-node", examples)
    one_line_error(excinfo, "walk-topology.yml", "cni", "vxlan_port")


# --- NetworkPolicy (kubernetes.io: Network Policies) ----------------------------------------


def test_policy_default_deny_drops_the_dns_query_first():
    # default-deny isolates every Pod for egress: the query to CoreDNS (UDP 53) is not allowed.
    walk = compute("network-policy", "no-dns")
    assert len(walk.hops) == 1 and walk.outcome == Outcome.DROPPED
    drop = walk.hops[0].steps[-1]
    assert drop.kind == "drop" and "UDP 53" in drop.text and "default-deny" in drop.text


def test_policy_needs_both_ends_the_sender_is_stopped_on_its_node():
    # The receiving end allows (web-from-frontend), the sending end does not: dropped on the
    # client's node, before the packet reaches any web Pod.
    walk = compute("network-policy", "one-end")
    assert walk.outcome == Outcome.DROPPED
    last = walk.hops[-1]
    assert last.place_id == "kube-proxy-node-3"
    assert "egress" in last.steps[-1].text and "TCP 8080" in last.steps[-1].text
    assert not any(h.place_id.startswith("pod-web-") for h in walk.hops)


def test_policy_allowed_flow_is_checked_on_the_pod_port_at_both_ends():
    # Rules see the connection as it reaches the Pod: port 8080, not the Service's 80.
    walk = compute("network-policy", "frontend")
    kernel = hop_at(walk, "kube-proxy-node-3")
    assert kinds(kernel)[-1] == "policy-allow"
    assert "frontend-to-web" in kernel.steps[-1].text and "TCP 8080" in kernel.steps[-1].text
    assert "networkpolicy-frontend-to-web" in kernel.objects
    web = next(h for h in walk.hops if h.place_id.startswith("pod-web-"))
    assert "policy-allow" in kinds(web) and "networkpolicy-web-from-frontend" in web.objects
    assert walk.outcome == Outcome.DELIVERED
    assert walk.hops[-1].direction == "reply"  # replies pass implicitly


def test_policy_other_label_resolves_and_is_dropped():
    walk = compute("network-policy", "other")
    assert hop_at(walk, "coredns").leaving is not None  # allow-dns covers every Pod
    assert walk.outcome == Outcome.DROPPED
    assert walk.hops[-1].steps[-1].kind == "drop"


def test_policy_on_the_service_port_matches_nothing(examples):
    def service_port(policy):
        policy["spec"]["egress"][0]["ports"][0]["port"] = 80

    edit(examples / "network-policy" / "networkpolicy-frontend-to-web.yaml", service_port)
    walk = compute("network-policy", "frontend", examples)
    assert walk.outcome == Outcome.DROPPED
    assert "TCP 8080" in walk.hops[-1].steps[-1].text


def test_policy_named_port_is_the_pods_container_port(examples):
    def named(policy):
        policy["spec"]["ingress"][0]["ports"][0]["port"] = "http"

    edit(examples / "network-policy" / "networkpolicy-web-from-frontend.yaml", named)
    assert compute("network-policy", "frontend", examples).outcome == Outcome.DELIVERED


def test_policy_peer_with_both_selectors_needs_both(examples):
    # One peer with namespaceSelector and podSelector: AND. kube-system has no app=web Pods.
    def and_peer(policy):
        peer = policy["spec"]["egress"][0]["to"][0]
        peer["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}

    edit(examples / "network-policy" / "networkpolicy-frontend-to-web.yaml", and_peer)
    assert compute("network-policy", "frontend", examples).outcome == Outcome.DROPPED


def test_policies_nobody_enforces_change_nothing(examples):
    edit(
        examples / "network-policy" / TOPOLOGY_FILE,
        lambda t: t["cni"].update(network_policy=False),
    )
    walk = compute("network-policy", "other", examples)
    assert walk.outcome == Outcome.DELIVERED
    assert any("does not enforce" in s.text for h in walk.hops for s in h.steps)


def test_policies_need_the_plugin_declared(examples):
    edit(examples / "network-policy" / TOPOLOGY_FILE, lambda t: t.pop("cni"))
    with pytest.raises(WalkError) as excinfo:
        compute("network-policy", "frontend", examples)
    one_line_error(excinfo, "walk-topology.yml", "cni", "NetworkPolicies")


def test_policy_also_applies_to_a_controllers_own_connection(examples):
    # Egress isolation of the Traefik Pods: its connection to the app Pod is a new connection
    # from a Pod like any other, so it is dropped on Traefik's node.
    folder = examples / "ingress"
    (folder / "networkpolicy-traefik-deny.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "traefik-deny", "namespace": "traefik"},
                "spec": {"podSelector": {}, "policyTypes": ["Egress"]},
            }
        )
    )
    edit(
        folder / TOPOLOGY_FILE,
        lambda t: t.update(cni={"cluster_cidr": "10.244.0.0/16", "network_policy": True}),
    )
    edit(
        folder / TOPOLOGY_FILE,
        lambda t: t["walks"]["www-api"]["manifests"].append("networkpolicy-traefik-deny.yaml"),
    )
    walk = compute("ingress", "www-api", examples)
    assert walk.outcome == Outcome.DROPPED
    assert walk.hops[-1].place_id == "traefik" and "egress" in walk.hops[-1].steps[-1].text


# --- HTTPS at the Gateway (Gateway API: listener TLS, ReferenceGrant, BackendTLSPolicy) -----


def test_listener_precedence_exact_then_longer_wildcards_then_empty():
    from scripts.pipeline.walks.gateway import listener_precedence

    order = ["", "*.example.com", "*.foo.example.com", "api.example.com"]
    assert sorted(order, key=listener_precedence) == order


def test_gateway_https_ends_tls_with_the_listeners_certificate():
    walk = compute("gateway-api-https", "https")
    traefik = hop_at(walk, "traefik")
    assert kinds(traefik)[0] == "tls-terminate"
    assert "listener https " in traefik.steps[0].text
    assert "traefik/example-com-tls" in traefik.steps[0].text
    assert traefik.arriving.what.startswith("TLS ClientHello")
    assert traefik.leaving.proto == "HTTP" and traefik.leaving.dst.port == 8080
    assert "X-Forwarded-Proto: https" in " ".join(s.text for s in traefik.steps)
    assert walk.outcome == Outcome.DELIVERED


def test_gateway_https_exact_listener_wins_and_tls_starts_again_to_the_pod():
    walk = compute("gateway-api-https", "api")
    traefik = hop_at(walk, "traefik")
    assert "listener https-api" in traefik.steps[0].text  # not the wildcard listener https
    assert "referencegrant-gateway-certs" in traefik.objects
    assert kinds(traefik)[-1] == "tls-originate"
    assert "whoami-tls.whoami.svc.cluster.local" in traefik.steps[-1].text
    assert traefik.leaving.proto == "HTTPS" and traefik.leaving.dst.port == 8443


def test_gateway_https_listener_without_certificate_fails_the_handshake(examples):
    edit(
        examples / "gateway-api-https" / "gateway-web.yaml",
        lambda g: g["spec"]["listeners"][1]["tls"].pop("certificateRefs"),
    )
    walk = compute("gateway-api-https", "https", examples)
    assert walk.outcome == Outcome.REFUSED
    texts = [s.text for s in walk.hops[-1].steps]
    assert "names no certificate" in texts[0] and "leaves the listener out" in texts[0]
    assert "default certificate" in texts[-1] and "handshake fails" in texts[-1]


def test_gateway_https_certificate_in_another_namespace_needs_the_grant(examples):
    # Without the grant the listener https-api is left out: api.example.com falls to the
    # wildcard listener https, whose certificate matches, but no route there serves the host.
    (examples / "gateway-api-https" / "referencegrant-gateway-certs.yaml").unlink()
    walk = compute("gateway-api-https", "api", examples)
    assert walk.outcome == Outcome.REFUSED
    steps = walk.hops[-1].steps
    assert steps[0].kind == "reference-check" and "RefNotPermitted" in steps[0].text
    assert steps[1].kind == "tls-terminate" and "example-com-tls" in steps[1].text
    assert "404" in steps[-1].text


def test_gateway_https_backend_on_443_without_policy_is_not_guessed(examples):
    (examples / "gateway-api-https" / "backendtlspolicy-whoami-tls.yaml").unlink()
    with pytest.raises(WalkError) as excinfo:
        compute("gateway-api-https", "api", examples)
    one_line_error(excinfo, "service-whoami-tls.yaml", "no BackendTLSPolicy")


# --- a changed field changes the walk -------------------------------------------------------


def test_changed_target_port_changes_the_dnat(examples):
    def port(deployment):
        deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 9090

    edit(examples / "clusterip" / "deployment-web.yaml", port)
    walk = compute("clusterip", "pod", examples)
    assert hop_at(walk, "kube-proxy-node-3").leaving.dst.port == 9090


def test_changed_traffic_policy_changes_the_walk(examples):
    edit(
        examples / "nodeport" / "service-web-nodeport.yaml",
        lambda s: s["spec"].update(externalTrafficPolicy="Local"),
    )
    walk = compute("nodeport", "cluster", examples)
    assert walk.outcome == Outcome.DROPPED  # node-3 has no local Pod
    with pytest.raises(WalkError) as excinfo:
        checked("nodeport", "cluster", examples)
    one_line_error(excinfo, "walk-topology.yml", "dropped", "expects delivered")


def test_changed_replicas_must_be_placed(examples):
    edit(examples / "nodeport" / "deployment-web.yaml", lambda d: d["spec"].update(replicas=3))
    with pytest.raises(WalkError) as excinfo:
        compute("nodeport", "local", examples)
    one_line_error(excinfo, "walk-topology.yml", "3 replicas", "places 2")


# --- bad input: one line, naming the file and the reason ------------------------------------


def test_service_selecting_no_pods(examples):
    edit(
        examples / "clusterip" / "service-web.yaml",
        lambda s: s["spec"].update(selector={"app": "webx"}),
    )
    with pytest.raises(WalkError) as excinfo:
        compute("clusterip", "pod", examples)
    one_line_error(excinfo, "service-web.yaml", "selects no Pod", "app=webx")


def test_route_to_a_missing_backend(examples):
    def rename(ingress):
        ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "apix"

    edit(examples / "ingress" / "ingress-www.yaml", rename)
    with pytest.raises(WalkError) as excinfo:
        compute("ingress", "www-api", examples)
    one_line_error(excinfo, "ingress-www.yaml", "demo/apix", "does not exist")


def test_httproute_to_a_missing_backend(examples):
    def rename(route):
        route["spec"]["rules"][2]["backendRefs"][0]["name"] = "whoami-gone"

    edit(examples / "gateway-api" / "httproute-whoami.yaml", rename)
    with pytest.raises(WalkError) as excinfo:
        compute("gateway-api", "stable", examples)
    one_line_error(excinfo, "httproute-whoami.yaml", "whoami/whoami-gone", "does not exist")


def test_named_port_that_does_not_exist(examples):
    edit(
        examples / "clusterip" / "service-web.yaml",
        lambda s: s["spec"]["ports"][0].update(targetPort="htp"),
    )
    with pytest.raises(WalkError) as excinfo:
        compute("clusterip", "pod", examples)
    one_line_error(excinfo, "service-web.yaml", "'htp'", "names no container port")


def test_pod_on_an_unknown_node(examples):
    edit(examples / "nodeport" / TOPOLOGY_FILE, lambda t: t["pods"][0].update(node="node-4"))
    with pytest.raises(WalkError) as excinfo:
        compute("nodeport", "local", examples)
    one_line_error(excinfo, "walk-topology.yml", "'node-4'", "not one of the topology's nodes")


def test_pod_ip_outside_its_node_range(examples):
    edit(examples / "nodeport" / TOPOLOGY_FILE, lambda t: t["pods"][0].update(ip="10.244.2.99"))
    with pytest.raises(WalkError) as excinfo:
        compute("nodeport", "local", examples)
    one_line_error(excinfo, "walk-topology.yml", "outside node-1's Pod CIDR")


def test_two_versions_of_one_object_must_be_chosen(examples):
    edit(examples / "ingress" / TOPOLOGY_FILE, lambda t: t["walks"]["www-api"].pop("manifests"))
    with pytest.raises(WalkError) as excinfo:
        compute("ingress", "www-api", examples)
    one_line_error(excinfo, "ingress-www.yaml", "also defined in", "manifests")


def test_unknown_walk_and_malformed_placeholder():
    with pytest.raises(WalkError) as excinfo:
        compute("nodeport", "no-such-walk")
    one_line_error(excinfo, "walk-topology.yml", "no walk 'no-such-walk'")
    with pytest.raises(WalkError) as excinfo:
        render_walk_placeholders('Text {{ walk("nodeport", "local") }} inline.\n', "docs/x.md")
    one_line_error(excinfo, "docs/x.md", "line 1", "alone on its line")


# --- the page: list, JSON and sequence agree ------------------------------------------------


class _Items(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.walk_data: str | None = None
        self.items: list[dict] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "packet-walk" in (attrs.get("class") or ""):
            self.walk_data = attrs["data-walk"]
        if tag == "li":
            self.items.append(attrs)
            self._text = []

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "li" and self._text is not None:
            self.items[-1]["text"] = "".join(self._text)
            self._text = None


@pytest.mark.parametrize(("slug", "variant"), ALL_WALKS, ids=[f"{s}/{v}" for s, v in ALL_WALKS])
def test_the_no_js_list_equals_the_steps(slug, variant):
    walk = compute(slug, variant)
    parser = _Items()
    parser.feed(render_html(walk))
    assert json.loads(parser.walk_data) == json.loads(json.dumps(walk.to_json()))
    assert len(parser.items) == len(walk.hops)
    for item, hop in zip(parser.items, walk.hops, strict=True):
        assert item["id"] == f"{walk.dom_id}-hop-{hop.index}"
        assert item["data-node"] == hop.node_id
        assert item["data-edge"] == (hop.edge_id or "")
        assert item["data-outcome"] == hop.outcome.value
        assert hop_text(hop) in item["text"]
        if hop.outcome in (Outcome.DROPPED, Outcome.REFUSED):
            assert item["text"].split(": ", 1)[1].startswith(hop.outcome.value.capitalize())


def _page_placeholders() -> list[tuple[str, str, tuple[str, ...]]]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for match in PLACEHOLDER.finditer(page.read_text(encoding="utf-8")):
            variants = tuple(re.findall(r'"([a-z0-9-]+)"', match.group(2)))
            found.append((page.name, match.group(1), variants))
    return found


def test_pages_use_the_walks_the_issue_asks_for():
    used = {(slug, v) for _, slug, variants in _page_placeholders() for v in variants}
    for wanted in [
        ("clusterip", "pod"),
        ("clusterip", "headless"),
        ("clusterip", "kubectl-proxy"),
        ("nodeport", "cluster"),
        ("nodeport", "local"),
        ("nodeport", "local-no-endpoint"),
        ("loadbalancer", "cloud"),
        ("metallb", "l2"),
        ("ingress", "www-api"),
        ("ingress", "www-tls"),
        ("gateway-api", "canary"),
        ("service-mesh", "canary"),
        ("service-mesh", "denied"),
        ("pod-network", "cross-node"),
        ("pod-network", "egress"),
        ("network-policy", "other"),
        ("gateway-api-https", "https"),
        ("endpoints", "local-only-dropped"),
        ("client-ip", "local"),
    ]:
        assert wanted in used, wanted


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_page_placeholders_render(page):
    source = (DOCS / page).read_text(encoding="utf-8")
    rendered = render_walk_placeholders(source, f"docs/{page}")
    assert "{{ walk" not in rendered
    for _, slug, variants in [p for p in _page_placeholders() if p[0] == page]:
        if f'walk_sequence("{slug}"' in source:
            assert "```mermaid\nsequenceDiagram" in rendered


def test_generated_sequences_parse_with_mermaid(tmp_path):
    """Every sequence a page generates, plus one per slug with all its walks that fit."""
    from tests.test_mermaid import check, mermaid_blocks

    pages = []
    for page in sorted(DOCS.glob("*.md")):
        source = page.read_text(encoding="utf-8")
        if "walk_sequence(" in source:
            pages.append((page.name, render_walk_placeholders(source, f"docs/{page.name}")))
    by_slug: dict[str, list[Walk]] = {}
    for slug, variant in ALL_WALKS:
        by_slug.setdefault(slug, []).append(compute(slug, variant))
    extra = []
    for walks in by_slug.values():
        for walk in walks:
            extra.append(f"```mermaid\n{render_sequence([walk])}\n```\n")
    pages.append(("all-walks.md", "\n".join(extra)))
    blocks = []
    for name, text in pages:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        blocks += mermaid_blocks(path)
    assert len(blocks) >= len(ALL_WALKS)
    problems = check(blocks)
    assert not problems, "\n".join(problems)


# --- the picture ------------------------------------------------------------------------------


def _diagram_ids(slug: str) -> set[str]:
    from scripts.pipeline.render import render_all

    svg = render_all([ROOT / "diagrams" / f"{slug}.py"])[0].svg.read_text(encoding="utf-8")
    return set(re.findall(r'\bid="([^"]+)"', svg))


# Pictures that do not draw every place and edge of their walks yet, with what they lack.
# Every walk's hops are drawn on its diagram now (the walk-topology files map the walk's
# conventional ids to the ids a picture draws, where they differ).
DIAGRAM_GAPS: dict[str, str] = {}


@pytest.mark.parametrize(
    "slug",
    [
        pytest.param(
            slug,
            marks=pytest.mark.xfail(
                reason=f"diagrams/{slug}.py lacks {DIAGRAM_GAPS[slug]}", strict=False
            ),
        )
        if slug in DIAGRAM_GAPS
        else slug
        for slug in sorted({s for s, _ in ALL_WALKS})
    ],
)
def test_every_hop_and_edge_exists_in_the_diagram(slug):
    ids = _diagram_ids(slug)
    missing = set()
    for walk_slug, variant in ALL_WALKS:
        if walk_slug != slug:
            continue
        for hop in compute(slug, variant).hops:
            missing |= {hop.node_id} - ids
            if hop.edge_id:
                missing |= {hop.edge_id} - ids
    assert not missing, f"diagrams/{slug}.py lacks {sorted(missing)}"


# --- wired into a build (test-only wiring; the real hook is wired by hooks.py) --------------

WIRING = """

# Test-only wiring of the packet walks (tests/test_walks.py).
_walks_on_page_markdown = on_page_markdown


def on_page_markdown(markdown, page, config, files):
    from scripts.pipeline.walks import WalkError, render_walk_placeholders

    try:
        markdown = render_walk_placeholders(
            markdown, f"docs/{page.file.src_uri}", Path(config["docs_dir"]) / "examples"
        )
    except WalkError as exc:
        raise PluginError(str(exc)) from None
    return _walks_on_page_markdown(markdown, page, config, files)
"""


def _wired_copy(tmp_path) -> Path:
    from tests.conftest import copy_project

    project = copy_project(tmp_path / "project")
    hooks = project / "scripts" / "pipeline" / "hooks.py"
    if "render_walk_placeholders" not in hooks.read_text():
        hooks.write_text(hooks.read_text() + WIRING)
    return project


def _build(project: Path, site: Path) -> tuple[int, str]:
    """mkdocs build without the diagrams (they are not what this checks, and a fresh copy
    would draw them all): not strict, since the figures' SVGs are then missing; every other
    warning is reported."""
    import os
    import subprocess
    import sys

    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("strict: true", "strict: false"))
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "KNI_DIAGRAMS": "off"},
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    warnings = [
        line
        for line in output.splitlines()
        if line.startswith("WARNING") and "diagrams/" not in line
    ]
    assert result.returncode != 0 or not warnings, "\n".join(warnings)
    return result.returncode, output


def test_a_wired_build_puts_the_walks_into_the_pages(tmp_path):
    from bs4 import BeautifulSoup

    project = _wired_copy(tmp_path)
    returncode, output = _build(project, tmp_path / "site")
    assert returncode == 0, output[-3000:]
    soup = BeautifulSoup((tmp_path / "site" / "nodeport" / "index.html").read_text(), "html.parser")
    walk = soup.select_one("#walk-nodeport-local-no-endpoint")
    assert walk is not None and len(walk.select("li")) == 2
    assert walk.select_one("li.packet-walk-dropped") is not None
    data = json.loads(walk["data-walk"])
    assert data["hops"][-1]["outcome"] == "dropped"
    sequences = [d.get_text() for d in soup.select("div.mermaid")]
    assert any("participant" in s and "kube-proxy rules" in s for s in sequences)


def test_a_wired_build_fails_with_the_walk_error(tmp_path):
    project = _wired_copy(tmp_path)
    edit(
        project / "docs" / "examples" / "nodeport" / "service-web-local.yaml",
        lambda s: s["spec"].update(selector={"app": "nothing"}),
    )
    returncode, output = _build(project, tmp_path / "site")
    assert returncode != 0
    line = "examples/nodeport/service-web-local.yaml: Service demo/web-local: selects no Pod"
    assert line in output, output[-3000:]
