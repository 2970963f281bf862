"""Contract §5, ``msdynci_actionisoutbound``: true exactly when the link leads to another
host than the page's, for hosts that look like the page's own.

A script that decides by comparing strings (the address starting with the page's origin,
a host ending with the page's, subdomains taken for the same site) agrees with the
contract on every link of the other scenarios, which lead to this host or to a plainly
different one. Here the other host is a subdomain, the parent domain, or hides behind
user information that spells the page's own origin; and the page's own host is written
in capitals. Checked on the wire, as the script sends each click.
"""

import pytest

from harness.scenarios.probes import click_probes

pytestmark = pytest.mark.browser



def probes(visitor) -> list[tuple[str, str, str, bool]]:
    """(id, href as written, expected linkuri, expected outbound) of each probe link."""
    shop = visitor.url("shop", "/")
    port = shop.rsplit(":", 1)[1].strip("/")
    here = f"shop.localhost:{port}"
    return [
        ("subdomain", f"http://www.{here}/", f"http://www.{here}/", True),
        ("parent-domain", f"http://localhost:{port}/", f"http://localhost:{port}/", True),
        ("sibling", f"http://blog.localhost:{port}/x", f"http://blog.localhost:{port}/x", True),
        ("user-info", f"http://{here}@partner.localhost:{port}/",
         f"http://{here}@partner.localhost:{port}/", True),
        ("longer-host", f"http://shop.localhost.partner.localhost:{port}/",
         f"http://shop.localhost.partner.localhost:{port}/", True),
        ("capitals-same-host", f"HTTP://SHOP.LOCALHOST:{port}/Cart.html", shop + "Cart.html",
         False),
        ("same-host-user-info", f"http://someone@{here}/cart.html",
         f"http://someone@{here}/cart.html", False),
    ]


def test_outbound_for_hosts_that_look_like_the_page_host(visitor, webtrack, tracked):
    links = probes(visitor)
    sent = {e["msdynci_linkuri"]: e["msdynci_actionisoutbound"]
            for e in click_probes(visitor, [(id, href) for id, href, _, _ in links])}
    wrong = [f"{id} ({href}): sent {sent.get(uri, 'no click')!r} for {uri}, expected {out}"
             for id, href, uri, out in links if sent.get(uri, "no click") is not out]
    assert not wrong, "\n".join(wrong)
