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
    # posted to another origin: a site's own page, which must lose nothing for it.
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
    # (two beacons land in either order: the visit is found by its address)
    webtrack.expect(profile, "website_visited",
                    msdynci_viewuri=webtrack_server.url_for("forms", "/?private"))
    page.fill("#newsletter-form [name=email]", f"{policy}@example.com")
    with page.expect_navigation():
        page.click("#newsletter-submit")
    assert "null" in origins, origins  # the browser did hide it
    assert "wt_fsid=" not in page.url  # taken off by the script, into its cookie
    assert visitor.expect_tracking_cookie("msdynmkt_formsubmissionid", site="forms")
