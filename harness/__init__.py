"""webtrack: a browser-testing and compliance harness for website visitor tracking."""

from __future__ import annotations

import warnings

from .browsers import BrowserNotFound, available, launch_spec
from .client import CollectorClient, CollectorError, CollectorRefused, CollectorUnreachable
from .collector import create_app
from .server import Server

__all__ = ["BrowserNotFound", "CollectorClient", "CollectorError", "CollectorRefused",
           "CollectorUnreachable", "Server", "available", "create_app", "launch_spec"]


def __getattr__(name: str) -> object:
    # harness.Collector was the client's name in earlier READMEs: kept working, with a warning.
    if name == "Collector":
        warnings.warn("harness.Collector is now harness.CollectorClient", DeprecationWarning,
                      stacklevel=2)
        return CollectorClient
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
