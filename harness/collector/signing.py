"""Sign and verify the collector's tokens: link tokens, tracking contexts, and the form
cookie's value (a profile's id, signed for forms).

Each kind has its own salt, so a value signed for one purpose is refused for another,
and all depend on the server secret: rotating it invalidates every outstanding value.
"""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadData, URLSafeSerializer

KINDS = ("link", "context", "form")


class InvalidToken(ValueError):
    """A token that was forged, altered, truncated or signed with another secret."""


class Signer:
    """HMAC-SHA256 signer for the collector's opaque values."""

    def __init__(self, secret: str | bytes) -> None:
        self._serializers = {
            kind: URLSafeSerializer(
                secret, salt=f"webtrack.{kind}", signer_kwargs={"digest_method": hashlib.sha256}
            )
            for kind in KINDS
        }

    def sign(self, kind: str, value: str) -> str:
        """Return *value* signed for *kind*."""
        return self._serializers[kind].dumps(value)

    def verify(self, kind: str, token: object) -> str:
        """Return the value inside *token*, or raise InvalidToken."""
        if not isinstance(token, str) or not token or len(token) > 512:
            raise InvalidToken(f"{kind} token missing or malformed")
        try:
            value = self._serializers[kind].loads(token)
        except BadData as exc:
            raise InvalidToken(f"{kind} token signature does not verify") from exc
        if not isinstance(value, str):
            raise InvalidToken(f"{kind} token carries no identifier")
        # Base64 decoding forgives unused low bits in the last character and padding
        # added on: such a token verifies but is not the one the collector signed. Only the
        # one spelling it signs is taken (signing is deterministic: no time in it).
        if not hmac.compare_digest(self.sign(kind, value).encode(), token.encode()):
            raise InvalidToken(f"{kind} token altered (not as the collector signed it)")
        return value
