"""Forms: the ways a page may dress a kept identifier in a request (as is, base64, hex,
reversed, ROT13, ASCII85, its bytes re-encoded, a number in another base, a digest),
each worked out once per identifier as the text to look for.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from .digests import digests
from .encodings import HEXED

__all__ = ["NUMBER_BITS", "RADIX_ALPHABETS", "forms"]

_ROT13 = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm")
NUMBER_BITS = 40  # a number this long is looked for in every base, not only 10, 16 and 36
RADIX_ALPHABETS = {
    58: "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
    62: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}


@lru_cache(maxsize=4096)
def _forms(token: str) -> tuple[tuple[str, str], ...]:
    return tuple(_dressed(token).items())


def forms(token: str) -> dict[str, str]:
    """The ways a page may dress *token* in a request: encoding name → text to look for
    (worked out once per token: each request of a visit asks again)."""
    return dict(_forms(token))


def _dressed(token: str) -> dict[str, str]:
    """Every form of *token* (:func:`forms`) long enough not to turn up by chance."""
    raw = token.encode("utf-8")
    dressed = _encoded(token) | _bytes_encoded(token) | _numbers(token) | digests(raw)
    # A base64 run shorter than this could turn up by chance.
    return {k: v for k, v in dressed.items() if len(v) >= 8}


def _encoded(token: str) -> dict[str, str]:
    """*token*'s text encoded, reversed or rotated."""
    raw = token.encode("utf-8")
    return {"as is": token, "base64": base64.b64encode(raw).decode().rstrip("="),
            "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
            "hex": raw.hex(), "reversed": token[::-1],
            "rot13": token.translate(_ROT13), "ASCII85": base64.a85encode(raw).decode(),
            "base85": base64.b85encode(raw).decode()}


def _bytes_encoded(token: str) -> dict[str, str]:
    """The bytes a long hex *token* stands for, encoded (the stock reads raw bytes so and
    sends them as base64), reversed (little-endian) or with each byte's digits swapped."""
    if not (len(token) >= 16 and len(token) % 2 == 0 and HEXED.fullmatch(token)):
        return {}
    data = bytes.fromhex(token)
    return {"base64 of its bytes": base64.b64encode(data).decode().rstrip("="),
            "base64url of its bytes": base64.urlsafe_b64encode(data).decode().rstrip("="),
            "hex of its bytes reversed": data[::-1].hex(),
            "hex, each byte's digits swapped": "".join(
                token[i + 1] + token[i] for i in range(0, len(token), 2)),
            "ASCII85 of its bytes": base64.a85encode(data).decode(),
            "base85 of its bytes": base64.b85encode(data).decode()}


def _numbers(token: str) -> dict[str, str]:
    """A hex or decimal *token* as one number in another base: hex sent in decimal or base
    36 (``BigInt("0x" + id).toString(36)``), digits sent in hex or base 36; a long one
    (:data:`NUMBER_BITS`) in any base ``toString(2..36)`` writes, base58 and base62."""
    if not (8 <= len(token) <= 40 and (HEXED.fullmatch(token) or token.isdigit())):
        return {}
    number = int(token, 16) if not token.isdigit() else int(token)
    dressed = {"in decimal": str(number), "in hex": f"{number:x}",
               "in base 36": _digits(number, 36)}
    if number.bit_length() >= NUMBER_BITS:
        # A number this long cannot turn up by chance in any of them.
        for radix in range(2, 36):
            if radix not in (10, 16):
                dressed[f"in base {radix}"] = _digits(number, radix)
        for radix, alphabet in RADIX_ALPHABETS.items():
            dressed[f"in base {radix}"] = _digits(number, radix, alphabet)
    return dressed


def _digits(number: int, radix: int,
            alphabet: str = "0123456789abcdefghijklmnopqrstuvwxyz") -> str:
    """*number* in base *radix*, as JavaScript's ``toString(radix)`` writes it, or in the
    digits of *alphabet*."""
    digits = []
    while number:
        number, digit = divmod(number, radix)
        digits.append(alphabet[digit])
    return "".join(reversed(digits)) or alphabet[0]
