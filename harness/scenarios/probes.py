"""What several scenario modules do alike: bring a known visitor to a page, and click probe
links put on it, reading the clicks off the wire as the script sent them."""

from __future__ import annotations

import contextlib
import json
import re
from urllib.parse import urlsplit

from ..client import http_client

ADD_LINKS = """(links) => {
  const holder = document.createElement("p");
  holder.id = "probes";
  links.forEach(([id, href], i) => {
    const a = document.createElement("a");
    a.id = id;
    a.setAttribute("href", href);
    a.textContent = "link " + i + " ";
    holder.append(a, document.createElement("br"));
  });
  holder.addEventListener("click", (e) => e.preventDefault());  // stay on the page
  document.body.prepend(holder);
}"""


def known_visitor(visitor, webtrack, site: str = "shop", path: str = "/") -> str:
    """A new profile arrived through a tracked link at *path* on *site*, its visit recorded;
    returns the profile id."""
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, site, path)
    webtrack.expect(profile, "website_visited")
    return profile


def click_probes(visitor, links: list[tuple[str, str]]) -> list[dict]:
    """Put a link for each (id, href) at the top of the page (a click stays on the page),
    click each once, and return the ``website_link_clicked`` events the script sent."""
    page = visitor.page
    page.evaluate(ADD_LINKS, [list(link) for link in links])
    start = visitor.wiretap.mark()  # requests the collector got from here on
    for id, _ in links:
        page.click(f"#{id}")
    visitor.wiretap.wait_for(start + len(links), timeout=10)
    return [e for r in visitor.wiretap.since(start) if r["path"] == "/collect"
            for e in json.loads(r["body"])["events"] if e["type"] == "website_link_clicked"]


def goto_in_quirks_mode(visitor, site: str, path: str) -> None:
    """Open a copy of *path* on *site* served without its doctype, so the browser renders it
    in quirks mode (where the body, not the root element, scrolls), at ``/quirks<path>``.

    The copy is served by a route. Chromium counts a routed page as a public address and
    blocks its requests to the loopback collector (private network access: the script's
    own ``/tracker.js`` failed with ``net::ERR_FAILED``), so there the script and its
    deliveries are relayed to the collector by the route too; Firefox needs no relay, and
    its beacons cannot be fulfilled by a route (``NS_BINDING_ABORTED``).
    """
    page = visitor.page
    quirks = "/quirks" + path
    relayed = {quirks}
    if page.context.browser.browser_type.name == "chromium":
        relayed |= {"/tracker.js", "/collect"}

    def relay(route):
        request, url = route.request, urlsplit(route.request.url)
        asked = (path if url.path == quirks else url.path) + ("?" + url.query if url.query else "")
        with http_client(visitor.server.port, url.hostname) as client:
            response = client.request(request.method, asked, content=request.post_data_buffer,
                                      headers={k: v for k, v in request.headers.items()
                                               if k.lower() in ("content-type", "origin")})
        body = response.content
        if url.path == quirks:
            body = re.sub(rb"^\s*<!doctype[^>]*>", b"", body, count=1, flags=re.I)
        route.fulfill(status=response.status_code, body=body, headers={
            k: v for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")})

    page.route(lambda url: urlsplit(url).path in relayed, relay)
    with relayed_delivery(page):  # the visit the copy reports
        visitor.goto(site, quirks)
    assert page.evaluate("document.compatMode") == "BackCompat"


def relayed_delivery(page):
    """Around an action on a quirks copy (:func:`goto_in_quirks_mode`) that makes a delivery:
    in Chromium, where its route relays the delivery, wait within a Playwright call until it
    has been relayed. The sync API runs a route's handler only inside such a call, and a wait
    for the collector's answer (``webtrack.expect``) is none: a delivery the page sends once
    the action has returned (the tracker sends from a timer) would wait there unrelayed."""
    if page.context.browser.browser_type.name != "chromium":
        return contextlib.nullcontext()
    return page.expect_request_finished(lambda request: urlsplit(request.url).path == "/collect")
