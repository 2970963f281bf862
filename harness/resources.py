"""Where the files webtrack ships are: the sample estate, its fixtures, the tracker, the
default consent-audit configuration, the golden payloads and the packaged scenarios.

Each is found inside the installed ``harness`` package through :mod:`importlib.resources`,
never beside a checkout, so a wheel installed anywhere finds the same files as a clone.
The estate stays at the top of the repository (``sites/``, ``fixtures/``): ``harness/_estate/``
holds symbolic links to those two folders, which setuptools follows when it builds the sdist
and the wheel (so both carry real files) and an editable install reads through.
Paths a user gives (``--db``, ``--fixtures``, ``--config``, audit targets) are theirs, and
resolve against the current folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["CONSENT_CONFIG", "FIXTURES", "GOLDEN", "SCENARIOS", "SITES", "TRACKER", "shipped"]


def shipped(*parts: str) -> Path:
    """Return the path of a file or folder that ships inside the ``harness`` package."""
    root = files(__package__)
    if not isinstance(root, Path):  # e.g. imported from a zip: the estate must be real files
        raise RuntimeError(f"webtrack must be installed as files on disk, not from {root}")
    return root.joinpath(*parts)


SITES = shipped("_estate", "sites")
FIXTURES = shipped("_estate", "fixtures")
TRACKER = shipped("tracker", "tracker.js")
CONSENT_CONFIG = shipped("consent_audit", "estate.toml")
GOLDEN = shipped("gate", "golden.json")
SCENARIOS = shipped("scenarios")
