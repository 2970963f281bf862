"""Many browsers and a load generator at once: nothing lost, nothing duplicated."""

import threading
import uuid

import pytest

from harness.testing import Sender, visit_event

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_browsers_and_load_together(webtrack, webtrack_server, browser, browser_name):
    port = webtrack_server.port
    loader = webtrack.profile(consent="opted_in")["id"]
    page = webtrack_server.url_for("shop", "/")
    context = webtrack.context_for(loader, page)
    ids = [uuid.uuid4().hex for _ in range(400)]
    started = threading.Event()
    statuses: list[int] = []  # asserted in the test's own thread: a worker's assert is lost

    def load(chunk):
        with Sender(port) as conn:
            started.set()
            for i in range(0, len(chunk), 10):
                statuses.append(conn.post({"site": "shop", "context": context, "events": [
                    visit_event(e, page) for e in chunk[i:i + 10]]})[0])

    threads = [threading.Thread(target=load, args=(ids[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    started.wait(5)
    visitors = []
    for _ in range(4):  # four browser contexts at once, each a different known visitor
        profile = webtrack.profile(consent="opted_in")["id"]
        tab = browser.new_context().new_page()
        tab.goto(webtrack.link(profile, webtrack_server.url_for("shop", "/")))
        visitors.append((profile, tab))
    for _, tab in visitors:
        tab.click("#add-lamp")
        tab.click("#pricing-banner")
    for thread in threads:
        thread.join()
    assert statuses == [202] * (len(ids) // 10)
    stored = [i["event_id"] for i in webtrack.interactions(loader, "website_visited")]
    assert sorted(stored) == sorted(ids)
    for profile, tab in visitors:
        # Per visitor: the link click, two visits and two clicks, each exactly once.
        found = webtrack.interactions(profile, min=5, wait=15)
        assert sorted(i["type"] for i in found) == [
            "email_link_clicked", "website_link_clicked", "website_link_clicked",
            "website_visited", "website_visited"], found
        tab.context.close()
    stats = webtrack.stats()
    assert stats["received"] == stats["recorded"] + stats["totals"]["rejected"] + \
        stats["totals"]["not_recorded"]
