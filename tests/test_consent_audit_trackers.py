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
    ({"sends": True, "type": "ping", "method": "POST", "identifier": True}, True, "violation"),
    # Data that identifies no one (a page count) is no tracking, as the contract allows.
    ({"sends": True, "type": "ping", "method": "POST", "identifier": False}, True, "unknown"),
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


@pytest.mark.parametrize("url,entity", [
    ("http://shop.localhost/g/collect?v=2&tid=G-ABC123&cid=1.2", "Google Analytics"),
    ("https://metrics.shop.example/collect?v=1&tid=UA-1234-1&cid=5", "Google Analytics"),
    ("http://shop.localhost/tr/?id=123456789&ev=PageView", "Facebook"),
    ("http://stats.localhost/matomo.php?idsite=1&rec=1", "Matomo"),
    ("http://shop.localhost/v1/t", "Segment"),
    ("http://shop.localhost/api/event", "Plausible"),
    ("http://shop.localhost/collect", None),  # the reference collector's own path: by host
    ("http://shop.localhost/cart/collect-points", None),
    ("http://shop.localhost/api/events/today", None),
])
def test_classify_path(url, entity):
    found = trackers.classify_path(url)
    assert (found or {}).get("entity") == entity


@pytest.mark.parametrize("value,entity", [
    ("GA1.1.1234567890.1700000000", "Google Analytics"),
    ("GS1.1.1700000000.1.0.1700000000.0.0.0", "Google Analytics"),
    ("fb.1.1700000000000.1234567890", "Facebook"),
    ("GA1", None), ("dark", None), ("permit 1", None),
])
def test_classify_value(value, entity):
    assert (trackers.classify_value(value) or {}).get("entity") == entity


def test_inventory_finds_trackers_the_configuration_does_not_name():
    """First-party proxied collection, a renamed cookie, a cookie a tracker's script wrote
    under a name of its own, a pixel whose id is in its path; the site's own loads stay out."""
    evidence = {
        "opted_out_at": 100.0, "entry": "http://shop.localhost/", "set_cookies": [],
        "websockets": [], "storage_writes": [], "cookies": [],
        "cookie_writes": [
            {"at": 101.0, "name": "shop_ga", "value": "shop_ga=GA1.1.1234567.17; path=/",
             "script": "http://shop.localhost/gtag.js"},
            {"at": 101.5, "name": "pref", "value": "pref=on; path=/",
             "script": "https://www.google-analytics.com/analytics.js"},
            {"at": 101.7, "name": "theme", "value": "theme=dark; path=/",
             "script": "http://shop.localhost/app.js"}],
        "requests": [
            {"at": 102.0, "method": "POST", "url": "http://shop.localhost/g/collect?v=2&tid=G-1",
             "resource_type": "ping"},
            {"at": 102.5, "method": "GET", "url": "http://shop.localhost/app.js",
             "resource_type": "script"},
            {"at": 103.0, "method": "GET", "url": "http://px.localhost/p/a1b2c3d4e5f6a7/1.gif",
             "resource_type": "image"},
            {"at": 103.5, "method": "GET", "url": "http://cdn.localhost/logo.png",
             "resource_type": "image"}],
    }
    items = inventory(evidence, "shop.localhost", DATA)
    by_name = {i["name"].rsplit("/", 1)[-1] if i["kind"] == "request" else i["name"]: i
               for i in items}
    assert "app.js" not in by_name  # the site's own code is the site
    judged = {name: judge(i, True)[0] for name, i in by_name.items()}
    assert judged == {"shop_ga": "violation", "pref": "violation", "theme": "unknown",
                      "collect?v=2&tid=G-1": "violation", "1.gif": "violation",
                      "logo.png": "unknown"}, judged
    assert by_name["shop_ga"]["entity"] == by_name["collect?v=2&tid=G-1"]["entity"] == \
        "Google Analytics"
    assert by_name["pref"]["source"] == "written by www.google-analytics.com"


@pytest.mark.parametrize("value,removal", [
    ("_ga=; path=/; max-age=0", True),
    ("_ga=x; expires=Thu, 01 Jan 1970 00:00:00 GMT", True),
    ("_ga=max-age=0_GA1.1.123456789.17; path=/", False),  # the value imitates a deletion
    ("_ga=GA1.1.123456789.17; path=/", False),
])
def test_inventory_reads_a_removal_from_the_attributes(value, removal):
    evidence = {"opted_out_at": 100.0, "cookie_writes": [
        {"at": 101.0, "name": "_ga", "value": value}], "set_cookies": [], "websockets": [],
        "storage_writes": [], "requests": [], "cookies": []}
    [item] = inventory(evidence, "shop.localhost", DATA)
    assert item["removal"] is removal
