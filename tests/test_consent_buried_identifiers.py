"""An identifier buried deep in a long value (a JSON blob an analytics SDK keeps, a batch of
events it sends) or in a compressed body is judged like a plain one: the audit's hooks, its
stock and its proxy keep enough of every value, and read compressed bodies inflated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import once_across_workers

from harness import consent_audit
from harness.server import Server

ID = "7c41e0b9d2"
PAGE = """<!doctype html><html><head><title>{name}</title>
<script src="/_shared/consent-banner.js"></script>
<script>
if (location.pathname === "/" && !localStorage.getItem("vid")) {{
  localStorage.setItem("vid", "{sent}");  // kept from before the choice
}}
async function send(format, path) {{
  var text = JSON.stringify({{events: [{{vid: localStorage.getItem("vid")}}]}});
  var packed = new Blob([text]).stream().pipeThrough(new CompressionStream(format));
  var body = await new Response(packed).arrayBuffer();
  await fetch("http://other.localhost:" + location.port + path,
              {{method: "POST", body: body, mode: "no-cors"}});
}}
if (location.pathname === "/two.html") {{
  send("gzip", "/gz"); send("deflate", "/zl"); send("deflate-raw", "/raw");
  navigator.sendBeacon("http://other.localhost:" + location.port + "/long",
                       JSON.stringify({{filler: "{filler}", vid: localStorage.getItem("vid")}}));
  var state = {{prefs: "{filler}", theme: "dark", visitor: "{visitor}"}};
  localStorage.setItem("app_state", JSON.stringify(state));
  var open = indexedDB.open("sdk", 1);
  open.onupgradeneeded = function () {{ open.result.createObjectStore("kv"); }};
  open.onsuccess = function () {{
    open.result.transaction("kv", "readwrite").objectStore("kv").put(state, "blob");
  }};
}}
</script></head><body><p><a id="next" href="/two.html">next</a></p>
<div class="cookie-banner" id="cookie-banner" hidden>
<button type="button" id="accept-cookies">Accept</button>
<button type="button" id="reject-cookies">Reject</button></div></body></html>"""
# site: (what it stores late, what it keeps from before and sends)
SITES = {"deepid": (f"{ID}ab", f"{ID}cd"), "nodeepid": ("none", "none")}


@pytest.fixture(scope="module")
def audited(tmp_path_factory, browser_name):
    return once_across_workers(tmp_path_factory, f"long-{browser_name}",
                               lambda: _audit(tmp_path_factory, browser_name))


def _audit(tmp_path_factory, browser_name):
    root = tmp_path_factory.mktemp(f"long-{browser_name}")
    shutil.copytree(Path("sites/_shared"), root / "sites" / "_shared")
    for name, (visitor, sent) in SITES.items():
        folder = root / "sites" / name
        folder.mkdir()
        (folder / "site.toml").write_text(f'title = "{name}"\ndemonstrates = "test"\n')
        for page in ("index.html", "two.html"):
            (folder / page).write_text(PAGE.format(name=name, filler="x" * 3000,
                                                   visitor=visitor, sent=sent))
    with pytest.MonkeyPatch.context() as patch, \
            Server(sites_dir=root / "sites", fixtures_dir=None) as server:
        patch.setattr(consent_audit.runner, "states",
                      lambda site: [{"choice": "rejected", "gpc": False}])
        settings = consent_audit.parse({
            "collector": server.origin(), "browsers": [browser_name], "settle_seconds": 1,
            "site": [{"name": name, "start": server.url_for(name, "/"),
                      "opt_out": [{"click": "#reject-cookies"}],
                      "then": [{"click": "#next"}]} for name in SITES]})
        results = consent_audit.audit(settings, root / "out")["results"]
    return {r["site"]: r for r in results}


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skip_browser("webkit")  # the audit drives Chromium and Firefox
def test_an_identifier_deep_in_a_long_value_is_caught(audited):
    record = audited["deepid"]
    assert record["error"] is None, record["error"]
    flagged = {(v["channel"], v["what"].split("'")[1]) for v in record["violations"]
               if v["channel"] == "storage" and "'" in v["what"]}
    assert ("storage", "app_state") in flagged, record["violations"]
    assert any(key.startswith("sdk/kv") for _, key in flagged), record["violations"]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skip_browser("webkit")  # the audit drives Chromium and Firefox
@pytest.mark.parametrize("path", ["/gz", "/zl", "/raw", "/long"])
def test_an_identifier_in_a_compressed_or_long_body_is_caught(audited, path):
    record = audited["deepid"]
    assert record["error"] is None, record["error"]
    carried = [v["what"] for v in record["violations"] if v["channel"] == "request"
               and "other.localhost:" in v["what"] and f"{path} carries" in v["what"]]
    assert carried and f"{ID}cd" in carried[0], record["violations"]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skip_browser("webkit")
def test_a_long_value_without_an_identifier_passes(audited):
    record = audited["nodeepid"]
    assert record["error"] is None, record["error"]
    assert record["verdict"] == "pass", record["violations"]
