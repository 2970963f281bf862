"""A page's frames whose scripts the audit runs: an ``<iframe srcdoc>``'s, and an
``<iframe src="javascript:…">``'s code, each in a document and window of its own whose
parent and top are the page's."""

from __future__ import annotations

from .dom import Browser
from .handlers import queue_handler_attributes
from .handlers import tags_of as _tags
from .jseval import Budget, Evaluator, Throw
from .page import Page, Script, line_of

MAX_FRAMES = 8
MAX_DEPTH = 3  # frames in frames in frames


def run_frames(page: Page, host: Browser, index: int, top: Browser | None = None,
               depth: int = 0) -> None:
    """Run each ``<iframe srcdoc>``'s scripts (or ``javascript:`` code) in a document of
    its own, the page's window its parent and top, once the page is parsed: what they put
    in the page's ``<head>`` or ``<body>`` is the page's (``host.found``); what they put in
    their own document is not. A frame's own frames run so in turn, the frame their parent
    and the page (*top*) their top, up to ``MAX_DEPTH`` deep."""
    from .loaders import MAX_CALLBACKS, Unparsed, _run, parse, runs
    from .page import in_inert_content
    from .page import parse as parse_page

    if page.soup is None:
        return
    frames = [f for f in _tags(page).of("iframe") if (f.get("srcdoc") is not None or
              _javascript(f.get("src")) is not None) and not in_inert_content(f)][:MAX_FRAMES]
    if frames:
        host.enter(index, False, True, lambda node: None)  # parsed: <body> is there
    for frame in frames:
        source = str(frame["srcdoc"]) if frame.get("srcdoc") is not None else ""
        inner = parse_page(source, "", "about:srcdoc")
        if frame.get("srcdoc") is None:  # javascript: its code runs in the frame's window
            inner.scripts = [Script(None, None, {}, str(_javascript(frame.get("src"))), False,
                                    False, None, 0, code=str(_javascript(frame.get("src"))))]
        scripts = [s for s in inner.scripts if not s.in_noscript]
        line = line_of(page.source, source[:60])
        frame_host = Browser(page.url or page.base, [(s.in_head, s.attrs) for s in scripts],
                             inner.ids, inner.soup, base_uri=page.base)
        frame_host.holder = host
        frame_host.window.props["parent"] = host.window
        frame_host.window.props["top"] = (top or host).window
        evaluator = Evaluator(frame_host)
        frame_host.evaluator = evaluator
        # (its own script files are not read: from the first on, any name may exist)
        frame_host.undeclared.unseen = any(s.runs and s.src is not None for s in scripts)
        try:
            for at, script in enumerate(scripts):
                if not runs(script) or script.src is not None:
                    continue  # (its own files are the frame's, not read)
                frame_host.enter(at, script.in_head, False, lambda node, line=line: line, True)
                evaluator.steps = 0
                try:
                    _run(evaluator, parse(script.code, False))
                except Unparsed:
                    pass
            queue_handler_attributes(inner, frame_host, max(len(scripts) - 1, 0))
            for _ in range(MAX_CALLBACKS):
                if not frame_host.queue:
                    break
                fn, args, at, in_head, _line, *_ = frame_host.queue.pop(0)
                frame_host.enter(at, in_head, True, lambda node, line=line: line)
                evaluator.steps = 0
                try:
                    evaluator.call(fn, frame_host.window, args)
                except (Throw, Budget, RecursionError):
                    pass
            if depth + 1 < MAX_DEPTH:
                run_frames(inner, frame_host, max(len(scripts) - 1, 0), top or host, depth + 1)
        finally:
            frame_host.forget()


def _javascript(src) -> str | None:
    """The code of a ``javascript:`` address (percent-decoded, as the browser runs it), or
    None for any other."""
    from urllib.parse import unquote

    text = str(src or "").strip(" \t\n\r\f")
    if src is None or not text[:11].lower() == "javascript:":
        return None
    return unquote(text[11:])


