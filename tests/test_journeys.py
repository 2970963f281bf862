"""Journeys: conditions and branch decisions as tables, validation errors, the API and clock."""

import threading
import time

import pytest
from conftest import SHOP, Api

from harness.collector import create_app, state
from harness.collector.journeys import definition, engine
from harness.collector.journeys.conditions import holds, matches
from harness.collector.store import Store

VISIT = {"type": "website_visited", "msdynci_viewuri": SHOP + "/cart.html",
         "msdynci_viewtitle": "Your cart", "msdynci_actionisoutbound": False, "n": 3,
         "clicked": True}


@pytest.mark.parametrize("op,value,field,expected", [
    ("equals", "Your cart", "msdynci_viewtitle", True),
    ("equals", "your cart", "msdynci_viewtitle", False),
    ("contains", "/cart", "msdynci_viewuri", True),
    ("contains", "/pricing", "msdynci_viewuri", False),
    ("starts_with", "http://shop.", "msdynci_viewuri", True),
    ("starts_with", "shop", "msdynci_viewuri", False),
    ("regex", r"cart\.html$", "msdynci_viewuri", True),
    ("regex", r"^cart", "msdynci_viewuri", False),  # a search, but anchored
    ("regex", "art", "msdynci_viewuri", True),  # re.search, not re.match
    ("in", ["Your cart", "Checkout"], "msdynci_viewtitle", True),
    ("in", ["Checkout"], "msdynci_viewtitle", False),
    ("equals", False, "msdynci_actionisoutbound", True),
    ("contains", "false", "msdynci_actionisoutbound", True),
    ("equals", 3, "n", True),
    ("equals", 3.0, "n", True),  # one JSON number
    ("equals", "3", "n", False),
    ("in", ["3"], "n", False),
    # True == 1 in Python: never between JSON values of different types
    ("equals", 0, "msdynci_actionisoutbound", False),
    ("in", [0, "false"], "msdynci_actionisoutbound", False),
    ("in", [False], "msdynci_actionisoutbound", True),
    ("equals", True, "clicked", True),
    ("equals", 1, "clicked", False),
    ("in", [1], "clicked", False),
    ("equals", False, "n", False),
    ("contains", True, "clicked", True),  # as JSON writes it: true
    ("starts_with", False, "msdynci_actionisoutbound", True),
    ("equals", "x", "missing_field", False),
])
def test_condition_table(op, value, field, expected):
    assert holds({"field": field, "op": op, "value": value}, VISIT) is expected


def test_all_conditions_must_hold():
    rule = {"type": "website_visited", "conditions": [
        {"field": "msdynci_viewuri", "op": "contains", "value": "/cart"},
        {"field": "msdynci_viewtitle", "op": "equals", "value": "Other"}]}
    assert not matches(rule, VISIT)
    assert not matches({"type": "website_link_clicked", "conditions": []}, VISIT)
    assert matches({"type": "website_visited", "conditions": rule["conditions"][:1]}, VISIT)


STEP = {"if": {"type": "website_link_clicked", "conditions": [
    {"field": "msdynci_linkuri", "op": "contains", "value": "/pricing"}]},
    "within_seconds": 100, "yes": "offer", "no": "reminder"}
CLICK = {"type": "website_link_clicked", "msdynci_linkuri": SHOP + "/pricing.html"}


@pytest.mark.parametrize("now,interaction,expected", [
    (50, CLICK, "yes"),                                    # in time, matching
    (100, CLICK, "yes"),                                   # at the very end of the window
    (50, {**CLICK, "msdynci_linkuri": SHOP + "/"}, None),  # not matching: keep waiting
    (50, None, None),                                      # clock, window still open
    (100, None, "no"),                                     # clock, window ended
    (150, None, "no"),
])
def test_branch_table(now, interaction, expected):
    assert engine.branch(STEP, deadline=100, now=now, interaction=interaction) == expected


def stepped(journey, run_at, now, interaction=None, refusal=None, ended=False):
    """Run one decision on a run waiting at 'asked' since 0 (window 100): the outcomes of
    its path, its status and the texts it sent."""
    normal = definition.validate(journey)
    run, sent = engine.start(normal, {"msdynci_viewtitle": "Cart", "profile_id": "p"}, run_at)
    if ended:
        sent += engine.window_ended(normal, run, now, refusal)
    else:
        sent += engine.take(normal, run, now, interaction)
    return [p["outcome"] for p in run["path"]], run["status"], [m["text"] for m in sent]


@pytest.mark.parametrize("now,interaction,refusal,ended,expected", [
    (50, CLICK, None, False, (["yes", "sent"], "done", ["About Cart"])),
    (50, {**CLICK, "msdynci_linkuri": SHOP + "/"}, None, False, ([], "waiting", [])),
    (150, CLICK, None, False, ([], "waiting", [])),  # late: only the window's end decides
    (100, None, None, True, (["no", "sent"], "done", ["Waiting."])),
    (100, None, "opted_out", True, (["halted"], "halted", [])),
    (100, None, "allow_tracking_false", True, (["halted"], "halted", [])),
])
def test_run_table(now, interaction, refusal, ended, expected):
    assert stepped(GOOD, 0, now, interaction, refusal, ended) == expected


def test_no_is_dated_when_the_window_ended_not_when_it_was_closed():
    normal = definition.validate(GOOD)
    run, _ = engine.start(normal, {"profile_id": "p"}, 0)
    engine.window_ended(normal, run, 250, None)
    assert run["path"][0]["at"] == engine.iso(100)
    assert run["path"][0]["decided_by"] == {"window_ended": engine.iso(100),
                                            "within_seconds": 100}


GOOD = {
    "name": "cart follow-up",
    "trigger": {"type": "website_visited",
                "conditions": [{"field": "msdynci_viewuri", "op": "contains", "value": "/cart"}]},
    "start": "asked",
    "steps": {"asked": STEP, "offer": {"send": "About {{ trigger.msdynci_viewtitle }}"},
              "reminder": {"send": "Waiting."}},
}


def variant(**changes):
    import copy

    out = copy.deepcopy(GOOD)
    for path, value in changes.items():
        target = out
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[key]
        if value is None:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return out


@pytest.mark.parametrize("raw,message", [
    (variant(start="nowhere"), "'start' names unknown step 'nowhere'"),
    (variant(steps__asked__yes="ghost"), "leads to unknown step 'ghost'"),
    (variant(steps__orphan={"send": "x"}), "unreachable step(s) orphan"),
    (variant(steps__asked__if__conditions=[{"field": "f", "op": "like", "value": "x"}]),
     "op 'like' is not one of"),
    (variant(trigger__conditions=[{"field": "f", "op": "regex", "value": "(["}]),
     "not a valid regex"),
    (variant(steps__reminder={"send": "x", "next": "asked"}), "cycle"),
    (variant(steps__asked__within_seconds=0), "within_seconds"),
    (variant(steps__offer={"send": "{{ unclosed"}), "not a valid template"),
    (variant(steps__offer={"send": "x", "if": STEP["if"]}), "exactly one of"),
    (variant(name=None), "'name'"),
    (variant(trigger=None), "trigger must be an object"),
    (variant(steps__asked__if__conditions=[{"field": "f", "op": "in", "value": "x"}]),
     "non-empty list"),
])
def test_validation_errors(raw, message):
    with pytest.raises(ValueError, match=None) as info:
        definition.validate(raw)
    assert message in str(info.value)


@pytest.mark.parametrize("value,ok", [
    (None, True), ("cart-follow-up", True), ("j_1", True), ("a" * 64, True),
    ("", False), ("a" * 65, False), ("with space", False), ("caf\u00e9", False),
    ("\u0661\u0662", False), ("a/b", False), (7, False), (["x"], False),
])
def test_journey_id_table(value, ok):
    if ok:
        assert definition.checked_id(value) == value
    else:
        with pytest.raises(ValueError, match="field 'id'"):
            definition.checked_id(value)


def test_valid_definition_is_normalised():
    normal = definition.validate(GOOD)
    assert normal["reentry"] is False and normal["steps"]["offer"]["next"] is None


# -- through the API ---------------------------------------------------------------------------

@pytest.fixture
def journey(client):
    made = client.post("/api/journeys", json=GOOD)
    assert made.status_code == 201, made.json
    return made.json["id"]


def enter(api, consent="opted_in"):
    profile = api.profile(consent=consent)
    context = api.context_for(profile)
    api.collect([api.visit("v-" + profile)], context=context)
    return profile, context


def test_yes_path_sends_personalised_message(api, client, journey):
    profile, context = enter(api)
    api.collect([api.click("c-" + profile, msdynci_linkuri=SHOP + "/pricing.html")],
                context=context)
    (run,) = client.get(f"/api/journeys/{journey}/runs").json
    assert [p["outcome"] for p in run["path"]] == ["yes", "sent"]
    assert run["path"][0]["decided_by"]["event_id"] == "c-" + profile
    assert client.get(f"/api/outbox?profile={profile}").json[0]["text"] == "About Cart"


def test_no_path_when_the_clock_passes_the_window(api, client, journey):
    profile, _ = enter(api)
    assert client.get(f"/api/journeys/{journey}/runs").json[0]["current_step"] == "asked"
    client.post("/api/clock/advance", json={"seconds": 99})
    assert client.get(f"/api/journeys/{journey}/runs").json[0]["status"] == "waiting"
    client.post("/api/clock/advance", json={"seconds": 2})
    (run,) = client.get(f"/api/journeys/{journey}/runs").json
    assert [p["outcome"] for p in run["path"]] == ["no", "sent"]
    assert "window_ended" in run["path"][0]["decided_by"]
    assert client.get(f"/api/outbox?profile={profile}").json[0]["text"] == "Waiting."


def test_late_match_does_not_take_yes(api, client, journey):
    profile, context = enter(api)
    client.post("/api/clock/advance", json={"seconds": 101})
    api.collect([api.click("late", msdynci_linkuri=SHOP + "/pricing.html")], context=context)
    (run,) = client.get(f"/api/journeys/{journey}/runs").json
    assert run["path"][0]["outcome"] == "no"


def test_enters_once_unless_reentry(api, client, journey):
    profile, context = enter(api)
    api.collect([api.visit("again")], context=context)
    assert len(client.get(f"/api/journeys/{journey}/runs").json) == 1
    again = client.post("/api/journeys", json={**GOOD, "reentry": True}).json["id"]
    api.collect([api.visit("third")], context=context)
    client.post("/api/clock/advance", json={"seconds": 101})
    api.collect([api.visit("fourth")], context=context)
    assert len(client.get(f"/api/journeys/{again}/runs").json) == 2


def test_unrecorded_profiles_neither_enter_nor_advance(api, client, journey):
    enter(api, consent="opted_out")
    assert client.get(f"/api/journeys/{journey}/runs").json == []
    profile, context = enter(api)
    client.patch(f"/api/profiles/{profile}", json={"consent": "opted_out"})
    api.collect([api.click("c", msdynci_linkuri=SHOP + "/pricing.html")], context=context)
    client.post("/api/clock/advance", json={"seconds": 101})
    (run,) = client.get(f"/api/journeys/{journey}/runs").json
    assert run["status"] == "halted" and client.get("/api/outbox").json == []


def test_message_is_escaped_in_html_not_in_text(api, client):
    made = client.post("/api/journeys", json={**GOOD, "start": "offer",
                                              "steps": {"offer": GOOD["steps"]["offer"]}})
    assert made.status_code == 201
    profile = api.profile()
    api.collect([api.visit("h", msdynci_viewtitle="<b>Cart</b>")], context=api.context_for(
        profile))
    (message,) = client.get(f"/api/outbox?profile={profile}").json
    assert message["text"] == "About <b>Cart</b>"
    assert message["html"] == "About &lt;b&gt;Cart&lt;/b&gt;"


def test_sandbox_refuses_unsafe_templates(api, client):
    bad = {**GOOD, "start": "offer",
           "steps": {"offer": {"send": "{{ trigger.__class__.__mro__ }}"}}}
    journey_id = client.post("/api/journeys", json=bad).json["id"]
    profile = api.profile()
    api.collect([api.visit("s")], context=api.context_for(profile))
    assert "class" not in client.get("/api/outbox").json[0]["text"]
    assert client.get(f"/api/journeys/{journey_id}/runs").json[0]["status"] == "done"


@pytest.mark.parametrize("body,status", [
    ({"seconds": -1}, 400), ({"seconds": "10"}, 400), ({}, 400)])
def test_clock_bad_input(client, body, status):
    assert client.post("/api/clock/advance", json=body).status_code == status


def test_bad_definition_is_400_and_stores_nothing(client):
    response = client.post("/api/journeys", json=variant(start="nowhere"))
    assert response.status_code == 400 and "unknown step" in response.json["error"]
    assert client.get("/api/journeys").json == []


def test_a_journey_id_is_checked_and_kept(client):
    bad = client.post("/api/journeys", json={**GOOD, "id": "caf\u00e9"})
    assert bad.status_code == 400 and "field 'id'" in bad.json["error"]
    assert client.post("/api/journeys", json={**GOOD, "id": "mine"}).json["id"] == "mine"
    assert client.post("/api/journeys", json={**GOOD, "id": "mine"}).status_code == 409
    assert [j["id"] for j in client.get("/api/journeys").json] == ["mine"]


def test_unknown_journey_is_404(client):
    assert client.get("/api/journeys/j_none/runs").status_code == 404


def test_journey_page_draws_paths(api, client, journey):
    enter(api)
    client.post("/api/clock/advance", json={"seconds": 101})
    page = client.get(f"/journeys/{journey}").get_data(as_text=True)
    assert "cart follow-up" in page and "no: <span class=\"count\">1</span>" in page


def test_journey_defined_while_serving_starts_on_the_next_visit(api, client):
    enter(api)  # a delivery before any journey exists
    made = client.post("/api/journeys", json=GOOD)
    assert made.status_code == 201, made.json
    profile, _ = enter(api)
    runs = client.get(f"/api/journeys/{made.json['id']}/runs").json
    assert [run["profile_id"] for run in runs] == [profile]


# -- journey work never fails or stalls a delivery ---------------------------------------------

def test_a_failing_step_marks_its_run_errored_and_the_delivery_is_stored(api, client):
    # Three copies of a 4000-character title: past the cap on a rendered message.
    huge = {**GOOD, "start": "offer", "steps": {"offer": {
        "send": "{{ trigger.msdynci_viewtitle }}" * 3}}}
    journey_id = client.post("/api/journeys", json=huge).json["id"]
    fine = client.post("/api/journeys", json={**GOOD, "start": "offer", "steps": {
        "offer": {"send": "Hello"}}}).json["id"]
    profile = api.profile()
    context = api.context_for(profile)
    answer = api.collect([api.visit("long", msdynci_viewtitle="t" * 4000),
                          api.visit("next", msdynci_viewtitle="Short")], context=context)
    assert answer.status_code == 202 and answer.json["accepted"] == 2
    stored = [i["event_id"] for i in client.get(f"/api/interactions?profile={profile}").json]
    assert "long" in stored and "next" in stored
    (run,) = client.get(f"/api/journeys/{journey_id}/runs").json
    assert run["status"] == "errored"
    assert run["path"][-1]["outcome"] == "errored"
    assert "longer than 10000 characters" in run["path"][-1]["error"]
    assert client.get(f"/api/journeys/{fine}/runs").json[0]["status"] == "done"
    assert [m["text"] for m in client.get(f"/api/outbox?profile={profile}").json] == ["Hello"]
    page = client.get(f"/journeys/{journey_id}").get_data(as_text=True)
    assert "errored" in page and "longer than 10000 characters" in page


def test_a_pathological_regex_runs_in_linear_time(api, client):
    # (a+)+$ backtracks exponentially in Python's re; RE2 answers at once.
    evil = variant(trigger__conditions=[
        {"field": "msdynci_viewtitle", "op": "regex", "value": "(a+)+$"}])
    journey_id = client.post("/api/journeys", json=evil).json["id"]
    profile = api.profile()
    answer = api.collect([api.visit("slow", msdynci_viewtitle="a" * 4000 + "!")],
                         context=api.context_for(profile))
    assert answer.status_code == 202
    assert client.get(f"/api/journeys/{journey_id}/runs").json == []  # no match, no run


@pytest.mark.parametrize("template,message", [
    ("{% for i in range(9) %}x{% endfor %}", "uses For"),
    ("{{ trigger.msdynci_viewtitle * 1000 }}", "uses Mul"),
    ("{{ lipsum() }}", "uses Call"),
    ("{{ config }}", "names 'config'"),
    ("{{ trigger.msdynci_viewtitle | wordwrap }}", "filter 'wordwrap'"),
    ("x" * 10_001, "longer than 10000 characters"),
])
def test_templates_only_show_values(client, template, message):
    response = client.post("/api/journeys", json=variant(steps__offer={"send": template}))
    assert response.status_code == 400 and message in response.json["error"]


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)b", r"(?<!a)b"])
def test_regexes_re2_cannot_run_are_refused_when_defined(client, pattern):
    response = client.post("/api/journeys", json=variant(trigger__conditions=[
        {"field": "msdynci_viewtitle", "op": "regex", "value": pattern}]))
    assert response.status_code == 400 and "not a valid regex" in response.json["error"]


def test_conditions_look_at_capped_text():
    long = {"type": "website_visited", "f": "a" * 5000 + "END"}
    assert not holds({"field": "f", "op": "regex", "value": "END"}, long)
    assert holds({"field": "f", "op": "regex", "value": "^a+$"}, long)


@pytest.mark.parametrize("template, text", [
    ("{{ trigger.msdynci_viewtitle }}", "Shoes"),
    ("{{ trigger['msdynci_viewtitle'] }}", "Shoes"),
    ("{{ trigger.msdynci_viewtitle|upper }}", "SHOES"),
    # A field's Python attributes are not fields: no bound method, no memory address.
    ("{{ trigger.msdynci_viewtitle.upper }}", ""),
    ("{{ trigger.items }}", ""),
    ("{{ trigger.__class__ }}", ""),
    ("{{ match.msdynci_linkuri|default('none') }}", "none"),
])
def test_a_message_shows_fields_and_nothing_else(template, text):
    from harness.collector.journeys import render

    assert render.message(template, {"msdynci_viewtitle": "Shoes"}, None)["text"] == text


def test_a_run_stops_rather_than_loop_on_a_definition_that_cycles():
    # validate() refuses cycles; one stored by an earlier version (a step named "") must
    # not send for ever in the writer thread.
    looping = {"start": "", "steps": {"": {"send": "hi", "next": ""}}}
    run = engine.new_run(looping, {"type": "website_visited"}, 0.0)
    with pytest.raises(ValueError, match="loop"):
        engine.proceed(looping, run, 0.0)


def test_journey_work_lost_to_a_killed_process_is_done_at_the_next_start(tmp_path, monkeypatch):
    # A delivery is answered once committed; its journey work commits after, on its own. A
    # process killed between the two left the trigger (and a branch's "yes") undone for good.
    from conftest import Api

    from harness.collector import create_app, state

    config = {"DATABASE": str(tmp_path / "j.sqlite3"), "SITES": {"shop": SHOP}}
    app = create_app(config)
    client = app.test_client()
    api = Api(client)
    journey = client.post("/api/journeys", json=GOOD).json["id"]
    with monkeypatch.context() as patch:  # the follow-ups never commit: the process dies
        patch.setattr(engine.Journeys, "__call__", lambda self, db, **kwargs: None)
        profile, context = enter(api)
        assert api.collect([api.click("c-" + profile, msdynci_linkuri=SHOP + "/pricing.html")],
                           context=context).status_code == 202
        assert client.get(f"/api/journeys/{journey}/runs").json == []
    state.store_of(app).close()

    again = create_app(config)
    try:
        client = again.test_client()
        (run,) = client.get(f"/api/journeys/{journey}/runs").json
        assert [p["outcome"] for p in run["path"]] == ["yes", "sent"], run["path"]
        assert client.get(f"/api/outbox?profile={profile}").json[0]["text"] == "About Cart"
        # Done once: a third start finds nothing left to do.
        state.store_of(again).close()
        third = create_app(config)
        assert len(third.test_client().get(f"/api/journeys/{journey}/runs").json) == 1
        state.store_of(third).close()
    finally:
        state.store_of(again).close()


def test_journey_work_that_failed_is_done_with_the_next_delivery(api, client, journey,
                                                                 monkeypatch):
    # The journey work of a delivery commits on its own, after the answer: if it fails
    # (its transaction rolled back), the next delivery's work does it first.
    real = engine.Journeys.on_interactions
    with monkeypatch.context() as patch:
        patch.setattr(engine.Journeys, "on_interactions",
                      lambda self, db, interactions: (_ for _ in ()).throw(OSError("disk")))
        first, _ = enter(api)
    assert engine.Journeys.on_interactions is real
    second, _ = enter(api)
    runs = client.get(f"/api/journeys/{journey}/runs").json
    assert sorted(r["profile_id"] for r in runs) == sorted([first, second]), runs


WELCOME = {"name": "welcome", "trigger": GOOD["trigger"], "start": "hello",
           "steps": {"hello": {"send": "Hello about {{ trigger.msdynci_viewtitle }}"}}}
SLOW = 0.5  # seconds: far above a commit's time, far below a read's bound


def _slowly(real, slowing: threading.Event):
    """Return *real* made to sleep first once *slowing* is set: a loaded machine, where
    the writer thread loses the CPU at its worst moment."""
    def slow(*args, **kwargs):
        if slowing.is_set():
            time.sleep(SLOW)
        return real(*args, **kwargs)
    return slow


@pytest.mark.parametrize("owner,name", [
    # Once the delivery is readable, the writer is slow to hand its journey work on:
    (Store, "_ended"),        # between the commit and queueing the work,
    (Store, "after_commit"),  # between a lone delivery's insert (its commit) and asking,
    (engine.Journeys, "__call__"),  # or in the journey work itself.
], ids=["after the commit", "asking for the work", "the work"])
def test_a_visit_seen_through_the_api_shows_its_journey_work(tmp_path, monkeypatch, owner,
                                                             name):
    # What a test outside the project does (the contract's test API): wait until the visit
    # is readable, then read the runs and the outbox once. The journey work of a delivery
    # commits after it, on its own; a read of what journeys made must wait for it.
    slowing = threading.Event()
    monkeypatch.setattr(owner, name, _slowly(getattr(owner, name), slowing))
    app = create_app({"DATABASE": str(tmp_path / "slow.sqlite3"), "SITES": {"shop": SHOP}})
    try:
        client = app.test_client()
        journey_id = client.post("/api/journeys", json=WELCOME).json["id"]
        profile = Api(client).profile(consent="opted_in")
        context = Api(client).context_for(profile)
        sender = Api(app.test_client())  # a client of its own: the browser
        delivery = threading.Thread(target=sender.collect, args=([sender.visit("v")],),
                                    kwargs={"context": context})
        slowing.set()
        delivery.start()
        give_up = time.monotonic() + 5
        while not client.get(f"/api/interactions?profile={profile}&type=website_visited").json:
            assert time.monotonic() < give_up, "the visit was never recorded"
            time.sleep(0.005)
        runs = client.get(f"/api/journeys/{journey_id}/runs").json
        outbox = client.get(f"/api/outbox?profile={profile}").json
        delivery.join(10)
        assert [(r["profile_id"], r["status"]) for r in runs] == [(profile, "done")]
        assert [m["text"] for m in outbox] == ["Hello about Cart"]
    finally:
        state.store_of(app).close()
