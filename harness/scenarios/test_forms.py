"""Contract §3, forms: web tracking on sets msdynmkt_formsubmissionid; off sets nothing."""

import pytest

from harness.visitor import FORM_COOKIE

pytestmark = pytest.mark.browser


def submit(page, form: str, email: str) -> None:
    page.fill(f"#{form}-form input[type=email]", email)
    page.click(f"#{form}-submit")
    page.wait_for_url(lambda url: "/thanks.html" in url and "wt_fsid" not in url)


def test_tracked_form_sets_cookie_without_a_tracked_link(visitor, webtrack):
    page = visitor.goto("forms", "/")
    assert visitor.tracking_cookies() == {}
    submit(page, "newsletter", "reader@example.com")
    cookie = visitor.cookies().get(FORM_COOKIE)
    assert cookie and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    submitted = webtrack.interactions(type="form_submitted")
    profile = submitted[0]["profile_id"]
    webtrack.expect(profile, "website_visited", msdynci_viewname="thanks.html")
    page.click("#events-link")
    webtrack.expect(profile, "website_visited", msdynci_viewname="events.html")


def test_untracked_form_sets_no_cookie(visitor, webtrack):
    page = visitor.goto("forms", "/")
    submit(page, "contact", "writer@example.com")
    assert visitor.tracking_cookies() == {}
    assert len(webtrack.interactions(type="form_submitted")) == 1
    visitor.expect_no_beacon()
