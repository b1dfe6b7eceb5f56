"""Printing: every page, in either palette, gives the light scheme on paper.

Each page is opened in the light and the dark palette and printed to PDF by Chromium (the
print stylesheet applies, as when a reader prints). Checked in the page under print media:
every code token's contrast, Mermaid in its light theme, which links get their address.
Checked in the PDF's text: diagrams, not their Mermaid source; only external addresses;
no file-name bar ending a page; no mostly-empty page left by an avoided break (no band
without text half a page tall). Checked in the PDF's drawing: no large dark area, page
margins included. The PDFs land in build/print/ for a person to look at (nodeport in both
palettes is the one to open).
"""

from __future__ import annotations

import itertools
import re

import pytest

from tests.conftest import page_slugs
from tests.support import browser as bs

pytestmark = pytest.mark.browser

MIN_CONTRAST = 4.5
# A page (other than the last) with a band free of text this share of its height or taller
# (below its lowest line, above its first, or between two) was left mostly empty by a break
# that was avoided, or by a float.
MAX_BLANK = 0.5
# Text fragments whose baselines are closer than this share of the page height share a line.
SAME_LINE = 0.004
# Paper: a filled area covering this share of a page or more (page or margin background, a
# long code block, a diagram's frame) has every color channel at least this light (0..1).
LARGE_FILL = 0.2
PAPER_LIGHT = 0.8

# Every token's color, the page and code backgrounds, and what each content link prints.
PRINT_STATE_JS = """() => {
  const rgba = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (fg, bg) => ({
    r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a),
    b: fg.b * fg.a + bg.b * (1 - fg.a), a: 1,
  });
  const lum = ({ r, g, b }) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const white = { r: 255, g: 255, b: 255, a: 1 };
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const bg = rgba(getComputedStyle(node).backgroundColor);
      if (bg && bg.a > 0) layers.push(bg);
      if (bg && bg.a === 1) break;
    }
    return layers.reverse().reduce((under, layer) => over(layer, under), white);
  };
  const tokens = [];
  const seen = new Set();
  for (const el of document.querySelectorAll(".md-content .highlight code span, .md-content .highlight span.filename, .md-content pre code, .md-content :not(pre) > code")) {
    if (!el.textContent.trim() || el.children.length && el.matches("pre code")) continue;
    const style = getComputedStyle(el);
    const bg = background(el);
    const fg = over(rgba(style.color), bg);
    const key = `${el.className}|${style.color}|${getComputedStyle(el.closest("pre, code, span") || el).backgroundColor}`;
    if (seen.has(key)) continue;
    seen.add(key);
    tokens.push({ token: `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 20)}"`,
                  color: style.color, contrast: ratio(fg, bg) });
  }
  const links = [...document.querySelectorAll(".md-content a[href]")]
    .filter((a) => a.offsetParent !== null && !a.closest(".md-content__button, .headerlink"))
    .map((a) => ({ href: a.href, external: a.origin !== location.origin,
                   after: getComputedStyle(a, "::after").content }));
  const mermaid = [...document.querySelectorAll("div.mermaid")].map((block) => {
    const shown = [...block.querySelectorAll("svg")].filter((svg) =>
      !svg.closest(".kni-mermaid-print") || getComputedStyle(svg.closest(".kni-mermaid-print")).display !== "none")
      .filter((svg) => getComputedStyle(svg).display !== "none");
    return {
      shown: shown.length,
      light: shown.length === 1 && (shown[0].closest(".kni-mermaid-print") !== null || block.dataset.rendered === "default"),
    };
  });
  const filenames = [...document.querySelectorAll(".md-content .highlight span.filename")]
    .map((el) => el.textContent.trim());
  return { tokens, links, mermaid, filenames, bodyBg: getComputedStyle(document.body).backgroundColor };
}"""


def pdf_lines_by_page(path) -> list[list[tuple[float, str]]]:
    """Each PDF page's text lines from top to bottom: (how far down the baseline sits, text).

    By position, not by the order of the content stream, which need not follow the page.
    """
    from pypdf import PdfReader

    pages = []
    for pdf_page in PdfReader(path).pages:
        height = float(pdf_page.mediabox.height)
        fragments: list[tuple[float, float, str]] = []

        def visitor(text, cm, tm, _font, _size, fragments=fragments, height=height):
            if text.strip():
                # The text origin (tm[4], tm[5]) mapped through the current matrix.
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                fragments.append((1 - y / height, x, text.strip()))

        pdf_page.extract_text(visitor_text=visitor)
        lines: list[list] = []
        for down, x, text in sorted(fragments):
            if lines and down - lines[-1][0] < SAME_LINE:
                lines[-1][1].append((x, text))
            else:
                lines.append([down, [(x, text)]])
        pages.append([(down, " ".join(t for _, t in sorted(parts))) for down, parts in lines])
    return pages


def _multiply(m: list[float], n: list[float]) -> list[float]:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return [
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    ]


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in the page's space


def _box(ctm: list[float], x: float, y: float, w: float, h: float) -> Box:
    corners = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
    xs = [px * ctm[0] + py * ctm[2] + ctm[4] for px, py in corners]
    ys = [px * ctm[1] + py * ctm[3] + ctm[5] for px, py in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _clip(a: Box | None, b: Box) -> Box:
    if a is None:
        return b
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    return x0, y0, max(x0, min(a[2], b[2])), max(y0, min(a[3], b[3]))


def pdf_large_fills(path) -> list[list[tuple[float, tuple[float, ...]]]]:
    """Each PDF page's large filled rectangles: (share of the page, RGB 0..1 over white).

    Read from the content stream: q/Q, cm, rg/g, gs opacity, rectangles (re), rectangular
    clips, fills. This is how Chromium paints the page margins, the root and body
    backgrounds and other plain boxes. Fills inside a clip of another shape (a rounded
    border, a diagram) are left out: their area is not known without drawing them.
    """
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(path)
    pages = []
    for pdf_page in reader.pages:
        page_area = float(pdf_page.mediabox.width) * float(pdf_page.mediabox.height)
        resources = pdf_page.get("/Resources")
        resources = resources.get_object() if resources is not None else {}
        states = resources.get("/ExtGState")
        states = states.get_object() if states is not None else {}
        # ctm, fill color, fill opacity, clip (None: none; False: not a rectangle)
        state: tuple = ([1.0, 0.0, 0.0, 1.0, 0.0, 0.0], (0.0, 0.0, 0.0), 1.0, None)
        stack: list[tuple] = []
        path_boxes: list[Box] = []
        curved = clipping = False
        fills: list[tuple[float, tuple[float, ...]]] = []
        for operands, operator in ContentStream(pdf_page.get_contents(), reader).operations:
            ctm, color, alpha, clip = state
            if operator == b"q":
                stack.append(state)
            elif operator == b"Q" and stack:
                state = stack.pop()
            elif operator == b"cm":
                state = (_multiply([float(x) for x in operands], ctm), color, alpha, clip)
            elif operator == b"rg":
                state = (ctm, tuple(float(x) for x in operands), alpha, clip)
            elif operator == b"g":
                state = (ctm, (float(operands[0]),) * 3, alpha, clip)
            elif operator == b"gs":
                entry = states.get(operands[0])
                entry = entry.get_object() if entry is not None else {}
                opacity = float(entry.get("/ca", alpha))
                state = (ctm, color, opacity, clip)
            elif operator == b"re":
                path_boxes.append(_box(ctm, *(float(x) for x in operands)))
            elif operator in (b"m", b"l", b"c", b"v", b"y"):
                curved = True
            elif operator in (b"W", b"W*"):
                clipping = True
            elif operator in (b"f", b"f*", b"F", b"b", b"b*", b"B", b"B*", b"n", b"S", b"s"):
                if operator not in (b"n", b"S", b"s") and clip is not False and not curved:
                    seen = tuple(round(alpha * c + 1 - alpha, 3) for c in color)
                    for box in path_boxes:
                        x0, y0, x1, y1 = _clip(clip, box)
                        share = (x1 - x0) * (y1 - y0) / page_area
                        if share >= LARGE_FILL:
                            fills.append((round(share, 2), seen))
                if clipping:
                    if curved or len(path_boxes) != 1 or clip is False:
                        clip = False
                    else:
                        clip = _clip(clip, path_boxes[0])
                    state = (ctm, color, alpha, clip)
                path_boxes, curved, clipping = [], False, False
        pages.append(fills)
    return pages


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "slug" in metafunc.fixturenames:
        slugs = page_slugs()
        metafunc.parametrize("slug", slugs, ids=slugs)


@pytest.fixture(scope="module")
def printed(browser, server):
    """printed(slug, scheme) -> (state under print media, PDF pages), each made once."""
    bs.PRINTS.mkdir(parents=True, exist_ok=True)
    for old in bs.PRINTS.glob("*.pdf"):
        old.unlink()
    contexts = {}
    done: dict[tuple[str, str], tuple[dict, list[dict]]] = {}

    def get(slug: str, scheme: str):
        if (slug, scheme) not in done:
            if scheme not in contexts:
                contexts[scheme] = bs.new_context(browser, server.origin, "desktop", scheme)
            page = bs.open_page(contexts[scheme], server.url + bs.page_path(slug))
            try:
                # No scrolling: the loader draws every diagram once the page is idle, so a
                # printout made right after opening has them all.
                page.wait_for_function(bs.ALL_MERMAID_RENDERED_JS, timeout=30_000)
                page.emulate_media(media="print")
                state = page.evaluate(PRINT_STATE_JS)
                path = bs.PRINTS / f"{slug}-{scheme}.pdf"
                page.pdf(path=str(path), format="A4", print_background=True)
                pdf = bs.pdf_text_by_page(path)
                for pdf_page, lines, fills in zip(
                    pdf, pdf_lines_by_page(path), pdf_large_fills(path), strict=True
                ):
                    pdf_page["lines"] = lines
                    pdf_page["fills"] = fills
                done[slug, scheme] = (state, pdf)
            finally:
                page.close()
        return done[slug, scheme]

    yield get
    for context in contexts.values():
        context.close()


@pytest.mark.parametrize("scheme", list(bs.SCHEMES))
def test_print_is_light_with_readable_code(printed, slug, scheme):
    state, _ = printed(slug, scheme)
    assert state["bodyBg"] in {"rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"}, state["bodyBg"]
    low = [t for t in state["tokens"] if t["contrast"] < MIN_CONTRAST]
    assert low == [], f"{scheme}: code colors under {MIN_CONTRAST}:1 on paper: {low[:8]}"


@pytest.mark.parametrize("scheme", list(bs.SCHEMES))
def test_print_paper_is_white_to_the_edges(printed, slug, scheme):
    _, pdf = printed(slug, scheme)
    for number, page in enumerate(pdf, start=1):
        dark = [fill for fill in page["fills"] if min(fill[1]) < PAPER_LIGHT]
        assert dark == [], f"{scheme}: page {number} has large dark areas (share, RGB): {dark}"


@pytest.mark.parametrize("scheme", list(bs.SCHEMES))
def test_print_shows_every_mermaid_diagram_in_light_theme(printed, slug, scheme):
    state, pdf = printed(slug, scheme)
    expected = bs.expected_mermaid_blocks(slug) or 0
    assert len(state["mermaid"]) == expected
    for number, block in enumerate(state["mermaid"], start=1):
        assert block["shown"] == 1, f"{scheme}, block {number}: {block['shown']} drawings print"
        assert block["light"], f"{scheme}, block {number}: prints in the dark theme"
    text = "\n".join(page["text"] for page in pdf)
    for source in ("sequenceDiagram", "accTitle", "flowchart ", "participant "):
        assert source not in text, f"{scheme}: the PDF has Mermaid source ({source!r})"


@pytest.mark.parametrize("scheme", list(bs.SCHEMES))
def test_print_appends_only_external_addresses(printed, server, slug, scheme):
    state, pdf = printed(slug, scheme)
    for link in state["links"]:
        printed_address = link["href"] in link["after"]
        assert printed_address == link["external"], f"{scheme}: {link}"
    text = re.sub(r"\s+", "", "".join(page["text"] for page in pdf))
    assert server.origin.split("//", 1)[1] not in text, f"{scheme}: the site's own URL printed"


@pytest.mark.parametrize("scheme", list(bs.SCHEMES))
def test_print_keeps_file_names_with_code_and_fills_pages(printed, slug, scheme):
    state, pdf = printed(slug, scheme)
    names = set(state["filenames"])
    assert names or "title=" not in (bs.markdown_source(slug) or ""), "no file-name bar found"
    for number, page in enumerate(pdf[:-1], start=1):
        assert page["lines"], f"{scheme}: page {number} of {len(pdf)} is blank"
        _, bottom = page["lines"][-1]
        assert bottom not in names, f"{scheme}: page {number} ends with the bar {bottom}"
        edges = [0.0, *(down for down, _ in page["lines"]), 1.0]
        blank, start = max((below - above, above) for above, below in itertools.pairwise(edges))
        assert blank < MAX_BLANK, (
            f"{scheme}: page {number} of {len(pdf)} is mostly empty "
            f"({blank:.0%} of it without text, from {start:.0%} down)"
        )


def test_print_pdfs_written_for_review(printed):
    for slug, scheme in (("nodeport", "light"), ("nodeport", "dark")):
        printed(slug, scheme)
        path = bs.PRINTS / f"{slug}-{scheme}.pdf"
        assert path.read_bytes()[:5] == b"%PDF-", f"{path} is not a PDF"
