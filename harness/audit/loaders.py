"""Run a page's scripts abstractly, in the order a browser does, and return every script
element they put in the document (inserted or written), with where it landed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Set
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

import esprima

from . import csp, jquery, scriptloaders
from .dom import Browser
from .downlevel import downlevel
from .frames import run_frames
from .globalscope import GlobalNames
from .handlers import queue_handler_attributes
from .jseval import Budget, Evaluator, Throw
from .jsvalues import HOLE, JSObject, Native
from .modules import Modules, run_module
from .nodes import Inserted
from .page import Page, Script, resolve

MAX_CALLBACKS = 200
MAX_RUNS = 4  # times one of the site's files is run (see chain)
MAX_CODE = 256 * 1024  # a script larger than this is not followed (it is listed as unread)
MAX_DOWNLEVEL = 64 * 1024  # snippets, not bundles: rewriting costs two more passes


@dataclass
class Loaded:
    """What one script put in the document."""

    inserted: Inserted
    index: int  # the script that did it


class Unparsed(Exception):
    """A script esprima cannot read."""


@lru_cache(maxsize=512)
def parse(code: str, module: bool):
    if len(code) > MAX_CODE:
        raise Unparsed(f"larger than {MAX_CODE // 1024} KiB")
    options = {"loc": True}
    reader = esprima.parseModule if module else esprima.parseScript
    try:
        return reader(code, options)
    except esprima.Error as exc:
        older = downlevel(code, module) if len(code) <= MAX_DOWNLEVEL else code
        if older == code:
            raise Unparsed(str(exc)) from None
        try:
            tree = reader(older, options)
            # ``a?.b`` was read as ``a.b``: where a is undefined, the browser gives
            # undefined, not an error (see _run).
            tree.optional_chains = "?." in code
            return tree
        except esprima.Error:
            raise Unparsed(str(exc)) from None
        except RecursionError:
            raise Unparsed("nested too deeply") from None
    except RecursionError:
        raise Unparsed("nested too deeply") from None


def runs(script: Script) -> bool:
    """Whether the browser executes *script* as JavaScript."""
    return script.runs and bool(script.code)


def _phase(script: Script) -> int:
    """0 while parsing, 1 deferred, 2 async: when the browser runs it."""
    module = str(script.attrs.get("type", "")).strip().lower() == "module"
    if script.src is None:
        return 1 if module else 0
    if "async" in script.attrs:
        return 2
    return 1 if module or "defer" in script.attrs else 0


def _line_of(script: Script):
    raw = script.code or ""
    lead = raw[:len(raw) - len(raw.lstrip())].count("\n")
    base = script.line

    def line_of(node) -> int | None:
        if base is None or node is None or script.src or not getattr(node, "loc", None):
            return base
        return base + node.loc.start.line - 1 - lead
    return line_of


def run_page(page: Page, skip: Set[int] = frozenset(), follow=lambda src: False) -> tuple[
        list[Loaded], list[tuple[Script, str]]]:
    """Return what the page's scripts put in the document, and the scripts that could not
    be read; scripts at the positions in *skip* are not followed. A script the code inserts
    or writes whose address passes *follow* runs too, when the page can read it (the
    site's own loader files)."""
    scripts = [s for s in page.scripts if not s.in_noscript]
    host = Browser(page.url or page.base, [(s.in_head, s.attrs) for s in scripts], page.ids,
                   page.soup, base_uri=page.base)
    host.script_tags = [s.tag for s in scripts]
    host.xml = page.xml
    try:
        done = _run_all(page, host, scripts, skip, follow)
        # What document.write put in comments is in the page as its own comments are.
        page.comments += [c for c in host.written_comments if c not in page.comments]
        page.noscript_written += [s for s in host.written_noscript
                                  if s not in page.noscript_written]
        page.doubted = set(host.doubted)
        return done
    finally:
        host.forget()


def _run_all(page: Page, host: Browser, scripts: list[Script], skip: Set[int],
             follow) -> tuple[list[Loaded], list[tuple[Script, str]]]:
    evaluator = Evaluator(host)
    host.evaluator = evaluator
    host.modules = Modules(host, page.base, lambda src: page.reader(src) if page.reader and
                           follow(src) else None, import_map(page))
    unparsed: list[tuple[Script, str]] = []
    loaded: list[Loaded] = []

    # Each of the site's files is run as often as it is put in (a container inserted twice
    # runs twice in the browser), up to a few times: a file that inserts itself would never end.
    followed: Counter[str] = Counter()

    def chain(found: Inserted, index: int) -> None:
        """Queue the site's own script that *found* loads, as the browser would run it."""
        src = str(found.attrs.get("src", "")).strip()
        if found.how == "imported":
            host.undeclared.unseen = True  # (a module the audit may not have read)
            return  # the module map ran it
        if str(found.attrs.get("type", "")).strip().lower() == "module":
            host.queue.append((Native("module", lambda t, a: host.modules.load(
                src, None, record=False)), [], index, found.in_head, lambda node: found.line))
            return
        again = followed[src] >= MAX_RUNS
        code = host.blobs.get(src) if not again else None
        if code is None:
            code = page.reader(src) if page.reader and src and not again and \
                follow(src) else None
        if not code and src and not again:
            if follow(src):
                host.undeclared.unseen = True  # it runs code the audit does not read
            else:
                host.undeclared.assume_unseen()  # (the tracker: what it does is known)
        if code and host.refusal(None, found.attrs, resolve(found.base or page.base, src),
                                 found.how == "written"):
            code = None  # the page's security policy keeps it from loading
        if code:
            followed[src] += 1
            line = found.line
            # An inserted script is async: the browser ignores what it writes.
            quiet = found.how != "written" or "async" in found.attrs or "defer" in found.attrs

            def load(this, args):
                host.external_async, host.blocking = quiet, not quiet
                host.owner = found  # (what it leaves to run later is its run's too)
                found.ran = run_code(host, code)
            if not quiet and not host.deferred:
                # Written while the page is parsed, it blocks the parser: it runs before
                # the parser goes on, seeing only what was parsed before it.
                owner, current = host.owner, host.current
                host.current = False  # (currentScript: the written tag, not the writer)
                host.document.props["currentScript"] = None
                evaluator.steps = 0
                try:
                    load(None, [])
                    collect(index)  # what it put in or wrote is its run's
                finally:
                    host.owner, host.current = owner, current
                    host.external_async = host.blocking = False
                return
            host.queue.append((Native("loaded", load), [], index, found.in_head,
                               lambda node: line))

    def collect(index: int) -> None:
        if host.replaced:  # document.open(): what was found is in the document it replaced
            host.replaced, page.replaced = False, True
            loaded.clear()
        # (taken first: a written script run from chain() collects what it put in itself)
        batch, host.found = host.found, []
        for found in batch:
            found.speculative = found.speculative or host.speculative
            found.by = host.owner
            if str(found.attrs.get("src", "")).startswith(HOLE):
                host.doubt()  # it loads what only the browser knows
            loaded.append(Loaded(found, index))
            chain(found, index)
        # What one script writes is parsed as one stream, however many calls it took.
        while host.written:
            written, host.written = host.written, []
            markup = "".join(m for m, _, _ in written)
            for found in _from_markup(host, markup, written[0][1], written[0][2]):
                found.speculative = host.speculative
                loaded.append(Loaded(found, index))
                chain(found, index)

    host.reader = page.reader
    host.csp = [(next((i for i, s in enumerate(scripts) if s.index >= before), len(scripts)),
                 text) for before, text in csp.meta_policies(page)]
    if any(s.runs and jquery.is_jquery(s.src) for s in scripts):
        jquery.undefined(host)  # until its tag runs: $(…) before it throws
    for library in {scriptloaders.kind(s.src) for s in scripts if s.runs} - {None}:
        scriptloaders.undefined(host, str(library))
    order = sorted((i for i, s in enumerate(scripts) if (runs(s) or s.runs and _modelled(
        s.src)) and i not in skip), key=lambda i: (_phase(scripts[i]), i))
    unseen = _unseen_from(scripts, skip)
    # The tracker's own tags run where the others do: each runs with the attributes the
    # scripts before it gave it (an async one whenever fetched: as parsed).
    for index in skip:
        if "async" in scripts[index].attrs:
            page.ran_with[index] = dict(scripts[index].attrs)
    for index in order:
        for before in [i for i in skip if i not in page.ran_with and
                       (_phase(scripts[i]), i) < (_phase(scripts[index]), index)]:
            page.ran_with[before] = dict(host.scripts[before][1])
        script = scripts[index]
        host.owner = None
        if (_phase(script), index) >= unseen:
            host.undeclared.unseen = True
        host.owner = index
        if jquery.is_jquery(script.src):  # modelled, not run (see jquery.py)
            jquery.install(host, str(script.src))
            continue
        if scriptloaders.kind(script.src):  # (see scriptloaders.py)
            host.enter(index, script.in_head, _phase(script) > 0, _line_of(script))
            scriptloaders.install(host, str(script.src), script.attrs)
            collect(index)
            continue
        module = str(script.attrs.get("type", "")).strip().lower() == "module"
        host.enter(index, script.in_head, _phase(script) > 0, _line_of(script), not module,
                   "interactive" if _phase(script) > 0 else "loading", script.before_base)
        # The standard raises the ignore-destructive-writes counter while an external or a
        # module script runs: a module's document.write, inline too, is ignored.
        host.external_async = (script.src is not None or module) and _phase(script) > 0
        host.blocking = False
        if host.refusal(script.code if script.src is None else None, script.attrs,
                        script.src, parser_inserted=True):
            continue  # the page's security policy keeps it from running
        evaluator.steps = 0  # each script has its own budget
        try:
            program = parse(script.code, module)
            if module:
                _run(evaluator, program, script.src or page.base)
            else:
                _run(evaluator, program)
        except Unparsed as exc:
            unparsed.append((script, str(exc)))
            host.owner = None  # (what it is, unread, counts as: see installs.find_all)
            host.undeclared.unseen = True  # the browser may run it
        collect(index)
    host.owner = None
    for index in skip:
        page.ran_with.setdefault(index, dict(host.scripts[index][1]))
    if unseen < (3, 0):
        host.undeclared.unseen = True
    run_frames(page, host, max(len(scripts) - 1, 0))
    collect(max(len(scripts) - 1, 0))
    queue_handler_attributes(page, host, len(scripts) - 1)
    for _ in range(MAX_CALLBACKS):
        if not host.queue:
            break
        fn, args, index, in_head, line_of, host.speculative, host.owner = host.queue.pop(0)
        if getattr(fn, "name", "") in ("load", "pageshow"):
            # The window's load waits for the scripts put in before it: they ran with the
            # attributes they had then, not what a load listener gives them.
            for item in loaded:
                if item.inserted.ran_with is None:
                    item.inserted.ran_with = dict(item.inserted.attrs)
        host.enter(index, in_head, True, line_of)
        host.external_async = host.blocking = False
        evaluator.steps = 0
        try:
            evaluator.call(fn, evaluator.host.window, args)
        except Throw:
            host.uncaught()
        except (Budget, RecursionError):
            host.undeclared.unseen = True  # the rest of it ran unseen
        collect(index)
        host.speculative = False
    return loaded, unparsed


def _modelled(src: str | None) -> bool:
    """Whether the audit models the library at *src* rather than run it."""
    return jquery.is_jquery(src) or scriptloaders.kind(src) is not None


def _unseen_from(scripts: list[Script], skip: Set[int]) -> tuple[int, int]:
    """When code the audit does not read first runs, as (phase, position) of the run order:
    a tag whose file it cannot read (another origin's, the tracker, a container), from
    its place on (an async one may run as soon as it is fetched), a deferred one once the
    document is parsed. (3, 0): none."""
    first = (3, 0)
    for index, script in enumerate(scripts):
        if script.runs and script.src is not None and (index in skip or not runs(script)) \
                and not _modelled(script.src):
            first = min(first, (min(_phase(script), 1) if "async" not in script.attrs else 0,
                                index))
    return first


def import_map(page: Page) -> dict[str, str]:
    """The page's import maps' ``imports``, merged (the first to map a specifier wins),
    keys and addresses resolved on the page's base as the browser normalises them."""
    import json

    mapped: dict[str, str] = {}
    for script in page.scripts:
        if script.in_noscript or script.src or str(script.attrs.get(
                "type", "")).strip().lower() != "importmap":
            continue
        try:
            imports = json.loads(script.inline[:MAX_CODE]).get("imports", {})
        except (ValueError, AttributeError, RecursionError):
            continue  # the browser reports it and ignores it
        if not isinstance(imports, dict):
            continue
        for key, value in list(imports.items())[:256]:
            if isinstance(value, str):
                mapped.setdefault(Modules.normalise(key, page.base), urljoin(page.base, value))
    return mapped


def _run(evaluator: Evaluator, program, module: str | None = None) -> None:
    """Run a script, or a module at address *module*, to its end or its first error.

    In a script with optional chaining (rewritten as plain member reads, :func:`parse`), a
    member of undefined or a call of it is undefined, never an error: which reads were
    optional is not kept, and a loader after one must not be judged unreached."""
    host = evaluator.host
    lenient, host.lenient_members = host.lenient_members, getattr(program, "optional_chains",
                                                                  False)
    try:
        if module is not None:
            exports = evaluator.host.modules.exports.setdefault(module, JSObject())
            run_module(evaluator, program, module, exports)
        elif not _clashes(evaluator.host, program):
            evaluator.run_program(program)
    except Throw:
        host.uncaught()  # the script stops there, as it would in the browser
    except (Budget, RecursionError):
        evaluator.host.undeclared.unseen = True  # the rest of it ran unseen
    except Exception as stop:  # a stray break/return at top level ends the script too
        if type(stop).__name__ not in ("_Return", "_Break", "_Continue"):
            raise
    finally:
        host.lenient_members = lenient


def _clashes(host, program) -> str:
    """Why a classic script is a SyntaxError for what earlier ones declared (it runs
    nothing), or ``""``; its names are declared for those that follow otherwise."""
    names = getattr(host, "global_names", None)
    if names is None:
        names = host.global_names = GlobalNames()
    return names.declare(program)


def run_code(host: Browser, code: str) -> bool:
    """Run code a script inserted or wrote (an inline ``<script>``), where it is; return
    whether it could be read."""
    try:
        _run(host.running(), parse(code, False))
    except Unparsed:
        return False
    return True


def _from_markup(host: Browser, markup: str, in_head: bool, line) -> list[Inserted]:
    """Script elements in what ``document.write`` wrote, running any inline ones. The
    markup is parsed where it is written: from ``<head>``, a ``</head>``, ``<body>`` or body
    content before a script puts it in the body; a template's or noscript's never runs."""
    from .page import parse

    written = parse(("<head>" if in_head else "<body>") + markup, "", "about:blank")
    host.written_comments += [(text, line) for text, _ in written.comments]
    found = []
    for script in written.scripts:
        attrs = dict(script.attrs)
        if script.in_noscript and script.raw_src is not None:
            host.written_noscript.append((script.raw_src, line))
        if script.in_noscript or script.raw_src is None and not script.inline:
            continue
        if "src" in attrs:
            found.append(Inserted("written", attrs, in_head and script.in_head, line,
                                  base=host.base_uri))
        elif not host.refusal(script.inline, attrs, parser_inserted=True):
            run_code(host, script.inline)
            found += host.found
            host.found.clear()
    return found
