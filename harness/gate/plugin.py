"""The pytest side of ``webtrack gate --mutation``: coverage per scenario, mutants per item.

Loaded into the child pytest of a mutation run (``-p harness.gate.plugin``), never by
default. Two modes:

``--webtrack-coverage DIR``
    each Chromium scenario's precise coverage of ``/tracker.js`` is written, as covered
    spans, to ``DIR/coverage-<worker>.jsonl``.
``--webtrack-mutants FILE``
    the collected scenarios are kept aside and the session runs one item per mutant
    instead, in the plan's order; each worker process (see :mod:`.supervisor`) runs the
    items it claims first from the shared queue and skips those another worker took.
    Running a mutant's item serves the mutant as ``/tracker.js`` and runs the scenarios
    that cover it, one after the other in this process, until one fails or records
    payloads that differ from the golden ones: the mutant is killed. Before each scenario
    the worker writes its heartbeat (what it runs, its time limit). A worker started to
    check a stopped one first runs that scenario with the reference. Results go to
    ``<out>/mutants-<worker>.jsonl``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from _pytest.reports import TestReport
from _pytest.runner import runtestprotocol

from ..visitor import Visitor
from . import documents, golden, operators, schedule, supervisor
from .runstate import STATE, serve_mutants

# A failure whose message says the browser or its connection broke may not be the
# mutant's doing: it is checked against the reference before it counts as a kill.
INFRASTRUCTURE = ("has been closed", "has disconnected", "Target crashed", "Connection closed",
                  "ConnectionRefusedError", "RemoteDisconnected")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("webtrack-gate", "webtrack gate --mutation")
    group.addoption("--webtrack-coverage", metavar="DIR",
                    help="Write each Chromium scenario's coverage of /tracker.js into DIR.")
    group.addoption("--webtrack-mutants", metavar="FILE",
                    help="Run the mutants described in FILE (made by webtrack gate "
                         "--mutation) instead of the scenarios.")


def _worker() -> str:
    return os.environ.get(supervisor.WORKER_ENV) or os.environ.get("PYTEST_XDIST_WORKER",
                                                                    "main")


_append = supervisor.append


# -- coverage ---------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _webtrack_gate(request, pytestconfig):
    """Per browser scenario: record its coverage, or serve it the mutant under test."""
    folder = pytestconfig.getoption("--webtrack-coverage")
    mutating = pytestconfig.getoption("--webtrack-mutants")
    if not (folder or mutating) or "page" not in request.fixturenames or \
            request.getfixturevalue("browser_name") != "chromium":
        yield
        return
    page = request.getfixturevalue("page")
    client = request.getfixturevalue("webtrack") if "webtrack" in request.fixturenames \
        else None
    if folder:
        # Coverage over every document the page commits, or None (:mod:`.documents`).
        recorder = documents.Documents(page.context.new_cdp_session(page)).start()
        others: list = []
        # A lambda, not others.append: Playwright tags each handler, and a builtin takes no tag.
        page.context.on("page", lambda opened: others.append(opened))
        waited = _time_expectations(client)
        Visitor.arrival_waits = waited
        try:
            yield
        finally:
            Visitor.arrival_waits = None
        spans = recorder.finish(len(others))
        # Why a scenario covers everything, for whoever reads the file: its documents (as
        # committed), how many the marker counted, the other tabs it opened.
        _append(Path(folder) / f"coverage-{_worker()}.jsonl",
                {"nodeid": request.node.nodeid, "spans": spans, "documents": recorder.urls,
                 "marked": recorder.marked, "other_pages": len(others),
                 "expect_s": None if client is None else round(max(waited, default=0.0), 3)})
        return
    serve_mutants(request.getfixturevalue("webtrack_server"))
    expect_wait, action_ms = STATE.bounds(request.node.nodeid)
    page.context.set_default_timeout(action_ms)
    if client is not None:
        client.expect_wait = expect_wait
    # An arrival waits for the script to take its parameter off the address bar: timed in
    # the reference run with the expectations, so bounded with them.
    Visitor.arrival_wait = expect_wait if STATE.shortened(request.node.nodeid) else None
    STATE.interactions = None
    try:
        yield
    finally:
        Visitor.arrival_wait = None
    if client is not None:
        try:
            if "visitor" in request.fixturenames:
                request.getfixturevalue("visitor").settle(wait=STATE.expect_wait)
            STATE.interactions = client.interactions()
        except Exception:
            STATE.interactions = None


def _time_expectations(client) -> list[float]:
    """Time each expected interaction the scenario waits for through *client* (and each
    arrival, :class:`~harness.visitor.Visitor`): how long the reference needed bounds a
    mutant's wait (:func:`.schedule.bounds`)."""
    waited: list[float] = []
    if client is None:
        return waited
    expect = client.expect

    def timed(*args, **kwargs):
        began = time.monotonic()
        try:
            return expect(*args, **kwargs)
        finally:
            waited.append(time.monotonic() - began)

    client.expect = timed
    return waited


# -- mutants ------------------------------------------------------------------------------

QUEUE = pytest.StashKey[Path]()  # the results folder of the queue this worker takes from


class MutantItem(pytest.Item):
    """One mutant: run by :func:`pytest_runtest_protocol` over the scenarios that cover it
    (or, with ``check`` set, the reference over the scenario a stopped mutant hung in)."""

    def __init__(self, *, spec: dict, check: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec, self.check = spec, check

    def runtest(self) -> None:  # pragma: no cover - the protocol hook runs mutants
        raise RuntimeError("mutants are run by the webtrack gate plugin")

    def reportinfo(self):
        return self.path, None, f"mutant {self.name}"


@pytest.hookimpl(trylast=True)  # after -k has deselected: the scenarios it kept
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    path = config.getoption("--webtrack-mutants")
    if not path:
        return
    plan = json.loads(Path(path).read_text(encoding="utf-8"))
    STATE.configure(plan, {item.nodeid: item for item in items})
    config.stash[QUEUE] = Path(STATE.out)
    mutants = [MutantItem.from_parent(session, name=m["id"], spec=m) for m in plan["mutants"]]
    stopped = os.environ.get(supervisor.CHECK_ENV)
    if stopped:
        mutants.insert(0, MutantItem.from_parent(session, name="check-reference",
                                                 spec=json.loads(stopped), check=True))
    items[:] = mutants


@pytest.hookimpl(tryfirst=True)  # before the session's fixtures (server, browser) are ended
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The queue is done here: say so, with a limit on ending the server and browser."""
    if QUEUE in session.config.stash:
        supervisor.beat(session.config.stash[QUEUE], _worker(), {
            "mutant": None, "scenario": "the worker's own ending", "since": time.time(),
            "limit": schedule.LIMIT_STARTUP_S, "tried": 0})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem) -> bool | None:
    if not isinstance(item, MutantItem):
        return None
    if not item.check and not supervisor.claim(Path(STATE.out), item.spec["id"]):
        return True  # another worker has it
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    started = time.monotonic()
    result = (check_reference if item.check else run_mutant)(item.session, item.spec)
    result["seconds"] = round(time.monotonic() - started, 2)
    _append(Path(STATE.out) / f"mutants-{_worker()}.jsonl", result)
    report = TestReport(item.nodeid, item.location, {}, "passed", None, "call",
                        duration=result["seconds"])
    item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def _run_scenario(session: pytest.Session, scenario: pytest.Function) -> list[TestReport]:
    """Run one scenario in this session, keeping session fixtures (server, browser) up."""
    try:
        session._setupstate.teardown_exact(scenario)  # leave modules it is not in
    except Exception:
        pass  # a module fixture's teardown failed: the scenario's own setup will tell
    scenario._initrequest()  # a scenario runs many times: fresh fixture requests each
    # nextitem is the scenario's module, not an item: its fixtures stay up for the next run.
    return runtestprotocol(scenario, log=False,
                           nextitem=scenario.parent)  # type: ignore[arg-type]


def _verdict(session, nodeid: str, reports: list[TestReport]) -> tuple[str, str] | None:
    """("failed"|"payload", message) when the scenario caught the mutant; else None."""
    failed = [r for r in reports if r.failed]
    if failed:
        crash = getattr(failed[0].longrepr, "reprcrash", None)
        if crash is None:
            return "failed", f"{failed[0].when}: {failed[0].longreprtext[-1500:]}"
        return "failed", f"{failed[0].when}: {crash.message[:1500]} ({crash.path}:{crash.lineno})"
    key = STATE.golden_key(nodeid)
    if key not in STATE.stable or STATE.interactions is None:
        return None
    differences = golden.differences(STATE.golden, key, "chromium", STATE.interactions)
    return ("payload", "; ".join(differences[:5])) if differences else None


_FRESH = True  # no scenario has run in this worker yet: the first one pays for start-up


def _beat(mutant_id: str, nodeid: str, tried: int, check: dict | None = None) -> None:
    """Tell the supervisor which scenario starts now, and its time limit."""
    global _FRESH
    reference = STATE.learning.durations.get(nodeid)
    running = {"mutant": mutant_id, "scenario": nodeid, "since": time.time(),
               "reference_s": reference, "tried": tried,
               "limit": schedule.scenario_limit(reference, first_in_worker=_FRESH)}
    if check is not None:
        running["check"] = check
    _FRESH = False
    supervisor.beat(Path(STATE.out), _worker(), running)


def check_reference(session: pytest.Session, stopped: dict) -> dict:
    """Run the scenario a stopped mutant hung in with the reference, under the same limit
    (the supervisor watches it): the mutant's row, a kill by timeout only if it passes."""
    nodeid = stopped["scenario"]
    STATE.source = None
    STATE.blanket = True  # a fresh worker, cold: the blanket waits
    _beat(stopped["mutant"], nodeid, stopped.get("tried", 0), check=stopped)
    try:
        scenario = STATE.items.get(nodeid)
        caught = ("failed", "not among this run's scenarios") if scenario is None else \
            _verdict(session, nodeid, _run_scenario(session, scenario))
    finally:
        STATE.blanket = False
        supervisor.beat(Path(STATE.out), _worker(), None)
    return schedule.timeout_row(stopped, "passed" if caught is None else "failed",
                                caught[1] if caught else "")


def run_mutant(session: pytest.Session, spec: dict) -> dict:
    """Run the scenarios covering one mutant until one catches it."""
    mutant = operators.Mutant(**spec["mutant"])
    STATE.source = mutant.apply(STATE.reference).encode("utf-8")
    STATE.absorb(_worker())
    order = STATE.learning.order(spec["scenarios"], mutant.function, mutant.line,
                                 STATE.first.get(mutant.id))
    result: dict[str, Any] = {"id": mutant.id, "status": "survived", "by": None, "how": None,
                              "message": None, "tried": 0, "function": mutant.function,
                              "line": mutant.line, "killer_s": None}
    try:
        for nodeid in order:
            result["tried"] += 1
            STATE.blanket = _FRESH  # a fresh worker's first scenario starts cold
            shortened = STATE.shortened(nodeid)
            _beat(mutant.id, nodeid, result["tried"])
            began = time.monotonic()
            caught = _verdict(session, nodeid, _run_scenario(session, STATE.items[nodeid]))
            STATE.blanket = False
            if caught is not None and any(marker in caught[1] for marker in INFRASTRUCTURE) \
                    and _reference_fails(session, nodeid, mutant, result["tried"]):
                result.update(status="error", by=nodeid, how=caught[0], message=caught[1])
                break
            if caught is not None and shortened and schedule.waited_out(caught[1]) and \
                    schedule.needs_confirming(STATE.confirmed.get(nodeid), os.getloadavg()[0]):
                result["confirmed"] = result.get("confirmed", 0) + 1
                caught = _confirmed(session, nodeid, mutant, result["tried"], caught)
            spent = time.monotonic() - began
            STATE.learning.record(nodeid, spent, caught is not None, mutant.function,
                                  mutant.line)
            if caught is None:
                continue
            result.update(status="killed", by=nodeid, how=caught[0], message=caught[1],
                          killer_s=round(spent, 2))
            break
    finally:
        STATE.source = None
        STATE.blanket = False
        supervisor.beat(Path(STATE.out), _worker(), None)
    return result


def _confirmed(session, nodeid: str, mutant, tried: int,
               caught: tuple[str, str]) -> tuple[str, str] | None:
    """A mutant failed *nodeid* under shortened waits: that is a kill once the reference
    passes the same scenario under the same waits here (then trusted for this scenario in
    this worker until the machine gets much busier). When the reference does not, the
    waits were too short for this scenario: it runs with the blanket waits from now on,
    and the mutant is tried again with them."""
    load = os.getloadavg()[0]
    if not _reference_fails(session, nodeid, mutant, tried):
        STATE.confirmed[nodeid] = load
        return caught
    STATE.unshortened.add(nodeid)
    _beat(mutant.id, nodeid, tried)
    return _verdict(session, nodeid, _run_scenario(session, STATE.items[nodeid]))


def _reference_fails(session, nodeid: str, mutant, tried: int) -> bool:
    """Run *nodeid* with the reference script: True when it fails too (not the mutant)."""
    _beat(mutant.id, nodeid, tried)
    saved, STATE.source = STATE.source, None
    try:
        return _verdict(session, nodeid, _run_scenario(session, STATE.items[nodeid])) \
            is not None
    finally:
        STATE.source = saved
