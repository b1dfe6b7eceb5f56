"""Rules the API server (or an admission webhook) enforces that no schema expresses.

Each check cites where the rule lives. A few are site conventions, stricter than the API
server on purpose, and say so in their message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tests.support.manifests_common import Problem, group_of, label

# k8s.io/apimachinery/pkg/util/validation/validation.go: IsDNS1035Label, IsDNS1123Label,
# IsDNS1123Subdomain and IsValidPortName (IANA_SVC_NAME).
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# Default --service-node-port-range of kube-apiserver (kubernetes.io/docs/concepts/
# services-networking/service/#type-nodeport); the error there is "provided port is not in the
# valid range".
NODE_PORT_RANGE = range(30000, 32768)
# Gateway API HTTPBackendRef.weight: +kubebuilder:validation:Minimum=0, Maximum=1000000
# (kubernetes-sigs/gateway-api apis/v1/shared_types.go, BackendRef). Linkerd's HTTPRoute copies it.
GATEWAY_WEIGHT_MAX = 1_000_000
# pkg/apis/networking/validation/validation.go (validateHTTPIngressPath): supported path types.
INGRESS_PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def port_name_error(name: object) -> str | None:
    """IsValidPortName: 1-15 chars of [-a-z0-9], at least one letter, no '--', no edge '-'."""
    if not isinstance(name, str):
        return "must be a string"
    if not 1 <= len(name) <= 15:
        return "must be 1-15 characters (IANA_SVC_NAME)"
    if not re.fullmatch(r"[-a-z0-9]+", name):
        return "may contain only lowercase letters, digits and '-' (IANA_SVC_NAME)"
    if not re.search(r"[a-z]", name):
        return "must contain at least one letter (IANA_SVC_NAME)"
    if "--" in name or name.startswith("-") or name.endswith("-"):
        return "must not start or end with '-' or contain '--' (IANA_SVC_NAME)"
    return None


def _name_problems(path: Path, doc: dict) -> Iterator[Problem]:
    meta = doc["metadata"]
    name = meta["name"]
    if doc["kind"] == "Service" and group_of(doc) == "":
        # pkg/apis/core/validation: ValidateServiceName = NameIsDNS1035Label.
        if len(name) > 63 or not DNS1035_LABEL.fullmatch(name):
            yield Problem(
                path,
                "names",
                f"{label(doc)}: a Service name must be an RFC 1035 "
                "label (lowercase letters, digits, '-', starting with a letter, ≤ 63)",
            )
    elif doc["kind"] == "Namespace" and group_of(doc) == "":
        if len(name) > 63 or not DNS1123_LABEL.fullmatch(name):
            yield Problem(
                path, "names", f"{label(doc)}: a Namespace name must be an RFC 1123 label"
            )
    elif len(name) > 253 or not DNS1123_SUBDOMAIN.fullmatch(name):
        # ValidateObjectMeta with NameIsDNSSubdomain, the default for most kinds and for CRs.
        yield Problem(
            path,
            "names",
            f"{label(doc)}: metadata.name must be an RFC 1123 "
            "subdomain (lowercase letters, digits, '-', '.')",
        )
    elif len(name) > 63 or not DNS1035_LABEL.fullmatch(name):
        # Site convention, stricter than the API server: every example name is an RFC 1035
        # label, like a Service name, so any object's name can be reused as a Service or DNS name.
        yield Problem(
            path,
            "names",
            f"{label(doc)}: metadata.name {name!r} breaks the site convention: names are "
            "RFC 1035 labels (lowercase letters, digits, '-', starting with a letter, ≤ 63)",
        )
    namespace = meta.get("namespace")
    if namespace is not None and not (
        isinstance(namespace, str) and len(namespace) <= 63 and DNS1123_LABEL.fullmatch(namespace)
    ):
        yield Problem(path, "names", f"{label(doc)}: metadata.namespace must be an RFC 1123 label")


def _service_problems(path: Path, doc: dict) -> Iterator[Problem]:
    spec = doc.get("spec") or {}
    ports = spec.get("ports") or []
    service_type = spec.get("type", "ClusterIP")
    for index, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        where = f"{label(doc)}: spec.ports[{index}]"
        node_port = port.get("nodePort")
        if node_port is not None:
            if service_type not in ("NodePort", "LoadBalancer"):
                # ValidateService: "may not be used when `type` is 'ClusterIP'".
                yield Problem(
                    path, "nodeport", f"{where}.nodePort may not be set when type is {service_type}"
                )
            elif node_port not in NODE_PORT_RANGE:
                yield Problem(
                    path,
                    "nodeport",
                    f"{where}.nodePort {node_port}: provided port "
                    "is not in the valid range 30000-32767 (the default "
                    "--service-node-port-range)",
                )
        if "name" in port:
            error = port_name_error(port["name"])
            if error:
                yield Problem(path, "ports", f"{where}.name {port['name']!r} {error}")
        elif len(ports) > 1:
            # ValidateService: "must be specified" for every port of a multi-port Service
            # (kubernetes.io/docs/concepts/services-networking/service/#multi-port-services).
            yield Problem(
                path, "ports", f"{where}: every port of a multi-port Service must be named"
            )
        target = port.get("targetPort")
        if isinstance(target, str):
            error = port_name_error(target)
            if error:
                yield Problem(path, "ports", f"{where}.targetPort {target!r} {error}")
    names = [p.get("name") for p in ports if isinstance(p, dict) and p.get("name")]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        yield Problem(path, "ports", f"{label(doc)}: port name {duplicate!r} is used twice")


def _pod_template(doc: dict) -> dict:
    return (doc.get("spec") or {}).get("template") or {}


def _workload_problems(path: Path, doc: dict) -> Iterator[Problem]:
    spec = doc.get("spec") or {}
    template = _pod_template(doc)
    labels = (template.get("metadata") or {}).get("labels") or {}
    match = (spec.get("selector") or {}).get("matchLabels") or {}
    # pkg/apis/apps/validation: "`selector` does not match template `labels`".
    if match and any(labels.get(k) != v for k, v in match.items()):
        yield Problem(
            path, "selector", f"{label(doc)}: spec.selector does not match template labels"
        )
    containers = (template.get("spec") or {}).get("containers") or []
    for container in containers:
        for port in (container or {}).get("ports") or []:
            if isinstance(port, dict) and "name" in port:
                error = port_name_error(port["name"])
                if error:
                    yield Problem(
                        path,
                        "ports",
                        f"{label(doc)}: container "
                        f"{container.get('name')!r} port name {port['name']!r} {error}",
                    )


def _ingress_problems(path: Path, doc: dict) -> Iterator[Problem]:
    for rule in (doc.get("spec") or {}).get("rules") or []:
        for index, http_path in enumerate(((rule or {}).get("http") or {}).get("paths") or []):
            path_type = (http_path or {}).get("pathType")
            # A missing pathType is the schema's to report (it is required in v1).
            if path_type is not None and path_type not in INGRESS_PATH_TYPES:
                yield Problem(
                    path,
                    "ingress",
                    f"{label(doc)}: pathType {path_type!r} of path "
                    f"{index}: Unsupported value; supported values: "
                    f"{', '.join(INGRESS_PATH_TYPES)}",
                )


def _backend_weight_problems(path: Path, doc: dict) -> Iterator[Problem]:
    for r_index, rule in enumerate((doc.get("spec") or {}).get("rules") or []):
        for b_index, ref in enumerate((rule or {}).get("backendRefs") or []):
            weight = (ref or {}).get("weight", 1)
            if not isinstance(weight, int) or not 0 <= weight <= GATEWAY_WEIGHT_MAX:
                yield Problem(
                    path,
                    "weights",
                    f"{label(doc)}: spec.rules[{r_index}]."
                    f"backendRefs[{b_index}].weight {weight!r} is outside "
                    f"0..{GATEWAY_WEIGHT_MAX}",
                )


def _istio_weight_problems(path: Path, doc: dict) -> Iterator[Problem]:
    """Istio route weights: never negative, and (site convention) percentages summing to 100.

    Istio's webhook (istio/istio pkg/config/validation/validation.go, validateWeight) rejects a
    negative weight ("weight %d < 0"). It also rejected "total destination weight %v != 100"
    until Istio 1.15 loosened that (istio/istio#39544): weights are now relative. The site
    keeps the old rule on purpose: a split that sums to 100 reads as percentages, which is how
    the pages and Istio's traffic-shifting task describe it, and it works on every version.
    """
    spec = doc.get("spec") or {}
    for section in ("http", "tcp", "tls"):
        for r_index, route in enumerate(spec.get(section) or []):
            destinations = (route or {}).get("route") or []
            weights = [(d or {}).get("weight", 0) for d in destinations]
            where = f"{label(doc)}: spec.{section}[{r_index}].route"
            for weight in weights:
                if not isinstance(weight, int) or weight < 0:
                    yield Problem(path, "weights", f"{where}: weight {weight!r} < 0")
                elif weight > 100:
                    yield Problem(
                        path,
                        "weights",
                        f"{where}: weight {weight} is over 100 (site convention: percentages)",
                    )
            total = sum(w for w in weights if isinstance(w, int))
            if len(weights) > 1 and total != 100:
                yield Problem(
                    path,
                    "weights",
                    f"{where}: total destination weight {total} != 100 (site convention: "
                    "percentages; Istio 1.15+ would accept it and split by relative weight)",
                )


def _traefik_weight_problems(path: Path, doc: dict) -> Iterator[Problem]:
    # Traefik weighted round robin: a service weight is a non-negative integer
    # (traefik/traefik docs .../kubernetes/crd/http/traefikservice.md, weighted.services).
    spec = doc.get("spec") or {}
    services: list[tuple[str, dict]] = []
    for r_index, route in enumerate(spec.get("routes") or []):
        for s_index, service in enumerate((route or {}).get("services") or []):
            services.append((f"spec.routes[{r_index}].services[{s_index}]", service or {}))
    for s_index, service in enumerate((spec.get("weighted") or {}).get("services") or []):
        services.append((f"spec.weighted.services[{s_index}]", service or {}))
    for where, service in services:
        weight = service.get("weight")
        if weight is not None and (not isinstance(weight, int) or weight < 0):
            yield Problem(
                path,
                "weights",
                f"{label(doc)}: {where}.weight {weight!r} must be a non-negative integer",
            )


def _istio_subset_problems(path: Path, doc: dict, folder_docs: list[dict]) -> Iterator[Problem]:
    # Not an admission rule but the classic Istio failure (istio/istio.io traffic-shifting task:
    # subsets must be defined in a DestinationRule first; without one requests get 503).
    defined: dict[str, set[str]] = {}
    for other in folder_docs:
        if other["kind"] == "DestinationRule" and group_of(other) == "networking.istio.io":
            host = str((other.get("spec") or {}).get("host", "")).split(".")[0]
            subsets = {s.get("name") for s in (other.get("spec") or {}).get("subsets") or []}
            defined.setdefault(host, set()).update(subsets)
    for section in ("http", "tcp", "tls"):
        for route in (doc.get("spec") or {}).get(section) or []:
            for destination in (route or {}).get("route") or []:
                target = (destination or {}).get("destination") or {}
                subset = target.get("subset")
                host = str(target.get("host", "")).split(".")[0]
                if subset and subset not in defined.get(host, set()):
                    yield Problem(
                        path,
                        "subsets",
                        f"{label(doc)}: subset {subset!r} of host "
                        f"{host!r} is defined by no DestinationRule in this folder",
                    )


def _namespace(doc: dict) -> str | None:
    return (doc.get("metadata") or {}).get("namespace")


def _selector_problems(path: Path, doc: dict, folder_docs: list[dict]) -> Iterator[Problem]:
    """A Service selector must match the pod template of a workload in the same folder.

    The API server accepts any selector; a typo just leaves the Service without endpoints,
    the most common Service bug (kubernetes.io/docs/tasks/debug/debug-application/
    debug-service/, "Does the Service have any Endpoints?"). Checked only when the folder
    holds a workload in the Service's namespace, so a Service for pods defined elsewhere passes.
    """
    selector = (doc.get("spec") or {}).get("selector") or {}
    if not selector or (doc.get("spec") or {}).get("type") == "ExternalName":
        return
    workloads = [
        w for w in folder_docs if w["kind"] in WORKLOAD_KINDS and _namespace(w) == _namespace(doc)
    ]
    if not workloads:
        return
    for workload in workloads:
        labels = (_pod_template(workload).get("metadata") or {}).get("labels") or {}
        if all(labels.get(k) == v for k, v in selector.items()):
            return
    names = ", ".join(label(w) for w in workloads)
    yield Problem(
        path,
        "selector",
        f"{label(doc)}: selector {selector} matches the pod "
        f"template labels of no workload in this folder ({names})",
    )


def check_rules(path: Path, docs: list[dict], folder_docs: list[dict]) -> list[Problem]:
    problems: list[Problem] = []
    for doc in docs:
        group, kind = group_of(doc), doc["kind"]
        problems += _name_problems(path, doc)
        if group == "" and kind == "Service":
            problems += _service_problems(path, doc)
            problems += _selector_problems(path, doc, folder_docs)
        elif group == "apps" and kind in WORKLOAD_KINDS:
            problems += _workload_problems(path, doc)
        elif group == "networking.k8s.io" and kind == "Ingress":
            problems += _ingress_problems(path, doc)
        elif kind in ("HTTPRoute", "GRPCRoute") and group in (
            "gateway.networking.k8s.io",
            "policy.linkerd.io",
        ):
            problems += _backend_weight_problems(path, doc)
        elif group == "networking.istio.io" and kind == "VirtualService":
            problems += _istio_weight_problems(path, doc)
            problems += _istio_subset_problems(path, doc, folder_docs)
        elif group == "traefik.io" and kind in ("IngressRoute", "TraefikService"):
            problems += _traefik_weight_problems(path, doc)
    return problems
