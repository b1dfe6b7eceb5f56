"""Readies the Mermaid blocks of a page's HTML for search, for no-JavaScript readers and for
the HTML checker.

mkdocs-mermaid2's fence writes each Mermaid source, unescaped, into `<div class="mermaid">`.
`mark_mermaid` (called from the hook's on_page_content, before the search plugin reads the
page) changes three things on each such block:

- `data-search-exclude`: Material's search plugin skips the element, so the index holds no
  Mermaid source ("sequenceDiagram accTitle: ..." was the snippet for searches matching a
  diagram's labels).
- `translate="no"`: browser translation must not rewrite the source before mermaid.js
  reads it.
- The source is re-escaped (`<`, `>`, `&`) so the HTML is valid and, without JavaScript,
  the reader sees it exactly as written. The browser decodes it back, so the block's
  textContent, which the loader (load-mermaid.js) hands to mermaid.js, is unchanged.

Without JavaScript the block is shown as preformatted code by the `<noscript>` style in
overrides/main.html; with JavaScript the loader replaces it with the drawing.
"""

from __future__ import annotations

import html
import re

# The fence's output: `<div  class="mermaid">SOURCE\n</div>` (two spaces: an empty id slot;
# the source has no `</div>`: mermaid2 writes it raw, so one there would break the page).
MERMAID_DIV = re.compile(
    r'<div((?:\s+[\w-]+(?:="[^"]*")?)*?)\s+class="mermaid"([^>]*)>(.*?)</div>', re.DOTALL
)


def _mark(match: re.Match[str]) -> str:
    before, after, source = match.groups()
    attributes = f"{before} {after}".split()
    if "data-search-exclude" in attributes:  # marked already
        return match.group(0)
    source = html.escape(html.unescape(source), quote=False)
    extra = "".join(f" {attribute}" for attribute in attributes)
    return f'<div class="mermaid"{extra} data-search-exclude translate="no">{source}</div>'


def mark_mermaid(html_text: str) -> str:
    """The page HTML with every mermaid2 block marked (see the module docstring)."""
    return MERMAID_DIV.sub(_mark, html_text)
