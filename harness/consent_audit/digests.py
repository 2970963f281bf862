"""Digests: a kept identifier hashed as crypto.subtle and SDKs hash it (MD5, SHA-1,
SHA-2), whole or cut short, in hex or base64: the forms a request may carry it in.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = ["CUT_HASH_B64", "CUT_HASH_HEX", "HASHES", "digests"]

HASHES = ("md5", "sha1", "sha256", "sha384", "sha512")  # what crypto.subtle and SDKs make
CUT_HASH_HEX = 16  # a hash's hex cut to this many digits (64 bits) is still the visitor's
CUT_HASH_B64 = 10  # base64 characters of a cut hash looked for: 60 bits


def digests(raw: bytes) -> dict[str, str]:
    """The digests of *raw* a request may carry: form name → text to look for."""
    dressed = {}
    for name in HASHES:
        digest = hashlib.new(name, raw).digest()
        dressed[f"{name} hex"] = digest.hex()
        dressed[f"{name} base64"] = base64.b64encode(digest).decode().rstrip("=")
        # A hash cut short, as a tracker sends it (its first 64 bits): still the visitor.
        # Its base64 is looked for by the first 60 bits, which the base64 of the whole
        # digest and of its first eight bytes share (they part at the eleventh character).
        dressed[f"{name} hex, cut short"] = digest.hex()[:CUT_HASH_HEX]
        cut = base64.b64encode(digest).decode()[:CUT_HASH_B64]
        dressed[f"{name} base64, cut short"] = cut
        dressed[f"{name} base64url, cut short"] = cut.replace("+", "-").replace("/", "_")
    return dressed
