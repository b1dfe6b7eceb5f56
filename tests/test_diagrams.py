"""Every diagram script renders into a valid, self-contained, reproducible SVG that draws
the names, ports and addresses of its page's manifests."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from scripts.pipeline.render import render_all
from tests.conftest import DIAGRAMS, EXAMPLES, diagram_slugs

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
