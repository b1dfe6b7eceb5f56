"""What readers, search engines and link previews see besides the text: every page's <title>,
description and preview tags, its "Edit this page" and "View source" links, its last-updated
date, the sitemap, the custom 404 page and the print stylesheet.
Also the date logic itself (scripts/pipeline/page_meta.py) in full, shallow and git-less checkouts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mkdocs.config import load_config
from mkdocs.utils.meta import get_data

from scripts.pipeline import page_meta
from tests.conftest import DOCS, ROOT, page_slugs
from tests.support.site_pages import CHROMIUM

CONFIG = load_config(str(ROOT / "mkdocs.yml"))
SITE_NAME, SITE_URL = CONFIG["site_name"], CONFIG["site_url"]
REPO_URL = CONFIG["repo_url"].rstrip("/")
DESCRIPTION_CHARS = (30, 200)  # shorter says nothing; longer is cut off in search results


def front_matter(slug: str) -> dict:
    return get_data((DOCS / f"{slug}.md").read_text(encoding="utf-8"))[1]


def page_path(slug: str) -> str:
    """The page's URL path below site_url ('' for the home page)."""
    return "" if slug == "index" else f"{slug}/"


def built_page(site: Path, slug: str) -> BeautifulSoup:
    html = site / page_path(slug) / "index.html"
    return BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")


def nav_titles(items, found=None) -> dict[str, str]:
    """file -> title as the nav names it (MkDocs uses that title over the page's H1)."""
    found = {} if found is None else found
    for item in items or []:
        if isinstance(item, dict):
            ((title, value),) = item.items()
            if isinstance(value, list):
                nav_titles(value, found)
            else:
                found[value] = title
    return found


def meta(soup: BeautifulSoup, **attrs: str) -> str | None:
    tag = soup.find("meta", attrs=attrs)
    return tag.get("content") if tag else None


def git_date(path: Path) -> str | None:
    """The date a full clone's history gives, asked of git directly (not of page_meta)."""
    if not shutil.which("git"):
        return None
    shallow = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if shallow.returncode != 0 or shallow.stdout.strip() != "false":
        return None  # no repository, or a shallow one: no date is promised
    log = subprocess.run(
        ["git", "log", "-1", "--format=%cs", "--", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return log.stdout.strip() or None


# --- sources ----------------------------------------------------------------------------


@pytest.mark.parametrize("slug", page_slugs())
def test_page_has_a_description(slug):
    description = front_matter(slug).get("description")
    where = f"docs/{slug}.md"
    assert isinstance(description, str) and description.strip(), (
        f"{where} has no `description:` in its front matter (it becomes the search-result "
        "and link-preview text): start the file with\n---\ndescription: One sentence.\n---"
    )
    low, high = DESCRIPTION_CHARS
    assert low <= len(description) <= high, f"{where}: description of {len(description)} chars"
    assert description.strip() != CONFIG["site_description"].strip(), f"{where}: site's own text"


# --- built pages ----------------------------------------------------------------------


@pytest.mark.parametrize("slug", page_slugs())
def test_page_head_names_the_page_and_the_site(built_site, slug):
    soup = built_page(built_site.site, slug)
    title = soup.title.get_text(strip=True)
    if slug == "index":
        assert title == SITE_NAME
    else:
        h1 = soup.select_one("article h1").get_text(" ", strip=True).rstrip("¶").strip()
        name = nav_titles(CONFIG["nav"]).get(f"{slug}.md", h1)
        assert title == f"{name} - {SITE_NAME}"

    description = " ".join(front_matter(slug)["description"].split())
    url = SITE_URL + page_path(slug)
    assert meta(soup, name="description") == description
    assert soup.find("link", rel="canonical")["href"] == url
    assert meta(soup, property="og:title") == title
    assert meta(soup, property="og:description") == description
    assert meta(soup, property="og:url") == url
    assert meta(soup, property="og:site_name") == SITE_NAME
    assert meta(soup, name="twitter:card") in {"summary", "summary_large_image"}


@pytest.mark.parametrize("slug", page_slugs())
def test_page_links_to_its_source(built_site, slug):
    soup = built_page(built_site.site, slug)
    edit = soup.select_one("a.md-content__button[rel=edit]")
    assert edit and edit["href"] == f"{REPO_URL}/edit/main/docs/{slug}.md", "Edit this page"
    view = [a["href"] for a in soup.select("a.md-content__button") if a is not edit]
    assert view == [f"{REPO_URL}/raw/main/docs/{slug}.md"], "View source"


@pytest.mark.parametrize("slug", page_slugs())
def test_repository_link_asks_no_api(built_site, slug):
    """Material's repository widget fetches stars and releases from api.github.com."""
    links = built_page(built_site.site, slug).select("a.md-source")
    assert links and all(a["href"] == CONFIG["repo_url"] for a in links)
    assert not [a for a in links if a.get("data-md-component") == "source"]


@pytest.mark.parametrize("slug", page_slugs())
def test_page_shows_its_last_update_when_git_knows_it(built_site, slug):
    soup = built_page(built_site.site, slug)
    shown = soup.select_one(".md-source-file time[datetime]")
    expected = git_date(DOCS / f"{slug}.md")
    if expected:
        assert shown is not None, f"no last-updated date on {slug}, git says {expected}"
        assert shown["datetime"] == expected == shown.get_text(strip=True)
    else:
        assert shown is None, "a date no commit backs"


@pytest.mark.parametrize("slug", page_slugs())
def test_page_loads_the_print_stylesheet(built_site, slug):
    links = built_page(built_site.site, slug).find_all("link", rel="stylesheet")
    prints = [link for link in links if link["href"].endswith("assets/stylesheets/print.css")]
    assert len(prints) == 1 and prints[0].get("media") == "print"


def test_sitemap_lists_every_page(built_site):
    tree = ET.parse(built_site.site / "sitemap.xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = {loc.text for loc in tree.getroot().findall("s:url/s:loc", namespace)}
    expected = {SITE_URL + page_path(slug) for slug in page_slugs()}
    assert listed == expected


def test_the_404_page_is_ours_and_helps(built_site):
    soup = BeautifulSoup((built_site.site / "404.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.select_one(".kni-not-found"), "Material's bare 404 page, not ours"
    assert soup.title.get_text(strip=True) == f"Page not found - {SITE_NAME}"
    assert soup.select_one("article h1").get_text(strip=True) == "404: page not found"
    assert meta(soup, name="robots") == "noindex"
    # Served at any unknown address, so its links must be absolute paths from site_url.
    site_path = "/" + SITE_URL.split("://", 1)[1].split("/", 1)[1]
    links = {a["href"] for a in soup.select(".kni-not-found a")}
    assert {site_path + page_path(slug) for slug in page_slugs()} <= links


def test_print_stylesheet_hides_navigation_and_keeps_diagrams():
    css = (DOCS / "assets" / "stylesheets" / "print.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    assert css.lstrip().startswith("@media print"), "every rule applies to print only"
    hidden = {
        selector.strip()
        for selectors in re.findall(r"([^{}]+)\{[^{}]*display:\s*none", css)
        for selector in selectors.split(",")
    }
    for chrome in (".md-header", ".md-tabs", ".md-sidebar", ".md-footer", ".md-content__button"):
        assert chrome in hidden, f"{chrome} is not hidden in print"
    kept = {".diagram", "img", ".mermaid", ".md-content", ".md-source-file", "figure", "svg"}
    for selector in hidden:
        target = re.findall(r"[.#]?[\w-]+", selector.split()[-1])  # the element it matches
        assert not kept & set(target), f"print hides {selector}"


PRINT_PROBE = """
import json, os, sys
from playwright.sync_api import sync_playwright
flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[2], args=flags)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(sys.argv[1])
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    page.emulate_media(media="print")
    print(json.dumps(page.evaluate('''() => {
      const shown = s => [...document.querySelectorAll(s)].some(
        e => getComputedStyle(e).display !== "none" && e.getClientRects().length > 0);
      const svg = document.querySelector(".diagram svg[data-diagram]");
      return {
        navigation: [".md-header", ".md-sidebar", ".md-tabs", ".md-footer",
                     ".md-content__button"].filter(shown),
        diagram: Boolean(svg && shown(".diagram svg[data-diagram]")
                         && svg.getBoundingClientRect().width > 0),
        article: shown("article h1"),
        background: getComputedStyle(document.body).backgroundColor,
      };
    }''')))
    browser.close()
"""


@pytest.mark.browser
def test_a_page_prints_cleanly_in_chromium(built_site):
    """Print media in a real browser, dark scheme on: no navigation, diagram kept, white paper.

    Runs Playwright in a child process so it never meets another test's browser session.
    """
    chromium = str(CHROMIUM)
    pages = [
        p
        for p in sorted(built_site.site.glob("*/index.html"))
        if 'class="diagram' in p.read_text(encoding="utf-8")
    ]
    assert pages, "no page with a diagram to print"
    probe = subprocess.run(
        [sys.executable, "-c", PRINT_PROBE, pages[0].as_uri(), chromium],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    result = json.loads(probe.stdout)
    assert result["navigation"] == [], f"printed: {result['navigation']}"
    assert result["diagram"] and result["article"]
    assert result["background"] == "rgb(255, 255, 255)", "dark scheme printed on dark paper"


# --- the date logic in every kind of checkout --------------------------------------------


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """A repository where old.md changed in 2025 and new.md in 2026."""
    repo = tmp_path_factory.mktemp("history")
    git(repo, "init", "-q", "-b", "main")
    (repo / "old.md").write_text("old\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "old", date="2025-03-04T10:00:00Z")
    (repo / "new.md").write_text("new\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "new", date="2026-11-20T10:00:00Z")
    return repo


def test_date_comes_from_the_last_commit_of_the_file(history):
    page_meta._shallow_boundaries.cache_clear()
    assert page_meta.last_updated(history / "old.md", history) == "2025-03-04"
    assert page_meta.last_updated(history / "new.md", history) == "2026-11-20"


def test_an_uncommitted_page_has_no_date(history):
    (history / "draft.md").write_text("draft\n")
    assert page_meta.last_updated(history / "draft.md", history) is None


def test_a_shallow_clone_shows_exact_dates_only(history, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", history.as_uri(), str(clone))
    page_meta._shallow_boundaries.cache_clear()
    # The only fetched commit looks as if it added both files: its date is new.md's real
    # date, but for old.md it would claim a change that happened in 2025.
    assert page_meta.last_updated(clone / "old.md", clone) is None
    assert page_meta.last_updated(clone / "new.md", clone) is None  # same commit: unprovable
    git(clone, "fetch", "-q", "--deepen", "1")
    page_meta._shallow_boundaries.cache_clear()
    assert page_meta.last_updated(clone / "new.md", clone) == "2026-11-20"


def test_no_git_means_no_date_and_no_error(tmp_path, monkeypatch):
    page = tmp_path / "page.md"  # a tarball: no .git anywhere above tmp_path's copy
    page.write_text("text\n")
    page_meta._shallow_boundaries.cache_clear()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert page_meta.last_updated(page, tmp_path) is None
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # git itself missing
    page_meta._shallow_boundaries.cache_clear()
    assert page_meta.last_updated(page, tmp_path) is None
    page_meta._shallow_boundaries.cache_clear()
