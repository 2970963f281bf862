"""Contract §3-5 where the sixth round of hand-written regressions passed every other
scenario (harness/gate/probes/README.md lists them all). One visit, from a tracked link
to the page of every kind of link, then on to the cart.

- **Only the script's own parameters leave the address bar.** A landing page's query may
  hold the site's own ``wt_``-prefixed parameters (``wt_ref``): they stay, in the address
  bar and in the visit. The sample links carry no such parameter.
- **A page is named by its address, not by its ``<base>``.** ``document.baseURI`` is the
  base the page resolves links against; the visit names ``location``.
- **A click names its page as it is, fragment included, and the page's title**, not the
  title attribute of the link (a tooltip). A link opening a new tab to the same host is
  not outbound.
- **A relative SVG link is resolved against the page's address**, which an in-page
  navigation to a folder has moved below the root.
- **A key's coordinates are the centre of the element's whole box**, also for a link
  wrapped over two lines (not its first line's).
- **A click after a key that made none is its own activation** (a key on a
  ``[role=button]``, then a script's click on another link).
- **Only the left, middle and right buttons are activations**: back and forward buttons
  (3 and 4; Playwright's mouse has no such buttons, so the page dispatches them) are not.
- **``occurred_at`` is when the interaction happened**, not when the page loaded.
- **The previous view keeps its query**: it is the previous page's URL, whole.
- **An activation is decided at once after the page's handlers**, so a refusal the page
  stores later (a banner saving it 300 ms on) is for the next interaction, not this one.
- **The tracked address leaves no history entry behind** (cleaned in place, not pushed).
- **A link of a web component is a link**: inside an open shadow root (a press, a key),
  around a component, slotted into a component's link; a link slotted into a shadow
  button is the link (the innermost of the composed tree).
- **The script leaves the page's own errors alone**: a ``pushState`` to another origin
  still throws the page's ``SecurityError``.
"""

import time
from datetime import datetime

import pytest

pytestmark = pytest.mark.browser
LANDING = "/elements.html?wt_ref=newsletter"
CART = "/cart.html"
ADD = """() => {
  const holder = document.createElement("div");
  holder.id = "unseen";
  holder.innerHTML = `
    <p><a id="titled" href="#titled-target" title="A tooltip" target="_blank">titled</a></p>
    <p style="width: 7em"><a id="wrapped" href="#wrapped-target">a link whose text
      wraps over two lines at least</a></p>
    <svg width="120" height="30"><a id="svg-relative" href="two"><text x="4" y="20">
      relative svg link</text></a></svg>
    <p><a id="to-cart" href="%s">the cart</a></p>`;
  holder.addEventListener("click", (e) => {
    if (e.target.closest("svg")) e.preventDefault();  // stay on the page
  });
  document.querySelector("#plain-text").after(holder);
  // Links of web components: inside open shadow roots, around one, slotted into one.
  const host = (id, inner, light) => {
    const element = Object.assign(document.createElement("span"), {id});
    element.innerHTML = light || "";
    element.attachShadow({mode: "open"}).innerHTML = inner;
    element.shadowRoot.addEventListener("click", (e) => e.preventDefault());  // stay here
    return element;
  };
  const wrapping = Object.assign(document.createElement("a"),
                                 {id: "wrapping", href: "#wrapping-target"});
  wrapping.append(host("component", "<b>a component inside a link</b>"));
  const components = Object.assign(document.createElement("p"), {id: "components"});
  components.append(
    host("shadowed", `<a id="shadow-link" href="#shadow-target">a link in a shadow root</a>
                      <button id="shadow-button">a shadow button</button>`),
    " ", wrapping, " ",
    host("slotting", `<a href="#slot-target"><slot></slot></a>`,
         `<i id="slotted">a label slotted into a link</i>`), " ",
    host("slotting-button", `<button><slot></slot></button>`,
         `<a id="slotted-link" href="#light-target">a link slotted into a button</a>`));
  holder.after(components);
}"""
BACK_AND_FORWARD = """() => [3, 4].forEach((button) => document.querySelector("#anchor")
  .dispatchEvent(new MouseEvent("auxclick", {button, bubbles: true, cancelable: true})))"""
CENTRE = """e => { const r = e.getBoundingClientRect();
  return [r.left + r.width / 2 + scrollX, r.top + r.height / 2 + scrollY]
    .map((c) => Math.floor(c + 0.5)).join(","); }"""
STOPPED = """() => {
  const a = Object.assign(document.createElement("a"), {id: "stopped", href: "#stopped"});
  a.textContent = "stopped";
  a.addEventListener("click", (e) => {
    e.stopPropagation();
    e.preventDefault();
    setTimeout(() => { window.disableCookiesUsage = () => true; }, 300);
  });
  document.body.prepend(a);
}"""


def occurred(interaction: dict) -> float:
    return datetime.fromisoformat(interaction["occurred_at"].replace("Z", "+00:00")).timestamp()


def test_pages_and_links_unlike_the_samples(visitor, webtrack):
    page = visitor.page
    here = visitor.url("shop", LANDING)
    profile = webtrack.profile()["id"]
    visitor.arrive(profile, "shop", LANDING)
    (first,) = webtrack.expect(profile, "website_visited")
    assert (page.url, first["msdynci_viewuri"]) == (here, here), first
    # Nor is it left one entry back (where the browser lists the tab's entries: Chromium's
    # Navigation API; Firefox ESR has none, and its history.length counts about:blank).
    entries = page.evaluate("window.navigation ? navigation.entries().map((e) => e.url) : []")
    assert not [url for url in entries if "wt_ctx" in url], entries
    assert page.evaluate("""(url) => { try { history.pushState({}, "", url); return "pushed"; }
                            catch (e) { return e.name; } }""",
                         visitor.url("partner", "/elsewhere")) == "SecurityError"

    page.evaluate("document.head.prepend(Object.assign(document.createElement('base'), "
                  "{id: 'base', href: '/products/'}))")
    based = here + "#based"
    page.evaluate("(url) => history.pushState({}, '', url)", based)
    assert webtrack.expect(profile, "website_visited", count=2)[1]["msdynci_viewuri"] == based
    page.evaluate("document.querySelector('#base').remove()")
    page.evaluate(ADD % CART)
    page.click("#titled")
    wrapped = page.locator("#wrapped")
    assert page.eval_on_selector("#wrapped", "a => a.getClientRects().length") > 1
    wrapped.focus()
    wrapped_centre = page.eval_on_selector("#wrapped", CENTRE)
    page.keyboard.press("Enter")
    page.evaluate(BACK_AND_FORWARD)
    # A key on a [role=button] makes no click of its own: the next click, on another
    # element and without a press (a script's), is an activation of its own.
    page.locator("#role-button").focus()
    page.keyboard.press("Enter")
    page.evaluate("document.querySelector('#anchor').click()")
    # Contract §5 names the kinds of link, wherever they are: one inside an open shadow
    # root is activated as any other (its events reach the window retargeted to the
    # component, not the link), by a press or a key; the innermost link or button of the
    # composed tree is the one activated, a light link slotted into a shadow button too.
    for selector in ("#shadow-link", "#shadow-button", "#component", "#slotted",
                     "#slotted-link"):
        page.click(selector)
    page.focus("#shadow-link")
    shadow_centre = page.eval_on_selector("#shadow-link", CENTRE)
    page.keyboard.press("Enter")

    # Two seconds into the visit at least: a click's time is not the page's load.
    time.sleep(max(0.0, 2.0 - (time.time() - occurred(first))))
    folder = visitor.url("shop", "/app/step/one?tab=2")
    page.evaluate("(url) => history.pushState({}, '', url)", folder)
    webtrack.expect(profile, "website_visited", count=3)
    before = time.time()
    page.click("#svg-relative")

    page.click("#to-cart")
    (cart,) = webtrack.expect(profile, "website_visited", msdynci_viewname=CART[1:])
    assert cart["msdynci_viewpreviousviews"] == folder, cart
    # A click the page stops at the link, storing the visitor's refusal 300 ms later.
    page.evaluate(STOPPED)
    page.click("#stopped")

    cart_url = visitor.url("shop", CART)
    wanted = [("LClick", here + "#titled-target", based, False, None),
              ("KEnter", here + "#wrapped-target", based, False, wrapped_centre),
              ("KEnter", "", based, False, None),
              ("LClick", here + "#anchor-target", based, False, None),
              ("LClick", visitor.url("shop", "/app/step/two"), folder, False, None),
              ("LClick", cart_url, folder, False, None),
              ("LClick", cart_url + "#stopped", cart_url, False, None),
              ("LClick", here + "#shadow-target", based, False, None),
              ("LClick", "", based, False, None),
              ("LClick", here + "#wrapping-target", based, False, None),
              ("LClick", here + "#slot-target", based, False, None),
              ("LClick", here + "#light-target", based, False, None),
              ("KEnter", here + "#shadow-target", based, False, shadow_centre)]
    webtrack.expect(profile, "website_link_clicked", count=len(wanted))
    visitor.settle()
    clicks = webtrack.interactions(profile, "website_link_clicked")
    # Each activation is a delivery of its own, and two sent a few milliseconds apart may
    # land in either order: the rows are compared whatever order they landed in.
    centred = {(w[0], w[1]) for w in wanted if w[4]}
    got = [(c["msdynci_actiontype"], c["msdynci_linkuri"], c["msdynci_viewuri"],
            c["msdynci_actionisoutbound"], c["msdynci_clickcoordinates"]
            if (c["msdynci_actiontype"], c["msdynci_linkuri"]) in centred else None)
           for c in clicks]
    assert sorted(got, key=repr) == sorted(wanted, key=repr), clicks
    titles = {c["msdynci_linkuri"]: c["msdynci_viewtitle"] for c in clicks}
    assert titles == {w[1]: cart["msdynci_viewtitle"] if w[2] == cart_url
                      else first["msdynci_viewtitle"] for w in wanted}, titles
    (svg,) = [c for c in clicks if c["msdynci_linkuri"] == wanted[4][1]]
    assert occurred(svg) >= before - 1.0, (svg, before)
