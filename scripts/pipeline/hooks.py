"""MkDocs hooks: the site build's entry point, kept thin.

- on_config: reads the version matrix (scripts/pipeline/versions.py) once;
- on_files: publishes the rendered diagrams (scripts/pipeline/render.py) and the self-hosted
  Mermaid build as generated files: nothing is written into docs/ or git;
- on_page_markdown: page metadata, the version placeholders and the packet walks; each included manifest's
  code block gets its file's stem as anchor (scripts/pipeline/diagram_html.py);
- on_page_content: Mermaid blocks kept out of search and readable without JavaScript; the
  architecture diagrams put into their pages as inline SVG, their node links checked.
Set KNI_DIAGRAMS=off to skip rendering (the benchmark's baseline).
The project root is importable from the venv (the Makefile's set-up puts it on the path).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from scripts.pipeline import diagram_html, page_meta, versions
from scripts.pipeline.mermaid_html import mark_mermaid
from scripts.pipeline.render import DIAGRAMS_DIR, DiagramError, render_all, summary
from scripts.pipeline.walks import WalkError, render_walk_placeholders

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("mkdocs.hooks.diagrams")
MERMAID_DIST = ROOT / "node_modules" / "mermaid" / "dist"
MERMAID_SITE_DIR = "assets/vendor/mermaid"


def _diagram_files(config: MkDocsConfig) -> list[File]:
    started = time.perf_counter()
    try:
        results = render_all()
    except DiagramError as exc:
        raise PluginError(f"Diagram failed: {exc}") from None
    for result in results:
        for warning in result.warnings:
            log.warning("diagrams/%s.py: Graphviz %s", result.slug, warning)
    log.info("%s in %.1f s", summary(results), time.perf_counter() - started)
    # The content, not a path into the cache: another build may prune the cache meanwhile.
    contents = {r.slug: r.svg.read_bytes() for r in results}
    _svgs.update({slug: data.decode("utf-8") for slug, data in contents.items()})
    return [
        File.generated(config, f"diagrams/{slug}.svg", content=data)
        for slug, data in contents.items()
    ]


# slug -> the rendered SVG, for inlining into the pages (on_page_content).
_svgs: dict[str, str] = {}


def _mermaid_files(config: MkDocsConfig) -> list[File]:
    """mermaid's ESM entry and its chunks (no source maps): loaded on demand by the loader."""
    entry = MERMAID_DIST / "mermaid.esm.min.mjs"
    if not entry.is_file():
        raise PluginError("node_modules/mermaid is missing: run `make build` (it runs npm ci)")
    modules = [entry, *sorted((MERMAID_DIST / "chunks" / "mermaid.esm.min").glob("*.mjs"))]
    return [
        File.generated(
            config,
            f"{MERMAID_SITE_DIR}/{path.relative_to(MERMAID_DIST).as_posix()}",
            abs_src_path=str(path),
        )
        for path in modules
    ]


def on_files(files: Files, config: MkDocsConfig) -> Files:
    generated = _mermaid_files(config)
    _svgs.clear()
    if os.environ.get("KNI_DIAGRAMS", "on") != "off":
        generated += _diagram_files(config)
    # The diagrams' stylesheet is inlined into the pages that show a diagram (diagram_html).
    inlined_css = files.get_file_from_path(diagram_html.STYLESHEET_URI)
    if inlined_css is not None:
        files.remove(inlined_css)
    for file in generated:
        files.append(file)
    return files


def on_serve(server, config, builder):
    # A change to a diagram script rebuilds the site; the cache redraws only that script.
    server.watch(str(DIAGRAMS_DIR))
    return server


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # Read once per build: a broken matrix stops the build before any page is converted.
    global _matrix
    try:
        _matrix = versions.load()
    except versions.VersionError as exc:
        raise PluginError(str(exc)) from None
    return config


_matrix: versions.Matrix | None = None


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    # Last-updated date and meta description for the templates (see page_meta.py).
    page_meta.apply(page, config)
    # {{ versions.x.y }} and {{ versions_table }} from docs/versions.yml (versions.py).
    if _matrix is None:
        raise PluginError("the version matrix was not loaded (on_config did not run)")
    source = f"docs/{page.file.src_uri}"
    try:
        markdown = versions.substitute(markdown, _matrix, source)
        # {{ walk(...) }} and {{ walk_sequence(...) }}: packet walks computed from the
        # manifests and the topology beside them (scripts/pipeline/walks/).
        markdown = render_walk_placeholders(markdown, source, Path(config["docs_dir"]) / "examples")
    except (versions.VersionError, WalkError) as exc:
        raise PluginError(str(exc)) from None
    # Each included manifest's code block gets an anchor the diagram's nodes link to.
    return diagram_html.manifest_anchors(markdown)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    # Runs before the search plugin reads the page (it indexes in on_page_context).
    html = mark_mermaid(html)
    try:
        return diagram_html.inline_figures(html, f"docs/{page.file.src_uri}", _svgs)
    except diagram_html.DiagramPageError as exc:
        raise PluginError(f"Diagram failed: {exc}") from None
