"""Compressed bodies read back: what the audit's proxy sees a page send or a server answer
is searched as text, and a worker's script is given the page clock, whatever the coding."""

from __future__ import annotations

import zlib

__all__ = ["inflate"]

GZIP_OR_ZLIB = 47  # zlib's wbits for "gzip or zlib, by the stream's header"
RAW_DEFLATE = -15  # no header at all: CompressionStream's "deflate-raw", some SDKs' batches


def inflate(body: bytes, limit: int, raw: bool = True, whole: bool = False) -> bytes | None:
    """*body* inflated, at most *limit* bytes of it: read as gzip or zlib by its header, else
    (with *raw*) as raw deflate. None when it inflates as neither; with *whole*, also when
    the stream is cut short or inflates past *limit* (a stream only partly read back must
    not be passed on as if it were all there)."""
    for wbits in (GZIP_OR_ZLIB, RAW_DEFLATE) if raw else (GZIP_OR_ZLIB,):
        inflater = zlib.decompressobj(wbits)
        try:
            out = inflater.decompress(body, limit)
        except zlib.error:
            continue
        if not out and not inflater.eof:
            continue  # nothing came out of it: not this format (or too little to tell)
        if whole and (not inflater.eof or inflater.unconsumed_tail):
            return None
        return out
    return None
