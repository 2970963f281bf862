"""Decide whether an interaction may be recorded: the truth table of the contract, §2."""

from __future__ import annotations

MODELS = ("restrictive", "nonrestrictive", "disabled")
CONSENTS = ("opted_in", "opted_out", "not_set")
KINDS = ("contact", "lead")

# Which consent states each enforcement model lets through.
_ALLOWED = {
    "restrictive": {"opted_in"},
    "nonrestrictive": {"opted_in", "not_set"},
    "disabled": {"opted_in", "not_set", "opted_out"},
}


def refusal(
    *,
    model: str,
    consent: str,
    kind: str,
    allow_tracking: bool | None,
    check_contact_consent: bool,
) -> str | None:
    """Return why an interaction must not be recorded, or None when it may be.

    The reason names the first rule that refused it: ``consent_opted_out`` or
    ``consent_not_set`` (the enforcement model), then ``allow_tracking_off``
    (a contact's own switch, counted only while ``check_contact_consent`` is on;
    leads have no such switch).
    """
    if model not in _ALLOWED:
        raise ValueError(f"unknown enforcement model {model!r}")
    if consent not in CONSENTS:
        raise ValueError(f"unknown consent state {consent!r}")
    if consent not in _ALLOWED[model]:
        return f"consent_{consent}"
    if kind == "contact" and check_contact_consent and not allow_tracking:
        return "allow_tracking_off"
    return None
