"""The settings file: where it is, what it may hold, and the defaults it overrides.

Resolving is click's (see :mod:`harness.cli`): a flag, then a ``WEBTRACK_*`` variable, then
the file's values (loaded as the command's ``default_map``), then :data:`DEFAULTS`.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .resources import FIXTURES

DEFAULTS: dict[str, object] = {
    "port": 8800,
    "db": "reports/webtrack.sqlite3",
    "fixtures": str(FIXTURES),
    "browsers": ["chromium", "firefox"],
    "workers": 2,
}


def load_toml(path: str | Path) -> dict:
    """Return a TOML file as a dict, with the file named in any error."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None


# Settings directly under [tool.webtrack] (or at the top of a webtrack.toml), and the tables
# beside them with the keys each one takes (the audit's are checked by the audit).
KEYS = (*DEFAULTS, "api_token")
TABLES: dict[str, tuple[str, ...] | None] = {
    "audit": None,
    "gate": ("budget_gzip_bytes", "budget_main_thread_ms", "budget_main_thread"),
}


class ConfigError(ValueError):
    """A settings file cannot be used as written."""


def find(start: Path | None = None) -> Path | None:
    """Return the nearest ``webtrack.toml``, or ``pyproject.toml`` with ``[tool.webtrack]``,
    from *start* (the current folder) up to the project's root (the folder with ``.git``)."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / "webtrack.toml").is_file():
            return candidate / "webtrack.toml"
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and isinstance(
                load_toml(pyproject).get("tool", {}).get("webtrack"), dict):
            return pyproject
        if (candidate / ".git").exists():
            break
    return None


def shown(path: Path) -> str:
    """*path* relative to the current folder when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def webtrack_table(path: str | Path) -> tuple[dict, str]:
    """Return the webtrack settings of a TOML file (``[tool.webtrack]``, or the whole of a
    ``webtrack.toml`` without one) and how to name them; unknown or misplaced keys and
    tables are errors naming the file."""
    path = Path(path)
    data = load_toml(path)
    tool = data.get("tool", {})
    table = tool.get("webtrack") if isinstance(tool, dict) else None
    if path.name == "pyproject.toml" or table is not None:
        prefix = "[tool.webtrack]"
        if path.name != "pyproject.toml" and set(data) - {"tool"}:
            raise ConfigError(f"{shown(path)}: use either [tool.webtrack…] tables or top-level "
                              f"ones, not both (found {', '.join(sorted(set(data) - {'tool'}))})")
        table = table if table is not None else {}
    else:
        prefix, table = "", data
    if not isinstance(table, dict):
        raise ConfigError(f"{shown(path)}: {prefix} must be a table")
    check(table, shown(path), prefix)
    return table, f"{shown(path)} {prefix}".strip()


def check(table: dict, where: str, prefix: str = "") -> None:
    """Raise :class:`ConfigError` for what *table* holds that webtrack does not read."""
    from .audit.config import KEYS as AUDIT_KEYS

    def name(table_name: str) -> str:
        return f"[{prefix[1:-1]}.{table_name}]" if prefix else f"[{table_name}]"

    for key, value in table.items():
        if isinstance(value, dict):
            if key not in TABLES:
                raise ConfigError(f"{where}: unknown table {name(key)}; known: "
                                  f"{', '.join(name(t) for t in TABLES)}")
            known = TABLES[key]
            unknown = sorted(set(value) - set(known)) if known is not None else []
            if unknown:
                raise ConfigError(f"{where}: {name(key)} has unknown key(s) "
                                  f"{', '.join(unknown)}; known: {', '.join(known or ())}")
        elif key in KEYS:
            continue
        elif key in AUDIT_KEYS:
            raise ConfigError(f"{where}: {key} belongs in {name('audit')}, not at "
                              f"{prefix or 'the top level'}")
        elif any(key in (keys or ()) for keys in TABLES.values()):
            table_name = next(t for t, keys in TABLES.items() if key in (keys or ()))
            raise ConfigError(f"{where}: {key} belongs in {name(table_name)}, not at "
                              f"{prefix or 'the top level'}")
        else:
            raise ConfigError(f"{where}: unknown setting {key!r}; known: {', '.join(KEYS)}")


def locate(config_file: str | Path | None = None, root: Path | None = None) -> tuple[dict, str]:
    """Return the webtrack settings and where they came from: *config_file* when given,
    else the file :func:`find` finds from *root*, else none (``defaults``)."""
    path = Path(config_file) if config_file else find(root)
    if path is None:
        return {}, "defaults"
    return webtrack_table(path)


def default_map(table: dict, command: str) -> dict:
    """Return the click ``default_map`` of *command* from a settings *table*: the keys at
    its top level, and those of the command's own table (``[tool.webtrack.gate]``)."""
    own = table.get(command, {}) if TABLES.get(command) else {}  # the audit reads its own
    return {**{key: value for key, value in table.items() if not isinstance(value, dict)},
            **own}
