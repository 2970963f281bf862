"""The golden comparison masks every port of the estate, whatever host carries it."""

import pytest

from harness.gate import golden


@pytest.mark.parametrize("value,masked", [
    ("http://shop.localhost:8800/cart.html", "http://shop.localhost:PORT/cart.html"),
    ("http://localhost:41379/", "http://localhost:PORT/"),  # the estate's parent domain
    ("http://shop.localhost:1@partner.localhost:2/", "http://shop.localhost:PORT@partner.localhost:PORT/"),
    ("http://notlocalhost:99/", "http://notlocalhost:99/"),
    ("localhost:12 is text", "localhost:PORT is text"),
    # A host name ending in the port's digits (a link the scenarios make): masked apart.
    ("http://shop.localhost41379/", "http://shop.localhostPORT/"),
])
def test_ports_are_masked_on_every_localhost_host(value, masked):
    (out,) = golden.mask([{"type": "website_link_clicked", "msdynci_linkuri": value}])
    assert out["msdynci_linkuri"] == masked
