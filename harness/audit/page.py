"""A page as a browser parses it (html5lib), reduced to what the rules look at."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import ada_url
from bs4 import BeautifulSoup, Comment, Tag
from bs4.builder._html5lib import HTML5TreeBuilder

from .jsvalues import HOLE

_BANNER = re.compile(r"cookie|consent|gdpr|privacy-banner", re.I)
# The rendered audit marks scripts that page code inserted with this attribute.
INSERTED_MARK = "data-webtrack-inserted"
# ... and scripts that arrived as markup (innerHTML, insertAdjacentHTML): they never run.
INERT_MARK = "data-webtrack-inert"
# ... and where each script is in the live DOM, which a re-parse of it may not tell (a script
# appended to <html> before <body> existed would be re-parsed into <head>).
IN_HEAD_MARK = "data-webtrack-in-head"
# ... and, for a script put in with a src, the attributes that decide whether it runs
# (``DECIDING``) as they were then, JSON: whether it runs is decided as it goes in.
PREPARED_MARK = "data-webtrack-prepared"
# In each of those, under this key, its src as the browser resolved it then (on the base in
# effect: a loader run before <base href> resolves on the page's own address).
RESOLVED = "@src"
# ... and, on <html>, that the browser took the page's <base href> for no base at all (it
# could not parse it; Chromium then resolves no relative address, in any shadow root too).
NO_BASE_MARK = "data-webtrack-no-base"
SVG = "http://www.w3.org/2000/svg"
XHTML = "http://www.w3.org/1999/xhtml"
MATHML = "http://www.w3.org/1998/Math/MathML"
_REJECT = re.compile(r"reject|decline|refuse|opt[ -]?out|necessary only|deny", re.I)


# The HTML standard's JavaScript MIME type essences: a type attribute is matched against
# these whole (any case, trimmed), so one with parameters ("; charset=utf-8") is no script.
JS_TYPES = frozenset({"application/ecmascript", "application/javascript",
                      "application/x-ecmascript", "application/x-javascript",
                      "text/ecmascript", "text/javascript", "text/jscript", "text/livescript",
                      "text/x-ecmascript", "text/x-javascript"} |
                     {f"text/javascript1.{n}" for n in range(6)})


def script_kind(attrs: dict) -> str | None:
    """``classic``, ``module`` or None (the browser does not run it), as the standard's
    "prepare the script element" reads a script's ``type``, or ``text/`` + its ``language``
    when it has no type."""
    if "type" in attrs:
        kind = str(attrs["type"])
    elif str(attrs.get("language") or ""):
        kind = "text/" + str(attrs["language"])
    else:
        kind = ""
    kind = kind.strip().lower()
    if kind == "module":
        return "module"
    return "classic" if kind == "" or kind in JS_TYPES else None


# The attributes runs_as_script reads.
DECIDING = ("type", "language", "nomodule", "for", "event")


def runs_as_script(attrs: dict) -> bool:
    """Whether a browser runs a script element with these attributes: a JavaScript type
    (``text/plain``, a consent tool's parked tag, and templates do not); a classic script
    that is not ``nomodule`` (which browsers that run modules skip) and, with ``for`` and
    ``event`` attributes, only ``for="window" event="onload"``."""
    kind = script_kind(attrs)
    if kind != "classic":
        return kind == "module"
    if "nomodule" in attrs:
        return False
    if "for" in attrs and "event" in attrs:
        return str(attrs["for"]).strip().lower() == "window" and \
            str(attrs["event"]).strip().lower() in ("onload", "onload()")
    return True


class Addressed:
    """Something with a script address (``src``, absolute): its path and origin."""

    src: str | None

    @property
    def path(self) -> str:
        return urlsplit(self.src).path if self.src else ""

    @property
    def origin(self) -> str:
        return origin_of(self.src)


@dataclass
class Script(Addressed):
    """One ``<script>`` element in document order."""

    src: str | None  # absolute, resolved against the page
    raw_src: str | None
    attrs: dict
    inline: str
    in_head: bool
    in_noscript: bool
    line: int | None
    index: int
    code: str | None = None  # what it runs: its text, or the file it loads when readable
    inserted: bool = False  # rendered: put in by a script, so it never blocks parsing
    # Parsed before the page's <base href>: what it inserts while the parser waits on it
    # resolves on the page's own address, as the base is not in effect yet.
    before_base: bool = False
    # Its element in the parsed page (None for one the page does not hold as markup): what
    # the parser has reached while it runs (see Browser.parsed_yet).
    tag: object = field(default=None, repr=False, compare=False)

    @property
    def runs(self) -> bool:
        """Whether the browser runs it at all (see ``runs_as_script``)."""
        return not self.in_noscript and runs_as_script(self.attrs)

    @property
    def timing(self) -> str:
        """When it runs: ``sync`` at its place, ``defer`` after parsing, or ``async``."""
        if self.inserted:
            return "async"
        module = str(self.attrs.get("type", "")).strip().lower() == "module"
        if "async" in self.attrs and (self.src or module):
            return "async"
        if module or ("defer" in self.attrs and self.src):
            return "defer"
        return "sync"


@dataclass
class Page:
    """What a page holds that matters to the tracker's installation."""

    where: str  # file path or URL
    base: str  # URL the page's relative references resolve against (its <base href>)
    source: str
    scripts: list[Script] = field(default_factory=list)
    forms: list[dict] = field(default_factory=list)
    comments: list[tuple[str, int | None]] = field(default_factory=list)
    # (src, line) of scripts document.write put in a <noscript>: they never run
    noscript_written: list[tuple[str, int | None]] = field(default_factory=list)
    banner: dict | None = None  # a cookie banner offering an opt-out, if any
    ids: dict = field(default_factory=dict)  # id -> (in <head>, attributes), for scripts
    soup: BeautifulSoup | None = field(default=None, repr=False)  # for selectors
    tags: Tags | None = field(default=None, repr=False)  # its elements as parsed
    # src -> the site's own script text (None: not the site's own, or unreadable)
    reader: Callable[[str], str | None] | None = field(
        default=lambda src: data_url_text(src.strip()), repr=False)
    # Where the reader asks the site for its own files (load_static's of a URL): whether
    # one of them (its resolved address) was refused (a 404): the browser runs nothing
    # there. None on disk, where a file not found may be above the folder audited.
    absent: Callable[[str], bool] | None = field(default=None, repr=False)
    defines_optout: bool | None = None  # known to define disableCookiesUsage (None: unknown)
    # Its scripts replaced it by document.open() once parsed (statically): its own tags
    # and what was inserted before are gone with it.
    replaced: bool = False
    rendered: bool = False
    xml: bool = False  # served as XHTML: parsed as XML, document.write throws
    template: bool = False
    url: str = ""  # the document's own address (location), when <base href> moves base
    # A tag's attributes as it ran, by its position among the live scripts (statically:
    # a site a script set on it before it ran, none set after).
    ran_with: dict[int, dict] = field(default_factory=dict, repr=False)
    # The live scripts whose run (statically) reached what only the browser knows.
    doubted: set[int] = field(default_factory=set, repr=False)


def resolve(base: str, ref: str) -> str:
    """*ref* resolved on *base* as browsers do (the WHATWG URL standard, by ada): trimmed,
    tabs and newlines dropped, a backslash a slash in an http(s) address, the host
    percent-decoded, lower-cased and IDNA-encoded, a default port dropped; ``""`` when the
    browser cannot parse it (it loads nothing). A part only the browser knows (``HOLE``)
    stays where it is (or, where no URL could hold it, the address is joined as written)."""
    if HOLE in base or HOLE in ref:
        try:
            return ada_url.join_url(base.replace(HOLE, _HOLE_TOKEN), ref.replace(
                HOLE, _HOLE_TOKEN)).replace(_HOLE_TOKEN, HOLE)
        except ValueError:
            return urljoin(base, ref.strip(_C0_AND_SPACE))
    try:
        return ada_url.join_url(base, ref)
    except ValueError:
        return ""


# What a HOLE is while an address is parsed: plain text anywhere in a URL, any case.
_HOLE_TOKEN = "wt0hole0"
_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))


def origin_of(url: str | None) -> str:
    """``scheme://host[:port]`` of *url* by the WHATWG URL standard (ada), as the browser
    loads it: any ``user:pass@`` is no part of it (``http://collector.localhost:8800@evil.
    example/`` is evil.example's), a default port is dropped; ``""`` without a host."""
    if url and HOLE not in url:
        try:
            parsed = ada_url.URL(url)
        except ValueError:
            return ""
        return f"{parsed.protocol}//{parsed.host}" if parsed.host else ""
    parts = urlsplit(url or "")
    netloc = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{netloc}".lower() if netloc else ""


def credentials_of(url: str | None) -> str:
    """The ``user:pass`` an address carries before its host (``""`` when none)."""
    if url and HOLE not in url:
        try:
            parsed = ada_url.URL(url)
        except ValueError:
            return ""
        return parsed.username + (":" + parsed.password if parsed.password else "")
    parts = urlsplit(url or "")
    return parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""


def served_as_xml(content_type: str) -> bool:
    """Whether a document served as *content_type* is parsed as XML by the browser (an XML
    MIME type: ``application/xhtml+xml``, any ``+xml``, ``text/xml``, ``application/xml``),
    whatever its address's extension."""
    essence = content_type.split(";")[0].strip().lower()
    return essence in ("text/xml", "application/xml") or essence.endswith("+xml")


def data_url_text(src: str, limit: int = 256 * 1024) -> str | None:
    """The text a ``data:`` script address carries (percent- or base64-encoded), or None."""
    import base64
    from urllib.parse import unquote

    head, comma, body = src.partition(",")
    if not head.lower().startswith("data:") or not comma or len(body) > limit * 2:
        return None
    if head.lower().endswith(";base64"):
        try:
            return base64.b64decode(unquote(body) + "=" * (-len(body) % 4)).decode(
                "utf-8", "replace")
        except ValueError:
            return None
    return unquote(body)


def line_of(source: str, needle: str, occurrence: int = 0) -> int | None:
    """Return the 1-based line of the *occurrence*-th *needle* in *source*, or None."""
    if not needle:
        return None
    start = -1
    for _ in range(occurrence + 1):
        start = source.find(needle, start + 1)
        if start < 0:
            return None
    return source.count("\n", 0, start) + 1


def _text_attr(tag: Tag, name: str) -> str | None:
    """Return attribute *name* of *tag* as one string (a multi-valued one joined), or None."""
    value = tag.get(name)
    return " ".join(value) if isinstance(value, list) else value


class _ScriptingOn(HTML5TreeBuilder):
    """html5lib as a browser that runs scripts parses: ``<noscript>``, in ``<head>`` or in
    ``<body>``, holds its content as text (html5lib's default, scripting off, would lift a
    ``<script>`` out of a ``<noscript>`` in ``<head>`` and run it); and a ``<template>`` in
    ``<head>`` stays there (html5lib predates templates: it closed ``<head>`` at one, and
    every tag after it landed in ``<body>``)."""

    def feed(self, markup) -> None:
        import html5lib

        parser = html5lib.HTMLParser(tree=self.create_treebuilder)
        _keep_templates_in_head(parser)
        self.unclosed = _note_unclosed_scripts(parser)
        self.underlying_builder.parser = parser
        parser.parse(markup, scripting=True).original_encoding = None


def _note_unclosed_scripts(parser) -> list:
    """Have *parser* note a ``<script>`` the page ends in (no ``</script>``): the HTML
    standard marks it started at the end of the file, so it never runs (though browsers
    fetch its src ahead). Returns the list the element is noted in."""
    unclosed: list = []

    class Text(type(parser.phases["text"])):  # type: ignore[misc]
        __slots__ = ()

        def processEOF(self):  # noqa: N802 (html5lib's name)
            node = self.tree.openElements[-1]
            if node.name == "script":
                unclosed.append(node.element)
            return super().processEOF()

    parser.phases["text"] = Text(parser, parser.tree)
    return unclosed


def _keep_templates_in_head(parser) -> None:
    """Give *parser* the HTML standard's ``<template>`` in ``<head>``: the element goes in
    ``<head>`` (also one between ``</head>`` and ``<body>``), its content is parsed as body
    content (ignoring ``<html>``, ``<head>``, ``<body>``), and ``</template>`` closing it
    returns to where it was."""
    in_head, in_body = type(parser.phases["inHead"]), type(parser.phases["inBody"])
    after_head = type(parser.phases["afterHead"])
    head_templates: set[int] = set()  # templates put in <head> after it was closed

    def in_head_template(tree) -> bool:  # html, head, template, ...: head's not closed
        stack = tree.openElements
        return len(stack) > 2 and stack[1].name == "head" or (
            len(stack) > 1 and id(stack[1]) in head_templates)

    class TemplateInHead(in_head):  # type: ignore[valid-type,misc]
        __slots__ = ()

        def processStartTag(self, token):  # noqa: N802 (html5lib's name)
            if token["name"] != "template":
                return super().processStartTag(token)
            self.tree.insertElement(token)
            self.parser.phase = self.parser.phases["inBody"]
            return None

    class TemplateAfterHead(after_head):  # type: ignore[valid-type,misc]
        __slots__ = ()

        def processStartTag(self, token):  # noqa: N802
            if token["name"] != "template" or self.tree.headPointer is None:
                return super().processStartTag(token)
            stack = self.tree.openElements
            stack.append(self.tree.headPointer)  # into <head>, which is then closed again
            self.tree.insertElement(token)
            stack.remove(self.tree.headPointer)
            head_templates.add(id(stack[-1]))
            self.parser.phase = self.parser.phases["inBody"]
            return None

    class InBody(in_body):  # type: ignore[valid-type,misc]
        """Body rules, and inside a template in <head> (tables' rules come back here)."""

        __slots__ = ()

        def processStartTag(self, token):  # noqa: N802
            if in_head_template(self.tree) and token["name"] in (
                    "html", "head", "body", "frameset"):
                return None  # a template's content has none of these
            return super().processStartTag(token)

        def processEndTag(self, token):  # noqa: N802
            if not in_head_template(self.tree):
                return super().processEndTag(token)
            stack = self.tree.openElements
            if token["name"] == "template":
                while stack[-1].name != "head" and stack.pop().name != "template":
                    pass
                if stack[-1].name == "head":
                    self.parser.phase = self.parser.phases["inHead"]
                elif len(stack) == 1:
                    self.parser.phase = self.parser.phases["afterHead"]
            elif token["name"] not in ("html", "head", "body"):  # out of scope: ignored
                return super().processEndTag(token)
            return None

        def processEOF(self):  # noqa: N802
            if not in_head_template(self.tree):
                return super().processEOF()
            from html5lib.html5parser import impliedTagToken

            del self.tree.openElements[1:]  # an unclosed template ends with the page
            self.tree.insertElement(impliedTagToken("body", "StartTag"))
            return super().processEOF()

    reset = parser.resetInsertionMode

    def reset_insertion_mode() -> None:  # a table in a template in <head> has closed
        if not in_head_template(parser.tree):
            return reset()
        for node in parser.tree.openElements[::-1]:
            if node.name == "template":
                break
            if node.namespace == parser.tree.defaultNamespace and node.name in _TABLE_MODES:
                parser.phase = parser.phases[_TABLE_MODES[node.name]]
                return None
        parser.phase = parser.phases["inBody"]
        return None

    parser.resetInsertionMode = reset_insertion_mode
    for name in ("inTable", "inTableText", "inCaption", "inColumnGroup", "inTableBody",
                 "inRow", "inCell", "inSelect", "inSelectInTable"):
        parser.phases[name] = _closing_templates(type(parser.phases[name]), in_head_template)(
            parser, parser.tree)
    parser.phases["inHead"] = TemplateInHead(parser, parser.tree)
    parser.phases["afterHead"] = TemplateAfterHead(parser, parser.tree)
    parser.phases["inBody"] = InBody(parser, parser.tree)


def _closing_templates(phase: type, in_head_template) -> type:
    """*phase* where ``</template>`` closes a template in ``<head>`` (by body rules)."""

    class Phase(phase):
        __slots__ = ()

        def processEndTag(self, token):  # noqa: N802 (html5lib's name)
            if token["name"] == "template" and in_head_template(self.tree):
                return self.parser.phases["inBody"].processEndTag(token)
            return super().processEndTag(token)
    return Phase


_TABLE_MODES = {"select": "inSelect", "td": "inCell", "th": "inCell", "tr": "inRow",
                "tbody": "inTableBody", "thead": "inTableBody", "tfoot": "inTableBody",
                "caption": "inCaption", "colgroup": "inColumnGroup", "table": "inTable"}


def _attrs(tag: Tag) -> dict:
    """A tag's attributes by lower-case name, each one string."""
    return {k.lower(): " ".join(v) if isinstance(v, list) else v for k, v in tag.attrs.items()}


def _inside(tag, name: str) -> bool:
    return any(parent.name == name for parent in tag.parents)


# The elements the DOM lets a shadow root be attached to (custom elements aside).
SHADOW_HOSTS = frozenset({"article", "aside", "blockquote", "body", "div", "footer", "h1", "h2",
                          "h3", "h4", "h5", "h6", "header", "main", "nav", "p", "section",
                          "span"})
_CUSTOM_NAME = re.compile(r"[a-z][^A-Z\s/>]*-[^A-Z\s/>]*")
_NOT_CUSTOM = frozenset({"annotation-xml", "color-profile", "font-face", "font-face-src",
                         "font-face-uri", "font-face-format", "font-face-name", "missing-glyph"})


def attaches_shadow_root(template: Tag) -> bool:
    """Whether the parser makes *template* a declarative shadow root (its content is then
    live, scripts included): ``shadowrootmode`` open or closed, on an HTML element that may
    host one (not ``<html>``, not a template's content), the first such on its host."""
    mode = template.get("shadowrootmode")
    host = template.parent
    if not isinstance(mode, str) or mode.lower() not in ("open", "closed") or \
            not isinstance(host, Tag) or host.name in ("html", "template") or \
            template.namespace not in (None, "http://www.w3.org/1999/xhtml"):
        return False
    if host.name not in SHADOW_HOSTS and not (
            _CUSTOM_NAME.fullmatch(host.name) and host.name not in _NOT_CUSTOM):
        return False
    # A host has one shadow root: a second declarative one stays an inert template.
    return not any(isinstance(sibling, Tag) and sibling.name == "template" and
                   attaches_shadow_root(sibling) for sibling in template.find_previous_siblings(
                       "template"))


def _as_prepared(attrs: dict) -> dict | None:
    """*attrs* as they were when the browser decided to run the script, for a script the
    rendered audit saw put in (``PREPARED_MARK``, taken out of *attrs*): the first time
    its type passed (it is then started: ``nomodule`` and ``for``/``event`` decide the
    rest); None when it never did. *attrs* as they are without the mark (or one not ours)."""
    try:
        times = json.loads(attrs.pop(PREPARED_MARK, None) or "null")
    except ValueError:
        return attrs
    if not isinstance(times, list) or not all(
            isinstance(then, dict) and all(isinstance(v, str) for v in then.values())
            for then in times):
        return attrs
    for then in times:
        if script_kind(then) is not None:
            kept = {k: v for k, v in attrs.items() if k not in DECIDING}
            return kept | {k: v for k, v in then.items() if k in (*DECIDING, RESOLVED)}
    return None


def in_inert_content(tag: Tag) -> bool:
    """Whether *tag* is inside a ``<template>``'s inert content (a declarative shadow
    root's content is live)."""
    return any(parent.name == "template" and not attaches_shadow_root(parent)
               for parent in tag.parents)


@dataclass
class Tags:
    """A page's elements and comments, walked once, in document order, by what the audit
    looks for (each ``find_all`` of BeautifulSoup walks the whole tree again)."""

    named: dict[str, list[Tag]] = field(default_factory=dict)
    with_id: list[Tag] = field(default_factory=list)
    with_class: list[Tag] = field(default_factory=list)
    labelled: list[Tag] = field(default_factory=list)  # with an aria-label
    handlers: list[Tag] = field(default_factory=list)  # onload, onerror, onpageshow, ontoggle
    comments: list[Comment] = field(default_factory=list)
    every: list[Tag] = field(default_factory=list)

    def of(self, *names: str) -> list[Tag]:
        """The elements of these names, in document order."""
        if len(names) == 1:
            return self.named.get(names[0], [])
        return [t for t in self.every if t.name in names]

    @classmethod
    def walk(cls, soup) -> Tags:
        tags = cls()
        for node in soup.descendants:
            if isinstance(node, Tag):
                tags.every.append(node)
                tags.named.setdefault(node.name, []).append(node)
                attrs = node.attrs
                if attrs:
                    if attrs.get("id") is not None:
                        tags.with_id.append(node)
                    if attrs.get("class") is not None:
                        tags.with_class.append(node)
                    if attrs.get("aria-label") is not None:
                        tags.labelled.append(node)
                    if "onload" in attrs or "onerror" in attrs or "onpageshow" in attrs \
                            or "ontoggle" in attrs:
                        tags.handlers.append(node)
            elif isinstance(node, Comment):
                tags.comments.append(node)
        return tags


def _matches(pattern: re.Pattern, value) -> bool:
    """Whether *value* (an attribute: a string, or a list of classes) matches as
    BeautifulSoup's ``find_all`` matched it: any one class, or them all joined."""
    if isinstance(value, list):
        return any(pattern.search(v) for v in value) or bool(pattern.search(" ".join(value)))
    return value is not None and bool(pattern.search(str(value)))


_CDATA = re.compile(r"<!\[CDATA\[(.*?)(?:\]\]>|$)", re.S)
_XML_COMMENT = re.compile(r"<!--(.*?)(?:-->|$)", re.S)


def _script_text(tag, xml: bool) -> str:
    """What a script element's text is to the browser. The XHTML parser here keeps a
    script's content raw, as HTML's does; XML reads a ``<![CDATA[`` section's text as it
    is, and outside one a ``<!-- -->`` is a comment node, no text (the old
    ``<script><!-- ... //--></script>`` idiom runs nothing), and character references
    (``&amp;&amp;``) are decoded."""
    text = tag.string or ""
    if not xml:
        return text
    out, at = [], 0
    for section in _CDATA.finditer(text):
        out += [_xml_text(text[at:section.start()]), section.group(1)]
        at = section.end()
    return "".join(out) + _xml_text(text[at:])


def _xml_text(markup: str) -> str:
    return html.unescape(_XML_COMMENT.sub("", markup))


def _xml_comments(tag) -> list[str]:
    """The comment nodes XML makes in a script element's content (outside CDATA)."""
    text = _CDATA.sub("", tag.string or "")
    return _XML_COMMENT.findall(text)


def parse(source: str, where: str, base: str, rendered: bool = False,
          xml: bool = False) -> Page:
    """Parse *source* as a browser would and collect scripts, forms, comments, banner.

    XHTML (*xml*) is read as markup as written: no HTML5 moving of elements, and
    ``<script/>`` closes itself.
    """
    source = source.removeprefix("\ufeff")  # a byte order mark is no text to a browser
    page = Page(where=where, base=base, source=source, rendered=rendered, url=base, xml=xml)
    page.template = bool(re.search(r"{%\s*(extends|include|block)\b", source))
    soup = BeautifulSoup(source, "html.parser") if xml else BeautifulSoup(
        source, builder=_ScriptingOn())
    page.soup = soup
    tags = page.tags = Tags.walk(soup)
    # The first <base href> in the document's tree (not a template's content, not SVG's) is
    # what a relative URL resolves on once it is parsed (an address it cannot parse leaves
    # the page's own); a tag the parser met before it resolved its src on the page's own.
    element = next((b for b in tags.of("base") if b.get("href") is not None and b.namespace
                    in (None, XHTML) and not _inside(b, "template")), None)
    order: dict[int, int] = {}
    if element is not None:
        base = page.base = resolve(base, str(_text_attr(element, "href"))) or base
        html = next(iter(tags.of("html")), None)
        if rendered and html is not None and html.get(NO_BASE_MARK) is not None:
            base = page.base = "about:blank"  # what relative addresses resolve on: none
        order = {id(tag): at for at, tag in enumerate(tags.of("base", "script"))}
    seen: dict[str, int] = {}
    for index, tag in enumerate(tags.of("script")):
        if tag.namespace == MATHML:
            continue  # MathML has no script element: it is an unknown element there
        # An SVG script's address is its href (SVG 2), else its xlink:href.
        raw = _text_attr(tag, "src") if tag.namespace != SVG else (
            _text_attr(tag, "href") if tag.get("href") is not None else
            _text_attr(tag, "xlink:href"))
        raw = raw.strip() if raw is not None else None  # as browsers read URLs
        needle = raw if raw else (tag.string or "").strip()[:60]
        occurrence = seen.get(needle, 0)
        seen[needle] = occurrence + 1
        attrs = _as_prepared(_attrs(tag))
        if attrs is None or INERT_MARK in attrs or in_inert_content(tag) or any(
                tag is never for never in getattr(soup.builder, "unclosed", ())):
            continue  # never runs: put in with a type the browser does not run, added as
            # markup, a template's inert content, or left open at the end of the page
        inserted = attrs.pop(INSERTED_MARK, None) is not None
        resolved = attrs.pop(RESOLVED, None)
        in_head = attrs.pop(IN_HEAD_MARK, None)
        parsed_before_base = not inserted and order.get(id(tag), 0) < order.get(id(element), 0)
        page.scripts.append(Script(
            # (one the browser could not resolve then, it kept as written: it loads nothing)
            src=((resolved if ada_url.check_url(resolved) else "")
                 if raw and resolved is not None else
                 resolve(page.url if parsed_before_base else base, raw) if raw else None),
            raw_src=raw,
            attrs=attrs, inline=_script_text(tag, xml),
            in_head=_inside(tag, "head") if in_head is None else in_head == "1",
            in_noscript=_inside(tag, "noscript"),
            line=line_of(source, needle, occurrence), index=index,
            # With a src attribute, even an empty one, the text is never run.
            code=data_url_text(raw) if raw is not None else _script_text(tag, xml),
            inserted=inserted, before_base=parsed_before_base, tag=tag))
    for noscript in tags.of("noscript"):
        # Its content is text (scripting is on): the tags in it are what it hides.
        for tag in BeautifulSoup(noscript.get_text(), "html5lib").find_all("script", src=True):
            raw = str(_text_attr(tag, "src")).strip()
            page.scripts.append(Script(
                src=resolve(base, raw), raw_src=raw, attrs=_attrs(tag), inline="",
                in_head=_inside(noscript, "head"), in_noscript=True,
                line=line_of(source, raw), index=len(page.scripts)))
    for element in tags.with_id:
        page.ids.setdefault(str(element["id"]), (_inside(element, "head"), _attrs(element)))
    for form in tags.of("form"):
        action = _text_attr(form, "action") or ""
        page.forms.append({"action": resolve(base, action), "line": line_of(source, action)})
    for comment in tags.comments:
        page.comments.append((str(comment), line_of(source, str(comment)[:60])))
    for tag in tags.of("script") if xml else ():
        page.comments += [(c, line_of(source, c[:60])) for c in _xml_comments(tag)]
    for element in [t for t in tags.with_id if _matches(_BANNER, t.get("id"))] + [
            t for t in tags.with_class if _matches(_BANNER, t.get("class"))] + [
            t for t in tags.labelled if _matches(_BANNER, t.get("aria-label"))]:
        choices = [b for b in element.find_all(["button", "a"]) if _REJECT.search(
            b.get_text(" ") + " " + str(b.get("id", "")))]
        if choices:
            page.banner = {"line": line_of(source, str(element.get("id") or "cookie")),
                           "choice": choices[0].get_text(" ").strip()}
            break
    return page
