"""Contract §5, ``msdynci_linkuri`` and ``msdynci_actionisoutbound`` for every shape of
``href``: the absolute target the browser would follow, and outbound exactly when that is
a web address on another host (the port counts, and is not run together with the name;
mail, phone, script and data links lead to no host). Checked on the wire, as the script
sends each click, and as recorded: a click on a mail, phone, script or data link is a click
too, and none is lost.
"""

import pytest

from harness.scenarios.probes import click_probes

pytestmark = pytest.mark.browser



def probes(visitor) -> list[tuple[str, str, str, bool]]:
    """(id, href as written, expected linkuri, expected outbound) of each probe link."""
    shop = visitor.url("shop", "/")
    port = shop.rsplit(":", 1)[1].strip("/")
    partner = visitor.url("partner", "/")
    # Another host whose name ends in the port's digits, on the default port
    # (shop.localhost8800 beside shop.localhost:8800): name and port run together alike.
    shifted = f"http://shop.localhost{port}/"
    return [
        ("mail", "mailto:someone@example.com", "mailto:someone@example.com", False),
        ("phone", "tel:+44-20-7946-0000", "tel:+44-20-7946-0000", False),
        ("script", "javascript:void(0)", "javascript:void(0)", False),
        ("data", "data:text/plain,hello", "data:text/plain,hello", False),
        ("scheme-relative", f"//partner.localhost:{port}/freight", partner + "freight", True),
        ("upper-case", f"HTTP://PARTNER.LOCALHOST:{port}/", partner, True),
        ("other-port", f"http://shop.localhost:{int(port) + 1}/",
         f"http://shop.localhost:{int(port) + 1}/", True),
        ("digit-shifted", shifted, shifted, True),
        ("https-same-host", f"https://shop.localhost:{port}/cart.html",
         f"https://shop.localhost:{port}/cart.html", False),
        ("https-other-host", f"https://partner.localhost:{port}/freight",
         f"https://partner.localhost:{port}/freight", True),
        ("query-only", "?colour=oak", shop + "?colour=oak", False),
        ("fragment-only", "#reviews", shop + "#reviews", False),
        ("spaced", "  /cart.html  ", shop + "cart.html", False),
        ("dot-segments", "products/../pricing.html", shop + "pricing.html", False),
    ]


def test_link_target_and_outbound_for_every_shape_of_href(visitor, webtrack, tracked):
    links = probes(visitor)
    sent = click_probes(visitor, [(id, href) for id, href, _, _ in links])
    expected = sorted((uri, outbound, "LClick") for _, _, uri, outbound in links)
    assert sorted((e["msdynci_linkuri"], e["msdynci_actionisoutbound"],
                   e["msdynci_actiontype"]) for e in sent) == expected
    webtrack.expect(tracked, "website_link_clicked", count=len(expected))
    clicks = webtrack.interactions(tracked, "website_link_clicked")
    assert sorted((c["msdynci_linkuri"], c["msdynci_actionisoutbound"], c["msdynci_actiontype"])
                  for c in clicks) == expected
