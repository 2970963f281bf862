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

__all__ = ["BINDING", "MARKER_HOST", "SCRIPT", "is_removal"]

SCRIPT = shipped("pagehooks.js").read_text(encoding="utf-8")
BINDING = "__webtrackEvidence"
# The host of the hooks' own parting beacon (and of the consent audit's neutral page):
# never a site's, never evidence.
MARKER_HOST = "webtrack-harness.localhost"

REMOVAL = re.compile(r"max-age=0|max-age=-|expires=[^;]*1970", re.I)


def is_removal(write: dict) -> bool:
    """Whether a cookie write deletes the cookie (empty value, max-age 0, expired)."""
    value = write.get("value", "")
    return bool(REMOVAL.search(value)) or value.split(";")[0].strip().endswith("=")
