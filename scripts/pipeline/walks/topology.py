"""The declared topology of one page's example cluster: walk-topology.yml beside its manifests.

Manifests say what should exist; the topology says where the cluster put it and what it
allocated: the nodes with their addresses and Pod ranges, which node runs each replica and
with which Pod IP, the ClusterIPs and node ports the control plane picked, the clients and
load balancers outside the cluster, which controller or mesh is installed, and the walks the
page shows. Each value must match what the page's own outputs print.

Every problem is reported as one line naming this file and the key at fault.

Keys (see docs/examples/*/walk-topology.yml):
    nodes:       name -> ip, pod_cidr, and optionally tunnel_address, bridge_address, mac
    cluster:     domain, dns_service_ip, api_server {node, port}
    cni:         name, cluster_cidr, mode? (vxlan or routed), bridge, and for vxlan
                 tunnel_device, vxlan_port, vni; masquerade (Pod to outside is SNATed),
                 network_policy (the plugin enforces NetworkPolicy)
    pods:        each {of: Deployment/<name>, node, ip, name?} for the manifests' replicas
                 (all of them), {of: Pod/<name>, node, ip} for a Pod manifest, or {name,
                 namespace, labels, ports, node, ip, app?, service_account?, id?} for Pods no
                 manifest here creates
    services:    [<namespace>/]<name> -> cluster_ip, node_ports {port name: number},
                 load_balancer_ip: what the cluster allocated
    outside:     client / workstation / any host {ip}; load_balancer {ip, keeps_client_ip,
                 targets, source_ip?}; dns {ip?, records {host: address}}
    controller:  name, pod, ingress_class, gateway_controller, strict_prefix_matching,
                 entry_points {name: port | {port, tls}}
    mesh:        name (istio), trust_domain, root_namespace
    metallb:     speakers [nodes], announcing_node?
    also:        manifest files of other folders the walks read
    diagram_ids: {conventional id: id drawn in the picture} for places and edges
    walks:       name -> path (cluster-ip, headless, kubectl-proxy, node-port,
                 load-balancer, metallb-l2, ingress, gateway, mesh, pod-ip), title, from, to (URL),
                 method?, headers?, choose? {endpoint, node, backend}, expect? (delivered,
                 dropped, refused), manifests? [files in effect], source_port?, diagram_ids?
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scripts.pipeline.walks.manifests import Manifests, Obj
from scripts.pipeline.walks.model import Outcome, WalkError

TOPOLOGY_FILE = "walk-topology.yml"
TOP_LEVEL = {
    "nodes",
    "cluster",
    "cni",
    "pods",
    "services",
    "outside",
    "controller",
    "mesh",
    "metallb",
    "also",
    "diagram_ids",
    "walks",
}
PATHS = {
    "cluster-ip",
    "headless",
    "kubectl-proxy",
    "node-port",
    "load-balancer",
    "metallb-l2",
    "ingress",
    "gateway",
    "mesh",
    "pod-ip",
}
CNI_KEYS = {
    "name",
    "cluster_cidr",
    "mode",
    "bridge",
    "tunnel_device",
    "vxlan_port",
    "vni",
    "masquerade",
    "network_policy",
}
WALK_KEYS = {
    "path",
    "title",
    "from",
    "to",
    "method",
    "headers",
    "choose",
    "expect",
    "manifests",
    "source_port",
    "diagram_ids",
}


@dataclass(frozen=True)
class Node:
    name: str
    ip: str
    pod_cidr: ipaddress.IPv4Network
    # Where masquerading and host-originated connections take their source address from:
    # the address of the interface the packet leaves by (iptables-extensions, MASQUERADE:
    # "a mapping to the IP address of the interface the packet is going out"). Towards a Pod
    # on this node that is the bridge to the local Pods; towards another node's Pods, the
    # overlay (tunnel) interface. Without them, the node's InternalIP is used.
    tunnel_address: str | None = None
    bridge_address: str | None = None
    mac: str | None = None

    @property
    def id(self) -> str:
        return self.name

    @property
    def kernel_id(self) -> str:
        return f"kube-proxy-{self.name}"


@dataclass(frozen=True)
class Cni:
    """The network plugin of the example cluster: how Pod packets cross nodes and leave."""

    name: str
    cluster_cidr: ipaddress.IPv4Network
    mode: str | None  # "vxlan": an overlay device per node; "routed": the network knows Pod
    # ranges; None: not declared (no walk of the page crosses the Pod network hop by hop)
    bridge: str  # the node's bridge that the Pods' veth pairs hang off
    tunnel_device: str | None
    vxlan_port: int | None
    vni: int | None
    masquerade: bool  # traffic from a Pod to outside the cluster range is SNATed
    network_policy: bool  # the plugin enforces NetworkPolicy

    def bridge_id(self, node: Node) -> str:
        return f"bridge-{node.name}"

    def tunnel_id(self, node: Node) -> str:
        return f"tunnel-{node.name}"

    def uplink_id(self, node: Node) -> str:
        return f"uplink-{node.name}"


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: dict[str, str]
    node: Node
    ip: str
    ports: dict[str, int]  # named container ports
    numbers: tuple[int, ...]  # every declared container port
    app: str  # for the diagram id pod-<app>-<node>
    service_account: str
    owner: Obj | None  # the Deployment it belongs to, when it comes from a manifest
    id_override: str | None = None

    @property
    def id(self) -> str:
        return self.id_override or f"pod-{self.app}-{self.node.name}"

    @property
    def sidecar_id(self) -> str:
        return f"sidecar-{self.app}-{self.node.name}"

    @property
    def label(self) -> str:
        return f"{self.app} Pod on {self.node.name}"


@dataclass(frozen=True)
class Outside:
    key: str  # client, workstation, load_balancer
    ip: str
    extra: dict[str, Any]


@dataclass
class WalkSpec:
    variant: str
    path: str
    title: str
    origin: str
    to: str
    method: str
    headers: dict[str, str]
    choose: dict[str, str]
    expect: Outcome
    manifests: list[str] | None
    source_port: int
    diagram_ids: dict[str, str]


@dataclass
class Topology:
    path: Path
    folder: Path
    nodes: dict[str, Node]
    pods: list[Pod]
    services: dict[str, dict]
    outside: dict[str, Outside]
    cluster: dict[str, Any]
    cni: Cni | None
    controller: dict[str, Any]
    mesh: dict[str, Any]
    metallb: dict[str, Any]
    also: list[Path]
    # {conventional id: id drawn in the picture}: places and edges named differently there.
    diagram_ids: dict[str, str] = field(default_factory=dict)
    walks: dict[str, WalkSpec] = field(default_factory=dict)

    def error(self, where: str, reason: str) -> WalkError:
        return WalkError(self.path, f"{where}: {reason}")

    # --- lookups ------------------------------------------------------------------------

    def node_of_ip(self, ip: str) -> Node | None:
        for node in self.nodes.values():
            if node.ip == ip:
                return node
        return None

    def pod_named(self, name: str) -> Pod | None:
        for pod in self.pods:
            if pod.name == name:
                return pod
        return None

    def pod_with_ip(self, ip: str) -> Pod | None:
        for pod in self.pods:
            if pod.ip == ip:
                return pod
        return None

    def service_value(self, obj: Obj, key: str) -> Any:
        """A value the cluster allocated for a Service (cluster_ip, node_ports, ...)."""
        entry = self.services.get(f"{obj.namespace}/{obj.name}") or self.services.get(obj.name)
        return None if entry is None else entry.get(key)

    def egress_address(self, node: Node, towards: Pod | Node | None) -> str:
        """The source address a packet leaving `node` gets when it is masqueraded or
        created by the host itself; see Node."""
        if isinstance(towards, Pod):
            if towards.node == node:
                return node.bridge_address or node.ip
            return node.tunnel_address or node.ip
        return node.ip


# --- loading ----------------------------------------------------------------------------


def _ip(topology_path: Path, where: str, value: Any) -> str:
    try:
        return str(ipaddress.IPv4Address(str(value)))
    except ValueError:
        raise WalkError(topology_path, f"{where}: {value!r} is not an IPv4 address") from None


def _mapping(topology_path: Path, where: str, value: Any) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WalkError(topology_path, f"{where}: expected a mapping")
    return value


def load_raw(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WalkError(path, "no walk topology here (the page asks for a walk)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise WalkError(path, f"YAML does not parse{where}") from None
    if not isinstance(data, dict):
        raise WalkError(path, "the topology must be a mapping")
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        raise WalkError(path, f"unknown key {unknown[0]!r} (known: {', '.join(sorted(TOP_LEVEL))})")
    return data


def manifest_files(topology: Topology, spec: WalkSpec) -> list[Path]:
    """The manifest files in effect for a walk: those it lists, or every *.yaml of the folder,
    plus the files under `also:` (objects another page's folder holds)."""
    if spec.manifests is None:
        files = sorted(topology.folder.glob("*.yaml"))
    else:
        files = []
        for name in spec.manifests:
            candidate = (topology.folder / name).resolve()
            if not candidate.is_file():
                raise topology.error(f"walks.{spec.variant}.manifests", f"no file {name!r}")
            files.append(candidate)
    return [*files, *topology.also]


def load(folder: Path, manifests_for_pods: Manifests | None = None) -> Topology:
    """Read and validate `<folder>/walk-topology.yml`.

    `manifests_for_pods` resolves the Pods' owners; by default every manifest in the folder
    (and under `also:`), which is the complete set of Deployments the page applies.
    """
    path = folder / TOPOLOGY_FILE
    data = load_raw(path)

    nodes: dict[str, Node] = {}
    for name, raw in _mapping(path, "nodes", data.get("nodes")).items():
        raw = _mapping(path, f"nodes.{name}", raw)
        where = f"nodes.{name}"
        try:
            cidr = ipaddress.IPv4Network(str(raw.get("pod_cidr")))
        except ValueError:
            raise WalkError(
                path, f"{where}.pod_cidr: {raw.get('pod_cidr')!r} is not a CIDR"
            ) from None
        node = Node(
            name=str(name),
            ip=_ip(path, f"{where}.ip", raw.get("ip")),
            pod_cidr=cidr,
            tunnel_address=(
                _ip(path, f"{where}.tunnel_address", raw["tunnel_address"])
                if "tunnel_address" in raw
                else None
            ),
            bridge_address=(
                _ip(path, f"{where}.bridge_address", raw["bridge_address"])
                if "bridge_address" in raw
                else None
            ),
            mac=raw.get("mac"),
        )
        for key in ("tunnel_address", "bridge_address"):
            value = getattr(node, key)
            if value and ipaddress.IPv4Address(value) not in cidr:
                raise WalkError(path, f"{where}.{key}: {value} is outside pod_cidr {cidr}")
        nodes[node.name] = node
    if not nodes:
        raise WalkError(path, "nodes: the topology declares no node")

    also = []
    for name in data.get("also") or []:
        candidate = (folder / name).resolve()
        if not candidate.is_file():
            raise WalkError(path, f"also: no file {name!r}")
        also.append(candidate)

    if manifests_for_pods is None:
        # Alternative versions of one object (a page's "apply this one instead") are fine here:
        # only the Deployments and Services are read.
        manifests_for_pods = Manifests.from_files(
            [*sorted(folder.glob("*.yaml")), *also], strict=False
        )

    pods = _load_pods(path, data.get("pods") or [], nodes, manifests_for_pods)

    services = {}
    for name, raw in _mapping(path, "services", data.get("services")).items():
        raw = _mapping(path, f"services.{name}", raw)
        namespace, _, short = str(name).rpartition("/")
        matches = [
            o for o in manifests_for_pods.of_kind("Service", namespace or None) if o.name == short
        ]
        if not matches:
            raise WalkError(path, f"services.{name}: no Service {name} in the manifests")
        for key in ("cluster_ip", "load_balancer_ip"):
            if key in raw:
                _ip(path, f"services.{name}.{key}", raw[key])
        services[str(name)] = raw

    outside = {}
    for key, raw in _mapping(path, "outside", data.get("outside")).items():
        raw = _mapping(path, f"outside.{key}", raw)
        if key == "dns":
            # Public DNS: `records` (host -> address) and, when the walk shows the lookup, the
            # resolver's `ip`; without it the client is handed the address (curl --resolve).
            records = _mapping(path, "outside.dns.records", raw.get("records"))
            for host, address in records.items():
                _ip(path, f"outside.dns.records.{host}", address)
            ip = _ip(path, "outside.dns.ip", raw["ip"]) if "ip" in raw else ""
            outside[key] = Outside(key, ip, dict(raw))
            continue
        outside[key] = Outside(key, _ip(path, f"outside.{key}.ip", raw.get("ip")), dict(raw))

    topology = Topology(
        path=path,
        folder=folder,
        nodes=nodes,
        pods=pods,
        services=services,
        outside=outside,
        cluster=_mapping(path, "cluster", data.get("cluster")),
        cni=_load_cni(path, data.get("cni"), nodes),
        controller=_mapping(path, "controller", data.get("controller")),
        mesh=_mapping(path, "mesh", data.get("mesh")),
        metallb=_mapping(path, "metallb", data.get("metallb")),
        also=also,
        diagram_ids={
            str(k): str(v)
            for k, v in _mapping(path, "diagram_ids", data.get("diagram_ids")).items()
        },
    )
    for variant, raw in _mapping(path, "walks", data.get("walks")).items():
        topology.walks[str(variant)] = _load_walk(topology, str(variant), raw)
    return topology


def _load_cni(path: Path, raw: Any, nodes: dict[str, Node]) -> Cni | None:
    if raw is None:
        return None
    raw = _mapping(path, "cni", raw)
    unknown = sorted(set(raw) - CNI_KEYS)
    if unknown:
        raise WalkError(
            path, f"cni: unknown key {unknown[0]!r} (known: {', '.join(sorted(CNI_KEYS))})"
        )
    try:
        cidr = ipaddress.IPv4Network(str(raw.get("cluster_cidr")))
    except ValueError:
        raise WalkError(
            path, f"cni.cluster_cidr: {raw.get('cluster_cidr')!r} is not a CIDR"
        ) from None
    for node in nodes.values():
        if not node.pod_cidr.subnet_of(cidr):
            raise WalkError(
                path,
                f"cni.cluster_cidr: {cidr} does not contain {node.name}'s Pod range {node.pod_cidr}",
            )
    # Left out: the walks of this page do not cross the Pod network hop by hop.
    mode = str(raw["mode"]) if "mode" in raw else None
    if mode not in (None, "vxlan", "routed"):
        raise WalkError(path, f"cni.mode: {mode!r} is not vxlan or routed")
    if mode == "vxlan":
        for key in ("tunnel_device", "vxlan_port", "vni"):
            if key not in raw:
                raise WalkError(path, f"cni: mode vxlan needs `{key}`")
        for node in nodes.values():
            if node.tunnel_address is None:
                raise WalkError(
                    path, f"nodes.{node.name}: mode vxlan needs the node's tunnel_address"
                )
    return Cni(
        name=str(raw.get("name") or "the network plugin"),
        cluster_cidr=cidr,
        mode=mode,
        bridge=str(raw.get("bridge", "cni0")),
        tunnel_device=str(raw["tunnel_device"]) if "tunnel_device" in raw else None,
        vxlan_port=int(raw["vxlan_port"]) if "vxlan_port" in raw else None,
        vni=int(raw["vni"]) if "vni" in raw else None,
        masquerade=bool(raw.get("masquerade", True)),
        network_policy=bool(raw.get("network_policy", False)),
    )


def _load_pods(
    path: Path, raw_pods: list, nodes: dict[str, Node], manifests: Manifests
) -> list[Pod]:
    pods: list[Pod] = []
    placed: dict[str, int] = {}
    for index, raw in enumerate(raw_pods):
        where = f"pods[{index}]"
        raw = _mapping(path, where, raw)
        node_name = raw.get("node")
        if node_name not in nodes:
            raise WalkError(
                path,
                f"{where}: node {node_name!r} is not one of the topology's nodes "
                f"({', '.join(nodes)})",
            )
        node = nodes[node_name]
        ip = _ip(path, f"{where}.ip", raw.get("ip"))
        if ipaddress.IPv4Address(ip) not in node.pod_cidr:
            raise WalkError(
                path, f"{where}: Pod IP {ip} is outside {node.name}'s Pod CIDR {node.pod_cidr}"
            )
        owner = None
        if "of" in raw:
            kind, _, owner_name = str(raw["of"]).partition("/")
            owner = manifests.find(kind, owner_name)
            if owner is None:
                raise WalkError(path, f"{where}.of: no {kind} {owner_name!r} in the manifests")
            if kind == "Pod":
                # A bare Pod is its own template; a node it pins itself to must be this one.
                template = {"metadata": owner.doc["metadata"], "spec": owner.spec}
                pinned = owner.spec.get("nodeName") or (owner.spec.get("nodeSelector") or {}).get(
                    "kubernetes.io/hostname"
                )
                if pinned and pinned != node.name:
                    raise WalkError(
                        path,
                        f"{where}: {owner.ref} ({owner.path.name}) is pinned to {pinned}, not "
                        f"{node.name}",
                    )
            else:
                template = owner.spec.get("template") or {}
            labels = dict((template.get("metadata") or {}).get("labels") or {})
            pod_spec = template.get("spec") or {}
            ports: dict[str, int] = {}
            numbers: list[int] = []
            for container in pod_spec.get("containers") or []:
                for port in container.get("ports") or []:
                    numbers.append(int(port["containerPort"]))
                    if port.get("name"):
                        ports[port["name"]] = int(port["containerPort"])
            namespace = owner.namespace
            count = placed.get(owner.name, 0)
            placed[owner.name] = count + 1
            name = str(raw.get("name") or f"{owner.name}-{count + 1}")
            if kind == "Pod":
                if count:
                    raise WalkError(path, f"{where}: {owner.ref} is placed twice")
                name = owner.name
            app = str(raw.get("app") or owner.name)
            service_account = pod_spec.get("serviceAccountName") or "default"
        else:
            if "name" not in raw or "namespace" not in raw:
                raise WalkError(path, f"{where}: a Pod without `of:` needs name and namespace")
            labels = {str(k): str(v) for k, v in (raw.get("labels") or {}).items()}
            ports = {str(k): int(v) for k, v in (raw.get("ports") or {}).items()}
            numbers = list(ports.values()) + [int(p) for p in raw.get("port_numbers") or []]
            namespace = str(raw["namespace"])
            name = str(raw["name"])
            app = str(raw.get("app") or name)
            service_account = str(raw.get("service_account") or "default")
        pods.append(
            Pod(
                name=name,
                namespace=namespace,
                labels=labels,
                node=node,
                ip=ip,
                ports=ports,
                numbers=tuple(numbers),
                app=app,
                service_account=service_account,
                owner=owner,
                # A bare Pod is drawn as its own object: pod-<name>.
                id_override=raw.get("id")
                or (owner.diagram_id if owner and owner.kind == "Pod" else None),
            )
        )
    ips = [p.ip for p in pods]
    duplicate = next((ip for ip in ips if ips.count(ip) > 1), None)
    if duplicate:
        raise WalkError(path, f"pods: two Pods share the IP {duplicate}")
    # Every replica the manifests ask for is placed, and no more: a changed `replicas`
    # must be reflected here rather than silently walk through a Pod that would not exist.
    for deployment in manifests.of_kind("Deployment"):
        wanted = int(deployment.spec.get("replicas", 1))
        got = placed.get(deployment.name, 0)
        if got and got != wanted:
            raise WalkError(
                path,
                f"pods: {deployment.ref} ({deployment.path.name}) has {wanted} replicas but the "
                f"topology places {got}",
            )
    return pods


def _load_walk(topology: Topology, variant: str, raw: Any) -> WalkSpec:
    path = topology.path
    where = f"walks.{variant}"
    raw = _mapping(path, where, raw)
    unknown = sorted(set(raw) - WALK_KEYS)
    if unknown:
        raise WalkError(path, f"{where}: unknown key {unknown[0]!r}")
    if raw.get("path") not in PATHS:
        raise WalkError(
            path, f"{where}.path: {raw.get('path')!r} is not one of {', '.join(sorted(PATHS))}"
        )
    for key in ("title", "from", "to"):
        if not raw.get(key):
            raise WalkError(path, f"{where}: `{key}` is required")
    expect = str(raw.get("expect", "delivered"))
    try:
        outcome = Outcome(expect)
    except ValueError:
        raise WalkError(
            path, f"{where}.expect: {expect!r} is not delivered, dropped or refused"
        ) from None
    if outcome == Outcome.FORWARDED:
        raise WalkError(path, f"{where}.expect: a walk ends delivered, dropped or refused")
    origin = str(raw["from"])
    if topology.pod_named(origin) is None and origin not in topology.outside:
        raise WalkError(
            path, f"{where}.from: {origin!r} is neither a Pod of the topology nor under outside:"
        )
    return WalkSpec(
        variant=variant,
        path=raw["path"],
        title=str(raw["title"]),
        origin=origin,
        to=str(raw["to"]),
        method=str(raw.get("method", "GET")),
        headers={str(k).lower(): str(v) for k, v in (raw.get("headers") or {}).items()},
        choose={str(k): str(v) for k, v in (raw.get("choose") or {}).items()},
        expect=outcome,
        manifests=[str(m) for m in raw["manifests"]] if "manifests" in raw else None,
        source_port=int(raw.get("source_port", 50000)),
        diagram_ids={
            str(k): str(v)
            for k, v in _mapping(path, f"{where}.diagram_ids", raw.get("diagram_ids")).items()
        },
    )
