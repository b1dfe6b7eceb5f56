"""One validation pipeline for the site's example manifests.

`validate_file(path)` returns every problem of one YAML file as one-line strings of the form
`<file>: <kind>/<name>: <cause> [<rule>]`. The same function checks docs/examples/** and the
deliberately wrong fixtures in tests/invalid_manifests/, so a bad example fails exactly like a
fixture does. Stages:

1. YAML parses; every document has apiVersion, kind and metadata.name.
2. Built-in kinds: kubernetes-validate --strict against every version in K8S_VERSIONS.
3. Custom resources: the CRD schemas of the npm packages in CRD_PACKAGES (run through
   tests/support/manifests_crd_validate.mjs), or, where no registry ships a schema (MetalLB, Linkerd),
   the table in manifests_crd_tables.py.
4. Rules the API server or an admission webhook enforces that no schema expresses, and a few
   site conventions (manifests_api_rules.py).
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import kubernetes_validate
import yaml

from scripts.pipeline import versions
from tests.support.manifests_api_rules import check_rules
from tests.support.manifests_common import ROOT, Problem, group_of, label
from tests.support.manifests_crd_tables import TABLE_GROUPS, check_table_resource

# kubernetes-validate re-reads and parses its 1.4 MB definitions file on every call; remember
# each parsed schema (validation only reads them) so ~400 validations take a second, not ten.
kubernetes_validate.utils.schema_contents = functools.cache(
    kubernetes_validate.utils.schema_contents
)

EXAMPLES = ROOT / "docs" / "examples"
INVALID = ROOT / "tests" / "support" / "invalid_manifests"
CRD_SCRIPT = Path(__file__).with_name("manifests_crd_validate.mjs")
# The oldest supported and the current Kubernetes minor, from the version matrix.
_matrix = versions.load()
K8S_VERSIONS = (_matrix.value("kubernetes.oldest"), _matrix.value("kubernetes.current"))
SETUP_HINT = "run `make test` (its set-up runs `npm ci`, which installs the schema packages)"

# API group -> npm package that ships its CRD schemas; sent to manifests_crd_validate.mjs with
# each batch. The versions to install are pinned in package.json.
CRD_PACKAGES = {
    "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
    "gateway.networking.x-k8s.io": "@kubernetes-models/gateway-api",
    "networking.istio.io": "@kubernetes-models/istio",
    "security.istio.io": "@kubernetes-models/istio",
    "telemetry.istio.io": "@kubernetes-models/istio",
    "extensions.istio.io": "@kubernetes-models/istio",
    "traefik.io": "@kubernetes-models/traefik",
}

# Groups that no current release serves. A hint beats "unknown group" for these classics.
RETIRED_GROUPS = {
    # traefik/traefik docs/content/migrate/v2-to-v3-details.md: deprecated in v2.10, removed in v3.
    "traefik.containo.us": "API group traefik.containo.us was removed in Traefik v3; "
    "use traefik.io/v1alpha1",
}

# Files that are wrong on purpose, kubernetes/website style: path under docs/examples ->
# {rule: reason}. test_manifests.py fails when an entry no longer matches a real problem.
EXPECTED_PROBLEMS: dict[str, dict[str, str]] = {
    "troubleshooting/service-broken-selector.yaml": {
        "selector": "The troubleshooting page applies this Service to show an empty "
        "EndpointSlice: its selector deliberately matches no Pod.",
    },
}


# Not a manifest: each examples folder may hold the declared topology its page's packet walks
# are computed from (scripts/pipeline/walks/topology.py), which yamllint still checks.
WALK_TOPOLOGY = "walk-topology.yml"


def example_key(path: Path) -> str:
    """`nodeport/service-web.yaml` for a file under docs/examples (the test id and ignore key)."""
    return path.resolve().relative_to(EXAMPLES).as_posix()


def example_files() -> list[Path]:
    return sorted(
        p for p in EXAMPLES.rglob("*") if p.suffix in (".yaml", ".yml") and p.name != WALK_TOPOLOGY
    )


def invalid_files() -> list[Path]:
    return sorted(p for p in INVALID.rglob("*") if p.suffix in (".yaml", ".yml"))


# --- 1. parsing -------------------------------------------------------------------------------


@functools.cache
def _load(path: Path, mtime: float) -> tuple[tuple[dict, ...], tuple[Problem, ...]]:
    problems: list[Problem] = []
    try:
        raw = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where else ""
        cause = getattr(error, "problem", None) or str(error)
        return (), (Problem(path, "yaml", f"YAML does not parse{at}: {cause}"),)
    if not raw:
        problems.append(Problem(path, "yaml", "holds no YAML document"))
    docs = []
    for index, doc in enumerate(raw, start=1):
        if not isinstance(doc, dict):
            problems.append(Problem(path, "yaml", f"document {index} is not a mapping"))
            continue
        missing = [f for f in ("apiVersion", "kind") if not isinstance(doc.get(f), str)]
        metadata = doc.get("metadata")
        if not (isinstance(metadata, dict) and isinstance(metadata.get("name"), str)):
            missing.append("metadata.name")
        if missing:
            problems.append(Problem(path, "yaml", f"document {index} lacks {', '.join(missing)}"))
            continue
        docs.append(doc)
    return tuple(docs), tuple(problems)


def load(path: Path) -> tuple[list[dict], list[Problem]]:
    """The file's well-formed documents, and a problem for everything else."""
    docs, problems = _load(path.resolve(), path.stat().st_mtime)
    return list(docs), list(problems)


# --- 2./3. schemas ----------------------------------------------------------------------------


def source_of(doc: dict) -> str:
    """Which validator owns the document: core, npm, table, retired or unknown."""
    group = group_of(doc)
    if group in RETIRED_GROUPS:
        return "retired"
    if group in CRD_PACKAGES:
        return "npm"
    if group in TABLE_GROUPS:
        return "table"
    # Built-in groups are "" (core), dot-less ones (apps, batch, policy, autoscaling) and
    # *.k8s.io; Gateway API is *.k8s.io too but a CRD, and is caught above.
    if "." not in group or group.endswith(".k8s.io"):
        return "core"
    return "unknown"


def check_core(path: Path, docs: list[dict], version: str) -> list[Problem]:
    """kubernetes-validate in strict mode: unknown fields are errors, like kubectl's default."""
    problems = []
    for doc in docs:
        if source_of(doc) != "core":
            continue
        rule = f"k8s-{version}"
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(p) for p in error.path) or "(root)"
            problems.append(
                Problem(path, rule, f"{label(doc)}: {where}: {error.message} (--strict)")
            )
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(
                Problem(
                    path,
                    rule,
                    f"{label(doc)}: Kubernetes {version} does not serve kind {doc['kind']} "
                    f"at apiVersion {doc['apiVersion']}",
                )
            )
    return problems


class SchemaSetupError(RuntimeError):
    """The npm schema packages (or node) are missing: the tests must fail, not skip."""


_npm_cache: dict[str, list[str]] = {}
_npm_packages: dict[str, str | None] = {}


def _doc_key(doc: dict) -> str:
    return json.dumps(doc, sort_keys=True, default=str)


def prefetch_custom_resources(docs: Iterable[dict]) -> None:
    """Validate many custom resources in one node process and remember the answers."""
    pending = {}
    for doc in docs:
        if source_of(doc) == "npm":
            key = _doc_key(doc)
            if key not in _npm_cache:
                pending[key] = json.loads(key)
    if not pending:
        return
    node = shutil.which("node")
    if node is None:
        raise SchemaSetupError(f"node is not installed, so no CRD schema can run: {SETUP_HINT}")
    batch = [{"id": key, "doc": doc} for key, doc in pending.items()]
    run = subprocess.run(
        [node, str(CRD_SCRIPT)],
        input=json.dumps({"packages": CRD_PACKAGES, "documents": batch}, default=str),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if run.returncode != 0:
        raise SchemaSetupError(
            f"{CRD_SCRIPT.name} failed ({run.stderr.strip().splitlines()[-1:]}): {SETUP_HINT}"
        )
    answer = json.loads(run.stdout)
    _npm_packages.update(answer["packages"])
    _npm_cache.update(answer["results"])


def schema_package_versions() -> dict[str, str | None]:
    """Installed version of each npm schema package (None when missing)."""
    if not _npm_packages:
        # Any CR will do: the script reports the packages it finds with every answer.
        probe = {
            "apiVersion": "traefik.io/v1alpha1",
            "kind": "Middleware",
            "metadata": {"name": "probe"},
            "spec": {},
        }
        _npm_cache.pop(_doc_key(probe), None)
        prefetch_custom_resources([probe])
    return dict(_npm_packages)


def check_custom(path: Path, docs: list[dict]) -> list[Problem]:
    problems = []
    prefetch_custom_resources(docs)
    for doc in docs:
        source = source_of(doc)
        group = group_of(doc)
        if source == "retired":
            problems.append(Problem(path, "crd", f"{label(doc)}: {RETIRED_GROUPS[group]}"))
        elif source == "unknown":
            problems.append(
                Problem(
                    path,
                    "crd",
                    f"{label(doc)}: no schema source for API group {group!r} "
                    "(add its package to CRD_PACKAGES or a table to manifests_crd_tables.py)",
                )
            )
        elif source == "table":
            for message in check_table_resource(doc):
                problems.append(Problem(path, "crd", f"{label(doc)}: {message}"))
        elif source == "npm":
            for message in _npm_cache[_doc_key(doc)]:
                if "is not installed" in message:
                    message = f"{message}: {SETUP_HINT}"
                problems.append(Problem(path, "crd", f"{label(doc)}: {message}"))
    return problems


# --- the pipeline -----------------------------------------------------------------------------


def folder_documents(path: Path) -> list[dict]:
    docs: list[dict] = []
    for sibling in sorted(path.parent.glob("*.y*ml")):
        if sibling.name != WALK_TOPOLOGY:
            docs += load(sibling)[0]
    return docs


def problems_of(path: Path, folder_docs: list[dict] | None = None) -> list[Problem]:
    """Every problem of one file, before the EXPECTED_PROBLEMS exceptions are applied.

    folder_docs: the documents the cross-file rules look at (default: every file in the same
    folder; the invalid fixtures pass their own documents, each fixture standing alone).
    """
    docs, problems = load(path)
    if folder_docs is None:
        folder_docs = folder_documents(path)
    for version in K8S_VERSIONS:
        problems += check_core(path, docs, version)
    problems += check_custom(path, docs)
    problems += check_rules(path, docs, folder_docs)
    return problems


def expected_for(path: Path) -> dict[str, str]:
    try:
        return EXPECTED_PROBLEMS.get(example_key(path), {})
    except ValueError:  # not under docs/examples
        return {}


def validate_file(path: Path, folder_docs: list[dict] | None = None) -> list[str]:
    """One line per problem (file, object and cause), minus the documented exceptions."""
    expected = expected_for(path)
    return [str(p) for p in problems_of(path, folder_docs) if p.rule not in expected]


def main(argv: list[str]) -> int:
    """`python -m tests.manifests_rules [FILE...]`: print every problem (all examples by default)."""
    paths = [Path(arg) for arg in argv] or example_files()
    docs = [doc for path in paths for doc in load(path)[0]]
    prefetch_custom_resources(docs)
    errors = [error for path in paths for error in validate_file(path)]
    print("\n".join(errors) if errors else f"{len(paths)} files: no problem")
    return 1 if errors else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
