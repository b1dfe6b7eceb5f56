"""Printing: every page, in either palette, gives the light scheme on paper.

Each page is opened in the light and the dark palette and printed to PDF by Chromium (the
print stylesheet applies, as when a reader prints). Checked in the page under print media:
every code token's contrast, Mermaid in its light theme, which links get their address.
Checked in the PDF's text: diagrams, not their Mermaid source; only external addresses;
no file-name bar ending a page; no mostly-empty page left by an avoided break. The PDFs land
in build/print/ for a person to look at (nodeport in both palettes is the one to open).
"""

from __future__ import annotations

import re

import browser_support as bs
import pytest

from tests.conftest import page_slugs

pytestmark = pytest.mark.browser

MIN_CONTRAST = 4.5
# A page (other than the last) whose lowest text line sits above this share of its height
# was left mostly empty by a break that was avoided.
MIN_FILLED = 0.5

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
                done[slug, scheme] = (state, bs.pdf_text_by_page(path))
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
    for number, page in enumerate(pdf, start=1):
        lines = [line.strip() for line in page["text"].splitlines() if line.strip()]
        if number < len(pdf) and lines:
            assert lines[-1] not in names, f"{scheme}: page {number} ends with the bar {lines[-1]}"
            assert page["filled"] >= MIN_FILLED, (
                f"{scheme}: page {number} of {len(pdf)} is mostly empty "
                f"(text ends {page['filled']:.0%} down)"
            )


def test_print_pdfs_written_for_review(printed):
    for slug, scheme in (("nodeport", "light"), ("nodeport", "dark")):
        printed(slug, scheme)
        path = bs.PRINTS / f"{slug}-{scheme}.pdf"
        assert path.read_bytes()[:5] == b"%PDF-", f"{path} is not a PDF"
