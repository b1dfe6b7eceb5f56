"""Where each rule of the model comes from: every step of a walk cites one of these.

The rule modules repeat the relevant statement in a comment next to the code that applies it.
"""

# Kubernetes documentation (kubernetes/website, content/en/docs/...).
K8S_SERVICE = "https://kubernetes.io/docs/concepts/services-networking/service/"
K8S_HEADLESS = K8S_SERVICE + "#headless-services"
K8S_NODEPORT = K8S_SERVICE + "#type-nodeport"
K8S_LOADBALANCER = K8S_SERVICE + "#loadbalancer"
K8S_VIPS = "https://kubernetes.io/docs/reference/networking/virtual-ips/"
K8S_TRAFFIC_POLICY = K8S_VIPS + "#traffic-policies"
K8S_TRAFFIC_DISTRIBUTION = K8S_SERVICE + "#traffic-distribution"
K8S_SOURCE_IP = "https://kubernetes.io/docs/tutorials/services/source-ip/"
K8S_DNS = "https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/"
K8S_ACCESS_SERVICES = (
    "https://kubernetes.io/docs/tasks/access-application-cluster/access-cluster-services/"
)
K8S_KUBECTL_PROXY = "https://kubernetes.io/docs/reference/kubectl/generated/kubectl_proxy/"
K8S_INGRESS = "https://kubernetes.io/docs/concepts/services-networking/ingress/"
K8S_INGRESS_MATCH = K8S_INGRESS + "#multiple-matches"
K8S_INGRESS_HOSTS = K8S_INGRESS + "#hostname-wildcards"
K8S_INGRESS_TLS = K8S_INGRESS + "#tls"
# kube-proxy's iptables rules: external traffic is masqueraded unless the policy is Local
# ("If we are using non-local endpoints we need to masquerade, in case we cross nodes"), and a
# Service with policy Local and no local endpoint gets a DROP rule ("has no local endpoints").
KUBE_PROXY_IPTABLES = (
    "https://github.com/kubernetes/kubernetes/blob/master/pkg/proxy/iptables/proxier.go"
)
# MASQUERADE maps the source to "the IP address of the interface the packet is going out".
MASQUERADE = "https://ipset.netfilter.org/iptables-extensions.man.html"

# MetalLB (metallb/metallb, website/content/...; speaker/layer2_controller.go).
METALLB_L2 = "https://metallb.io/concepts/layer2/"
METALLB_ELECTION = "https://github.com/metallb/metallb/blob/main/speaker/layer2_controller.go"
METALLB_CONFIG = "https://metallb.io/configuration/"
METALLB_USAGE = "https://metallb.io/usage/"

# Traefik v3 (traefik/traefik, docs/content/...).
TRAEFIK_INGRESS = (
    "https://doc.traefik.io/traefik/reference/install-configuration/providers/kubernetes/"
    "kubernetes-ingress/"
)
TRAEFIK_INGRESS_ROUTING = (
    "https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/ingress/"
)
TRAEFIK_GATEWAY = (
    "https://doc.traefik.io/traefik/reference/install-configuration/providers/kubernetes/"
    "kubernetes-gateway/"
)
TRAEFIK_FORWARDED = "https://doc.traefik.io/traefik/reference/install-configuration/entrypoints/"

# Gateway API (kubernetes-sigs/gateway-api, apis/v1/*_types.go).
GATEWAY_LISTENER = "https://gateway-api.sigs.k8s.io/reference/spec/#listener"
GATEWAY_ALLOWED_ROUTES = "https://gateway-api.sigs.k8s.io/reference/spec/#allowedroutes"
GATEWAY_HTTPROUTE_RULE = "https://gateway-api.sigs.k8s.io/reference/spec/#httprouterule"
GATEWAY_BACKEND_REF = "https://gateway-api.sigs.k8s.io/reference/spec/#backendref"
GATEWAY_REFERENCEGRANT = "https://gateway-api.sigs.k8s.io/api-types/referencegrant/"
# Listener TLS: mode Terminate (the default) with certificateRefs; the SNI picks the listener.
GATEWAY_TLS = "https://gateway-api.sigs.k8s.io/guides/user-guides/tls/"
GATEWAY_BACKEND_TLS = "https://gateway-api.sigs.k8s.io/reference/api-types/policy/backendtlspolicy/"

# Istio (istio/istio.io, content/en/docs/...; istio/istio for the proxy's own addresses).
ISTIO_PORTS = "https://istio.io/latest/docs/ops/deployment/requirements/#ports-used-by-istio"
# Auto mutual TLS: a client sidecar sends mTLS to workloads with a sidecar, plaintext otherwise.
ISTIO_AUTO_MTLS = "https://istio.io/latest/docs/tasks/security/authentication/authn-policy/"
ISTIO_PEER_AUTHN = "https://istio.io/latest/docs/reference/config/security/peer_authentication/"
ISTIO_AUTHZ = "https://istio.io/latest/docs/reference/config/security/authorization-policy/"
ISTIO_VIRTUAL_SERVICE = "https://istio.io/latest/docs/reference/config/networking/virtual-service/"
ISTIO_DESTINATION_RULE = (
    "https://istio.io/latest/docs/reference/config/networking/destination-rule/"
)
ISTIO_INBOUND = "https://istio.io/latest/blog/2021/upcoming-networking-changes/"
# InboundPassthroughBindIpv4 = "127.0.0.6": the source of the sidecar's inbound connections.
ISTIO_INBOUND_SOURCE = (
    "https://github.com/istio/istio/blob/master/pilot/pkg/networking/core/listener_address.go"
)
ISTIO_TRAFFIC = "https://istio.io/latest/docs/concepts/traffic-management/"
ISTIO_INJECTION = "https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/"

# The Pod network (kubernetes/website; flannel-io/flannel, Documentation/ and pkg/).
K8S_NETWORK_MODEL = (
    "https://kubernetes.io/docs/concepts/services-networking/#the-kubernetes-network-model"
)
# VXLAN backend: VNI 1 and the kernel's UDP port 8472 by default on Linux.
FLANNEL_BACKENDS = "https://github.com/flannel-io/flannel/blob/master/Documentation/backends.md"
# For each other node: a route for its Pod range via flannel.1, a neighbour entry (its VTEP
# address to its VTEP MAC) and a forwarding entry (that MAC to the node's address): AddARP and
# AddFDB in handleSubnetEvents.
FLANNEL_VXLAN = (
    "https://github.com/flannel-io/flannel/blob/master/pkg/backend/vxlan/vxlan_network.go"
)
# FLANNEL-POSTRTG: RETURN for Pod-to-Pod traffic, MASQUERADE --random-fully for Pod to outside.
FLANNEL_MASQ = (
    "https://github.com/flannel-io/flannel/blob/master/pkg/trafficmngr/iptables/iptables.go"
)
# Network Policies: isolation per direction, additive allow rules, both ends must allow, and
# replies to an allowed connection are allowed implicitly.
K8S_NETWORK_POLICY = "https://kubernetes.io/docs/concepts/services-networking/network-policies/"
