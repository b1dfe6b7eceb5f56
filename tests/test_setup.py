"""Set-up names what is missing in one sentence when it cannot install it itself."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

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
