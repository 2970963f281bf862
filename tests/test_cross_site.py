"""In a real browser: a page on another *.localhost origin cannot change the collector,
neither with fetch (text/plain, no-cors, JSON) nor with form posts."""

import pytest

pytestmark = pytest.mark.browser

ATTACKS = """async ([api, email]) => {
  const sent = [];
  const attempt = async (path, init) => {
    try { const r = await fetch(api + path, init); sent.push([path, r.type, r.status]); }
    catch (e) { sent.push([path, "blocked", String(e)]); }
  };
  const plain = {"Content-Type": "text/plain"};
  await attempt("/api/reset", {method: "POST", mode: "no-cors", headers: plain, body: "{}"});
  await attempt("/api/reset", {method: "POST", mode: "no-cors"});
  await attempt("/api/sites", {method: "POST", mode: "no-cors", headers: plain,
    body: JSON.stringify({id: "shop", origin: "http://evil.localhost:1"})});
  await attempt("/api/profiles", {method: "POST", mode: "no-cors", headers: plain,
    body: JSON.stringify({kind: "contact", email: email})});
  await attempt("/api/settings", {method: "PUT", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({enforcement_model: "disabled"})});
  await attempt("/api/reset", {method: "POST", headers: {"Content-Type": "application/json"},
    body: "{}"});
  navigator.sendBeacon(api + "/api/reset", "{}");
  return sent;
}"""

FORM = """([action, enctype, name, value]) => {
  const form = document.createElement("form");
  form.method = "post"; form.action = action; form.enctype = enctype;
  const input = document.createElement("input");
  input.name = name; input.value = value;
  form.appendChild(input); document.body.appendChild(form); form.submit();
}"""


def _state(webtrack):
    return (webtrack.call("GET", "/api/sites"), webtrack.call("GET", "/api/settings"),
            webtrack.call("GET", "/api/forms"), webtrack.stats())


def test_another_origin_cannot_change_the_collector(page, webtrack, webtrack_server):
    profile = webtrack.profile()["id"]
    before = _state(webtrack)
    api = webtrack_server.origin()
    refused = []
    page.on("response", lambda r: refused.append((r.url, r.status))
            if r.url.startswith(api + "/api/") else None)
    page.goto(webtrack_server.url_for("partner", "/"))
    attempts = page.evaluate(ATTACKS, [api, "attacker@example.com"])
    # The JSON ones never leave the browser: their preflight is not granted.
    assert [a[1] for a in attempts if a[0] in ("/api/settings",)] == ["blocked"], attempts
    forms = [
        ("application/x-www-form-urlencoded", "email", "attacker@example.com"),
        # text/plain forms can send a body that parses as JSON: name={"kind":...,"x":"  value="}
        ("text/plain", '{"kind": "contact", "email": "attacker@example.com", "x": "', '"}'),
        ("multipart/form-data", "kind", "contact"),
    ]
    for enctype, name, value in forms:
        for path in ("/api/profiles", "/api/reset"):
            page.goto(webtrack_server.url_for("partner", "/"))
            with page.expect_navigation() as navigation:
                page.evaluate(FORM, [api + path, enctype, name, value])
            assert navigation.value.status in (403, 415), (enctype, path)
    page.goto(webtrack_server.url_for("partner", "/"))  # lets the beacon land, if it would
    assert webtrack.call("GET", f"/api/profiles/{profile}")["id"] == profile
    assert _state(webtrack) == before
    assert webtrack.profile(email="attacker@example.com")  # a 409 had the attack made it
    seen = {status for url, status in refused}
    assert seen and seen <= {403, 415}, refused



@pytest.mark.parametrize("policy", ["no-referrer", "same-origin"])
def test_a_page_that_hides_its_origin_still_delivers_and_posts_its_forms(
        visitor, webtrack, webtrack_server, page, policy):
    # With such a referrer policy the browser sends "Origin: null" with a beacon or a form
    # posted to another origin: a site's own page, which must lose nothing for it. Its form
    # is recorded and the visitor sent back; but the collector (another site, as it is in
    # production) cannot tell it from an attacker's page, so it hands no identity to plant.
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "forms")
    origins = []
    page.on("request", lambda r: origins.append(r.headers.get("origin"))
            if r.method == "POST" else None)
    page.evaluate("""(policy) => {
      const meta = document.createElement("meta");
      meta.name = "referrer"; meta.content = policy; document.head.append(meta);
      history.pushState({}, "", "/?private");
    }""", policy)
    visits = webtrack.expect(profile, "website_visited", count=2)
    assert visits[-1]["msdynci_viewuri"].endswith("/?private"), visits
    page.fill("#newsletter-form [name=email]", f"{policy}@example.com")
    with page.expect_navigation():
        page.click("#newsletter-submit")
    assert "null" in origins, origins  # the browser did hide it
    assert page.url.startswith(webtrack_server.url_for("forms", "/"))  # sent back
    assert "wt_fsid=" not in page.url and "msdynmkt_formsubmissionid" not in visitor.cookies()
    submitted = webtrack.call("GET", "/api/interactions?type=form_submitted")
    assert [i["form_id"] for i in submitted] == ["newsletter"], submitted  # recorded


# A page that hides its origin (no-referrer) on another site, and a sandboxed frame on one of
# the estate's hosts: each posts a marketing form, with a victim's address chosen by the
# attacker, that would send the visitor back to the shop carrying that identity.
PLANT = """<!doctype html><meta name="referrer" content="no-referrer">
<form method="post" action="{action}"><input name="email" value="victim@example.com">
<input name="return" value="{back}"></form><script>document.forms[0].submit()</script>"""


@pytest.mark.parametrize("where", ["hidden-origin page", "sandboxed frame"])
def test_a_page_that_may_be_anyones_cannot_plant_an_identity(
        page, webtrack, webtrack_server, visitor, where):
    form = webtrack.form("Planted", web_tracking=True)
    back = webtrack_server.url_for("shop", "/")
    plant = PLANT.format(action=webtrack_server.url_for("collector", f"/f/{form['id']}"),
                         back=back)
    posted = lambda r: f"/f/{form['id']}" in r.url  # noqa: E731
    html = lambda body: lambda r: r.fulfill(body=body, content_type="text/html")  # noqa: E731
    if where == "hidden-origin page":
        attacker = "http://attacker.test/"
        page.route(attacker, html(plant))
    else:  # on a host of the estate (same-site), in a frame whose origin is opaque
        attacker = webtrack_server.url_for("partner", "/framed.html")
        frame = webtrack_server.url_for("partner", "/plant.html")
        page.route(attacker, html(f'<iframe sandbox="allow-forms allow-scripts" src="{frame}">'))
        page.route(frame, html(plant))
    with page.expect_request(posted) as sent:
        page.goto(attacker, wait_until="commit")
    request = sent.value
    assert request.headers.get("origin") == "null"
    response = request.response()  # None where the browser itself stopped it (Chromium's
    if response is None:           # local network access checks, for the opaque frame)
        assert request.failure, "neither answered nor failed"
    else:  # sent back to the shop, with no identity
        assert response.status == 303 and "wt_fsid" not in response.headers["location"]
        if response.frame == page.main_frame:  # (the shop refuses to be framed)
            page.wait_for_url(back)
    assert "msdynmkt_formsubmissionid" not in visitor.cookies()
