"""The W3C Nu HTML Checker (npm vnu-jar, run on Java) finds no error of this project's own in
any built page. The theme's remaining errors are listed, each with its reason, in THEME_ERRORS;
an entry that no longer occurs fails the test, so the list only shrinks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = Path(
    os.environ.get("VNU_JAR", ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")
)

# Material's own markup (its partials/nav-item.html), not ours. Fixing them would mean
# overriding the theme's navigation template, a large copy to keep in step with every
# Material release, for attributes browsers ignore.
THEME_ERRORS = {
    # Section labels in the navigation: tabindex="" where Material means "not focusable".
    "tabindex_empty": r"Bad value “” for attribute “tabindex” on element “label”",
    # The navigation's toggle checkboxes carry autocomplete="off" (keeps them closed on back).
    "autocomplete_checkbox": r"Attribute “autocomplete” is only allowed when the input type is",
}


@pytest.fixture(scope="module")
def vnu_errors(site) -> list[dict]:
    java = shutil.which("java")
    if not java or not VNU_JAR.is_file():  # make test installs both: missing is a failure
        pytest.fail(f"needs java and {VNU_JAR} (make test installs both)")
    pages = sorted(str(path) for path in site.rglob("*.html"))
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *pages],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    report = json.loads(result.stderr)  # vnu writes its report to stderr
    return [m for m in report["messages"] if m["type"] in {"error", "non-document-error"}]


def theme_entry(message: str) -> str | None:
    return next((key for key, rx in THEME_ERRORS.items() if re.search(rx, message)), None)


def test_no_html_errors_of_our_own(vnu_errors, site):
    ours = [
        f"{m.get('url', '').split(str(site))[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in vnu_errors
        if theme_entry(m["message"]) is None
    ]
    assert ours == [], "HTML checker errors:\n" + "\n".join(ours[:30])


def test_theme_allow_list_is_current(vnu_errors):
    seen = Counter(theme_entry(m["message"]) for m in vnu_errors)
    stale = [key for key in THEME_ERRORS if seen[key] == 0]
    assert stale == [], f"THEME_ERRORS entries that no longer occur (remove them): {stale}"
