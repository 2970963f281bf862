"""The shape of a ``POST /collect`` body (contract §7) and of each event in it (§5)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from .errors import ApiError, field, no_unknown_keys
from .registry import WEB_URL, origin_of

SITE_EVENT_TYPES = ("website_visited", "website_link_clicked")
ACTION_TYPES = ("LClick", "RClick", "MClick", "KEnter", "KSpace")
MAX_EVENTS = 100
MAX_VALUE = 4096

_EVENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
_COORDS = re.compile(r"-?[0-9]{1,7},-?[0-9]{1,7}")

# Fields each type must carry, with the JSON type of each.
REQUIRED: dict[str, dict[str, type]] = {
    "website_visited": {
        "msdynci_viewuri": str, "msdynci_viewname": str, "msdynci_viewtitle": str,
        "msdynci_viewtype": str, "msdynci_viewpreviousviews": str,
    },
    "website_link_clicked": {
        "msdynci_actiontype": str, "msdynci_actionisoutbound": bool,
        "msdynci_clickcoordinates": str, "msdynci_linkuri": str,
        "msdynci_viewuri": str, "msdynci_viewtitle": str,
    },
}
# Fields that may legitimately be empty strings.
MAY_BE_EMPTY = {"msdynci_viewpreviousviews", "msdynci_linkuri", "msdynci_viewtitle"}
BASE = ("event_id", "type", "occurred_at")
# Page fields: each must be an absolute http(s) URL (or empty, where it may be).
PAGES = ("msdynci_viewuri", "msdynci_viewpreviousviews")
# A link's target is any absolute URI (§5: every ``a[href]`` activated is a click, so
# ``mailto:`` and ``tel:`` links count too); a web address among them must still be well formed.
LINK = "msdynci_linkuri"
ON_SITE = "msdynci_viewuri"  # must be on the delivering site's origin
ALLOWED = {kind: frozenset((*BASE, *fields)) for kind, fields in REQUIRED.items()}
# Every interaction type the collector records, with the fields each carries beside those
# of every interaction (RECORDED_BASE): what a journey's rule may name. A form's own
# fields are ``form_<name>``, whatever the form asks (:func:`forms.submitted_fields`).
RECORDED_BASE = ("event_id", "type", "profile_id", "site", "occurred_at", "received_at")
RECORDED: dict[str, frozenset[str]] = {
    **{kind: frozenset(fields) for kind, fields in REQUIRED.items()},
    "email_link_clicked": frozenset({"msdynci_linkuri", "link_id"}),
    "form_submitted": frozenset({"form_id", "form_name", "msdynci_viewuri"}),
}
_OPEN_FIELDS = {"form_submitted": re.compile(r"form_[a-z][a-z0-9_]{0,50}")}


def recorded_type_problem(kind: str) -> str | None:
    """Why no interaction has type *kind*, or None when some do. Pure."""
    if kind not in RECORDED:
        return f"is not an interaction type (one of {', '.join(RECORDED)})"
    return None


def recorded_field_problem(kind: str, name: str) -> str | None:
    """Why no interaction of type *kind* can carry field *name* (a rule naming it would
    never hold), or None when one can. Pure."""
    if problem := recorded_type_problem(kind):
        return problem
    own = RECORDED[kind]
    if name in RECORDED_BASE or name in own or (
            kind in _OPEN_FIELDS and _OPEN_FIELDS[kind].fullmatch(name)):
        return None
    extra = " or form_<name>" if kind in _OPEN_FIELDS else ""
    return (f"is not a field of {kind} (one of {', '.join((*RECORDED_BASE, *sorted(own)))}"
            f"{extra})")


# RFC 3986 scheme, a colon, then no white space or control characters.
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}:[^\x00-\x20\x7f]*\Z")
_WEB_SCHEME = re.compile(r"https?:", re.IGNORECASE)


def link_target_problem(value: str) -> str | None:
    """Why *value* is not a link target a click can have, or None when it is one."""
    if _WEB_SCHEME.match(value):
        return None if WEB_URL.match(value) else "must be a well-formed http(s) URL"
    if not _ABSOLUTE_URI.match(value):
        return "must be an absolute URI (scheme:…, no spaces)"
    return None


# RFC 3339 §5.6 date-time: what ``Date.prototype.toISOString()`` writes, and only that
# family (no week or ordinal dates, no basic format, no space or comma, no missing seconds).
_DATE_TIME = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
                        r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
                        r"(?P<fraction>\.[0-9]{1,30})?"
                        r"(?:(?P<utc>[Zz])|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))?")
_NO_ZONE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?")
_FIRST, _LAST = datetime.min.replace(tzinfo=timezone.utc), datetime.max.replace(tzinfo=timezone.utc)
_CYCLE = 146097  # days in 400 Gregorian years: the calendar repeats, so year 0 is year 400


def moment(value: str) -> datetime | None:
    """The instant an RFC 3339 date-time names, in UTC, or None when *value* is not one
    (or names an instant before year 1 or after year 9999 in UTC). Pure.

    Any number of fractional digits is read (to the microsecond); a leap second
    (``23:59:60`` UTC) is the instant after ``23:59:59``. The local date may be year 0 when the
    offset brings the instant into year 1."""
    found = _DATE_TIME.fullmatch(value)
    if found is None or found["utc"] is None and found["sign"] is None:
        return None
    year, month, day, hour, minute, second, oh, om = (
        int(found[name] or 0) for name in
        ("year", "month", "day", "hour", "minute", "second", "oh", "om"))
    if hour > 23 or minute > 59 or second > 60 or oh > 23 or om > 59:
        return None
    try:
        days = date(year or 400, month, day).toordinal() - (0 if year else _CYCLE)
    except ValueError:  # no such month or day
        return None
    micro = int(((found["fraction"] or ".")[1:] + "000000")[:6])
    offset = (oh * 60 + om) * (-1 if found["sign"] == "-" else 1)
    if second == 60 and (hour * 60 + minute - offset) % 1440 != 1439:
        return None  # a leap second is the last second of a UTC day
    seconds = days * 86400 + hour * 3600 + (minute - offset) * 60 + second
    first = _FIRST.toordinal() * 86400
    if not first <= seconds < (_LAST.toordinal() + 1) * 86400:
        return None
    return _FIRST + timedelta(seconds=seconds - first, microseconds=micro)


def parse_time(value: object, what: str) -> str:
    """Return *value* if it is an RFC 3339 date-time (see :func:`moment`), else raise. It is
    kept as written (what a script sent is what a reader gets back); everything that
    orders interactions in time reads it with :func:`moment`, never as text."""
    if not isinstance(value, str) or len(value) > 64:
        raise ApiError(400, f"{what} must be an RFC 3339 date-time string")
    if _NO_ZONE.fullmatch(value):
        raise ApiError(400, f"{what} {value!r} has no time zone (Z or +hh:mm)")
    if moment(value) is None:
        raise ApiError(400, f"{what} {value!r} is not an RFC 3339 date-time between years "
                       "1 and 9999 in UTC (such as 2026-01-01T09:30:00.000Z)")
    return value


def event(raw: object, index: int) -> dict:
    """Return a validated site event, or raise ApiError naming what is wrong."""
    where = f"events[{index}]"
    if not isinstance(raw, dict):
        raise ApiError(400, f"{where} must be an object")
    event_id = raw.get("event_id")
    if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
        raise ApiError(400, f"{where}.event_id must be 1-100 characters of A-Z a-z 0-9 . _ : -")
    kind = raw.get("type")
    if kind not in SITE_EVENT_TYPES:
        raise ApiError(400, f"{where}.type must be one of {', '.join(SITE_EVENT_TYPES)}")
    parse_time(raw.get("occurred_at"), f"{where}.occurred_at")
    if not raw.keys() <= ALLOWED[kind]:
        unknown = sorted(str(name) for name in raw if name not in ALLOWED[kind])
        raise ApiError(400, f"{where} has unknown field(s) {', '.join(unknown)} for {kind}; "
                       f"allowed: {', '.join((*BASE, *REQUIRED[kind]))}")
    for name, kind_type in REQUIRED[kind].items():
        value = raw.get(name)
        if type(value) is not kind_type:  # noqa: E721 (bool is an int; neither passes for str)
            if value is not None and not isinstance(value, (str, bool, int, float)):
                raise ApiError(400, f"{where}.{name} must be a string, number, boolean or null")
            raise ApiError(400, f"{where}.{name} is required for {kind} ({kind_type.__name__})")
        if isinstance(value, str):  # kind_type is str
            if not value and name not in MAY_BE_EMPTY:
                raise ApiError(400, f"{where}.{name} must not be empty")
            if len(value) > MAX_VALUE:
                raise ApiError(400, f"{where}.{name} is longer than {MAX_VALUE} characters")
    if kind == "website_link_clicked":
        if raw["msdynci_actiontype"] not in ACTION_TYPES:
            allowed = ", ".join(ACTION_TYPES)
            raise ApiError(400, f"{where}.msdynci_actiontype must be one of {allowed}")
        if not _COORDS.fullmatch(raw["msdynci_clickcoordinates"]):
            raise ApiError(400, f"{where}.msdynci_clickcoordinates must be 'X,Y' in whole pixels")
    elif raw["msdynci_viewtype"] != "page":
        raise ApiError(400, f"{where}.msdynci_viewtype must be 'page'")
    for name in PAGES:
        value = raw.get(name)
        if value and not WEB_URL.match(value):
            raise ApiError(400, f"{where}.{name} must be an absolute http(s) URL")
    if raw.get(LINK) and (problem := link_target_problem(raw[LINK])):
        raise ApiError(400, f"{where}.{LINK} {problem}")
    return raw


def check_origin(events: list[dict], site: str, origin: str) -> None:
    """Raise ApiError unless every event's page is on *origin*, the site's own."""
    prefix = origin + "/"
    for index, raw in enumerate(events):
        url = raw[ON_SITE]
        if not url.startswith(prefix) and origin_of(url) != origin:
            raise ApiError(400, f"events[{index}].{ON_SITE} is not on site {site!r} "
                           f"({origin})")


def _unset_if_empty(body: dict, name: str) -> dict:
    """An identity sent as ``""`` (a cookie some other code emptied) names no one: it is
    read as not sent, so the delivery's other identity still counts and nothing is lost."""
    return {**body, name: None} if body.get(name) == "" else body


def delivery(body: dict) -> dict:
    """Return a validated ``/collect`` body (site, context, form_submission, events)."""
    no_unknown_keys(body, {"site", "context", "form_submission", "events"})
    site = field(body, "site", str, max_len=64)
    context = field(_unset_if_empty(body, "context"), "context", str, required=False,
                    max_len=512)
    submission = field(_unset_if_empty(body, "form_submission"), "form_submission", str,
                       required=False, max_len=512)
    events = body.get("events")
    if not isinstance(events, list) or not events:
        raise ApiError(400, "field 'events' must be a non-empty list")
    if len(events) > MAX_EVENTS:
        raise ApiError(400, f"at most {MAX_EVENTS} events per delivery")
    checked = [event(raw, i) for i, raw in enumerate(events)]
    seen: dict[str, int] = {}
    for i, one in enumerate(checked):
        # The same event twice (a retry batched with what followed it) is one event; two
        # different events under one id are refused: only one of them could be stored.
        first = seen.setdefault(one["event_id"], i)
        if first != i and checked[first] != one:
            raise ApiError(400, f"events[{i}] and events[{first}] are different events "
                                f"with one event_id: {one['event_id']!r}")
    return {"site": site, "context": context, "form_submission": submission,
            "events": [one for i, one in enumerate(checked) if seen[one["event_id"]] == i]}
