"""The audits' browsers look like a visitor's to servers too (harness/looks.py)."""

import pytest

from harness.looks import visitor_header


@pytest.mark.parametrize("name, sent, heard", [
    ("Sec-CH-UA", '"Not:A-Brand";v="8", "Chromium";v="156", "HeadlessChrome";v="156"',
     '"Not:A-Brand";v="8", "Chromium";v="156", "Google Chrome";v="156"'),
    ("sec-ch-ua-full-version-list", '"HeadlessChrome";v="156.0.8078.108"',
     '"Google Chrome";v="156.0.8078.108"'),
    ("sec-ch-ua-mobile", "?0", "?0"),
    ("User-Agent", "HeadlessChrome/156", "HeadlessChrome/156"),  # the context's own option
    ("Referer", '"HeadlessChrome"', '"HeadlessChrome"'),  # only the brand lists change
])
def test_a_headless_brand_is_a_visitors_browser_to_servers(name, sent, heard):
    assert visitor_header(name, sent) == heard
