"""Red team v9's classes, each decision a table: a kept id LZ-string compressed, through a
fixed table of characters, spread out with filler; an id kept in numbered cookies a few
characters each; the addresses an answer's headers have the browser request; days alone
written across midnight. Look-alikes that carry no one's id stay unflagged."""

import json
import re
import uuid
from urllib.parse import quote

import pytest

from harness import consent_audit
from harness.consent_audit import announced, differential, identifiers
from harness.consent_audit.config import SiteConfig

KEPT = "8f3a9c2e77680b25"  # a tracker's 64-bit id in hex, as the breach sites keep it
LONG = "8f3a9c2e77680b25d41c93a0e5b7f216"  # one of 128 bits (a UUID's hex)
HEX_TABLE = str.maketrans("0123456789abcdef", "5a0f3c9e1b7d2846")
CONFIG = '{"release":"2026.11.30","flags":[1,2,3,5,8],"api":"/v2/"}'


# What the breach sites' LZ-string compressor (test_consent_breaches.LZ_STRING, run in
# node 20) makes of each text: base64, URI-safe, UTF-16.
LZ = {
    "8f3a9c2e77680b25": {
        "b64": "BwMwzAhgnAxgTAUwOxIGzAAwCM4FYg==",
        "uri": "BwMwzAhgnAxgTAUwOxIGzAAwCM4FYg",
        "utf16": ("\u03a1\u4c53\u012c\u09e0\u6322\u3034\u6096\u1226\u6620\u0c22"
                  "\u19e0\u5640 "),
    },
    "{\"vid\": \"8f3a9c2e77680b25\", \"p\": \"/\"}": {
        "b64": ("N4IgbglgJiBcAEIAcAzAzAQwJwGMBMApgOxEBsSADAEZ4CsIANIgA5yID0IA"
                "vkA="),
        "uri": ("N4IgbglgJiBcAEIAcAzAzAQwJwGMBMApgOxEBsSADAEZ4CsIANIgA5yID0IA"
                "vkA"),
        "utf16": ("\u1be1\u083b\u414c\u0282\u0300\u0128\u0100\u0ce0\u6622\u0c29"
                  "\u6051\u406c\u016c\u03d1\u082d\u44a0\u0620\u4698\u0581-"
                  "\u1120\u0e92\u103e\u4220\u5f40 "),
    },
    "0c1d2e3f4a5b6c7d": {
        "b64": "AwYwjAJgTApgzAMwCwEMCsAjAbCA7BIA",
        "uri": "AwYwjAJgTApgzAMwCwEMCsAjAbCA7BIA",
        "utf16": ("\u01a3\u0c43l\u04e0\u5326\u302c\u6036\u012c\u0580\u08e0"
                  "\u3630\u0ee1\u1020 "),
    },
    ("{\"release\":\"2026.11.30\",\"flags\":[1,2,3,5,8],\"api\":\""
     "/v2/\"}"): {
        "b64": ("N4IgTgpgNhCGDOEQC4QCYAMaBsA6AjPrgMwYgA0IAZlLAObwoDa+5a5x5ArO"
                "QBwC6lWAAcAlihAB6AG5pJIAL5A="),
        "uri": ("N4IgTgpgNhCGDOEQC4QCYAMaBsA6AjPrgMwYgA0IAZlLAObwoDa+5a5x5ArO"
                "QBwC6lWAAcAlihAB6AG5pJIAL5A"),
        "utf16": ("\u1be1\u0833\u416c\u0381\u0450\u33a4\u2037\u0422\u3021\u46a1"
                  "\u5827\u2043\u1f7c\u0350\u3120\u0d28\u00ec\u52e0\u1cfe\u0a23"
                  "\u3617\u16d9\u63e8\u0aee\u202e\u00da\u4ad0<\u014c\u2860"
                  "\u03f0\u01d9\u5269+\u7220 "),
    },
}


@pytest.fixture(scope="module")
def lz() -> dict[str, dict[str, str]]:
    return LZ


def _emoji(token: str) -> str:
    return "".join(chr(0x1F600 + int(c, 16)) for c in token)


def _filled(token: str, fillers: str) -> str:
    return "".join(c + fillers for c in token)


def _carries(query: str, token: str = KEPT, body: str | None = None) -> bool:
    text = identifiers.request_text(f"http://t.localhost/px.gif?d={query}", None, body)
    return bool(identifiers.carried(text, {token: identifiers.forms(token)}))


@pytest.mark.parametrize("which,how,caught", [
    (KEPT, "b64", True), (KEPT, "uri", True), (KEPT, "utf16", True),
    (json.dumps({"vid": KEPT, "p": "/"}), "b64", True),  # inside compressed JSON
    ("0c1d2e3f4a5b6c7d", "b64", False), ("0c1d2e3f4a5b6c7d", "uri", False),  # another id
    (CONFIG, "b64", False), (CONFIG, "utf16", False),  # a config blob: no one's
])
def test_an_identifier_lz_string_compressed_is_found(lz, which, how, caught):
    sent = lz[which][how]
    assert _carries(quote(sent)) is caught, sent
    if how == "utf16":  # also raw in a JSON body, as fetch sends it
        assert _carries("x", body=json.dumps({"s": sent}, ensure_ascii=False)) is caught


@pytest.mark.parametrize("sent,token,caught", [
    (LONG.translate(HEX_TABLE), LONG, True),  # a permutation of hex digits, 128 bits
    (LONG.upper().translate(str.maketrans("ABCDEF", "FEDCBA")), LONG, True),
    (uuid.UUID(int=0x0C1D2E3F4A5B6C7D0E1F2A3B4C5D6E7F).hex, LONG, False),  # another id
    ("a3f91c0be4d2875e6b1f0c9d2a7e4b83", LONG, False),  # a release hash, the same for all
    # A 64-bit id's pattern of repeats holds some 22 bits: a trace's span id can have it.
    (KEPT.translate(HEX_TABLE), KEPT, False),
    (quote(_emoji(KEPT)), KEPT, True),  # an emoji for each hex digit
    (quote(_emoji("0c1d2e3f4a5b6c7d")), KEPT, False),
    (quote("\u2b50" * 16), KEPT, False),  # a rating, one symbol repeated
    (_filled(KEPT, "x"), KEPT, True), (_filled(KEPT, "zk"), KEPT, True),
    ("x".join(KEPT[::-1]), KEPT, False), (_filled("0c1d2e3f4a5b6c7d", "q"), KEPT, False),
    ("0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0", "0000000000000000", False),  # too plain to look for
    (KEPT[5:] + KEPT[:5], KEPT, True), (KEPT[13:] + KEPT[:13], KEPT, True),  # rotated
    ("0c1d2e3f4a5b6c7d"[5:] + "0c1d2e3f4a5b6c7d"[:5], KEPT, False),
    ("8f3a9c2e77", "8f3a9c2e77"[4:] + "8f3a9c2e77"[:4], False),  # too short to tell
    # zero-padded codes (product numbers, as "recently viewed" keeps them): their digits
    # hold the bits, not their length
    ("/p/000000000000123457", "000000000000456789", False),
    ("/p/000000000000012340", "000000000000001234", False),
])
def test_an_identifier_rearranged_is_found(sent, token, caught):
    assert _carries(sent, token) is caught, sent


# What pages send that is no one's (a config blob compressed, a release hash, a trace's
# ids, a day, a list of small numbers, a rating, words with fillers): the visitor's kept id
# is not found in it, however the new readings read it; and a value kept that is such
# (the config, compressed) holds no identifier once decompressed.
HARMLESS = [
    "rel=a3f91c0be4d2875e6b1f0c9d2a7e4b83&build=2026.11.30",
    "traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "span=b7ad6b7169203331&span=00f067aa0ba902b7&span=5fb397be34d26b51",
    "day=2026-12-01&n=" + quote("[3,5,8,13,21,34,55,89]"),
    "r=" + quote("\u2b50\u2b50\u2b50\u2b50\u2b50") + "&q=s-h-o-e-s-i-z-e-4-2",
]


@pytest.mark.parametrize("sent", HARMLESS + ["LZ config"])
@pytest.mark.parametrize("token", [KEPT, LONG])
def test_what_no_one_owns_carries_no_kept_identifier(lz, sent, token):
    query = "blob=" + lz[CONFIG]["uri"] + "&c=" + quote(lz[CONFIG]["b64"]) \
        if sent == "LZ config" else sent
    assert not _carries(query, token), query


def test_a_config_kept_compressed_holds_no_identifier(lz):
    for how in ("b64", "uri", "utf16"):
        unwrapped = identifiers.unwrap(lz[CONFIG][how])
        assert CONFIG in unwrapped and not identifiers.tokens(
            unwrapped.replace(lz[CONFIG][how], "")), unwrapped


@pytest.mark.parametrize("query,caught", [
    (f"a={int(KEPT[:8], 16)}&b={int(KEPT[8:], 16)}", True),  # a 64-bit id as two uint32s
    (f"cid={int(KEPT[:8], 16)}.{int(KEPT[8:], 16)}", True),  # as a client id writes them
    (f"a={int(KEPT[8:], 16)}&b=12345678", False),  # half of it, and a number of no one's
    ("w=1280&h=720&t=1764489600&n=4294967295", False),  # sizes, a moment, the largest uint
])
def test_an_identifier_sent_as_32_bit_numbers_is_joined(query, caught):
    text = identifiers.request_text(f"http://t.localhost/px.gif?{query}")
    joined = identifiers.joined(identifiers.fields(text), {KEPT: identifiers.forms(KEPT)})
    assert bool(joined) is caught, joined


def _evidence(**more) -> dict:
    return {"requests": [], "calls": [], "cookie_writes": [], "set_cookies": [],
            "storage_writes": [], "websockets": [], "hints": [], "lifecycle": [],
            "cookies": [], "cookies_at_opt_out": [], "opted_out_at": 100.0, "entry": None,
            "stored": {"at_opt_out": [], "end": []}, "wire": [], **more}


def _decide(evidence: dict) -> list[dict]:
    site = SiteConfig(name="s", start="http://s.localhost/")
    return consent_audit.decide(site, {"choice": "rejected", "gpc": False},
                                evidence)["violations"]


@pytest.mark.parametrize("names,value,caught", [
    (["ru_c0", "ru_c1", "ru_c2", "ru_c3"], KEPT, True),  # four characters a cookie
    (["v.1", "v.2", "v.3", "v.4"], KEPT, True),
    (["ru_c3", "ru_c1", "ru_c0", "ru_c2"], KEPT, True),  # written in any order
    (["lang0", "lang1"], "en-GB-x1", False),  # pieces of no id
    (["ru_c0"], KEPT[:4], False),  # one piece alone
    # the site's own short values, numbered: cart lines, colours, flags, recent items
    (["cart_item_1", "cart_item_2", "cart_item_3"], "104220173099", False),
    (["col1", "col2", "col3"], "ff000000ff000000ff", False),
    (["user_pref1", "user_pref2"], "onof", False),
    (["recent1", "recent2"], "p1042p2017", False),
    (["sku_1", "sku_2", "sku_3", "sku_4"], "AB12CD34EF56GH78", True),  # still an id's run
])
def test_an_identifier_kept_in_numbered_cookies_a_few_characters_each(names, value, caught):
    size = len(value) // len(names)
    order = sorted(names, key=lambda n: int(re.search(r"\d+$", n).group()))
    pieces = {name: value[i * size:(i + 1) * size] for i, name in enumerate(order)}
    writes = [{"at": 160.0 + i, "phase": "then", "api": "document.cookie", "script": "s.js",
               "value": f"{name}={pieces[name]}; path=/"} for i, name in enumerate(names)]
    found = [v for v in _decide(_evidence(cookie_writes=writes))
             if v["channel"] == "cookie" and "in pieces" in v["what"]]
    assert bool(found) is caught, [v["what"] for v in _decide(_evidence(cookie_writes=writes))]
    if caught:
        assert all(name in found[0]["what"] for name in names) and found[0]["t"] >= 60.0


def test_pieces_declared_necessary_are_no_identifier_in_pieces():
    # A framework's session chunked over numbered cookies, declared in storage_allow as
    # the same session unchunked would be.
    site = SiteConfig(name="s", start="http://s.localhost/",
                      storage_allow=[f"sess.{i}" for i in range(4)])
    writes = [{"at": 160.0 + i, "phase": "then", "api": "document.cookie", "script": "s.js",
               "value": f"sess.{i}={KEPT[i * 4:(i + 1) * 4]}; path=/"} for i in range(4)]
    found = consent_audit.decide(site, {"choice": "rejected", "gpc": False},
                                 _evidence(cookie_writes=writes))["violations"]
    assert [v["what"] for v in found if v["channel"] == "cookie"] == []
    site.storage_allow.clear()
    found = consent_audit.decide(site, {"choice": "rejected", "gpc": False},
                                 _evidence(cookie_writes=writes))["violations"]
    assert [v["what"] for v in found if "in pieces" in v["what"]]


HEADERS = [
    ("Link", f"<http://t.localhost/lk.js?u={KEPT}>; rel=preload; as=script, </a.css>;"
             " rel=stylesheet"),
    ("Reporting-Endpoints", f'g1="http://t.localhost/re?u={KEPT}"'),
    ("Report-To", '{"group":"nel","max_age":9,"endpoints":[{"url":"http://t.localhost/nel'
                  f'?u={KEPT}"}}]}}'),
    ("NEL", '{"report_to":"nel","max_age":9}'),
    ("Content-Security-Policy", f"default-src *; report-uri http://t.localhost/csp?u={KEPT}"),
]


def test_the_addresses_an_answer_has_the_browser_request_are_listed():
    named = announced.announced([{"at": 1.0, "url": "http://s.localhost/f.html",
                                  "headers": HEADERS}], [])
    assert sorted((r["url"].split("?")[0], r["api"].split()[0]) for r in named) == [
        ("http://t.localhost/csp", "Content-Security-Policy"),
        ("http://t.localhost/lk.js", "Link"), ("http://t.localhost/nel", "reporting"),
        ("http://t.localhost/re", "reporting")]  # not the stylesheet: no request of its own
    seen = [{"url": f"http://t.localhost/lk.js?u={KEPT}"}]  # the wire shows it: not twice
    assert len(announced.announced([{"at": 1.0, "url": "http://s.localhost/f.html",
                                     "headers": HEADERS}], seen)) == 3


@pytest.mark.parametrize("at,kept,caught", [
    (130.0, KEPT, True),  # after the opt-out, naming the id the page keeps
    (90.0, KEPT, False),  # before it
    (130.0, "0c1d2e3f4a5b6c7d", False),  # the page keeps another value
])
def test_an_answer_naming_a_trackers_address_with_the_id_is_a_request(at, kept, caught):
    item = {"origin": "http://s.localhost", "storage": "localStorage", "key": "vid",
            "value": kept}
    evidence = _evidence(stored={"at_opt_out": [item], "end": [item]}, announcing=[
        {"at": at, "url": "http://s.localhost/f.html", "headers": HEADERS}])
    sent = [v for v in _decide(evidence) if v["kind"] == "identifier-sent"]
    paths = {p for v in sent for p in ("lk.js", "/re?", "/nel?", "/csp?") if p in v["what"]}
    assert paths == ({"lk.js", "/re?", "/nel?", "/csp?"} if caught else set()), [
        v["what"] for v in sent]


def test_what_an_answer_may_have_the_browser_send_is_no_request_made():
    # A tracker's own answer naming where reports would go (none is sent unless something
    # fails), a page's preload the cache may answer, a paging link (rel=next, which no
    # browser fetches), a connection hint (the host's name alone): no identifier in them,
    # so nothing to report, whether a document's answer or a script's.
    site = SiteConfig(name="s", start="http://s.localhost/", beacon_hosts=["t.localhost"])
    headers = [("Report-To", '{"group":"coop_report","max_age":9,"endpoints":[{"url":'
                             '"http://t.localhost/browser_reporting/coop/?minimize=0"}]}'),
               ("Link", "<http://t.localhost/tracker.js>; rel=preload; as=script, "
                        "<http://t.localhost/api/items?page=2>; rel=next, "
                        "<http://t.localhost/x>; rel=preconnect")]
    answers = [{"at": 130.0, "url": "http://t.localhost/tracker.js", "headers": headers,
                "document": False},
               {"at": 131.0, "url": "http://s.localhost/p.html", "headers": headers,
                "document": True}]
    found = consent_audit.decide(site, {"choice": "rejected", "gpc": False},
                                 _evidence(announcing=answers))["violations"]
    assert [v["what"] for v in found] == []
    assert sorted((r["method"], r["url"]) for r in announced.announced(answers, [])) == [
        ("GET", "http://t.localhost/tracker.js"), ("HINT", "http://t.localhost/"),
        ("REPORT", "http://t.localhost/browser_reporting/coop/?minimize=0")]
    # A script's answer has no Link acted on: only its reporting endpoints (NEL's policy).
    assert [r["method"] for r in announced.announced(answers[:1], [])] == ["REPORT"]


# Days alone, as two fresh visitors on clocks a little apart write today's: one day apart
# when midnight falls between them (a date, not the visitor), more is no clock's.
@pytest.mark.parametrize("a,b,apart", [
    ("2026-11-30", "2026-12-01", False), ("20261130", "20261201", False),
    ("day=2026-11-30&v=1", "day=2026-12-01&v=1", False),
    ("30/11/2026", "01/12/2026", False), ("11/30/2026", "12/1/2026", False),
    ("30.11.2026", "01.12.2026", False), ("visit-2026-11-30-a", "visit-2026-12-01-a", False),
    ("2026-11-28", "2026-12-01", True), ("20261130", "20261202", True),  # days apart
    ("20261130", "98765432", True), ("12345678", "87654321", True),  # no days
])
def test_days_alone_a_midnight_apart_are_the_clocks(a, b, apart):
    assert (differential.differs(a, b) is not None) is apart

