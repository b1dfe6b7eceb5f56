"""Every diagram script renders into a valid, self-contained, reproducible SVG that draws
the names, ports and addresses of its page's manifests."""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from scripts.pipeline import diagram_html
from scripts.pipeline.render import render_all
from tests.conftest import DIAGRAMS, EXAMPLES, ROOT, diagram_slugs

SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Paths that betray the machine the picture was drawn on.
LOCAL_PATH = re.compile(r"(file:|/(?:root|home|tmp|usr|var|opt|work)/|site-packages|\.venv)")
TRAEFIK_HOST = re.compile(r"Host\(`([^`]+)`\)")


def expected_labels(slug: str) -> set[str]:
    """Values a picture must show, read from docs/examples/<slug>/ (see CONTRIBUTING.md)."""
    labels: set[str] = set()
    for path in sorted((EXAMPLES / slug).glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc:
                continue
            kind, spec = doc.get("kind"), doc.get("spec") or {}
            if kind in ("Service", "Deployment"):
                labels.add(doc["metadata"]["name"])
            if kind == "Service":
                for port in spec.get("ports", []):
                    labels.add(str(port["port"]))
                    if "nodePort" in port:
                        labels.add(str(port["nodePort"]))
            elif kind == "Ingress":
                labels.update(rule["host"] for rule in spec.get("rules", []) if "host" in rule)
            elif kind == "HTTPRoute":
                labels.update(spec.get("hostnames", []))
            elif kind == "Gateway":
                labels.update(str(listener["port"]) for listener in spec.get("listeners", []))
            elif kind == "IPAddressPool":
                labels.update(spec.get("addresses", []))
            elif kind == "IngressRoute":
                for route in spec.get("routes", []):
                    labels.update(TRAEFIK_HOST.findall(route.get("match", "")))
    return labels


def load_style():
    """diagrams/_style.py, the shared look (palette roles, edge kinds)."""
    spec = importlib.util.spec_from_file_location("_style", DIAGRAMS / "_style.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def svg_text(root: ET.Element) -> str:
    return "\n".join(html.unescape(t.text or "") for t in root.iter(f"{SVG_NS}text"))


def shows(text: str, value: str) -> bool:
    """`value` stands in the text on its own, not glued to letters or digits."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text) is not None


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    """Every diagram rendered afresh (no cache), all at once as the build does it."""
    return {r.slug: r.svg.read_bytes() for r in render_all(use_cache=False)}


@pytest.mark.parametrize("slug", diagram_slugs())
def test_diagram_is_a_self_contained_svg(slug, rendered):
    svg = rendered[slug].decode("utf-8")
    root = ET.fromstring(svg)  # raises on malformed XML
    assert root.tag == f"{SVG_NS}svg"
    images = list(root.iter(f"{SVG_NS}image"))
    assert images, "no icon was drawn"
    for image in images:
        assert image.get(XLINK_HREF, image.get("href", "")).startswith("data:image/"), image.attrib
    symbol_ids = {s.get("id") for s in root.iter(f"{SVG_NS}symbol")}
    for use in root.iter(f"{SVG_NS}use"):
        assert use.get(XLINK_HREF, "").lstrip("#") in symbol_ids, use.attrib
    # Each distinct icon is stored once.
    payloads = [image.get(XLINK_HREF) for image in images]
    assert len(payloads) == len(set(payloads))
    assert not LOCAL_PATH.search(svg), f"local path in SVG: {LOCAL_PATH.search(svg).group(0)}"


@pytest.mark.parametrize("slug", diagram_slugs())
def test_diagram_draws_its_manifests(slug, rendered):
    text = svg_text(ET.fromstring(rendered[slug].decode("utf-8")))
    assert text.strip(), "the picture has no text at all"
    missing = sorted(v for v in expected_labels(slug) if not shows(text, v))
    assert not missing, f"diagrams/{slug}.py does not draw {missing} from docs/examples/{slug}/"


@pytest.mark.parametrize("slug", diagram_slugs())
def test_diagram_is_reproducible(slug, rendered):
    again = render_all([DIAGRAMS / f"{slug}.py"], use_cache=False)[0]
    assert again.svg.read_bytes() == rendered[slug]


def test_expected_labels_catch_a_changed_port():
    """The label check is live: a port the picture does not show is reported."""
    text = "web\nport 80\nnodePort 30080"
    assert shows(text, "30080") and shows(text, "80")
    assert not shows(text, "8080") and not shows("30080", "80")


# --- pictures a reader can read: size, palette, ids, links ---------------------------------

STYLE = load_style()
OBJECT_ID = re.compile(r"^[a-z][a-z0-9]*-[a-z0-9][a-z0-9.-]*$")


def nodes_of(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG_NS}g") if "node" in (g.get("class") or "").split()]


@pytest.mark.parametrize("slug", diagram_slugs())
def test_diagram_labels_are_legible_in_the_laptop_column(slug, rendered):
    """At the laptop column's width every label renders at >= 12 px (the browser suite,
    tests/test_pictures.py, measures the same on the pages)."""
    problems = diagram_html.label_problems(
        rendered[slug].decode("utf-8"),
        f"diagrams/{slug}.py",
        diagram_html.DESKTOP_COLUMN_PX,
        diagram_html.DESKTOP_FLOOR_PX,
    )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("slug", diagram_slugs())
def test_diagram_draws_with_palette_roles_only(slug, rendered):
    """Every colour is a role of diagrams/_style.py (a class), so the dark palette applies."""
    root = ET.fromstring(rendered[slug].decode("utf-8"))
    fixed = sorted(
        {
            f"{element.tag.split('}')[1]} {attribute}={element.get(attribute)}"
            for element in root.iter()
            for attribute in ("fill", "stroke")
            if (element.get(attribute) or "none") not in ("none", "transparent")
            and element.tag != f"{SVG_NS}line"
        }
    )
    assert not fixed, f"diagrams/{slug}.py draws colours that are not palette roles: {fixed}"


@pytest.mark.parametrize("slug", diagram_slugs())
def test_diagram_nodes_and_edges_have_stable_ids(slug, rendered):
    """kube()/pod()/actor() name every node; edges are edge-<from>-<to>[-n]."""
    root = ET.fromstring(rendered[slug].decode("utf-8"))
    node_ids = [g.get("id") or "" for g in nodes_of(root)]
    unnamed = [
        i for i in node_ids if not OBJECT_ID.match(i) and not re.fullmatch(r"[a-z][\w-]*", i)
    ]
    generated = [i for i in node_ids if re.fullmatch(r"n(ode)?\d+", i)]
    assert not generated and not unnamed, (
        f"diagrams/{slug}.py: nodes without a stable id {generated + unnamed}: "
        "draw them with kube(), pod() or actor() from _style.py"
    )
    edge_ids = [
        g.get("id") or ""
        for g in root.iter(f"{SVG_NS}g")
        if "edge" in (g.get("class") or "").split()
    ]
    assert all(i.startswith("edge-") for i in edge_ids), edge_ids
    assert len(set(node_ids + edge_ids)) == len(node_ids + edge_ids), "an id is used twice"


@pytest.mark.parametrize("slug", diagram_slugs())
def test_diagram_objects_link_to_manifests_their_page_shows(slug, rendered):
    """Each linked node leads to the anchor of a manifest file, and the page that shows the
    picture includes that file (the build also fails on an anchor its page lacks)."""
    svg = rendered[slug].decode("utf-8")
    pages = [
        page
        for page in sorted((ROOT / "docs").glob("*.md"))
        if re.search(rf"\]\((?:\.\./)*diagrams/{re.escape(slug)}\.svg\)", page.read_text())
    ]
    root = ET.fromstring(svg)
    for node in nodes_of(root):
        kinds = (node.get("class") or "").split()
        title = node.find(f"{SVG_NS}title")
        if "kd-object" in kinds:
            assert title is not None and title.text, (
                f"diagrams/{slug}.py: {node.get('id')}: no tooltip"
            )
    for node_id, anchor in diagram_html.node_links(svg):
        for page in pages:
            included = re.findall(r'--8<--\s*"([^"]+\.ya?ml)"', page.read_text())
            stems = {Path(path).stem for path in included}
            assert anchor in stems, (
                f"diagrams/{slug}.py: node {node_id} links to #{anchor}, but "
                f"docs/{page.name} includes no {anchor}.yaml"
            )


def test_palette_keeps_labels_and_arrows_readable():
    """Ink on every fill >= 4.5:1 and every arrow colour on every fill >= 3:1, in both palettes."""
    palette = STYLE.PALETTE
    fills = ["canvas", *{role for role in STYLE.GROUP_FILL.values()}]
    arrows = ["muted", *{role for role, _, _ in STYLE.EDGE_KINDS.values()}]
    low = []
    for scheme in (0, 1):
        for fill in fills:
            ratio = contrast(palette["ink"][scheme], palette[fill][scheme])
            if ratio < 4.5:
                low.append(f"ink on {fill} ({['light', 'dark'][scheme]}): {ratio:.2f}")
            for arrow in arrows:
                ratio = contrast(palette[arrow][scheme], palette[fill][scheme])
                if ratio < 3:
                    low.append(f"{arrow} on {fill} ({['light', 'dark'][scheme]}): {ratio:.2f}")
    assert not low, low


def test_a_picture_too_wide_for_the_column_is_named_with_its_labels(tmp_path):
    """Bad input: a picture whose labels would render below 12 px at the laptop column."""
    shutil.copy(DIAGRAMS / "_style.py", tmp_path / "_style.py")
    script = tmp_path / "too-wide.py"
    script.write_text(
        "from _style import actor, page_diagram\n"
        "from diagrams.onprem.client import Client\n"
        "with page_diagram('too wide', direction='TB'):\n"
        "    for i in range(9):\n"
        "        actor(Client, f'client-{i}', f'a long label number {i}')\n"
    )
    result = render_all([script], use_cache=False)[0]
    problems = diagram_html.label_problems(
        result.svg.read_text(),
        "diagrams/too-wide.py",
        diagram_html.DESKTOP_COLUMN_PX,
        diagram_html.DESKTOP_FLOOR_PX,
    )
    assert problems and all(line.startswith("diagrams/too-wide.py: label '") for line in problems)
    assert any("'a long label number 0'" in line for line in problems)
    shutil.rmtree(result.svg.parent, ignore_errors=True)  # its cache entry


def test_a_node_link_to_a_missing_anchor_names_the_script_and_the_anchor(rendered):
    """Bad input: the page lacks the code block a node links to."""
    svg = rendered["nodeport"].decode("utf-8")
    page = (
        '<h1 id="nodeport">NodePort</h1><figure class="diagram">\n'
        '<p><img alt="x" src="../diagrams/nodeport.svg" /></p>\n</figure>'
        '<div id="deployment-web" class="highlight"></div>'
    )
    with pytest.raises(diagram_html.DiagramPageError) as error:
        diagram_html.inline_figures(page, "docs/nodeport.md", {"nodeport": svg})
    message = str(error.value)
    assert (
        "diagrams/nodeport.py: node service-web-nodeport links to #service-web-nodeport" in message
    )
    assert "docs/nodeport.md" in message


def test_manifest_fences_get_their_file_as_anchor():
    markdown = (
        '```yaml title="service-web.yaml"\n--8<-- "docs/examples/a/service-web.yaml"\n```\n\n'
        '    ```yaml title="pod-debug.yaml"\n    --8<-- "docs/examples/a/pod-debug.yaml"\n    ```\n'
    )
    anchored = diagram_html.manifest_anchors(markdown)
    assert '``` { .yaml #service-web title="service-web.yaml" }' in anchored
    assert '    ``` { .yaml #pod-debug title="pod-debug.yaml" }' in anchored
