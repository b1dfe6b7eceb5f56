"""`make lint`: Python, YAML, spelling, whitespace and the GitHub workflows.

Each check is its own test and prints the tool's own report when it fails. The same
tools, with the same configuration files, run as pre-commit hooks (.pre-commit-config.yaml),
so a commit that passes the hooks passes this module. The last tests prove the
configurations bite: each tool, as configured, rejects a planted mistake.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's tools sit next to its python
WORKFLOWS = ROOT / ".github" / "workflows"
# What codespell reads: the pages and every Markdown file of the project.
SPELLED = ["docs", *sorted(p.name for p in ROOT.glob("*.md")), ".github"]
# The checks `make lint` runs; each must also be a pre-commit hook.
HOOK_IDS = {
    "ruff-check",
    "ruff-format",
    "yamllint",
    "codespell",
    "trailing-whitespace",
    "end-of-file",
    "workflows",
}
# pre-commit-hooks' fixers (no check-only mode): run on a copy, and any change is a failure.
FIXERS = ("trailing-whitespace-fixer", "end-of-file-fixer")


def run(*command: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )


def report(result: subprocess.CompletedProcess) -> str:
    command = " ".join([Path(result.args[0]).name, *map(str, result.args[1:])])
    return f"`{command}` exited {result.returncode}:\n{result.stdout}{result.stderr}"


def assert_passes(result: subprocess.CompletedProcess, fix: str = "") -> None:
    """Fail with the tool's own report (and the command that fixes it), not a repr."""
    if result.returncode != 0:
        pytest.fail(report(result) + (f"\nFix: {fix}" if fix else ""), pytrace=False)


def test_ruff_check():
    result = run(BIN / "ruff", "check", "--no-cache", ".")
    assert_passes(result)


def test_ruff_format():
    result = run(BIN / "ruff", "format", "--check", "--no-cache", ".")
    assert_passes(result, fix=".venv/bin/ruff format .")


def test_yamllint():
    result = run(BIN / "yamllint", "--strict", "--format", "parsable", ".")
    assert_passes(result)


def test_codespell():
    result = run(BIN / "codespell", *SPELLED)
    assert_passes(result)


def _text_files() -> list[str]:
    """Every file git would commit (tracked, and untracked but not ignored) that is text."""
    listed = run("git", "ls-files", "--cached", "--others", "--exclude-standard").stdout
    files = []
    for name in sorted(set(listed.split())):
        path = ROOT / name
        if path.is_file() and b"\0" not in path.read_bytes()[:8192]:
            files.append(name)
    return files


def _fixed_copies(files: list[str], where: Path) -> list[str]:
    """Run the fixers on copies of `files` under `where`; the names they changed."""
    for name in files:
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_bytes((ROOT / name).read_bytes())
    for fixer in FIXERS:
        run(BIN / fixer, *files, cwd=where)
    return [n for n in files if (where / n).read_bytes() != (ROOT / n).read_bytes()]


def test_whitespace_and_final_newline(tmp_path):
    files = _text_files()
    assert len(files) > 50, "git listed too few files to be the project"
    changed = _fixed_copies(files, tmp_path)
    assert not changed, (
        f"trailing whitespace or a bad end of file in: {', '.join(changed)}\n"
        "Fix: .venv/bin/pre-commit run --all-files (or the two fixers on those files)"
    )


def test_workflows_match_the_github_schema():
    files = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))
    assert files, f"no workflow in {WORKFLOWS.relative_to(ROOT)}"
    result = run(BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files)
    assert_passes(result)


# --- workflow policy: what the schema cannot say ------------------------------------


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["test.yml", "deploy.yml"])
def test_workflow_is_least_privilege_and_secret_free(name):
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    flow = workflow(name)
    assert flow.get("permissions") == {"contents": "read"}, "top-level permissions: contents: read"
    assert "secrets." not in text, "workflows use no secrets"
    assert "write-all" not in text
    assert flow.get("concurrency", {}).get("group"), "a concurrency group"
    for job_name, job in flow["jobs"].items():
        granted = job.get("permissions", {})
        assert set(granted.values()) <= {"read", "write"}, job_name
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, f"{job_name}: checkout"


def test_test_workflow_runs_make_test_on_pull_requests_and_pushes():
    flow = workflow("test.yml")
    triggers = flow.get(True, flow.get("on"))  # PyYAML reads the `on` key as True
    assert {"pull_request", "push"} <= set(triggers)
    assert flow["concurrency"]["cancel-in-progress"] is True
    steps = [step for job in flow["jobs"].values() for step in job["steps"]]
    assert any(step.get("run", "").strip() == "make test" for step in steps)
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0, "full history, for last-updated dates"
    assert any("CHROMIUM" in step.get("run", "") for step in steps), "the browser's path"


def test_deploy_workflow_publishes_main_to_pages_only():
    flow = workflow("deploy.yml")
    triggers = flow.get(True, flow.get("on"))
    assert triggers["push"]["branches"] == ["main"]
    assert "pull_request" not in triggers
    assert flow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    jobs = flow["jobs"]
    uses = {s.get("uses", "").split("@")[0] for job in jobs.values() for s in job["steps"]}
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= uses
    deploy = next(job for job in jobs.values() if "environment" in job)
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    builders = [job for job in jobs.values() if job is not deploy]
    assert all("permissions" not in job for job in builders), "builders keep contents: read"


# --- pre-commit mirrors make lint, offline ----------------------------------------


def test_pre_commit_hooks_are_local_and_cover_make_lint():
    config_file = ROOT / ".pre-commit-config.yaml"
    result = run(BIN / "pre-commit", "validate-config", config_file)
    assert_passes(result)
    repos = yaml.safe_load(config_file.read_text(encoding="utf-8"))["repos"]
    assert [repo["repo"] for repo in repos] == ["local"] * len(repos), "only repo: local"
    hooks = {hook["id"]: hook for repo in repos for hook in repo["hooks"]}
    assert HOOK_IDS <= set(hooks), f"missing hooks: {HOOK_IDS - set(hooks)}"
    for hook_id, hook in hooks.items():
        assert hook["language"] in {"system", "pygrep"}, f"{hook_id} would install something"
        assert "additional_dependencies" not in hook, hook_id


# --- the configurations bite ----------------------------------------------------------


def test_codespell_rejects_typos_and_british_spelling(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("The colour of the Service's behaviour is recieved.\n")
    result = run(BIN / "codespell", "--config", ROOT / ".codespellrc", page)
    assert result.returncode != 0
    assert {"colour", "behaviour", "recieved"} <= set(result.stdout.replace(":", " ").split())


def test_yamllint_rejects_a_broken_manifest(tmp_path):
    manifest = tmp_path / "service.yaml"
    manifest.write_text("kind: Service\nkind: Service\nspec:\n   ports: [80]   \n")
    result = run(BIN / "yamllint", "--strict", "-c", ROOT / ".yamllint.yaml", manifest)
    assert result.returncode != 0
    for rule in ("key-duplicates", "trailing-spaces", "indentation"):
        assert rule in result.stdout, f"{rule} not reported:\n{result.stdout}"


def test_whitespace_fixers_reject_and_fix(tmp_path):
    sloppy = tmp_path / "page.md"
    sloppy.write_bytes(b"# Title  \n\ntext\t\n\n\n")
    results = [run(BIN / fixer, sloppy) for fixer in FIXERS]
    assert [r.returncode for r in results] == [1, 1], [report(r) for r in results]
    assert sloppy.read_bytes() == b"# Title\n\ntext\n"


def test_workflow_schema_rejects_an_unknown_key(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    result = run(BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", broken)
    assert result.returncode != 0, report(result)
