"""The public surface: what ``harness`` exports is all there, and old names still work."""

import pytest

import harness


@pytest.mark.parametrize("name", harness.__all__)
def test_every_exported_name_exists(name):
    assert getattr(harness, name) is not None


def test_public_classes_are_exported():
    public = {name for name, value in vars(harness).items()
              if isinstance(value, type) and not name.startswith("_")}
    assert public <= set(harness.__all__), public - set(harness.__all__)


def test_the_old_client_name_still_works_with_a_warning():
    with pytest.warns(DeprecationWarning, match="CollectorClient"):
        assert harness.Collector is harness.CollectorClient


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError):
        harness.NoSuchThing  # noqa: B018
