"""MkDocs hooks: publish the rendered diagrams and the self-hosted Mermaid build.

Both go into the built site as generated files: nothing is written into docs/ or git.
Set KNI_DIAGRAMS=off to skip rendering (the benchmark's baseline, with images in docs/).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # MkDocs loads hooks by path; the renderer is a package module
    sys.path.insert(0, str(ROOT))

from scripts import page_meta, versions
from scripts.render_diagrams import DIAGRAMS_DIR, DiagramError, render_all, summary

log = logging.getLogger("mkdocs.hooks.diagrams")
MERMAID_DIST = ROOT / "node_modules" / "mermaid" / "dist"
MERMAID_SITE_DIR = "assets/vendor/mermaid"


def _diagram_files(config) -> list[File]:
    started = time.perf_counter()
    try:
        results = render_all()
    except DiagramError as exc:
        raise PluginError(f"Diagram failed: {exc}") from None
    log.info("%s in %.1f s", summary(results), time.perf_counter() - started)
    return [
        File.generated(config, f"diagrams/{r.slug}.svg", abs_src_path=str(r.svg)) for r in results
    ]


def _mermaid_files(config) -> list[File]:
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


def on_files(files: Files, config) -> Files:
    generated = _mermaid_files(config)
    if os.environ.get("KNI_DIAGRAMS", "on") != "off":
        generated += _diagram_files(config)
    for file in generated:
        files.append(file)
    return files


def on_serve(server, config, builder):
    # A change to a diagram script rebuilds the site; the cache redraws only that script.
    server.watch(str(DIAGRAMS_DIR))
    return server


def on_config(config):
    # Read once per build: a broken matrix stops the build before any page is converted.
    global _matrix
    try:
        _matrix = versions.load()
    except versions.VersionError as exc:
        raise PluginError(str(exc)) from None
    return config


_matrix: versions.Matrix | None = None


def on_page_markdown(markdown, page, config, files):
    # Last-updated date and meta description for the templates (see scripts/page_meta.py).
    page_meta.apply(page, config)
    # {{ versions.x.y }} and {{ versions_table }} from docs/versions.yml (scripts/versions.py).
    try:
        return versions.substitute(markdown, _matrix, f"docs/{page.file.src_uri}")
    except versions.VersionError as exc:
        raise PluginError(str(exc)) from None
