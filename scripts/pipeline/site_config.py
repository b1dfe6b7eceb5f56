"""mkdocs.yml, read one way everywhere: with MkDocs' own YAML loader.

That loader understands the file's `!!python/name:` and `!ENV` tags exactly as a build does,
so the page scaffolder, the static server and the tests see the configuration MkDocs sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.utils import yaml_load

ROOT = Path(__file__).resolve().parents[2]


def parse(text: str) -> dict[str, Any]:
    """The configuration in `text` (the contents of an mkdocs.yml)."""
    return yaml_load(text) or {}


def read(root: Path = ROOT) -> dict[str, Any]:
    return parse((root / "mkdocs.yml").read_text(encoding="utf-8"))


def site_url(root: Path = ROOT) -> str:
    """`site_url`, "/" when there is none."""
    return read(root).get("site_url") or "/"


def site_base_path(root: Path = ROOT) -> str:
    """The URL path the site lives under, e.g. /k8s-networking-illustrated/."""
    path = urlsplit(site_url(root)).path.strip("/")
    return f"/{path}/" if path else "/"
