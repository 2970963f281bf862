"""``webtrack gate``: ``--script FILE`` gates a candidate; the subcommands check the gate."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource

from ..exitcodes import CLEAN, FINDINGS, UNCHECKED, short_of
from .options import (
    CouldNotCheck,
    Group,
    browsers_option,
    config_option,
    connect_option,
    options,
    out_option,
    scenario_browsers,
    scenario_options,
    select_option,
    workers_option,
)

# The gate's modes: `gate --script FILE` gates a candidate; its subcommands check the gate
# itself. The old mode flags still work, as deprecated aliases of the subcommands.
MODE_FLAGS = {"self_test": "self-test", "update_golden": "update-golden", "mutation": "mutation"}


def _deprecated_flag(name: str):
    return click.option(f"--{MODE_FLAGS[name]}", name, is_flag=True, allow_from_autoenv=False,
                        help=f"Deprecated: use `webtrack gate {MODE_FLAGS[name]}`.")


@click.group(cls=Group, invoke_without_command=True)
@scenario_options
@click.option("--script", type=click.Path(dir_okay=False, exists=True),
              help="The candidate tracking script.")
@click.option("--budget-gzip-bytes", type=int, help="Fail above this gzipped size.")
@click.option("--budget-main-thread-ms", type=float,
              help="Fail above this main-thread time per tracked page view.")
@click.option("--cost/--no-cost", "measure_cost", default=None,
              help="Measure main-thread cost (default: only when a main-thread budget is set).")
@click.option("--budget-main-thread", "budget_main_thread", metavar="BUDGET",
              help="Fail above this main-thread cost per tracked page view, in any browser: "
                   "a ratio to the floor (1.25x) or milliseconds (3ms, 3).")
@click.option("--impact/--all", "impact", default=False,
              help="--impact: in Chromium, run only the scenarios whose coverage of the "
                   "reference touches what the candidate changes (Firefox always runs every "
                   "one; the first gate builds the coverage map, a full run). Default "
                   "(--all): every scenario.")
@_deprecated_flag("self_test")
@_deprecated_flag("update_golden")
@_deprecated_flag("mutation")
@click.option("--mutant", "only_mutants", multiple=True, metavar="ID|OPERATOR",
              help="Deprecated, with --mutation: use `webtrack gate mutation --mutant`.")
@out_option("reports/gate")
@click.pass_context
def gate(ctx, script, browsers, workers, budget_gzip_bytes, budget_main_thread_ms,
         measure_cost, budget_main_thread, impact, self_test, update_golden, mutation,
         only_mutants, select, out, config_source) -> None:
    """Run the scenarios with SCRIPT in place of the reference tracker and compare.

    `webtrack gate --script FILE` gates FILE; the subcommands check the gate itself.
    Exit 0 when SCRIPT keeps the contract, 1 when it breaks it, 2 when it could not be
    checked (bad options, nothing selected, a reference run that fails).
    """
    if ctx.invoked_subcommand:
        given = [p.opts[0] for p in ctx.command.params
                 if ctx.get_parameter_source(p.name) is ParameterSource.COMMANDLINE]
        if given:
            raise click.UsageError(
                f"{', '.join(given)} before `{ctx.invoked_subcommand}` would be ignored: give "
                f"options after it (webtrack gate {ctx.invoked_subcommand} {given[0]} …)", ctx)
        return
    flags = {"self_test": self_test, "update_golden": update_golden, "mutation": mutation}
    modes = [f"--{MODE_FLAGS[name]}" for name, on in flags.items() if on]
    if len(modes) + bool(script) > 1:
        raise click.UsageError(f"choose one of {', '.join(['--script', *modes])}", ctx)
    if not modes and not script:
        raise click.UsageError("give --script FILE, or a subcommand: "
                               f"{', '.join(sorted(MODE_FLAGS.values()))}", ctx)
    if modes:
        click.echo(f"warning: `webtrack gate {modes[0]}` is deprecated; use "
                   f"`webtrack gate {modes[0][2:]}`", err=True)
        if mutation:
            _mutation_run(Path(out), workers, list(only_mutants), select, config_source)
        elif update_golden:
            _update_golden(browsers, workers, Path(out), config_source)
        else:
            _self_test(ctx, browsers, workers, select, Path(out), config_source)
        return
    _gate_script(Path(script), browsers, workers, select, Path(out), config_source,
                 measure_cost, budget_gzip_bytes, budget_main_thread_ms, budget_main_thread,
                 everything=not impact)


def _gate_script(script: Path, browsers: tuple[str, ...], workers: int, select: str | None,
                 out: Path, config_source: str, measure_cost: bool | None,
                 budget_gzip_bytes: int | None, budget_main_thread_ms: float | None,
                 budget_main_thread: str | None, everything: bool = True) -> None:
    from .. import gate as gating
    from .. import run as runner
    from ..gate.report import write

    usable, missing = scenario_browsers(browsers)
    try:
        budget = gating.cost.parse_budget(budget_main_thread) \
            if budget_main_thread is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--budget-main-thread") from None
    result = gating.gate(gating.GateOptions(
        script=script, browsers=usable, workers=workers, out=out, settings_file=config_source,
        budget_gzip_bytes=budget_gzip_bytes, budget_main_thread_ms=budget_main_thread_ms,
        budget_main_thread=budget, measure_cost=measure_cost, select=select,
        everything=everything))
    write(result, out)
    click.echo(describe_selection(result["selection"]))
    if result["stopped_early"]:
        click.echo(f"STOPPED EARLY after {result['stopped_early']['after_seconds']} s: "
                   f"{result['stopped_early']['reason']}")
    for failure in result["failed"]:
        click.echo(f"FAILED {failure['scenario']} [{failure['browser']}]")
    for change in result["payload_changes"]:
        click.echo(f"PAYLOAD {change['scenario']} [{change['browser']}]: "
                   f"{change['differences'][0]}")
    for over in result["over_budget"]:
        click.echo(f"BUDGET {over}")
    # A run that selected nothing or did not complete checked nothing: 2, unless the canary
    # already showed the candidate broken.
    code, why = runner.verdict({"summary": result["summary"], "config": {"select": select}})
    if result["stopped_early"] or code != UNCHECKED:
        code, why = (CLEAN, "") if result["passed"] else (FINDINGS, "")
    code, why = short_of(code, why, missing)
    label = {CLEAN: "passed", FINDINGS: "FAILED", UNCHECKED: "INCOMPLETE"}[code]
    click.echo(f"gate {label}: {result['summary']['passed']} scenarios passed, "
               f"{len(result['failed'])} failed, {len(result['payload_changes'])} payload "
               f"changes{' (' + why + ')' if why else ''}; config: {config_source}; "
               f"report: {out}/report.html")
    sys.exit(code)


def describe_selection(selection: dict) -> str:
    """One line: how many Chromium scenarios ran of how many, and why."""
    counts = selection["chromium"]
    if selection["mode"] == "all":
        return f"selection: every scenario ran ({selection['fallback']})"
    what = ("identical to the reference: the smoke set" if selection["identical"] else
            f"{len(selection['changes'])} change(s) to the reference")
    return (f"selection: {counts['chosen']} of {counts['of']} Chromium scenarios chosen, "
            f"{counts['ran']} ran ({what}; map: {selection['map']}); "
            f"Firefox: {selection['firefox']}")


@gate.command("self-test")
@scenario_options
@out_option("reports/gate")
@click.pass_context
def gate_self_test(ctx, browsers, workers, select, config_source, out) -> None:
    """Gate every hand-written mutant of the reference tracker: each must fail.

    Runs in Chromium unless browsers are given. Exit 0 when every mutant is caught, 1 when
    one survives, 2 when it could not check.
    """
    _self_test(ctx, browsers, workers, select, Path(out), config_source)


def _self_test(ctx: click.Context, browsers: tuple[str, ...], workers: int,
               select: str | None, out: Path, config_source: str) -> None:
    from .. import gate as gating
    from ..gate.report import write

    chosen = ctx.get_parameter_source("browsers") is not ParameterSource.DEFAULT
    usable, _ = scenario_browsers(browsers if chosen else ("chromium",))

    def show(row: dict) -> None:
        verdict = f"caught by {row['caught_by'][0]}" if row["caught"] else "SURVIVED"
        click.echo(f"  {row['mutant']}: {verdict}")

    report = gating.self_test(out, browsers=usable, workers=workers, progress=show,
                              select=select)
    write(None, out, report)
    click.echo(f"{len(report['mutants'])} mutants, {len(report['survivors'])} survived; "
               f"config: {config_source}; report: {out}/report.html")
    sys.exit(CLEAN if report["passed"] else FINDINGS)


@gate.command("update-golden")
@options(connect_option, browsers_option, workers_option, config_option)
@out_option("reports/gate")
def gate_update_golden(browsers, workers, config_source, out) -> None:
    """Record the reference run's payloads as the new golden reference (golden.json).

    Exit 0 once recorded, 2 when the reference run fails (golden.json is then unchanged).
    """
    _update_golden(browsers, workers, Path(out), config_source)


def _update_golden(browsers: tuple[str, ...], workers: int, out: Path, config_source: str
                   ) -> None:
    from .. import gate as gating
    from .. import run as runner

    usable, _ = scenario_browsers(browsers)
    results = runner.execute(runner.RunOptions(browsers=usable, workers=workers,
                                               out=out / "reference"))
    if runner.failed(results):
        raise CouldNotCheck("the reference run failed; golden payloads unchanged")
    gating.golden.save(gating.golden.from_results(results))
    click.echo(f"golden payloads updated: {gating.golden.GOLDEN}; config: {config_source}")


@gate.command("mutation")
@options(connect_option, workers_option, select_option, config_option)
@click.option("--mutant", "only_mutants", multiple=True, metavar="ID|OPERATOR",
              help="Run only these mutants (repeatable).")
@click.option("--hints", "hints", multiple=True, type=click.Path(exists=True),
              metavar="DIR|JSON",
              help="An earlier run (its --out folder or mutation.json): each mutant tries "
                   "the scenario that caught it there first (repeatable).")
@click.option("--fresh", is_flag=True,
              help="Run the reference again even when nothing it depends on changed since "
                   "the last run in --out; and start without the kill history.")
@out_option("reports/gate")
def gate_mutation(workers, select, config_source, only_mutants, hints, fresh, out) -> None:
    """Mutation-test the scenarios: every mechanical mutant of the reference tracker against
    the Chromium scenarios that cover it.

    Exit 0 when the score reaches 95 %, 1 under it, 2 when the reference run fails.
    """
    _mutation_run(Path(out), workers, list(only_mutants), select, config_source,
                  [Path(h) for h in hints], fresh)


def _mutation_run(out: Path, workers: int, only: list[str], select: str | None,
                  config_source: str, hints: list[Path] | None = None,
                  fresh: bool = False) -> None:
    from ..gate import mutation
    from ..gate.report import write_mutation
    from ..progress import Progress

    counts: dict[str, int] = {}
    bar = Progress("mutation: mutants run")

    def show(row: dict) -> None:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
        if row["status"] not in ("killed", "timeout"):
            bar.close()
            click.echo(f"  {row['status'].upper()} {row['id']}: {row.get('message') or ''}"[:300])
        bar.step(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))

    options = mutation.MutationOptions(out=out, workers=workers, only=only or None,
                                       select=select, hints=hints or [],
                                       reuse_reference=not fresh, ignore_history=fresh)
    try:
        with bar:
            result = mutation.mutation(options, progress=show,
                                       stage=lambda text: click.echo(f"mutation: {text}"))
    except (RuntimeError, ValueError) as exc:
        raise CouldNotCheck(str(exc)) from None
    write_mutation(result, out)
    for row in result["survivors"]:
        click.echo(f"\nSURVIVOR {row['id']} ({row['status']}): {row['change']}\n{row['diff']}")
    for row in result.get("timeouts", []):
        click.echo(f"\nTIMEOUT {row['id']} (killed by timeout): {row['message']}")
    summary = result["summary"]
    click.echo(f"mutation score {summary['score']} %: {summary['killed']} killed, "
               f"{summary.get('timeout', 0)} killed by timeout, "
               f"{summary['survived']} survived, {summary['not_covered']} not covered, "
               f"{summary['error']} errors, {summary['equivalent']} equivalent, of "
               f"{summary['total']} mutants in {result['seconds']['total_s']} s "
               f"({result['seconds'].get('total_cpu_s')} CPU-s, load average "
               f"{result['load_average']['start']}→{result['load_average']['end']}); "
               f"config: {config_source}; report: {out / 'mutation.html'}")
    sys.exit(0 if result["passed"] else 1)
