"""The reference tracking script, served byte for byte at ``/tracker.js``."""

from __future__ import annotations

import gzip
from pathlib import Path

from ..resources import TRACKER

SCRIPT = TRACKER

__all__ = ["SCRIPT", "served", "gzipped_size"]


def served(path: str | Path = SCRIPT) -> bytes:
    """Return the script at *path* exactly as the collector serves it."""
    return Path(path).read_bytes()


def gzipped_size(path: str | Path = SCRIPT) -> int:
    """Return the size in bytes of the served script, gzipped at level 9."""
    return len(gzip.compress(served(path), 9, mtime=0))
