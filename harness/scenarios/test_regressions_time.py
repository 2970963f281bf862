"""Contract §5 and §7: ``occurred_at`` is the moment of the interaction, whatever the
visitor's time zone.

Every other scenario runs in the browser's default zone, UTC, where local time and UTC
are the same: a script that writes local time and labels it UTC (``Z``) would pass them
all. Here the visitor is fourteen hours ahead of UTC, so such a time is half a day off.
"""

from datetime import datetime, timezone

import pytest

pytestmark = pytest.mark.browser
SLACK = 60  # seconds: the page clock and the collector's may differ a little


def moment(interaction: dict) -> float:
    return datetime.fromisoformat(interaction["occurred_at"].replace("Z", "+00:00")).timestamp()


def utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


@pytest.mark.browser_context_args(timezone_id="Pacific/Kiritimati")
def test_occurred_at_is_the_moment_in_any_time_zone(visitor, webtrack):
    page = visitor.page
    offset = page.evaluate("new Date().getTimezoneOffset()")
    assert offset == -14 * 60, f"the page is not at UTC+14 (offset {offset} min)"
    before = page.evaluate("Date.now()") / 1000
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", "/")
    page.click("#add-lamp")
    events = [*webtrack.expect(profile, "website_visited"),
              *webtrack.expect(profile, "website_link_clicked")]
    after = page.evaluate("Date.now()") / 1000
    wrong = [f"{e['type']} occurred_at {e['occurred_at']} is not between the page's "
             f"{utc(before)} and {utc(after)}"
             for e in events if not before - SLACK <= moment(e) <= after + SLACK]
    assert not wrong, "\n".join(wrong)
