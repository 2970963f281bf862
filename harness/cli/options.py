"""What the commands share: the command classes, the settings file, browsers and workers,
remote browser servers, report folders, and the exit code for "could not check"."""

from __future__ import annotations

import re
import sys

import click

from .. import config
from ..exitcodes import UNCHECKED

# Every option can also be set by WEBTRACK_<COMMAND>_<OPTION> (WEBTRACK_GATE_SCRIPT); the
# documented settings by their short names too (WEBTRACK_PORT, WEBTRACK_WORKERS...).
CONTEXT = {"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "WEBTRACK"}


class Command(click.Command):
    """A command whose ``--help`` reads no variable (``WEBTRACK_RUN_HELP`` shows no help)."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.allow_from_autoenv = False
        return option


class Group(Command, click.Group):
    """A group whose commands and subgroups are of these classes too."""

    command_class = Command
    group_class = type


def out_option(default: str):
    """The ``--out`` option: where a command writes its reports."""
    return click.option("--out", type=click.Path(file_okay=False), default=default,
                        show_default=True, help="Folder for the reports (HTML, JSON, JUnit).")


class CouldNotCheck(click.ClickException):
    """A command could not do its check (exit 2, like a bad option)."""

    exit_code = UNCHECKED


def _read_settings(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """Load the settings file (``--config``, else the nearest one) as the command's
    ``default_map``, below flags and environment variables; return how to name the file.

    A file webtrack cannot use is a usage error (exit 2) naming the file, and so is a value
    the option it sets would refuse.
    """
    try:
        table, source = config.locate(value)
    except ValueError as exc:
        raise click.UsageError(str(exc), ctx) from None
    defaults = config.default_map(table, ctx.info_name or "")
    for option in ctx.command.params:
        if option.name in defaults:
            given = defaults[option.name]
            if option.multiple and isinstance(given, str):
                defaults[option.name] = given = [given]
            try:
                option.type_cast_value(ctx, given)
            except click.BadParameter as exc:
                raise click.UsageError(f"{source}: {option.name} = {given!r}: "
                                       f"{exc.message}", ctx) from None
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return source


def config_option(command):
    """``--config FILE``: the settings file, whose values the command's options default to;
    the command gets the name of the file it read (or ``defaults``) as ``config_source``."""
    return click.option(
        "--config", "config_source", type=click.Path(dir_okay=False, exists=True), is_eager=True,
        callback=_read_settings,
        help="TOML file with [tool.webtrack] (or a webtrack.toml); default: the nearest "
             "webtrack.toml or pyproject.toml from this folder up.")(command)


class BrowserChoice(click.Choice):
    """A browser name; ``WEBTRACK_BROWSERS`` lists them separated by commas or spaces."""

    def split_envvar_value(self, rv: str) -> list[str]:
        return [name for name in re.split(r"[\s,]+", rv) if name]


def usable_browsers(wanted: list[str]) -> tuple[list[str], list[str]]:
    """Split *wanted* into the browsers installed here and those not, saying why for each;
    exit 2 when none is."""
    from .. import remote
    from ..browsers import BrowserNotFound, launch_spec

    missing = []
    for name in wanted:
        if any(e.serves(name) for e in remote.from_env()):
            continue  # a browser server (--connect) launches it
        try:
            launch_spec(name)
        except BrowserNotFound as exc:
            missing.append(name)
            click.echo(f"{name}: could not run: {exc}", err=True)
    if len(missing) == len(wanted):
        click.echo("nothing to run: no browser available", err=True)
        sys.exit(UNCHECKED)
    return [b for b in wanted if b not in missing], missing


def _connect(ctx, param, values: tuple[str, ...]) -> None:
    """Check the endpoints once, then hand them to every child run through the environment."""
    import os

    from .. import remote

    if not values:
        values = tuple(v for v in os.environ.get(remote.ENV, "").replace(",", " ").split() if v)
    if not values:
        return
    try:
        remote.check(remote.parse(list(values)))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    except remote.RemoteError as exc:
        raise CouldNotCheck(str(exc)) from None
    os.environ[remote.ENV] = " ".join(values)


def connect_option(command):
    """``--connect WS_URL``: drive browsers on Playwright browser servers, not local ones."""
    return click.option(
        "--connect", multiple=True, metavar="WS_URL", callback=_connect, expose_value=False,
        help="Use the browser server at WS_URL (repeatable; [BROWSER=]ws://HOST:PORT/PATH; "
             "default: $WEBTRACK_CONNECT); work is spread over the servers.")(command)


browsers_option = click.option(
    "--browser", "browsers", multiple=True,
    type=BrowserChoice(["chromium", "firefox", "webkit", "all"]),
    default=config.DEFAULTS["browsers"], show_default=True, envvar="WEBTRACK_BROWSERS",
    show_envvar=True, help="Browser to run in (repeatable).")
workers_option = click.option(
    "-n", "workers", type=click.IntRange(1, 16), default=config.DEFAULTS["workers"],
    show_default=True, envvar="WEBTRACK_WORKERS", show_envvar=True, help="Parallel workers.")
select_option = click.option("-k", "select", metavar="EXPR",
                             help="Only scenarios matching this pytest -k expression.")


def options(*decorators):
    """One decorator applying *decorators* in the order they are listed (as --help shows)."""
    def apply(command):
        for decorator in reversed(decorators):
            command = decorator(command)
        return command
    return apply


# What ``run`` and ``gate`` share: where the browsers are, which ones, how many workers,
# which scenarios, which settings file.
scenario_options = options(connect_option, browsers_option, workers_option, select_option,
                           config_option)


def scenario_browsers(browsers: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The browsers ``run`` and ``gate`` run in: (those installed here, those asked for but
    not installed)."""
    from .. import run as runner

    return usable_browsers(runner.expand_browsers(list(browsers)))
