"""The renderer's cache: unchanged diagrams come from it, an edited script or manifest is
redrawn alone, and a deleted script leaves nothing behind."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.render_diagrams import DEFAULT_TIMEOUT_S, DiagramError, timeout_from_env
from tests.conftest import copy_project, diagram_slugs


def render(project: Path, *args: str) -> tuple[int, int]:
    """Run the renderer's command line in `project`; return (rendered, from cache)."""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.render_diagrams", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    counts = re.search(r"diagrams: (\d+) rendered, (\d+) from cache", result.stdout)
    assert counts, result.stdout
    return int(counts.group(1)), int(counts.group(2))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    copy = copy_project(tmp_path_factory.mktemp("renderer") / "project")
    render(copy)  # cold
    return copy


def test_an_unchanged_tree_renders_nothing(project):
    assert render(project) == (0, len(diagram_slugs()))


def test_editing_a_manifest_redraws_only_its_diagram(project):
    manifest = min((project / "docs" / "examples" / "nodeport").glob("*.yaml"))
    manifest.write_text(manifest.read_text() + "\n# an edit\n")
    assert render(project) == (1, len(diagram_slugs()) - 1)


def test_editing_a_script_redraws_only_that_script(project):
    script = project / "diagrams" / "nodeport.py"
    script.write_text(script.read_text() + "\n# an edit\n")
    assert render(project) == (1, len(diagram_slugs()) - 1)


def test_editing_the_shared_style_redraws_everything(project):
    style = project / "diagrams" / "_style.py"
    style.write_text(style.read_text() + "\n# an edit\n")
    assert render(project) == (len(diagram_slugs()), 0)


def test_a_deleted_script_leaves_no_cached_image(project):
    (project / "diagrams" / "nodeport.py").unlink()
    rendered, cached = render(project)
    assert rendered + cached == len(diagram_slugs()) - 1
    assert not (project / ".cache" / "diagrams" / "nodeport").exists()


def test_the_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("DIAGRAM_TIMEOUT", raising=False)
    assert timeout_from_env() == DEFAULT_TIMEOUT_S == 60
    monkeypatch.setenv("DIAGRAM_TIMEOUT", "7.5")
    assert timeout_from_env() == 7.5
    monkeypatch.setenv("DIAGRAM_TIMEOUT", "soon")
    with pytest.raises(DiagramError, match="DIAGRAM_TIMEOUT"):
        timeout_from_env()
