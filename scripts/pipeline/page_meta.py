"""Per-page metadata for the templates: the last-updated date and the meta description.

Called by the MkDocs hook (scripts/pipeline/hooks.py) for every page. Nothing here may fail
the build: a missing git, a tarball or a shallow clone only means "no date".

Where the date comes from, and when there is none:
- `git log -1 --format=%cs -- <file>`: the committer date of the last commit that touched
  the file. A file that was never committed (a brand-new page) has no date yet.
- Shallow clone: git pretends the oldest fetched commit (the "shallow boundary") added every
  file, so for a file unchanged since then `git log` answers with that commit's date, which
  is NOT the file's last change. A date from a commit inside the fetched history is exact
  and is kept; a date from a boundary commit is dropped. CI checks out with fetch-depth 0,
  so the published site always has exact dates.
- No git, or not a work tree (a source tarball): no date. File mtimes were considered and
  rejected: an unpacked archive or a fresh checkout stamps them with the unpack time, which
  would show a page as "updated today".
"""

from __future__ import annotations

import logging
import re
import subprocess
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

log = logging.getLogger("mkdocs.hooks.page_meta")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GIT_TIMEOUT_S = 10


def _git(root: Path, *args: str) -> str | None:
    """stdout of a git command run in root, or None when git is missing or says no."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@lru_cache(maxsize=8)
def _shallow_boundaries(root: Path) -> frozenset[str] | None:
    """Commits at the edge of a shallow clone; empty for a full clone; None without git."""
    if _git(root, "rev-parse", "--is-inside-work-tree") != "true":
        return None
    if _git(root, "rev-parse", "--is-shallow-repository") != "true":
        return frozenset()
    shallow_file = _git(root, "rev-parse", "--git-path", "shallow")
    if not shallow_file:
        return frozenset()
    path = Path(shallow_file) if Path(shallow_file).is_absolute() else root / shallow_file
    try:
        return frozenset(path.read_text().split())
    except OSError:
        return frozenset()


def last_updated(source: Path, root: Path) -> str | None:
    """The YYYY-MM-DD of the file's last commit, or None when git cannot tell it exactly."""
    root = root.resolve()
    boundaries = _shallow_boundaries(root)
    if boundaries is None:
        return None
    answer = _git(root, "log", "-1", "--format=%H %cs", "--", str(source.resolve()))
    if not answer:
        return None  # never committed
    commit, _, date = answer.partition(" ")
    if commit in boundaries:
        log.info("%s: shallow clone, last change unknown; no date shown", source.name)
        return None
    return date if ISO_DATE.match(date) else None


def description(meta: dict) -> str | None:
    """The page's own `description:` from its front matter, whitespace-normalized."""
    value = meta.get("description")
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def apply(page, config) -> None:
    """Fill page.meta for the templates; call it from the hook's on_page_markdown.

    Material renders page.meta.revision_date in its "Last update" line (partials/
    source-file.html), so setting it is all the date needs; the <time> element gives
    machines the ISO date.
    """
    try:
        source = Path(page.file.abs_src_path) if page.file.abs_src_path else None
        date = last_updated(source, Path(config["docs_dir"])) if source else None
    except Exception as exc:  # noqa: BLE001 - a date is never worth a failed build
        log.info("no last-updated date for %s: %s", page.file.src_uri, exc)
        date = None
    if date:
        page.meta["revision_date"] = f'Last updated <time datetime="{date}">{date}</time>'
        page.meta["last_updated"] = date
    text = description(page.meta)
    if text:
        # Material writes the description into content="..." without escaping it; escaped
        # once here (as Markup, so a later `| e` leaves it alone), a quote cannot break out.
        page.meta["description"] = Markup(escape(text))
