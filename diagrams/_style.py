"""The shared look of every diagram, and access to the manifests a page shows.

A diagram script draws inside `page_diagram(...)` and takes every name, port and address
it draws from its page's manifests (docs/examples/<slug>/), so editing a manifest redraws
the picture. Scripts are run by scripts/pipeline/render.py, which sets DIAGRAM_OUTPUT.

The pictures are shown inline in the page's content column (about 690 px wide on a laptop,
360 px on a phone), in the reader's light or dark palette:

- Type sizes (TYPE) are CSS pixels at the picture's natural size. The site shows a picture
  at most at its natural size and fails a test when a label would render below 12 px in
  the laptop column: keep a picture narrow (top to bottom where a flow is long, few nodes
  side by side, short labels) rather than shrinking the type.
- Colours are palette roles (PALETTE): each role has a light and a dark colour. Graphviz
  draws with the light one; the build turns every role colour into a class, so the page's
  palette switches the picture. A colour that is not a role stays fixed: use roles only.
- Nodes get stable ids: `kube()` for a Kubernetes object (`service-web`, linked to the
  manifest's code block on the page, tooltip "Service web"), `pod()` for a Pod drawn per
  node or replica (`pod-web-node-1`), `actor()` for anything else (`client`, `node-1`).
  Edges are named `edge-<from>-<to>` (then `-2`, `-3` for repeats) automatically.
"""

from __future__ import annotations

import html
import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from diagrams import Cluster, Diagram, Edge, getdiagram

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"

# --- type -----------------------------------------------------------------------------------

# CSS px at natural size. The smallest of them decides how wide a picture may be: at the
# laptop column (688 px) a picture wider than 688 x smallest / 12 px shows labels below 12 px.
TYPE = {"node": 16, "edge": 15, "group": 15}
FONT = "Sans-Serif"
# Icon size in inches (72 px each): small icons leave the width to the labels.
ICON_IN = 0.75
LINE_IN = 0.3  # one label line below the icon

# --- colour: palette roles (light, dark) ----------------------------------------------------

# Every colour a picture uses, by role. The light colour is what Graphviz draws with and
# must be unique per role (the build maps it back to the role); the dark colour is used in
# the site's dark palette. Text (ink) keeps >= 4.5:1 against every fill in both palettes,
# arrows >= 3:1 (tests/test_diagrams.py checks the table).
PALETTE: dict[str, tuple[str, str]] = {
    "canvas": ("#ffffff", "#1b1f27"),  # the picture's background, and a node (machine) box
    "ink": ("#1f2933", "#e4e8ee"),  # every label
    "border": ("#8f9aa7", "#6b7686"),  # group outlines
    "muted": ("#52606d", "#a3adba"),  # an arrow of no particular kind
    "request": ("#1565c0", "#7fb2ff"),  # the request path a reader follows
    "return": ("#2e7d32", "#7ccf80"),  # replies, or the path that keeps the source IP
    "control": ("#8e24aa", "#d69cf0"),  # control plane: watches, announcements, configuration
    "dropped": ("#c62828", "#ff8a80"),  # traffic that is dropped or refused
    "cluster-fill": ("#f1f5f9", "#232833"),  # the Kubernetes cluster
    "namespace-fill": ("#eaf3ff", "#1f2b3d"),
    "outside-fill": ("#fff8e1", "#2f2a1b"),  # the internet, a workstation, a cloud provider
    "mesh-fill": ("#f3e8fd", "#2c2440"),
}
INK, MUTED = PALETTE["ink"][0], PALETTE["muted"][0]
# Edge kinds: the role that colours the arrow, dashed or not, and the legend's words.
EDGE_KINDS: dict[str, tuple[str, bool, str]] = {
    "request": ("request", False, "request"),
    "return": ("return", False, "reply"),
    "source-kept": ("return", False, "client's source IP kept"),
    "control": ("control", True, "control plane, configuration"),
    "dropped": ("dropped", True, "dropped"),
}
COLORS = {kind: PALETTE[role][0] for kind, (role, _, _) in EDGE_KINDS.items()}
GROUP_FILL = {
    "cluster": "cluster-fill",
    "node": "canvas",  # one node (machine)
    "namespace": "namespace-fill",
    "outside": "outside-fill",
    "mesh": "mesh-fill",
}
CLUSTER_FILL = {kind: PALETTE[role][0] for kind, role in GROUP_FILL.items()}

GRAPH = {
    "bgcolor": PALETTE["canvas"][0],
    "pad": "0.15",
    "nodesep": "0.35",
    "ranksep": "0.5",
    "fontname": FONT,
    "fontsize": str(TYPE["group"]),
    "fontcolor": INK,
    "labelloc": "t",
    "splines": "spline",
    "label": "",  # the page's caption says what the picture shows
}
NODE = {
    "fontname": FONT,
    "fontsize": str(TYPE["node"]),
    "fontcolor": INK,
    # The icon's box is fixed; the label may be wider, and Graphviz keeps room for it.
    "fixedsize": "shape",
    "imagepos": "tc",
    "width": str(ICON_IN),
}
EDGE = {
    "fontname": FONT,
    "fontsize": str(TYPE["edge"]),
    "fontcolor": INK,
    "color": MUTED,
    "penwidth": "1.6",
    "arrowsize": "0.8",
}


# --- the picture ----------------------------------------------------------------------------


class _PageDiagram(Diagram):
    """A Diagram that names its edges `edge-<from>-<to>` and remembers the kinds drawn."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.node_ids: set[str] = set()
        self.edge_ids: Counter[str] = Counter()
        self.edge_kinds: set[str] = set()

    def connect(self, node, node2, edge: Edge) -> None:
        attrs = dict(edge.attrs)
        # `a << edge << b` is stored as a -> b with dir=back: the arrow points from b to a.
        tail, head = (node2, node) if attrs.get("dir") == "back" else (node, node2)
        if "id" not in attrs:
            base = f"edge-{tail.nodeid}-{head.nodeid}"
            self.edge_ids[base] += 1
            count = self.edge_ids[base]
            attrs["id"] = base if count == 1 else f"{base}-{count}"
        kind = getattr(edge, "kind", None)
        if kind:
            self.edge_kinds.add(kind)
        self.dot.edge(node.nodeid, node2.nodeid, **attrs)


@contextmanager
def page_diagram(title: str, direction: str = "TB", **graph_attr: str) -> Iterator[Diagram]:
    """Open the diagram of the calling script; the renderer decides where it is written.

    `title` names the picture (the viewer's heading, the file's <title>); it is not drawn.
    Top to bottom by default: a long flow read downwards fits the page column."""
    output = os.environ.get("DIAGRAM_OUTPUT") or str(ROOT / "build" / "diagrams" / "preview")
    diagram = _PageDiagram(
        title,
        filename=output,
        outformat="svg",
        show=False,
        direction=direction,
        graph_attr={**GRAPH, **graph_attr},
        node_attr=NODE,
        edge_attr=EDGE,
    )
    diagram.dot.graph_attr["label"] = graph_attr.get("label", "")
    with diagram:
        yield diagram
    # What the renderer needs besides the SVG: the title, the palette, the legend's words
    # (the renderer lists the kinds the picture draws, found by their class).
    legend = [[kind, role, dashed, words] for kind, (role, dashed, words) in EDGE_KINDS.items()]
    meta = {"title": title, "palette": PALETTE, "legend": legend, "type": TYPE}
    Path(f"{output}.kd.json").write_text(json.dumps(meta, sort_keys=True))


def group(
    label: str, kind: str = "cluster", direction: str = "LR", label_at: str = "top"
) -> Cluster:
    """A labelled box: kind is one of GROUP_FILL's keys; label_at "bottom" keeps an arrow
    that enters from the top from crossing the label."""
    style = "rounded,dashed" if kind == "outside" else "rounded"
    return Cluster(
        label,
        direction=direction,
        graph_attr={
            "bgcolor": CLUSTER_FILL[kind],
            "style": style,
            "pencolor": PALETTE["border"][0],
            "fontcolor": INK,
            "fontsize": str(TYPE["group"]),
            "labeljust": "l",
            "labelloc": "b" if label_at == "bottom" else "t",
            "margin": "10",
            "class": f"kd-group-{kind}",
        },
    )


def edge(label: str = "", kind: str = "request", **attrs: str) -> Edge:
    """An arrow; kind is one of EDGE_KINDS' keys (dashed for control and dropped traffic)."""
    role, dashed, _ = EDGE_KINDS[kind]
    made = Edge(
        label=f" {label} " if label else "",
        color=PALETTE[role][0],
        style=attrs.pop("style", "dashed" if dashed else "solid"),
        # Edge() sets its own font; the shared one wins.
        **{**{k: v for k, v in EDGE.items() if k.startswith("font")}, "class": f"kd-edge-{kind}"},
        **attrs,
    )
    made.kind = kind
    return made


# --- nodes with stable ids ------------------------------------------------------------------


def _claim(node_id: str) -> str:
    diagram = getdiagram()
    ids = getattr(diagram, "node_ids", None)
    if ids is not None:
        if node_id in ids:
            raise ValueError(f"node id {node_id!r} is drawn twice: give each node its own id")
        ids.add(node_id)
    return node_id


def _icon_path(icon) -> str:
    """The PNG file of a diagrams node class (what Node._load_icon() reads)."""
    return icon._load_icon(icon)


def _drawn(icon, node_id: str, label: str, **attrs: str):
    """The node as an HTML-like table: the icon in a fixed square, the label below it. The
    node's box is the whole table, so arrows end at the label's edge, never across it."""
    size = round(ICON_IN * 72)
    lines = "<BR/>".join(html.escape(line, quote=False) or " " for line in label.split("\n"))
    table = (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{size}" HEIGHT="{size}">'
        f'<IMG SRC="{html.escape(_icon_path(icon))}" SCALE="TRUE"/></TD></TR>'
        f"<TR><TD>{lines}</TD></TR></TABLE>>"
    )
    node = icon(
        table,
        nodeid=_claim(node_id),
        **{
            "id": node_id,
            "shape": "none",
            "margin": "0",
            "fixedsize": "false",
            "image": "",
            "width": "0.1",
            "height": "0.1",
            **attrs,
        },
    )
    node.label = label
    return node


def object_id(document: dict) -> str:
    """`<kind-lowercase>-<metadata.name>`, e.g. service-web, httproute-whoami."""
    return f"{document['kind'].lower()}-{document['metadata']['name']}"


def anchor_of(document: dict) -> str | None:
    """The page anchor of the code block that shows the document: its file's stem."""
    source = getattr(document, "source_file", None)
    return source.stem if source else None


def kube(icon, document: dict, label: str, **attrs: str):
    """A node for a Kubernetes object from manifests(): id `<kind>-<name>`, a link to the
    code block that shows its manifest on the page, and a tooltip "<Kind> <name>"."""
    node_id = attrs.pop("nodeid", None) or object_id(document)
    anchor = anchor_of(document)
    link = {"href": f"#{anchor}"} if anchor else {}
    tooltip = f"{document['kind']} {document['metadata']['name']}"
    return _drawn(icon, node_id, label, tooltip=tooltip, **{"class": "kd-object", **link, **attrs})


def pod(icon, owner: dict, where: str, label: str, **attrs: str):
    """A Pod of `owner` (a Deployment, say) drawn on node or replica `where`: id
    `pod-<owner name>-<where>` (pod-web-node-1), linked to the owner's manifest."""
    name = owner["metadata"]["name"]
    anchor = anchor_of(owner)
    link = {"href": f"#{anchor}"} if anchor else {}
    on = f" on {where}" if where.startswith("node") else ""
    tooltip = f"Pod of {owner['kind']} {name}{on}"
    return _drawn(
        icon,
        f"pod-{name}-{where}",
        label,
        tooltip=tooltip,
        **{"class": "kd-object", **link, **attrs},
    )


def actor(icon, node_id: str, label: str, **attrs: str):
    """Anything that is not a Kubernetes object (a client, a node, a router): a plain id
    such as `client`, `node-1`, `coredns`, `traefik`; no link."""
    return _drawn(icon, node_id, label, **attrs)


# --- manifests ------------------------------------------------------------------------------


class ManifestError(ValueError):
    """A manifest the picture cannot be drawn from; the renderer names its file and line."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        super().__init__(message)
        self.source_file, self.source_line = path, line


class Manifest(dict):
    """One YAML document, remembering the file it came from (`source_file`)."""

    source_file: Path


def manifests(slug: str) -> list[dict]:
    """Every YAML document under docs/examples/<slug>/, in file-name order; each one
    remembers its file (`anchor_of(document)` is the page anchor of its code block)."""
    folder = EXAMPLES / slug
    documents: list[dict] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            loaded = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            raise ManifestError(
                path, mark.line + 1 if mark else None, f"YAML does not parse: {problem}"
            ) from None
        for doc in loaded:
            document = Manifest(doc) if isinstance(doc, dict) else doc
            if isinstance(document, Manifest):
                document.source_file = path
            documents.append(document)
    if not documents:
        raise FileNotFoundError(f"no manifests in {folder.relative_to(ROOT)}")
    return documents


def example_cluster(slug: str) -> dict:
    """docs/examples/<slug>/walk-topology.yml as data: the example cluster the page's outputs
    and packet walks describe (nodes and their ranges, Pod addresses, the network plugin);
    empty when the page has none. A picture takes its addresses from here, never its own."""
    topology = EXAMPLES / slug / "walk-topology.yml"
    if not topology.is_file():
        return {}
    return yaml.safe_load(topology.read_text()) or {}


def placement(slug: str) -> dict[str, list[str]]:
    """Where the page's example cluster runs each workload's Pods: {"Deployment/web":
    ["node-1", "node-2"]}, from example_cluster(slug); empty when the page has none. Draw a
    Pod with pod(icon, owner, node, ...) for each, so its id is pod-<owner>-<node>."""
    nodes: dict[str, list[str]] = {}
    for entry in example_cluster(slug).get("pods") or []:
        if isinstance(entry, dict) and entry.get("of") and entry.get("node"):
            nodes.setdefault(str(entry["of"]), []).append(str(entry["node"]))
    return {owner: sorted(found) for owner, found in nodes.items()}


def find(documents: list[dict], kind: str, name: str | None = None) -> dict:
    """The one object of `kind` (and `name`, when given); a clear error otherwise."""
    matches = [
        d
        for d in documents
        if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name)
    ]
    if len(matches) != 1:
        wanted = f"{kind} {name}" if name else kind
        raise LookupError(f"expected exactly one {wanted} in the manifests, found {len(matches)}")
    return matches[0]


def same_column(diagram: Diagram, *nodes) -> None:
    """Put nodes on one rank (a row in TB layouts, a column in LR ones). The diagram needs
    newrank="true" when the nodes sit in different groups."""
    ids = "; ".join(f'"{node.nodeid}"' for node in nodes)
    diagram.dot.body.append(f"{{rank=same; {ids}}}")
