"""Runs one diagram script in a fresh interpreter, as the renderer's worker.

Usage: python diagram_runner.py SCRIPT DEPS_JSON

Two things make the output reproducible and cacheable:
- the `diagrams` library names nodes with uuid4(); a counter replaces it, so two runs
  produce byte-identical Graphviz input;
- an audit hook records every project file the script opens (its page's manifests, for
  instance), so the renderer can key its cache on them.
"""

import itertools
import json
import os
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Scripts and helpers are already in the cache key; the rest is output or installed code.
NOT_DATA = {"diagrams", "build", "site", "node_modules"}


def _is_data_file(path: Path) -> bool:
    if ROOT not in path.parents:
        return False
    top = path.relative_to(ROOT).parts[0]
    return not (top.startswith(".") or top in NOT_DATA)


def main() -> None:
    script, deps_json = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    opened: set[str] = set()

    def record_reads(event: str, args: tuple) -> None:
        if event != "open" or not isinstance(args[0], (str, os.PathLike)):
            return
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
        if any(flag in mode for flag in "wax+"):
            return
        path = Path(os.path.abspath(args[0]))
        if path.is_file() and _is_data_file(path):
            opened.add(path.relative_to(ROOT).as_posix())

    sys.addaudithook(record_reads)

    import diagrams

    counter = itertools.count(1)
    diagrams.Node._rand_id = staticmethod(lambda: f"n{next(counter)}")

    sys.path.insert(0, str(script.parent))
    sys.argv = [str(script)]
    runpy.run_path(str(script), run_name="__main__")
    deps_json.write_text(json.dumps(sorted(opened)))


if __name__ == "__main__":
    main()
