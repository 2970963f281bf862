"""Whether a page's Content-Security-Policy ``<meta>`` lets the browser load a script (CSP
Level 3, the parts that decide an external script element) or run inline code (a script's
text, an event handler attribute): pure functions over the policy text, the script's
address or text, its nonce and how it went in."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from .page import Page, origin_of

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_NETWORK = ("http", "https", "ws", "wss")


def parse_policy(text: str) -> dict[str, list[str]]:
    """Directive name (lower case) -> its source list; a repeated directive is ignored."""
    policy: dict[str, list[str]] = {}
    for part in text.split(";"):
        tokens = part.strip(" \t\n\f\r").split()
        if tokens and tokens[0].lower() not in policy:
            policy[tokens[0].lower()] = tokens[1:]
    return policy


def _port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else _DEFAULT_PORTS.get(scheme)


def _scheme_ok(expected: str, actual: str) -> bool:
    """A source's scheme matches its own, or the secure upgrade of it."""
    return actual == expected or (expected, actual) in (("http", "https"), ("ws", "wss"))


def _host_source(source: str, url: str, page_scheme: str) -> bool:
    """Whether *url* matches a host-source (``[scheme://]host[:port][/path]``)."""
    scheme, sep, rest = source.partition("://")
    if not sep:
        scheme, rest = "", source
    host, slash, path = rest.partition("/")
    host, colon, port = host.partition(":")
    target = urlsplit(url)
    actual = target.scheme.lower()
    if scheme and not _scheme_ok(scheme.lower(), actual):
        return False
    if not scheme and not _scheme_ok(page_scheme, actual):
        return False
    name = (target.hostname or "").lower()
    host = host.lower()
    if host.startswith("*."):
        if not name.endswith(host[1:]):
            return False
    elif host != "*" and host != name:
        return False
    try:
        actual_port = _port(actual, target.port)
    except ValueError:
        return False
    if colon and port != "*":
        if not port.isdigit():
            return False
        wanted = int(port)
        if wanted != actual_port and not (wanted == 80 and actual_port == 443):
            return False
    elif not colon:
        own = _DEFAULT_PORTS.get(scheme.lower() or page_scheme)
        if actual_port != own and not (own == 80 and actual_port == 443):
            return False
    if slash and path:
        wanted_path = "/" + path
        got = target.path or "/"
        return got.startswith(wanted_path) if wanted_path.endswith("/") else got == wanted_path
    return True


def allows(sources: list[str], url: str, page_url: str, nonce: str | None,
           parser_inserted: bool) -> bool:
    """Whether a script element of *url* may load under this source list."""
    lowered = [s.lower() for s in sources]
    if nonce and any(s.startswith("'nonce-") and s[7:-1] == nonce for s in sources):
        return True
    if "'strict-dynamic'" in lowered:
        # Host sources, 'self' and schemes are ignored; a script a trusted script put in
        # (not by the parser, not by document.write) is trusted in turn.
        return not parser_inserted
    page_scheme = urlsplit(page_url).scheme.lower()
    target = urlsplit(url).scheme.lower()
    for source, low in zip(sources, lowered, strict=True):
        if low == "*":
            if target in _NETWORK or target == page_scheme:
                return True
        elif low == "'self'":
            page_origin, origin = origin_of(page_url), origin_of(url)
            if origin and origin == page_origin:
                return True
            if page_scheme == "http" and target == "https" and origin.removeprefix(
                    "https://") == page_origin.removeprefix("http://"):
                return True
        elif low.startswith("'"):
            continue  # keywords, nonces and hashes of others
        elif low.endswith(":") and "/" not in low:
            if _scheme_ok(low[:-1], target):
                return True
        elif _host_source(source, url, page_scheme):
            return True
    return False


def refusal(policies: list[str], url: str, page_url: str, nonce: str | None,
            parser_inserted: bool) -> str:
    """Why the policies (each a ``<meta>``'s content, all enforced) block the script, or
    ``""`` when they let it load."""
    for text in policies:
        policy = parse_policy(text)
        directive = next((d for d in ("script-src-elem", "script-src", "default-src")
                          if d in policy), None)
        if directive and not allows(policy[directive], url, page_url, nonce,
                                    parser_inserted):
            return (f"the page's Content-Security-Policy <meta> ({directive} "
                    f"{' '.join(policy[directive]) or chr(39) + 'none' + chr(39)}) blocks "
                    "it")
    return ""


def _allows_inline(sources: list[str], text: str, nonce: str | None,
                   attribute: bool) -> bool:
    """Whether an inline script (*attribute*: an event handler attribute) may run under this
    source list: its nonce (not an attribute's), a hash of its text (an attribute's only
    with 'unsafe-hashes'), or 'unsafe-inline' where no nonce, hash or 'strict-dynamic'
    voids it."""
    lowered = [s.lower() for s in sources]
    if not attribute and nonce and any(s.startswith("'nonce-") and s[7:-1] == nonce
                                       for s in sources):
        return True
    hashes = [s[1:-1] for s, low in zip(sources, lowered, strict=True)
              if low.startswith(("'sha256-", "'sha384-", "'sha512-")) and low.endswith("'")]
    if hashes and (not attribute or "'unsafe-hashes'" in lowered):
        for source in hashes:
            algorithm, _, digest = source.partition("-")
            made = base64.b64encode(hashlib.new(algorithm.lower(), text.encode()).digest())
            if made.decode() == digest.replace("-", "+").replace("_", "/"):
                return True
    voided = hashes or "'strict-dynamic'" in lowered or any(
        low.startswith("'nonce-") for low in lowered)
    return "'unsafe-inline'" in lowered and not voided


def inline_refusal(policies: list[str], text: str, nonce: str | None,
                   attribute: bool = False) -> str:
    """Why the policies block inline code: a script element's *text* (with its *nonce*) or,
    *attribute*, an event handler attribute's; ``""`` when it may run."""
    names = ("script-src-attr" if attribute else "script-src-elem", "script-src",
             "default-src")
    for policy_text in policies:
        policy = parse_policy(policy_text)
        directive = next((d for d in names if d in policy), None)
        if directive and not _allows_inline(policy[directive], text, nonce, attribute):
            return (f"the page's Content-Security-Policy <meta> ({directive} "
                    f"{' '.join(policy[directive]) or chr(39) + 'none' + chr(39)}) blocks "
                    "its inline code")
    return ""


def eval_refusal(policies: list[str]) -> str:
    """Why the policies keep strings from running as code (``eval``, ``Function()``, a
    string timer: each needs 'unsafe-eval'), or ``""``."""
    for policy_text in policies:
        policy = parse_policy(policy_text)
        directive = next((d for d in ("script-src", "default-src") if d in policy), None)
        if directive and "'unsafe-eval'" not in [s.lower() for s in policy[directive]]:
            return (f"the page's Content-Security-Policy <meta> ({directive} "
                    f"{' '.join(policy[directive]) or chr(39) + 'none' + chr(39)}) forbids "
                    "eval")
    return ""


def meta_policies(page: Page) -> list[tuple[int, str]]:
    """Each enforced policy a ``<meta http-equiv>`` in ``<head>`` sets, with how many
    ``<script>`` elements come before it: it governs what is fetched after it is parsed."""
    if page.tags is None:
        return []
    found, scripts = [], 0
    for tag in page.tags.of("meta", "script"):
        if tag.name == "script":
            scripts += 1
        elif str(tag.get("http-equiv", "")).strip().lower() == "content-security-policy" \
                and tag.get("content") is not None and _in_head(tag):
            found.append((scripts, str(tag["content"])))
    return found


def _in_head(tag) -> bool:
    return any(p.name == "head" for p in tag.parents) and not any(
        p.name == "template" for p in tag.parents)
