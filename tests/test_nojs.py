"""Without JavaScript every page is readable: diagrams shown, each Mermaid block as
preformatted code (monospace, line breaks kept, scrolling sideways), navigation usable."""

from __future__ import annotations

import pytest

from tests.conftest import page_slugs
from tests.support import browser as bs

pytestmark = pytest.mark.browser

MERMAID_NOJS_JS = """() => {
  const code = getComputedStyle(document.querySelector("pre code, code") || document.body);
  return [...document.querySelectorAll("div.mermaid")].map((block) => {
    const style = getComputedStyle(block);
    return {
      whiteSpace: style.whiteSpace, overflowX: style.overflowX,
      monospace: style.fontFamily === code.fontFamily,
      lines: block.innerText.trim().split("\\n").length,
      sourceLines: block.textContent.trim().split("\\n").length,
      height: block.getBoundingClientRect().height,
      svg: block.querySelector("svg") !== null,
    };
  });
}"""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "slug" in metafunc.fixturenames:
        slugs = page_slugs()
        metafunc.parametrize("slug", slugs, ids=slugs)


def nojs_page(browser, server, form: str):
    return bs.new_context(browser, server.origin, form, js=False)


def test_page_reads_without_javascript(browser, server, slug):
    context = nojs_page(browser, server, "desktop")
    try:
        page = context.new_page()
        page.goto(server.url + bs.page_path(slug), wait_until="load")
        assert page.evaluate("() => document.documentElement.classList.contains('no-js')")
        images = page.evaluate(bs.IMAGES_JS)
        assert images["broken"] == [], f"images not shown: {images['broken']}"
        for name in bs.expected_diagram_images(slug):
            assert name in images["diagrams"], f"diagrams/{name}.svg not on the page"
        blocks = page.evaluate(MERMAID_NOJS_JS)
        assert len(blocks) == (bs.expected_mermaid_blocks(slug) or 0)
        for number, block in enumerate(blocks, start=1):
            label = f"mermaid block {number}"
            assert not block["svg"], f"{label}: drawn without JavaScript?"
            assert block["whiteSpace"] == "pre", f"{label}: line breaks not kept"
            assert block["overflowX"] == "auto", f"{label}: does not scroll sideways"
            assert block["monospace"], f"{label}: not in the code font"
            assert block["lines"] == block["sourceLines"] > 1, f"{label}: {block}"
        # Navigation: every page of the site is linked from the visible sidebar.
        links = page.locator("nav.md-nav--primary a.md-nav__link:visible")
        hrefs = {link.get_attribute("href") for link in links.all()}
        assert len(hrefs) >= len(page_slugs()) - 1, f"navigation links shown: {hrefs}"
    finally:
        context.close()


def test_mobile_navigation_works_without_javascript(browser, server, site):
    context = nojs_page(browser, server, "mobile")
    try:
        page = context.new_page()
        page.goto(server.url + bs.page_path("index"), wait_until="load")
        page.locator('label.md-header__button[for="__drawer"]').first.click()
        link = page.locator(
            f'nav.md-nav--primary a.md-nav__link[href$="{bs.page_path("troubleshooting")}"]'
        ).first
        link.wait_for(state="visible", timeout=5_000)
        link.click()
        page.wait_for_url("**/troubleshooting/")
        assert page.locator("article h1").first.inner_text().strip()
    finally:
        context.close()
