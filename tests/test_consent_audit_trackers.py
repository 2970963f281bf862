"""Every tracker: classification of hosts and names, the inventory, and each item's judgement."""

import pytest

from harness.consent_audit import trackers
from harness.consent_audit.trackers import Dataset, classify_host, classify_name, inventory, judge

DATA = Dataset("test", {"google-analytics.com": ("Google Analytics", "analytics"),
                        "doubleclick.net": ("Google/Doubleclick Ads", "ad"),
                        "jsdelivr.net": ("JSDelivr CDN", "cdn")})


@pytest.mark.parametrize("host,entity,tracker", [
    ("www.google-analytics.com", "Google Analytics", True),
    ("google-analytics.com", "Google Analytics", True),
    ("stats.g.doubleclick.net", "Google/Doubleclick Ads", True),
    ("cdn.jsdelivr.net", "JSDelivr CDN", False),
    ("notgoogle-analytics.com", None, False),
    ("pixel.localhost", None, False),
])
def test_classify_host(host, entity, tracker):
    found = classify_host(host, DATA)
    assert (found["entity"], found["tracker"]) == (entity, tracker)


def test_configured_hosts_are_trackers():
    assert classify_host("beacon.collector.localhost", DATA,
                         frozenset({"collector.localhost"}))["tracker"]


@pytest.mark.parametrize("name,category,tracker", [
    ("_ga", "analytics", True), ("_ga_ABC123", "analytics", True), ("_gid", "analytics", True),
    ("_fbp", "ad", True), ("_hjSessionUser_123", "analytics", True),
    ("msdynci_trackingContext", "marketing", True), ("ajs_anonymous_id", "analytics", True),
    ("OptanonConsent", "consent", False), ("euconsent-v2", "consent", False),
    ("didomi_token", "consent", False), ("site_consent", "consent", False),
    ("uc_settings", "consent", False),
    ("theme", None, False), ("gallery", None, False),
])
def test_classify_name(name, category, tracker):
    found = classify_name(name)
    assert (found["category"], found["tracker"]) == (category, tracker)


@pytest.mark.parametrize("value,identifier", [
    ("GA1.1.1234567890.1700000000", True), ("v-123", False), ("4f9c2e1a-77b0-4c1e-9f11", True),
    ("abcdef0123456789", True), ("rejected", False), ("true", False), ("dark", False),
    ("2026-11-29T05:42:06.175Z", False), ("{\"analytics\":false}", False),
])
def test_looks_like_identifier(value, identifier):
    assert trackers.looks_like_identifier(value) is identifier


def item(**fields):
    base = {"kind": "request", "name": "http://x/", "host": "x.localhost", "method": "GET",
            "type": "image", "at": 101.0, "phase": "after", "sends": False, "entity": None,
            "category": None, "tracker": False, "source": None}
    return {**base, **fields}


@pytest.mark.parametrize("fields,opted_out,judgement", [
    ({"tracker": True, "entity": "GA", "category": "analytics"}, True, "violation"),
    ({"tracker": True, "entity": "GA", "category": "analytics"}, False, "observed"),
    ({"tracker": True, "entity": "GA", "category": "analytics", "phase": "before"}, True,
     "observed"),
    ({"tracker": True, "entity": "GA", "category": "analytics", "type": "script"}, True,
     "observed"),
    ({"sends": True, "type": "ping", "method": "POST"}, True, "violation"),
    ({"sends": False, "type": "stylesheet"}, True, "unknown"),
    ({"sends": True, "type": "fetch", "entity": "Cookiebot", "category": "consent-provider"},
     True, "observed"),
    ({"kind": "storage", "storage": "localStorage", "name": "k"}, True, "violation"),
    ({"kind": "storage", "storage": "localStorage", "name": "k", "category": "consent"}, True,
     "allowed"),
    ({"kind": "cookie", "name": "vid", "identifier": True}, True, "violation"),
    ({"kind": "cookie", "name": "theme", "identifier": False}, True, "unknown"),
    ({"kind": "cookie", "name": "sid", "identifier": True, "persistent": False}, True,
     "unknown"),
    ({"kind": "cookie", "name": "_ga", "removal": True, "tracker": True}, True, "allowed"),
    ({"kind": "cookie", "name": "_ga", "phase": "end", "tracker": True, "entity": "GA",
      "category": "analytics"}, True, "violation"),
    ({"kind": "cookie", "name": "sid", "phase": "end", "identifier": True}, True, "unknown"),
])
def test_judgement_table(fields, opted_out, judgement):
    assert judge(item(**fields), opted_out)[0] == judgement


def test_inventory_lists_everything_and_skips_the_site_itself():
    evidence = {
        "opted_out_at": 100.0, "entry": "http://collector.localhost/l/t",
        "cookie_writes": [{"at": 99.0, "name": "_ga", "value": "_ga=GA1.1.123456789.17; path=/",
                           "script": "http://shop.localhost/ga.js"}],
        "set_cookies": [], "websockets": [],
        "storage_writes": [{"at": 101.0, "storage": "localStorage", "key": "vid",
                            "value": "abc123def456ghi"}],
        "requests": [
            {"at": 98.0, "method": "GET", "url": "http://collector.localhost/l/t",
             "resource_type": "document"},
            {"at": 99.5, "method": "GET", "url": "http://shop.localhost/", "resource_type":
             "document"},
            {"at": 102.0, "method": "POST", "url": "https://www.google-analytics.com/g/collect",
             "resource_type": "ping"},
            {"at": 103.0, "method": "GET", "url": "http://fonts.localhost/a.css",
             "resource_type": "stylesheet"}],
        "cookies": [{"name": "_ga", "value": "GA1.1.123456789.17", "domain": "shop.localhost"}],
    }
    items = inventory(evidence, "shop.localhost", DATA)
    assert [(i["kind"], i["name"][:30]) for i in items] == [
        ("cookie", "_ga"), ("storage", "vid"), ("request", "https://www.google-analytics.c"),
        ("request", "http://fonts.localhost/a.css"), ("cookie", "_ga")]
    judged = [judge(i, True)[0] for i in items]
    assert judged == ["observed", "violation", "violation", "unknown", "violation"]


def test_dataset_is_installed_and_names_google_analytics():
    dataset = trackers.load_dataset()
    assert dataset.domains, f"third-party-web missing (setup.sh installs it): {dataset.version}"
    assert classify_host("www.google-analytics.com", dataset)["entity"] == "Google Analytics"


def test_timeline_places_marks_relative_to_the_choice():
    from harness.consent_audit.timeline import layout, readable

    evidence = {"opted_out_at": 100.0, "requests": [
        {"at": 98.0, "url": "http://s.localhost/", "resource_type": "document"}]}
    items = [item(at=99.0, judgement="observed"), item(at=102.0, judgement="violation")]
    drawn = layout(evidence, items, [])
    marks = {m["t"]: m for m in drawn["marks"]}
    assert sorted(marks) == [-2.0, -1.0, 0.0, 2.0]
    assert marks[-2.0]["lane"] == "page" and marks[0.0]["lane"] == "choice"
    assert marks[2.0]["bad"] and not marks[-1.0]["bad"]
    assert marks[-2.0]["x"] < marks[0.0]["x"] == drawn["zero_x"] < marks[2.0]["x"]
    assert any(t["t"] == 0 for t in drawn["ticks"])
    assert drawn["zero_label"] == readable(100.0) == "00:01:40.000 UTC"
    assert layout({}, [], [])["marks"] == []
