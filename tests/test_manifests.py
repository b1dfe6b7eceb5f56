"""The example manifests under docs/examples/ are valid, and the validator proves it can tell.

Every check goes through tests/support/manifests_rules.py, the same pipeline that must reject each
deliberately wrong manifest in tests/support/invalid_manifests/ for the reason written at its top.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

from tests.support import manifests_rules as rules
from tests.support.manifests_common import display, label

ROOT = rules.ROOT
EXAMPLE_FILES = rules.example_files()
INVALID_FILES = rules.invalid_files()
SNIPPET = re.compile(r"""--8<--\s+["']([^"']+)["']""")


def _key(path: Path) -> str:
    return rules.example_key(path)


def _files_with(source_test) -> list[Path]:
    """Example files holding at least one document the given validator owns."""
    selected = []
    for path in EXAMPLE_FILES:
        docs, _ = rules.load(path)
        if any(source_test(rules.source_of(doc)) for doc in docs):
            selected.append(path)
    return selected


CORE_FILES = _files_with(lambda source: source == "core")
CUSTOM_FILES = _files_with(lambda source: source != "core")


def _fail_with(problems) -> None:
    if problems:
        pytest.fail("\n".join(str(p) for p in problems), pytrace=False)


UNKNOWN_FIELD = "zzNotInAnySchema"


def _with_unknown_field(doc: dict) -> tuple[dict, str]:
    """A copy of doc with one field no schema declares, and that field's dotted path."""
    mutated = json.loads(json.dumps(doc, default=str))
    parent = "spec" if isinstance(mutated.get("spec"), dict) else "metadata"
    mutated[parent][UNKNOWN_FIELD] = 1
    return mutated, f"{parent}.{UNKNOWN_FIELD}"


@pytest.fixture(scope="module", autouse=True)
def custom_resource_answers():
    """Run the npm CRD schemas once for every document the module will ask about."""
    docs = []
    for path in [*EXAMPLE_FILES, *INVALID_FILES]:
        docs += rules.load(path)[0]
    docs += [_with_unknown_field(doc)[0] for doc in list(docs)]
    try:
        rules.prefetch_custom_resources(docs)
    except rules.SchemaSetupError:
        pass  # each test that needs the schemas meets the same error and fails with it


def test_examples_exist():
    assert EXAMPLE_FILES, f"no YAML file under {rules.EXAMPLES}"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=_key)
def test_parses(path: Path):
    """Each file parses and each document has apiVersion, kind and metadata.name."""
    _fail_with(rules.load(path)[1])


@pytest.mark.parametrize(
    ("path", "version"),
    [
        pytest.param(path, version, id=f"{_key(path)}-{version}")
        for path in CORE_FILES
        for version in rules.K8S_VERSIONS
    ],
)
def test_core_kinds_validate_strictly(path: Path, version: str):
    """Built-in kinds validate strictly against the oldest supported and the current Kubernetes
    minor of the version matrix."""
    docs, _ = rules.load(path)
    _fail_with(rules.check_core(path, docs, version))


@pytest.mark.parametrize("path", CUSTOM_FILES, ids=_key)
def test_custom_resources_match_their_crds(path: Path):
    """MetalLB, Traefik, Gateway API, Istio and Linkerd kinds match their CRD schemas."""
    docs, _ = rules.load(path)
    _fail_with(rules.check_custom(path, docs))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=_key)
def test_unknown_fields_would_be_caught(path: Path):
    """Strictness reaches every kind the site uses: a misspelled field in any of its objects
    fails validation (a kind whose schema let it through would make the checks above toothless).
    """
    for doc in rules.load(path)[0]:
        mutated, field = _with_unknown_field(doc)
        problems = [str(p) for p in rules.check_custom(path, [mutated])]
        for version in rules.K8S_VERSIONS:
            problems += [str(p) for p in rules.check_core(path, [mutated], version)]
        assert any(UNKNOWN_FIELD in p for p in problems), (
            f"{display(path)}: {label(doc)}: an unknown field {field} is accepted"
        )


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=_key)
def test_api_server_rules(path: Path):
    """Rules the API server (or a webhook) enforces that schemas cannot express."""
    docs, _ = rules.load(path)
    expected = rules.expected_for(path)
    problems = rules.check_rules(path, docs, rules.folder_documents(path))
    _fail_with([p for p in problems if p.rule not in expected])


@pytest.mark.parametrize("key", sorted(rules.EXPECTED_PROBLEMS))
def test_expected_problems_are_still_real(key: str):
    """Each ignore-list entry has a reason and still silences a problem that exists."""
    path = rules.EXAMPLES / key
    assert path.is_file(), f"docs/examples/{key}: ignore-list entry for a missing file"
    found = {p.rule for p in rules.problems_of(path)}
    for rule, reason in rules.EXPECTED_PROBLEMS[key].items():
        assert len(reason.split()) >= 5, f"docs/examples/{key}: give [{rule}] a real reason"
        assert rule in found, (
            f"docs/examples/{key}: [{rule}] no longer fails; drop it from EXPECTED_PROBLEMS"
        )


# --- the validator rejects what it should -----------------------------------------------------


def _expectations(path: Path) -> list[str]:
    expected = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            expected.append(line.removeprefix("# expect:").strip())
    return expected


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.name)
def test_invalid_manifest_is_rejected_for_its_reason(path: Path):
    """Same pipeline as for the examples; every error must be the stated one, on one line."""
    expected = _expectations(path)
    assert expected, f"{path.name}: start the file with `# expect: <part of the error>`"
    own_docs = rules.load(path)[0]  # each fixture stands alone for the cross-file rules
    errors = rules.validate_file(path, folder_docs=own_docs)
    assert errors, f"{path.name} was accepted, but should fail with: {expected}"
    for error in errors:
        assert "\n" not in error and error.startswith(f"{display(path)}: "), error
        assert any(reason in error for reason in expected), (
            f"{path.name}: unexpected error (expected one of {expected}): {error}"
        )
    for reason in expected:
        assert any(reason in error for error in errors), (
            f"{path.name}: no error says {reason!r}; got: {errors}"
        )


def test_invalid_manifests_cover_the_required_cases():
    """The cases the issue names exist, so deleting a fixture cannot go unnoticed."""
    required = {
        "nodeport-out-of-range.yaml",
        "service-multi-port-unnamed.yaml",
        "ingressroute-traefik-containo-us.yaml",
        "ipaddresspool-v1alpha1.yaml",
    }
    missing = required - {p.name for p in INVALID_FILES}
    assert not missing, f"tests/support/invalid_manifests/ lacks {sorted(missing)}"


# --- set-up ---------------------------------------------------------------------------------------


def test_schema_packages_are_declared_and_installed():
    """The npm CRD schema packages are pinned in package.json and installed at that version."""
    declared = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    pinned = {**declared.get("dependencies", {}), **declared.get("devDependencies", {})}
    installed = rules.schema_package_versions()
    for package in sorted(set(rules.CRD_PACKAGES.values())):
        assert package in pinned, f"package.json: add {package} to devDependencies"
        assert installed.get(package) is not None, f"{package} is not installed: {rules.SETUP_HINT}"
        assert installed[package] == pinned[package], (
            f"{package} {installed[package]} is installed but package.json pins "
            f"{pinned[package]}: {rules.SETUP_HINT}"
        )


# --- no orphans -----------------------------------------------------------------------------------


@functools.cache
def _included_snippets() -> frozenset[str]:
    included = set()
    for page in (ROOT / "docs").rglob("*.md"):
        for target in SNIPPET.findall(page.read_text(encoding="utf-8")):
            included.add(target.split(":")[0])  # drop a ":start:end" line range
    return frozenset(included)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=_key)
def test_example_is_included_by_a_page(path: Path):
    target = f"docs/examples/{_key(path)}"
    if target not in _included_snippets():
        pytest.fail(
            f'{target}: no page includes it (add `--8<-- "{target}"` to a page, or delete it)',
            pytrace=False,
        )


@pytest.mark.parametrize(
    "slug", sorted({p.relative_to(rules.EXAMPLES).parts[0] for p in EXAMPLE_FILES})
)
def test_examples_folder_has_a_diagram(slug: str):
    assert (ROOT / "diagrams" / f"{slug}.py").is_file(), (
        f"docs/examples/{slug}/ has no diagram script diagrams/{slug}.py"
    )
