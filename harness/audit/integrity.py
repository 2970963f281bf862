"""Whether the browser refuses to run the tracker a tag loads, for what webtrack's
collector serves: its Subresource Integrity hash, its CORS mode."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

# The hash algorithms browsers check, weakest first; others (md5-…, a typo) are skipped.
ALGORITHMS = ("sha256", "sha384", "sha512")
_TOKEN = re.compile(r"^(sha256|sha384|sha512)-([A-Za-z0-9+/_-]+={0,2})(?:\?.*)?$", re.I)


def hashes(metadata: str) -> list[tuple[str, str]]:
    """The (algorithm, digest) pairs of *metadata* the browser checks: only its strongest
    algorithm's (the SRI standard's "get the strongest metadata"); none means unchecked."""
    pairs = [(m.group(1).lower(), m.group(2)) for m in map(_TOKEN.match, metadata.split())
             if m]
    if not pairs:
        return []
    strongest = max(ALGORITHMS.index(alg) for alg, _ in pairs)
    return [(alg, digest) for alg, digest in pairs if alg == ALGORITHMS[strongest]]


def refuses(metadata: str | None, body: bytes) -> bool:
    """Whether the browser refuses to run *body* for this ``integrity`` *metadata*: it has
    hashes the browser checks and none is *body*'s (base64 or base64url, unpadded or not)."""
    wanted = hashes(metadata or "")
    if not wanted:
        return False
    for alg, digest in wanted:
        raw = hashlib.new(alg, body).digest()
        ours = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
        if digest.rstrip("=") in {o.rstrip("=") for o in ours}:
            return False
    return True


@cache
def served_tracker() -> bytes:
    """The tracking script exactly as webtrack's collector serves it."""
    from ..tracker import served

    return served()


def refusal(attrs: dict, cross_origin: bool) -> str:
    """Why the browser refuses to run the tracker from a script with *attrs* (from another
    origin than the page's, or not), as webtrack's collector serves it (the file, with
    ``Access-Control-Allow-Origin: *``), or ''."""
    mode = attrs.get("crossorigin")
    if str(mode or "").strip().lower() == "use-credentials":
        return ("crossorigin=\"use-credentials\" asks for it with credentials, which the "
                "collector's Access-Control-Allow-Origin: * does not allow")
    if mode is None and cross_origin and hashes(str(attrs.get("integrity") or "")):
        return ("an integrity hash on another origin's script needs crossorigin, else its "
                "response is opaque and cannot match")
    if refuses(attrs.get("integrity"), served_tracker()):
        return ("its integrity hash is not that of the tracker the collector serves; keep "
                "the hash in step with each release")
    return ""
