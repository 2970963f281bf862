"""What several scenario modules do alike: bring a known visitor to a page, and click probe
links put on it, reading the clicks off the wire as the script sent them."""

from __future__ import annotations

import json

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
