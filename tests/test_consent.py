"""The consent truth table of contract §2, every combination, as a pure function."""

import itertools

import pytest

from harness.collector.consent import CONSENTS, KINDS, MODELS, refusal

# The table exactly as the contract writes it: model -> consent -> recorded?
TABLE = {
    "restrictive": {"opted_out": False, "not_set": False, "opted_in": True},
    "nonrestrictive": {"opted_out": False, "not_set": True, "opted_in": True},
    "disabled": {"opted_out": True, "not_set": True, "opted_in": True},
}

COMBINATIONS = list(itertools.product(MODELS, CONSENTS, KINDS, (True, False), (True, False)))


def expected(model, consent, kind, allow_tracking, check):
    by_model = TABLE[model][consent]
    by_contact = kind == "lead" or not check or allow_tracking
    return by_model and by_contact


@pytest.mark.parametrize("model,consent,kind,allow_tracking,check", COMBINATIONS)
def test_every_combination(model, consent, kind, allow_tracking, check):
    reason = refusal(model=model, consent=consent, kind=kind, allow_tracking=allow_tracking,
                     check_contact_consent=check)
    assert (reason is None) == expected(model, consent, kind, allow_tracking, check)


def test_table_is_complete():
    assert len(COMBINATIONS) == 72


@pytest.mark.parametrize("consent,reason", [("opted_out", "consent_opted_out"),
                                            ("not_set", "consent_not_set")])
def test_reason_names_the_consent_state(consent, reason):
    assert refusal(model="restrictive", consent=consent, kind="lead", allow_tracking=None,
                   check_contact_consent=True) == reason


def test_reason_for_contact_switch():
    assert refusal(model="disabled", consent="opted_in", kind="contact", allow_tracking=False,
                   check_contact_consent=True) == "allow_tracking_off"


@pytest.mark.parametrize("kwargs", [{"model": "lenient"}, {"consent": "maybe"}])
def test_unknown_values_are_refused_loudly(kwargs):
    args = {"model": "disabled", "consent": "opted_in", "kind": "lead", "allow_tracking": True,
            "check_contact_consent": True, **kwargs}
    with pytest.raises(ValueError):
        refusal(**args)
