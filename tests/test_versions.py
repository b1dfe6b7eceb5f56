"""The version matrix (docs/versions.yml) is the only place a version is typed.

Pages take versions through placeholders; manifests write them out and must match the matrix;
and the matrix pairs components only within the support ranges it records.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scripts.pipeline import versions

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").glob("*.md"))
MANIFESTS = sorted((ROOT / "docs" / "examples").rglob("*.yaml"))
# `image: name:tag` in YAML, `--image=name:tag` in commands.
IMAGE_REF = re.compile(r"(?:\bimage:\s*|--image[= ])[\"']?([a-z0-9][\w./-]*):([^\s\"']+)")
MATRIX = versions.load()


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _copy_matrix(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(versions.VERSIONS_FILE.read_text())
    edit(data)
    copy = tmp_path / "versions.yml"
    copy.write_text(yaml.safe_dump(data))
    return copy


def test_matrix_pairings_are_within_the_recorded_support_ranges():
    assert versions.pairing_problems(MATRIX) == []


def test_a_pairing_outside_its_range_is_reported(tmp_path):
    """Linkerd paired with a Gateway API bundle it does not support must fail the check."""
    copy = _copy_matrix(tmp_path, lambda d: d["components"]["linkerd"].update(gateway_api="v9.0.0"))
    problems = versions.pairing_problems(versions.load(copy))
    assert any("linkerd requires linkerd.gateway_api" in p and "v9.0.0" in p for p in problems)


def test_every_component_with_a_dependency_records_a_range():
    """A component that installs on top of Gateway API says which bundles it supports."""
    for name in ("traefik", "linkerd"):
        assert MATRIX.components[name].get("requires"), f"{name} records no support range"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_pages_write_no_version_by_hand(page: Path):
    text = page.read_text(encoding="utf-8")
    typed = [
        f"{_rel(page)}:{line}: {value} is typed by hand; write {{{{ versions.{pin.keys[0]} }}}}"
        for line, value, pin in versions.literal_pins(text, MATRIX)
    ]
    for match in IMAGE_REF.finditer(text):
        if not match.group(2).startswith("{{"):
            line = text.count("\n", 0, match.start()) + 1
            typed.append(f"{_rel(page)}:{line}: image tag {match.group(2)} is typed by hand")
    assert not typed, "\n".join(typed)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_placeholder_resolves(page: Path):
    versions.substitute(page.read_text(encoding="utf-8"), MATRIX, _rel(page))


def test_an_unknown_placeholder_names_the_page_and_line():
    with pytest.raises(versions.VersionError, match=r"docs/x\.md:2: unknown version key 'nope\.x'"):
        versions.substitute("intro\nuse {{ versions.nope.x }}\n", MATRIX, "docs/x.md")


@pytest.mark.parametrize(
    "manifest", MANIFESTS, ids=lambda p: _rel(p).removeprefix("docs/examples/")
)
def test_manifest_versions_are_the_matrix(manifest: Path):
    text = manifest.read_text(encoding="utf-8")
    wrong = [
        f"{_rel(manifest)}:{line}: {value} is not {' or '.join(MATRIX.value(k) for k in pin.keys)}"
        for line, value, pin in versions.literal_pins(text, MATRIX)
        if value not in {MATRIX.value(k) for k in pin.keys}
    ]
    for match in IMAGE_REF.finditer(text):
        image, tag = match.groups()
        pinned = MATRIX.image_tag(image)
        if pinned != tag:
            line = text.count("\n", 0, match.start()) + 1
            wrong.append(
                f"{_rel(manifest)}:{line}: {image}:{tag} is not in the matrix"
                + (f" (it pins {pinned})" if pinned else "")
            )
    assert not wrong, "\n".join(wrong)


def test_the_checks_see_images_and_pins():
    """The patterns are not vacuous: the examples use images, and a typed pin is caught."""
    assert any(IMAGE_REF.search(m.read_text()) for m in MANIFESTS)
    typed = "kubectl apply -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v0.1.0/x.yaml"
    assert [value for _, value, _ in versions.literal_pins(typed, MATRIX)] == ["v0.1.0"]


def test_a_broken_matrix_names_its_file_and_line(tmp_path):
    bad = tmp_path / "versions.yml"
    bad.write_text("verified_on: 2026-11-29\ncomponents: [\n")
    with pytest.raises(versions.VersionError, match=r"versions\.yml:\d+: not valid YAML"):
        versions.load(bad)


def test_the_home_page_shows_the_matrix_and_its_date():
    home = versions.substitute((ROOT / "docs" / "index.md").read_text(), MATRIX, "docs/index.md")
    assert f"last verified on **{MATRIX.verified_on}**" in home
    for name in ("traefik", "linkerd", "gateway_api"):
        assert MATRIX.components[name]["name"] in home
