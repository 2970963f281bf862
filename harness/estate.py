"""The sample web estate: the sites in ``sites/``, each served on its own ``*.localhost`` host.

Every site folder has a ``site.toml`` (title, what it demonstrates, whether the collector
registers it). Pages are written for the default port 8800; when served on another port the
``*.localhost:8800`` origins in them are rewritten, so the files stay plain, auditable HTML.
A ``[[header]]`` table adds a response header to the paths matching its glob, as static
hosts allow. Sites marked ``templated`` render their pages with Jinja (a shared header
template, as portal products do); files and folders starting with ``_`` are partials, never
served, nor are manifests, dotfiles or anything a symlink leads to outside the site's folder.
Every HTML page carries a Content-Security-Policy (inline scripts allowed by their hash),
X-Content-Type-Options, X-Frame-Options and Referrer-Policy, unless the site's manifest
sets its own.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
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
_TEXT = (".html", ".js", ".css", ".svg", ".txt", ".json", ".xml")
MANIFEST = "site.toml"
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>",
                            re.IGNORECASE | re.DOTALL)


def page_policy(html: str) -> str:
    """Return the Content-Security-Policy for a sample page: scripts from any web origin
    (the estate is about third-party scripts) but inline ones only by their hash, no
    plugins, no foreign <base>, framed only by the site itself."""
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(
        body.encode("utf-8")).digest()).decode() + "'" for body in _INLINE_SCRIPT.findall(html)})
    return "; ".join((
        "default-src 'self' http: https: data: blob:",
        " ".join(("script-src 'self' http: https:", *hashes)),
        "style-src 'self' http: https: 'unsafe-inline'",
        "object-src 'none'", "base-uri 'self'", "frame-ancestors 'self'"))


def secure_headers(response: Response, html: str | None) -> None:
    """Add the security headers a page (or any file) of the estate carries."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if html is not None:
        response.headers.setdefault("Content-Security-Policy", page_policy(html))
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")


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
        try:
            file = self.find(request.path)
        except OSError:  # a name too long for the file system, say
            file = None
        if file is None:
            return self.not_found()
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if not file.name.endswith(_TEXT):
            response = Response(file.read_bytes(), content_type=kind)
            secure_headers(response, None)
            return response
        if self.site.templated and file.suffix == ".html":
            text = self.jinja.get_template(
                file.relative_to(self.site.root.resolve()).as_posix()).render()
        else:
            text = file.read_text(encoding="utf-8")
        text = rewrite_port(text, self.port)
        response = Response(text, content_type=f"{kind}; charset=utf-8")
        response.headers["Cache-Control"] = "no-cache"
        for name, value in self.site.headers_for(request.path):
            response.headers.add(name, rewrite_port(value, self.port))
        secure_headers(response, text if kind == "text/html" else None)
        return response

    def find(self, url_path: str) -> Path | None:
        """Return the file serving *url_path*, or None: never outside the site's real
        folder (or the shared one), never a manifest, dotfile or partial."""
        path = url_path.lstrip("/")
        root = self.site.root
        parts = path.split("/")
        if path.startswith(SHARED + "/"):
            root, path, parts = root.parent / SHARED, path[len(SHARED) + 1:], parts[1:]
        elif any(part.startswith("_") for part in parts):
            return None
        if any(part.startswith(".") for part in parts) or parts[-1] == MANIFEST:
            return None
        found = safe_join(str(root), path) if path else str(root)
        if found is None:
            return None
        file = Path(found)
        if file.is_dir():
            file = file / "index.html"
        if not file.is_file() and self.site.spa and "." not in file.name:
            file = self.site.root / "index.html"  # a single-page app routes on the client
        if not file.is_file():
            return None
        real, home = file.resolve(), root.resolve()
        if not real.is_relative_to(home) or real.name == MANIFEST:
            return None  # a symlink out of the folder, or to its manifest
        return real

    def not_found(self) -> Response:
        return Response(f"404: no such page on {self.site.id}.localhost\n", 404,
                        content_type="text/plain; charset=utf-8")
