"""Follow a packet: hop-by-hop walks computed from a page's manifests and declared topology.

- model.py: the data (Addr, Packet, Step, Hop, Walk) and WalkError;
- topology.py: docs/examples/<slug>/walk-topology.yml, loaded and validated;
- manifests.py: the Kubernetes objects, each with the file it came from;
- network.py: what the paths share (DNS, Service ports and endpoints, kube-proxy);
- services.py, ingress.py, gateway.py, mesh.py, podnet.py: the rules of each path family;
- policy.py: NetworkPolicy, applied where a connection leaves one Pod and reaches another;
- render.py: the HTML list (with the walk as JSON) and the Mermaid sequence;
- page.py: compute a walk, and replace a page's placeholders (the hook's entry point).
"""

from scripts.pipeline.walks.model import WalkError
from scripts.pipeline.walks.page import checked, compute, render_walk_placeholders

__all__ = ["WalkError", "checked", "compute", "render_walk_placeholders"]
