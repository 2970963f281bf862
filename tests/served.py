"""Pages served from a dict on a free port of shop.localhost, for a browser to render
(the audit's tests compare what it reads statically with what the browser does)."""


class Pages:
    """Serve a dict of path -> text on a free port of shop.localhost, for the browser;
    the paths in `slow` are answered that many seconds late, those in `headers` with these
    (name, value) pairs too (a Content-Type among them instead of the extension's);
    `requests` lists the paths asked for, in order."""

    def __init__(self, pages: dict, slow: dict | None = None,
                 headers: dict | None = None) -> None:
        import threading
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        requests = self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the stdlib's name)
                requests.append(self.path)
                body = pages.get(self.path.split("?")[0])
                time.sleep((slow or {}).get(self.path.split("?")[0], 0))
                self.send_response(200 if body is not None else 404)
                kind = {"js": "text/javascript", "svg": "image/svg+xml",
                        "xhtml": "application/xhtml+xml"}.get(
                    self.path.split("?")[0].rpartition(".")[2], "text/html")
                given = (headers or {}).get(self.path.split("?")[0], ())
                if not any(name.lower() == "content-type" for name, _ in given):
                    self.send_header("Content-Type", f"{kind}; charset=utf-8")
                for name, value in given:
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write((body or "").encode())
                except (BrokenPipeError, ConnectionResetError):  # the page went on meanwhile
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://shop.localhost:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()
