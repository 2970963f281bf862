"""occurred_at: RFC 3339 date-times only, years 1-9999 in UTC, kept as written."""

from datetime import datetime, timezone

import pytest

from harness.collector.schema import moment


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize("value,expected", [
    ("2026-01-01T00:00:00Z", utc(2026, 1, 1)),
    ("2026-01-01T00:00:00.123Z", utc(2026, 1, 1, 0, 0, 0, 123000)),  # toISOString()
    ("2026-01-01t00:00:00z", utc(2026, 1, 1)),
    ("2026-01-01T00:00:00.123456789Z", utc(2026, 1, 1, 0, 0, 0, 123456)),
    ("2026-01-01T00:00:00.5+01:30", utc(2025, 12, 31, 22, 30, 0, 500000)),
    ("2026-01-01T00:00:00-00:00", utc(2026, 1, 1)),
    ("2016-12-31T23:59:60Z", utc(2017, 1, 1)),  # a leap second
    ("2017-01-01T05:29:60+05:30", utc(2017, 1, 1)),
    ("2024-02-29T12:00:00Z", utc(2024, 2, 29, 12)),
    ("0001-01-01T00:00:00Z", utc(1, 1, 1)),
    ("0000-12-31T23:00:00-02:00", utc(1, 1, 1, 1)),
    ("9999-12-31T23:59:59.999999Z", utc(9999, 12, 31, 23, 59, 59, 999999)),
    ("9999-12-31T23:59:59+01:00", utc(9999, 12, 31, 22, 59, 59)),
    # not RFC 3339
    ("2026-W01-1T00:00Z", None), ("20260101T000000Z", None), ("2026-01-01 00:00:00Z", None),
    ("2026-01-01T00:00Z", None), ("2026-01-01T00:00:00,5Z", None), ("2026-001T00:00:00Z", None),
    ("2026-01-01T00Z", None), ("2026-01-01T00:00:00.Z", None), ("2026-01-01T00:00:00+0100", None),
    ("2026-01-01T00:00:00+01", None), ("2026-01-01T00:00:00", None),
    ("+012026-01-01T00:00:00Z", None),
    ("2026-01-01T00:00:00Z\n", None), ("２０２６-01-01T00:00:00Z", None), ("2026-01-01", None),
    # no such date, time or offset
    ("2026-02-29T00:00:00Z", None), ("2026-13-01T00:00:00Z", None), ("2026-01-00T00:00:00Z", None),
    ("2026-01-01T24:00:00Z", None), ("2026-01-01T00:60:00Z", None), ("2026-01-01T12:00:60Z", None),
    ("2026-01-01T00:00:00+24:00", None), ("2026-01-01T00:00:00+01:60", None),
    # outside years 1-9999 in UTC
    ("0001-01-01T00:00:00+23:59", None), ("0000-12-31T23:59:59Z", None),
    ("9999-12-31T23:59:59-23:59", None), ("9999-12-31T23:59:60Z", None),
])
def test_moment_table(value, expected):
    assert moment(value) == expected


def test_occurred_at_is_refused_or_kept_as_written(api, client):
    profile = api.profile()
    context = api.context_for(profile)
    kept = ["2026-01-01T00:00:00.123Z", "2026-01-01t00:00:00.1234567z",
            "2026-01-01T00:00:00+05:30"]
    for stamp in ("2026-W01-1T00:00Z", "0001-01-01T00:00:00+23:59", "2026-01-01 00:00Z",
                  "20260101T000000Z"):
        before = api.state()
        response = api.collect([{**api.visit("refused"), "occurred_at": stamp}],
                               context=context)
        assert response.status_code == 400 and "occurred_at" in response.json["error"], stamp
        assert api.state() == before
    for n, stamp in enumerate(kept):
        response = api.collect([{**api.visit(f"kept{n}"), "occurred_at": stamp}],
                               context=context)
        assert response.status_code == 202, response.json
    stored = client.get(f"/api/interactions?profile={profile}&type=website_visited").json
    assert [i["occurred_at"] for i in stored] == kept
    assert client.get(f"/profiles/{profile}").status_code == 200
