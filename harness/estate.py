"""The sample web estate: the sites in ``sites/``, each served on its own ``*.localhost`` host.

Every site folder has a ``site.toml`` (title, what it demonstrates, whether the collector
registers it). Pages are written for the default port 8800; when served on another port the
``*.localhost:8800`` origins in them are rewritten, so the files stay plain, auditable HTML.
A ``[[header]]`` table adds a response header to the paths matching its glob, as static
hosts allow. Sites marked ``templated`` render their pages with Jinja (a shared header
template, as portal products do); files and folders starting with ``_`` are partials, never
served.
"""

from __future__ import annotations

import fnmatch
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from werkzeug.security import safe_join
from werkzeug.wrappers import Request, Response

from .config import load_toml
from .resources import SITES

DEFAULT_PORT = 8800
SITES_DIR = SITES
SHARED = "_shared"
_ORIGIN = re.compile(r"(\.localhost):8800\b")
_TEXT = (".html", ".js", ".css", ".svg", ".txt", ".json")


@dataclass(frozen=True)
class Site:
    """One sample site: its id (and host name), folder and manifest."""

    id: str
    root: Path
    title: str
    demonstrates: str
    register: bool = True
    templated: bool = False
    spa: bool = False
    headers: tuple = ()  # (path glob, header name, value), as static hosts allow

    def headers_for(self, path: str) -> list[tuple[str, str]]:
        return [(name, value) for pattern, name, value in self.headers
                if fnmatch.fnmatchcase(path, pattern)]

    def origin(self, port: int) -> str:
        return f"http://{self.id}.localhost:{port}"


def discover(root: Path = SITES_DIR) -> list[Site]:
    """Return the sites under *root*, one per folder with a ``site.toml``."""
    sites = []
    for manifest in sorted(root.glob("*/site.toml")):
        data = load_toml(manifest)
        sites.append(Site(
            id=manifest.parent.name, root=manifest.parent, title=data["title"],
            demonstrates=data["demonstrates"], register=data.get("register", True),
            templated=data.get("templated", False), spa=data.get("spa", False),
            headers=tuple((h["path"], h["name"], h["value"]) for h in data.get("header", []))))
    return sites


def rewrite_port(text: str, port: int) -> str:
    """Point ``*.localhost:8800`` origins in *text* at *port*."""
    return text if port == DEFAULT_PORT else _ORIGIN.sub(rf"\g<1>:{port}", text)


class SiteApp:
    """A WSGI app serving one site's folder (and the estate's shared assets)."""

    def __init__(self, site: Site, port: int) -> None:
        self.site, self.port = site, port
        self.jinja = jinja2.Environment(
            loader=jinja2.FileSystemLoader([site.root, site.root.parent / SHARED]),
            autoescape=True, undefined=jinja2.StrictUndefined)

    def __call__(self, environ, start_response):
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("method not allowed\n", 405, content_type="text/plain")
        path = request.path.lstrip("/")
        root = self.site.root
        if path.startswith(SHARED + "/"):
            root, path = root.parent / SHARED, path[len(SHARED) + 1:]
        elif any(part.startswith("_") for part in path.split("/")):
            return self.not_found()
        found = safe_join(str(root), path) if path else str(root)
        if found is None:
            return self.not_found()
        file = Path(found)
        if file.is_dir():
            file = file / "index.html"
        if not file.is_file() and self.site.spa and "." not in file.name:
            file = self.site.root / "index.html"  # a single-page app routes on the client
        if not file.is_file():
            return self.not_found()
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if not file.name.endswith(_TEXT):
            return Response(file.read_bytes(), content_type=kind)
        if self.site.templated and file.suffix == ".html":
            text = self.jinja.get_template(file.relative_to(self.site.root).as_posix()).render()
        else:
            text = file.read_text(encoding="utf-8")
        response = Response(rewrite_port(text, self.port), content_type=f"{kind}; charset=utf-8")
        response.headers["Cache-Control"] = "no-cache"
        for name, value in self.site.headers_for(request.path):
            response.headers.add(name, rewrite_port(value, self.port))
        return response

    def not_found(self) -> Response:
        return Response(f"404: no such page on {self.site.id}.localhost\n", 404,
                        content_type="text/plain; charset=utf-8")
