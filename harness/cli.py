"""The ``webtrack`` command: a thin click group over the library."""

from __future__ import annotations

import contextlib
import re
import sys
import time
from pathlib import Path

import click
from click.core import ParameterSource

from . import config
from .exitcodes import CLEAN, FINDINGS, UNCHECKED

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
    from . import remote
    from .browsers import BrowserNotFound, launch_spec

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

    from . import remote

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
    from . import run as runner

    return usable_browsers(runner.expand_browsers(list(browsers)))


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


@main.command()
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
    from .fixtures import FixtureError
    from .server import Server

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


@main.command()
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
    from . import run as runner

    usable, missing = scenario_browsers(browsers)
    options = runner.RunOptions(browsers=usable, workers=workers, out=Path(out),
                                select=select, shard=shard, settings_file=config_source,
                                durations=Path(durations or Path(out) / "durations.json"))
    click.echo(f"webtrack run: {', '.join(options.browsers)} with {options.workers} worker(s)")
    results = runner.execute(options)
    summary = results["summary"]
    code, why = runner.verdict(results)
    if missing and code == CLEAN:
        code, why = UNCHECKED, f"not run in {', '.join(missing)}"
    verdict = {CLEAN: "PASS", FINDINGS: "FAIL", UNCHECKED: "INCOMPLETE"}[code]
    click.echo(f"{verdict}: {summary['passed']} passed, {summary['failed']} failed, "
               f"{summary['skipped']} skipped in {summary['duration']} s"
               f"{' (' + why + ')' if why else ''}; config: {config_source}; "
               f"report: {Path(out) / 'report.html'}")
    sys.exit(code)


# The gate's modes: `gate --script FILE` gates a candidate; its subcommands check the gate
# itself. The old mode flags still work, as deprecated aliases of the subcommands.
MODE_FLAGS = {"self_test": "self-test", "update_golden": "update-golden", "mutation": "mutation"}


def _deprecated_flag(name: str):
    return click.option(f"--{MODE_FLAGS[name]}", name, is_flag=True, allow_from_autoenv=False,
                        help=f"Deprecated: use `webtrack gate {MODE_FLAGS[name]}`.")


@main.group(invoke_without_command=True)
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
@_deprecated_flag("self_test")
@_deprecated_flag("update_golden")
@_deprecated_flag("mutation")
@click.option("--mutant", "only_mutants", multiple=True, metavar="ID|OPERATOR",
              help="Deprecated, with --mutation: use `webtrack gate mutation --mutant`.")
@out_option("reports/gate")
@click.pass_context
def gate(ctx, script, browsers, workers, budget_gzip_bytes, budget_main_thread_ms,
         measure_cost, budget_main_thread, self_test, update_golden, mutation, only_mutants,
         select, out, config_source) -> None:
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
            _mutation_run(Path(out), workers, list(only_mutants), select)
        elif update_golden:
            _update_golden(browsers, workers, Path(out))
        else:
            _self_test(ctx, browsers, workers, select, Path(out))
        return
    _gate_script(Path(script), browsers, workers, select, Path(out), config_source,
                 measure_cost, budget_gzip_bytes, budget_main_thread_ms, budget_main_thread)


def _gate_script(script: Path, browsers: tuple[str, ...], workers: int, select: str | None,
                 out: Path, config_source: str, measure_cost: bool | None,
                 budget_gzip_bytes: int | None, budget_main_thread_ms: float | None,
                 budget_main_thread: str | None) -> None:
    from . import gate as gating
    from . import run as runner
    from .gate.report import write

    usable, missing = scenario_browsers(browsers)
    try:
        budget = gating.cost.parse_budget(budget_main_thread) \
            if budget_main_thread is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--budget-main-thread") from None
    result = gating.gate(gating.GateOptions(
        script=script, browsers=usable, workers=workers, out=out, settings_file=config_source,
        budget_gzip_bytes=budget_gzip_bytes, budget_main_thread_ms=budget_main_thread_ms,
        budget_main_thread=budget, measure_cost=measure_cost, select=select))
    write(result, out)
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
    if missing and code == CLEAN:
        code, why = UNCHECKED, f"not run in {', '.join(missing)}"
    label = {CLEAN: "passed", FINDINGS: "FAILED", UNCHECKED: "INCOMPLETE"}[code]
    click.echo(f"gate {label}: {result['summary']['passed']} scenarios passed, "
               f"{len(result['failed'])} failed, {len(result['payload_changes'])} payload "
               f"changes{' (' + why + ')' if why else ''}; config: {config_source}; "
               f"report: {out}/report.html")
    sys.exit(code)


@gate.command("self-test")
@scenario_options
@out_option("reports/gate")
@click.pass_context
def gate_self_test(ctx, browsers, workers, select, config_source, out) -> None:
    """Gate every hand-written mutant of the reference tracker: each must fail.

    Runs in Chromium unless browsers are given. Exit 0 when every mutant is caught, 1 when
    one survives, 2 when it could not check.
    """
    _self_test(ctx, browsers, workers, select, Path(out))


def _self_test(ctx: click.Context, browsers: tuple[str, ...], workers: int,
               select: str | None, out: Path) -> None:
    from . import gate as gating
    from .gate.report import write

    chosen = ctx.get_parameter_source("browsers") is not ParameterSource.DEFAULT
    usable, _ = scenario_browsers(browsers if chosen else ("chromium",))

    def show(row: dict) -> None:
        verdict = f"caught by {row['caught_by'][0]}" if row["caught"] else "SURVIVED"
        click.echo(f"  {row['mutant']}: {verdict}")

    report = gating.self_test(out, browsers=usable, workers=workers, progress=show,
                              select=select)
    write(None, out, report)
    click.echo(f"{len(report['mutants'])} mutants, {len(report['survivors'])} survived; "
               f"report: {out}/report.html")
    sys.exit(CLEAN if report["passed"] else FINDINGS)


@gate.command("update-golden")
@options(connect_option, browsers_option, workers_option, config_option)
@out_option("reports/gate")
def gate_update_golden(browsers, workers, config_source, out) -> None:
    """Record the reference run's payloads as the new golden reference (golden.json).

    Exit 0 once recorded, 2 when the reference run fails (golden.json is then unchanged).
    """
    _update_golden(browsers, workers, Path(out))


def _update_golden(browsers: tuple[str, ...], workers: int, out: Path) -> None:
    from . import gate as gating
    from . import run as runner

    usable, _ = scenario_browsers(browsers)
    results = runner.execute(runner.RunOptions(browsers=usable, workers=workers,
                                               out=out / "reference"))
    if runner.failed(results):
        raise CouldNotCheck("the reference run failed; golden payloads unchanged")
    gating.golden.save(gating.golden.from_results(results))
    click.echo(f"golden payloads updated: {gating.golden.GOLDEN}")


@gate.command("mutation")
@options(connect_option, workers_option, select_option, config_option)
@click.option("--mutant", "only_mutants", multiple=True, metavar="ID|OPERATOR",
              help="Run only these mutants (repeatable).")
@out_option("reports/gate")
def gate_mutation(workers, select, config_source, only_mutants, out) -> None:
    """Mutation-test the scenarios: every mechanical mutant of the reference tracker against
    the Chromium scenarios that cover it.

    Exit 0 when the score reaches 95 %, 1 under it, 2 when the reference run fails.
    """
    _mutation_run(Path(out), workers, list(only_mutants), select)


def _shard(value: str | None) -> tuple[int, int] | None:
    from .shards import parse_shard

    try:
        return parse_shard(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None


def _audit_formats(ctx, param, value: str) -> list[str]:
    from .audit.report import check_formats

    try:
        return check_formats([f.strip() for f in value.split(",") if f.strip()])
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _mutation_run(out: Path, workers: int, only: list[str], select: str | None) -> None:
    from .gate import mutation
    from .gate.report import write_mutation
    from .progress import Progress

    counts: dict[str, int] = {}
    bar = Progress("mutation: mutants run")

    def show(row: dict) -> None:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
        if row["status"] != "killed":
            bar.close()
            click.echo(f"  {row['status'].upper()} {row['id']}: {row.get('message') or ''}"[:300])
        bar.step(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))

    options = mutation.MutationOptions(out=out, workers=workers, only=only or None,
                                       select=select)
    try:
        with bar:
            result = mutation.mutation(options, progress=show,
                                       stage=lambda text: click.echo(f"mutation: {text}"))
    except (RuntimeError, ValueError) as exc:
        raise CouldNotCheck(str(exc)) from None
    write_mutation(result, out)
    for row in result["survivors"]:
        click.echo(f"\nSURVIVOR {row['id']} ({row['status']}): {row['change']}\n{row['diff']}")
    summary = result["summary"]
    click.echo(f"mutation score {summary['score']} %: {summary['killed']} killed, "
               f"{summary['survived']} survived, {summary['not_covered']} not covered, "
               f"{summary['error']} errors, {summary['equivalent']} equivalent, of "
               f"{summary['total']} mutants in {result['seconds']['total_s']} s; "
               f"report: {out / 'mutation.html'}")
    sys.exit(0 if result["passed"] else 1)


@main.command()
@connect_option
@click.argument("targets", nargs=-1, required=True)
@click.option("--format", "formats", default="html,json,sarif", show_default=True,
              callback=_audit_formats,
              help="Report formats, comma-separated: html, json, sarif (JUnit always).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True),
              help="TOML file with [tool.webtrack.audit] (or [audit]); default: the nearest "
                   "webtrack.toml or pyproject.toml from this folder up.")
@click.option("--render", is_flag=True, help="Audit the live DOM after the page's scripts ran.")
@click.option("--validate", is_flag=True,
              help="Add HTML validity findings from the Nu Html Checker (needs Java).")
@out_option("reports/audit")
def audit(targets, formats, config_file, render, validate, out) -> None:
    """Audit HTML files, folders or URLs for a correct tracker installation.

    Exit 0 when clean, 1 on any error finding, 2 when something could not be checked (bad
    options or configuration, a missing or unreachable target, nothing to audit).
    """
    from . import audit as auditor

    try:
        raw, source = auditor.config.from_file(config_file) if config_file else \
            auditor.config.locate()
        config = auditor.config.load(raw, source)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    count = len(auditor.expand(list(targets)).pages)
    bar = click.progressbar(length=count, label="auditing", file=sys.stderr) \
        if count >= 50 and sys.stderr.isatty() else None
    done = [0]

    def progress() -> None:
        # A bar on a terminal; in CI logs, one line per quarter of the pages.
        done[0] += 1
        if bar:
            bar.update(1)
        elif count >= 50 and done[0] % max(1, count // 4) == 0:
            click.echo(f"auditing: {done[0]}/{count} pages", err=True)

    try:
        with bar or contextlib.nullcontext():
            result = auditor.run(list(targets), config, render=render, validate=validate,
                                 progress=progress)
        auditor.write_reports(result, Path(out), formats)
    except (ValueError, auditor.TargetError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(auditor.UNCHECKED)
    for finding in result.findings:
        click.echo(f"{finding.file_or_url}:{finding.line or 0}: {finding.rule} "
                   f"{finding.severity}: {finding.message}")
    for target in result.skipped:
        click.echo(f"{target['file_or_url']}: skipped: {target['reason']}", err=True)
    for target in result.unchecked:
        click.echo(f"{target['file_or_url']}: could not check: {target['error']}", err=True)
    if not result.pages:
        click.echo("nothing to audit: no HTML page among the targets "
                   f"({len(result.skipped)} skipped, {len(result.unchecked)} not checkable)",
                   err=True)
    click.echo(f"{result.verdict.upper()}: {len(result.pages)} pages, {result.errors} errors, "
               f"{len(result.findings) - result.errors} warnings, {len(result.unchecked)} "
               f"could not be checked, {len(result.skipped)} skipped; config: {config.source}; "
               f"report: {out}/")
    sys.exit(result.exit_code)


@main.command("consent-audit")
@connect_option
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True),
              help="TOML file of [[site]] tables (default: the sample estate).")
@click.option("--serve/--no-serve", default=None,
              help="Serve the sample estate for the audit (default: only without --config).")
@click.option("--pages", type=click.IntRange(1, 200), default=None,
              help="Pages per state: after the choice, follow same-site links and "
                   "sitemap.xml up to N pages in all (default: the file's `pages`, or 1).")
@out_option("reports/consent")
@click.option("--browser", "browsers", multiple=True, type=click.Choice(["chromium", "firefox"]),
              help="Browser to audit in, repeatable (default: the configuration's, or both).")
def consent_audit(config_file, serve, pages, out, browsers) -> None:
    """Prove that opted-out visitors are not tracked on the sites in a TOML file.

    Exit status: 0 every state passes, 1 a violation, 2 a state could not be checked.
    """
    from . import consent_audit
    from .consent_audit.autoconsent import AutoconsentMissing, load
    from .consent_audit.report import write
    from .progress import Progress
    from .server import Server

    try:
        settings = consent_audit.load(config_file or consent_audit.DEFAULT_CONFIG)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if browsers:
        settings.browsers = list(browsers)
    if pages is not None:
        settings.pages = pages
    if any("auto" in (s.opt_out, s.accept) for s in settings.sites):
        try:
            load()
        except AutoconsentMissing as exc:
            click.echo(f"error: opt_out/accept = \"auto\" needs autoconsent: {exc}", err=True)
            sys.exit(UNCHECKED)
    server = Server().start() if (serve if serve is not None else not config_file) else None
    try:
        if server:
            settings.served_on(server.port)
        total = sum(len(consent_audit.states(s)) for s in settings.sites) * len(settings.browsers)
        with Progress("consent audit", total) as line:
            results = consent_audit.audit(
                settings, Path(out), progress=lambda r: line.step(f"{r['id']} {r['verdict']}"))
    finally:
        if server:
            server.stop()
    write(results, Path(out))
    for r in results["results"]:
        if r["verdict"] == "error":
            click.echo(f"{r['id']}: ERROR: {r['error']}")
        elif r["verdict"] == "fail":
            click.echo(f"{r['id']}: FAIL: {len(r['violations'])} violation(s)")
            for v in r["violations"]:
                click.echo(f"  - {v['what']}")
    summary = results["summary"]
    click.echo(f"{summary['states']} site-states: {summary['passed']} pass, {summary['failed']} "
               f"fail, {summary['errors']} could not be checked, {summary['observed']} observed "
               f"({summary['states_per_second']}/s); config: "
               f"{config_file or 'the sample estate (built in)'}; report: {out}/")
    # A state that could not be checked leaves the verdict incomplete: 2 wins over 1.
    sys.exit(UNCHECKED if summary["errors"] else FINDINGS if summary["failed"] else CLEAN)


@main.command("browser-server")
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
    from .browsers import BrowserNotFound
    from .remote.server import BrowserServer

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


@main.group()
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
    from . import run as runner
    from .shards import merge_dirs

    try:
        results = merge_dirs(list(folders), out)
    except ValueError as exc:
        raise CouldNotCheck(str(exc)) from None
    summary, (code, why) = results["summary"], runner.verdict(results)
    click.echo(f"{len(folders)} shards: {summary['passed']} passed, {summary['failed']} failed, "
               f"{summary['skipped']} skipped{'; ' + why if why else ''}; "
               f"report: {out / 'report.html'}")
    sys.exit(code)
