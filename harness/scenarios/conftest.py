"""Fixtures the scenario modules share."""

import pytest


@pytest.fixture
def tracked(visitor, webtrack):
    """A known visitor on the shop's home page; returns their profile id."""
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    webtrack.expect(profile, "website_visited")
    return profile
