"""The shared look of every diagram, and access to the manifests a page shows.

A diagram script draws inside `page_diagram(...)` and takes every name, port and address
it draws from its page's manifests (docs/examples/<slug>/), so editing a manifest redraws
the picture. Scripts are run by scripts/render_diagrams.py, which sets DIAGRAM_OUTPUT.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from diagrams import Cluster, Diagram, Edge

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"

# One palette for every picture. The canvas is white in both site themes so that the
# icons (drawn for light backgrounds) and the dark text stay legible in dark mode.
INK = "#1f2933"
MUTED = "#52606d"
COLORS = {
    "request": "#1565c0",  # the request path a reader follows
    "return": "#2e7d32",  # replies, or the preserved-source path
    "control": "#8e24aa",  # control plane: watches, announcements, configuration
    "dropped": "#c62828",  # traffic that is dropped or refused
}
# The green of "return" under the name that says what it marks on the topic pages: a path on
# which the Pod sees the client's own source IP (externalTrafficPolicy: Local).
COLORS["source-kept"] = COLORS["return"]
CLUSTER_FILL = {
    "cluster": "#f1f5f9",  # the Kubernetes cluster
    "node": "#ffffff",  # one node (machine)
    "namespace": "#eef6ff",
    "outside": "#fff8e1",  # the internet, a workstation, a cloud provider
    "mesh": "#f3e8fd",
}

GRAPH = {
    "bgcolor": "white",
    "pad": "0.3",
    "nodesep": "0.5",
    "ranksep": "0.8",
    "fontname": "Sans-Serif",
    "fontsize": "16",
    "fontcolor": INK,
    "labelloc": "t",
    "splines": "spline",
}
NODE = {"fontname": "Sans-Serif", "fontsize": "13", "fontcolor": INK}
EDGE = {
    "fontname": "Sans-Serif",
    "fontsize": "12",
    "fontcolor": INK,
    "color": MUTED,
    "penwidth": "1.6",
    "arrowsize": "0.8",
}


@contextmanager
def page_diagram(title: str, direction: str = "LR", **graph_attr: str) -> Iterator[Diagram]:
    """Open the diagram of the calling script; the renderer decides where it is written."""
    output = os.environ.get("DIAGRAM_OUTPUT") or str(ROOT / "build" / "diagrams" / "preview")
    with Diagram(
        title,
        filename=output,
        outformat="svg",
        show=False,
        direction=direction,
        graph_attr={**GRAPH, **graph_attr},
        node_attr=NODE,
        edge_attr=EDGE,
    ) as diagram:
        yield diagram


def group(
    label: str, kind: str = "cluster", direction: str = "LR", label_at: str = "top"
) -> Cluster:
    """A labelled box: kind is one of CLUSTER_FILL's keys; label_at "bottom" keeps an arrow
    that enters from the top from crossing the label."""
    style = "rounded,dashed" if kind == "outside" else "rounded"
    return Cluster(
        label,
        direction=direction,
        graph_attr={
            "bgcolor": CLUSTER_FILL[kind],
            "style": style,
            "pencolor": "#9aa5b1",
            "fontcolor": INK,
            "fontsize": "14",
            "labeljust": "l",
            "labelloc": "b" if label_at == "bottom" else "t",
        },
    )


def edge(label: str = "", kind: str = "request", **attrs: str) -> Edge:
    """An arrow; kind is one of COLORS' keys (dashed for control and dropped traffic)."""
    style = "dashed" if kind in ("control", "dropped") else "solid"
    return Edge(
        label=f" {label} " if label else "", color=COLORS[kind], fontcolor=INK, style=style, **attrs
    )


class ManifestError(ValueError):
    """A manifest the picture cannot be drawn from; the renderer names its file and line."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        super().__init__(message)
        self.source_file, self.source_line = path, line


def manifests(slug: str) -> list[dict]:
    """Every YAML document under docs/examples/<slug>/, in file-name order."""
    folder = EXAMPLES / slug
    documents: list[dict] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            documents.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            raise ManifestError(
                path, mark.line + 1 if mark else None, f"YAML does not parse: {problem}"
            ) from None
    if not documents:
        raise FileNotFoundError(f"no manifests in {folder.relative_to(ROOT)}")
    return documents


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
    """Put nodes on one rank (a column in LR layouts): keeps a picture narrow enough to read.
    The diagram needs newrank="true" when the nodes sit in different groups."""
    ids = "; ".join(f'"{node.nodeid}"' for node in nodes)
    diagram.dot.body.append(f"{{rank=same; {ids}}}")
