"""webtrack: a browser-testing and compliance harness for website visitor tracking."""

from .browsers import BrowserNotFound, available, launch_spec
from .collector import create_app
from .server import Server
from .testing import Collector

__all__ = ["BrowserNotFound", "Collector", "Server", "available", "create_app", "launch_spec"]
