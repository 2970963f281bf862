"""Every install of the tracker a page makes: tags, loader snippets, ``document.write`` and
tag containers, each with where it lands and when it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from . import csp, integrity, loaders, syntax
from .config import AuditConfig
from .jsvalues import HOLE
from .nodes import Inserted
from .page import Addressed, Page, origin_of, resolve, runs_as_script

HOW = {"tag": "directly", "inserted": "by a loader snippet", "written": "by document.write",
       "imported": "by import()", "evaluated": "by eval of a fetched copy",
       "unread": "by a script the audit cannot parse",
       "unresolved": "from an address only the browser knows"}


@dataclass
class Install(Addressed):
    """One way the page puts the tracker (or a tag container that loads it) in place."""

    how: str  # tag, inserted, written, imported, evaluated, unread (unresolved: maybe not
    # the tracker)
    src: str | None  # absolute; a HOLE stands for what the page computes at run time
    attrs: dict = field(default_factory=dict)
    in_head: bool = True
    line: int | None = None
    timing: str = "async"  # sync, defer, async
    index: int = 0  # the script it comes from, in document order
    container: bool = False
    speculative: bool = False  # only if an API the audit cannot see calls back
    # A container whose run reached what only the browser knows (its rules fetched, code
    # it cannot read): it counts as an install, not as the nothing the audit saw it install.
    doubt: bool = False
    # Why the browser refuses to run what webtrack's collector serves for it, if it does.
    refused: str = ""

    @property
    def site(self) -> str | None:
        return self.attrs.get("data-site")

    def describe(self) -> str:
        what = "the tag container" if self.container else HOW[self.how]
        return f"{what} (line {self.line})"


def classify(src: str | None, config: AuditConfig) -> str | None:
    """``tracker``, ``container`` or None for a script address."""
    if not src:
        return None
    parts = urlsplit(src)
    # What only the browser knows may come before the file ('/v/' + Date.now() +
    # '/tracker.js'), not in it.
    # A server reads the path percent-decoded (tracker%2Ejs is the tracker's file).
    tail = unquote(parts.path).rsplit(HOLE, 1)[-1]
    if any(tail.endswith(p) for p in config.tracker_paths):
        return "tracker"
    where = parts.netloc.lower() + parts.path  # a host is any case
    if any(_is_container(where, parts.query, c) for c in config.tag_containers):
        return "container"
    return None


def _is_container(where: str, query: str, configured: str) -> bool:
    """Whether a script at *where* (host and path) with *query* is the *configured*
    container: its host and path are part of *where*, and a query it names
    (``gtm.js?id=GTM-A``) is in *query*, parameter by parameter, in any order
    (``?l=dl&id=GTM-A``), each value whole (``GTM-AB`` is another container)."""
    path, _, wanted = configured.partition("?")
    if path not in where:
        return False
    have = parse_qsl(query, keep_blank_values=True)
    return all(pair in have for pair in parse_qsl(wanted, keep_blank_values=True))


def _timing(attrs: dict) -> str:
    if "async" in attrs:
        return "async"
    if "defer" in attrs or str(attrs.get("type", "")).lower() == "module":
        return "defer"
    return "sync"


def could_be_tracker(src: str | None, config: AuditConfig) -> bool:
    """Whether an address whose file part only the browser knows may be the tracker's
    (``cfg.url``, ``base + name + '.js'``): the part after its last hole ends a tracker path."""
    if not src or HOLE not in src:
        return False
    path = urlsplit(src).path
    if HOLE not in path:
        return False  # the file is known: classify() decided
    tail = path.rsplit(HOLE, 1)[-1]
    return any(p.endswith(tail) for p in config.tracker_paths)


def _is_module(attrs: dict) -> bool:
    return str(attrs.get("type", "")).strip().lower() == "module"


def _runs_of(inserted: Inserted) -> set:
    """The runs that put *inserted* in: the files (by ``id``) and the page script (by its
    position) along the way."""
    runs: set = set()
    by = inserted.by
    for _ in range(64):
        if not isinstance(by, Inserted):
            break
        runs.add(id(by))
        by = by.by
    if isinstance(by, int):
        runs.add(by)
    return runs


def find(page: Page, config: AuditConfig) -> list[Install]:
    """Return the page's installs in document order (see ``find_all``)."""
    return find_all(page, config)[0]


def find_all(page: Page, config: AuditConfig) -> tuple[list[Install], list[Install]]:
    """Return the page's installs in document order, and the scripts it loads from an
    address only the browser knows that may be the tracker (``how`` is ``unresolved``).

    Statically, the page's scripts are run abstractly (``loaders``) to find what they
    insert, write or import. Rendered, the browser already did that: every script is in the
    DOM, and a container's injected tracker is counted in place of the container.
    """
    live = [s for s in page.scripts if not s.in_noscript]
    found: list[Install] = []
    modules: set[str] = set()  # a module runs once per address, however often it is loaded
    tags: list[tuple[Install, int]] = []  # the page's tags, by their place among live
    for position, script in enumerate(live):
        kind = classify(script.src, config) if script.runs else None
        # A module tag of an address a module tag before it has is the same module: it
        # runs once (the module map is keyed by the parsed address).
        again = script.src in modules and _is_module(script.attrs)
        if kind == "container" and _missing(page, script.raw_src, script.src):
            kind = None  # the site's own file is missing: the browser runs nothing
        if (kind == "tracker" or (kind == "container" and not page.rendered)) and not again:
            how = "inserted" if script.inserted else "tag"
            found.append(Install(how, script.src, script.attrs, script.in_head, script.line,
                                 script.timing, script.index, kind == "container"))
            tags.append((found[-1], position))
        if script.src and _is_module(script.attrs):
            modules.add(script.src)
    # The tracker is what is being installed, not a loader to follow; so are containers,
    # but one whose file the audit reads (the site's own, a tag or put in by a snippet) is
    # run, and what it installs stands in its place, where it puts it (a container in
    # <body> injecting into <head>), or nothing when it installs nothing, as the rendered
    # audit counts it; unless its run reached what only the browser knows (tags it
    # fetches, code it cannot read): then it counts as an install, as a container the
    # audit cannot read does.
    read = {i for i, s in enumerate(live) if not page.rendered and s.code and s.runs and
            classify(s.src, config) == "container"}
    loaded, unread = loaders.run_page(page, skip={
        i for i, s in enumerate(live) if classify(s.src, config)} - read, follow=lambda src:
        classify(resolve(page.base, src), config) != "tracker" if not page.rendered else
        not classify(resolve(page.base, src), config))
    for install, position in tags if not page.rendered else []:
        install.attrs = page.ran_with.get(position, install.attrs)  # what it ran with
    if page.replaced and not page.rendered:
        found = []  # the page's own tags went with the document document.open() replaced
    if page.rendered:
        # The browser ran everything; only import() and eval of a fetched script leave
        # nothing in the DOM to see.
        loaded, unread = [i for i in loaded if i.inserted.how in ("imported", "evaluated")], []
    unresolved: list[Install] = []
    # Containers whose file was read and run, each with its run (see Browser.owner),
    # whether that run reached what only the browser knows, and the page's tag it is (the
    # page's tags first, then those put in: None).
    runs: list[tuple[Install, object, bool, object]] = [
        (t, p, p in page.doubted, live[p]) for t, p in tags if p in read]
    seen_from: set = set()  # the runs that put in what the audit saw
    for item in loaded:
        attrs = item.inserted.attrs
        if "src" not in attrs or not runs_as_script(attrs):
            continue
        raw = str(attrs["src"] if item.inserted.src is None else item.inserted.src).strip()
        # An address that starts with what only the browser knows has an unknown origin.
        src = raw if raw.startswith(HOLE) else resolve(item.inserted.base or page.base, raw)
        if _is_module(attrs):
            if src in modules:
                continue
            modules.add(src)
        kind = classify(src, config)
        attrs = item.inserted.ran_with or attrs
        # A handler attribute runs after every script (a page may have none).
        index = live[item.index].index if item.index < len(live) else len(page.scripts)
        how = item.inserted.how
        if kind == "container" and (page.rendered or _missing(page, raw, src)):
            continue  # what it injected is in the DOM, counted in its place (as its tags);
            # (nothing, when the site's own file is missing)
        if kind:
            timing = "async" if how in ("inserted", "imported", "evaluated") else \
                _timing(attrs)
            found.append(Install(how, src, attrs, item.inserted.in_head, item.inserted.line,
                                 timing, index, kind == "container",
                                 item.inserted.speculative))
            if kind == "container" and item.inserted.ran:
                runs.append((found[-1], id(item.inserted), item.inserted.doubt, None))
            seen_from.update(_runs_of(item.inserted))
        elif could_be_tracker(src, config) and not page.rendered:
            unresolved.append(Install("unresolved", src, attrs, item.inserted.in_head,
                                      item.inserted.line, "async", index))
    # (one it cannot parse counts, unless it is no JavaScript at all: then it never ran)
    unparsed = {id(script) for script, _ in unread if syntax.compiles(
        script.code or "", _is_module(script.attrs)) is not False}
    # A container whose run reached what only the browser knows and put in nothing the
    # audit saw stays: what it installs, only the browser knows. One it read otherwise
    # (and could parse) is replaced by what it installs.
    for install, run, doubted, _tag in runs:
        install.doubt = doubted and run not in seen_from
    replaced = [i for i, _run, _doubted, tag in runs if not i.doubt and id(tag) not in unparsed]
    found = [i for i in found if not any(i is c for c in replaced)]
    for script, _error in unread:
        text = script.code or ""
        # Newer syntax the browser runs counts; a syntax error never runs at all.
        if any(p in text for p in config.tracker_paths + config.tag_containers) and \
                syntax.compiles(text, _is_module(script.attrs)) is not False:
            found.append(Install("unread", None, {}, script.in_head, script.line, "async",
                                 script.index))
    if not page.rendered:  # (rendered, the browser refused it already: it never ran)
        policies = csp.meta_policies(page)
        for install in found:
            if classify(install.src, config) == "tracker":
                install.refused = integrity.refusal(install.attrs, origin_of(
                    install.src) != origin_of(page.url or page.base)) or _blocked(
                    install, policies, page)
    return sorted(found, key=lambda i: (i.index, i.line or 0)), unresolved


def _missing(page: Page, raw: str | None, src: str | None) -> bool:
    """Whether the script *raw* loads (*src*: resolved as the browser did, on the base in
    effect) is the site's own file and the site refuses it (a 404): the browser runs
    nothing. Not rendered: there the browser said what ran."""
    if page.rendered or page.absent is None or not raw or not src:
        return False
    own = urlsplit(src).netloc == urlsplit(page.url or page.base).netloc
    return own and not raw.strip().lower().startswith(("data:", "blob:")) and \
        page.absent(src)


def _blocked(install: Install, policies: list[tuple[int, str]], page: Page) -> str:
    """Why the page's security policy metas parsed before *install* block it, if they do."""
    nonce = install.attrs.get("nonce")
    return csp.refusal([text for before, text in policies if before <= install.index],
                       install.src or "", page.url or page.base,
                       str(nonce) if nonce is not None else None,
                       install.how in ("tag", "written"))
