"""The ``webtrack`` command: a thin click group over the library, one module per family of
commands (:mod:`.serving`, :mod:`.runs`, :mod:`.gate`, :mod:`.audits`) over the options they
share (:mod:`.options`)."""

from __future__ import annotations

import click

from .audits import audit, consent_audit
from .gate import gate
from .options import CONTEXT, CouldNotCheck, Group
from .runs import report, run
from .serving import browser_server, serve

__all__ = ["CouldNotCheck", "every_command", "main"]


def every_command(group: click.Group | None = None, path: tuple[str, ...] = ()):
    """Yield ``(path, command)`` for every command under *group* (default: ``webtrack``),
    groups and their subcommands included, by name."""
    for name, command in sorted((group or main).commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(package_name="webtrack-harness", allow_from_autoenv=False)
def main() -> None:
    """Browser-testing and compliance harness for website visitor tracking."""


for command in (serve, run, gate, audit, consent_audit, browser_server, report):
    main.add_command(command)
