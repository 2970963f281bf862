"""Standard APIs that call back as the page loads, without the network: promises (with the
state the code gives them: a promise never resolved calls back nothing, a fulfilled one only
its fulfilment handlers), ``MessageChannel`` ports and ``window.postMessage`` (delivered to
what listens once posted), ``document.fonts.ready``. Each callback runs from the page's
queue of callbacks (``Browser.queue``), as the browser runs it after the current script."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .jsvalues import HOLE, UNDEF, UNKNOWN, Function, JSArray, JSObject, Native, known, to_string

if TYPE_CHECKING:
    from .dom import Browser

CALLABLE = (Function, Native)
PENDING, FULFILLED, REJECTED, UNSURE = "pending", "fulfilled", "rejected", "unsure"


class JSPromise(JSObject):
    """A promise the code makes: pending until resolved or rejected (UNSURE: by something
    only the browser knows, whose callbacks may or may not run)."""

    def __init__(self, host: Browser, state: str = PENDING, value=UNDEF) -> None:
        super().__init__()
        self.host, self.state, self.value = host, state, value
        self.reactions: list = []  # (on_fulfilled, on_rejected, the promise then() made)
        self.handled = False  # whether anything took its rejection (then(), await)
        self.props.update({"then": Native("then", self._then),
                           "catch": Native("catch", lambda t, a: self._then(t, [UNDEF, *a])),
                           "finally": Native("finally", self._finally)})

    def settle(self):
        """What ``await`` gives: the value; a rejection throws; pending is unknown."""
        self.handled = True
        if self.state == REJECTED:
            from .jseval import Throw

            raise Throw(self.value)
        return self.value if self.state == FULFILLED else UNKNOWN

    def _then(self, this, args):
        made = JSPromise(self.host)
        self.handled = True
        reaction = (args[0] if args else UNDEF, args[1] if len(args) > 1 else UNDEF, made)
        if self.state == PENDING:
            self.reactions.append(reaction)
        else:
            self._react(reaction)
        return made

    def _finally(self, this, args):
        fn = args[0] if args else UNDEF

        def through(keep_rejected: bool):
            def run(t, a):
                if isinstance(fn, CALLABLE):
                    self.host.running().call(fn, UNDEF, [])
                if keep_rejected:
                    from .jseval import Throw

                    raise Throw(a[0] if a else UNKNOWN)
                return a[0] if a else UNDEF
            return Native("finally", run)
        return self._then(this, [through(False), through(True)])

    def _react(self, reaction) -> None:
        on_fulfilled, on_rejected, made = reaction
        states = [FULFILLED, REJECTED] if self.state == UNSURE else [self.state]
        if self.state == UNSURE:  # what follows is as unsure, whichever way it goes
            made.state, made.value = UNSURE, UNKNOWN
        for state in states:
            handler = on_fulfilled if state == FULFILLED else on_rejected
            self.host.queue.append((Native("reaction", lambda t, a, handler=handler,
                                           state=state: _run_reaction(
                self.host, handler, state, self.value, made)), [], self.host.index,
                self.host.in_head, self.host.line_of), speculative=self.state == UNSURE)

    def resolve(self, value) -> None:
        if self.state != PENDING:
            return
        if isinstance(value, JSPromise):  # it follows that one
            value._then(None, _resolvers(self))
            return
        self._done(FULFILLED, value)

    def reject(self, reason) -> None:
        if self.state == PENDING:
            self._done(REJECTED, reason)

    def _done(self, state: str, value) -> None:
        self.state, self.value = state, value
        reactions, self.reactions = self.reactions, []
        for reaction in reactions:
            self._react(reaction)
        if state == REJECTED and not self.handled:
            # Once the microtasks ran, a rejection nothing took is the window's
            # unhandledrejection (Sentry's lazy loader waits for it, as for errors).
            host = self.host
            host.queue.append((Native("unhandled", lambda t, a: host.uncaught(
                "unhandledrejection") if not self.handled else UNDEF), [], host.index,
                host.in_head, host.line_of))


def _run_reaction(host: Browser, handler, state: str, value, made: JSPromise):
    from .jseval import Throw

    unsure = made.state == UNSURE
    if not isinstance(handler, CALLABLE):  # passed through to the next then()
        result = value if state == FULFILLED else UNKNOWN
        made.resolve(value) if state == FULFILLED else made.reject(value)
    else:
        try:
            result = host.running().call(handler, UNDEF, [value])
            made.resolve(result)
        except Throw as thrown:
            result = UNKNOWN
            made.reject(thrown.value)
    if unsure and state == FULFILLED:  # (its then() callbacks, queued, get this value)
        made.value = result.value if isinstance(result, JSPromise) else result
    return UNDEF


def _resolvers(promise: JSPromise) -> list:
    """The functions that resolve and reject *promise* (an executor's arguments)."""
    def settle(how):
        def run(this, args):
            how(args[0] if args else UNDEF)
            return UNDEF
        return run
    return [Native("resolve", settle(promise.resolve)), Native("reject", settle(promise.reject))]


def _promise_constructor(host: Browser) -> Native:
    from .jseval import Throw

    def construct(this, args):
        made = JSPromise(host)
        executor = args[0] if args else UNDEF
        if isinstance(executor, CALLABLE):
            try:
                host.running().call(executor, UNDEF, _resolvers(made))
            except Throw as thrown:
                made.reject(thrown.value)
        elif executor is UNKNOWN:
            made.state = UNSURE
        return made

    def settled(state):
        def make(this, args):
            value = args[0] if args else UNDEF
            if state == FULFILLED and isinstance(value, JSPromise):
                return value
            made = JSPromise(host)
            made.resolve(value) if state == FULFILLED else made.reject(value)
            return made
        return Native(state, make)

    def combine(how: str):
        def make(this, args):
            items = args[0].items if args and isinstance(args[0], JSArray) else None
            made = JSPromise(host, UNSURE if items is None else PENDING)
            if items is None:
                return made
            promises = [i if isinstance(i, JSPromise) else JSPromise(host, FULFILLED, i)
                        for i in items]

            def check(t=None, a=None):
                states = [p.state for p in promises]
                values = JSArray([p.value for p in promises])
                if how == "all" and REJECTED in states:
                    made.reject(promises[states.index(REJECTED)].value)
                elif how == "race" and (FULFILLED in states or REJECTED in states):
                    first = next(p for p in promises if p.state in (FULFILLED, REJECTED))
                    made.resolve(first.value) if first.state == FULFILLED else \
                        made.reject(first.value)
                elif how == "any" and FULFILLED in states:
                    made.resolve(promises[states.index(FULFILLED)].value)
                elif how in ("all", "allSettled") and all(
                        s in (FULFILLED, REJECTED) for s in states):
                    made.resolve(values)
                elif how == "any" and promises and all(s == REJECTED for s in states):
                    made.reject(UNKNOWN)
                elif UNSURE in states and made.state == PENDING:
                    made.state = UNSURE
                return UNDEF
            for promise in promises:
                promise._then(None, [Native("check", check), Native("check", check)])
            check()
            return made
        return Native(how, make)
    return Native("Promise", construct, props={
        "resolve": settled(FULFILLED), "reject": settled(REJECTED),
        **{how: combine(how) for how in ("all", "allSettled", "race", "any")}})


class FetchedText(str):
    """The text of a fetched file: unknown (a HOLE), but from *url*; run by ``eval`` it is
    that file run again (a copy of the tracker fetched and eval'd is an install)."""

    url: str

    def __new__(cls, url: str) -> FetchedText:
        made = super().__new__(cls, HOLE)
        made.url = url
        return made


def _fetch(host: Browser):
    """``fetch(url)``: whether it succeeds only the browser knows (its callbacks are
    speculative); ``text()`` is the file's text, known by its address."""
    from .page import resolve

    def fetch(this, args):
        url = args[0] if args else UNDEF
        url = resolve(host.base_uri, url) if isinstance(url, str) and known(url) else None
        response = JSObject({"ok": UNKNOWN, "status": UNKNOWN})
        text = FetchedText(url) if url else UNKNOWN
        response.props.update({
            "text": Native("text", lambda t, a: JSPromise(host, UNSURE, text)),
            "json": Native("json", lambda t, a: JSPromise(host, UNSURE, UNKNOWN))})
        return JSPromise(host, UNSURE, response)
    return Native("fetch", fetch)


def _port(host: Browser) -> tuple[JSObject, dict]:
    port = JSObject()
    state = {"started": False, "listeners": [], "other": None}

    def listen(this, args):
        if len(args) > 1 and args[0] == "message" and isinstance(args[1], CALLABLE):
            state["listeners"].append(args[1])
        return UNDEF

    def post(this, args):
        other, their = state["other"]
        event = JSObject({"data": args[0] if args else UNDEF, "ports": JSArray()})

        def deliver(t, a):
            # onmessage starts the port; listeners hear only once start() is called
            handlers = [other.props.get("onmessage")] + (
                their["listeners"] if their["started"] else [])
            for fn in handlers:
                if isinstance(fn, CALLABLE):
                    host.running().call(fn, other, [event])
            return UNDEF
        host.queue.append((Native("message", deliver), [], host.index, host.in_head,
                           host.line_of))
        return UNDEF
    port.props.update({"addEventListener": Native("addEventListener", listen),
                       "postMessage": Native("postMessage", post),
                       "start": Native("start", lambda t, a: state.update(started=True)),
                       "close": Native("close", lambda t, a: UNDEF)})
    return port, state


def _channel(host: Browser):
    (one, first), (two, second) = _port(host), _port(host)
    first["other"], second["other"] = (two, second), (one, first)
    return JSObject({"port1": one, "port2": two})


def install(host: Browser) -> None:
    """Put these APIs on the page's window and document."""
    window = host.window
    listeners: list = []
    add = window.props["addEventListener"]

    def listen(this, args):
        if len(args) > 1 and args[0] == "message" and isinstance(args[1], CALLABLE) and \
                this in (window, UNDEF):
            listeners.append(args[1])
            return UNDEF
        return add.fn(this, args)

    def post(this, args):
        target = args[1] if len(args) > 1 else UNDEF
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(host.base))
        if isinstance(target, str) and known(target) and target not in ("*", "/") and \
                to_string(target).rstrip("/") != origin:
            return UNDEF  # another origin's: not delivered
        event = JSObject({"data": args[0] if args else UNDEF, "origin": origin,
                          "source": window})

        def deliver(t, a):
            for fn in [window.props.get("onmessage"), *listeners]:
                if isinstance(fn, CALLABLE):
                    host.running().call(fn, window, [event])
            return UNDEF
        host.queue.append((Native("message", deliver), [], host.index, host.in_head,
                           host.line_of), speculative=not known(target))
        return UNDEF
    fonts = JSObject({"status": UNKNOWN})
    fonts.props["ready"] = JSPromise(host, FULFILLED, fonts)
    window.props.update({
        "Promise": _promise_constructor(host), "fetch": _fetch(host),
        "MessageChannel": Native("MessageChannel", lambda t, a: _channel(host)),
        "addEventListener": Native("addEventListener", listen),
        "postMessage": Native("postMessage", post)})
    host.document.props["fonts"] = fonts
