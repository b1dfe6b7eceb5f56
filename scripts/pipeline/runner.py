"""Runs one diagram script in a fresh interpreter, as the renderer's worker.

Usage: python runner.py SCRIPT REPORT_JSON   (with diagrams/ on PYTHONPATH for `_style`)

What it adds around the script:
- reproducible output: the `diagrams` library names nodes with uuid4(); a counter replaces
  it, so two runs produce byte-identical Graphviz input;
- the script's inputs, for the cache key: an audit hook records every project file the
  script opens and every project directory it lists (a glob of docs/examples/<slug>/), so a
  new or deleted manifest counts as a change;
- Graphviz's own warnings on stderr (the library silences them);
- one clear error: the file and line that caused a failure (a manifest's YAML line, or the
  script's own line) instead of a traceback. REPORT_JSON receives {"reads", "lists"} on
  success, {"error": {"file", "line", "message"}} on failure.
"""

import itertools
import json
import os
import runpy
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Scripts and helpers are already in the cache key; the rest is output or installed code.
NOT_DATA = {"diagrams", "build", "site", "node_modules", "scripts", "tests"}


def _project_path(raw) -> Path | None:
    if not isinstance(raw, (str, os.PathLike)):
        return None
    path = Path(os.path.abspath(raw))
    if ROOT not in path.parents:
        return None
    top = path.relative_to(ROOT).parts[0]
    return None if top.startswith(".") or top in NOT_DATA else path


def _where(exc: BaseException, script: Path) -> tuple[str, int | None]:
    """The file and line to blame: the exception's own location when it carries one (a
    manifest that does not parse), else the script's line that failed, else a helper's."""
    own_file, own_line = getattr(exc, "source_file", None), getattr(exc, "source_line", None)
    if own_file:
        return str(own_file), own_line
    if isinstance(exc, SyntaxError) and exc.filename:
        return exc.filename, exc.lineno
    frames = traceback.extract_tb(exc.__traceback__)
    in_script = [f for f in frames if Path(f.filename).resolve() == script]
    in_helpers = [f for f in frames if Path(f.filename).resolve().parent == script.parent]
    # The script's own line (the call that failed) beats the helper line that raised.
    frame = (in_script or in_helpers or [None])[-1]
    blame: tuple[str, int | None] = (frame.filename, frame.lineno) if frame else (str(script), None)
    return blame


def _relative(name: str) -> str:
    path = Path(name).resolve()
    return path.relative_to(ROOT).as_posix() if ROOT in path.parents else name


def main() -> int:
    script, report = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    reads: set[str] = set()
    lists: set[str] = set()

    def record(event: str, args: tuple) -> None:
        if event == "open":
            mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
            path = None if any(flag in mode for flag in "wax+") else _project_path(args[0])
            if path is not None and path.is_file():
                reads.add(path.relative_to(ROOT).as_posix())
        elif event in ("os.listdir", "os.scandir"):
            path = _project_path(args[0] if args and args[0] is not None else ".")
            if path is not None and path.is_dir():
                lists.add(path.relative_to(ROOT).as_posix())

    sys.addaudithook(record)

    import graphviz

    import diagrams

    counter = itertools.count(1)
    diagrams.Node._rand_id = staticmethod(lambda: f"n{next(counter)}")
    # `diagrams` renders with quiet=True, which throws Graphviz's warnings away (an icon it
    # could not open, for one); let them through to stderr, where the renderer judges them.
    quiet_render = graphviz.Digraph.render
    graphviz.Digraph.render = lambda self, *a, **kw: quiet_render(
        self, *a, **{**kw, "quiet": False}
    )

    sys.argv = [str(script)]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except Exception as exc:  # noqa: BLE001 (any script error becomes one line, not a traceback)
        file, line = _where(exc, script)
        # An input error (a manifest) speaks for itself; elsewhere the type says what broke.
        own = hasattr(exc, "source_file")
        message = str(exc) if own else f"{type(exc).__name__}: {exc}".rstrip(": ")
        error = {"file": _relative(file), "line": line, "message": message}
        report.write_text(json.dumps({"error": error}))
        return 1
    report.write_text(json.dumps({"reads": sorted(reads), "lists": sorted(lists)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
