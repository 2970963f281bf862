"""The mutation run's queue and time limits: which mutant goes first, when a scenario has run
too long, what a stopped mutant counts as; and the supervisor doing it with real processes
(stand-in workers that follow the plugin's protocol, no browser)."""

import json
import sys
import textwrap

import pytest

from harness.gate import schedule, supervisor

DURATIONS = {"a": 1.0, "b": 2.0, "c": 10.0}


@pytest.mark.parametrize("scenarios,killer,expected", [
    (["a", "b", "c"], None, 13.0),  # no killer known: it may run every scenario
    (["a", "b", "c"], "c", 10.0),  # its last killer goes first and most likely kills again
    (["a", "b"], "c", 3.0),  # a killer that no longer covers it says nothing
    (["a", "zz"], None, 61.0),  # a scenario the reference did not time: a minute
])
def test_a_mutant_is_expected_to_cost_its_killer_or_every_scenario(scenarios, killer,
                                                                   expected):
    assert schedule.expected_seconds(scenarios, DURATIONS, killer) == expected


@pytest.mark.parametrize("killers,order", [
    ({}, ["m3", "m1", "m2"]),  # by the sum of covering scenarios; ties by id
    ({"m3": "a"}, ["m1", "m2", "m3"]),  # m3 dies in a 1 s scenario: last
    ({"m1": "a", "m2": "b", "m3": "a"}, ["m2", "m1", "m3"]),
])
def test_the_queue_takes_the_longest_expected_mutant_first(killers, order):
    runs = [{"id": "m1", "scenarios": ["a", "b"]}, {"id": "m2", "scenarios": ["b", "a"]},
            {"id": "m3", "scenarios": ["a", "b", "c"]}]
    assert [r["id"] for r in schedule.queue(runs, DURATIONS, killers)] == order


@pytest.mark.parametrize("reference,first,limit", [
    (1.0, False, 33.0),  # 3 × the reference + a 30 s margin
    (10.0, False, 60.0),
    (1.0, True, 93.0),  # the first scenario of a fresh worker also starts it
    (None, False, 210.0),  # not timed by the reference: as if it took a minute
])
def test_a_scenario_may_take_three_times_its_reference_plus_a_margin(reference, first,
                                                                     limit):
    assert schedule.scenario_limit(reference, first_in_worker=first) == limit


@pytest.mark.parametrize("running,now,late", [
    ({"since": 100.0, "limit": 33.0}, 133.0, False),
    ({"since": 100.0, "limit": 33.0}, 133.5, True),
    ({}, 1e9, False),  # between mutants
    (None, 1e9, False),  # not started yet
])
def test_a_worker_is_overdue_once_its_scenario_ran_past_the_limit(running, now, late):
    assert schedule.overdue(running, now) is late


@pytest.mark.parametrize("expect_ref,scenario_ref,bounds", [
    (0.05, 0.5, (1.15, 3.0)),  # what the reference needed × 3 + 1 s; an action at least 3 s
    (0.0, 1.5, (1.0, 5.0)),  # at least a second; an action 2 × the scenario + 2 s
    (2.0, 9.0, (4.0, 8.0)),  # never more than the blanket waits
    (None, None, (4.0, 8.0)),  # not measured: the blanket waits
])
def test_a_scenario_under_a_mutant_waits_what_the_reference_needed(expect_ref, scenario_ref,
                                                                   bounds):
    assert schedule.bounds(expect_ref, scenario_ref, 4.0, 8.0) == bounds


@pytest.mark.parametrize("confirmed,load,again", [
    (None, 0.5, True),  # never confirmed in this worker
    (1.0, 3.9, False),
    (1.0, 4.1, True),  # the machine got much busier since: confirm again
    (10.0, 21.0, False),
])
def test_a_kill_under_shortened_waits_is_confirmed_once_per_scenario(confirmed, load, again):
    assert schedule.needs_confirming(confirmed, load) is again


@pytest.mark.parametrize("message,waited", [
    ("call: AssertionError: expected 1 website_visited (any fields) for p_1 within 1.07s, "
     "got 0; what arrived:", True),
    ("call: playwright._impl._errors.TimeoutError: Timeout 3470.0ms exceeded.", True),
    ("setup: AssertionError: the tracking parameter stayed in the address bar of "
     "http://shop.localhost:1/?wt_ctx=x for 1.15 s: the tracking script did not run", True),
    ("call: AssertionError: expected nothing sent to the collector, the browser sent:", False),
    ("call: AssertionError: assert ['LClick', 'LClick'] == ['LClick']", False),
])
def test_only_a_wait_that_ran_out_needs_the_reference_to_confirm_it(message, waited):
    assert schedule.waited_out(message) is waited


def test_the_worker_shortens_only_measured_scenarios_and_not_when_told(tmp_path):
    from harness.gate.runstate import RunState

    state = RunState()
    state.configure({"reference": "", "durations": {"a": 0.5, "b": 0.5}, "stable": [],
                     "out": str(tmp_path), "expect_wait": 4.0, "action_timeout_ms": 8000,
                     "waits": {"a": 0.05}}, {"a": None, "b": None})
    assert state.bounds("a") == (1.15, 3000.0) and state.shortened("a")
    assert state.bounds("b") == (4.0, 3000.0)  # no expectation timed: its blanket wait
    state.blanket = True  # a fresh worker's first scenario
    assert state.bounds("a") == (4.0, 8000.0) and not state.shortened("a")
    state.blanket = False
    state.unshortened.add("a")  # the reference missed its shortened waits here
    assert state.bounds("a") == (4.0, 8000.0)


STOPPED = {"mutant": "m", "scenario": "s", "limit": 33.0, "tried": 4}


@pytest.mark.parametrize("check,status,says", [
    ("passed", "timeout", "the reference passes it within the same limit"),
    ("failed", "error", "the reference fails it too"),
    ("overran", "error", "a harness-side hang, not counted"),
    ("lost", "error", "died: not counted"),
])
def test_a_stopped_mutant_is_a_kill_only_when_the_reference_passes_in_time(check, status,
                                                                           says):
    row = schedule.timeout_row(STOPPED, check)
    assert (row["id"], row["status"], row["by"], row["how"], row["tried"]) == (
        "m", status, "s", "timeout", 4)
    assert "stopped after 33 s without finishing s" in row["message"]
    assert says in row["message"]


@pytest.mark.parametrize("statuses,score", [
    (["killed"] * 18 + ["timeout"] * 1 + ["survived"] + ["equivalent"] * 5, 95.0),
    (["killed"] * 18 + ["error"] * 2 + ["equivalent"], 90.0),  # an error is not a kill
    (["timeout", "survived"], 50.0),
])
def test_a_kill_by_timeout_counts_as_caught_and_an_error_does_not(statuses, score):
    counts = schedule.score([{"status": s} for s in statuses])
    assert counts["score"] == score
    assert counts["timeout"] == statuses.count("timeout")


def test_each_mutant_is_claimed_once(tmp_path):
    assert supervisor.claim(tmp_path, "statement-deletion@on(click):1a")
    assert not supervisor.claim(tmp_path, "statement-deletion@on(click):1a")
    assert supervisor.claim(tmp_path, "history[name]:2b")
    assert supervisor.claimed(tmp_path) == 2


# A stand-in worker: takes mutants from the queue as the plugin does, each with a behaviour
# (seconds to run, "hang", "die"), and checks the reference first when asked to.
WORKER = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    from harness.gate import schedule, supervisor

    folder, plan = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    name = os.environ[supervisor.WORKER_ENV]
    results = folder / f"mutants-{name}.jsonl"

    def run(mutant, scenario, what, check=None):
        running = {"mutant": mutant, "scenario": scenario, "since": time.time(),
                   "limit": plan["limit"], "tried": 1}
        if check:
            running["check"] = check
        supervisor.beat(folder, name, running)
        if what == "hang":
            time.sleep(3600)
        if what == "die":
            os._exit(3)
        time.sleep(what)
        supervisor.beat(folder, name, None)

    (folder / f"ready-{name}").touch()  # start pulling together, however slow a start
    while len(list(folder.glob("ready-*"))) < plan["together"]:
        time.sleep(0.01)
    stopped = os.environ.get(supervisor.CHECK_ENV)
    if stopped:
        stopped = json.loads(stopped)
        run(stopped["mutant"], stopped["scenario"], plan["check"], check=stopped)
        supervisor.append(results, schedule.timeout_row(stopped, "passed"))
    for mutant, what in plan["mutants"]:
        if supervisor.claim(folder, mutant):
            run(mutant, "s-" + mutant, what)
            supervisor.append(results, {"id": mutant, "status": "killed", "worker": name})
    run(None, "the worker's own ending", plan["ending"])
""")


def supervise(tmp_path, mutants, check=0.0, workers=2, limit=1.0, ending=0.0):
    (tmp_path / "worker.py").write_text(WORKER)
    (tmp_path / "plan.json").write_text(json.dumps(
        {"mutants": mutants, "limit": limit, "check": check, "together": workers,
         "ending": ending}))
    folder = tmp_path / "results"
    folder.mkdir()
    runner = supervisor.Supervisor(
        folder, [sys.executable, str(tmp_path / "worker.py"), str(folder),
                 str(tmp_path / "plan.json")], workers, len(mutants), tmp_path, poll=0.05)
    runner.run()
    rows = {}
    for path in sorted(folder.glob("mutants-*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            assert row["id"] not in rows, f"{row['id']} answered twice"
            rows[row["id"]] = row
    return runner, rows


def test_workers_pull_from_one_queue_so_none_waits_on_the_others_backlog(tmp_path):
    # One long mutant first: while one worker runs it, the other takes all the rest.
    runner, rows = supervise(tmp_path, [["long", 3.0]] + [[f"m{i}", 0.05] for i in range(6)],
                             limit=20.0)
    assert {r["status"] for r in rows.values()} == {"killed"} and len(rows) == 7
    quick = {rows[f"m{i}"]["worker"] for i in range(6)}
    assert quick == {"w0", "w1"} - {rows["long"]["worker"]}, rows
    assert runner.started == 2 and runner.stopped == []


@pytest.mark.parametrize("check,status,says", [
    (0.05, "timeout", "the reference passes it within the same limit"),
    ("hang", "error", "the reference also overran the limit"),
    ("die", "error", "the worker checking the reference died"),
])
def test_a_worker_past_its_limit_is_stopped_replaced_and_checked(tmp_path, check, status,
                                                                 says):
    runner, rows = supervise(tmp_path, [["m0", 0.05], ["hung", "hang"], ["m2", 0.05],
                                        ["m3", 0.05]], check=check)
    assert set(rows) == {"m0", "hung", "m2", "m3"}  # every mutant answered, once
    assert rows["hung"]["status"] == status and says in rows["hung"]["message"], rows["hung"]
    assert rows["hung"]["by"] == "s-hung"
    assert [s["mutant"] for s in runner.stopped] == ["hung"]
    assert all(rows[m]["status"] == "killed" for m in ("m0", "m2", "m3"))


def test_a_worker_that_dies_mid_mutant_leaves_an_error_and_is_replaced(tmp_path):
    runner, rows = supervise(tmp_path, [["dies", "die"]] + [[f"m{i}", 0.05]
                                                             for i in range(3)], workers=1)
    assert rows["dies"]["status"] == "error" and "died (exit 3)" in rows["dies"]["message"]
    assert all(rows[f"m{i}"]["status"] == "killed" for i in range(3))
    assert runner.started == 2 and 3 in runner.exits


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.only_browser("chromium")
def test_a_fresh_worker_checks_the_reference_on_the_scenario_a_mutant_hung_in(tmp_path,
                                                                              browser_name):
    import subprocess

    from harness.gate.mutation import mutant_command
    from harness.tracker import SCRIPT

    nodeid = "harness/scenarios/test_clicks.py::test_outbound_link[chromium]"
    folder = tmp_path / "results"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({
        "reference": SCRIPT.read_text(), "mutants": [], "stable": [], "durations": {},
        "out": str(folder), "expect_wait": 4.0, "action_timeout_ms": 8000}))
    stopped = {**STOPPED, "scenario": nodeid}
    env = {**__import__("os").environ, supervisor.WORKER_ENV: "w9",
           supervisor.CHECK_ENV: json.dumps(stopped)}
    folder.mkdir()
    done = subprocess.run(mutant_command(plan, "test_outbound_link"), env=env,
                          capture_output=True, text=True, timeout=300)
    (row,) = [json.loads(line) for line in (folder / "mutants-w9.jsonl").read_text()
              .splitlines()]
    assert row["status"] == "timeout", (row, done.stdout[-2000:])
    assert row["id"] == "m" and row["by"] == nodeid
    assert supervisor.heartbeat(folder, "w9")["mutant"] is None  # then it said it ended


def test_a_worker_stuck_ending_its_session_is_stopped_with_nothing_to_answer(tmp_path):
    runner, rows = supervise(tmp_path, [[f"m{i}", 0.05] for i in range(3)], workers=1,
                             ending="hang")
    assert all(rows[f"m{i}"]["status"] == "killed" for i in range(3)) and len(rows) == 3
    assert runner.started == 1 and runner.stopped == []  # no check, no replacement


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.only_browser("chromium")
def test_a_mutant_fails_fast_under_the_references_waits_once_the_reference_meets_them(
        tmp_path, browser_name):
    """A mutant that never sends the click fails its scenario after the shortened wait
    (about a second, not the blanket 4 s); the first such kill in the worker is confirmed
    by the reference passing the scenario under the same waits, the next one is not; a
    fresh worker's first scenario waits the blanket waits."""
    import subprocess
    from dataclasses import asdict

    from harness.gate import operators
    from harness.gate.mutation import mutant_command
    from harness.tracker import SCRIPT

    source = SCRIPT.read_text()
    nodeid = ("harness/scenarios/test_page_interference.py::test_link_target_is_what_the_"
              "browser_would_follow[chromium-under-base-href]")
    # The click's track() call deleted, and its fields left out: no website_link_clicked.
    # And one that leaves the tracking parameter in the address bar: the arrival fails.
    mutants = {m.id: m for m in operators.generate(source, check=False)
               if m.id in ("statement-deletion@commit:93036385",
                           "argument-removal@commit:2f90546b", "logical-left-only@top:e543ae2c")}
    second, first = (asdict(mutants[i]) for i in sorted(mutants) if "@commit" in i)
    runs = [{"id": "1", "mutant": first, "scenarios": [nodeid]},
            {"id": "2", "mutant": second, "scenarios": [nodeid]},
            {"id": "3", "mutant": first, "scenarios": [nodeid]},
            {"id": "4", "mutant": asdict(mutants["logical-left-only@top:e543ae2c"]),
             "scenarios": [nodeid]}]
    folder = tmp_path / "results"
    folder.mkdir()
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({
        "reference": source, "mutants": runs, "stable": [], "durations": {nodeid: 1.0},
        "waits": {nodeid: 0.05}, "out": str(folder), "expect_wait": 4.0,
        "action_timeout_ms": 8000}))
    env = {**__import__("os").environ, supervisor.WORKER_ENV: "w1"}
    done = subprocess.run(mutant_command(plan, "test_link_target_is_what_the_browser"),
                          env=env, capture_output=True, text=True, timeout=300)
    rows = [json.loads(line) for line in (folder / "mutants-w1.jsonl").read_text()
            .splitlines()]
    assert [r["status"] for r in rows] == ["killed"] * 4, (rows, done.stdout[-2000:])
    assert "within 4.0s" in rows[0]["message"] and "confirmed" not in rows[0]
    assert "within 1.15s" in rows[1]["message"] and rows[1]["confirmed"] == 1
    assert "within 1.15s" in rows[2]["message"] and "confirmed" not in rows[2]
    assert rows[2]["killer_s"] < rows[0]["killer_s"] - 2, rows
    assert "stayed in the address bar of" in rows[3]["message"]
    assert " for 1.15 s: " in rows[3]["message"], rows[3]
