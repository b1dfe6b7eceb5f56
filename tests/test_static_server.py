"""The test server serves the built site as its real host would (tests/support/static_server)."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request

import pytest

from tests.support import static_server


@pytest.fixture
def server(tmp_path):
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "index.html").write_text("<h1>home</h1>")
    (site / "page" / "index.html").write_text("<h1>page</h1>")
    (site / "404.html").write_text("<h1>not here</h1>")
    (site / "app.mjs").write_text("export const x = 1;\n" * 50)
    (site / "sitemap.xml").write_text("<loc>https://example.org/docs/page/</loc>")
    running = static_server.start(site, base_path="/docs/", site_url="https://example.org/docs/")
    yield running
    running.stop()


def fetch(url: str, gzip_ok: bool = False) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_pages_live_under_the_base_path(server):
    assert fetch(server.origin + "/docs/page/")[2] == b"<h1>page</h1>"
    status, _, body = fetch(server.origin + "/page/")
    assert (status, body) == (404, b"<h1>not here</h1>")


def test_a_folder_without_its_slash_is_redirected(server):
    status, _, body = fetch(server.origin + "/docs/page")  # urllib follows the redirect
    assert (status, body) == (200, b"<h1>page</h1>")


def test_text_is_gzipped_and_modules_are_javascript(server):
    status, headers, body = fetch(server.origin + "/docs/app.mjs", gzip_ok=True)
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"].startswith("text/javascript")
    assert gzip.decompress(body).startswith(b"export const x")


def test_the_sitemap_names_this_server(server):
    body = fetch(server.origin + "/docs/sitemap.xml")[2].decode()
    assert f"{server.origin}/docs/page/" in body and "example.org" not in body
