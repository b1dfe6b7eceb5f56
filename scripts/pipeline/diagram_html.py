"""Puts the architecture diagrams into their pages as inline SVG, and links them to the
manifests the page shows.

- `manifest_anchors` (on_page_markdown): every code fence that includes a YAML file with
  `--8<-- "docs/examples/<slug>/<file>.yaml"` gets the file's stem as its id, so
  `#service-web-nodeport` leads to the code block of service-web-nodeport.yaml.
- `inline_figures` (on_page_content): each `<figure class="diagram">` image of
  `diagrams/<slug>.svg` becomes the picture's own markup: ids prefixed `<slug>--`, colours
  from the page's palette (CSS custom properties), node links to those anchors with an
  accessible name, the alt text as the picture's description, a "Full size" link (the
  viewer in docs/assets/javascripts/diagrams.js; the SVG file without JavaScript) and a
  legend of the arrow kinds drawn. A node link to an anchor the page lacks fails the build,
  naming the script and the anchor.
- `label_sizes`: each label's size in CSS px when the picture is shown in a column of a
  given width (the test of legibility, and the width a phone may scroll to).

The page keeps the SVG at most at its natural size (one SVG unit per CSS px); on a narrow
screen it shrinks to the column until its smallest label reaches PHONE_FLOOR_PX, then its
box scrolls sideways instead (the page itself never does).
"""

from __future__ import annotations

import html
import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from scripts.pipeline.svg_inline import (
    INVERT,
    XLINK_HREF,
    S,
    add_class,
    classes,
    palette_rules,
    palette_variables,
)

ROOT = Path(__file__).resolve().parents[2]
# Layout and viewer rules, inlined into each page that shows a diagram (none otherwise).
STYLESHEET = ROOT / "docs" / "assets" / "stylesheets" / "diagrams.css"
STYLESHEET_URI = "assets/stylesheets/diagrams.css"

# Material's content column at a 1280 px window (both sidebars shown) and at a 390 px phone.
DESKTOP_COLUMN_PX = 688
PHONE_COLUMN_PX = 358
DESKTOP_FLOOR_PX = 12.0
PHONE_FLOOR_PX = 11.0

FENCE_INCLUDE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]+)(?P<rest>[^\n{]*)\n"
    r"(?P=indent)--8<--[ \t]*\"(?P<path>[^\"\n]+\.ya?ml)\"[ \t]*\n",
    re.MULTILINE,
)
FIGURE_IMAGE = re.compile(
    r'(?P<open><figure\b[^>]*\bclass="[^"]*\bdiagram\b[^"]*"[^>]*>\s*)'
    r"(?:<p>\s*)?(?P<img><img\b[^>]*>)(?:\s*</p>)?",
    re.DOTALL,
)
ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
DIAGRAM_SRC = re.compile(r"(?:^|/)diagrams/([\w-]+)\.svg$")
ELEMENT_ID = re.compile(r"\sid=\"([^\"]+)\"")
# A "full size" glyph (four corners), drawn in the link's text colour.
EXPAND_ICON = (
    '<svg class="diagram__icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" '
    'focusable="false"><path fill="currentColor" d="M4 4h6v2H6v4H4zm10 0h6v6h-2V6h-4zM4 14h2v4h4v2'
    'H4zm14 4v-4h2v6h-6v-2z"/></svg>'
)


class DiagramPageError(ValueError):
    """A diagram and its page disagree (a node links to an anchor the page lacks)."""


# --- manifests: anchors ----------------------------------------------------------------------


def manifest_anchors(markdown: str) -> str:
    """Give each fence that includes a YAML file the file's stem as its id (the first fence
    of a file, if a page includes it twice). A fence written with { ... } is left alone."""
    seen: set[str] = set()

    def add_id(match: re.Match[str]) -> str:
        stem = Path(match["path"]).stem
        if stem in seen or not re.fullmatch(r"[A-Za-z][\w-]*", stem):
            return match.group(0)
        seen.add(stem)
        rest = match["rest"].strip()
        return (
            f"{match['indent']}{match['ticks']} {{ .{match['lang']} #{stem}"
            f"{' ' + rest if rest else ''} }}\n"
            f'{match["indent"]}--8<-- "{match["path"]}"\n'
        )

    return FENCE_INCLUDE.sub(add_id, markdown)


# --- sizes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    text: str
    font_px: float  # at natural size


def natural_size(root: ET.Element) -> tuple[float, float]:
    parts = (root.get("viewBox") or "0 0 0 0").split()
    return float(parts[2]), float(parts[3])


def labels(root: ET.Element) -> list[Label]:
    found = []
    for text in root.iter(f"{S}text"):
        words = "".join(text.itertext()).strip()
        if words:
            found.append(Label(words, float(text.get("font-size") or 14)))
    return found


def shown_width(natural_width: float, smallest_font: float, column_px: float) -> float:
    """The width the page gives the picture in a column: natural size at most, the column's
    width otherwise, but never so narrow that a label goes below PHONE_FLOOR_PX."""
    floor_width = natural_width * PHONE_FLOOR_PX / smallest_font
    return max(min(natural_width, column_px), min(floor_width, natural_width))


def label_sizes(svg: str, column_px: float) -> list[tuple[str, float]]:
    """(label, rendered CSS px) for every label, shown in a column `column_px` wide."""
    root = ET.fromstring(svg)
    width, _ = natural_size(root)
    found = labels(root)
    if not found or not width:
        return []
    scale = shown_width(width, min(x.font_px for x in found), column_px) / width
    return [(label.text, label.font_px * scale) for label in found]


def label_problems(svg: str, script: str, column_px: float, floor_px: float) -> list[str]:
    """One line per label that renders below `floor_px` in a column `column_px` wide, naming
    the script and the label: what a test reports for a picture drawn too wide."""
    small = [(text, px) for text, px in label_sizes(svg, column_px) if px < floor_px - 0.05]
    if not small:
        return []
    root = ET.fromstring(svg)
    width, _ = natural_size(root)
    smallest = min(x.font_px for x in labels(root))
    widest = column_px * smallest / floor_px
    return [
        f"{script}: label {text!r} renders at {px:.1f} px in the {column_px:g} px column "
        f"(floor {floor_px:g} px): the picture is {width:.0f} px wide, at most {widest:.0f} px "
        f"keeps its {smallest:g} px labels legible"
        for text, px in small
    ]


# --- inline markup ---------------------------------------------------------------------------


def page_css(palette: dict) -> str:
    """Palette variables for Material's light (default) and dark (slate) schemes, light on
    paper, the role classes, and the layout rules of docs/assets/stylesheets/diagrams.css."""
    light, dark = palette_variables(palette, 0), palette_variables(palette, 1)
    layout = STYLESHEET.read_text(encoding="utf-8") if STYLESHEET.is_file() else ""
    layout = re.sub(r"/\*.*?\*/", "", layout, flags=re.DOTALL)
    layout = re.sub(r"\s*\n\s*", "", layout)
    return (
        f":root{{{light}}}[data-md-color-scheme=slate]{{{dark}}}"
        f"[data-md-color-scheme=slate] .kd-icon-dark{{filter:{INVERT}}}"
        f"@media print{{[data-md-color-scheme]{{{light}}}"
        f"[data-md-color-scheme] .kd-icon-dark{{filter:none}}}}" + palette_rules(palette) + layout
    )


def _metadata(root: ET.Element) -> dict:
    element = root.find(f"{S}metadata")
    if element is None or not element.text:
        raise DiagramPageError("the SVG carries no diagram metadata")
    return json.loads(element.text)


def node_links(svg: str) -> list[tuple[str, str]]:
    """(node id, anchor) for every node that links into its page."""
    root = ET.fromstring(svg)
    found = []
    for group in root.iter(f"{S}g"):
        if "node" not in classes(group):
            continue
        for link in group.iter(f"{S}a"):
            href = link.get(XLINK_HREF) or link.get("href") or ""
            if href.startswith("#"):
                found.append((group.get("id") or "", href[1:]))
    return found


def inline_svg(svg: str, slug: str, alt: str, with_style: bool) -> tuple[str, dict]:
    """The picture's markup for the page, and its metadata (title, legend, size)."""
    root = ET.fromstring(svg)
    meta = _metadata(root)
    for tag in ("title", "style", "metadata"):
        for element in root.findall(f"{S}{tag}"):
            root.remove(element)
    width, height = natural_size(root)
    found = labels(root)
    smallest = min((x.font_px for x in found), default=16.0)

    own_ids = {element.get("id") for element in root.iter() if element.get("id")}
    for element in root.iter():
        if element.get("id"):
            element.set("id", f"{slug}--{element.get('id')}")
        if element.tag == f"{S}use":
            target = (element.get(XLINK_HREF) or "").lstrip("#")
            if target in own_ids:
                element.set(XLINK_HREF, f"#{slug}--{target}")
        for attribute in ("fill", "stroke", "clip-path", "filter", "mask"):
            value = element.get(attribute) or ""
            for target in re.findall(r"url\(#([^)]+)\)", value):
                if target in own_ids:
                    element.set(attribute, value.replace(f"#{target})", f"#{slug}--{target})"))

    graph = root.find(f"{S}g")
    for child in list(graph if graph is not None else []):
        kinds = classes(child)
        link = child.find(f".//{S}a") if "node" in kinds else None
        if link is None:
            if child.tag != f"{S}title":
                child.set("aria-hidden", "true")
            continue
        title = child.find(f"{S}title")
        tooltip = (title.text or "").strip() if title is not None else ""
        visible = " ".join("".join(t.itertext()).strip() for t in link.iter(f"{S}text"))
        # Named by what it shows (WCAG 2.5.3), then what it is and where it leads. The
        # href stays xlink:href: Material's scripts rewrite a[href] and SVG's is read-only.
        link.set("role", "link")
        link.set("aria-label", f"{visible} ({tooltip}, manifest)" if tooltip else visible)
        for part in link:
            part.set("aria-hidden", "true")

    for attribute in ("width", "height"):
        root.attrib.pop(attribute, None)
    add_class(root, "diagram__svg")
    root.set("data-diagram", slug)
    root.set("role", "group")
    root.set("aria-label", f"Diagram: {meta['title']}")
    root.set("aria-describedby", f"{slug}--desc")
    description = ET.Element(f"{S}desc", {"id": f"{slug}--desc"})
    description.text = alt
    root.insert(0, description)
    if with_style:
        style = ET.Element(f"{S}style")
        style.text = page_css(meta["palette"])
        root.insert(1, style)
    markup = ET.tostring(root, encoding="unicode")
    # One namespace declaration is enough in HTML; the parser knows SVG's.
    markup = markup.replace(' xmlns="http://www.w3.org/2000/svg"', "", 1)
    info = {
        "title": meta["title"],
        "legend": meta["legend"],
        "width": width,
        "height": height,
        "smallest": smallest,
    }
    return markup, info


def legend_markup(legend: list) -> str:
    if not legend:
        return ""
    items = []
    for _kind, role, dashed, words in legend:
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        items.append(
            '<li><svg width="28" height="10" aria-hidden="true" focusable="false">'
            f'<line x1="1" y1="5" x2="27" y2="5" class="kd-s-{role}" stroke-width="2.5"{dash}/>'
            f"</svg>{html.escape(words)}</li>"
        )
    return f'<ul class="diagram__legend" aria-label="Arrows">{"".join(items)}</ul>'


def figure_markup(svg: str, slug: str, alt: str, src: str, with_style: bool) -> str:
    """The picture in its frame, then a bar: the legend and the "Full size" link."""
    markup, info = inline_svg(svg, slug, alt, with_style)
    width = math.ceil(info["width"])
    min_width = math.ceil(min(info["width"], info["width"] * PHONE_FLOOR_PX / info["smallest"]))
    title = html.escape(info["title"], quote=True)
    return (
        f'<div class="diagram__frame" data-search-exclude>'
        f'<div class="diagram__canvas" style="--kd-w:{width}px;--kd-min-w:{min_width}px">'
        f"{markup}</div></div>"
        f'<div class="diagram__bar" data-search-exclude>{legend_markup(info["legend"])}'
        f'<a class="diagram__open" href="{html.escape(src, quote=True)}" '
        f'data-diagram-open="{slug}" data-title="{title}">{EXPAND_ICON}'
        f'<span>Full size<span class="diagram__sr">: {title}</span></span></a></div>'
    )


def inline_figures(page_html: str, page_label: str, svgs: dict[str, str]) -> str:
    """Replace each diagram image of the page by its inline picture; check its links."""
    problems: list[str] = []
    inlined: list[tuple[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        attributes = dict(ATTRIBUTE.findall(match["img"]))
        src = html.unescape(attributes.get("src", ""))
        found = DIAGRAM_SRC.search(src)
        if not found or found.group(1) not in svgs:
            return match.group(0)
        slug = found.group(1)
        alt = html.unescape(attributes.get("alt", ""))
        inlined.append((slug, svgs[slug]))
        return match["open"] + figure_markup(svgs[slug], slug, alt, src, len(inlined) == 1)

    result = FIGURE_IMAGE.sub(replace, page_html)
    if not inlined:
        return page_html
    ids = set(ELEMENT_ID.findall(result))
    for slug, svg in inlined:
        for node_id, anchor in node_links(svg):
            if anchor not in ids:
                problems.append(
                    f"diagrams/{slug}.py: node {node_id} links to #{anchor}, which "
                    f"{page_label} does not have (include {anchor}.yaml in a code fence there)"
                )
    if problems:
        raise DiagramPageError("; ".join(problems))
    return result
