"""What the app keeps for its views, and how a view reaches it (flaskr's ``get_db()``).

Each getter names one thing the collector was built with, so a view asks for the store or
the signer rather than for a key in ``current_app.extensions``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from .signing import Signer
    from .store import Store

STORE = "webtrack.store"
SIGNER = "webtrack.signer"
LISTENERS = "webtrack.listeners"
ON_RESET = "webtrack.on_reset"

__all__ = ["get_listeners", "get_on_reset", "get_signer", "get_store", "init_app",
           "store_of"]


def init_app(app: Flask, store: Store, signer: Signer) -> None:
    """Keep *store* and *signer* on *app*, with no listeners and no reset hooks yet."""
    app.extensions[STORE] = store
    app.extensions[SIGNER] = signer
    app.extensions[LISTENERS] = ()
    app.extensions[ON_RESET] = []


def store_of(app: Flask) -> Store:
    """Return the store *app* was built with (outside a request)."""
    return app.extensions[STORE]


def get_store() -> Store:
    """Return the current app's store."""
    return store_of(current_app)


def get_signer() -> Signer:
    """Return the current app's signer of tokens and tracking contexts."""
    return current_app.extensions[SIGNER]


def get_listeners() -> tuple[Callable[..., None], ...]:
    """Return what is told about recorded interactions (journeys), in order."""
    return current_app.extensions[LISTENERS]


def get_on_reset() -> list[Callable[[], object]]:
    """Return what runs after ``POST /api/reset`` has emptied the store."""
    return current_app.extensions[ON_RESET]
