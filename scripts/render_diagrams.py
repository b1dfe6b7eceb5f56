"""Renders every diagram script in diagrams/ into a cached, self-contained SVG.

    python -m scripts.render_diagrams [--out DIR] [--jobs N] [--no-cache] [--timings]

Each script runs in its own subprocess (one worker per core), with a timeout of
$DIAGRAM_TIMEOUT seconds (default 60). Results are cached in .cache/diagrams/, keyed by the
script, the shared helpers (diagrams/_*.py), the data files the script read, the renderer's
own code and the `diagrams` and Graphviz versions: an unchanged diagram is never redrawn.
The MkDocs hook (scripts/mkdocs_hooks.py) calls render_all(); this command line is for
pre-build steps, benchmarks and debugging.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from scripts.svg_inline import SvgError, inline_icons

ROOT = Path(__file__).resolve().parent.parent
DIAGRAMS_DIR = ROOT / "diagrams"
CACHE_DIR = ROOT / ".cache" / "diagrams"
RUNNER = Path(__file__).with_name("diagram_runner.py")
# The renderer's own code is part of every cache key: changing it redraws everything.
RENDERER_FILES = ("render_diagrams.py", "diagram_runner.py", "svg_inline.py")
DEFAULT_TIMEOUT_S = 60.0


class DiagramError(Exception):
    """One or more diagrams failed; the message names each script and its cause."""


@dataclass(frozen=True)
class Rendered:
    slug: str
    svg: Path  # the cached, self-contained SVG
    from_cache: bool
    seconds: float = 0.0


def discover(diagrams_dir: Path = DIAGRAMS_DIR) -> list[Path]:
    """Diagram scripts, sorted; files starting with `_` are shared helpers."""
    return sorted(p for p in diagrams_dir.glob("*.py") if not p.name.startswith("_"))


def timeout_from_env() -> float:
    raw = os.environ.get("DIAGRAM_TIMEOUT", "")
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        raise DiagramError(f"DIAGRAM_TIMEOUT must be a number of seconds, not {raw!r}") from None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def _toolchain_fingerprint() -> str:
    """The diagrams and Graphviz versions, plus this renderer's own code."""
    try:
        dot = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=True).stderr
    except (OSError, subprocess.CalledProcessError) as exc:
        raise DiagramError(f"Graphviz 'dot' is not usable ({exc}); run `make build`") from exc
    own_code = "".join(_sha256(Path(__file__).with_name(name)) for name in RENDERER_FILES)
    return f"diagrams {metadata.version('diagrams')}|{dot.strip()}|{own_code}"


def _script_key(script: Path) -> str:
    digest = hashlib.sha256(_toolchain_fingerprint().encode())
    for path in [script, *sorted(script.parent.glob("_*.py"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def _data_files_unchanged(deps_file: Path) -> bool:
    try:
        recorded: dict[str, str] = json.loads(deps_file.read_text())
    except (OSError, ValueError):
        return False
    for relative, digest in recorded.items():
        path = ROOT / relative
        if not path.is_file() or _sha256(path) != digest:
            return False
    return True


def _cached(slug: str, key: str) -> Path | None:
    svg = CACHE_DIR / slug / f"{key}.svg"
    deps = svg.with_suffix(".deps.json")
    return svg if svg.is_file() and _data_files_unchanged(deps) else None


def _error_summary(script: Path, stderr: str) -> str:
    """The script's own error: its last line, and the script line it points at."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    cause = lines[-1].strip() if lines else "exited with an error and printed nothing"
    where = re.findall(rf'File "{re.escape(str(script))}", line (\d+)', stderr)
    return f"{cause} (line {where[-1]})" if where else cause


def _render_one(script: Path, key: str, timeout_s: float) -> Rendered:
    slug, started = script.stem, time.perf_counter()
    label = script.relative_to(ROOT) if ROOT in script.parents else script
    with tempfile.TemporaryDirectory(prefix=f"diagram-{slug}-") as work:
        work_dir = Path(work)
        output, deps_json = work_dir / slug, work_dir / "deps.json"
        env = {**os.environ, "DIAGRAM_OUTPUT": str(output), "PYTHONDONTWRITEBYTECODE": "1"}
        command = [sys.executable, str(RUNNER), str(script), str(deps_json)]
        process = subprocess.Popen(
            command,
            cwd=work_dir,
            env=env,
            text=True,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            _, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the script's Graphviz child too
            process.communicate()
            raise DiagramError(
                f"{label}: timed out after {timeout_s:g} s (raise DIAGRAM_TIMEOUT if it is slow)"
            ) from None
        if process.returncode != 0:
            raise DiagramError(f"{label}: {_error_summary(script, stderr)}")
        produced = output.with_suffix(".svg")
        if not produced.is_file():
            raise DiagramError(
                f"{label}: wrote no image (draw inside `with page_diagram(...)` from _style.py)"
            )
        try:
            svg = inline_icons(produced.read_text(encoding="utf-8"))
        except SvgError as exc:
            raise DiagramError(f"{label}: {exc}") from None
        data_files = json.loads(deps_json.read_text()) if deps_json.is_file() else []

        target_dir = CACHE_DIR / slug
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"{key}.svg"
        deps = {relative: _sha256(ROOT / relative) for relative in data_files}
        staged = work_dir / "staged.svg"
        staged.write_text(svg, encoding="utf-8")
        target.with_suffix(".deps.json").write_text(json.dumps(deps, sort_keys=True))
        shutil.move(staged, target)
    return Rendered(slug, target, from_cache=False, seconds=time.perf_counter() - started)


def _prune(keep: dict[str, str]) -> None:
    """Drop cache entries of deleted scripts and superseded keys."""
    if not CACHE_DIR.is_dir():
        return
    for slug_dir in CACHE_DIR.iterdir():
        if slug_dir.name not in keep:
            shutil.rmtree(slug_dir, ignore_errors=True)
            continue
        for entry in slug_dir.iterdir():
            if not entry.name.startswith(keep[slug_dir.name] + "."):
                entry.unlink(missing_ok=True)


def render_all(
    scripts: list[Path] | None = None,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    timeout_s: float | None = None,
) -> list[Rendered]:
    """Render (or take from the cache) every script; raise DiagramError naming each failure."""
    scripts = discover() if scripts is None else scripts
    timeout_s = timeout_from_env() if timeout_s is None else timeout_s
    keys = {script.stem: _script_key(script) for script in scripts}
    results: dict[str, Rendered] = {}
    to_render = []
    for script in scripts:
        hit = _cached(script.stem, keys[script.stem]) if use_cache else None
        if hit:
            results[script.stem] = Rendered(script.stem, hit, from_cache=True)
        else:
            to_render.append(script)

    errors: list[str] = []
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        futures = [pool.submit(_render_one, s, keys[s.stem], timeout_s) for s in to_render]
        for future in futures:
            try:
                rendered = future.result()
                results[rendered.slug] = rendered
            except DiagramError as exc:
                errors.append(str(exc))
    if errors:
        # A failed script must not leave an older image behind to be published.
        for script in to_render:
            if script.stem not in results:
                shutil.rmtree(CACHE_DIR / script.stem, ignore_errors=True)
        raise DiagramError("; ".join(errors))
    if scripts == discover():
        _prune(keys)
    return [results[script.stem] for script in scripts]


def summary(results: list[Rendered]) -> str:
    cached = sum(r.from_cache for r in results)
    return f"diagrams: {len(results) - cached} rendered, {cached} from cache"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also copy each SVG to DIR/<slug>.svg")
    parser.add_argument("--jobs", type=int, help="parallel workers (default: one per core)")
    parser.add_argument("--no-cache", action="store_true", help="render every script afresh")
    parser.add_argument("--timings", action="store_true", help="print seconds per diagram")
    parser.add_argument("scripts", nargs="*", type=Path, help="scripts (default: all)")
    args = parser.parse_args(argv)
    scripts = [p.resolve() for p in args.scripts] or None
    started = time.perf_counter()
    try:
        results = render_all(scripts, jobs=args.jobs, use_cache=not args.no_cache)
    except DiagramError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for result in results:
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(result.svg, args.out / f"{result.slug}.svg")
        if args.timings:
            print(f"{result.slug}: {result.seconds:.3f}")
    if args.timings:
        print(f"wall: {time.perf_counter() - started:.3f}")
    print(summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
