"""Load fixtures (profiles, tracked links, forms, journeys) from a folder of TOML files.

Each ``*.toml`` file may hold ``[[profile]]``, ``[[link]]``, ``[[form]]`` and ``[[journey]]``
tables. Ids are given in the files, so a fixture's tracked link is the same URL on every
start with the same secret. Forms belong to the sample estate (sites embed them by id), so
they are put back after a reset; profiles, links and journeys are not.
"""

from __future__ import annotations

import sqlite3
from functools import partial
from pathlib import Path

from flask import Flask

from .collector import consent, forms, people, state
from .collector.links import checked_target
from .config import load_toml
from .estate import rewrite_port

KINDS = ("form", "profile", "link", "journey")


class FixtureError(ValueError):
    """A fixture file that cannot be loaded; the message names the file and entry."""


def read(directory: str | Path) -> dict[str, list[dict]]:
    """Return every fixture entry under *directory*, by kind, each tagged with its file."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FixtureError(f"fixtures folder {directory} does not exist")
    found: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for path in sorted(directory.glob("*.toml")):
        data = load_toml(path)
        unknown = set(data) - set(KINDS)
        if unknown:
            raise FixtureError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}; "
                               f"expected {', '.join(KINDS)}")
        for kind in KINDS:
            for entry in data.get(kind, []):
                found[kind].append({**entry, "_file": str(path)})
    return found


def apply(app: Flask, data: dict[str, list[dict]], port: int, kinds=KINDS) -> None:
    """Create the fixture entries of *kinds* in the app's store."""
    store = state.store_of(app)
    for entry in data.get("form", []) if "form" in kinds else ():
        store.transact(partial(_form, entry=entry))
    for entry in data.get("profile", []) if "profile" in kinds else ():
        _check(entry, entry.get("kind") in consent.KINDS, "kind must be contact or lead")
        _check(entry, entry.get("consent", "not_set") in consent.CONSENTS, "unknown consent")
        store.transact(partial(_profile, entry=entry))
    for entry in data.get("link", []) if "link" in kinds else ():
        url = rewrite_port(entry["url"], port)
        with app.test_request_context():
            checked_target(store, url)
        store.transact(partial(_link, entry=entry, url=url))
    if "journey" in kinds:
        for hook in app.extensions.get("webtrack.journey_loaders", ()):
            for entry in data.get("journey", []):
                hook(entry)


def _link(db: sqlite3.Connection, entry: dict, url: str) -> None:
    db.execute("INSERT OR IGNORE INTO links (id, profile_id, url, link_tracking) "
               "VALUES (?, ?, ?, ?)",
               (entry["id"], entry["profile"], url, int(entry.get("link_tracking", True))))


def _form(db, entry: dict) -> None:
    if not db.execute("SELECT 1 FROM forms WHERE id = ?", (entry["id"],)).fetchone():
        forms.create(db, entry["name"], entry.get("web_tracking", False), entry["id"])


def _profile(db, entry: dict) -> None:
    if db.execute("SELECT 1 FROM profiles WHERE id = ?", (entry["id"],)).fetchone():
        return  # loaded on an earlier start: fixtures never overwrite data
    people.create(db, entry["kind"], entry["email"], entry.get("allow_tracking", True),
                  entry.get("consent"), entry["id"])


def _check(entry: dict, ok: bool, message: str) -> None:
    if not ok:
        raise FixtureError(f"{entry['_file']}: {entry.get('id', '?')}: {message}")
