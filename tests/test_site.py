"""The built site: strict build, every link and anchor resolves, every page reachable,
every diagram used, and no page loads anything from another host."""

from __future__ import annotations

import re
from collections import deque
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from mkdocs.config import load_config

from tests.conftest import ROOT, diagram_slugs

# Attributes that make the browser load something (as opposed to <a href>, which is a link).
LOADING = [
    ("script", "src"),
    ("img", "src"),
    ("iframe", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("embed", "src"),
    ("object", "data"),
]
LOADING_LINK_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "icon",
    "manifest",
    "preconnect",
    "dns-prefetch",
    "apple-touch-icon",
}
THIRD_PARTY_HOSTS = re.compile(
    r"unpkg\.com|jsdelivr\.net|fonts\.(googleapis|gstatic)\.com|"
    r"cdnjs|google-analytics|googletagmanager"
)
# Pages are checked as if deployed at site_url's path, since the 404 page links from there.
SITE_PREFIX = (
    "http://site.invalid" + urlsplit(load_config(str(ROOT / "mkdocs.yml"))["site_url"]).path
)


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.relative_to(site).parts)


@cache
def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page_url(site: Path, page: Path) -> str:
    return SITE_PREFIX + page.relative_to(site).as_posix()


def target_file(site: Path, url: str) -> Path | None:
    """The file a same-site URL serves, or None when it leaves the site."""
    if not url.startswith(SITE_PREFIX):
        return None
    path = site / unquote(url.split("#")[0][len(SITE_PREFIX) :])
    return path / "index.html" if url.split("#")[0].endswith("/") or path.is_dir() else path


def internal_references(site: Path, page: Path):
    """(tag, url) for every relative href/src on the page, resolved against the page URL."""
    soup = parse(page)
    for tag in soup.find_all(["a", "link", "img", "script", "source", "iframe", "use"]):
        for attribute in ("href", "src", "xlink:href"):
            value = tag.get(attribute)
            if not value or urlsplit(value).scheme or value.startswith("//"):
                continue
            yield tag.name, urljoin(page_url(site, page), value)


@cache
def element_ids(path: Path) -> frozenset[str]:
    soup = parse(path)
    return frozenset(t["id"] for t in soup.find_all(id=True)) | frozenset(
        t["name"] for t in soup.find_all("a", attrs={"name": True})
    )


def test_strict_build_passes_and_reports_the_diagrams(built_site):
    assert built_site.returncode == 0
    counts = re.search(r"diagrams: (\d+) rendered, (\d+) from cache", built_site.output)
    assert counts, f"no diagram summary in the build log:\n{built_site.output}"
    assert int(counts.group(1)) + int(counts.group(2)) == len(diagram_slugs())


def test_every_internal_link_and_anchor_resolves(built_site):
    site, broken = built_site.site, []
    for page in html_pages(site):
        for tag, url in internal_references(site, page):
            target = target_file(site, url)
            where = f"{page.relative_to(site)}: <{tag}> {url[len(SITE_PREFIX) :]}"
            if target is None or not target.is_file():
                broken.append(f"{where} (no such file)")
                continue
            fragment = unquote(urlsplit(url).fragment)
            if fragment and target.suffix == ".html" and fragment not in element_ids(target):
                broken.append(f"{where} (no element with id '{fragment}')")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_every_page_is_in_the_nav_and_reachable_from_home(built_site):
    config = load_config(str(ROOT / "mkdocs.yml"))
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").glob("*.md")}

    def nav_files(items) -> set[str]:
        found: set[str] = set()
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            found |= nav_files(value) if isinstance(value, list) else {value}
        return found

    assert pages - nav_files(config["nav"]) == set(), "pages missing from the nav"

    site = built_site.site
    seen, queue = set(), deque([site / "index.html"])
    while queue:
        page = queue.popleft()
        if page in seen:
            continue
        seen.add(page)
        for tag, url in internal_references(site, page):
            target = target_file(site, url.split("#")[0])
            if tag == "a" and target and target.suffix == ".html" and target.is_file():
                queue.append(target)
    built_pages = {site / "index.html"} | {
        site / Path(page).with_suffix("") / "index.html" for page in pages if page != "index.md"
    }
    assert built_pages - seen == set(), "pages no link leads to from the home page"


def test_every_diagram_is_used_by_a_page(built_site):
    site = built_site.site
    used = set()
    for page in html_pages(site):
        # Diagrams are inline SVGs (<svg data-diagram="slug">) that also link their file for
        # the full-size view; an <img> of diagrams/<slug>.svg counts too.
        used |= {f"{svg['data-diagram']}.svg" for svg in parse(page).select("svg[data-diagram]")}
        used |= {
            target_file(site, url).name
            for tag, url in internal_references(site, page)
            if tag == "img" and "/diagrams/" in url
        }
    unused = sorted(f"{slug}.svg" for slug in diagram_slugs() if f"{slug}.svg" not in used)
    assert not unused, f"rendered diagrams no page shows: {unused}"


def test_no_page_loads_anything_from_another_host(built_site):
    site, offending = built_site.site, []
    for page in html_pages(site):
        soup = parse(page)
        sources = [tag.get(attr) for name, attr in LOADING for tag in soup.find_all(name)]
        sources += [
            link.get("href")
            for link in soup.find_all("link")
            if LOADING_LINK_RELS & set(link.get("rel", []))
        ]
        sources += re.findall(r"url\(\s*['\"]?([^)'\"]+)", str(soup))
        for source in filter(None, sources):
            if urlsplit(source).scheme in ("http", "https") or source.startswith("//"):
                offending.append(f"{page.relative_to(site)}: {source}")
        # Material fetches mermaid.js from a CDN for <pre class="mermaid">; ours are divs.
        if soup.select("pre.mermaid"):
            offending.append(f"{page.relative_to(site)}: <pre class=mermaid> (CDN loader)")
    for own in [*site.glob("assets/stylesheets/*.css"), *site.glob("assets/javascripts/*.js")]:
        text = own.read_text(encoding="utf-8")
        for match in re.finditer(r"@import\s+url\(['\"]?(https?:|//)", text):
            offending.append(f"{own.relative_to(site)}: {match.group(0)}")
    assert not offending, "third-party loads:\n" + "\n".join(offending)


@pytest.mark.parametrize("page", ["index.html", "nodeport/index.html"])
def test_pages_name_no_third_party_host(built_site, page):
    text = (built_site.site / page).read_text(encoding="utf-8")
    assert not THIRD_PARTY_HOSTS.search(text), THIRD_PARTY_HOSTS.search(text).group(0)


def test_mermaid_is_served_by_the_site(built_site):
    site = built_site.site
    entry = site / "assets" / "vendor" / "mermaid" / "mermaid.esm.min.mjs"
    assert entry.is_file()
    imported = re.findall(r'from"\./(chunks/[^"]+\.mjs)"', entry.read_text(encoding="utf-8"))
    assert imported and all((entry.parent / chunk).is_file() for chunk in imported)
