"""One place to resolve settings: CLI flag, then WEBTRACK_* variable, then the project's
``[tool.webtrack]`` (pyproject.toml) or ``webtrack.toml``, then defaults."""

from __future__ import annotations

import os
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


def project_settings(root: Path | None = None) -> dict:
    """Return ``[tool.webtrack]`` from pyproject.toml, or the whole of webtrack.toml."""
    root = root or Path.cwd()
    if (root / "webtrack.toml").is_file():
        return load_toml(root / "webtrack.toml")
    if (root / "pyproject.toml").is_file():
        return load_toml(root / "pyproject.toml").get("tool", {}).get("webtrack", {})
    return {}


def resolve(flags: dict, root: Path | None = None) -> dict:
    """Return every setting with its value from the first source that has one."""
    project = project_settings(root)
    resolved = {}
    for key, default in {**{k: None for k in flags}, **DEFAULTS}.items():
        env = os.environ.get(f"WEBTRACK_{key.upper()}")
        if flags.get(key) is not None:
            resolved[key] = flags[key]
        elif env is not None:
            resolved[key] = _coerce(env, default)
        elif key in project:
            resolved[key] = project[key]
        else:
            resolved[key] = default
    return resolved


def _coerce(raw: str, like: object) -> object:
    if isinstance(like, bool):
        return raw.lower() in ("1", "true", "yes", "on")
    if isinstance(like, int):
        return int(raw)
    if isinstance(like, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw
