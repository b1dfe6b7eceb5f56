"""The renderer's cache: unchanged diagrams come from it, an edited script or manifest is
redrawn alone, and a deleted script leaves nothing behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.pipeline.render import DEFAULT_TIMEOUT_S, DiagramError, timeout_from_env
from tests.conftest import copy_project, diagram_slugs


def render(project: Path, *args: str) -> tuple[int, int]:
    """Run the renderer's command line in `project`; return (rendered, from cache)."""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.pipeline.render", *args],
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


# --- The cache key covers everything that shapes the SVG -----------------------------------


def _icon(path: Path, colour: str) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGBA", (32, 32), colour).save(path)


ICON_SCRIPT = """from diagrams.custom import Custom
from _style import ROOT, page_diagram
with page_diagram("custom icon"):
    Custom("app", str(ROOT / "docs" / "assets" / "test-icon.png"))
"""


def test_a_new_manifest_in_the_folder_redraws_its_diagram(project):
    """The script globs its folder: a new file changes the listing even if nothing is read.
    (troubleshooting's folder is read by its own diagram only; clusterip's also by dns.)"""
    total = sum(render(project))
    (project / "docs" / "examples" / "troubleshooting" / "zz-new.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n"
    )
    assert render(project) == (1, total - 1)
    (project / "docs" / "examples" / "troubleshooting" / "zz-new.yaml").unlink()
    assert render(project) == (1, total - 1)


def test_an_icon_read_by_graphviz_redraws_its_diagram(tmp_path):
    copy = copy_project(tmp_path / "project")
    _icon(copy / "docs" / "assets" / "test-icon.png", "red")
    (copy / "diagrams" / "custom-icon.py").write_text(ICON_SCRIPT)
    total = len(diagram_slugs()) + 1
    assert render(copy) == (total, 0)
    _icon(copy / "docs" / "assets" / "test-icon.png", "blue")  # the script never opens it
    assert render(copy) == (1, total - 1)


@pytest.mark.parametrize("part", ["python", "diagrams", "pillow", "graphviz", "font", "renderer"])
def test_every_tool_that_shapes_the_svg_is_in_the_key(monkeypatch, tmp_path, part):
    """Change one tool's version (or the font file, or the renderer's code): the key changes."""
    from scripts.pipeline import render as renderer

    script = renderer.discover()[0]
    before = renderer.script_key(script)
    renderer.toolchain_fingerprint.cache_clear()
    renderer._font_fingerprint.cache_clear()
    if part == "python":
        monkeypatch.setattr(renderer.sys, "version", sys.version + " (patched)")
    elif part in ("diagrams", "pillow"):
        real = renderer.metadata.version
        monkeypatch.setattr(
            renderer.metadata, "version", lambda name: "0.0" if name == part else real(name)
        )
    elif part == "graphviz":
        fake = tmp_path / "bin" / "dot"
        fake.parent.mkdir()
        fake.write_text("#!/bin/sh\necho 'dot - graphviz version 0.0.0 (patched)' >&2\n")
        fake.chmod(0o755)
        monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    elif part == "font":
        monkeypatch.setattr(renderer, "FONT_FAMILY", "Monospace")
    else:
        monkeypatch.setattr(renderer, "_file_hash", lambda path: f"edited {path}")
    try:
        assert renderer.script_key(script) != before
    finally:
        renderer.toolchain_fingerprint.cache_clear()
        renderer._font_fingerprint.cache_clear()


def test_the_renderer_code_in_the_key_is_the_whole_pipeline():
    from scripts.pipeline import render as renderer

    for name in renderer.RENDERER_FILES:
        assert (Path(renderer.__file__).parent / name).is_file(), name
    imported = {"svg_inline.py", "runner.py", "render.py"}
    assert imported <= set(renderer.RENDERER_FILES)


# --- A cache entry is whole or not used; writes are atomic ---------------------------------


def test_a_truncated_cache_entry_is_redrawn_not_published(project):
    total = sum(render(project))
    cached = next((project / ".cache" / "diagrams" / "clusterip").glob("*.svg"))
    whole = cached.read_bytes()
    cached.write_bytes(whole[: len(whole) // 2])
    assert render(project) == (1, total - 1)
    assert cached.read_bytes() == whole


def test_an_interrupted_write_leaves_the_old_entry_and_no_temporary_file(tmp_path, monkeypatch):
    from scripts.pipeline import render as renderer

    target = tmp_path / "entry.svg"
    target.write_bytes(b"old")

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(renderer.os, "replace", fail)
    with pytest.raises(OSError):
        renderer._write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["entry.svg"]


# --- Ctrl-C and concurrent builds -----------------------------------------------------------

SLEEPY_SCRIPT = """import os, time
from pathlib import Path
Path(os.environ["SLEEPY_PID_FILE"]).write_text(str(os.getpid()))
time.sleep(120)
"""


def test_ctrl_c_stops_the_build_kills_the_workers_and_leaves_no_temp_files(tmp_path):
    copy = copy_project(tmp_path / "project")
    (copy / "diagrams" / "sleepy.py").write_text(SLEEPY_SCRIPT)
    temp, pid_file = tmp_path / "tmp", tmp_path / "sleepy.pid"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "SLEEPY_PID_FILE": str(pid_file)}
    build = subprocess.Popen(
        [sys.executable, "-m", "scripts.pipeline.render", str(copy / "diagrams" / "sleepy.py")],
        cwd=copy,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not pid_file.is_file() or not pid_file.read_text():
        assert time.monotonic() < deadline and build.poll() is None, build.communicate()
        time.sleep(0.05)
    worker = int(pid_file.read_text())
    interrupted = time.monotonic()
    build.send_signal(signal.SIGINT)
    _, stderr = build.communicate(timeout=10)
    assert time.monotonic() - interrupted < 2, "the build took more than 2 s to stop"
    assert build.returncode == 130 and "interrupted" in stderr
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)
    assert list(temp.iterdir()) == [], "temporary files were left behind"
    assert not (copy / ".cache" / "diagrams" / "sleepy").exists()


def test_two_builds_at_once_in_one_checkout_both_succeed(tmp_path):
    copy = copy_project(tmp_path / "project")
    command = [sys.executable, "-m", "scripts.pipeline.render", "--out"]
    builds = [
        subprocess.Popen(
            [*command, str(tmp_path / f"out{i}")],
            cwd=copy,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (1, 2)
    ]
    outputs = [build.communicate(timeout=300) for build in builds]
    for build, (stdout, stderr) in zip(builds, outputs, strict=True):
        assert build.returncode == 0, stderr
        assert "Traceback" not in stderr
    first = {p.name: p.read_bytes() for p in (tmp_path / "out1").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "out2").iterdir()}
    assert first == second and len(first) == len(diagram_slugs())
