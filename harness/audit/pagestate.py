"""What a page's scripts run against, before any of the document's APIs: where the
running script stands, the callbacks it leaves, the page's security policy, and the
members and nested code the evaluator reaches back for."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from . import asyncapis
from .jsbuiltins import (
    CookieJar,
)
from .jsvalues import (
    UNDEF,
    UNKNOWN,
    Function,
    Global,
    JSObject,
    Native,
    known,
)
from .modules import Modules
from .nodes import Element, Inserted, Place, attrs_of
from .undeclared import Undeclared

if TYPE_CHECKING:
    from .dom import Browser
    from .jseval import Evaluator


CALLABLE = (Function, Native)
MAX_INSERTED = 256  # scripts a page's code inserts that later queries see
INTERVAL_RUNS = 3  # an interval not cleared runs this often: enough to count it twice
# How far ahead a page's timers are followed (the rendered audit brings its clock this far).
SETTLE_MS = 10 * 60 * 1000


class PageState:
    """The state a page's scripts share; ``evaluator`` is set by whoever runs them."""

    window: Global
    document: JSObject
    location: JSObject

    def __init__(self, base: str, scripts: list[tuple[bool, dict]],
                 ids: dict[str, tuple[bool, dict]] | None = None, soup=None,
                 base_uri: str | None = None) -> None:
        self.base = base  # the document's address (location)
        self.base_uri = base_uri or base  # what relative URLs resolve on (<base href>)
        self.final_base = self.base_uri  # once the parser has passed <base href>
        self.soup = soup  # the parsed page, for selectors beyond head, body and scripts
        # (in <head>, attributes) of every script, in document order: the attributes as
        # scripts set them (see tag_attrs)
        self.scripts = [(head, dict(attrs)) for head, attrs in scripts]
        self.parsed_attrs = [attrs for _, attrs in scripts]
        self.ids = ids or {}  # the page's elements by id: (in <head>, attributes)
        # The page's security policy <meta>s: (the first script each governs, its text).
        self.csp: list[tuple[int, str]] = []
        # The site's own files, by address, where the audit can read them.
        self.reader: Callable[[str], str | None] | None = None
        self.made_ids: dict[str, Element] = {}  # elements scripts inserted, by id
        self.evaluator: Evaluator | None = None
        # Members of undefined read as undefined while a script with optional chaining runs.
        self.lenient_members = False
        self.found: list[Inserted] = []
        # markup, whether written from <head>, the line of the write
        self.written: list[tuple[str, bool, int | None]] = []
        self.written_comments: list[tuple[str, int | None]] = []  # comments it wrote
        self.written_noscript: list[tuple[str, int | None]] = []  # src in <noscript> it wrote
        self.speculative = False  # running a callback an unseen API may (or not) call
        # The run the running code belongs to: a page script's position, or the Inserted
        # whose file it is; callbacks belong to the run that left them.
        self.owner: object = None
        self.doubted: set[int] = set()  # the page scripts whose run is in doubt
        self.queue: _Queue = _Queue(self)
        self.handlers: dict[tuple, tuple] = {}  # (target, onevent) -> its queued call
        # Listeners of events the page may dispatch itself: (target, type) -> listeners.
        self.listeners: dict[tuple[str, str], list] = {}
        self.reporting = False  # running the window's error handlers
        self.defined: dict[str, Callable] = {}  # custom elements: how each is made
        self.index = 0  # the running script's position among the page's scripts
        self.script_tags: list = []  # each script's element in soup, where it has one
        self.xml = False  # an XHTML document: no document.write or open()
        self.imports: dict[str, list[Inserted]] = {}  # module loads by address
        self._order: dict[int, int] | None = None  # soup's elements in document order
        self.in_head = True
        self.deferred = False
        # the running script is external and async or deferred, or a module: it cannot write
        self.external_async = False
        self.blocking = False  # the running script is one document.write put in, blocking
        # document.open() replaced the document once parsed: what is found is in the new one
        self.replaced = False
        self.mutations = 0  # elements put in the document (a MutationObserver's changes)
        self.dispatching: str | None = None  # the page event whose listener runs
        self.current = False  # a classic script runs its top level (currentScript is set)
        self.state = "loading"
        self.line_of = lambda node: None
        self.node = None
        self.head = Place("head", True, True, attrs=attrs_of(soup, "head"), owner=self)
        self.html = Place("html", False, False, attrs=attrs_of(soup, "html"), owner=self)
        self.head.parent = self.html
        self.body = Place("body", False, False, self.html, attrs_of(soup, "body"), owner=self)
        self.inserted: list[Element] = []  # scripts the code put in, in order
        self.parked: dict[int, Place] = {}  # the page's tags that never ran, by their tag
        # (where, the element, the script) of the last append: that place's last child
        self.last_put: tuple[Any, Element, int] | None = None
        self.in_soup: dict[int, Element] = {}  # id() of their tags in the soup -> element
        self.soup_tags: list = []
        self.cookies = CookieJar()
        self.timers = 0  # the last timer id given
        self.cleared: set[float] = set()  # timer ids cleared
        self.blobs: dict[str, str] = {}  # blob: URL -> the text it holds
        self.contents: dict[int, Element] = {}  # id() of a <template> in the soup -> content
        self.modules = Modules(self.browser, self.base_uri, lambda src: None)
        # An <iframe srcdoc>'s document: the page that holds it (its window is the frame's
        # parent and top), whose <head> and <body> the frame's scripts may insert into.
        self.holder: Browser | None = None
        self.undeclared = Undeclared(soup)  # which globals certainly do not exist
        self.undeclared.on_unseen = self.doubt
        self.document = JSObject()

    @property
    def browser(self) -> Browser:
        """This page's whole browser, every concept's methods: what other modules take."""
        return cast("Browser", self)

    def doubt(self) -> None:
        """The running code reached what only the browser knows (code the audit cannot
        read, an API that calls back unseen, an address it cannot compute): mark its run,
        and the runs that put it in, as able to install what the audit does not see."""
        owner = self.owner
        for _ in range(64):  # (a chain of files each putting in the next)
            if not isinstance(owner, Inserted):
                break
            owner.doubt, owner = True, owner.by
        if isinstance(owner, int):
            self.doubted.add(owner)

    def refusal(self, text: str | None, attrs: dict, src: str | None = None,
                parser_inserted: bool = False, attribute: bool = False) -> str:
        """Why the page's security policy metas parsed by now block a script: its *text*
        inline (or an event handler attribute's), or the file at *src* it loads. A script
        of the page's markup is judged as it is parsed, one put in from a callback once the
        whole of ``<head>`` is."""
        from .csp import inline_refusal, refusal

        policies = self._policies(self.deferred and not parser_inserted)
        if not policies:
            return ""
        nonce = attrs.get("nonce")
        nonce = str(nonce) if nonce is not None else None
        if src is not None:
            return refusal(policies, src, self.base, nonce, parser_inserted)
        return inline_refusal(policies, text or "", nonce, attribute)

    def _policies(self, late: bool) -> list[str]:
        return [text for before, text in self.csp if late or before <= self.index]

    def refuses_eval(self) -> None:
        """Throw the EvalError of code run from a string where the page's policy has no
        'unsafe-eval'."""
        from .csp import eval_refusal
        from .jseval import Throw

        if self.csp and eval_refusal(self._policies(self.deferred)):
            raise Throw(UNKNOWN)

    def activity(self) -> int:
        return len(self.found) + len(self.written) + len(self.queue)

    def at(self, node) -> None:
        self.node = node

    def running(self) -> Evaluator:
        """Return the evaluator running the page's scripts."""
        if self.evaluator is None:
            raise RuntimeError("no evaluator runs this page's scripts")
        return self.evaluator

    def line(self) -> int | None:
        return self.line_of(self.node)

    def get_member(self, subject, key):
        from . import dommembers

        return dommembers.get(self.browser, subject, key)

    def set_member(self, subject, key, value) -> None:
        from . import dommembers

        dommembers.set_(self.browser, subject, key, value)

    def set_cookie(self, value) -> None:
        self.cookies.set(value)
        self.document.props["cookie"] = self.cookies.text()

    def _eval(self, this, args):
        if args and isinstance(args[0], str):  # (a fetched file's text too)
            self.refuses_eval()
        if args and isinstance(args[0], asyncapis.FetchedText):  # a fetched file run again
            self.found.append(Inserted("evaluated", {"src": args[0].url}, self.in_head,
                                       self.line()))
        elif args and isinstance(args[0], str) and known(args[0]):
            self.run_nested(args[0])
        elif args and not isinstance(args[0], (float, bool)) and args[0] is not UNDEF:
            self.undeclared.unseen = True  # code the audit cannot read ran
        return UNKNOWN

    def run_nested(self, code: str) -> None:
        from .loaders import run_code

        run_code(self.browser, code)


class _Queue(list):
    """Callbacks to run, each remembering whether it is speculative (see ``Inserted``):
    one queued while a speculative callback runs is too; and the run that left it
    (``Browser.owner``)."""

    def __init__(self, host: PageState) -> None:
        super().__init__()
        self.host = host

    def append(self, entry, speculative: bool = False) -> None:
        if speculative:
            self.host.doubt()
        super().append((*entry[:5], speculative or self.host.speculative, self.host.owner))


def arg0(args):
    return args[0] if args else UNDEF
