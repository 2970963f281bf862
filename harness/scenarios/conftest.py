"""Fixtures the scenario modules share."""

import pytest

from harness.scenarios.probes import known_visitor


@pytest.fixture
def tracked(visitor, webtrack):
    """A known visitor on the shop's home page; returns their profile id."""
    return known_visitor(visitor, webtrack)
