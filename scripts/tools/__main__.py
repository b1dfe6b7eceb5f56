"""Contributor tools, one entry point (the Makefile's targets call these):

python -m scripts.tools new-page SLUG TITLE    scaffold a page (make new-page)
python -m scripts.tools diagrams [ARGS...]     draw the diagrams (see --help)
"""

from __future__ import annotations

import sys

from scripts.pipeline import render
from scripts.tools import new_page

COMMANDS = {"new-page": new_page.main, "diagrams": render.main}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    return COMMANDS[args[0]](args[1:])


if __name__ == "__main__":
    sys.exit(main())
