"""Shared fixtures: the project's paths, one strict build of the site, throwaway copies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
DIAGRAMS = ROOT / "diagrams"
# What a copy of the project needs to build; node_modules is linked, not copied.
PROJECT_PARTS = ["mkdocs.yml", "docs", "diagrams", "scripts", "overrides"]


@dataclass(frozen=True)
class Build:
    site: Path
    returncode: int
    output: str


def mkdocs_build(project: Path, site: Path, **env: str) -> Build:
    """Run `mkdocs build --strict` for `project` into `site` (never -v: it skips anchor checks)."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
        timeout=600,
        check=False,
    )
    return Build(site, result.returncode, result.stdout + result.stderr)


def copy_project(destination: Path) -> Path:
    """A throwaway copy of the project, for tests that break it on purpose."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(
                source, destination / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        elif source.is_file():
            shutil.copy2(source, destination / part)
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    return destination


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Build:
    """The real site, built once per test session."""
    build = mkdocs_build(ROOT, tmp_path_factory.mktemp("site") / "site")
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.output}"
    return build


def page_slugs() -> list[str]:
    return sorted(p.stem for p in DOCS.glob("*.md"))


def diagram_slugs() -> list[str]:
    return sorted(p.stem for p in DIAGRAMS.glob("*.py") if not p.name.startswith("_"))
