"""Hand-kept CRD tables for the projects whose schemas CRD_PACKAGES does not cover.

MetalLB and Linkerd publish their CRDs only in their Git repositories and Helm charts, neither
of which we may fetch at test time, and no PyPI or npm package carries them (checked 2026-11:
no @kubernetes-models/metallb or /linkerd, nothing on PyPI). So for each served kind this table
lists the served apiVersions, the fields the CRD requires and the spec fields it declares, which
is enough to reject a wrong apiVersion, a missing field or an unknown (misspelled) field.

Sources, read for this table:
- MetalLB: metallb/metallb config/crd/bases/metallb.io_{ipaddresspools,l2advertisements,
  bgppeers}.yaml and
  website/content/configuration/_index.md (IPAddressPool and L2Advertisement are
  metallb.io/v1beta1; BGPPeer is v1beta2, its v1beta1 deprecated).
- Linkerd: linkerd/linkerd2 charts/linkerd-crds/templates/policy/{server,authorization-policy,
  meshtls-authentication,http-local-ratelimit-policy,httproute}.yaml.
- cert-manager: cert-manager/cert-manager deploy/crds/cert-manager.io_{certificates,issuers,
  clusterissuers}.yaml at tag v1.21.1 (only v1 is served), and its webhook's validation
  (internal/apis/certmanager/validation/issuer.go: an Issuer or ClusterIssuer configures
  exactly one issuer type; certificate.go: secretName and issuerRef.name are required). npm
  does carry these schemas (@kubernetes-models/cert-manager); moving cert-manager.io to
  CRD_PACKAGES in manifests_rules.py, with the package pinned in package.json, would replace
  these three entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ObjectMeta fields a manifest may set (k8s.io/apimachinery/pkg/apis/meta/v1 ObjectMeta).
# The API server validates metadata of custom resources like that of built-in kinds.
OBJECT_META_FIELDS = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "labels",
        "annotations",
        "finalizers",
        "ownerReferences",
    }
)
TOP_LEVEL_FIELDS = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})


@dataclass(frozen=True)
class Crd:
    served: tuple[str, ...]  # served versions
    spec_fields: frozenset[str]  # every field the CRD declares under spec
    required: tuple[str, ...] = ()  # spec fields the schema requires
    one_of: tuple[str, ...] = ()  # exactly one of these spec fields (a oneOf of requireds)
    deprecated: dict[str, str] = field(default_factory=dict)  # version -> use instead


def _fields(*names: str) -> frozenset[str]:
    return frozenset(names)


_SELECTORS = ("podSelector", "externalWorkloadSelector")
_ISSUER_TYPES = ("acme", "ca", "selfSigned", "vault", "venafi")
_ROUTE_SPEC = _fields("parentRefs", "hostnames", "rules")

# (group, kind) -> Crd
TABLE: dict[tuple[str, str], Crd] = {
    ("metallb.io", "IPAddressPool"): Crd(
        served=("v1beta1",),
        spec_fields=_fields("addresses", "autoAssign", "avoidBuggyIPs", "serviceAllocation"),
        required=("addresses",),
    ),
    ("metallb.io", "L2Advertisement"): Crd(
        served=("v1beta1",),
        spec_fields=_fields(
            "ipAddressPools", "ipAddressPoolSelectors", "nodeSelectors", "interfaces"
        ),
    ),
    ("metallb.io", "BGPPeer"): Crd(
        served=("v1beta1", "v1beta2"),
        spec_fields=_fields(
            "myASN",
            "peerASN",
            "peerAddress",
            "sourceAddress",
            "peerPort",
            "holdTime",
            "keepaliveTime",
            "connectTime",
            "routerID",
            "nodeSelectors",
            "password",
            "passwordSecret",
            "bfdProfile",
            "ebgpMultiHop",
            "vrf",
            "disableMP",
            "dynamicASN",
            "interface",
            "enableGracefulRestart",
            "dualStackAddressFamily",
        ),
        required=("myASN",),
        deprecated={"v1beta1": "metallb.io/v1beta2"},
    ),
    ("policy.linkerd.io", "Server"): Crd(
        served=("v1alpha1", "v1beta1", "v1beta2", "v1beta3"),
        spec_fields=_fields(
            "podSelector", "externalWorkloadSelector", "port", "proxyProtocol", "accessPolicy"
        ),
        required=("port",),
        one_of=_SELECTORS,
        deprecated={
            "v1alpha1": "policy.linkerd.io/v1beta3",
            "v1beta1": "policy.linkerd.io/v1beta3",
        },
    ),
    ("policy.linkerd.io", "AuthorizationPolicy"): Crd(
        served=("v1alpha1",),
        spec_fields=_fields("targetRef", "requiredAuthenticationRefs"),
        required=("targetRef", "requiredAuthenticationRefs"),
    ),
    ("policy.linkerd.io", "MeshTLSAuthentication"): Crd(
        served=("v1alpha1",),
        spec_fields=_fields("identities", "identityRefs"),
        one_of=("identities", "identityRefs"),
    ),
    ("policy.linkerd.io", "HTTPLocalRateLimitPolicy"): Crd(
        served=("v1alpha1",),
        spec_fields=_fields("targetRef", "total", "identity", "overrides"),
        required=("targetRef",),
    ),
    ("policy.linkerd.io", "HTTPRoute"): Crd(
        served=("v1alpha1", "v1beta1", "v1beta2", "v1beta3"),
        spec_fields=_ROUTE_SPEC,
    ),
    ("cert-manager.io", "Certificate"): Crd(
        served=("v1",),
        spec_fields=_fields(
            "additionalOutputFormats",
            "commonName",
            "dnsNames",
            "duration",
            "emailAddresses",
            "encodeUsagesInRequest",
            "ipAddresses",
            "isCA",
            "issuerRef",
            "keystores",
            "literalSubject",
            "nameConstraints",
            "otherNames",
            "privateKey",
            "renewBefore",
            "renewBeforePercentage",
            "renewal",
            "revisionHistoryLimit",
            "secretName",
            "secretTemplate",
            "signatureAlgorithm",
            "subject",
            "uris",
            "usages",
        ),
        required=("issuerRef", "secretName"),
    ),
    ("cert-manager.io", "Issuer"): Crd(
        served=("v1",),
        spec_fields=_fields(*_ISSUER_TYPES),
        one_of=_ISSUER_TYPES,
    ),
    ("cert-manager.io", "ClusterIssuer"): Crd(
        served=("v1",),
        spec_fields=_fields(*_ISSUER_TYPES),
        one_of=_ISSUER_TYPES,
    ),
}
TABLE_GROUPS = frozenset(group for group, _ in TABLE)


def check_table_resource(doc: dict) -> list[str]:
    """Problems of one MetalLB, Linkerd or cert-manager resource against TABLE (empty when fine)."""
    group, _, version = doc["apiVersion"].partition("/")
    crd = TABLE.get((group, doc["kind"]))
    if crd is None:
        kinds = sorted(kind for g, kind in TABLE if g == group)
        return [f"kind {doc['kind']} is not a {group} CRD (known: {', '.join(kinds)})"]
    if version not in crd.served:
        served = ", ".join(f"{group}/{v}" for v in crd.served)
        return [
            f"kind {doc['kind']} is not served at apiVersion {doc['apiVersion']} (served: {served})"
        ]
    problems = []
    if version in crd.deprecated:
        problems.append(
            f"apiVersion {doc['apiVersion']} is deprecated; use {crd.deprecated[version]}"
        )
    for key in sorted(set(doc) - TOP_LEVEL_FIELDS):
        problems.append(f'unknown field "{key}"')
    for key in sorted(set(doc["metadata"]) - OBJECT_META_FIELDS):
        problems.append(f'unknown field "metadata.{key}"')
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        return [*problems, 'missing required field "spec"']
    for key in sorted(set(spec) - crd.spec_fields):
        problems.append(f'unknown field "spec.{key}"')
    for key in crd.required:
        if key not in spec:
            problems.append(f'spec: missing required field "{key}"')
    if crd.one_of and sum(key in spec for key in crd.one_of) != 1:
        problems.append(f"spec: set exactly one of {', '.join(crd.one_of)}")
    return problems
