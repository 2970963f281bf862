"""The sample page and local endpoints that ``cost`` measures scripts on.

One loopback HTTP server (port 0, a daemon thread) dispatching by Host like ``webtrack
serve``: ``shop.localhost`` serves the shop's home page with one script under measurement
installed, ``collector.localhost`` serves that script and answers every beacon, fetch and
XHR with 204, so trackers of any vendor send to it as to their own collector.

The script is served between ``__cost.begin();`` and ``__cost.end();`` (see
``attribution.js``); its size is measured on the bytes without them.

Every response carries the cross-origin isolation headers: an isolated page gets the
browsers' fine-grained ``performance.now()`` (5 µs in Chromium, 20 µs in Firefox rather
than 100 µs and 1 ms).
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..resources import SITES, shipped

SHIM = shipped("gate", "attribution.js").read_text(encoding="utf-8")
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".svg": "image/svg+xml",
         ".js": "text/javascript"}
ISOLATION = {"Cross-Origin-Opener-Policy": "same-origin",
             "Cross-Origin-Embedder-Policy": "require-corp",
             "Cross-Origin-Resource-Policy": "cross-origin", "Timing-Allow-Origin": "*"}


def sample_page(site: Path, script_url: str, attributes: dict[str, str]) -> str:
    """Return the site's home page with only *script_url* installed (deferred, in <head>).

    The page's own tracker tag goes; the attribution shim goes first in ``<head>``.
    """
    html = (site / "index.html").read_text(encoding="utf-8")
    html = re.sub(r'<script [^>]*src="[^"]*/tracker\.js"[^>]*></script>\n?', "", html)
    extra = "".join(f' {name}="{value}"' for name, value in attributes.items())
    head = f'<script>{SHIM}</script>\n<script src="{script_url}"{extra} defer></script>\n'
    return html.replace('<meta charset="utf-8">\n', '<meta charset="utf-8">\n' + head, 1)


def instrumented(source: bytes) -> bytes:
    """The script as the sample page gets it: between the two calls that time it."""
    return b"__cost.begin();\n" + source + b"\n;__cost.end();\n"


class CostServer:
    """Serve the sample page with one of *scripts* (name → bytes) and count deliveries."""

    def __init__(self, scripts: dict[str, bytes], attributes: dict[str, dict[str, str]],
                 site: Path | None = None):
        self.scripts, self.attributes = scripts, attributes
        self.site = site or SITES / "shop"
        self.bodies: list[bytes] = []
        self.arrived = threading.Condition()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> CostServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    def page_url(self, name: str) -> str:
        return f"http://shop.localhost:{self.port}/?script={name}"

    def script_url(self, name: str) -> str:
        return f"http://collector.localhost:{self.port}/{name}/tracker.js"

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.bodies) >= count, timeout)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: bytes = b"", kind: str | None = None,
                      headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in {**ISOLATION, **(headers or {})}.items():
                    self.send_header(name, value)
                if kind:
                    self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _cors(self) -> dict[str, str]:
                return {"Access-Control-Allow-Origin": self.headers.get("Origin") or "*",
                        "Access-Control-Allow-Credentials": "true",
                        "Access-Control-Allow-Headers": "Content-Type",
                        "Access-Control-Allow-Methods": "GET, POST"}

            def do_OPTIONS(self) -> None:
                self._send(204, headers=self._cors())

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server.arrived:
                    server.bodies.append(body)
                    server.arrived.notify_all()
                self._send(204, headers=self._cors())

            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").split(":")[0]
                url = urlsplit(self.path)
                if host == "collector.localhost":
                    name = url.path.strip("/").split("/")[0]
                    if name in server.scripts:
                        return self._send(200, instrumented(server.scripts[name]),
                                          TYPES[".js"])
                    return self._send(404)
                if url.path == "/":
                    return self._page(parse_qs(url.query).get("script", [""])[0])
                path = (server.site.parent / url.path.lstrip("/")) if url.path.startswith(
                    "/_shared/") else server.site / url.path.lstrip("/")
                if ".." in url.path or not path.is_file():
                    return self._send(404)
                self._send(200, path.read_bytes(), TYPES.get(path.suffix, "text/plain"))

            def _page(self, name: str) -> None:
                if name not in server.scripts:
                    return self._send(404)
                page = sample_page(server.site, server.script_url(name),
                                   server.attributes.get(name, {}))
                self._send(200, page.encode(), TYPES[".html"],
                           headers={"Cache-Control": "no-store"})

        return Handler
