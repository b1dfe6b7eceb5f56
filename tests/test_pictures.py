"""The architecture diagrams as a reader meets them, in Chromium: every page that shows one,
at a 1280 px laptop and a 390 px phone, in the light and the dark palette.

1. Legible: every label renders at >= 12 CSS px on the laptop (the message names the script
   and the labels below the floor).
2. On the phone every label stays >= 11 px; a picture wider than the column scrolls in its
   own box, never the page; the full-size viewer shows it at >= 11 px too.
3. The viewer opens from the "Full size" link (Enter) and from a tap on the picture, closes
   with Escape and its close button, gives focus back, and axe finds nothing while it is open.
4. Palette: a dark picture in the dark palette, every label >= 4.5:1 against what is behind
   it in both, a palette switch redraws it without a reload, and paper gets the light one.
5. Every Kubernetes object links to its manifest's code block on the page, with a tooltip
   "<Kind> <name>" and an accessible name, reachable with the Tab key.

Screenshots of every diagram (light and dark, laptop and phone) land in
build/screenshots/diagrams/ for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.pipeline.diagram_html import DESKTOP_FLOOR_PX, PHONE_FLOOR_PX
from tests.conftest import page_slugs
from tests.support import browser as bs
from tests.support.site_pages import LABEL_SIZES_JS

pytestmark = pytest.mark.browser

SHOTS = bs.SCREENSHOTS / "diagrams"
VIEWPORTS = bs.PICTURE_FORMS
CONTRAST_MIN = 4.5
TOOLTIP = re.compile(r"^(?:Pod of )?[A-Z][A-Za-z0-9]+ [a-z0-9][a-z0-9.-]*(?: on [\w-]+)?$")


def pages_with_diagrams() -> list[str]:
    return [slug for slug in page_slugs() if bs.expected_diagram_images(slug)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "slug" in metafunc.fixturenames:
        slugs = pages_with_diagrams()
        metafunc.parametrize("slug", slugs, ids=slugs)


# What the page shows of each diagram: its links, the colours behind its labels, its box.
FIGURES_JS = (
    "() => {"
    + bs.CONTRAST_HELPERS_JS
    + """
  const solid = (element) => {
    const fill = getComputedStyle(element).fill;
    return fill && fill !== "none" && !/rgba\\(.*,\\s*0\\)/.test(fill) ? fill : null;
  };
  return [...document.querySelectorAll("figure.diagram")].map((figure) => {
    const svg = figure.querySelector("svg[data-diagram]");
    if (!svg) return { name: null };
    figure.scrollIntoView({ block: "center" });
    const canvas = figure.querySelector(".diagram__canvas");
    const frame = figure.querySelector(".diagram__frame");
    const frameColour = rgb(getComputedStyle(frame).backgroundColor);
    const texts = [];
    for (const text of svg.querySelectorAll("text")) {
      const box = text.getBoundingClientRect();
      const x = box.left + box.width / 2, y = box.top + box.height / 2;
      let behind = null;
      for (const element of document.elementsFromPoint(x, y)) {
        if (!svg.contains(element) || element === text) continue;
        if (["text", "tspan", "use", "image", "a", "g", "svg"].includes(element.tagName)) continue;
        if (element.closest(".edge")) continue;
        const fill = solid(element);
        if (fill) { behind = rgb(fill); break; }
      }
      const colour = rgb(getComputedStyle(text).fill);
      const background = behind || frameColour;
      texts.push({ text: text.textContent.trim(), colour, background,
                   ratio: contrast(colour, background) });
    }
    const canvasFill = svg.querySelector(".graph > polygon");
    const links = [...svg.querySelectorAll("a")].map((link) => {
      const node = link.closest(".node");
      const title = node && node.querySelector(":scope > title");
      const href = link.getAttribute("href") || link.getAttribute("xlink:href") || "";
      return {
        node: node ? node.id : null, href,
        target: href.startsWith("#") && Boolean(document.getElementById(href.slice(1))),
        name: link.getAttribute("aria-label") || "",
        tooltip: title ? title.textContent.trim() : "",
        tabbable: link.tabIndex >= 0,
      };
    });
    const objects = [...svg.querySelectorAll(".node.kd-object")].map((node) => ({
      id: node.id, linked: Boolean(node.querySelector("a")),
    }));
    const root = document.documentElement;
    return {
      name: svg.dataset.diagram,
      ids: [...svg.querySelectorAll("[id]")].map((element) => element.id),
      canvas: canvasFill ? rgb(getComputedStyle(canvasFill).fill) : null,
      texts, links, objects,
      boxScrolls: canvas.scrollWidth > canvas.clientWidth + 1,
      pageScrolls: Math.max(root.scrollWidth, document.body.scrollWidth) > root.clientWidth + 1,
    };
  });
}"""
)
VIEWER_JS = """() => {
  const dialog = document.querySelector("dialog.kd-viewer");
  const svg = dialog && dialog.open ? dialog.querySelector("svg[data-diagram]") : null;
  const pane = dialog && dialog.querySelector(".kd-viewer__pane");
  const sizes = svg ? [...svg.querySelectorAll("text")].map((text) => {
    const ctm = text.getScreenCTM();
    return { text: text.textContent.trim(),
             px: parseFloat(getComputedStyle(text).fontSize) * Math.hypot(ctm.a, ctm.b) };
  }) : [];
  const root = document.documentElement;
  return {
    open: Boolean(dialog && dialog.open), name: svg ? svg.dataset.diagram : null, sizes,
    paneScrolls: pane ? pane.scrollWidth > pane.clientWidth + 1 : false,
    pageScrolls: root.scrollWidth > root.clientWidth + 1,
    focus: document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "",
  };
}"""


def luminance(colour: list[float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = colour[:3]
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


# --- visits ------------------------------------------------------------------------------


def open_page(browser, server, slug: str, form: str, scheme: str):
    context = bs.new_context(browser, server.origin, form, scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server.url + bs.page_path(slug), wait_until="load")
    page.wait_for_load_state("networkidle")
    page.errors = errors  # type: ignore[attr-defined]
    return context, page


@pytest.fixture(scope="module")
def seen(browser, server):
    """seen(slug, form, scheme) -> (label sizes, figures), each page loaded once per form
    and scheme, with a screenshot of every diagram."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    done: dict[tuple[str, str, str], tuple[list, list]] = {}

    def get(slug: str, form: str, scheme: str):
        key = (slug, form, scheme)
        if key not in done:
            context, page = open_page(browser, server, slug, form, scheme)
            try:
                sizes = page.evaluate(LABEL_SIZES_JS)
                figures = page.evaluate(FIGURES_JS)
                # The sticky header would cover the top of a figure in its screenshot.
                page.add_style_tag(content=".md-header, .md-tabs { visibility: hidden; }")
                for figure, locator in zip(
                    figures, page.locator("figure.diagram").all(), strict=False
                ):
                    if figure["name"]:
                        locator.scroll_into_view_if_needed()
                        shot = SHOTS / f"{slug}-{figure['name']}-{form}-{scheme}.png"
                        locator.screenshot(path=shot)
                assert page.errors == [], f"{slug} {form}/{scheme}: {page.errors}"  # type: ignore[attr-defined]
            finally:
                context.close()
            done[key] = (sizes, figures)
        return done[key]

    return get


def below(sizes: list[dict], floor: float) -> list[str]:
    """'diagrams/<name>.py: "label" 10.4 px, ...' for every figure with labels below floor."""
    lines = []
    for figure in sizes:
        small = [f'"{x["text"]}" {x["px"]:.1f} px' for x in figure["labels"] if x["px"] < floor]
        if small:
            lines.append(f"diagrams/{figure['name']}.py: " + ", ".join(small))
    return lines


# --- 1 and 2: legible at both widths -------------------------------------------------------


@pytest.mark.parametrize("scheme", list(bs.SCHEMES))
def test_labels_are_legible_on_a_laptop(seen, slug, scheme):
    sizes, figures = seen(slug, "desktop", scheme)
    assert sizes, f"{slug}: no diagram on the page"
    assert all(f["name"] for f in figures), f"{slug}: a diagram is still an <img>"
    small = below(sizes, DESKTOP_FLOOR_PX)
    assert not small, f"labels below {DESKTOP_FLOOR_PX:g} px at 1280 px:\n" + "\n".join(small)
    for figure in figures:
        assert not figure["boxScrolls"], f"{figure['name']}: scrolls sideways on a laptop"


@pytest.mark.parametrize("scheme", list(bs.SCHEMES))
def test_labels_are_readable_on_a_phone(seen, slug, scheme):
    sizes, figures = seen(slug, "phone", scheme)
    small = below(sizes, PHONE_FLOOR_PX)
    assert not small, f"labels below {PHONE_FLOOR_PX:g} px at 390 px:\n" + "\n".join(small)
    for figure in figures:
        assert not figure["pageScrolls"], f"{figure['name']}: the page scrolls sideways"


# --- 3: the full-size viewer ---------------------------------------------------------------


@pytest.mark.parametrize("form", list(VIEWPORTS))
def test_the_viewer_opens_closes_and_returns_focus(browser, server, slug, form):
    context, page = open_page(browser, server, slug, form, "light")
    try:
        links = page.locator("[data-diagram-open]")
        assert links.count() >= 1
        floor = DESKTOP_FLOOR_PX if form == "desktop" else PHONE_FLOOR_PX
        for index in range(links.count()):
            link = links.nth(index)
            name = link.get_attribute("data-diagram-open")
            # Keyboard: Enter on the link opens it; Escape closes it; focus comes back.
            link.focus()
            page.keyboard.press("Enter")
            state = page.evaluate(VIEWER_JS)
            assert state["open"] and state["name"] == name, f"{name}: Enter did not open it"
            small = [f'"{x["text"]}" {x["px"]:.1f} px' for x in state["sizes"] if x["px"] < floor]
            assert not small, f"diagrams/{name}.py in the viewer: {small}"
            assert not state["pageScrolls"], f"{name}: the page scrolls sideways"
            # What a reader can reach with the viewer open: the dialog (the page is inert).
            violations = bs.run_axe_within(page, "dialog.kd-viewer")
            assert violations == [], f"{name}: axe with the viewer open: {violations}"
            if form == "phone":
                page.screenshot(path=SHOTS / f"{slug}-{name}-viewer-phone.png")
            page.keyboard.press("Escape")
            state = page.evaluate(VIEWER_JS)
            assert not state["open"], f"{name}: Escape did not close the viewer"
            assert page.evaluate(
                "(n) => Boolean(document.querySelector("
                "`figure.diagram .diagram__canvas > svg[data-diagram='${n}']`))",
                name,
            ), f"{name}: the picture did not return to the page"
            assert 'data-diagram-open="' + name in state["focus"], f"focus went to {state['focus']}"
            # Pointer: a click or tap on the picture, then the close button.
            svg = page.locator(f"figure.diagram svg[data-diagram='{name}']")
            svg.evaluate("(element) => element.scrollIntoView({ block: 'center' })")
            box = svg.bounding_box()
            assert box is not None
            # The left edge, half-way down: the picture's background, no node link there.
            point = (box["x"] + 4, box["y"] + box["height"] / 2)
            if form == "phone":
                page.touchscreen.tap(*point)
            else:
                page.mouse.click(*point)
            assert page.evaluate(VIEWER_JS)["open"], f"{name}: a tap on the picture did not open it"
            page.locator('dialog.kd-viewer button[data-action="close"]').click()
            state = page.evaluate(VIEWER_JS)
            assert not state["open"], f"{name}: the close button did not close the viewer"
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        context.close()


# --- 4: palette ------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", list(bs.SCHEMES))
def test_every_label_contrasts_with_its_background(seen, slug, scheme):
    _, figures = seen(slug, "desktop", scheme)
    for figure in figures:
        canvas = luminance(figure["canvas"])
        if scheme == "dark":
            assert canvas < 0.05, f"{figure['name']}: not a dark picture in the dark palette"
        else:
            assert canvas > 0.9, f"{figure['name']}: not a light picture in the light palette"
        poor = [
            f'"{t["text"]}" {t["ratio"]:.2f}:1 ({t["colour"]} on {t["background"]})'
            for t in figure["texts"]
            if t["ratio"] < CONTRAST_MIN
        ]
        assert not poor, f"diagrams/{figure['name']}.py, {scheme}: " + "; ".join(poor)


def test_a_palette_switch_redraws_without_reload_and_paper_is_light(browser, server, slug):
    context, page = open_page(browser, server, slug, "desktop", "light")
    try:
        canvas = (
            "() => getComputedStyle(document.querySelector('figure.diagram .graph > polygon')).fill"
        )
        light = page.evaluate(canvas)
        page.evaluate("() => { window.__sameDocument = true; }")
        page.locator("form[data-md-component=palette] label:visible").first.click()
        page.wait_for_function("() => document.body.dataset.mdColorScheme === 'slate'")
        dark = page.evaluate(canvas)
        assert dark != light, "the diagram kept its colours after the palette switch"
        assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"
        page.emulate_media(media="print")
        assert page.evaluate(canvas) == light, "the dark palette's picture went to paper"
    finally:
        context.close()


# --- 5: links to the manifests ---------------------------------------------------------------


def test_objects_link_to_their_manifests(seen, slug):
    _, figures = seen(slug, "desktop", "light")
    for figure in figures:
        name = figure["name"]
        assert all(i.startswith(f"{name}--") for i in figure["ids"]), f"{name}: unprefixed ids"
        unlinked = [o["id"] for o in figure["objects"] if not o["linked"]]
        assert not unlinked, f"diagrams/{name}.py: objects without a link: {unlinked}"
        for link in figure["links"]:
            where = f"diagrams/{name}.py node {link['node']}"
            assert link["target"], f"{where}: {link['href']} is not on the page"
            assert link["name"], f"{where}: the link has no accessible name"
            assert TOOLTIP.match(link["tooltip"]), f"{where}: tooltip {link['tooltip']!r}"
            assert link["tabbable"], f"{where}: not reachable with Tab"


def test_a_node_link_is_reached_with_tab_and_leads_to_the_manifest(browser, server, slug):
    context, page = open_page(browser, server, slug, "desktop", "light")
    try:
        first = page.locator("figure.diagram svg a").first
        if first.count() == 0:
            pytest.skip("no Kubernetes object drawn on this page")
        # Every Mermaid drawing first, so that nothing above the manifest grows afterwards.
        bs.wait_until_settled(page)
        # Tab from the element before the figure's first link lands on that link.
        page.evaluate(
            """() => { const a = document.querySelector("figure.diagram svg a");
                       const marker = document.createElement("button");
                       marker.id = "kd-before"; a.closest("figure").before(marker); marker.focus(); }"""
        )
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        assert focused == first.get_attribute("aria-label"), f"Tab reached {focused!r}"
        href = first.get_attribute("href") or first.get_attribute("xlink:href")
        before = page.evaluate("() => window.scrollY")
        page.keyboard.press("Enter")
        page.wait_for_function("(h) => location.hash === h", arg=href)
        # The page moved to the manifest's code block (smoothly, perhaps: wait for it).
        page.wait_for_function("(y) => window.scrollY !== y", arg=before, timeout=10_000)
        page.wait_for_function(
            """([id, height]) => {
                 const top = document.getElementById(id).getBoundingClientRect().top;
                 return top >= -1 && top < height;
               }""",
            arg=[href[1:], VIEWPORTS["desktop"]["height"]],
            timeout=10_000,
        )
    finally:
        context.close()


def test_screenshots_of_every_diagram_are_written(seen, slug):
    for form in VIEWPORTS:
        for scheme in bs.SCHEMES:
            _, figures = seen(slug, form, scheme)
            for figure in figures:
                shot = Path(SHOTS / f"{slug}-{figure['name']}-{form}-{scheme}.png")
                assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
