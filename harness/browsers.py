"""Find the browsers this machine can drive, and the options to launch them.

Playwright's own builds win where installed; otherwise Debian's packages:
``chromium-headless-shell`` (or ``chromium``) and ``firefox-esr``, the latter
driven over WebDriver BiDi through the ``moz-firefox`` channel.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BrowserNotFound", "LaunchSpec", "available", "launch_spec", "BROWSERS"]

BROWSERS = ("chromium", "firefox", "webkit")

# Without these Chromium keeps dialling out to update and safe-browsing hosts,
# which a closed network answers with a flood of refused connections.
CHROMIUM_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
)

DEBIAN_CHROMIUM = (
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/lib/chromium/chromium",
    "/usr/bin/chromium",
)
DEBIAN_FIREFOX = ("/usr/bin/firefox-esr", "/usr/lib/firefox-esr/firefox-esr")
DEBIAN_PACKAGE = {"chromium": "chromium-headless-shell", "firefox": "firefox-esr"}


class BrowserNotFound(RuntimeError):
    """No usable build of the named browser is installed."""


@dataclass(frozen=True)
class LaunchSpec:
    """How to launch one browser: a description plus ``BrowserType.launch`` kwargs."""

    name: str
    source: str
    options: dict = field(default_factory=dict)


def _playwright_build(name: str) -> str | None:
    """Return the path of Playwright's own build of *name* if it is installed."""
    root = Path(
        os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright"
    )
    prefixes = {
        "chromium": ("chromium_headless_shell-", "chromium-"),
        "firefox": ("firefox-",),
        "webkit": ("webkit-",),
    }[name]
    if not root.is_dir():
        return None
    for prefix in prefixes:
        for build in sorted(root.glob(prefix + "*"), reverse=True):
            # A build is usable once its download completed (marker file).
            if (build / "INSTALLATION_COMPLETE").exists():
                return str(build)
    return None


def _first_executable(paths: tuple[str, ...]) -> str | None:
    for path in paths:
        if os.access(path, os.X_OK) and not os.path.isdir(path):
            return path
    return None


def launch_spec(name: str) -> LaunchSpec:
    """Return how to launch *name*, or raise BrowserNotFound naming what to install."""
    if name not in BROWSERS:
        raise ValueError(f"unknown browser {name!r}; choose one of {', '.join(BROWSERS)}")
    own = _playwright_build(name)
    if name == "chromium":
        args = list(CHROMIUM_ARGS)
        if own:
            return LaunchSpec(name, f"Playwright build {own}", {"args": args})
        exe = _first_executable(DEBIAN_CHROMIUM) or shutil.which("chromium")
        if exe:
            return LaunchSpec(name, exe, {"executable_path": exe, "args": args})
    elif name == "firefox":
        if own:
            return LaunchSpec(name, f"Playwright build {own}", {})
        exe = _first_executable(DEBIAN_FIREFOX) or shutil.which("firefox-esr")
        if exe:
            # Debian's Firefox ESR speaks WebDriver BiDi, not Playwright's Juggler.
            return LaunchSpec(name, exe, {"channel": "moz-firefox", "executable_path": exe})
    elif own:
        return LaunchSpec(name, f"Playwright build {own}", {})
    if name == "webkit":
        raise BrowserNotFound(
            "webkit: no Playwright WebKit build installed (run `playwright install webkit` "
            "where downloads are possible); there is no Debian package for it"
        )
    raise BrowserNotFound(
        f"{name}: no usable build found; install the Debian package "
        f"`{DEBIAN_PACKAGE[name]}` (apt-get install {DEBIAN_PACKAGE[name]}) "
        f"or Playwright's own build"
    )


def available() -> list[str]:
    """Return the names of the browsers that can be launched here."""
    found = []
    for name in BROWSERS:
        try:
            launch_spec(name)
        except BrowserNotFound:
            continue
        found.append(name)
    return found
