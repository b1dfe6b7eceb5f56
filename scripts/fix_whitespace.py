"""Trailing whitespace and end-of-file check (and fix) for the project's text files.

    python -m scripts.fix_whitespace [--fix] [FILE ...]

Without FILE it checks every file git would commit (tracked, plus untracked files that are
not ignored), or, without git, every file outside the generated and installed trees.
A text file must have no spaces or tabs at the end of a line and end with exactly one
newline. Exit status 1 lists the offending files; --fix rewrites them instead.

Our own script rather than pre-commit's hook repository, so that `pre-commit install`
downloads nothing.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "site",
    "build",
    ".cache",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
}
BINARY_SUFFIXES = {
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".ico",
    ".webp",
    ".pdf",
    ".gz",
    ".zip",
    ".woff",
    ".woff2",
    ".ttf",
    ".otf",
}
TRAILING = re.compile(rb"[ \t]+(?=\r?\n|\Z)")


def project_files(root: Path = ROOT) -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
        names = [name for name in listed.decode().split("\0") if name]
        return sorted(root / name for name in names if (root / name).is_file())
    except (OSError, subprocess.CalledProcessError):
        return sorted(
            path
            for path in root.rglob("*")
            if path.is_file() and not SKIP_DIRS & set(path.relative_to(root).parts)
        )


def is_text(path: Path, data: bytes) -> bool:
    return path.suffix.lower() not in BINARY_SUFFIXES and b"\0" not in data[:8192]


def fixed(data: bytes) -> bytes:
    """The content with trailing whitespace removed and exactly one final newline."""
    data = TRAILING.sub(b"", data)
    return data.rstrip(b"\r\n") + b"\n" if data.strip() else b""


def problems(data: bytes) -> list[str]:
    found = []
    lines = [n for n, line in enumerate(data.split(b"\n"), 1) if TRAILING.search(line)]
    if lines:
        shown = ", ".join(map(str, lines[:5])) + (" ..." if len(lines) > 5 else "")
        found.append(f"trailing whitespace on line {shown}")
    if data.strip() and not data.endswith(b"\n"):
        found.append("no newline at the end")
    elif data.endswith(b"\n\n") or (data and not data.strip()):
        found.append("blank lines at the end")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fix", action="store_true", help="rewrite the files instead")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    status = 0
    for path in args.files or project_files():
        shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        data = path.read_bytes()
        if not is_text(path, data):
            continue
        found = problems(data)
        if not found:
            continue
        if args.fix:
            path.write_bytes(fixed(data))
            print(f"fixed {shown}")
        else:
            print(f"{shown}: {'; '.join(found)}")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
