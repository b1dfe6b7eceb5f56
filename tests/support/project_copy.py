"""A throwaway copy of the project, for tests that break it and benchmarks that time it."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What a copy needs to build; node_modules is linked, not copied (it is large and read-only).
PROJECT_PARTS = ["mkdocs.yml", "docs", "diagrams", "scripts", "overrides"]


def copy_project(destination: Path) -> Path:
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
