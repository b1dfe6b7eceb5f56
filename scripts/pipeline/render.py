"""Renders every diagram script in diagrams/ into a cached, self-contained SVG.

    python -m scripts.pipeline.render [--out DIR] [--jobs N] [--no-cache] [--timings] [SCRIPT...]

Each script runs in its own process group (one worker per core) with a timeout of
$DIAGRAM_TIMEOUT seconds (default 60). The MkDocs hook calls render_all(); this command line
is for pre-build steps, benchmarks and debugging.

The cache (.cache/diagrams/<slug>/<key>.svg) never serves a stale or broken picture:
- the key covers the script, the shared helpers (diagrams/_*.py), this pipeline's code and the
  versions of Python, diagrams, Pillow, Graphviz and the font Graphviz measures text with;
- the entry's record (<key>.json) lists the files the script read, the directories it listed
  and the icons Graphviz drew, each with its hash, and the SVG's own hash: any difference,
  a missing file or a truncated SVG means the diagram is drawn again;
- entries are written to a temporary file in their own directory and renamed into place;
- one lock per cache serializes concurrent builds of one checkout;
- Ctrl-C kills every worker's process group and leaves no temporary files behind.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from scripts.pipeline.svg_inline import SvgError, icon_paths, inline_icons, theme_svg

ROOT = Path(__file__).resolve().parents[2]
DIAGRAMS_DIR = ROOT / "diagrams"
CACHE_DIR = ROOT / ".cache" / "diagrams"
RUNNER = Path(__file__).with_name("runner.py")
# This pipeline's code shapes every SVG: changing it redraws everything.
RENDERER_FILES = ("render.py", "runner.py", "svg_inline.py")
DEFAULT_TIMEOUT_S = 60.0
# The font family the diagrams ask for (diagrams/_style.py); Graphviz sizes boxes by its metrics.
FONT_FAMILY = "Sans-Serif"
# Budget per diagram, from the largest today (14 nodes, 34 KB) with room to grow: past it a
# picture is unreadable in the page column long before a browser struggles with it. The
# SVG is also inlined into its page, so it counts towards the page's own weight.
MAX_NODES = 40
MAX_SVG_BYTES = 150_000
# Graphviz warnings that mean the picture is broken (an icon or font it could not load).
BROKEN_PICTURE = re.compile(
    r"image|font|no such file|could not|couldn't|cannot|unable", re.IGNORECASE
)


class DiagramError(Exception):
    """One or more diagrams failed; the message names each script (or input) and its cause."""


@dataclass(frozen=True)
class Rendered:
    slug: str
    svg: Path  # the cached, self-contained SVG
    from_cache: bool
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()


def discover(diagrams_dir: Path = DIAGRAMS_DIR) -> list[Path]:
    """Diagram scripts, sorted; files starting with `_` are shared helpers."""
    return sorted(p for p in diagrams_dir.glob("*.py") if not p.name.startswith("_"))


def timeout_from_env() -> float:
    raw = os.environ.get("DIAGRAM_TIMEOUT", "")
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        raise DiagramError(f"DIAGRAM_TIMEOUT must be a number of seconds, not {raw!r}") from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _display(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def _resolve(recorded: str) -> Path:
    path = Path(recorded)
    return path if path.is_absolute() else ROOT / path


def _listing(directory: Path) -> str:
    return _sha256("\n".join(sorted(os.listdir(directory))).encode())


def _file_hash(path: Path) -> str | None:
    try:
        return _sha256(path.read_bytes())
    except OSError:
        return None


@lru_cache(maxsize=1)
def _font_fingerprint() -> str:
    """The file fontconfig gives Graphviz for FONT_FAMILY, and its hash."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", FONT_FAMILY], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "no fontconfig"
    return f"{found}:{_file_hash(Path(found))}" if found else "no font"


@lru_cache(maxsize=1)
def toolchain_fingerprint() -> str:
    """Everything outside the project that shapes an SVG."""
    try:
        dot = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=True).stderr
    except (OSError, subprocess.CalledProcessError) as exc:
        raise DiagramError(f"Graphviz 'dot' is not usable ({exc}); run `make build`") from exc
    own_code = "".join(_file_hash(Path(__file__).with_name(name)) or "" for name in RENDERER_FILES)
    return "|".join(
        [
            f"python {sys.version}",
            f"diagrams {metadata.version('diagrams')}",
            f"pillow {metadata.version('pillow')}",
            dot.strip(),
            _font_fingerprint(),
            own_code,
        ]
    )


def script_key(script: Path) -> str:
    digest = hashlib.sha256(toolchain_fingerprint().encode())
    for path in [script, *sorted(script.parent.glob("_*.py"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def _entry(slug: str, key: str) -> tuple[Path, Path]:
    folder = CACHE_DIR / slug
    return folder / f"{key}.svg", folder / f"{key}.json"


def _cached(slug: str, key: str) -> Path | None:
    """The entry's SVG when it is whole and every input it recorded is unchanged."""
    svg, record_file = _entry(slug, key)
    try:
        record = json.loads(record_file.read_text())
        if _file_hash(svg) != record["svg"]:
            return None
        for recorded, digest in record["files"].items():
            if _file_hash(_resolve(recorded)) != digest:
                return None
        for recorded, digest in record["dirs"].items():
            if _listing(_resolve(recorded)) != digest:
                return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return svg


def _write_atomically(target: Path, data: bytes) -> None:
    """A temporary file beside the target, then a rename: readers see all or nothing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.fchmod(handle, 0o644)  # mkstemp makes it private; the cache is as readable as a build
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _Workers:
    """The running worker processes, so an interrupt can kill them all at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self.stopped = False

    def start(self, command: list[str], **options) -> subprocess.Popen:
        with self._lock:
            if self.stopped:
                raise DiagramError("interrupted")
            process = subprocess.Popen(command, start_new_session=True, **options)
            self._running.add(process)
            return process

    def done(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._running.discard(process)

    def kill_all(self) -> None:
        with self._lock:
            self.stopped = True
            for process in self._running:
                _kill_group(process)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the script and its Graphviz child
    except ProcessLookupError:
        pass


def _failure(script: Path, report: Path, stderr: str) -> str:
    """One line: the file and line that caused the failure, and why."""
    try:
        error = json.loads(report.read_text())["error"]
    except (OSError, ValueError, KeyError):
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        return f"{_display(script)}: {lines[-1].strip() if lines else 'exited with an error'}"
    where = error["file"] + (f":{error['line']}" if error.get("line") else "")
    drawing = "" if error["file"] == _display(script) else f" (drawing {_display(script)})"
    return f"{where}: {error['message']}{drawing}"


def _graphviz_warnings(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.strip().startswith("Warning:")]


def _check_budget(label: str, svg: str) -> None:
    nodes, size = len(re.findall(r'class="node[" ]', svg)), len(svg.encode())
    if nodes > MAX_NODES or size > MAX_SVG_BYTES:
        raise DiagramError(
            f"{label}: {nodes} nodes and {size / 1000:.0f} KB, over the budget of "
            f"{MAX_NODES} nodes and {MAX_SVG_BYTES / 1000:.0f} KB per diagram: split the picture"
        )


def _render_one(script: Path, key: str, timeout_s: float, workers: _Workers) -> Rendered:
    slug, started, label = script.stem, time.perf_counter(), _display(script)
    with tempfile.TemporaryDirectory(prefix=f"diagram-{slug}-") as work:
        work_dir = Path(work)
        output, report = work_dir / slug, work_dir / "report.json"
        env = {
            **os.environ,
            "DIAGRAM_OUTPUT": str(output),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(script.parent),  # the shared helpers, diagrams/_*.py
        }
        process = workers.start(
            [sys.executable, str(RUNNER), str(script), str(report)],
            cwd=work_dir,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            _, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise DiagramError(
                f"{label}: timed out after {timeout_s:g} s (raise DIAGRAM_TIMEOUT if it is slow)"
            ) from None
        finally:
            workers.done(process)
        if workers.stopped:
            raise DiagramError("interrupted")
        if process.returncode != 0:
            raise DiagramError(_failure(script, report, stderr))
        warnings = _graphviz_warnings(stderr)
        broken = [w for w in warnings if BROKEN_PICTURE.search(w)]
        if broken:
            raise DiagramError(f"{label}: Graphviz could not draw it whole: {'; '.join(broken)}")
        produced = output.with_suffix(".svg")
        if not produced.is_file():
            raise DiagramError(
                f"{label}: wrote no image (draw inside `with page_diagram(...)` from _style.py)"
            )
        raw = produced.read_text(encoding="utf-8")
        meta_file = output.with_name(f"{slug}.kd.json")  # page_diagram() writes it
        if not meta_file.is_file():
            raise DiagramError(
                f"{label}: wrote no picture metadata (draw inside `with page_diagram(...)`)"
            )
        try:
            svg = theme_svg(inline_icons(raw), json.loads(meta_file.read_text()))
        except SvgError as exc:
            raise DiagramError(f"{label}: {exc}") from None
        _check_budget(label, svg)
        inputs = json.loads(report.read_text())
        files = {relative: _file_hash(ROOT / relative) for relative in inputs["reads"]}
        files |= {str(icon): _file_hash(icon) for icon in icon_paths(raw)}  # read by Graphviz
        dirs = {relative: _listing(ROOT / relative) for relative in inputs["lists"]}
        data = svg.encode("utf-8")
        target, record_file = _entry(slug, key)
        _write_atomically(target, data)
        # The record goes last and carries the SVG's hash: an entry is whole or ignored.
        record = {"svg": _sha256(data), "files": files, "dirs": dirs}
        _write_atomically(record_file, json.dumps(record, sort_keys=True, indent=1).encode())
    seconds = time.perf_counter() - started
    return Rendered(slug, target, from_cache=False, seconds=seconds, warnings=tuple(warnings))


def _prune(keep: dict[str, str]) -> None:
    """Drop cache entries of deleted scripts and superseded keys."""
    for slug_dir in CACHE_DIR.iterdir() if CACHE_DIR.is_dir() else ():
        if not slug_dir.is_dir():
            continue
        if slug_dir.name not in keep:
            shutil.rmtree(slug_dir, ignore_errors=True)
            continue
        for entry in slug_dir.iterdir():
            if not entry.name.startswith(keep[slug_dir.name] + "."):
                entry.unlink(missing_ok=True)


@contextmanager
def _cache_lock() -> Iterator[None]:
    """One build at a time per checkout; a second one waits for the first to finish."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def render_all(
    scripts: list[Path] | None = None,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    timeout_s: float | None = None,
) -> list[Rendered]:
    """Render (or take from the cache) every script; raise DiagramError naming each failure."""
    all_scripts = discover()
    scripts = all_scripts if scripts is None else scripts
    timeout_s = timeout_from_env() if timeout_s is None else timeout_s
    with _cache_lock():
        keys = {script.stem: script_key(script) for script in scripts}
        results: dict[str, Rendered] = {}
        to_render = []
        for script in scripts:
            hit = _cached(script.stem, keys[script.stem]) if use_cache else None
            if hit:
                results[script.stem] = Rendered(script.stem, hit, from_cache=True)
            else:
                to_render.append(script)

        errors: list[str] = []
        workers = _Workers()
        pool = ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1)
        try:
            futures = [
                pool.submit(_render_one, s, keys[s.stem], timeout_s, workers) for s in to_render
            ]
            for future in futures:
                try:
                    rendered = future.result()
                    results[rendered.slug] = rendered
                except DiagramError as exc:
                    errors.append(str(exc))
        except BaseException:  # Ctrl-C: stop every worker now, then let the threads tidy up
            workers.kill_all()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        if errors:
            # A failed script must not leave an older image behind to be published.
            for script in to_render:
                if script.stem not in results:
                    shutil.rmtree(CACHE_DIR / script.stem, ignore_errors=True)
            raise DiagramError("; ".join(errors))
        if scripts == all_scripts:
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
    except KeyboardInterrupt:
        print("interrupted: every diagram worker was stopped", file=sys.stderr)
        return 130
    for result in results:
        for warning in result.warnings:
            print(f"{result.slug}: Graphviz {warning}", file=sys.stderr)
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
