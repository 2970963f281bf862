"""Decide whether an interaction may be recorded: the truth table of the contract, §2."""

from __future__ import annotations

MODELS = ("restrictive", "nonrestrictive", "disabled")
CONSENTS = ("opted_in", "opted_out", "not_set")
KINDS = ("contact", "lead")

# The table exactly as the contract writes it: model -> consent state -> recorded?
RECORDED: dict[str, dict[str, bool]] = {
    "restrictive": {"opted_out": False, "not_set": False, "opted_in": True},
    "nonrestrictive": {"opted_out": False, "not_set": True, "opted_in": True},
    "disabled": {"opted_out": True, "not_set": True, "opted_in": True},
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
    if model not in RECORDED:
        raise ValueError(f"unknown enforcement model {model!r}")
    if consent not in CONSENTS:
        raise ValueError(f"unknown consent state {consent!r}")
    if not RECORDED[model][consent]:
        return f"consent_{consent}"
    if kind == "contact" and check_contact_consent and not allow_tracking:
        return "allow_tracking_off"
    return None
