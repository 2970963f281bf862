"""The consent truth table of contract §2, every combination, as a pure function."""

import itertools

import pytest

from harness.collector.consent import CONSENTS, KINDS, MODELS, RECORDED, refusal

COMBINATIONS = list(itertools.product(MODELS, CONSENTS, KINDS, (True, False), (True, False)))


def expected(model, consent, kind, allow_tracking, check):
    by_model = RECORDED[model][consent]
    by_contact = kind == "lead" or not check or allow_tracking
    return by_model and by_contact


@pytest.mark.parametrize("model,consent,kind,allow_tracking,check", COMBINATIONS)
def test_every_combination(model, consent, kind, allow_tracking, check):
    reason = refusal(model=model, consent=consent, kind=kind, allow_tracking=allow_tracking,
                     check_contact_consent=check)
    assert (reason is None) == expected(model, consent, kind, allow_tracking, check)


def test_table_has_every_model_and_consent_state():
    assert {model: set(row) for model, row in RECORDED.items()} == \
        {model: set(CONSENTS) for model in MODELS}


@pytest.mark.parametrize("consent", CONSENTS)
def test_models_grow_stricter_from_disabled_to_restrictive(consent):
    """What a stricter model records, a looser one records too."""
    column = [RECORDED[model][consent] for model in ("restrictive", "nonrestrictive", "disabled")]
    assert column == sorted(column)


def test_where_the_models_differ():
    """The cells that tell the models apart, as the contract's table has them."""
    assert RECORDED["restrictive"]["opted_in"] and RECORDED["disabled"]["opted_out"]
    assert not RECORDED["nonrestrictive"]["opted_out"]
    assert RECORDED["nonrestrictive"]["not_set"] and not RECORDED["restrictive"]["not_set"]


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
