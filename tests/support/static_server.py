"""The built site on 127.0.0.1, served the way its real host serves it.

Used by the browser tests and the page benchmark (and by hand:
`python -m tests.support.static_server --root site`). The standard library's
SimpleHTTPRequestHandler does the serving (paths, folders, redirects, MIME types, HEAD);
this adds only what the real host does and it does not:
- the site lives under the path of `site_url` (e.g. /k8s-networking-illustrated/);
- unknown paths get 404.html with status 404;
- text-like files are gzip-compressed when the client accepts it, as GitHub Pages does, so
  transfer sizes and Lighthouse scores are those a reader gets;
- sitemap.xml names this server instead of `site_url`: Material's instant navigation only
  takes over links the sitemap lists, matched by host and port.
"""

from __future__ import annotations

import argparse
import gzip
import io
import threading
from dataclasses import dataclass
from functools import lru_cache, partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from scripts.pipeline import site_config

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml")


@lru_cache(maxsize=256)
def _gzipped(path: Path, mtime_ns: int) -> bytes:  # mtime in the key: a rebuild is seen
    return gzip.compress(path.read_bytes(), mtime=0)


class SiteHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as browsers expect from a real host
    # The machine's /etc/mime.types must not decide these (.mjs must be JavaScript).
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".html": "text/html",
        ".svg": "image/svg+xml",
        ".json": "application/json",
        ".xml": "application/xml",
        ".yaml": "text/yaml",
        ".yml": "text/yaml",
    }

    def __init__(self, *args, base_path: str, site_url: str, quiet: bool, **kwargs) -> None:
        self.base_path, self.site_url, self.quiet = base_path, site_url, quiet
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        url_path = unquote(urlsplit(path).path)
        if not url_path.startswith(self.base_path):
            return str(Path(self.directory) / ".outside-the-base-path")  # no such file: 404
        return super().translate_path("/" + url_path[len(self.base_path) :])

    def send_head(self):
        url_path = unquote(urlsplit(self.path).path)
        if url_path + "/" == self.base_path:
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self.base_path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        path = Path(self.translate_path(self.path))
        if path.is_dir() and not url_path.endswith("/"):
            return super().send_head()  # the standard redirect to the slash
        if path.is_dir():
            path = path / "index.html"
        status = HTTPStatus.OK
        if not path.is_file():
            status, path = HTTPStatus.NOT_FOUND, Path(self.directory) / "404.html"
            if not path.is_file():
                self.send_error(HTTPStatus.NOT_FOUND)
                return None
        return self._send_file(path, status)

    def _send_file(self, path: Path, status: HTTPStatus):
        content_type = self.guess_type(str(path))
        compressible = content_type.startswith(COMPRESSIBLE) or content_type == "image/svg+xml"
        compress = compressible and "gzip" in self.headers.get("Accept-Encoding", "")
        if path.name == "sitemap.xml" and path.parent == Path(self.directory):
            here = f"http://{self.headers.get('Host', '127.0.0.1')}{self.base_path}"
            body = path.read_bytes().replace(self.site_url.encode(), here.encode())
            body = gzip.compress(body, mtime=0) if compress else body
        else:
            body = _gzipped(path, path.stat().st_mtime_ns) if compress else path.read_bytes()
        self.send_response(status)
        charset = "; charset=utf-8" if content_type.startswith("text/") else ""
        self.send_header("Content-Type", content_type + charset)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")  # what GitHub Pages sends
        if compressible:
            self.send_header("Vary", "Accept-Encoding")
        if compress:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        return io.BytesIO(body)

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
    root: Path,
    port: int = 0,
    base_path: str | None = None,
    quiet: bool = True,
    site_url: str | None = None,
) -> RunningServer:
    """Serve `root` on 127.0.0.1 (port 0: a free one) in a background thread; the base path
    and site_url default to mkdocs.yml's."""
    base = base_path if base_path is not None else site_config.site_base_path()
    handler = partial(
        SiteHandler,
        directory=str(Path(root).resolve()),
        base_path=base,
        site_url=site_url or site_config.site_url(),
        quiet=quiet,
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="static_server", daemon=True)
    thread.start()
    return RunningServer(server, thread, base)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=site_config.ROOT / "site")
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
