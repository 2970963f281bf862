"""The consent audit's configuration: sites, how to opt out, what counts as tracking."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..browsers import BROWSERS
from ..config import load_toml
from ..resources import CONSENT_CONFIG

STEP_KINDS = ("click", "eval", "gpc", "cookie", "goto")
DEFAULT_CONFIG = CONSENT_CONFIG


@dataclass
class SiteConfig:
    """One site to audit, as a ``[[site]]`` table."""

    name: str
    start: str
    opt_out: list[dict] | str = field(default_factory=list)  # steps, or "auto"
    accept: list[dict] | str = field(default_factory=list)
    then: list[dict] = field(default_factory=list)
    tracking_cookies: list[str] = field(
        default_factory=lambda: ["msdynci_trackingContext", "msdynmkt_formsubmissionid"])
    beacon_hosts: list[str] = field(default_factory=lambda: ["collector.localhost"])
    # Loading the tracker itself from a beacon host is not tracking.
    script_paths: list[str] = field(default_factory=lambda: ["/tracker.js"])
    tracked: bool = False  # open `start` through a tracked link made for a fresh profile
    honours_gpc: bool = True
    storage_allow: list[str] = field(default_factory=list)


@dataclass
class AuditSettings:
    sites: list[SiteConfig]
    collector: str = "http://collector.localhost:8800"
    # Simulated page time run through after the visit and after each moment the page lives
    # on (hidden, back): every timer the page set within it fires. Costs no real time.
    settle_seconds: float = 600.0
    concurrency: int = 6
    browsers: list[str] = field(default_factory=lambda: ["chromium", "firefox"])
    pages: int = 1  # pages per state: the start, then same-site links and sitemap.xml

    def served_on(self, port: int) -> None:
        """Point the estate's ``*.localhost:8800`` addresses at the port it is served on."""
        from ..estate import rewrite_port

        self.collector = rewrite_port(self.collector, port)
        for site in self.sites:
            site.start = rewrite_port(site.start, port)


def _steps(raw: object, where: str) -> list[dict]:
    if not isinstance(raw, list):
        raise ValueError(f"{where} must be a list of steps"
                         + ("" if where.endswith(".then") else ' or "auto"'))
    for i, step in enumerate(raw):
        if not isinstance(step, dict) or len(step) != 1 or next(iter(step)) not in STEP_KINDS:
            raise ValueError(f"{where}[{i}] must be one of {{click, eval, gpc, cookie, goto}} "
                             f"= value, got {step!r}")
        kind, value = next(iter(step.items()))
        if kind == "gpc" and value is not True:
            raise ValueError(f"{where}[{i}]: gpc must be true")
        if kind == "cookie" and (not isinstance(value, str) or "=" not in value):
            raise ValueError(f"{where}[{i}]: cookie must be \"name=value\"")
        if kind != "gpc" and not isinstance(value, str):
            raise ValueError(f"{where}[{i}]: {kind} takes a string")
    return raw


def parse(data: dict, source: str = "configuration") -> AuditSettings:
    """Return audit settings from a parsed TOML document, or raise ValueError."""
    unknown = set(data) - {"site", "collector", "settle_seconds", "concurrency", "browsers",
                           "pages"}
    if unknown:
        raise ValueError(f"{source}: unknown key(s) {', '.join(sorted(unknown))}")
    sites: list[SiteConfig] = []
    known = set(SiteConfig.__dataclass_fields__)
    for i, raw in enumerate(data.get("site", [])):
        where = f"{source}: site[{i}]"
        extra = set(raw) - known
        if extra:
            raise ValueError(f"{where} has unknown key(s) {', '.join(sorted(extra))}")
        if not isinstance(raw.get("name"), str) or not isinstance(raw.get("start"), str):
            raise ValueError(f"{where} needs a name and a start URL")
        if any(s.name == raw["name"] for s in sites):  # results and reports go by name
            raise ValueError(f"{where}: a site named {raw['name']!r} is there already")
        for key in ("opt_out", "accept", "then"):
            if key != "then" and raw.get(key) == "auto":
                continue  # the page's consent platform, operated by autoconsent's rules
            _steps(raw.get(key, []), f"{where}.{key}")
        sites.append(SiteConfig(**raw))
    if not sites:
        raise ValueError(f"{source}: no [[site]] to audit")
    browsers = data.get("browsers", ["chromium", "firefox"])
    if not isinstance(browsers, list) or not browsers or any(
            b not in BROWSERS for b in browsers):
        raise ValueError(f"{source}: browsers must be a list of {', '.join(BROWSERS)}")
    browsers = list(dict.fromkeys(browsers))  # each once
    settle = data.get("settle_seconds", AuditSettings.settle_seconds)
    if not isinstance(settle, (int, float)) or settle < 0:
        raise ValueError(f"{source}: settle_seconds must be a number of seconds, not {settle!r}")
    return AuditSettings(sites=sites, collector=data.get("collector", AuditSettings.collector),
                         settle_seconds=float(settle),
                         concurrency=int(data.get("concurrency", 6)), browsers=browsers,
                         pages=_pages(data.get("pages", 1), source))


def _pages(value: object, source: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 200:
        raise ValueError(f"{source}: pages must be a whole number from 1 to 200, "
                         f"not {value!r}")
    return value


def pick(sites: list[SiteConfig], names: tuple[str, ...] | list[str]) -> list[SiteConfig]:
    """The sites named, in the configuration's order; a name it lacks is an error that lists
    the names it has."""
    known = [s.name for s in sites]
    unknown = [n for n in dict.fromkeys(names) if n not in known]
    if unknown:
        raise ValueError(f"no site named {', '.join(map(repr, unknown))} in the configuration;"
                         f" its sites: {', '.join(known)}")
    return [s for s in sites if s.name in names]


def load(path: str | Path = DEFAULT_CONFIG) -> AuditSettings:
    return parse(load_toml(path), str(path))
