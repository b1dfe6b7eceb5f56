"""Every ```mermaid block of the pages parses with Mermaid's own parser.

The parse check is fast: no site build and no browser. One Node process
(tests/support/check_mermaid.mjs: Mermaid from node_modules, happy-dom for the DOM Mermaid needs)
parses every block with mermaid.parse; a failure names the Markdown file and the line of the
block's opening fence (and, for a parse error, the file line Mermaid points at).

The built pages must hand Mermaid each block as written: mkdocs-mermaid2's own fence writes
the source into the page unescaped, so `List<Pod>` becomes an HTML element and drops out of
the text our loader reads (div.mermaid's textContent). One test reads the session's built
site for that; the checker's own tests show it catches the raw fence and passes an escaping
one.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from tests.conftest import DOCS, ROOT

CHECKER = ROOT / "tests" / "support" / "check_mermaid.mjs"
NEEDED = [ROOT / "node_modules" / "mermaid", ROOT / "node_modules" / "happy-dom"]
OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*mermaid\b")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    source: str

    @property
    def where(self) -> str:
        path = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{path}:{self.line}"


def mermaid_blocks(path: Path) -> list[Block]:
    """The ```mermaid (or ~~~mermaid) fences of a Markdown file, indented ones included."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = OPENING.match(lines[index])
        index += 1
        if not opening:
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body = []
        while index < len(lines) and not closing.match(lines[index]):
            line = lines[index]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            index += 1
        blocks.append(Block(path, index - len(body), "\n".join(body)))
        index += 1  # the closing fence
    return blocks


def page_html(block: Block, fence: dict) -> str:
    """The block as `fence` writes it into a page, re-serialized the way mkdocs-mermaid2's
    on_post_page does (BeautifulSoup, html.parser)."""
    text = f"```mermaid\n{block.source}\n```\n"
    html = markdown.markdown(
        text,
        extensions=["pymdownx.superfences"],
        extension_configs={"pymdownx.superfences": {"custom_fences": [fence]}},
    )
    return str(BeautifulSoup(html, "html.parser"))


def check(blocks: Iterable[Block], fence: dict | None = None) -> list[str]:
    """`file:line: problem` for every block Mermaid cannot parse. With a `fence`, each block
    goes through it first, and text the page would hand Mermaid otherwise is a problem."""
    blocks = list(blocks)
    payload = [
        {"where": b.where, "source": b.source, "html": page_html(b, fence) if fence else None}
        for b in blocks
    ]
    result = subprocess.run(
        ["node", str(CHECKER)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{CHECKER.name} failed:\n{result.stderr}"
    by_where = {b.where: b for b in blocks}
    return [
        f"{p['where']}: {with_file_line(p['problem'], by_where[p['where']])}"
        for p in json.loads(result.stdout)
    ]


def with_file_line(problem: str, block: Block) -> str:
    """Mermaid counts lines from the block's first line: add the file's line number."""
    match = re.match(r"(Parse error on line (\d+))", problem)
    if not match:
        return problem
    file_line = block.line + int(match[2])
    return problem.replace(match[1], f"{match[1]} (file line {file_line})", 1)


def fence_named(dotted: str) -> dict:
    module, _, name = dotted.rpartition(".")
    function: Callable = getattr(__import__(module, fromlist=[name]), name)
    return {"name": "mermaid", "class": "mermaid", "format": function}


@pytest.fixture(scope="module", autouse=True)
def node_modules():
    if not shutil.which("node") or not all(path.is_dir() for path in NEEDED):
        pytest.fail("Node.js with mermaid and happy-dom is needed: run `make test` (npm ci).")


# --- the pages ------------------------------------------------------------------------


def test_every_mermaid_block_parses_as_the_page_has_it():
    blocks = [block for page in sorted(DOCS.glob("*.md")) for block in mermaid_blocks(page)]
    assert blocks, "no Mermaid block found in docs/*.md"
    problems = check(blocks)
    assert not problems, "\n\n".join(problems)


def test_built_pages_hand_mermaid_the_blocks_as_written(built_site):
    """The text our loader reads from each div.mermaid of the built page (its textContent)
    is the Markdown block: a `<` or `&` the fence left as raw HTML would change it."""
    problems = []
    for page in sorted(DOCS.glob("*.md")):
        blocks = mermaid_blocks(page)
        if not blocks:
            continue
        built = built_site.site / ("" if page.stem == "index" else page.stem) / "index.html"
        soup = BeautifulSoup(built.read_text(encoding="utf-8"), "html.parser")
        texts = [div.get_text().strip() for div in soup.select("div.mermaid")]
        if len(texts) != len(blocks):
            problems.append(f"{page.name}: {len(blocks)} blocks, {len(texts)} in the built page")
            continue
        for block, text in zip(blocks, texts, strict=True):
            written, shown = block.source.strip().splitlines(), text.splitlines()
            differs = next(
                (i for i, line in enumerate(written) if shown[i : i + 1] != [line]), None
            )
            if differs is not None or len(shown) != len(written):
                line = len(written) - 1 if differs is None else differs
                problems.append(
                    f"{block.where}: block line {line + 1} is {written[line]!r} in the Markdown "
                    f"but {(shown[line : line + 1] or [''])[0]!r} in the built page "
                    "(a `<` or `&` the Mermaid fence left as raw HTML?)"
                )
    assert not problems, "\n".join(problems)


# --- the checker finds what it should ---------------------------------------------------


def test_a_broken_block_is_named_by_file_and_line(tmp_path):
    page = tmp_path / "broken.md"
    page.write_text(
        "# A page\n\nText.\n\n"
        "```mermaid\nsequenceDiagram\n    A->>B: fine\n```\n\n"
        "!!! note\n\n    ```mermaid\n    sequenceDiagram\n        A->>B: fine\n"
        "        A-->>>B: three heads\n        B->>A: fine\n    ```\n"
    )
    problems = check(mermaid_blocks(page))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{page}:12: "), problems[0]
    assert "Parse error on line 3 (file line 15)" in problems[0], problems[0]


def test_blocks_are_found_with_their_opening_line(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nx = 1\n```\n"
        "~~~~mermaid\nflowchart LR\n```\nA --> B\n~~~~\n"
        '=== "Tab"\n\n    ```mermaid\n    sequenceDiagram\n      A->>B: hi\n    ```\n'
    )
    blocks = mermaid_blocks(page)
    assert [(b.line, b.source) for b in blocks] == [
        (4, "flowchart LR\n```\nA --> B"),
        (11, "sequenceDiagram\n  A->>B: hi"),
    ]


def test_html_characters_are_caught_when_the_fence_passes_them_raw(tmp_path):
    """mkdocs-mermaid2's own fence writes the block into the page unescaped: `<Pod>` becomes
    an HTML element and drops out of the text Mermaid is handed. The escaping fence of
    pymdownx keeps it."""
    page = tmp_path / "page.md"
    page.write_text("```mermaid\nflowchart LR\n    A[List<Pod>] --> B\n```\n")
    raw = check(mermaid_blocks(page), fence_named("mermaid2.fence_mermaid"))
    assert len(raw) == 1 and raw[0].startswith(f"{page}:1: "), raw
    assert "List<Pod>" in raw[0] and "other text" in raw[0], raw
    escaped = check(mermaid_blocks(page), fence_named("pymdownx.superfences.fence_div_format"))
    assert escaped == []
