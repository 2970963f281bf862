"""--pages N: which pages a state goes on to, by table."""

import pytest

from harness.consent_audit.crawl import next_pages, sitemap_urls

START = "http://shop.localhost:8800/"


@pytest.mark.parametrize("links,limit,expected", [
    (["/a.html", "/b.html"], 3, [START + "a.html", START + "b.html"]),
    (["/a.html", "/b.html"], 2, [START + "a.html"]),
    (["/a.html#top", "/a.html", START], 5, [START + "a.html"]),
    (["http://partner.localhost:8800/", "mailto:x@y", "javascript:void(0)"], 5, []),
    (["/doc.pdf", "/img.PNG", "/feed.xml", "/page"], 5, [START + "page"]),
    (["/a.html"], 1, []),
    (["  /spaced.html "], 3, [START + "spaced.html"]),
])
def test_next_pages(links, limit, expected):
    assert next_pages(START, [START], links, limit) == expected


def test_sitemap_urls_without_entities():
    text = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            '<urlset><url><loc> http://s.localhost/a?x=1&amp;y=2 </loc></url>'
            '<url><loc>&a;</loc></url></urlset>')
    assert sitemap_urls(text) == ["http://s.localhost/a?x=1&y=2", "&a;"]
