"""A small static server for the built site, on 127.0.0.1, the way a real host serves it.

Used by the browser tests and the page benchmark (and handy by hand):

    .venv/bin/python -m scripts.serve_static --root site --port 8001

- The site lives under the path of mkdocs.yml's `site_url` (e.g. /k8s-networking-illustrated/),
  as on the real host: the 404 page links its assets by that absolute path.
- Unknown paths get 404.html with status 404; a folder without its slash is redirected.
- Text-like files are gzip-compressed when the client accepts it (like GitHub Pages).
- MIME types do not depend on the machine's /etc/mime.types (.mjs must be JavaScript).
- sitemap.xml names this server instead of `site_url`, as it names the real host there
  (and as `mkdocs serve` does): Material's instant navigation only takes over links that
  the sitemap lists, matched by host name and port.
"""

from __future__ import annotations

import argparse
import gzip
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".yaml": "text/yaml; charset=utf-8",
    ".yml": "text/yaml; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".gz": "application/gzip",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}
# Already-compressed formats are sent as they are.
COMPRESSIBLE = re.compile(r"^(text/|application/(json|xml|manifest)|image/svg)")


def site_url(mkdocs_yml: Path = ROOT / "mkdocs.yml") -> str:
    """mkdocs.yml's `site_url`, "/" when there is none.

    Read with a regex: mkdocs.yml carries !!python tags that a safe YAML loader refuses.
    """
    match = re.search(r"^site_url:\s*(\S+)", mkdocs_yml.read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1).strip("'\"") if match else "/"


def site_base_path(mkdocs_yml: Path = ROOT / "mkdocs.yml") -> str:
    """The path part of `site_url` ("/k8s-networking-illustrated/"), "/" when there is none."""
    path = urlsplit(site_url(mkdocs_yml)).path.strip("/")
    return f"/{path}/" if path else "/"


@lru_cache(maxsize=512)
def _gzipped(path: Path, mtime_ns: int) -> bytes:  # mtime in the key: a rebuild is seen
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as browsers expect from a real host
    root: Path
    base_path: str
    site_url: str
    quiet = True

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def _resolve(self) -> tuple[HTTPStatus, Path | None, str | None]:
        """(status, file to send, redirect target)."""
        url_path = unquote(urlsplit(self.path).path)
        if not url_path.startswith(self.base_path):
            if url_path + "/" == self.base_path:
                return HTTPStatus.MOVED_PERMANENTLY, None, self.base_path
            return HTTPStatus.NOT_FOUND, None, None
        relative = url_path[len(self.base_path) :]
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root):  # "../" tricks
            return HTTPStatus.NOT_FOUND, None, None
        if target.is_dir():
            if not url_path.endswith("/"):
                return HTTPStatus.MOVED_PERMANENTLY, None, url_path + "/"
            target = target / "index.html"
        if target.is_file():
            return HTTPStatus.OK, target, None
        return HTTPStatus.NOT_FOUND, None, None

    def _respond(self, send_body: bool) -> None:
        status, path, location = self._resolve()
        if location is not None:
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path is None:
            path = self.root / "404.html"
            if not path.is_file():
                self.send_error(HTTPStatus.NOT_FOUND)
                return
        content_type = MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        compress = accepts_gzip and COMPRESSIBLE.match(content_type) is not None
        if path.name == "sitemap.xml" and path.parent == self.root:
            here = f"http://{self.headers.get('Host', '127.0.0.1')}{self.base_path}"
            body = path.read_bytes().replace(self.site_url.encode(), here.encode())
            body = gzip.compress(body, mtime=0) if compress else body
        else:
            body = _gzipped(path, path.stat().st_mtime_ns) if compress else path.read_bytes()

        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")  # what GitHub Pages sends
        if COMPRESSIBLE.match(content_type):
            self.send_header("Vary", "Accept-Encoding")
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


@dataclass
class RunningServer:
    server: ThreadingHTTPServer
    thread: threading.Thread
    base_path: str

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The site's home page."""
        return self.origin + self.base_path

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start(
    root: Path, port: int = 0, base_path: str | None = None, quiet: bool = True
) -> RunningServer:
    """Serve `root` on 127.0.0.1 (port 0: a free one) in a background thread."""
    base = base_path if base_path is not None else site_base_path()
    handler = type(
        "BoundSiteHandler",
        (SiteHandler,),
        {"root": Path(root).resolve(), "base_path": base, "site_url": site_url(), "quiet": quiet},
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="serve_static", daemon=True)
    thread.start()
    return RunningServer(server, thread, base)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT / "site", help="built site folder")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--base-path", help="URL path of the site (default: from site_url)")
    args = parser.parse_args(argv)
    running = start(args.root, args.port, args.base_path, quiet=False)
    print(f"Serving {args.root} at {running.url} (Ctrl-C stops)", flush=True)
    try:
        running.thread.join()
    except KeyboardInterrupt:
        running.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
