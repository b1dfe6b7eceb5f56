"""Page speed and weight of the built site, as `name: value` lines (part of `make bench`).

The site is built (or taken from --site / $SITE_DIR) and served gzip-compressed on
127.0.0.1 by tests/support/static_server.py, the way a real host serves it. For every page:

- weight: bytes transferred on a cold load (compressed, headers included) and request count;
  the same once every diagram has been shown (Mermaid renders a diagram when it nears the
  viewport), and Mermaid's share (pages without a diagram must fetch none);
- the size of every diagram SVG, gzip-compressed (target: 80 KB each);
- Lighthouse 12 (node_modules) with its default mobile form factor, the median of --runs
  runs per category. Targets: Performance >= 95 (>= 90 with Mermaid); Accessibility, Best
  Practices and SEO 100;
- that instant navigation renders Mermaid in both directions.

    .venv/bin/python -m scripts.bench.pages [--pages nodeport,index] [--runs 1] [--no-lighthouse]

Exit status 1 when a target is missed (each miss is printed as `target_missed_<n>: ...`).
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from tests.support import static_server
from tests.support.site_pages import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    LABEL_SIZES_JS,
    MERMAID_PATH,
    PICTURE_VIEWPORTS,
    REVEAL_MERMAID_JS,
    has_mermaid,
    page_path,
    page_slugs,
)

ROOT = Path(__file__).resolve().parents[2]


LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SVG_GZIP_LIMIT = 80 * 1024


# --- the site ---------------------------------------------------------------------------


def build_site(destination: Path) -> Path:
    """`mkdocs build --strict` into destination; raises with the build's own error."""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "mkdocs"), "build", "--strict", "--quiet"]
        + ["-d", str(destination)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError("mkdocs build --strict failed:\n" + result.stderr[-3000:])
    return destination


def metric_name(slug: str) -> str:
    return re.sub(r"\W", "_", slug)


# --- weight (Playwright) ----------------------------------------------------------------

# The loader renders a diagram once it comes near the viewport: show each block as a
# reader would (open its <details>, pick its tab, scroll to it) and wait for it.
MERMAID_SVGS_JS = """() => [...document.querySelectorAll("div.mermaid > svg")]
    .map((svg) => svg.outerHTML)"""


def measure_weights(browser, url_of, slugs: list[str]) -> dict[str, dict]:
    """Cold load of each page in a fresh profile, then every diagram shown (as a reader who
    scrolls through the page): transferred bytes, requests, Mermaid's share, Mermaid SVGs."""
    return {slug: measure_page(browser, url_of(slug)) for slug in slugs}


def measure_page(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 412, "height": 823})
    page = context.new_page()
    requests = []
    # A bound method cannot carry Playwright's handler attribute: wrap it in a lambda.
    page.on("requestfinished", lambda request: requests.append(request))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    first_screen = {request.url for request in requests}
    page.evaluate(REVEAL_MERMAID_JS)
    page.wait_for_load_state("networkidle")
    svgs = page.evaluate(MERMAID_SVGS_JS)
    sizes = {request.url: request.sizes() for request in requests}
    context.close()

    def transferred(urls) -> int:
        return sum(sizes[u]["responseBodySize"] + sizes[u]["responseHeadersSize"] for u in urls)

    mermaid_urls = [u for u in sizes if MERMAID_PATH in u]
    return {
        "bytes": transferred(first_screen),
        "requests": len(first_screen),
        "bytes_all": transferred(sizes),
        "requests_all": len(sizes),
        "mermaid_bytes": transferred(mermaid_urls),
        "mermaid_requests": len(mermaid_urls),
        "mermaid_svg_gzip": [len(gzip.compress(svg.encode())) for svg in svgs],
    }


def instant_navigation_renders(browser, url_of, site: Path, slugs: list[str]) -> bool | None:
    """without -> with -> without -> with Mermaid by instant navigation; None if not testable."""
    with_mermaid = [s for s in slugs if has_mermaid(site, s)]
    without = [s for s in slugs if not has_mermaid(site, s)]
    if not with_mermaid or not without:
        return None
    context = browser.new_context()
    page = context.new_page()
    page.goto(url_of(without[0]))
    page.wait_for_load_state("networkidle")
    page.evaluate("() => { window.__sameDocument = true; }")
    ok = True
    for target in (with_mermaid[0], without[0], with_mermaid[-1]):
        title = (site / page_path(target) / "index.html").read_text(encoding="utf-8")
        title = html.unescape(re.search(r"<title>(.*?)</title>", title, re.DOTALL).group(1).strip())
        page.locator(f'nav.md-nav--primary a.md-nav__link[href="{url_of(target)}"]').first.click()
        page.wait_for_function("(title) => document.title === title", arg=title)
        page.wait_for_load_state("networkidle")
        page.evaluate(REVEAL_MERMAID_JS)
        rendered = page.evaluate("() => document.querySelectorAll('div.mermaid > svg').length")
        blocks = page.evaluate("() => document.querySelectorAll('div.mermaid').length")
        same = page.evaluate("() => window.__sameDocument === true")
        ok = ok and same and rendered == blocks and (blocks > 0) == (target in with_mermaid)
    context.close()
    return ok


# --- Lighthouse -------------------------------------------------------------------------


def lighthouse_once(url: str, out: Path) -> dict[str, float]:
    """One Lighthouse run (mobile form factor, simulated throttling: the defaults)."""
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=" + " ".join(CHROMIUM_FLAGS),
    ]
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not out.is_file():
        raise RuntimeError(f"lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    scores = {name: report["categories"][name]["score"] for name in CATEGORIES}
    if any(score is None for score in scores.values()):
        raise RuntimeError(f"lighthouse gave no score on {url}: {scores}")
    audits = report["audits"]
    scores |= {
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
    }
    return scores


def lighthouse_median(url: str, runs: int, workdir: Path) -> dict[str, float]:
    results = [lighthouse_once(url, workdir / f"run-{n}.json") for n in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


# --- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=os.environ.get("SITE_DIR"))
    parser.add_argument("--pages", help="comma-separated slugs (default: every page)")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page")
    parser.add_argument("--no-lighthouse", action="store_true")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright  # only needed when the bench runs

    scratch = Path(tempfile.mkdtemp(prefix="kni-bench-pages-"))
    try:
        site = Path(args.site) if args.site else build_site(scratch / "site")
        slugs = page_slugs(site)
        if args.pages:
            unknown = set(args.pages.split(",")) - set(slugs)
            if unknown:
                parser.error(f"no such page: {', '.join(sorted(unknown))}; pages: {slugs}")
            slugs = [s for s in slugs if s in args.pages.split(",")]
        server = static_server.start(site)
        url_of = lambda slug: server.url + page_path(slug)
        misses: list[str] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
                )
                weights = measure_weights(browser, url_of, slugs)
                pictures = {slug: measure_pictures(browser, url_of(slug)) for slug in slugs}
                instant = instant_navigation_renders(browser, url_of, site, page_slugs(site))
                browser.close()
            report_weights(site, weights, misses)
            report_pictures(pictures)
            if instant is not None:
                print(f"instant_navigation_mermaid_ok: {int(instant)}")
                if not instant:
                    misses.append("instant navigation did not render Mermaid both ways")
            if not args.no_lighthouse:
                for slug in slugs:
                    workdir = scratch / "lighthouse" / metric_name(slug)
                    workdir.mkdir(parents=True)
                    try:
                        scores = lighthouse_median(url_of(slug), args.runs, workdir)
                    except RuntimeError as error:  # keep going: the other pages still count
                        print(f"lighthouse_{metric_name(slug)}_error: {error}".split("\n")[0])
                        misses.append(f"{slug}: Lighthouse did not run")
                        continue
                    report_lighthouse(slug, has_mermaid(site, slug), scores, args.runs, misses)
        finally:
            server.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    for number, miss in enumerate(misses, start=1):
        print(f"target_missed_{number}: {miss}")
    print(f"page_targets_missed: {len(misses)}")
    return 1 if misses else 0


def report_weights(site: Path, weights: dict[str, dict], misses: list[str]) -> None:
    for slug, weight in weights.items():
        name = metric_name(slug)
        print(f"page_{name}_transfer_bytes: {weight['bytes']}")
        print(f"page_{name}_requests: {weight['requests']}")
        print(f"page_{name}_transfer_bytes_all_diagrams_shown: {weight['bytes_all']}")
        print(f"page_{name}_requests_all_diagrams_shown: {weight['requests_all']}")
        print(f"page_{name}_mermaid_transfer_bytes: {weight['mermaid_bytes']}")
        print(f"page_{name}_mermaid_requests: {weight['mermaid_requests']}")
        if not has_mermaid(site, slug) and weight["mermaid_requests"]:
            misses.append(f"{slug} has no Mermaid block but downloads Mermaid code")
        for number, size in enumerate(weight["mermaid_svg_gzip"], start=1):
            print(f"page_{name}_mermaid_{number}_svg_gzip_bytes: {size}")
            if size > SVG_GZIP_LIMIT:
                misses.append(f"{slug} Mermaid diagram {number} is {size} bytes gzipped")
    for svg in sorted((site / "diagrams").glob("*.svg")):
        size = len(gzip.compress(svg.read_bytes()))
        print(f"diagram_{metric_name(svg.stem)}_svg_gzip_bytes: {size}")
        if size > SVG_GZIP_LIMIT:
            misses.append(f"diagrams/{svg.name} is {size} bytes gzipped")
    total = sum(weight["bytes"] for weight in weights.values())
    print(f"pages_transfer_bytes_total: {total}")


def report_lighthouse(slug: str, mermaid: bool, scores: dict, runs: int, misses: list[str]) -> None:
    name = metric_name(slug)
    for key, value in scores.items():
        shown = round(value * 100) if key in CATEGORIES else round(value, 3)
        print(f"lighthouse_{name}_{key.replace('-', '_')}: {shown}")
    print(f"lighthouse_{name}_runs: {runs}")
    wanted = {"performance": 90 if mermaid else 95} | {c: 100 for c in CATEGORIES[1:]}
    for category, minimum in wanted.items():
        score = round(scores[category] * 100)
        if score < minimum:
            misses.append(f"{slug} Lighthouse {category} {score} < {minimum}")


# --- architecture diagrams: label sizes and page weight ---------------------------------


def measure_pictures(browser, url: str) -> dict:
    """The smallest label (px) of the page's diagrams at each PICTURE_VIEWPORTS width, and
    the bytes transferred (compressed, headers included) once the page and every diagram
    on it are loaded, at the desktop width."""
    result: dict = {}
    for form, (width, height) in PICTURE_VIEWPORTS.items():
        context = browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=1
        )
        page = context.new_page()
        requests: list = []
        # A bound method cannot carry Playwright's handler attribute: wrap it in a lambda.
        page.on("requestfinished", lambda request, found=requests: found.append(request))
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.evaluate(REVEAL_MERMAID_JS)
        page.wait_for_load_state("networkidle")
        # What the page loaded, before the label measurement fetches an <img> diagram again.
        sizes = [(request.url, request.sizes()) for request in requests]
        figures = page.evaluate(LABEL_SIZES_JS)
        context.close()
        smallest = [f["smallest"] for f in figures if f["smallest"] is not None]

        def transferred(wanted, sizes=sizes) -> int:
            return sum(
                size["responseBodySize"] + size["responseHeadersSize"]
                for address, size in sizes
                if wanted(address)
            )

        # The page's HTML and any diagram file it loads: what the diagrams change, apart
        # from the scripts and styles every page shares.
        def own(address: str) -> bool:
            return address.split("#")[0] == url or bool(
                re.search(r"/diagrams/[\w-]+\.svg$", address)
            )

        result[form] = {
            "figures": figures,
            "smallest_px": min(smallest) if smallest else None,
            "bytes": transferred(lambda address: True),
            "page_and_diagram_bytes": transferred(own),
        }
    return result


def report_pictures(pictures: dict[str, dict]) -> None:
    """`name: value` lines: per page, the smallest diagram label at 1280 and 390 px and the
    transfer size with its diagrams; per diagram, its smallest label at both widths."""
    for slug, measured in pictures.items():
        name = metric_name(slug)
        for form, width in (("desktop", 1280), ("phone", 390)):
            smallest = measured[form]["smallest_px"]
            if smallest is not None:
                print(f"page_{name}_smallest_label_px_{width}: {smallest:.1f}")
        print(f"page_{name}_transfer_bytes_with_diagrams: {measured['desktop']['bytes']}")
        own = measured["desktop"]["page_and_diagram_bytes"]
        print(f"page_{name}_html_and_diagram_bytes: {own}")
        for form, width in (("desktop", 1280), ("phone", 390)):
            for figure in measured[form]["figures"]:
                if figure["smallest"] is not None:
                    diagram = metric_name(figure["name"])
                    print(f"diagram_{diagram}_smallest_label_px_{width}: {figure['smallest']:.1f}")


def pictures_main(argv: list[str] | None = None) -> int:
    """Only the diagram figures: `python -c 'from scripts.bench.pages import pictures_main;
    pictures_main()' [--site DIR] [--pages a,b]`."""
    parser = argparse.ArgumentParser(description="diagram label sizes and page weights")
    parser.add_argument("--site", type=Path, default=os.environ.get("SITE_DIR"))
    parser.add_argument("--pages", help="comma-separated slugs (default: every page)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    scratch = Path(tempfile.mkdtemp(prefix="kni-bench-pictures-"))
    try:
        site = Path(args.site) if args.site else build_site(scratch / "site")
        slugs = page_slugs(site)
        if args.pages:
            slugs = [s for s in slugs if s in args.pages.split(",")]
        server = static_server.start(site)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
                )
                pictures = {s: measure_pictures(browser, server.url + page_path(s)) for s in slugs}
                browser.close()
        finally:
            server.stop()
        report_pictures(pictures)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
