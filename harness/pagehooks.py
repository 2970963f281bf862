"""In-page evidence hooks shared by the browser visitor and the consent audit.

``SCRIPT`` is installed with ``add_init_script`` before any page script runs, beside a binding
named ``BINDING``; each event it reports is a dict with ``kind`` (``cookie``, ``storage``,
``call``, ``hint``, ``lifecycle``), ``clock`` (the page's ``Date.now()``, virtual when the
page clock is controlled), ``page`` and, for writes and calls, ``script`` (the writing script's
URL from the stack, where it shows). See ``pagehooks.js`` for each kind's fields.
"""

from __future__ import annotations

import re

from .resources import shipped

__all__ = ["BINDING", "KEEP", "MARKER_HOST", "SCRIPT", "is_removal", "parse_cookie"]

# Characters of a value, body or address kept as evidence, by the hooks as the page writes it
# and by the consent audit's stock of what stayed: an identifier inside is judged, one past it
# is cut off unseen.
KEEP = 16384
SCRIPT = shipped("pagehooks.js").read_text(encoding="utf-8").replace("@KEEP@", str(KEEP))
BINDING = "__webtrackEvidence"
# The host of the hooks' own parting beacon (and of the consent audit's neutral page):
# never a site's, never evidence.
MARKER_HOST = "webtrack-harness.localhost"

def parse_cookie(text: str) -> tuple[str, str, dict[str, str]]:
    """Split a cookie string (``document.cookie`` or ``Set-Cookie``) as browsers do:
    ``(name, value, {attribute: value})``; with no ``=`` before the first ``;`` the whole
    pair is the value of a cookie with an empty name (RFC 6265bis 5.6)."""
    pair, *attributes = (text or "").split(";")
    name, sep, value = pair.partition("=")
    if not sep:
        name, value = "", pair
    attrs = {}
    for attribute in attributes:
        key, _, val = attribute.partition("=")
        attrs[key.strip().lower()] = val.strip()
    return name.strip(), value.strip(), attrs


_PAST = re.compile(r"\b(19[0-9]{2}|200[0-9])\b")


def is_removal(write: dict) -> bool:
    """Whether a cookie write deletes the cookie: an empty value, a ``Max-Age`` of zero or
    less, or an ``Expires`` date in the past (the attributes, never the value, decide)."""
    _, value, attrs = parse_cookie(write.get("value", ""))
    try:
        if "max-age" in attrs and int(attrs["max-age"]) <= 0:
            return True
    except ValueError:
        pass
    return not value or bool(_PAST.search(attrs.get("expires", "")))
