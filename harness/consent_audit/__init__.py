"""``webtrack consent-audit``: after a visitor opts out, prove nothing tracks them."""

from .config import DEFAULT_CONFIG, AuditSettings, SiteConfig, load, parse, pick
from .runner import audit, states
from .verdict import decide

__all__ = ["AuditSettings", "DEFAULT_CONFIG", "SiteConfig", "audit", "decide", "load", "parse",
           "pick", "states"]
