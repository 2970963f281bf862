"""Conformance rules: pure functions from a parsed page and the configuration to findings."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from .config import AuditConfig
from .installs import Install, classify, find, find_all
from .jsvalues import HOLE
from .page import Page, Script, credentials_of, resolve

RULES = {
    "WT001": ("error", "a page has no tracking script"),
    "WT002": ("error", "the tracking script is not inside <head>"),
    "WT003": ("error", "the tracking script is installed more than once"),
    "WT004": ("error", "the script comes from an unknown origin or names an unknown site"),
    "WT005": ("warning", "the page offers a cookie opt-out but defines no disableCookiesUsage"),
    "WT006": ("error", "a form with web tracking on sits on a page without the script"),
    "WT007": ("warning", "the tracking script blocks parsing (neither defer nor async)"),
    "WT008": ("error", "the tracking script is inside <noscript> or an HTML comment"),
    "WT009": ("warning", "disableCookiesUsage may be defined after the tracker first decides"),
    "WT010": ("note", "an install depends on what only the browser knows: check it with "
              "--render"),
    "NU001": ("error", "invalid HTML (Nu Html Checker error), with --validate"),
    "NU002": ("warning", "questionable HTML (Nu Html Checker warning), with --validate"),
}
_DEFINES = re.compile(r"disableCookiesUsage\s*=|function\s+disableCookiesUsage\b")


@dataclass
class Finding:
    """One finding, as every report shows it."""

    rule: str
    severity: str
    file_or_url: str
    line: int | None
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def _is_tracker(script: Script, config: AuditConfig) -> bool:
    return classify(script.src, config) == "tracker"


def installs(page: Page, config: AuditConfig) -> list[Install]:
    """Return every install of the tracker or of a tag container that loads it."""
    return find(page, config)


def defines_optout_in(source: str) -> bool:
    """Whether JavaScript *source* defines ``disableCookiesUsage``."""
    return bool(_DEFINES.search(source))


def defines_optout(script: Script) -> bool:
    return defines_optout_in(script.inline) or script.attrs.get("_defines_optout") is True


def _runs_before(first: Script, second: Script | Install) -> bool:
    """Whether *first* certainly runs before *second* (document order and timing)."""
    if first.timing == "sync":
        return second.timing != "sync" or first.index < second.index
    if first.timing == "defer":
        return second.timing == "defer" and first.index < second.index
    return False


def check(page: Page, config: AuditConfig) -> list[Finding]:
    """Return every finding for *page*, before severity overrides and suppressions."""
    found: list[Finding] = []

    def add(rule: str, line: int | None, message: str) -> None:
        found.append(Finding(rule, RULES[rule][0], page.where, line, message))

    installed, unresolved = find_all(page, config)
    for install in installed:
        if install.refused:
            add("WT010", install.line, f"the browser refuses to run the tracking script: "
                f"{install.refused} (no install)")
    installed = [i for i in installed if not i.refused]
    # (a copy run by eval has no element: it takes its site and collector from the tag)
    trackers = [i for i in installed if not i.container and i.src and i.how != "evaluated"]
    hidden = [s for s in page.scripts if s.in_noscript and _is_tracker(s, config)]
    commented = [(text, line) for text, line in page.comments
                 if any(p in text for p in config.tracker_paths)]
    hidden_lines = [s.line for s in hidden] + [
        line for src, line in page.noscript_written
        if classify(resolve(page.base, src), config) == "tracker"]
    for line in hidden_lines:
        add("WT008", line, "the tracking script is inside <noscript>: it never runs "
            "when scripts do")
    for _, line in commented:
        add("WT008", line, "the tracking script is commented out")
    if not installed:
        add("WT001", 1, "no tracking script: expected <script src=\".../tracker.js\" "
            "data-site=\"...\" defer> in <head>")
    for install in installed:
        if not install.in_head:
            where = "an HTML5 parser puts it" if install.how == "tag" else "its loader puts it"
            add("WT002", install.line, f"the tracking script is not inside <head>: {where} "
                "in <body>")
    if len(installed) > 1:
        how = ", ".join(i.describe() for i in installed)
        add("WT003", installed[1].line, f"installed {len(installed)} times: {how}")
    for install in installed:
        if install.speculative:
            add("WT010", install.line, "the tracking script is installed in a callback of an "
                "API the audit cannot see (a fetch's then(), a library's ready()): whether it "
                "runs, and how often, only the browser knows; check it with --render" + (
                    " (a copy run by eval leaves no element: --render counts it as this "
                    "audit does)" if install.how == "evaluated" else ""))
    for install in installed:
        if install.container and install.doubt:
            add("WT010", install.line, "the tag container runs what only the browser knows "
                "(tags it fetches, code the audit cannot read): counted as an install of "
                "the tracker; check it with --render")
    for install in unresolved:
        add("WT010", install.line, "a script loads a script from an address the audit cannot "
            f"compute ({_shown(install.src)}): if it is the tracker, only --render can count "
            "and check it")
    for install in trackers:
        if HOLE in install.origin or (install.src or "").startswith(HOLE):
            add("WT010", install.line, "the tracking script comes from an origin only the "
                f"browser knows ({_shown(install.src)}): check it with --render")
        elif credentials_of(install.src):
            add("WT004", install.line, "the tracking script's address carries credentials "
                f"({credentials_of(install.src)}@): the browser loads it from "
                f"{install.origin or 'no host'}, or refuses it")
        elif not config.known_collector(install.origin):
            source = install.origin.replace(HOLE, "…") or "a relative address"
            known = ", ".join(config.collector_origins)
            add("WT004", install.line, f"the tracking script comes from {source}, not a known "
                f"collector ({known})")
        site = install.site
        if not site:
            add("WT004", install.line, "the tracking script names no site (data-site)")
        elif HOLE in site:
            add("WT010", install.line, f"the tracking script names a site only the browser "
                f"knows ({_shown(site)}): check it with --render")
        elif site not in config.sites:
            add("WT004", install.line, "the tracking script names unknown site "
                f"{site.replace(HOLE, '…')!r}")
        if install.timing == "sync":
            add("WT007", install.line, "the tracking script blocks parsing: add defer")
    definers = [s for s in page.scripts if defines_optout(s)]
    optout_known = page.defines_optout if page.rendered else bool(definers)
    if page.banner and not optout_known:
        add("WT005", page.banner["line"], f"a cookie banner offers \"{page.banner['choice']}\" "
            "but the page defines no disableCookiesUsage(): the tracker never hears it")
    if definers and trackers and not page.rendered and not any(
            _runs_before(d, trackers[0]) for d in definers):
        add("WT009", definers[0].line, "disableCookiesUsage is defined by a script that may "
            "run after the tracker first decides: load it before the tracker, without async")
    if not installed:
        for form in page.forms:
            parts = urlsplit(form["action"])
            match = re.fullmatch(r"/f/([A-Za-z0-9_-]+)", parts.path)
            origin = f"{parts.scheme}://{parts.netloc}"
            if match and match.group(1) in config.tracked_forms and \
                    config.known_collector(origin):
                add("WT006", form["line"], f"form {match.group(1)!r} has web tracking on but "
                    "this page has no tracking script: no cookie can follow the submission")
    return found


def _shown(text: str | None) -> str:
    return repr((text or "").replace(HOLE, "…")[:120])


def apply_policy(findings: list[Finding], config: AuditConfig) -> tuple[list[Finding], list]:
    """Apply severity overrides; split off suppressed findings, each with its reason."""
    kept, suppressed = [], []
    for finding in findings:
        finding.severity = config.severity.get(finding.rule, finding.severity)
        rule = config.suppression(finding.rule, finding.file_or_url)
        if rule:
            suppressed.append({**finding.as_dict(), "reason": rule.reason})
        else:
            kept.append(finding)
    return kept, suppressed
