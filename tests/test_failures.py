"""Bad input fails the build with one line naming the file and the cause, and publishes
nothing half-built. Each case breaks a throwaway copy of the project."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_project, mkdocs_build
from tests.test_site import element_ids, internal_references, target_file

BROKEN_SCRIPTS = {
    "raises": (
        'raise RuntimeError("the cluster caught fire")\n',
        "diagrams/broken-raises.py:1: RuntimeError: the cluster caught fire",
    ),
    "syntax": ("def draw(:\n    pass\n", "diagrams/broken-syntax.py:1: SyntaxError"),
    "draws-nothing": ("x = 1\n", "wrote no image"),
    "hangs": ("import time\ntime.sleep(300)\n", "timed out after 2 s"),
}


@pytest.fixture
def project(tmp_path) -> Path:
    copy = copy_project(tmp_path / "project")
    if (ROOT / ".cache" / "diagrams").is_dir():  # a warm cache keeps these tests quick
        shutil.copytree(ROOT / ".cache" / "diagrams", copy / ".cache" / "diagrams")
    return copy


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "Error" in line or "ERROR" in line]


@pytest.mark.parametrize("case", BROKEN_SCRIPTS, ids=list(BROKEN_SCRIPTS))
def test_a_broken_diagram_script_fails_the_build(project, case):
    source, cause = BROKEN_SCRIPTS[case]
    script = project / "diagrams" / f"broken-{case}.py"
    script.write_text(source)
    build = mkdocs_build(project, project / "site", DIAGRAM_TIMEOUT="2")
    assert build.returncode != 0
    message = [line for line in error_lines(build.output) if f"diagrams/broken-{case}.py" in line]
    assert message, f"no error line names the script:\n{build.output}"
    assert cause in message[0]
    assert "Traceback" not in build.output, "the message should be the script's error, not ours"
    assert not (project / ".cache" / "diagrams" / f"broken-{case}").exists()
    assert not list((project / "site").glob("diagrams/*.svg")), "a failed build published images"


def test_a_failing_script_leaves_no_stale_image_behind(project):
    assert mkdocs_build(project, project / "site").returncode == 0
    script = project / "diagrams" / "nodeport.py"
    script.write_text(script.read_text() + "\nraise ValueError('edited badly')\n")
    build = mkdocs_build(project, project / "site")
    assert build.returncode != 0
    assert re.search(r"diagrams/nodeport\.py:\d+: ValueError: edited badly", build.output)
    assert not (project / ".cache" / "diagrams" / "nodeport").exists()
    assert not (project / "site" / "diagrams" / "nodeport.svg").exists()


def test_a_manifest_that_does_not_parse_is_named_with_its_line(project):
    manifest = project / "docs" / "examples" / "nodeport" / "service-web-nodeport.yaml"
    lines = manifest.read_text().splitlines()
    lines.insert(3, "  broken: [unclosed")  # line 4 opens a flow sequence that never closes
    manifest.write_text("\n".join(lines) + "\n")
    build = mkdocs_build(project, project / "site")
    assert build.returncode != 0
    where = re.search(
        r"docs/examples/nodeport/service-web-nodeport\.yaml:(\d+): YAML", build.output
    )
    assert where, build.output
    assert int(where.group(1)) >= 4, "the line is where the YAML parser gave up, at or after 4"
    assert "(drawing diagrams/nodeport.py)" in build.output
    assert "Traceback" not in build.output


def test_a_graphviz_warning_that_breaks_the_picture_fails_the_build(project):
    """An icon Graphviz cannot open: dot exits 0 and draws the node without it."""
    (project / "diagrams" / "lost-icon.py").write_text(
        "from diagrams.custom import Custom\n"
        "from _style import page_diagram\n"
        "with page_diagram('lost icon'):\n"
        "    Custom('app', '/nonexistent/icon.png')\n"
    )
    build = mkdocs_build(project, project / "site")
    assert build.returncode != 0
    line = [x for x in build.output.splitlines() if "diagrams/lost-icon.py" in x]
    assert line and "Graphviz could not draw it whole" in line[0], build.output
    assert "/nonexistent/icon.png" in line[0]


def test_a_diagram_over_the_size_budget_fails_with_its_figures(project):
    (project / "diagrams" / "huge.py").write_text(
        "from diagrams import Node\n"
        "from _style import page_diagram\n"
        "with page_diagram('huge'):\n"
        "    for i in range(300):\n"
        "        Node(f'n{i}')\n"
    )
    build = mkdocs_build(project, project / "site")
    assert build.returncode != 0
    assert re.search(r"diagrams/huge\.py: 300 nodes and \d+ KB, over the budget", build.output)


@pytest.mark.parametrize(
    ("addition", "named"),
    [
        ("[a page that does not exist](nowhere.md)", "nowhere.md"),
        ("[a missing anchor](nodeport.md#no-such-heading)", "no-such-heading"),
        ('--8<-- "docs/examples/nodeport/no-such-file.yaml"', "no-such-file.yaml"),
    ],
    ids=["broken-link", "broken-anchor", "missing-include"],
)
def test_a_broken_reference_fails_the_build(project, addition, named):
    page = project / "docs" / "index.md"
    page.write_text(page.read_text() + f"\n\n{addition}\n")
    build = mkdocs_build(project, project / "site")
    assert build.returncode != 0
    lines = [line for line in build.output.splitlines() if named in line]
    assert lines, f"nothing names {named}:\n{build.output}"
    assert "index.md" in " ".join(lines) or "index.md" in build.output


def test_the_link_check_sees_raw_html_links(tmp_path):
    """Raw-HTML links escape MkDocs' own validation; the site test must catch them."""
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "index.html").write_text('<p id="top"><a href="a/#nope">x</a><img src="gone.svg"></p>')
    (site / "a" / "index.html").write_text('<h1 id="here">a</h1>')
    problems = []
    for tag, url in internal_references(site, site / "index.html"):
        target = target_file(site, url)
        if not target.is_file():
            problems.append(f"missing {url}")
        elif "#" in url and url.split("#")[1] not in element_ids(target):
            problems.append(f"anchor {url}")
    assert len(problems) == 2, problems
