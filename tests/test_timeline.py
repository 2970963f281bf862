"""The profile timeline page: newest first, insights, and every captured string inert."""

from conftest import SHOP

HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=1">'


def test_timeline_shows_interactions_newest_first(api, client):
    profile = api.profile(consent="opted_in")
    context = api.context_for(profile)
    api.collect([api.visit("v1", url=SHOP + "/a.html"),
                 api.visit("v2", url=SHOP + "/b.html")], context=context)
    page = client.get(f"/profiles/{profile}").get_data(as_text=True)
    assert page.index("v2") < page.index("v1")
    assert "website_visited 2" in page and "Top pages" in page


def test_timeline_escapes_captured_strings(api, client):
    profile = api.profile()
    api.collect([api.visit("h", msdynci_viewtitle=HOSTILE)], context=api.context_for(profile))
    page = client.get(f"/profiles/{profile}").get_data(as_text=True)
    assert HOSTILE not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page


def test_unknown_profile_page_is_404(client):
    assert client.get("/profiles/p_nobody").status_code == 404


def test_index_lists_profiles_and_counts(api, client):
    api.profile(email="listed@example.com")
    page = client.get("/").get_data(as_text=True)
    assert "listed@example.com" in page and "Deliveries" in page


def test_the_last_visit_is_the_latest_in_time_not_in_text():
    from harness.collector.timeline import insights

    rows = [{"type": "website_visited", "occurred_at": stamp, "msdynci_viewuri": SHOP + "/"}
            for stamp in ("2026-01-01T09:30:00Z", "2026-01-01T10:00:00+02:00",
                          "2026-01-01T09:00:00.500Z")]
    assert insights(rows)["last_visit"] == "2026-01-01T09:30:00Z"
