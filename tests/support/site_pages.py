"""What the browser tests and the page benchmark share about the built site: how to find
Chromium, how pages are named and addressed, and the in-page scripts both run.

It lives with the test support so that no test imports from the benchmark; the benchmark
(scripts/bench/) imports it from here.
"""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def find_chromium() -> Path:
    """$CHROMIUM, else `chromium`, else `chromium-browser` on the PATH: the rule of
    `scripts/setup.sh chromium` (CI on GitHub sets $CHROMIUM to the runner's Google Chrome).
    With none, /usr/bin/chromium: where Debian's package, which `make test` installs, puts it."""
    if os.environ.get("CHROMIUM"):
        return Path(os.environ["CHROMIUM"])
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else Path("/usr/bin/chromium")


CHROMIUM = find_chromium()
# Debian's chromium, headless; Playwright and Lighthouse each add a fresh --user-data-dir.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


MERMAID_PATH = "/assets/vendor/mermaid/"


def page_slugs(site: Path) -> list[str]:
    """Every page of the built site: "index" for the home page, else its folder."""
    slugs = []
    for index in sorted(site.rglob("index.html")):
        folder = index.parent.relative_to(site).as_posix()
        slugs.append("index" if folder == "." else folder)
    return slugs


def page_path(slug: str) -> str:
    """URL path of a page below the site's base path."""
    return "" if slug == "index" else f"{slug}/"


def has_mermaid(site: Path, slug: str) -> bool:
    html = (site / page_path(slug) / "index.html").read_text(encoding="utf-8")
    return 'class="mermaid"' in html


REVEAL_MERMAID_JS = """async () => {
  const done = (block) => block.dataset.rendered || block.dataset.failed;
  for (const block of document.querySelectorAll("div.mermaid")) {
    for (let el = block.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
      if (el.classList.contains("tabbed-block")) {
        const index = [...el.parentElement.children].indexOf(el);
        const input = el.closest(".tabbed-set").querySelectorAll(":scope > input")[index];
        if (input && !input.checked) input.click();
      }
    }
    block.scrollIntoView({ block: "center" });
    const started = performance.now();
    while (!done(block) && performance.now() - started < 20000)
      await new Promise((resolve) => setTimeout(resolve, 50));
  }
  window.scrollTo(0, 0);
}"""


# The two widths the pictures are judged at: a laptop (Material's content column is about
# 690 px there) and a phone.
PICTURE_VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
# Rendered size of every label of every architecture diagram (figure.diagram), in CSS px as
# the page shows it. An inline <svg>: the text's font size times its screen transform; an
# <img> (the older way): the SVG file's font sizes times rendered width / viewBox width.
LABEL_SIZES_JS = """async () => {
  const figures = [];
  for (const figure of document.querySelectorAll("figure.diagram")) {
    const svg = figure.querySelector("svg[data-diagram]");
    const labels = [];
    let name = null;
    if (svg) {
      name = svg.dataset.diagram;
      for (const text of svg.querySelectorAll("text")) {
        const ctm = text.getScreenCTM();
        const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 0;
        const size = parseFloat(getComputedStyle(text).fontSize) * scale;
        labels.push({ text: text.textContent.trim(), px: size });
      }
    } else {
      const img = figure.querySelector("img");
      if (!img) continue;
      const src = img.currentSrc || img.src;
      name = (src.match(/diagrams\\/([\\w-]+)\\.svg/) || [null, src])[1];
      const source = await (await fetch(src)).text();
      const root = new DOMParser().parseFromString(source, "image/svg+xml").documentElement;
      const viewBox = (root.getAttribute("viewBox") || "").trim().split(/[\\s,]+/).map(Number);
      const scale = img.getBoundingClientRect().width / viewBox[2];
      for (const text of root.querySelectorAll("text"))
        labels.push({ text: text.textContent.trim(),
                      px: parseFloat(text.getAttribute("font-size")) * scale });
    }
    labels.sort((a, b) => a.px - b.px);
    figures.push({ name, smallest: labels.length ? labels[0].px : null, labels });
  }
  return figures;
}"""


# --- the "Follow a packet" control ------------------------------------------------------

WALK_SCRIPTS = ("walk.js", "load-walk.js")  # the control, and its loader (on every page)


def walk_script_gzip_bytes(site: Path | None = None) -> int:
    """Bytes, gzip-compressed, of what a page with a packet walk downloads for its
    step-through control: walk.js and its loader (target: 10 KB). From the built site's
    assets/javascripts/ when given, else from docs/assets/javascripts/."""
    folder = (site if site else ROOT / "docs") / "assets" / "javascripts"
    return sum(len(gzip.compress((folder / name).read_bytes())) for name in WALK_SCRIPTS)
