"""``webtrack serve`` and ``webtrack browser-server``: what other runs connect to."""

from __future__ import annotations

import time

import click

from .. import config
from .options import Command, CouldNotCheck, config_option


@click.command(cls=Command)
@click.option("--port", type=click.IntRange(0, 65535), default=config.DEFAULTS["port"],
              show_default=True, envvar="WEBTRACK_PORT", show_envvar=True,
              help="Port for every host.")
@click.option("--db", type=click.Path(dir_okay=False), default=config.DEFAULTS["db"],
              show_default=True, envvar="WEBTRACK_DB", show_envvar=True,
              help="SQLite file of the collector.")
@click.option("--fixtures", type=click.Path(file_okay=False, exists=True),
              default=config.DEFAULTS["fixtures"], envvar="WEBTRACK_FIXTURES", show_envvar=True,
              help="Folder of fixture TOML files (default: the packaged ones).")
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of waitress.")
@click.option("--api-token", envvar="WEBTRACK_API_TOKEN", show_envvar=True,
              help="Require this bearer token on state-changing API calls.")
@config_option
def serve(port, db, fixtures, dev, api_token, config_source) -> None:
    """Serve the collector and every sample site on one loopback port."""
    from ..fixtures import FixtureError
    from ..server import Server

    server = Server(port=port, db=db, fixtures_dir=fixtures, dev=dev, api_token=api_token)
    try:
        server.start()
    except OSError as exc:
        raise CouldNotCheck(f"cannot listen on port {port}: {exc}") from None
    except FixtureError as exc:
        raise CouldNotCheck(str(exc)) from None
    click.echo(f"webtrack serving on port {server.port} (database {server.db}; "
               f"config: {config_source})")
    click.echo(f"  collector  {server.origin()}/" +
               ("  (API changes need the API token)" if server.api_token else ""))
    for site in server.sites:
        click.echo(f"  {site.id:<10} {site.origin(server.port)}/")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


@click.command("browser-server", cls=Command)
@click.option("--browser", "browser_name", required=True, type=click.Choice(["chromium", "firefox",
              "webkit"]), help="The browser to serve (as found on this machine).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port to listen on (0: a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for other machines).")
def browser_server(browser_name, port, host) -> None:
    """Serve this machine's BROWSER to remote webtrack runs; print its ws:// endpoint.

    Exit 0 once interrupted, 2 when the browser is not installed or the server cannot
    start.
    """
    from ..browsers import BrowserNotFound
    from ..remote.server import BrowserServer

    try:
        server = BrowserServer(browser_name, port=port, host=host).start()
    except (BrowserNotFound, RuntimeError) as exc:
        raise CouldNotCheck(str(exc)) from None
    click.echo(f"webtrack browser-server: {browser_name} "
               f"({server.options['launch'].get('executablePath', 'Playwright build')}), "
               f"Playwright {server.version}", err=True)
    click.echo(server.ws_endpoint)
    try:
        if server.process is not None:
            server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
