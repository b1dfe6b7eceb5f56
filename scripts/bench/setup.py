"""Set-up time from a fresh clone, printed as `name: value` lines (part of `make bench`).

    .venv/bin/python -m scripts.bench.setup [--cache cold|warm|user] [--only serve|test]

- setup_serve_s: `git clone` of this repository into a temporary folder, then `make serve`
  on a free port until its first page answers on 127.0.0.1 (venv, npm packages, diagrams
  and the first build included). Target: <= 25 s on 2 cores.
- setup_test_s: another fresh clone, then `make setup-test`: everything `make test`
  installs before it runs pytest.

System packages (Graphviz, Node.js, Chromium) are taken as present: both figures time the
project's own set-up. The clone is of the committed HEAD, so uncommitted edits are left out.

Package caches: `--cache cold` (default) gives each run empty pip, uv and npm caches, so
every package is downloaded, the same for any two commits compared; `--cache warm` runs the
same set-up twice on shared fresh caches and times the second run; `--cache user` uses the
caches of the person running it, whatever their state.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVE_TIMEOUT_S = 600


def emit(name: str, value: float | str) -> None:
    text = f"{value:.1f}" if isinstance(value, float) else str(value)
    print(f"{name}: {text}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cache_env(caches: Path | None) -> dict[str, str]:
    """The environment that points pip, uv and npm at `caches` (None: leave them alone)."""
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(  # not this venv's bin: the clone makes its own
        part
        for part in env.get("PATH", "").split(os.pathsep)
        if part != str(Path(sys.prefix) / "bin")
    )
    if caches is not None:
        env["PIP_CACHE_DIR"] = str(caches / "pip")
        env["UV_CACHE_DIR"] = str(caches / "uv")
        env["npm_config_cache"] = str(caches / "npm")
    return env


def clone(source: tuple[Path, str], into: Path) -> Path:
    """A fresh clone of (repository, commit)."""
    repo, ref = source
    subprocess.run(["git", "clone", "--quiet", str(repo), str(into)], check=True)
    if ref != "HEAD":
        subprocess.run(["git", "-C", str(into), "checkout", "--quiet", ref], check=True)
    return into


def page_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and b"<html" in response.read(4096).lower()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def stop(process: subprocess.Popen) -> None:
    """End `make serve` and what it started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def time_serve(source: tuple[Path, str], work: Path, env: dict[str, str], log: Path) -> float:
    """Seconds from `git clone` to the first page served by `make serve`."""
    port = free_port()
    started = time.perf_counter()
    project = clone(source, work / f"serve-{port}")
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "serve", "HOST=127.0.0.1", f"PORT={port}"],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while not page_answers(f"http://127.0.0.1:{port}/"):
                if process.poll() is not None:
                    sys.exit(f"bench_setup: make serve exited {process.returncode}, see {log}")
                if time.perf_counter() - started > SERVE_TIMEOUT_S:
                    sys.exit(f"bench_setup: no page after {SERVE_TIMEOUT_S} s, see {log}")
                time.sleep(0.1)
            return time.perf_counter() - started
        finally:
            stop(process)


def time_test_setup(
    source: tuple[Path, str], work: Path, env: dict[str, str], log: Path, targets: list[str]
) -> float:
    """Seconds from `git clone` to the end of what `make test` installs before pytest."""
    started = time.perf_counter()
    project = clone(source, work / f"test-{time.monotonic_ns()}")
    with log.open("w") as output:
        result = subprocess.run(
            ["make", *targets], cwd=project, env=env, stdin=subprocess.DEVNULL,
            stdout=output, stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"bench_setup: make {' '.join(targets)} exited {result.returncode}, see {log}")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", choices=["cold", "warm", "user"], default="cold")
    parser.add_argument("--only", choices=["serve", "test"], help="one of the two figures")
    parser.add_argument("--ref", default="HEAD", help="commit to clone (default: HEAD)")
    parser.add_argument(
        "--repo", type=Path, default=ROOT, help="repository to clone (e.g. one with a change)"
    )
    parser.add_argument(
        "--test-targets", default="setup-test", help="what `make test` installs (for old commits)"
    )
    args = parser.parse_args(argv)
    source = (args.repo.resolve(), args.ref)
    emit("setup_cache", args.cache)
    with tempfile.TemporaryDirectory(prefix="kni-bench-setup-") as scratch:
        work = Path(scratch)
        logs = Path(tempfile.gettempdir())
        runs = 2 if args.cache == "warm" else 1  # warm: the second run, after a first one
        if args.only in (None, "serve"):
            env = cache_env(None if args.cache == "user" else work / "caches-serve")
            for _ in range(runs):
                seconds = time_serve(source, work, env, logs / "kni-bench-setup-serve.log")
            emit("setup_serve_s", seconds)
        if args.only in (None, "test"):
            env = cache_env(None if args.cache == "user" else work / "caches-test")
            for _ in range(runs):
                seconds = time_test_setup(
                    source,
                    work,
                    env,
                    logs / "kni-bench-setup-test.log",
                    args.test_targets.split(),
                )
            emit("setup_test_s", seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
