"""The reference tracking script and how it is served."""

from __future__ import annotations

import gzip
from pathlib import Path

from .minify import minify

SCRIPT = Path(__file__).resolve().parent / "tracker.js"

__all__ = ["SCRIPT", "minify", "served", "gzipped_size"]


def served(path: str | Path = SCRIPT) -> bytes:
    """Return the script at *path* as the collector serves it: comments and indentation gone."""
    return minify(Path(path).read_text(encoding="utf-8")).encode("utf-8")


def gzipped_size(path: str | Path = SCRIPT) -> int:
    """Return the size in bytes of the served script, gzipped at level 9."""
    return len(gzip.compress(served(path), 9, mtime=0))
