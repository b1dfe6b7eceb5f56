"""Set-up: what is missing is named in one sentence, Chromium is found one way, the site's
own packages are kept apart from the test tools, and only a tested commit is published."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

# What scripts/setup.sh runs besides the tools it looks for.
SETUP_NEEDS = ["bash", "grep", "fc-list", "python3", "node", "npm", "chromium"]


def run_setup_without_graphviz(tmp_path: Path, uid: str) -> subprocess.CompletedProcess:
    """setup.sh with a PATH that has everything but `dot`, and `id -u` answering `uid`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in SETUP_NEEDS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed to run this test"
        (bin_dir / tool).symlink_to(found)
    fake_id = bin_dir / "id"
    fake_id.write_text(f"#!/bin/sh\necho {uid}\n")
    fake_id.chmod(0o755)
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "setup.sh"), "test"],
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_root_setup_names_the_package_in_one_sentence(tmp_path):
    result = run_setup_without_graphviz(tmp_path, uid="1000")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "graphviz" in lines[0] and lines[0].endswith(".")


def test_without_apt_setup_names_the_package_in_one_sentence(tmp_path):
    # Root, but no apt-get on the PATH (another distribution, or a locked-down image).
    result = run_setup_without_graphviz(tmp_path, uid="0")
    assert result.returncode != 0
    assert "install graphviz" in result.stderr


def test_with_a_wrong_chromium_setting_setup_says_so_in_one_sentence(tmp_path):
    not_a_browser = tmp_path / "chrome"
    not_a_browser.write_text("")  # not executable
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "setup.sh"), "test"],
        env={**os.environ, "CHROMIUM": str(not_a_browser)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"CHROMIUM={not_a_browser}" in lines[0], result.stderr


# --- one way to find Chromium: setup.sh, the tests and the benchmark agree ------------


def fake_browser(folder: Path, name: str) -> Path:
    folder.mkdir(exist_ok=True)
    browser = folder / name
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    return browser


def found_by_setup(env: dict[str, str]) -> str | None:
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "setup.sh"), "chromium"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def found_by_python(env: dict[str, str], module: str) -> str:
    """CHROMIUM as `module` sees it, in a fresh interpreter with `env`."""
    code = f"from {module} import CHROMIUM; print(CHROMIUM)"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_chromium_is_found_the_same_way_by_setup_tests_and_benchmark(tmp_path):
    bash_dir = tmp_path / "tools"
    bash_dir.mkdir()
    (bash_dir / "bash").symlink_to(shutil.which("bash"))
    base = {key: value for key, value in os.environ.items() if key != "CHROMIUM"}
    chromium = fake_browser(tmp_path / "a", "chromium")
    chromium_browser = fake_browser(tmp_path / "b", "chromium-browser")
    chrome = fake_browser(tmp_path / "c", "google-chrome")
    cases = {
        # $CHROMIUM first, even with a chromium on the PATH
        "env": ({"CHROMIUM": str(chrome), "PATH": f"{chromium.parent}:{bash_dir}"}, chrome),
        # then `chromium`, before `chromium-browser`
        "chromium": ({"PATH": f"{chromium_browser.parent}:{chromium.parent}:{bash_dir}"}, chromium),
        "chromium-browser": ({"PATH": f"{chromium_browser.parent}:{bash_dir}"}, chromium_browser),
    }
    for case, (extra, expected) in cases.items():
        env = {**base, **extra}
        assert found_by_setup(env) == str(expected), case
        # The browser tests and the benchmark both take it from tests/support/site_pages.py.
        for module in ("tests.support.browser", "scripts.bench.pages"):
            assert found_by_python(env, module) == str(expected), (case, module)
    assert found_by_setup({**base, "PATH": str(bash_dir)}) is None


# --- the two dependency sets ------------------------------------------------------------


def locked(lock: Path) -> dict[str, set[str]]:
    """name -> the versions a lock file pins (two when a marker splits it), hashes checked."""
    pins: dict[str, set[str]] = {}
    text = lock.read_text(encoding="utf-8")
    for entry in re.split(r"\n(?=\S)", text):
        if entry.startswith("#") or not entry.strip():
            continue
        match = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\]+)", entry)
        assert match, f"{lock.name}: not an exact pin: {entry.splitlines()[0]}"
        assert "--hash=sha256:" in entry, f"{lock.name}: {match[1]} has no hash"
        pins.setdefault(canonicalize_name(match[1]), set()).add(match[2])
    return pins


def declared(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def test_lock_files_pin_each_set_with_hashes_and_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    build = locked(ROOT / "requirements.lock")
    dev = locked(ROOT / "requirements-dev.lock")
    assert declared(project["dependencies"]) <= set(build)
    assert declared(project["optional-dependencies"]["dev"]) <= set(dev)
    # pre-commit is the one exception: diagrams 0.25 itself requires it.
    tools = declared(project["optional-dependencies"]["dev"]) - {"pre-commit"}
    assert not tools & set(build), "a test tool in the site's lock"
    differ = {name: (build[name], dev.get(name)) for name in build if build[name] != dev.get(name)}
    assert not differ, f"requirements.lock and requirements-dev.lock differ: {differ}"
    assert set(locked(ROOT / "requirements-uv.lock")) == {"uv"}


def test_npm_build_set_is_mermaid_alone():
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert set(package["dependencies"]) == {"mermaid"}
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    for name in package["devDependencies"]:
        assert lock[f"node_modules/{name}"].get("dev") is True, f"{name}: npm ci --omit=dev"
    assert not lock["node_modules/mermaid"].get("dev")


def test_serve_and_build_install_no_dev_set_and_test_installs_both():
    def plan(target: str) -> str:
        """What `make <target>` would run on a machine with nothing installed."""
        return subprocess.run(
            ["make", "-n", "--always-make", "-C", str(ROOT), target],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    serve, test = plan("setup-serve"), plan("setup-test")
    assert "-r requirements.lock" in serve and "requirements-dev.lock" not in serve
    assert "npm ci --omit=dev " in serve
    assert "-r requirements-dev.lock" in test and "npm ci --no-audit" in test
    for line in serve.splitlines() + test.splitlines():
        if "pip install" in line and " -r " in line:
            assert "--require-hashes" in line, line
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target, setup in (("serve", "serve"), ("build", "serve"), ("test", "test")):
        assert re.search(rf"^{target}: setup-{setup}\b", makefile, re.MULTILINE), target


# --- publish only what was tested -------------------------------------------------------


def workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def test_deploy_publishes_only_a_commit_whose_tests_passed():
    jobs = workflow("deploy.yml")["jobs"]
    deploy = next(name for name, job in jobs.items() if "environment" in job)
    builder = jobs[deploy]["needs"]
    assert jobs[builder]["needs"] == "test"
    # The same test job as test.yml's, step for step.
    assert jobs["test"] == workflow("test.yml")["jobs"]["test"]
