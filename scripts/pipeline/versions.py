"""The version matrix, docs/versions.yml: one source for every version the site names.

Pages never type a pinned version: they write `{{ versions.<component>.<field> }}`, which the
MkDocs hook replaces from the matrix, and the home page writes `{{ versions_table }}` for the
whole matrix. Manifests keep literal versions (they are applied as they are); the tests hold
those to the matrix with the `pins` patterns declared in the file, and check every pairing
against the support ranges the file records (`requires`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[2]
VERSIONS_FILE = ROOT / "docs" / "versions.yml"
PLACEHOLDER = re.compile(r"\{\{\s*versions\.([A-Za-z0-9_.-]+)\s*\}\}")
TABLE_PLACEHOLDER = re.compile(r"^\{\{\s*versions_table\s*\}\}$", re.MULTILINE)
# Fields of a component that are not versions.
META_FIELDS = {"name", "source", "requires", "note"}


class VersionError(Exception):
    """The matrix or a page's use of it is wrong; the message names the file and line."""


@dataclass(frozen=True)
class Pin:
    """Where a version is written literally; each capture must be the value of one of keys."""

    pattern: re.Pattern[str]
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Matrix:
    verified_on: str
    components: dict[str, dict[str, Any]]
    images: dict[str, dict[str, str]]  # short name -> {image, tag}
    pins: tuple[Pin, ...]
    path: Path

    def value(self, key: str) -> str:
        """`traefik.chart` -> "37.3.0"; `images.busybox` -> "1.37"."""
        group, _, field = key.partition(".")
        if group == "images":
            if field not in self.images:
                raise KeyError(key)
            return self.images[field]["tag"]
        table = self.components.get(group, {})
        if not field or field in META_FIELDS or field not in table:
            raise KeyError(key)
        return str(table[field])

    def image_tag(self, image: str) -> str | None:
        """The pinned tag of a full image name (`traefik/whoami`), None when not in the matrix."""
        for entry in self.images.values():
            if entry["image"] == image:
                return entry["tag"]
        return None

    def known_keys(self) -> list[str]:
        keys = [f"images.{name}" for name in self.images]
        for group, fields in self.components.items():
            keys += [f"{group}.{f}" for f in fields if f not in META_FIELDS]
        return sorted(keys)


def _line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of needle in text (1 when absent)."""
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _require(condition: bool, path: Path, text: str, needle: str, message: str) -> None:
    if not condition:
        raise VersionError(f"{_rel(path)}:{_line_of(text, needle)}: {message}")


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def load(path: Path = VERSIONS_FILE) -> Matrix:
    """Reads and checks the matrix; every problem is one line naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise VersionError(
            f"{_rel(path)}: cannot read the version matrix ({exc.strerror})"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise VersionError(f"{_rel(path)}{line}: not valid YAML ({exc})") from None
    _require(isinstance(data, dict), path, text, "", "the matrix must be a mapping")
    for top in ("verified_on", "components", "images", "pins"):
        _require(top in data, path, text, "", f"missing top-level key '{top}'")
    components = data["components"]
    _require(
        isinstance(components, dict),
        path,
        text,
        "components:",
        "'components' must map names to fields",
    )
    for name, fields in components.items():
        _require(
            isinstance(fields, dict),
            path,
            text,
            f"{name}:",
            f"component '{name}' must be a mapping",
        )
        _require("source" in fields, path, text, f"{name}:", f"component '{name}' has no 'source'")
    images = {}
    for short, entry in (data["images"] or {}).items():
        ok = isinstance(entry, dict) and {"image", "tag"} <= entry.keys()
        _require(ok, path, text, f"{short}:", f"image '{short}' needs 'image' and 'tag'")
        images[str(short)] = {"image": str(entry["image"]), "tag": str(entry["tag"])}
    pins = []
    for entry in data["pins"]:
        pattern = entry.get("pattern", "")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise VersionError(
                f"{_rel(path)}:{_line_of(text, pattern)}: bad pin pattern ({exc})"
            ) from None
        _require(compiled.groups == 1, path, text, pattern, "a pin pattern needs exactly one group")
        pins.append(Pin(compiled, tuple(entry.get("keys", ()))))
    matrix = Matrix(str(data["verified_on"]), components, images, tuple(pins), path)
    for pin in matrix.pins:
        for key in pin.keys:
            _require(key in matrix.known_keys(), path, text, key, f"pin names unknown key '{key}'")
    return matrix


def substitute(markdown: str, matrix: Matrix, page: str) -> str:
    """Replaces the placeholders of one page; an unknown key names the page and line."""

    def replace(match: re.Match[str]) -> str:
        try:
            return matrix.value(match.group(1))
        except KeyError:
            line = markdown.count("\n", 0, match.start()) + 1
            raise VersionError(
                f"{page}:{line}: unknown version key '{match.group(1)}' "
                f"(known: {', '.join(matrix.known_keys())})"
            ) from None

    markdown = PLACEHOLDER.sub(replace, markdown)
    return TABLE_PLACEHOLDER.sub(lambda _: table_markdown(matrix), markdown)


def _as_version(raw: str) -> Version:
    """`v1.4.0` and `edge-25.11.1` compare as 1.4.0 and 25.11.1."""
    return Version(re.sub(r"^(v|edge-)", "", raw))


def pairing_problems(matrix: Matrix) -> list[str]:
    """Every `requires` range that the matrix's own values do not meet."""
    problems = []
    for name, fields in matrix.components.items():
        for key, spec in (fields.get("requires") or {}).items():
            where = f"{_rel(matrix.path)}: {name} requires {key} {spec}"
            try:
                value = matrix.value(key)
                ok = _as_version(value) in SpecifierSet(spec)
            except KeyError:
                problems.append(f"{where}, but there is no key '{key}'")
                continue
            except (InvalidSpecifier, InvalidVersion) as exc:
                problems.append(f"{where}: {exc}")
                continue
            if not ok:
                problems.append(f"{where}, but the matrix pins {value}")
    return problems


def literal_pins(text: str, matrix: Matrix) -> list[tuple[int, str, Pin]]:
    """(line, captured version, pin) for each version written literally in text."""
    found = []
    for pin in matrix.pins:
        for match in pin.pattern.finditer(text):
            found.append((text.count("\n", 0, match.start(1)) + 1, match.group(1), pin))
    return sorted(found, key=lambda item: item[0])


def table_markdown(matrix: Matrix) -> str:
    """The home page's matrix: component, the versions used, what they are paired with."""
    rows = ["| Component | Version used on this site | Paired with | Source |", "|---|---|---|---|"]
    for fields in matrix.components.values():
        versions = ", ".join(
            f"{field.replace('_', ' ')} `{value}`"
            for field, value in fields.items()
            if field not in META_FIELDS
        )
        pairing = "; ".join(
            f"{key} `{spec}`" for key, spec in (fields.get("requires") or {}).items()
        )
        note = f" {fields['note']}" if fields.get("note") else ""
        rows.append(
            f"| {fields.get('name', '')} | {versions}{note} | {pairing or '—'} | "
            f"[{_host(fields['source'])}]({fields['source']}) |"
        )
    images = ", ".join(f"`{e['image']}:{e['tag']}`" for e in matrix.images.values())
    rows.append(f"| Container images in the examples | {images} | — | the images' registries |")
    return "\n".join(rows) + f"\n\nVersions and pairings last verified on **{matrix.verified_on}**."


def _host(url: str) -> str:
    match = re.match(r"https?://([^/]+)", url)
    return match.group(1) if match else url
