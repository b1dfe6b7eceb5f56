"""Every page of the built site in a real browser (Debian's chromium, driven by Playwright).

Rendering, accessibility (axe-core), privacy (no third-party request) and the site-wide
behaviors a reader relies on: palette toggle, instant navigation, search, the 404 page.
The site is conftest's one strict build (or $SITE_DIR), served on 127.0.0.1 by the test.
Screenshots of every page land in build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import gzip
import re
import struct

import pytest
from playwright.sync_api import Page

from tests.conftest import page_slugs
from tests.support import browser as bs
from tests.support import static_server

pytestmark = pytest.mark.browser

DIAGRAM_GZIP_LIMIT = 80 * 1024


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per page (docs/<slug>.md); the ids are the page slugs. That every page
    is built is tests/test_site.py's job."""
    if "slug" in metafunc.fixturenames:
        slugs = page_slugs()
        metafunc.parametrize("slug", slugs, ids=slugs)


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def visits(browser, server, site):
    """visits(slug, form, scheme) -> bs.Visit, each page/form/scheme loaded once."""
    bs.clear_screenshots()
    contexts = {}
    done: dict[tuple[str, str, str], bs.Visit] = {}

    def get(slug: str, form: str, scheme: str) -> bs.Visit:
        key = (slug, form, scheme)
        if key not in done:
            if (form, scheme) not in contexts:
                contexts[form, scheme] = bs.new_context(browser, server.origin, form, scheme)
            done[key] = bs.visit(contexts[form, scheme], server.url, slug, form, scheme)
        return done[key]

    yield get
    for context in contexts.values():
        context.close()


@pytest.fixture
def fresh_page(browser, server):
    """A page in a profile of its own (desktop, light), with its traffic recorded."""
    context = bs.new_context(browser, server.origin, "desktop", "light")
    page = context.new_page()
    traffic = bs.Traffic(server.origin)
    traffic.attach(page)
    page.traffic = traffic  # type: ignore[attr-defined]
    yield page
    context.close()
    assert context.third_party == [], f"third-party requests: {context.third_party}"


def all_visits(visits, slug: str) -> list[bs.Visit]:
    return [visits(slug, form, scheme) for form in bs.FORMS for scheme in bs.SCHEMES]


def own_failures(visit: bs.Visit) -> list[str]:
    """Failed requests to the site itself (third-party ones are aborted on purpose)."""
    return [line for line in visit.traffic.failed if line.startswith(visit.traffic.origin)]


# --- every page -----------------------------------------------------------------------


def test_page_loads_cleanly(visits, slug):
    for visit in all_visits(visits, slug):
        where = f"{visit.form}/{visit.scheme} {visit.url}"
        assert visit.status == 200, f"{where}: HTTP {visit.status}"
        assert visit.traffic.console_errors == [], f"{where}: console errors"
        assert visit.traffic.site_warnings == [], f"{where}: warnings from the site's scripts"
        assert own_failures(visit) == [], f"{where}: failed requests"


def test_no_third_party_requests(visits, slug):
    for visit in all_visits(visits, slug):
        assert visit.traffic.third_party == [], (
            f"{visit.form}/{visit.scheme} {visit.url} asked other hosts for: "
            + ", ".join(visit.traffic.third_party)
        )


def test_images_and_diagrams_are_decoded(visits, slug):
    for visit in all_visits(visits, slug):
        assert visit.images["broken"] == [], f"{visit.form}/{visit.scheme}: images not decoded"
    shown = visits(slug, "desktop", "light").images["diagrams"]
    for name in bs.expected_diagram_images(slug):
        assert name in shown, f"docs/{slug}.md shows diagrams/{name}.svg; the page has {shown}"


def test_mermaid_blocks_become_diagrams(visits, site, slug):
    expected = bs.expected_mermaid_blocks(slug)
    for scheme, theme in (("light", "default"), ("dark", "dark")):
        visit = visits(slug, "desktop", scheme)
        blocks = visit.mermaid
        if expected is not None:
            assert len(blocks) == expected, f"{expected} mermaid fences, {len(blocks)} blocks"
        assert visit.mermaid_errors == [], f"{scheme}: Mermaid error output on the page"
        for number, block in enumerate(blocks, start=1):
            label = f"{scheme}, mermaid block {number}"
            assert block["failed"] is None, f"{label} failed: {block['failed']}"
            assert block["svg"] and not block["shadow"], f"{label}: no inline <svg>"
            assert block["rendered"] == theme, f"{label}: rendered for {block['rendered']}"
            assert block["width"] > 50 and block["height"] > 20, f"{label}: empty drawing"
            assert block["texts"] > 0, f"{label}: no labels drawn"
            assert block["title"], f"{label}: no accessible title (accTitle: first line)"
        if not blocks:
            mermaid = [url for url in visit.traffic.requests if bs.MERMAID_PATH in url]
            assert mermaid == [], f"a page without Mermaid downloaded {mermaid}"


def test_mermaid_pages_download_only_their_diagram_types(visits, slug):
    visit = visits(slug, "desktop", "light")
    kinds = {block["kind"] for block in visit.mermaid}
    type_chunks = [
        url.rsplit("/", 1)[-1]
        for url in visit.traffic.requests
        if bs.MERMAID_PATH in url and re.search(r"/\w*Diagram\w*-[\w-]+\.mjs$", url)
    ]
    assert len(type_chunks) <= len(kinds), (
        f"diagram kinds on the page: {sorted(kinds)}; diagram modules fetched: {type_chunks}"
    )


def test_diagram_svgs_are_small(visits, site, slug):
    visit = visits(slug, "desktop", "light")
    for name in visit.images["diagrams"]:
        size = len(gzip.compress((site / "diagrams" / f"{name}.svg").read_bytes()))
        assert size <= DIAGRAM_GZIP_LIMIT, f"diagrams/{name}.svg is {size} bytes gzipped"
    for number, block in enumerate(visit.mermaid, start=1):
        size = len(gzip.compress(block["markup"].encode()))
        assert size <= DIAGRAM_GZIP_LIMIT, f"mermaid block {number} is {size} bytes gzipped"


def test_phone_width_does_not_scroll_sideways(visits, slug):
    for scheme in bs.SCHEMES:
        overflow = visits(slug, "mobile", scheme).overflow
        assert not overflow["page"], (
            f"{scheme}: the page is {overflow['scrollWidth']} px wide at "
            f"{overflow['width']} px; sticking out: {overflow['sticking']}"
        )
        assert overflow["scrollers"] == [], f"{scheme}: scrolls sideways outside code/tables"
        assert overflow["sticking"] == [], f"{scheme}: elements past the right edge"


@pytest.mark.parametrize("scheme", list(bs.SCHEMES))
def test_axe_finds_no_violations(visits, slug, scheme):
    visit = visits(slug, "desktop", scheme)
    assert visit.body_scheme == bs.SCHEMES[scheme], f"the page did not show the {scheme} scheme"
    report = "\n".join(
        f"- {v['rule']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in visit.axe or []
    )
    assert visit.axe == [], f"axe-core violations on {visit.url} ({scheme}):\n{report}"


def test_screenshots_are_written(visits, slug):
    for visit in all_visits(visits, slug):
        data = visit.screenshot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{visit.screenshot} is not a PNG"
        width, height = struct.unpack(">II", data[16:24])
        assert width == bs.FORMS[visit.form]["width"], f"{visit.screenshot}: {width} px wide"
        assert height >= bs.FORMS[visit.form]["height"] // 2


# --- site-wide ------------------------------------------------------------------------


def test_sitemap_lists_every_page(site):
    base_url = static_server.site_config.site_url()
    assert bs.sitemap_slugs(site, base_url) == bs.page_slugs(site)
    assert "index" in bs.page_slugs(site)


def scheme_of(page: Page) -> str:
    return page.evaluate("() => document.body.dataset.mdColorScheme")


def follow_link(page: Page, site, slug: str) -> None:
    """Click the navigation link to a page, the way a reader does (instant navigation)."""
    link = page.locator(f'nav.md-nav--primary a.md-nav__link[href$="/{bs.page_path(slug)}"]')
    if slug == "index":
        link = page.locator("nav.md-nav--primary a.md-nav__link").first
    link.first.click()
    page.wait_for_url(f"**/{bs.page_path(slug)}")
    # The URL changes before the new content is in: wait for its title, then for Mermaid.
    page.wait_for_function("(title) => document.title === title", arg=bs.page_title(site, slug))
    bs.wait_until_settled(page)


def toggle_palette(page: Page, scheme: str) -> None:
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function("(s) => document.body.dataset.mdColorScheme === s", arg=scheme)


def test_palette_toggle_switches_and_persists(fresh_page, server, site):
    page = fresh_page
    slugs = bs.page_slugs(site)
    # Start where there are diagrams, if any: they must follow the palette too.
    start = next((slug for slug in slugs if bs.has_mermaid(site, slug)), "index")
    elsewhere = next(slug for slug in slugs if slug != start)
    page.goto(server.url + bs.page_path(start))
    bs.wait_until_settled(page)
    assert scheme_of(page) == "default"

    toggle_palette(page, "slate")
    page.wait_for_function(
        """() => [...document.querySelectorAll("div.mermaid")]
              .every((block) => block.dataset.rendered === "dark")"""
    )
    follow_link(page, site, elsewhere)
    assert scheme_of(page) == "slate", "instant navigation dropped the dark scheme"
    page.goto(server.url + bs.page_path(start))
    bs.wait_until_settled(page)
    assert scheme_of(page) == "slate", "a full page load dropped the dark scheme"
    for block in page.evaluate(bs.MERMAID_JS):
        assert block["rendered"] == "dark", "a Mermaid diagram kept the light theme"

    toggle_palette(page, "default")
    page.reload()
    assert scheme_of(page) == "default", "switching back to light did not persist"
    assert page.traffic.console_errors == []


def test_instant_navigation_renders_mermaid_both_ways(fresh_page, server, site):
    page = fresh_page
    slugs = bs.page_slugs(site)
    with_mermaid = [slug for slug in slugs if bs.has_mermaid(site, slug)]
    without = [slug for slug in slugs if not bs.has_mermaid(site, slug)]
    if not with_mermaid or not without:
        pytest.skip("needs a page with a Mermaid block and one without")

    page.goto(server.url + bs.page_path(without[0]))
    bs.wait_until_settled(page)
    page.evaluate("() => { window.__sameDocument = true; }")
    # without -> with -> without -> with: the loader must render after each arrival.
    for target in (with_mermaid[0], without[0], with_mermaid[-1]):
        follow_link(page, site, target)
        assert page.evaluate("() => window.__sameDocument === true"), "not an instant navigation"
        blocks = page.evaluate(bs.MERMAID_JS)
        if target in with_mermaid:
            assert blocks, f"{target}: no div.mermaid after instant navigation"
        for block in blocks:
            assert block["svg"] and block["rendered"] == "default", f"{target}: {block}"
    assert page.traffic.console_errors == []


def test_search_finds_nodeport_first(fresh_page, server, site):
    page = fresh_page
    assert "nodeport" in bs.page_slugs(site)
    page.goto(server.url)
    page.locator("input.md-search__input").click()
    page.keyboard.type("NodePort")
    first = page.locator(".md-search-result__item a.md-search-result__link").first
    first.wait_for(timeout=10_000)
    assert "/nodeport/" in (first.get_attribute("href") or "")
    first.click()
    page.wait_for_url("**/nodeport/**")
    assert page.locator("article h1").first.inner_text().strip().startswith("NodePort")
    assert page.traffic.console_errors == []


def test_unknown_url_serves_the_404_page(fresh_page, server):
    page = fresh_page
    response = page.goto(server.url + "no-such-page/")
    assert response is not None and response.status == 404
    page.wait_for_load_state("networkidle")
    assert "404" in page.locator("article h1").inner_text()
    # Its stylesheets and scripts load from the site's absolute path, as on the real host.
    failed = [line for line in page.traffic.failed if "no-such-page" not in line]
    assert failed == []
    assert page.evaluate("() => typeof document$ === 'object'"), "Material's bundle not loaded"
