"""``webtrack run`` and ``webtrack report merge``: the contract as browser scenarios."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..exitcodes import VERDICTS, short_of
from .options import Command, CouldNotCheck, Group, out_option, scenario_browsers, scenario_options


@click.command(cls=Command)
@scenario_options
@out_option("reports/run")
@click.option("--shard", metavar="K/N", callback=lambda ctx, param, value: _shard(value),
              help="Run only shard K of N, balanced by a previous run's durations "
                   "(merge the shards with `webtrack report merge`).")
@click.option("--durations", type=click.Path(dir_okay=False),
              help="Scenario durations to balance shards by (default: OUT/durations.json, "
                   "which every run writes).")
def run(browsers, workers, select, out, config_source, shard, durations) -> None:
    """Run the whole contract as browser scenarios; report in reports/run/.

    Exit 0 when every scenario passes, 1 when one fails, 2 when the run could not check:
    nothing selected, a browser not installed, a run that did not complete.
    """
    from .. import run as runner

    usable, missing = scenario_browsers(browsers)
    options = runner.RunOptions(browsers=usable, workers=workers, out=Path(out),
                                select=select, shard=shard, settings_file=config_source,
                                durations=Path(durations or Path(out) / "durations.json"))
    click.echo(f"webtrack run: {', '.join(options.browsers)} with {options.workers} worker(s)")
    results = runner.execute(options)
    summary = results["summary"]
    code, why = runner.verdict(results)
    code, why = short_of(code, why, missing)
    click.echo(f"{VERDICTS[code]}: {summary['passed']} passed, {summary['failed']} failed, "
               f"{summary['skipped']} skipped in {summary['duration']} s"
               f"{' (' + why + ')' if why else ''}; config: {config_source}; "
               f"report: {Path(out) / 'report.html'}")
    sys.exit(code)


def _shard(value: str | None) -> tuple[int, int] | None:
    from ..shards import parse_shard

    try:
        return parse_shard(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None


@click.group(cls=Group)
def report() -> None:
    """Work with the reports of earlier runs.

    Exit status: the subcommand's (merge: 0 every scenario passed, 1 one failed, 2 the
    shards could not be read or did not complete).
    """


@report.command("merge")
@click.argument("folders", nargs=-1, required=True,
                type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default="reports/merged", show_default=True, help="Folder for the merged report.")
def report_merge(folders, out) -> None:
    """Merge the shards' runs in FOLDERS (each with results.json) into one report.

    Exit 0 when every scenario passed, 1 when one failed, 2 when the shards could not be
    read or did not complete.
    """
    from .. import run as runner
    from ..shards import merge_dirs

    try:
        results = merge_dirs(list(folders), out)
    except ValueError as exc:
        raise CouldNotCheck(str(exc)) from None
    summary, (code, why) = results["summary"], runner.verdict(results)
    click.echo(f"{len(folders)} shards: {summary['passed']} passed, {summary['failed']} failed, "
               f"{summary['skipped']} skipped{'; ' + why if why else ''}; "
               f"report: {out / 'report.html'}")
    sys.exit(code)
