"""``webtrack browser-server``: serve one of this machine's browsers to remote clients.

The browser is launched on this side (``harness/browsers.py`` finds it) through the
Playwright driver's ``launchServer``, run by the Node that ships inside the Playwright
Python package, so client and server share one Playwright version by construction.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path
from typing import Any

from ..browsers import launch_spec
from ..resources import shipped

__all__ = ["BrowserServer", "server_options"]

SCRIPT = shipped("remote", "server.js")


def driver() -> tuple[Path, Path]:
    """The Node executable and the playwright-core package inside the Playwright package."""
    import playwright

    root = Path(playwright.__file__).parent / "driver"
    return root / "node", root / "package"


def server_options(browser: str, port: int = 0, host: str = "127.0.0.1") -> dict:
    """launchServer's options for *browser*: where it is, its flags, where to listen.

    The endpoint's path names the browser (``/chromium/<token>``) so a client knows what it
    serves; the token keeps others from guessing it.
    """
    spec = launch_spec(browser).options
    launch: dict[str, Any] = {"port": port, "host": host, "headless": True,
              "wsPath": f"/{browser}/{secrets.token_hex(12)}"}
    for ours, theirs in (("executable_path", "executablePath"), ("args", "args"),
                         ("channel", "channel")):
        if ours in spec:
            launch[theirs] = spec[ours]
    # A context's own proxy must see loopback traffic too (the consent audit records
    # through one), as in a local launch.
    if browser == "chromium":
        launch["args"] = [*launch.get("args", []), "--proxy-bypass-list=<-loopback>"]
    elif browser == "firefox":
        launch["firefoxUserPrefs"] = {"network.proxy.allow_hijacking_localhost": True}
    return {"browser": browser, "launch": launch}


class BrowserServer:
    """A browser server child process; ``start()`` returns once its endpoint is known."""

    def __init__(self, browser: str, port: int = 0, host: str = "127.0.0.1",
                 env: dict | None = None) -> None:
        self.options = server_options(browser, port, host)
        self.browser = browser
        self.env = env
        self.process: subprocess.Popen | None = None
        self.ws_endpoint: str | None = None
        self.version: str | None = None

    def start(self) -> BrowserServer:
        node, package = driver()
        self.process = process = subprocess.Popen(
            [str(node), str(SCRIPT), str(package), json.dumps(self.options)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(self.env or {})})
        assert process.stdout is not None and process.stderr is not None  # both piped
        line = process.stdout.readline()
        if not line:
            error = process.stderr.read().strip()
            process.wait()
            raise RuntimeError(f"browser server for {self.browser} did not start: "
                               f"{error or 'no output'}")
        record = json.loads(line)
        self.ws_endpoint, self.version = record["wsEndpoint"], record["version"]
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr) \
                if self.process else ():
            if stream is not None:
                stream.close()

    def __enter__(self) -> BrowserServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
