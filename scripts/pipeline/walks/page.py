"""Compute a page's walks and put them into its Markdown.

The MkDocs hook calls `render_walk_placeholders(markdown, page_path)` from on_page_markdown.
Two placeholders are replaced, each on a line of its own:

    {{ walk("nodeport", "cluster") }}
        The walk as an ordered list in a <div class="packet-walk">, with the walk as JSON in
        data-walk for the step-through control.
    {{ walk_sequence("nodeport", "cluster", "local") }}
        A complete ```mermaid fence (sequenceDiagram) for one walk or several in sections,
        so mkdocs-mermaid2's fence renders it like any hand-written block.

Any walk that cannot be computed, and any walk whose outcome differs from what its topology
declares (`expect:`), raises WalkError with a one-line message naming the file and reason.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from scripts.pipeline.walks import gateway, ingress, mesh, podnet, services
from scripts.pipeline.walks.manifests import Manifests
from scripts.pipeline.walks.model import ROOT, Walk, WalkBuilder, WalkError
from scripts.pipeline.walks.network import Context, parse_request
from scripts.pipeline.walks.render import render_html, render_sequence
from scripts.pipeline.walks.topology import TOPOLOGY_FILE, load, manifest_files

EXAMPLES = ROOT / "docs" / "examples"

RULES = {
    "cluster-ip": services.walk_cluster_ip,
    "headless": services.walk_headless,
    "kubectl-proxy": services.walk_kubectl_proxy,
    "node-port": services.walk_from_outside,
    "load-balancer": services.walk_from_outside,
    "metallb-l2": services.walk_from_outside,
    "ingress": ingress.walk_ingress,
    "gateway": gateway.walk_gateway,
    "mesh": mesh.walk_mesh,
    "pod-ip": podnet.walk_pod_ip,
}

_ARGS = r'(?P<args>"[a-z0-9-]+"(?:\s*,\s*"[a-z0-9-]+")*)'
WALK_LINE = re.compile(
    r"^(?P<indent>[ \t]*)\{\{\s*walk\(\s*" + _ARGS + r"\s*\)\s*\}\}[ \t]*$", re.MULTILINE
)
SEQUENCE_LINE = re.compile(
    r"^(?P<indent>[ \t]*)\{\{\s*walk_sequence\(\s*" + _ARGS + r"\s*\)\s*\}\}[ \t]*$", re.MULTILINE
)
ANY_PLACEHOLDER = re.compile(r"\{\{\s*walk(?:_sequence)?\s*\(")


def compute(slug: str, variant: str, examples: Path = EXAMPLES) -> Walk:
    """The walk `variant` of docs/examples/<slug>/walk-topology.yml, whatever its outcome."""
    folder = examples / slug
    topology = load(folder)
    spec = topology.walks.get(variant)
    if spec is None:
        known = ", ".join(topology.walks) or "none"
        raise WalkError(topology.path, f"walks: no walk {variant!r} (walks: {known})")
    manifests = Manifests.from_files(manifest_files(topology, spec))
    try:
        request = parse_request(spec)
    except ValueError as exc:
        raise topology.error(f"walks.{variant}.to", str(exc)) from None
    builder = WalkBuilder(slug, variant, {**topology.diagram_ids, **spec.diagram_ids})
    ctx = Context(topology, manifests, spec, request, builder)
    RULES[spec.path](ctx)
    if not builder.hops:
        raise topology.error(f"walks.{variant}", "the rules produced no hop")
    return Walk(slug, variant, spec.title, tuple(builder.hops), spec.expect, str(topology.path))


def checked(slug: str, variant: str, examples: Path = EXAMPLES) -> Walk:
    """compute(), and the walk must end the way its topology says."""
    walk = compute(slug, variant, examples)
    if walk.outcome != walk.expect:
        last = walk.hops[-1]
        why = last.steps[-1].text if last.steps else ""
        raise WalkError(
            walk.topology,
            f"walks.{variant}: the packet is {walk.outcome.value} at {last.place}, but the walk "
            f"expects {walk.expect.value} ({why})",
        )
    return walk


@lru_cache(maxsize=64)
def _cached(slug: str, variant: str, examples: Path, stamp: tuple) -> Walk:
    return checked(slug, variant, examples)


def _stamp(examples: Path) -> tuple:
    """Modification times of the example files: a changed manifest or topology recomputes the
    walk (mkdocs serve rebuilds without restarting the process). All folders count, since a
    topology may read another folder's manifests (`also:`)."""
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in examples.rglob("*") if p.is_file()))


def walk_for_page(slug: str, variant: str, examples: Path, stamp: tuple) -> Walk:
    if not (examples / slug / TOPOLOGY_FILE).is_file():
        raise WalkError(examples / slug / TOPOLOGY_FILE, "no such file (a page asks for a walk)")
    return _cached(slug, variant, examples, stamp)


def render_walk_placeholders(markdown: str, page_path: str, examples: Path = EXAMPLES) -> str:
    """Replace every {{ walk(...) }} and {{ walk_sequence(...) }} line of one page.

    page_path (e.g. "docs/nodeport.md") names the page in the message for a malformed
    placeholder; errors about a walk name the topology or manifest file at fault. examples is
    the folder of the example manifests (the hook passes <docs_dir>/examples).
    """
    if not ANY_PLACEHOLDER.search(markdown):
        return markdown
    stamp = _stamp(examples)  # once per page: every walk on it shares the files' state

    def walk_block(match: re.Match[str]) -> str:
        args = re.findall(r'"([a-z0-9-]+)"', match["args"])
        if len(args) != 2:
            raise WalkError(page_path, f"{match.group(0).strip()}: walk() takes a slug and a walk")
        walk = walk_for_page(*args, examples, stamp)
        indent = match["indent"]
        return "\n".join(indent + line for line in render_html(walk).splitlines())

    def sequence_block(match: re.Match[str]) -> str:
        args = re.findall(r'"([a-z0-9-]+)"', match["args"])
        if len(args) < 2:
            raise WalkError(
                page_path, f"{match.group(0).strip()}: walk_sequence() takes a slug and walks"
            )
        walks = [walk_for_page(args[0], variant, examples, stamp) for variant in args[1:]]
        indent = match["indent"]
        body = render_sequence(walks)
        fence = ["```mermaid", *body.splitlines(), "```"]
        return "\n".join(indent + line for line in fence)

    # A placeholder that is not alone on its line would reach the reader as text.
    stripped = SEQUENCE_LINE.sub("", WALK_LINE.sub("", markdown))
    leftover = ANY_PLACEHOLDER.search(stripped)
    if leftover:
        line = stripped.count("\n", 0, leftover.start()) + 1
        raise WalkError(
            page_path,
            f"line {line}: a walk placeholder must stand alone on its line, as "
            '{{ walk("slug", "walk") }} or {{ walk_sequence("slug", "walk", ...) }}',
        )
    markdown = WALK_LINE.sub(walk_block, markdown)
    return SEQUENCE_LINE.sub(sequence_block, markdown)
