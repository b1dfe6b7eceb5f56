"""`make new-page`: a new page starts from a working state, and a bad request writes nothing.

The happy path runs in a throwaway copy of the project: the scaffolder writes the page, the
diagram script, one manifest and the nav entry; the copy then builds strictly, draws the
diagram, passes the linters, and passes every test of the suite that is about that slug.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mkdocs.config import load_config

from scripts.tools import new_page
from tests.conftest import ROOT, copy_project, mkdocs_build

SLUG, TITLE = "topology-routing", "Topology-aware routing"
BIN = Path(sys.executable).parent
# Beyond conftest's PROJECT_PARTS: what the linters and the copied tests read.
LINT_PARTS = ["pyproject.toml", ".yamllint.yaml", ".codespellrc", "tests"]


def run(project: Path, *command: str | Path, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def scaffold(project: Path, *args: str) -> subprocess.CompletedProcess:
    return run(project, sys.executable, "-m", "scripts.tools", "new-page", *args)


def make_copy(destination: Path) -> Path:
    project = copy_project(destination)
    for part in LINT_PARTS:
        source = ROOT / part
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(source, project / part, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, project / part)
    (project / ".venv").symlink_to(ROOT / ".venv")  # some tests call .venv/bin tools
    cache = ROOT / ".cache" / "diagrams"  # the renderer re-checks every entry's key
    if cache.is_dir():
        shutil.copytree(cache, project / ".cache" / "diagrams")
    return project


def snapshot(project: Path) -> dict[str, str]:
    """Every file of the copy (outside node_modules and caches) and its content hash."""
    return {
        path.relative_to(project).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(project.rglob("*"))
        if path.is_file()
        and not {"node_modules", ".cache", "__pycache__"} & set(path.relative_to(project).parts)
    } | {
        path.relative_to(project).as_posix() + "/": "dir"
        for path in project.rglob("*")
        if path.is_dir()
        and "node_modules" not in path.relative_to(project).parts
        and not {".cache", "__pycache__"} & set(path.relative_to(project).parts)
    }


# --- the happy path -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, str]:
    project = make_copy(tmp_path_factory.mktemp("scaffold") / "project")
    config_before = (project / "mkdocs.yml").read_text(encoding="utf-8")
    result = scaffold(project, SLUG, TITLE)
    assert result.returncode == 0, result.stderr
    return project, result, config_before


NEW_FILES = [f"docs/{SLUG}.md", f"diagrams/{SLUG}.py", f"docs/examples/{SLUG}/service-web.yaml"]


def test_new_page_writes_the_slug_chain(scaffolded):
    project, result, _ = scaffolded
    for relative in NEW_FILES:
        assert (project / relative).is_file(), relative
        assert f"created {relative}" in result.stdout
    assert [p.name for p in (project / "docs" / "examples" / SLUG).iterdir()] == [
        "service-web.yaml"
    ]
    page = (project / f"docs/{SLUG}.md").read_text(encoding="utf-8")
    assert f"# {TITLE}\n" in page
    assert f"](diagrams/{SLUG}.svg)" in page
    assert f'--8<-- "docs/examples/{SLUG}/service-web.yaml"' in page
    assert "## What's next" in page


def test_new_page_adds_one_nav_entry_and_keeps_the_rest(scaffolded):
    project, _, config_before = scaffolded
    config_after = (project / "mkdocs.yml").read_text(encoding="utf-8")
    added = [line for line in config_after.splitlines() if line not in config_before.splitlines()]
    assert added == [f'  - "{TITLE}": {SLUG}.md']
    assert config_after.replace(added[0] + "\n", "", 1) == config_before
    nav = load_config(str(project / "mkdocs.yml"))["nav"]
    assert {TITLE: f"{SLUG}.md"} in nav


def test_new_page_builds_strictly_and_draws_its_manifest(scaffolded, tmp_path):
    project, _, _ = scaffolded
    build = mkdocs_build(project, tmp_path / "site")
    assert build.returncode == 0, build.output
    assert (tmp_path / "site" / SLUG / "index.html").is_file()
    svg = (tmp_path / "site" / "diagrams" / f"{SLUG}.svg").read_text(encoding="utf-8")
    service = yaml.safe_load((project / NEW_FILES[2]).read_text(encoding="utf-8"))
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert any(text.strip() == service["metadata"]["name"] for text in texts), texts
    assert any(re.search(r"(?<!\d)80(?!\d)", text) for text in texts), texts


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "--no-cache"],
        ["ruff", "format", "--check", "--no-cache"],
        ["yamllint", "--strict"],
        ["codespell"],
    ],
    ids=lambda command: " ".join(command[:2]),
)
def test_new_page_files_pass_the_linters(scaffolded, command):
    project, _, _ = scaffolded
    files = [f for f in NEW_FILES if command[0] != "ruff" or f.endswith(".py")]
    files = [f for f in files if command[0] != "yamllint" or f.endswith(".yaml")] + (
        ["mkdocs.yml"] if command[0] == "yamllint" else []
    )
    result = run(project, BIN / command[0], *command[1:], *files)
    assert result.returncode == 0, result.stdout + result.stderr
    for fixer in ("trailing-whitespace-fixer", "end-of-file-fixer"):  # 0: nothing to fix
        whitespace = run(project, BIN / fixer, *NEW_FILES)
        assert whitespace.returncode == 0, whitespace.stdout


def test_new_page_passes_the_suites_tests_for_its_slug(scaffolded):
    """Every test of the copied suite whose id names the slug, browser tests included."""
    project, _, _ = scaffolded
    result = run(
        project,
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-k",
        SLUG,
        "--ignore",
        "tests/test_scaffold.py",
        timeout=900,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 5, f"too few tests ran for {SLUG}: {summary}"


# --- refusals: one sentence, nothing written -----------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy where 'only-diagram', 'only-examples' and 'only-nav' are half taken."""
    project = copy_project(tmp_path_factory.mktemp("refusals") / "project")
    (project / "diagrams" / "only-diagram.py").write_text('"""Taken."""\n')
    (project / "docs" / "examples" / "only-examples").mkdir()
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("nav:\n", "nav:\n  - Only nav: only-nav.md\n", 1))
    return project


REFUSED = {
    "empty": ("", "No slug given"),
    "uppercase": ("Bad_Slug", "not a valid slug"),
    "leading-digit": ("1st-page", "not a valid slug"),
    "double-hyphen": ("two--hyphens", "not a valid slug"),
    "trailing-hyphen": ("trailing-", "not a valid slug"),
    "path": ("../escape", "not a valid slug"),
    "too-long": ("a" * 41, "too long"),
    "home": ("index", "reserved"),
    "error-page": ("404", "not a valid slug"),
    "assets": ("assets", "reserved"),
    "examples": ("examples", "reserved"),
    "page-taken": ("nodeport", "already taken by docs/nodeport.md"),
    "diagram-taken": ("only-diagram", "already taken by diagrams/only-diagram.py"),
    "examples-taken": ("only-examples", "already taken by docs/examples/only-examples"),
    "nav-taken": ("only-nav", "already taken by the nav in mkdocs.yml"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_bad_or_taken_slug_is_refused_in_one_sentence(project, case):
    slug, reason = REFUSED[case]
    before = snapshot(project)
    result = scaffold(project, slug, "Some title")
    assert result.returncode != 0
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert reason in message
    sentence = message.removeprefix("new-page: ")
    assert sentence.endswith(".") and not re.search(r"[.!?]\s+[A-Z]", sentence), sentence
    assert snapshot(project) == before, "a refused request wrote something"


@pytest.mark.parametrize("title", ["", "   ", "Two\nlines", "x" * 71])
def test_a_bad_title_is_refused(project, title):
    before = snapshot(project)
    result = scaffold(project, "fine-slug", title)
    assert result.returncode != 0 and result.stderr.count("\n") == 1, result.stderr
    assert snapshot(project) == before


def test_a_failure_halfway_undoes_every_write(project):
    before = snapshot(project)
    steps = new_page.plan(project, "half-written", "Half written")
    # A last step that cannot be written: its parent is a regular file.
    steps.append(new_page.Planned(project / "mkdocs.yml" / "impossible", "x"))
    with pytest.raises(OSError):
        new_page.write_all(steps)
    assert snapshot(project) == before


def test_the_real_project_refuses_its_own_pages():
    """Every existing page's slug is taken in the real tree (nothing is written: refused)."""
    for page in sorted((ROOT / "docs").glob("*.md")):
        with pytest.raises(new_page.Refused):
            new_page.check_slug(ROOT, page.stem, (ROOT / "mkdocs.yml").read_text())
