"""Shared fixtures: the project's paths, one strict build of the site, throwaway copies."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.project_copy import copy_project  # noqa: F401 (used by the tests through here)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
DIAGRAMS = ROOT / "diagrams"


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
