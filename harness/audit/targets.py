"""Turn audit targets (files, folders, URLs) into parsed pages, statically or rendered."""

from __future__ import annotations

import codecs
import functools
import json
import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from ..looks import AS_A_VISITOR, visitor_user_agent
from . import shadowroots
from .page import (
    DECIDING,
    IN_HEAD_MARK,
    INERT_MARK,
    INSERTED_MARK,
    JS_TYPES,
    NO_BASE_MARK,
    PREPARED_MARK,
    Page,
    Script,
    data_url_text,
    parse,
    resolve,
    served_as_xml,
)
from .rules import defines_optout_in
from .settle import Traffic, settle

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
# Files that are never pages, whatever they hold.
NOT_PAGES = (".txt", ".md", ".json", ".js", ".mjs", ".css", ".csv", ".xml", ".svg", ".png",
             ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".pdf", ".zip", ".gz", ".woff", ".woff2")


class TargetError(ValueError):
    """A target that cannot be checked: missing, unreachable, or holding no page."""

    def __init__(self, where: str, why: str = "", status: int | None = None) -> None:
        super().__init__(f"{where}: {why}" if why else where)
        self.where, self.why = where, why or where
        self.status = status  # the HTTP status it answered with, where it answered


class NotAPage(TargetError):
    """A file that is not an HTML page (text, binary): listed as skipped."""


@dataclass
class Targets:
    """What the targets expand to: pages to audit, files skipped, targets not checkable."""

    pages: list[tuple[str, Path | None]] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    unchecked: list[dict] = field(default_factory=list)


def is_url(target: str) -> bool:
    return urlsplit(target).scheme in ("http", "https")


def _hidden(found: Path, root: Path) -> bool:
    return any(part.startswith(("_", ".")) for part in found.relative_to(root).parts)


def expand(targets: list[str]) -> Targets:
    """Return ``(where, root)`` per page: files, HTML files under folders, URLs; with the
    files skipped and the targets that cannot be checked, each with its reason."""
    found = Targets()
    for target in targets:
        if is_url(target):
            found.pages.append((target, None))
            continue
        path = Path(target)
        if path.is_file():
            if path.suffix.lower() in NOT_PAGES:
                found.skipped.append({"file_or_url": str(path), "reason":
                                      f"not an HTML page ({path.suffix.lower()} file)"})
            else:
                found.pages.append((str(path), path.parent))
        elif path.is_dir():
            pages = [(str(f), path) for f in sorted(path.rglob("*")) if f.is_file() and
                     f.suffix.lower() in HTML_SUFFIXES and not _hidden(f, path)]
            if not pages:
                found.unchecked.append({"file_or_url": str(path), "error": "no .html, .htm or "
                                        ".xhtml pages in this folder: nothing to audit"})
            found.pages += pages
        else:
            found.unchecked.append({"file_or_url": target, "error": "no such file or folder, "
                                    "and not an http(s) URL"})
    return found


def fetch(url: str, timeout: float = 10.0) -> tuple[str, str]:
    """GET *url*, returning its text and content type; ``*.localhost`` hosts are reached on
    127.0.0.1 with their Host header."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        url_sent = parts._replace(netloc="127.0.0.1" + (f":{parts.port}" if parts.port
                                                          else "")).geturl()
    else:
        url_sent = url
    try:
        response = _http(parts.scheme == "https").get(
            url_sent, headers={"Host": parts.netloc, "User-Agent": "webtrack-audit"},
            timeout=timeout)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        raise TargetError(url, f"cannot fetch: {exc}") from None
    if response.status_code >= 400:
        raise TargetError(url, f"answered {response.status_code}", response.status_code)
    return decode(response.content), response.headers.get("Content-Type", "")


@functools.cache
def _http(https: bool) -> httpx.Client:
    """One client per process and scheme (certificates are loaded once, for https only);
    no environment proxy, no redirect followed, as the audit reports what a URL answers."""
    return httpx.Client(transport=httpx.HTTPTransport(verify=https), trust_env=False,
                        follow_redirects=False)


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode(data: bytes) -> str:
    """Decode a page as a browser does: a byte order mark decides the encoding and is not
    text (left in, it would start the body before <head>); else UTF-8."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def _text(data: bytes, where: str) -> str:
    """Decode a page; a binary file is not one."""
    if b"\0" in data[:8192] and not data.startswith(_BOMS[1][0]) and \
            not data.startswith(_BOMS[2][0]):
        raise NotAPage(where, "a binary file, not an HTML page")
    return decode(data)


def _local_script(raw_src: str | None, page_file: Path, root: Path) -> str | None:
    """Find a site-relative script (``/x.js``) in the page's folder or one above it."""
    if not raw_src or "://" in raw_src or raw_src.startswith("//"):
        return None
    relative = raw_src.split("?")[0].split("#")[0].lstrip("/")
    folder = page_file.parent
    while relative:
        candidate = folder / relative
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8", errors="replace")
        if folder == root or folder.parent == folder or root not in folder.parents:
            return None
        folder = folder.parent
    return None


def _reader(where: str, root: Path | None) -> tuple[Callable[[str], str | None],
                                                     Callable[[str], bool]]:
    """Return ``read(src)``: the text of a script the page loads, when it is the site's own
    (beside the page on disk, or on the page's origin), else None; each read once. And
    ``absent(src)``: whether the site answered asking for it with an error status (not a
    timeout or a reset, which say nothing of the file)."""
    cache: dict[str, str | None] = {}
    refused: set[str] = set()

    def read(src: str) -> str | None:
        if src not in cache:
            if src.strip().lower().startswith("data:"):
                cache[src] = data_url_text(src.strip())
            elif root is not None:
                cache[src] = _local_script(src, Path(where), root)
            else:
                url = resolve(where, src)  # "" where the browser cannot parse it
                same = bool(url) and urlsplit(url).netloc == urlsplit(where).netloc and \
                    is_url(url)
                try:
                    cache[src] = fetch(url)[0] if same else None
                except TargetError as exc:
                    cache[src] = None
                    if exc.status is not None:
                        refused.add(src)
        return cache[src]

    def absent(src: str) -> bool:
        return read(src) is None and src in refused
    return read, absent


def load_static(where: str, root: Path | None) -> Page:
    """Parse one page from disk or the network, reading the site's own scripts it loads."""
    if root is None:
        source, kind = fetch(where)
        if kind and not any(t in kind for t in ("html", "xml")):
            raise NotAPage(where, f"served as {kind.split(';')[0]}, not an HTML page")
        # (the served type decides, as in the browser: XHTML at a .html address too)
        page = parse(source, where, base=where, xml=served_as_xml(kind))
    else:
        path = Path(where)
        try:
            source = _text(path.read_bytes(), where)
        except OSError as exc:
            raise TargetError(where, f"cannot read: {exc.strerror}") from None
        page = parse(source, where, base="http://page.invalid/" + path.name,
                     xml=path.suffix.lower() == ".xhtml")
    # (fetched from the site, a file of its origin it does not answer with is missing; on
    # disk, one not found may be the folder above the one audited: not known missing)
    page.reader, absent = _reader(where, root)
    page.absent = absent if root is None else None
    for script in page.scripts:
        text = page.reader(script.raw_src) if script.raw_src else None
        if text is not None:
            _read_script(script, text)
    return page


def _read_script(script: Script, text: str) -> None:
    """Keep what a loaded script runs: whether it defines the opt-out, what it inserts."""
    script.attrs["_defines_optout"] = defines_optout_in(text)
    script.code = text


def load_rendered(targets: list[tuple[str, Path | None]], browser_name: str = "chromium",
                  concurrency: int = 4, fresh: bool = True) -> Iterator[Page | TargetError]:
    """Yield each page's live DOM once its scripts ran (tag-manager injections included), or
    the error that kept it from rendering.

    Pages load a few at a time, each in a fresh context, so no cookie or consent choice
    carries from one page to the next; results come back in the order given. Not *fresh*,
    each slot keeps one tab and takes it from page to page, its cookies cleared between
    (storage is not): far quicker where opening a tab is slow (Firefox), for pages that
    keep nothing in storage, or keep it on hosts of their own.
    """
    from ..concurrency import run_async

    return iter(run_async(_render_all(targets, browser_name, concurrency, fresh)))


async def _render_all(targets, browser_name: str, concurrency: int, fresh: bool) -> list:
    import asyncio

    from playwright.async_api import Error, async_playwright

    from ..remote import BrowserPool, files

    async with async_playwright() as playwright, \
            BrowserPool(playwright, browser_name, concurrency) as pool:
        tabs: list = []  # not fresh: (context, page) free for the next target

        async def tab(browser):
            if tabs:
                return tabs.pop()
            context = await browser.new_context(
                user_agent=visitor_user_agent(browser_name, browser.version))
            await context.add_init_script(MARK_INSERTED)
            await context.add_init_script(AS_A_VISITOR)
            await context.clock.install()
            return context, await context.new_page()

        async def render(where: str, root: Path | None) -> Page | TargetError:
            url = where if root is None else Path(where).resolve().as_uri()
            if root is not None:
                try:
                    _text(Path(where).read_bytes(), where)
                except TargetError as exc:  # a binary file is no page, rendered or not
                    return exc
                except OSError as exc:
                    return TargetError(where, f"cannot read: {exc.strerror}")
            async with pool.slot() as browser:
                context = page = traffic = None
                kept = False
                routed: list = []  # the tab's own route, until it has served
                try:
                    context, page = await tab(browser)
                    if browser_name == "firefox" and root is None:
                        # A pattern Playwright matches itself (a Python predicate is asked
                        # of every request the page makes), given up once it has served.
                        document = re.compile("^" + re.escape(url.split("#")[0]) + "$")

                        async def serve(route, document=document, page=page):
                            await page.unroute(document)
                            routed.clear()
                            await shadowroots.serve_serialisable(route, page.context)

                        await page.route(document, serve)
                        routed.append(document)
                    traffic = Traffic(page)
                    goto = url
                    if root is not None and pool.remote:  # it cannot open our file:// URLs
                        goto = await files.route_files(context, root, where)
                    response = await page.goto(goto, wait_until="load", timeout=15000)
                    if response is not None and response.status >= 400:
                        return TargetError(where, f"answered {response.status}")
                    await settle(page, traffic)
                    optout, kind = await page.evaluate(WHERE_SCRIPTS_ARE, traffic.served)
                    dom = await _serialise(page)
                    if not fresh:
                        if routed:  # (a round trip only where a route is left)
                            await page.unroute_all()
                        await context.clear_cookies()
                        kept = True
                except Error as exc:
                    return TargetError(where, f"cannot render: {exc.message}")
                finally:
                    if traffic is not None:
                        traffic.detach()
                    if kept:
                        tabs.append((context, page))
                    elif context is not None:
                        await context.close()
            parsed = parse(dom, where, base=url, rendered=True, xml=served_as_xml(kind))
            parsed.defines_optout = optout
            return parsed

        try:
            return list(await asyncio.gather(*(render(w, r) for w, r in targets)))
        finally:
            for context, _ in tabs:
                await context.close()


# Scripts that page code puts in the document never block parsing: mark them, so the
# rendered DOM tells them from the tags the page was written with; and scripts that arrive
# as markup never run: mark those as inert.
MARK_INSERTED = """(() => {
  // Kept in sets, the truth, and as attributes at once (a script inserted while the page is
  // read is marked already); a loader that re-creates scripts attribute by attribute copies
  // the attributes too, so a script inserted is cleared of an inert mark not its own.
  const marks = {inserted: new Set(), inert: new Set()};
  Object.defineProperty(window, '__webtrackMarks', {value: marks});
  const setAttribute = Element.prototype.setAttribute;
  const removeAttribute = Element.prototype.removeAttribute;
  marks.inert.add = function (s) {
    setAttribute.call(s, 'INERT', '');
    return Set.prototype.add.call(this, s);
  };
  // Whether a script with a src runs is decided each time it goes into the document, until
  // once it passes (a type restored later changes nothing: jQuery puts markup's scripts in
  // so, then loads their src itself; moved back in, it is decided again): the attributes
  // that decide it are kept as they were each time, for the audit to judge.
  marks.prepared = new Map();
  // (with its src as resolved then, on the base in effect)
  const deciding = (s) => Object.fromEntries(
    DECIDING.filter((n) => s.hasAttribute(n)).map((n) => [n, s.getAttribute(n)]).concat(
      typeof s.src === 'string' ? [['@src', s.src]] : []));
  const prepared = (s) => {
    if (!s.isConnected || !s.hasAttribute('src')) return;
    if (!marks.prepared.has(s)) marks.prepared.set(s, []);
    marks.prepared.get(s).push(deciding(s));
  };
  // The parser decides its own tags as it puts them in: a type flipped later, without the
  // tag going in again, changes nothing. A mutation observer hears of each before the next
  // script runs (the parser's microtask checkpoint); its src is resolved in Python.
  new MutationObserver((records) => {
    for (const record of records) for (const node of record.addedNodes) {
      if (!node.querySelectorAll) continue;
      const found = node.localName === 'script' ? [node] : [...node.querySelectorAll('script')];
      for (const s of found) {
        if (marks.inserted.has(s) || marks.prepared.has(s) || !s.isConnected ||
            !s.hasAttribute('src')) continue;
        const then = deciding(s);
        delete then['@src'];
        marks.prepared.set(s, [then]);
      }
    }
  }).observe(document, {childList: true, subtree: true});
  const mark = (node) => {
    if (!node || typeof node !== 'object' || !node.nodeType) return;
    // (a tag of the page's that ran, moved later, is still the page's tag)
    if (node.nodeType === 1 && node.localName === 'script' && !(marks.loaded.has(node) &&
        !marks.inserted.has(node))) {
      if (!marks.inserted.has(node)) addEventListener.call(node, 'load', loaded);
      marks.inserted.add(node);
      setAttribute.call(node, 'MARK', '');
      if (!marks.inert.has(node)) removeAttribute.call(node, 'INERT');
    }
    if (node.querySelectorAll) node.querySelectorAll('script').forEach(mark);
  };
  // A script that loaded and was then taken out ran all the same (a loader tidying up,
  // jQuery's script transport): it is put back where it was before the DOM is read (its
  // "already started" keeps it from running again); one that failed to load never ran.
  marks.removed = [];
  marks.loaded = new WeakSet();
  const addEventListener = EventTarget.prototype.addEventListener;
  // Where each was when it ran: its load event comes right after (it may be moved later).
  marks.ranInHead = new WeakMap();
  // ... and the site it named then (what the tracker read as it ran; set later, it saw none).
  marks.ranSite = new Map();
  const getAttribute = Element.prototype.getAttribute;
  const loaded = (event) => {
    const s = event.target;
    if (!marks.loaded.has(s) && s.isConnected) {
      marks.ranInHead.set(s, !!s.closest('head'));
      marks.ranSite.set(s, getAttribute.call(s, 'data-site'));
    }
    marks.loaded.add(s);
  };
  // (the page's own tags: a load event reaches the document, never the window)
  addEventListener.call(document, 'load', (event) => {
    if (event.target.localName === 'script') loaded(event);
  }, true);
  // A tag of the page's with a src, neither async nor put in by a script, has loaded or
  // failed once the document is parsed; one that did neither never ran (a <script> the
  // page ends in, unclosed, is marked started at the end of the file).
  const settled = new WeakSet();
  for (const type of ['load', 'error'])
    addEventListener.call(document, type, (event) => settled.add(event.target), true);
  // A script the browser is fetching to run holds the page's clock: a loader that times
  // its loads (RequireJS gives up after 7 s) must not see ten minutes pass meanwhile.
  // Whether one is fetched at all was decided as it went in (see marks.prepared): a type
  // set to JavaScript later fetches nothing (the rules of page.runs_as_script).
  const kindOf = (a) => {
    const kind = (Object.hasOwn(a, 'type') ? a.type :
      a.language ? 'text/' + a.language : '').trim().toLowerCase();
    return kind === 'module' ? kind : kind === '' || JS_TYPES.includes(kind) ? 'classic' : null;
  };
  const runsWith = (a) => {
    const kind = kindOf(a);
    if (kind !== 'classic') return kind === 'module';
    if (Object.hasOwn(a, 'nomodule')) return false;
    return !(Object.hasOwn(a, 'for') && Object.hasOwn(a, 'event')) ||
      (a.for.trim().toLowerCase() === 'window' &&
       ['onload', 'onload()'].includes(a.event.trim().toLowerCase()));
  };
  marks.kindOf = kindOf;
  marks.runsWith = runsWith;  // (tests/test_audit_settle.py holds them to page.py's)
  const fetched = (s) => {
    const times = marks.prepared.get(s);
    const then = times ? times.find((t) => kindOf(t) !== null) : deciding(s);
    return !!then && runsWith(then);
  };
  marks.loading = () => [...document.scripts].filter((s) => s.hasAttribute('src') &&
    !settled.has(s) && !marks.inert.has(s) && fetched(s)).length;
  // A script that failed though its file was served (200) was refused by the browser: its
  // integrity hash, its CORS mode, its MIME type; it never ran (see WHERE_SCRIPTS_ARE).
  marks.failed = new Set();
  addEventListener.call(document, 'error', (event) => {
    if (event.target.localName === 'script') marks.failed.add(event.target);
  }, true);
  // ... or by the page's security policy (a <meta> one): its address was never asked for.
  marks.blocked = new Set();
  addEventListener.call(document, 'securitypolicyviolation', (event) => {
    if (event.effectiveDirective.startsWith('script-src')) marks.blocked.add(event.blockedURI);
  }, true);
  // An async one may load later; but an unclosed one is the last thing the parser put in
  // the page: it is never run if, the page settled, it has still neither loaded nor failed.
  const unsettled = (s) => s.hasAttribute('src') && !marks.inserted.has(s) && !settled.has(s);
  addEventListener.call(document, 'DOMContentLoaded', () => {
    for (const s of document.scripts)
      if (unsettled(s) && !s.hasAttribute('async')) marks.inert.add(s);
    let last = document.documentElement;
    while (last && last.lastElementChild) last = last.lastElementChild;
    marks.last = last;
  }, true);
  marks.neverRan = () => {
    const s = marks.last;
    if (s && s.localName === 'script' && s.hasAttribute('async') && unsettled(s))
      marks.inert.add(s);
  };
  // Chromium takes a <base href> it cannot parse for no base at all (baseURI about:blank),
  // so every relative src after it fails, in shadow roots too (its error event may come
  // after the page is read): told on <html>, for the page's scripts to be read so. The
  // getters are the page's own as it began (a page may redefine them).
  const baseOf = Object.getOwnPropertyDescriptor(Node.prototype, 'baseURI').get;
  const canParse = URL.canParse;
  marks.baseless = () => {
    if (!canParse.call(URL, 'x', baseOf.call(document)))
      setAttribute.call(document.documentElement, 'NO_BASE', '');
  };
  const appendChild = Node.prototype.appendChild;
  const insertBefore = Node.prototype.insertBefore;
  // A script put in a <template> element itself (not its content) or a <noscript> is
  // connected and runs there; the markup would hide it (a template's children are not
  // serialised, a noscript's are text): it is read where it ran, before that element.
  // An element named script in no HTML or SVG namespace (createElementNS) never runs.
  marks.unhide = () => {
    for (const s of marks.inserted) {
      const box = s.isConnected && !marks.inert.has(s) && s.parentElement &&
        s.parentElement.closest('template, noscript');
      if (box && box.parentNode) insertBefore.call(box.parentNode, s, box);
    }
    for (const s of document.querySelectorAll('script'))
      if (!['http://www.w3.org/1999/xhtml', 'http://www.w3.org/2000/svg'].includes(
          s.namespaceURI)) marks.inert.add(s);
  };
  const removed = (node) => {
    if (node && node.localName === 'script' && node.isConnected && node.hasAttribute('src')
        && !marks.inert.has(node)) {
      marks.removed.push([node, node.parentNode]);
      // (out of the document, its load event no longer reaches the document's listener)
      addEventListener.call(node, 'load', loaded);
    }
  };
  const removeChild = Node.prototype.removeChild;
  Node.prototype.removeChild = function (node) {
    removed(node);
    return removeChild.call(this, node);
  };
  const remove = Element.prototype.remove;
  Element.prototype.remove = function () { removed(this); return remove.call(this); };
  marks.restore = () => marks.removed.forEach(([s, parent]) => {
    if (!s.isConnected && marks.loaded.has(s))
      appendChild.call(parent.isConnected ? parent : document.head, s);
  });
  // Shadow roots as they are attached, closed ones too: a browser without the DevTools
  // protocol (Firefox) cannot reach a closed one otherwise.
  marks.roots = [];
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (...args) {
    const root = attachShadow.apply(this, args);
    marks.roots.push(root);
    return root;
  };
  const wrap = (proto, name, pick) => {
    const original = proto[name];
    if (typeof original !== 'function') return;
    proto[name] = function (...args) {
      const nodes = pick(args);
      nodes.forEach(mark);
      // (taken first: a fragment is emptied as it goes in)
      const going = nodes.flatMap((n) => !n || !n.nodeType ? [] :
        (n.localName === 'script' ? [n] : []).concat(scripts(n)));
      const result = original.apply(this, args);
      going.forEach(prepared);
      return result;
    };
  };
  for (const name of ['appendChild', 'insertBefore', 'replaceChild'])
    wrap(Node.prototype, name, (args) => args.slice(0, 1));
  for (const name of ['append', 'prepend', 'before', 'after', 'replaceWith', 'replaceChildren'])
    wrap(Element.prototype, name, (args) => args);
  wrap(Element.prototype, 'insertAdjacentElement', (args) => args.slice(1, 2));
  wrap(Range.prototype, 'insertNode', (args) => args.slice(0, 1));
  // Markup is parsed where the element is: in the document, or in a detached tree that
  // is put in the document later.
  const scripts = (root) => root.querySelectorAll ? [...root.querySelectorAll('script')] : [];
  // (a template's markup goes into its content).
  // The root is taken first: outerHTML leaves the element outside it.
  const around = (el, root) => scripts(root).concat(el.content ? scripts(el.content) : []);
  const inert = (fn) => function (...args) {
    const root = this.getRootNode();
    // The scripts the markup replaces are taken out: one that started still runs.
    if (this.querySelectorAll) this.querySelectorAll('script').forEach(removed);
    const before = new Set(around(this, root));
    const result = fn.apply(this, args);
    for (const s of around(this, root)) if (!before.has(s)) marks.inert.add(s);
    return result;
  };
  Element.prototype.insertAdjacentHTML = inert(Element.prototype.insertAdjacentHTML);
  for (const proto of [Element.prototype, ShadowRoot.prototype]) {
    for (const name of ['innerHTML', 'outerHTML']) {
      const property = Object.getOwnPropertyDescriptor(proto, name);
      if (property && property.set)
        Object.defineProperty(proto, name, {...property, set: inert(property.set)});
    }
    if (proto.setHTMLUnsafe) proto.setHTMLUnsafe = inert(proto.setHTMLUnsafe);
  }
  // A parsed document's scripts never run, wherever they are moved.
  const parse = DOMParser.prototype.parseFromString;
  DOMParser.prototype.parseFromString = function (...args) {
    const doc = parse.apply(this, args);
    scripts(doc).forEach((s) => marks.inert.add(s));
    return doc;
  };
  const parseUnsafe = Document.parseHTMLUnsafe;
  if (parseUnsafe) Document.parseHTMLUnsafe = function (...args) {
    const doc = parseUnsafe.apply(this, args);
    scripts(doc).forEach((s) => marks.inert.add(s));
    return doc;
  };
  // A copy of a script that already ran is marked as having run: it never runs again.
  const copies = (original, copy) => {
    const mine = (n) => (n.localName === 'script' ? [n] : []).concat(scripts(n));
    const from = mine(original), to = mine(copy);
    from.forEach((s, i) => {
      const ran = s.isConnected && (s.hasAttribute('src') || s.text);
      // (a copy keeps "already started": one of innerHTML's scripts stays inert too)
      if ((ran || marks.inert.has(s)) && to[i]) marks.inert.add(to[i]);
    });
    return copy;
  };
  const clone = Node.prototype.cloneNode;
  Node.prototype.cloneNode = function (...args) { return copies(this, clone.apply(this, args)); };
  const imported = Document.prototype.importNode;
  Document.prototype.importNode = function (node, ...rest) {
    return copies(node, imported.call(this, node, ...rest));
  };
})();""".replace("INERT", INERT_MARK).replace("MARK", INSERTED_MARK).replace(
    "NO_BASE", NO_BASE_MARK).replace(
    "PREPARED", PREPARED_MARK).replace("DECIDING", json.dumps(DECIDING)).replace(
    "JS_TYPES", json.dumps(sorted(JS_TYPES)))

# Each tab's DevTools session, kept while the tab goes from page to page (two round trips
# fewer a page); None: the browser has none (not Chromium).
_SESSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def _serialise(page) -> str:
    """The live DOM as markup, shadow roots included (their scripts ran): in Chromium
    every one, closed ones too (DevTools protocol), elsewhere the open ones."""
    from playwright.async_api import Error

    for _attempt in range(2):
        if page not in _SESSIONS:
            try:
                _SESSIONS[page] = await page.context.new_cdp_session(page)
            except Exception:  # not Chromium
                _SESSIONS[page] = None
        session = _SESSIONS[page]
        if session is None:
            return await page.evaluate(WITH_OPEN_SHADOW_ROOTS)
        try:
            root = (await session.send("DOM.getDocument", {"depth": 0}))["root"]["nodeId"]
            return (await session.send("DOM.getOuterHTML", {
                "nodeId": root, "includeShadowDOM": True}))["outerHTML"]
        except Error:
            del _SESSIONS[page]  # (a session the tab's navigation ended: a new one)
    raise Error("the tab's DevTools session ended twice")


WITH_OPEN_SHADOW_ROOTS = """() => {
  const roots = [];
  const walk = (root) => root.querySelectorAll('*').forEach((el) => {
    if (el.shadowRoot) { roots.push(el.shadowRoot); walk(el.shadowRoot); }
  });
  walk(document);
  // Closed ones, as they were attached (see MARK_INSERTED), or as a script inserted in one
  // finds its root.
  const marks = window.__webtrackMarks || {inserted: new Set(), roots: []};
  const closed = [...marks.roots, ...[...marks.inserted].map((s) => s.getRootNode())];
  for (const root of closed) {
    if (root instanceof ShadowRoot && root.host.isConnected && !roots.includes(root)) {
      roots.push(root);
      walk(root);
    }
  }
  const html = document.documentElement;
  const open = html.cloneNode(false).outerHTML.replace(/<\\/html>$/, '');
  return (document.doctype ? '<!DOCTYPE html>' : '') + open +
    html.getHTML({serializableShadowRoots: true, shadowRoots: roots}) + '</html>';
}"""

WHERE_SCRIPTS_ARE = f"""(served) => {{
  const marks = window.__webtrackMarks;
  if (marks) {{
    marks.failed.forEach((s) => {{
      if (served.includes(s.src) || marks.blocked.has(s.src)) marks.inert.add(s);
    }});
    marks.restore();
    marks.unhide();
    marks.neverRan();
    marks.baseless();
    marks.ranSite.forEach((site, s) => site === null ? s.removeAttribute('data-site') :
      s.setAttribute('data-site', site));
    marks.inserted.forEach((s) => s.setAttribute('{INSERTED_MARK}', ''));
    marks.inert.forEach((s) => s.setAttribute('{INERT_MARK}', ''));
    marks.prepared.forEach((times, s) => s.setAttribute('{PREPARED_MARK}', JSON.stringify(times)));
  }}
  const ranInHead = marks ? marks.ranInHead : new WeakMap();
  document.querySelectorAll('script').forEach((s) => s.setAttribute('{IN_HEAD_MARK}',
    (ranInHead.has(s) ? ranInHead.get(s) : s.closest('head')) ? '1' : '0'));
  // (and, in the same round trip, whether it defines the opt-out and the type it was
  // served as, which decides whether it was parsed as XML)
  return [typeof window.disableCookiesUsage === 'function', document.contentType];
}}"""

