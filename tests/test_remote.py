"""Remote browsers and sharded runs: endpoints chosen by table, then real browser servers.

Two ``webtrack browser-server`` processes on loopback (Chromium and Firefox, free ports)
serve a subset of the scenarios and a consent audit; the verdicts and the evidence must
be those of local launches. A server of another Playwright version and a dead endpoint
must fail at once with their own errors; two shards merged must be the unsharded run.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import once_across_workers

from harness import consent_audit, remote, run, shards
from harness.cli import main
from harness.concurrency import run_async
from harness.gate import golden
from harness.remote.endpoints import Endpoint, choose, explain, parse, slot_of_worker
from harness.remote.server import BrowserServer

C = "ws://127.0.0.1:4001/chromium/abc"
F = "ws://127.0.0.1:4002/firefox/def"
ANY = "ws://10.0.0.5:3000/"

PARSE = [
    ([C], [Endpoint(C, "chromium")]),
    ([F], [Endpoint(F, "firefox")]),
    ([ANY], [Endpoint(ANY, None)]),  # playwright run-server: the client picks the browser
    ([f"firefox={ANY}"], [Endpoint(ANY, "firefox")]),
    (["wss://grid.example:443/x"], [Endpoint("wss://grid.example:443/x", None)]),
]


@pytest.mark.parametrize(("values", "expected"), PARSE)
def test_endpoints_are_read(values, expected):
    assert parse(values) == expected


@pytest.mark.parametrize(("value", "error"), [
    ("http://127.0.0.1:4001/", "not a browser server endpoint"),
    ("127.0.0.1:4001", "not a browser server endpoint"),
    ("opera=ws://h:1/", "'opera' is not a browser"),
    ("ws://h:99999/", "bad port"),
    ("ws:///nohost", "not a browser server endpoint"),
])
def test_bad_endpoints_are_refused(value, error):
    with pytest.raises(ValueError, match=error):
        parse([value])


CHOOSE = [  # endpoints, browser, slot → url
    ([C, F], "chromium", 0, C),
    ([C, F], "firefox", 0, F),
    ([C, F], "firefox", 3, F),
    ([C, C.replace("4001", "4003"), F], "chromium", 1, C.replace("4001", "4003")),
    ([C, C.replace("4001", "4003"), F], "chromium", 2, C),
    ([C, ANY], "firefox", 5, ANY),
    ([C, ANY], "chromium", 1, ANY),
]


@pytest.mark.parametrize(("urls", "browser", "slot", "expected"), CHOOSE)
def test_each_slot_is_bound_to_an_endpoint_of_its_browser(urls, browser, slot, expected):
    assert choose(parse(urls), browser, slot).url == expected


def test_work_others_wait_for_takes_the_next_free_slot_first():
    async def scenario():
        pool = remote.BrowserPool(None, "chromium", 1)
        pool.browsers, pool._spare = ["browser"], [0]
        order: list[str] = []

        async def work(label, first=False):
            async with pool.slot(first=first) as browser:
                order.append(label)
                assert browser == "browser"
                await asyncio.sleep(0.01)

        holder = asyncio.ensure_future(work("holder"))
        await asyncio.sleep(0)
        waiting = [asyncio.ensure_future(work(f"visit{i}")) for i in range(3)]
        await asyncio.sleep(0)
        cancelled = asyncio.ensure_future(work("gone", first=True))
        await asyncio.sleep(0)
        cancelled.cancel()
        twin = asyncio.ensure_future(work("twin", first=True))
        await asyncio.gather(holder, *waiting, twin, cancelled, return_exceptions=True)
        assert order == ["holder", "twin", "visit0", "visit1", "visit2"]
        assert pool._spare == [0]  # given back, the cancelled waiter's turn too

    run_async(scenario())  # (a worker may have an event loop running: Playwright's)


def test_no_endpoint_for_a_browser_is_an_error():
    with pytest.raises(ValueError, match="no browser server for firefox"):
        choose(parse([C]), "firefox", 0)


@pytest.mark.parametrize(("worker", "slot"), [("gw0", 0), ("gw7", 7), (None, 0),
                                              ("master", 0)])
def test_worker_slots(worker, slot):
    assert slot_of_worker(worker) == slot


MISMATCH = """BrowserType.connect: WebSocket error: ws://h:1/ 428 Precondition Required
║ Playwright version mismatch:            ║
║   - server version: v1.63               ║
║   - client version: v1.64               ║"""


@pytest.mark.parametrize(("message", "expected"), [
    (MISMATCH, "runs Playwright 1.63, this client runs Playwright 1.64 (1.64.1)"),
    ("connect ECONNREFUSED 127.0.0.1:1", "connection refused"),
    ("WebSocket error: 404 Not Found", "no browser server at that path"),
    ("Timeout 15000ms exceeded", "did not answer in time"),
    ("something odd\nmore", "not usable: something odd"),
])
def test_connect_errors_are_explained(message, expected):
    assert expected in explain("ws://h:1/", message, "1.64.1")


@pytest.mark.parametrize(("value", "expected"), [("1/2", (1, 2)), (" 3 / 3 ", (3, 3)),
                                                 ("1/1", (1, 1))])
def test_shards_are_read(value, expected):
    assert shards.parse_shard(value) == expected


@pytest.mark.parametrize("value", ["0/2", "3/2", "1/0", "2", "a/b", ""])
def test_bad_shards_are_refused(value):
    with pytest.raises(ValueError):
        shards.parse_shard(value)


def _results(entries: dict, shard=None) -> dict:
    return {"title": "t", "config": {"shard": shard, "select": None}, "browsers": ["chromium"],
            "summary": {"duration": 1.0, "pytest_exit": 0},
            "scenarios": [{"id": i, "module": i.split("::")[0], "results": {
                b: {"outcome": o} for b, o in r.items()}} for i, r in entries.items()]}


def test_merge_joins_shards_and_refuses_overlap():
    one = _results({"m::a": {"chromium": "passed"}, "m::b": {"chromium": "failed"}}, [1, 2])
    two = _results({"m::b": {"firefox": "passed"}, "m::c": {"chromium": "skipped"}}, [2, 2])
    merged = shards.merge([one, two])
    assert [e["id"] for e in merged["scenarios"]] == ["m::a", "m::b", "m::c"]
    assert set(merged["scenarios"][1]["results"]) == {"chromium", "firefox"}
    assert (merged["summary"]["passed"], merged["summary"]["failed"],
            merged["summary"]["skipped"], merged["summary"]["total"]) == (2, 1, 1, 4)
    with pytest.raises(ValueError, match=r"m::a \[chromium\] is in more than one shard"):
        shards.merge([one, one])


# ---- real browser servers on loopback ------------------------------------------------

SUBSET = "test_tracked_link_sets_cookie_and_strips_parameter or test_every_visit_field"


@pytest.fixture(scope="module")
def servers():
    started = [BrowserServer("chromium").start(), BrowserServer("firefox").start()]
    yield " ".join(s.ws_endpoint for s in started)
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The subset run with local launches, once for the whole test run: the remote run and
    the sharded runs are both compared with it, and xdist may hand them to two workers."""
    def make() -> dict:
        out = tmp_path_factory.mktemp("local")
        return run.execute(run.RunOptions(workers=1, out=out, select=SUBSET))

    return once_across_workers(tmp_path_factory, "remote-local-run", make)


def _verdicts(results: dict) -> dict:
    """Each scenario and browser: its outcome and its masked interactions."""
    return {(e["id"], b): (r["outcome"], golden.mask((r["evidence"] or {}).get(
        "interactions", []))) for e in results["scenarios"] for b, r in e["results"].items()}


@pytest.mark.browser
@pytest.mark.slow
def test_scenarios_through_browser_servers_match_local_launches(servers, local_run, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv(remote.ENV, servers)
    remote_run = run.execute(run.RunOptions(workers=2, out=tmp_path, select=SUBSET))
    assert not run.failed(local_run), local_run["summary"]
    assert len(_verdicts(local_run)) >= 4  # both browsers, more than one scenario
    assert _verdicts(remote_run) == _verdicts(local_run)
    assert all(source.startswith("browser server ws://127.0.0.1:")
               for source in remote_run["config"]["launch"].values())


@pytest.mark.browser
@pytest.mark.slow
def test_consent_audit_through_a_browser_server_matches_a_local_one(servers, tmp_path,
                                                                    monkeypatch):
    from harness.consent_audit import runner
    from harness.server import Server

    # One state a site, Global Privacy Control on: legacy's opt-out, which it ignores (fail,
    # with every kind of evidence), and shop, which honours GPC (pass); the other states add
    # time, not coverage, to a comparison of how the browser is reached.
    monkeypatch.setattr(runner, "states", lambda site: [
        {"choice": "rejected" if site.opt_out else "no-choice", "gpc": True}])

    def audit(folder):
        settings = consent_audit.load(consent_audit.DEFAULT_CONFIG)
        settings.sites = [s for s in settings.sites if s.name in ("shop", "legacy")]
        with Server() as server:
            settings.served_on(server.port)
            results = consent_audit.audit(settings, tmp_path / folder)
        def plain(text):  # the run's port and the query (the tracking context's token) differ
            return re.sub(r"\?[^\s,]*", "?…", text.replace(f":{server.port}", ":PORT"))

        def what(violation):
            # What must match: kind, channel, means, the initiator's origin and the target.
            # Not the time after the opt-out (in the text's [...] tail), the identifier's
            # value (the legacy site draws a random token each visit), which of the origin's
            # pages a beacon sent while leaving is credited to, nor how many times the same
            # thing was seen (how many beacons a closing page gets out is timing).
            text = re.sub(r"(carries an identifier the page keeps): .*", r"\1",
                          violation["what"].split(" [")[0])
            initiator = re.sub(r"(https?://[^/\s]+)\S*", r"\1", violation["initiator"] or "")
            return (violation["kind"], violation["channel"], violation["via"],
                    plain(initiator), plain(text))

        return {r["id"]: (r["verdict"], sorted({what(v) for v in r["violations"]}))
                for r in results["results"]}

    local = audit("local")
    monkeypatch.setenv(remote.ENV, servers)
    assert audit("remote") == local
    assert {v for v, _ in local.values()} >= {"pass", "fail"}
    assert {what[0] for _, found in local.values() for what in found} >= {
        "cookie", "identifier-sent", "request"}  # the comparison still covers these
    assert {i.rsplit("-", 1)[1] for i in local} == {"chromium", "firefox"}


@pytest.mark.browser
def test_rendered_audit_through_a_browser_server_matches_a_local_one(servers, monkeypatch):
    from harness import audit
    from harness.server import Server

    with Server() as server:
        urls = [server.url_for("tagged", "/"), server.url_for("broken", "/installed-twice.html")]

        def findings():
            return sorted((f.file_or_url.replace(f":{server.port}", ":PORT"), f.rule, f.line)
                          for f in audit.run(urls, render=True).findings)

        local = findings()
        monkeypatch.setenv(remote.ENV, servers)
        assert findings() == local
    assert [rule for _, rule, _ in local] == ["WT003"]


@pytest.mark.browser
def test_rendered_audit_of_local_files_through_a_browser_server(servers, tmp_path, monkeypatch):
    from harness import audit

    tracker = ('<script src="http://collector.localhost:8800/tracker.js" data-site="shop" '
               'defer></script>')
    (tmp_path / "twice.html").write_text(
        "<!doctype html><html><head><title>t</title>" + tracker +
        "<script src=\"insert.js\"></script></head><body></body></html>")
    # The second copy only exists once the page's own script, a sibling file, has run.
    (tmp_path / "insert.js").write_text(
        "const s = document.createElement('script'); s.src = "
        "'http://collector.localhost:8800/tracker.js'; s.dataset.site = 'shop'; "
        "document.head.appendChild(s);")

    def findings():
        return sorted((Path(f.file_or_url).name, f.rule)
                      for f in audit.run([str(tmp_path)], render=True).findings)

    from harness.remote import files

    routed, original = [], files.route_files

    async def route_files(context, root, page):  # what the remote browser was handed
        routed.append(await original(context, root, page))
        return routed[-1]

    local = findings()
    monkeypatch.setattr(files, "route_files", route_files)
    monkeypatch.setenv(remote.ENV, servers)
    assert findings() == local == [("twice.html", "WT003")]
    assert routed == [files.FILES_ORIGIN + str((tmp_path / "twice.html").resolve())]


@pytest.mark.browser
def test_a_server_of_another_playwright_version_is_named(tmp_path):
    with BrowserServer("chromium", env={"PW_VERSION_OVERRIDE": "1.63.0"}) as server:
        with pytest.raises(remote.RemoteError) as caught:
            remote.check(parse([server.ws_endpoint]))
        result = CliRunner().invoke(main, ["run", "--connect", server.ws_endpoint,
                                           "--out", str(tmp_path)])
    assert "runs Playwright 1.63, this client runs Playwright 1.64" in str(caught.value)
    assert result.exit_code == 2 and "Playwright 1.63" in result.output
    assert not (tmp_path / "results.json").exists()


def _dead_endpoint() -> str:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        return f"ws://127.0.0.1:{sock.getsockname()[1]}/chromium/x"


def test_a_dead_endpoint_fails_the_run_before_it_starts(tmp_path):
    dead = _dead_endpoint()
    result = CliRunner().invoke(main, ["consent-audit", "--connect", dead,
                                       "--out", str(tmp_path)])
    assert result.exit_code == 2  # could not check
    assert f"browser server {dead} is not usable: nothing listens" in result.output
    assert not any(tmp_path.iterdir())


def test_a_dead_endpoint_stops_the_plugin_before_any_test(pytester):
    pytester.makepyfile("def test_page(page):\n    page.goto('about:blank')\n")
    dead = _dead_endpoint()
    result = pytester.runpytest_subprocess("-p", "no:xdist", "-p", "no:hypothesispytest",
                                           "-p", "no:anyio", "--browser", "chromium",
                                           "--webtrack-connect", dead)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*browser server {dead} is not usable*"])


@pytest.mark.browser
@pytest.mark.slow
def test_two_shards_merged_are_the_unsharded_run(local_run, tmp_path):
    for k in (1, 2):
        part = run.execute(run.RunOptions(workers=1, out=tmp_path / f"shard{k}",
                                          select=SUBSET, shard=(k, 2)))
        assert 0 < part["summary"]["total"] < local_run["summary"]["total"]
    result = CliRunner().invoke(main, ["report", "merge", str(tmp_path / "shard1"),
                                       str(tmp_path / "shard2"), "--out",
                                       str(tmp_path / "merged")])
    assert result.exit_code == 0, result.output
    merged = json.loads((tmp_path / "merged" / "results.json").read_text())
    assert _verdicts(merged) == _verdicts(local_run)
    assert merged["summary"]["total"] == local_run["summary"]["total"]
    for name in ("junit.xml", "report.html", "durations.json"):
        assert (tmp_path / "merged" / name).stat().st_size > 0
    assert os.listdir(tmp_path / "merged" / "evidence")
