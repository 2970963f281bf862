"""The consent audit gives workers the page's virtual clock (consent_audit/workerclock.py):
which answers get the prelude, and how. That a worker's late timer is then seen is the
breach suite's (tests/test_consent_breaches.py, site ``workers``)."""

import gzip
import zlib

import pytest

from harness.consent_audit.workerclock import PRELUDE, wants_clock, with_clock


@pytest.mark.parametrize("dest, wanted", [
    ("worker", True), ("sharedworker", True), ("serviceworker", True), (" Worker ", True),
    ("script", False),  # what a worker imports: its prelude is already there
    ("document", False), ("empty", False), ("", False), (None, False),
])
def test_only_a_workers_own_script_gets_the_clock(dest, wanted):
    headers = {"accept": "*/*"} if dest is None else {"sec-fetch-dest": dest}
    assert wants_clock(headers) is wanted


def answer(status: bytes, *headers: bytes, body: bytes = b"tick()") -> bytes:
    return b"\r\n".join([b"HTTP/1.1 " + status, *headers]) + b"\r\n\r\n" + body


def test_a_plain_answer_gets_the_prelude_before_its_body_and_a_new_length():
    before = answer(b"200 OK", b"Content-Type: text/javascript", b"Content-Length: 6")
    head, _, body = with_clock(before).partition(b"\r\n\r\n")
    assert body == PRELUDE + b"\ntick()"
    assert head.split(b"\r\n") == [b"HTTP/1.1 200 OK", b"Content-Type: text/javascript",
                                   b"Content-Length: %d" % len(body)]


def test_an_answer_ended_by_closing_gets_a_length():
    head, _, body = with_clock(answer(b"200 OK", b"content-type: text/javascript")).partition(
        b"\r\n\r\n")
    assert head.endswith(b"Content-Length: %d" % len(body)) and body.endswith(b"tick()")


@pytest.mark.parametrize("unchanged", [
    answer(b"304 Not Modified", body=b""),
    answer(b"404 Not Found", b"Content-Length: 6"),
    answer(b"200 OK", b"Content-Encoding: gzip", body=b"\x1f\x8b..."),
    answer(b"200 OK", b"Content-Encoding: gzip",
           body=gzip.compress(b"tick();" * 99, mtime=0)[:-30]),
    answer(b"200 OK", b"Content-Encoding: br", body=b"\x0b\x02\x80tick()\x03"),
    answer(b"200 OK", b"Transfer-Encoding: chunked", body=b"6\r\ntick()\r\n0\r\n\r\n"),
    b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n",  # the head never ended
    b"not http at all\r\n\r\ntick()",
    b"",
], ids=["304", "404", "broken gzip", "cut gzip", "brotli", "chunked", "no-end-of-head",
        "not-http", "empty"])
def test_an_answer_the_prelude_cannot_go_into_passes_unchanged(unchanged):
    assert with_clock(unchanged) == unchanged


@pytest.mark.parametrize("coding, packed", [
    (b"gzip", gzip.compress(b"tick()", mtime=0)), (b"deflate", zlib.compress(b"tick()")),
    (b"deflate", zlib.compress(b"tick()")[2:-4]),  # raw deflate, as some servers send it
], ids=["gzip", "zlib", "raw deflate"])
def test_a_compressed_answer_is_inflated_and_gets_the_prelude(coding, packed):
    """A server that compresses though the proxy asked for the script plain."""
    head, _, body = with_clock(answer(b"200 OK", b"Content-Encoding: " + coding,
                                      body=packed)).partition(b"\r\n\r\n")
    assert body == PRELUDE + b"\ntick()"
    assert b"content-encoding" not in head.lower()


# -- which workers a page waits for before it is left (workerclock.js, in a real browser) --

# Each kind of worker made in a page of its own: one made in memory that talks to the page
# itself, one terminated at once, one whose script is missing (fetched: it fails to load),
# and one that makes a worker of its own that has not started (its script takes seconds to
# come, and no proxy gives it the clock here: it never says it has). The page counts how
# many are starting as it makes it, and again a second later; the page's own listeners
# keep what they heard.
WORKERS = """(kind) => new Promise((resolve) => {
  const made = (text) => URL.createObjectURL(new Blob([text]));
  const heard = [];
  if (kind === "answers") {
    const w = new Worker(made('postMessage("hello");'));
    w.onmessage = (e) => heard.push(e.data);
    w.addEventListener("message", (e) => heard.push(e.data));
  } else if (kind === "terminated") {
    new Worker(made("")).terminate();
  } else if (kind === "missing") {
    new Worker("/missing.js");
  } else if (kind === "nested") {
    const w = new Worker(made('new Worker(self.origin + "/slow.js"); postMessage("made");'));
    w.onmessage = (e) => heard.push(e.data);
  }
  const first = window.__webtrackWorkersStarting();
  setTimeout(() => resolve([first, window.__webtrackWorkersStarting(), heard]), 1000);
})"""


@pytest.mark.browser
def test_a_worker_counts_as_starting_until_it_has_run_or_cannot(browser):
    from served import Pages

    from harness.consent_audit.workerclock import DOCUMENT

    server = Pages({"/": "<!doctype html><title>w</title>", "/slow.js": ""},
                   slow={"/slow.js": 3})
    context = browser.new_context()
    try:
        context.add_init_script(DOCUMENT)
        page = context.new_page()
        seen = {}
        for kind in ("answers", "terminated", "missing", "nested"):
            page.goto(server.url(f"/?{kind}"))
            seen[kind] = page.evaluate(WORKERS, kind)
    finally:
        context.close()
        server.stop()
    # Started: its word on it is the audit's, the page hears only its own message.
    assert seen["answers"] == [1, 0, ["hello", "hello"]]
    assert seen["terminated"] == [0, 0, []]
    assert seen["missing"] == [1, 0, []]
    # The worker started, but one it made has not: the page still waits.
    assert seen["nested"] == [1, 1, ["made"]]


def test_the_visitors_device_noise_goes_before_the_clock():
    # devicenoise.py: a worker's fingerprint carries its visitor's noise, as its pages' do.
    noise = b'(function (n) {})({"seed": 1});'
    before = answer(b"200 OK", b"Content-Length: 6")
    head, _, body = with_clock(before, noise).partition(b"\r\n\r\n")
    assert body == noise + b"\n" + PRELUDE + b"\ntick()"
    assert head.endswith(b"Content-Length: %d" % len(body))
