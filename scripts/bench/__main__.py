"""Build-speed, diagram-size and page-speed figures, printed as `name: value` lines.

    python -m scripts.bench [--runs N] [--skip-pages] [--skip-setup]

Everything runs on a throwaway copy of the project, so the real cache is left alone.
Targets (checked by people reading the figures, not by a timed test):
warm_rendered = 0, one_edit_rendered = 1, warm_vs_baseline <= 1.15,
parallel_vs_serial <= 0.6 on 2 cores. Page figures (weights, Lighthouse, the gzip size of
every diagram, <= 80 KB) come from scripts/bench/pages.py. Set-up figures from a fresh clone
of HEAD with empty package caches (setup_serve_s <= 25 s, setup_test_s) come from
scripts/bench/setup.py.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.project_copy import copy_project

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"diagrams: (\d+) rendered, (\d+) from cache")


def emit(name: str, value: float | str) -> None:
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    print(f"{name}: {text}", flush=True)


def timed_build(project: Path, **env: str) -> tuple[float, int]:
    """Seconds for one `mkdocs build`, and how many diagrams it rendered."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(project / "site")],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"bench: build failed:\n{result.stdout}{result.stderr}")
    counts = SUMMARY.search(result.stdout + result.stderr)
    return seconds, int(counts.group(1)) if counts else 0


def render_seconds(project: Path, *args: str) -> dict[str, float]:
    """Render every diagram without cache: seconds per script, and `wall` for the whole."""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.pipeline.render", "--no-cache", "--timings", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        m[0]: float(m[1]) for m in re.findall(r"^([\w-]+): ([\d.]+)$", result.stdout, re.MULTILINE)
    }


def bench_builds(project: Path, runs: int) -> None:
    cold, warm, edited, baseline = [], [], [], []
    warm_rendered = edit_rendered = 0
    script = project / "diagrams" / "nodeport.py"
    for run in range(runs):
        shutil.rmtree(project / ".cache", ignore_errors=True)
        cold.append(timed_build(project)[0])
        seconds, warm_rendered = timed_build(project)
        warm.append(seconds)
        script.write_text(script.read_text() + f"\n# bench edit {run}\n")
        seconds, edit_rendered = timed_build(project)
        edited.append(seconds)
    for _ in range(runs):  # a warm build once more, for a fair median next to the baseline
        warm.append(timed_build(project)[0])

    # Baseline: the same build with the hook's rendering off and the images already in docs/.
    images = project / "docs" / "diagrams"
    images.mkdir()
    for svg in (project / ".cache" / "diagrams").glob("*/*.svg"):
        shutil.copyfile(svg, images / f"{svg.parent.name}.svg")
    for _ in range(2 * runs):
        baseline.append(timed_build(project, KNI_DIAGRAMS="off")[0])
    shutil.rmtree(images)

    emit("cold_build_s", statistics.median(cold))
    emit("warm_build_s", statistics.median(warm))
    emit("warm_rendered", warm_rendered)
    emit("one_edit_build_s", statistics.median(edited))
    emit("one_edit_rendered", edit_rendered)
    emit("baseline_build_s", statistics.median(baseline))
    emit("warm_vs_baseline", statistics.median(warm) / statistics.median(baseline))


def bench_parallel(project: Path, runs: int) -> None:
    ratios = []
    for _ in range(runs):
        parallel = render_seconds(project)["wall"]  # one worker per core
        one_by_one = render_seconds(project, "--jobs", "1")
        serial = sum(seconds for slug, seconds in one_by_one.items() if slug != "wall")
        ratios.append(parallel / serial)
    emit("parallel_vs_serial", statistics.median(ratios))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--skip-pages", action="store_true", help="builds and diagrams only")
    parser.add_argument("--skip-setup", action="store_true", help="no set-up from a fresh clone")
    args = parser.parse_args(argv)
    emit("cores", os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        project = copy_project(Path(work) / "project")
        bench_builds(project, args.runs)
        bench_parallel(project, args.runs)
    if not args.skip_setup:
        from scripts.bench import setup as bench_setup

        bench_setup.main(["--cache", "cold"])
    if not args.skip_pages:
        from scripts.bench import pages as bench_pages

        return bench_pages.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
