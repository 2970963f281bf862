"""``webtrack audit`` and ``webtrack consent-audit``: installations and consent, checked."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from ..exitcodes import CLEAN, FINDINGS, UNCHECKED
from .options import Command, connect_option, out_option


def _audit_formats(ctx, param, value: str) -> list[str]:
    from ..audit.report import check_formats

    try:
        return check_formats([f.strip() for f in value.split(",") if f.strip()])
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command(cls=Command)
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
    from .. import audit as auditor

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


@click.command("consent-audit", cls=Command)
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
@click.option("--site", "only", multiple=True, metavar="NAME",
              help="Audit only this [[site]] of the configuration, repeatable "
                   "(default: every site).")
def consent_audit(config_file, serve, pages, out, browsers, only) -> None:
    """Prove that opted-out visitors are not tracked on the sites in a TOML file.

    Exit status: 0 every state passes, 1 a violation, 2 a state could not be checked.
    """
    from .. import consent_audit
    from ..consent_audit.autoconsent import AutoconsentMissing, load
    from ..consent_audit.report import tool_line, write
    from ..progress import Progress
    from ..server import Server

    try:
        settings = consent_audit.load(config_file or consent_audit.DEFAULT_CONFIG)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if browsers:
        settings.browsers = list(dict.fromkeys(browsers))
    if pages is not None:
        settings.pages = pages
    if only:
        try:
            settings.sites = consent_audit.pick(settings.sites, only)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
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
        if r["verdict"] in ("error", "fail") and tool_line(r):
            click.echo(f"  {tool_line(r)}")
    summary = results["summary"]
    click.echo(f"{summary['states']} site-states: {summary['passed']} pass, {summary['failed']} "
               f"fail, {summary['errors']} could not be checked, {summary['observed']} observed "
               f"({summary['states_per_second']}/s); config: "
               f"{config_file or 'the sample estate (built in)'}; report: {out}/")
    # A state that could not be checked leaves the verdict incomplete: 2 wins over 1.
    sys.exit(UNCHECKED if summary["errors"] else FINDINGS if summary["failed"] else CLEAN)
