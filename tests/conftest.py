"""Shared fixtures: the project's paths, one strict build of the site, throwaway copies."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support import browser as bs
from tests.support import static_server
from tests.support.project_copy import copy_project  # noqa: F401 (used by the tests through here)

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


# --- the browser suite's shared fixtures ------------------------------------------------


@pytest.fixture(scope="session")
def site(request):
    """$SITE_DIR when set, else the session's one strict build (conftest.built_site)."""
    return bs.prebuilt_site() or request.getfixturevalue("built_site").site


@pytest.fixture(scope="session")
def server(site):
    running = static_server.start(site)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    # Under `make test` Chromium is installed; missing, it is a failure, never a skip.
    if not bs.CHROMIUM.is_file():
        pytest.fail(f"{bs.CHROMIUM} is missing: install Debian's chromium (make test does).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(bs.CHROMIUM), args=bs.CHROMIUM_FLAGS
        )
        yield launched
        launched.close()
