"""Machinery for the browser tests: build the site once, serve it, drive Debian's chromium.

Kept apart from tests/test_browser.py so the tests read as assertions only. One visit of a
page (a form factor and a color scheme) collects everything the tests check, so each page
is loaded four times in all: desktop and mobile, light and dark.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Request, Route

from tests.support.site_pages import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    MERMAID_PATH,
    PICTURE_VIEWPORTS,
    REVEAL_MERMAID_JS,
    has_mermaid,
    page_path,
    page_slugs,
)

# Shared with the page benchmark (scripts/bench/); re-exported for the browser tests.
__all__ = ["CHROMIUM", "CHROMIUM_FLAGS", "MERMAID_PATH", "has_mermaid", "page_path", "page_slugs"]

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"

FORMS = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 375, "height": 740}}
# The widths the pictures are judged at (the same as the benchmark's): desktop column, phone.
PICTURE_FORMS = {
    form: {"width": width, "height": height} for form, (width, height) in PICTURE_VIEWPORTS.items()
}
HANDHELD = {"mobile", "phone"}
SCHEMES = {"light": "default", "dark": "slate"}  # reader's name -> Material's scheme name

# axe rules that cannot apply to this site, each with its reason. Empty on purpose: a
# violation is fixed at its cause (contrast, names, landmarks), not listed here.
AXE_EXCEPTIONS: dict[str, str] = {}

# Elements that may scroll sideways inside the page at 375 px: code blocks and tables.
# A picture wider than a phone's column scrolls sideways in its own box (.diagram__canvas).
SCROLLABLE_OK = (
    "pre, code, .highlight, .md-typeset__scrollwrap, .md-typeset__table, table, .diagram__canvas"
)


# --- the site -------------------------------------------------------------------------


class SiteBuildError(RuntimeError):
    pass


def prebuilt_site() -> Path | None:
    """The site named by $SITE_DIR (`make build && SITE_DIR=site pytest ...`), if any."""
    if not os.environ.get("SITE_DIR"):
        return None
    site = Path(os.environ["SITE_DIR"]).resolve()
    if not (site / "index.html").is_file():
        raise SiteBuildError(f"SITE_DIR={site} has no index.html: build the site first.")
    return site


def sitemap_slugs(site: Path, base_url: str) -> list[str]:
    """The pages sitemap.xml lists, as slugs (base_url is mkdocs.yml's site_url)."""
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = ET.parse(site / "sitemap.xml").findall("s:url/s:loc", namespace)
    slugs = []
    for loc in locations:
        relative = (loc.text or "").removeprefix(base_url).strip("/")
        slugs.append(relative or "index")
    return sorted(slugs)


def page_title(site: Path, slug: str) -> str:
    """The <title> of a built page, as the browser shows it (entities decoded)."""
    html = (site / page_path(slug) / "index.html").read_text(encoding="utf-8")
    match = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    return unescape(match.group(1).strip()) if match else ""


def markdown_source(slug: str) -> str | None:
    source = ROOT / "docs" / f"{slug}.md"
    return source.read_text(encoding="utf-8") if source.is_file() else None


# A Mermaid block in the page's Markdown: a ```mermaid fence, or a packet walk's generated
# sequence, {{ walk_sequence(...) }}, which the build turns into one.
MERMAID_BLOCK = re.compile(r"^\s*(?:```+\s*mermaid\b|\{\{\s*walk_sequence\()", re.MULTILINE)


def expected_mermaid_blocks(slug: str) -> int | None:
    """Mermaid blocks in the page's Markdown, None when there is no such file."""
    source = markdown_source(slug)
    return None if source is None else len(MERMAID_BLOCK.findall(source))


def expected_diagram_images(slug: str) -> list[str]:
    """The diagrams/<name>.svg files the Markdown shows, e.g. ["nodeport", "metallb"]."""
    source = markdown_source(slug) or ""
    return re.findall(r"\]\((?:\.\./)*diagrams/([\w-]+)\.svg\)", source)


# --- the browser ----------------------------------------------------------------------


@dataclass
class Traffic:
    """What the browser asked for and said while a page was open."""

    origin: str
    requests: list[str] = field(default_factory=list)
    third_party: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    site_warnings: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        page.on("requestfailed", self._on_failed)
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        where = message.location.get("url", "") if message.location else ""
        text = f"{message.text} ({where or 'no source'})"
        if message.type == "error":
            self.console_errors.append(text)
        elif message.type == "warning" and where.startswith(self.origin):
            self.site_warnings.append(text)

    def _on_failed(self, request: Request) -> None:
        self.failed.append(f"{request.url}: {request.failure}")

    def _on_response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url}: HTTP {response.status}")


def new_context(
    browser: Browser, origin: str, form: str, scheme: str = "light", js: bool = True
) -> BrowserContext:
    """A fresh profile (empty storage) of one form factor (FORMS or PICTURE_FORMS) and
    preferred color scheme, with or without JavaScript.

    Every request is routed: the site's own go through, any other host is recorded by the
    Traffic of the page (via the `third_party` list on the context) and aborted, so no
    traffic leaves the machine and every third-party URL is named by the tests.
    """
    context = browser.new_context(
        viewport={**FORMS, **PICTURE_FORMS}[form],
        device_scale_factor=1,
        is_mobile=form in HANDHELD,
        has_touch=form in HANDHELD,
        color_scheme=scheme,
        java_script_enabled=js,
        service_workers="block",
    )
    context.third_party = []  # type: ignore[attr-defined]

    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(origin + "/"):
            route.continue_()
        else:
            context.third_party.append(url)  # type: ignore[attr-defined]
            route.abort("blockedbyclient")

    context.route("**/*", route)
    return context


def wait_until_settled(page: Page) -> None:
    """Network quiet and every Mermaid block rendered or failed (the loader marks both)."""
    page.wait_for_load_state("networkidle")
    page.evaluate(REVEAL_MERMAID_JS)
    page.wait_for_load_state("networkidle")


IMAGES_JS = """async () => {
  const broken = [];
  for (const img of document.images) {
    img.scrollIntoView({ block: "center" });  // lazy images load near the viewport
    try { await img.decode(); } catch (error) { /* judged by naturalWidth below */ }
    if (!img.complete || img.naturalWidth === 0) broken.push(img.currentSrc || img.src);
  }
  window.scrollTo(0, 0);
  // Architecture diagrams: inline <svg data-diagram="<name>">, or an <img> of diagrams/<name>.svg.
  const diagrams = [...document.querySelectorAll("img")]
    .map((img) => (img.getAttribute("src") || "").match(/diagrams\\/([\\w-]+)\\.svg$/))
    .filter(Boolean).map((match) => match[1])
    .concat([...document.querySelectorAll("figure.diagram svg[data-diagram]")]
      .map((svg) => svg.dataset.diagram));
  return { count: document.images.length, broken, diagrams };
}"""

MERMAID_JS = """() => [...document.querySelectorAll("div.mermaid")].map((block) => {
  const svg = block.querySelector(":scope > svg");
  // The drawing's own size (viewBox): a block in a closed tab or <details> has no box.
  const box = svg && svg.viewBox.baseVal ? svg.viewBox.baseVal : { width: 0, height: 0 };
  const titleId = svg && (svg.getAttribute("aria-labelledby") || "").split(" ")[0];
  const title = titleId ? document.getElementById(titleId) : null;
  return {
    rendered: block.dataset.rendered || null,
    failed: block.dataset.failed || null,
    svg: Boolean(svg),
    shadow: Boolean(block.shadowRoot),
    width: box.width,
    height: box.height,
    texts: svg ? svg.querySelectorAll("text, foreignObject").length : 0,
    kind: svg ? svg.getAttribute("aria-roledescription") : null,
    title: title ? title.textContent.trim() : "",
    bytes: svg ? svg.outerHTML.length : 0,
    markup: svg ? svg.outerHTML : "",
  };
})"""

# Mermaid's error output, whichever way it reaches the page.
MERMAID_ERROR_JS = """() => {
  const text = document.body.innerText;
  const phrases = ["Syntax error in text", "Parse error on line", "mermaid version"];
  const found = phrases.filter((phrase) => text.includes(phrase));
  if (document.querySelector('svg[aria-roledescription="error"], .error-icon'))
    found.push("error SVG element");
  return found;
}"""

OVERFLOW_JS = """(allowed) => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const scrollers = [];
  const sticking = [];
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (box.width === 0 || style.visibility === "hidden") continue;
    const clipped = el.parentElement && el.parentElement.closest(allowed);
    const scrolls = /(auto|scroll)/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
    if (scrolls && !el.matches(allowed) && !clipped)
      scrollers.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`);
    // Sticking out of the viewport on the right, outside a box allowed to scroll.
    if (box.right > width + 1 && box.left < width && !clipped && !el.closest(".md-sidebar"))
      sticking.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ` +
                    `(right edge ${Math.round(box.right)} px)`);
  }
  return {
    page: Math.max(root.scrollWidth, document.body.scrollWidth) > width + 1,
    width, scrollWidth: root.scrollWidth, scrollers, sticking: sticking.slice(0, 8),
  };
}"""


@dataclass
class Visit:
    """One load of a page in one form factor and color scheme, with what was found."""

    slug: str
    form: str
    scheme: str
    url: str
    status: int
    body_scheme: str
    traffic: Traffic
    images: dict
    mermaid: list[dict]
    mermaid_errors: list[str]
    overflow: dict
    axe: list[dict] | None
    screenshot: Path


def run_axe(page: Page) -> list[dict]:
    """axe-core's violations (all impacts), minus AXE_EXCEPTIONS, in a readable form."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await axe.run(document, { resultTypes: ['violations'] })")
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [
                f"{' '.join(map(str, node['target']))}: {node.get('failureSummary', '')}"
                for node in violation["nodes"][:3]
            ],
        }
        for violation in results["violations"]
        if violation["id"] not in AXE_EXCEPTIONS
    ]


def visit(context: BrowserContext, base_url: str, slug: str, form: str, scheme: str) -> Visit:
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    traffic = Traffic(origin)
    context.third_party.clear()  # type: ignore[attr-defined]
    page = context.new_page()
    traffic.attach(page)
    page.on("request", lambda request: traffic.requests.append(request.url))
    try:
        url = base_url + page_path(slug)
        response = page.goto(url, wait_until="load")
        wait_until_settled(page)
        images = page.evaluate(IMAGES_JS)
        mermaid = page.evaluate(MERMAID_JS)
        mermaid_errors = page.evaluate(MERMAID_ERROR_JS)
        overflow = page.evaluate(OVERFLOW_JS, SCROLLABLE_OK)
        axe = run_axe(page) if form == "desktop" else None
        screenshot = SCREENSHOTS / f"{slug.replace('/', '-')}-{form}-{scheme}.png"
        page.screenshot(path=screenshot, full_page=True)
        body_scheme = page.evaluate("() => document.body.dataset.mdColorScheme")
        traffic.third_party = list(context.third_party)  # type: ignore[attr-defined]
        return Visit(
            slug, form, scheme, url, response.status if response else 0, body_scheme,
            traffic, images, mermaid, mermaid_errors, overflow, axe, screenshot,
        )  # fmt: skip
    finally:
        page.close()


def clear_screenshots() -> None:
    """Screenshots are rewritten on each run; stale ones (a removed page) must not linger."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()


# --- print, no JavaScript, search (tests/test_print.py, test_nojs.py, test_search.py) ---

PRINTS = ROOT / "build" / "print"

ALL_MERMAID_RENDERED_JS = """() => [...document.querySelectorAll("div.mermaid")]
  .every((block) => block.dataset.rendered || block.dataset.failed)"""


def open_page(context: BrowserContext, url: str) -> Page:
    """A new page at `url`, loaded and network-quiet, without scrolling (no reveal)."""
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page


def pdf_text_by_page(path: Path) -> list[dict]:
    """Each PDF page's text, and how far down the page its lowest text line sits (0..1)."""
    from pypdf import PdfReader

    pages = []
    for pdf_page in PdfReader(path).pages:
        height = float(pdf_page.mediabox.height)
        ys: list[float] = []

        def visitor(text, _cm, tm, _font, _size, ys=ys):
            if text.strip():
                ys.append(tm[5] * _cm[3] + _cm[5] if _cm else tm[5])

        text = pdf_page.extract_text(visitor_text=visitor)
        lowest = (1 - min(ys) / height) if ys else 0.0
        pages.append({"text": text, "filled": max(0.0, min(1.0, lowest))})
    return pages


# --- architecture diagrams (tests/test_pictures.py) --------------------------------------


def run_axe_within(page: Page, selector: str) -> list[dict]:
    """axe-core's violations inside `selector` only: with a modal <dialog> open, the rest of
    the page is inert, and axe would report the page's scrollable regions as unreachable."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate(
        "async (selector) => await axe.run(document.querySelector(selector),"
        " { resultTypes: ['violations'] })",
        selector,
    )
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]],
        }
        for violation in results["violations"]
        if violation["id"] not in AXE_EXCEPTIONS
    ]


# WCAG colour helpers for in-page checks, shared by the picture and packet-walk tests:
# rgb("rgb(1, 2, 3)") -> [1, 2, 3]; contrast(a, b) -> the WCAG contrast ratio of two colours.
# Prepend to a script body: CONTRAST_HELPERS_JS + "...".
CONTRAST_HELPERS_JS = """
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const contrast = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
"""
