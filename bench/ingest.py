"""Collector ingest under waitress, loaded from a second process, beside a no-op floor."""

from __future__ import annotations

import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import proc

from harness.client import CollectorClient, CollectorRefused, Sender
from harness.collector import people
from harness.collector.signing import Signer
from harness.collector.store import Store
from harness.testing import ServerProcess, free_port, visit_event

HERE = Path(__file__).resolve().parent


def _event(n: int, port: int) -> dict:
    return visit_event(uuid.uuid4().hex, f"http://shop.localhost:{port}/p{n}.html")


def _load(port: int, path: str, bodies: list[str], threads: int, client: str = "lean",
          server: int | None = None) -> dict:
    """Send *bodies* from a load process; with the *server*'s pid, also its CPU time per
    request (a figure the machine's load moves far less than requests per second)."""
    spec = json.dumps({"port": port, "path": path, "bodies": bodies, "threads": threads,
                       "client": client})
    used = proc.cpu_seconds(server) if server else 0.0
    out = subprocess.run([sys.executable, str(HERE / "load.py")], input=spec, text=True,
                         capture_output=True, check=True)
    found = json.loads(out.stdout)
    if server:
        found["server_cpu_us_per_request"] = (proc.cpu_seconds(server) - used) / len(bodies) * 1e6
    return found


def measure(deliveries: int = 6000, batch: int = 20, threads: int = 8,
            preload: int = 0, rounds: int = 3, profiles: int = 0) -> dict:
    """Single-event and batched deliveries per second, p50/p99, and the no-op floor.

    The floor and single deliveries alternate for *rounds* rounds and each figure is the
    median of its rounds, so a noisy second of the machine does not decide the ratio.
    With *profiles*, that many contacts are stored first and the deliveries take turns
    among them; otherwise one profile sends everything.
    """
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        contexts = _seed_profiles(db, profiles) if profiles else []
        port = free_port()
        with ServerProcess(db, port) as server:
            client = CollectorClient("collector.localhost", port)
            if not contexts:
                client.reset()
                profile = client.profile(consent="opted_in")["id"]
                contexts = [client.context_for(profile, f"http://shop.localhost:{port}/")]
            if preload:
                _preload(port, contexts[0], preload)
            before = client.stats()["received"]
            turn = itertools.cycle(contexts)

            def body(events: int) -> str:
                return json.dumps({"site": "shop", "context": next(turn),
                                   "events": [_event(i, port) for i in range(events)]})

            each = deliveries // rounds
            floors, singles = [], []
            for _ in range(rounds):
                floors.append(_load(port, "/healthz", [body(1)] * each, threads,
                                    server=server.pid))
                singles.append(_load(port, "/collect", [body(1) for _ in range(each)], threads,
                                     server=server.pid))
            batched = _load(port, "/collect", [body(batch) for _ in range(deliveries // 4)],
                            threads, server=server.pid)
            sent = each * rounds + deliveries // 4 * batch
            received = client.stats()["received"] - before
    floor, single = _median(floors), _median(singles)
    ratios = [s["per_second"] / f["per_second"] for f, s in zip(floors, singles, strict=True)]
    cpu = {name: round(statistics.median(r["server_cpu_us_per_request"] for r in found))
           for name, found in (("floor", floors), ("single", singles), ("batched", [batched]))}
    return {
        "floor_requests_per_s": round(floor["per_second"]),
        "load_generator_cpu_us_per_request": round(floor["client_cpu_us_per_request"]),
        # Server CPU per request: what a delivery costs, beside the floor, whatever the load.
        "server_cpu_us_per_request": {**cpu, "single_to_floor": round(cpu["single"] /
                                                                      cpu["floor"], 2)},
        "single": {"deliveries_per_s": round(single["per_second"]),
                   "p50_ms": round(single["p50_ms"], 2), "p99_ms": round(single["p99_ms"], 2),
                   "ratio_to_floor": round(statistics.median(ratios), 2),
                   "ratios_by_round": [round(r, 2) for r in ratios]},
        "batched": {"deliveries_per_s": round(batched["per_second"]),
                    "events_per_s": round(batched["per_second"] * batch),
                    "p50_ms": round(batched["p50_ms"], 2), "p99_ms": round(batched["p99_ms"], 2),
                    "ratio_to_floor": round(batched["per_second"] / floor["per_second"], 2)},
        "sent_events": sent, "received_events": received, "lost": sent - received,
        "errors": sum(s["errors"] for s in singles) + batched["errors"],
        "preloaded_interactions": preload, "profiles": max(profiles, 1),
    }


def _median(runs: list[dict]) -> dict:
    """Return the run with the median throughput (its latencies go with it)."""
    return sorted(runs, key=lambda run: run["per_second"])[len(runs) // 2]


def _seed_profiles(db: Path, count: int) -> list[str]:
    """Store *count* opted-in contacts straight into a new database; return their contexts."""
    store = Store(db)
    signer = Signer(store.secret())  # the server signs with the secret kept in the database
    ids = store.transact(lambda db: [
        people.create(db, "contact", f"bench{n}@example.com", consent_state="opted_in")
        for n in range(count)])
    store.close()
    return [signer.sign("context", profile_id) for profile_id in ids]


def _preload(port: int, context: str, count: int) -> None:
    bodies = [json.dumps({"site": "shop", "context": context,
                          "events": [_event(i, port) for i in range(100)]})
              for _ in range(count // 100)]
    _load(port, "/collect", bodies, 4)


def client_cost(requests: int = 2000, threads: int = 8, rounds: int = 3) -> dict:
    """The floor (``/healthz``) loaded by the lean sender and by the httpx one, alternating
    for *rounds* rounds: the load generator's CPU per request and the requests per second
    each lets through. Says whether httpx could send the load without measuring itself."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        with ServerProcess(Path(tmp) / "clients.sqlite3", port):
            runs: dict[str, list[dict]] = {"lean": [], "httpx": []}
            for n in range(rounds):
                order = ("lean", "httpx") if n % 2 == 0 else ("httpx", "lean")
                for client in order:
                    runs[client].append(_load(port, "/healthz", ["{}"] * requests, threads,
                                              client))
    out = {client: {"requests_per_s": round(_median(found)["per_second"]),
                    "cpu_us_per_request": round(statistics.median(
                        r["client_cpu_us_per_request"] for r in found))}
           for client, found in runs.items()}
    out["httpx_cpu_ratio"] = round(out["httpx"]["cpu_us_per_request"] /
                                   out["lean"]["cpu_us_per_request"], 2)
    return out


PATHOLOGICAL = "(a+)+$"  # exponential backtracking in a backtracking engine


def healthz_under_stress(probes: int = 1000, polls_over: int = 4, seconds: float = 20) -> dict:
    """``/healthz`` latency idle, then while every long-poll place is taken (and more are
    refused) and deliveries trigger a journey whose regex backtracks in Python's ``re``."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        with ServerProcess(Path(tmp) / "stress.sqlite3", port):
            client = CollectorClient("collector.localhost", port)
            client.reset()
            profile = client.profile(consent="opted_in")["id"]
            page = f"http://shop.localhost:{port}/"
            context = client.context_for(profile, page)
            client.call("POST", "/api/journeys", {
                "name": "pathological", "start": "send",
                "trigger": {"type": "website_visited", "conditions": [
                    {"field": "msdynci_viewtitle", "op": "regex", "value": PATHOLOGICAL}]},
                "steps": {"send": {"send": "never"}}})
            idle = _load(port, "/healthz", ["{}"] * probes, 1)
            cap = 8  # LONG_POLLS of a 16-thread server
            statuses: list[int] = []
            stop = threading.Event()
            evil = visit_event("x", page, "a" * 4000 + "!")

            def poll() -> None:
                try:
                    client.call("GET", f"/api/interactions?min=100000&wait={seconds}")
                    statuses.append(200)
                except CollectorRefused as exc:
                    statuses.append(exc.status or 0)

            def deliver() -> None:
                with Sender(port) as sender:
                    while not stop.is_set():
                        body = {"site": "shop", "context": context,
                                "events": [{**evil, "event_id": uuid.uuid4().hex}]}
                        sender.post(body)

            polls = [threading.Thread(target=poll) for _ in range(cap + polls_over)]
            senders = [threading.Thread(target=deliver) for _ in range(2)]
            for thread in polls + senders:
                thread.start()
            time.sleep(1)  # let every poll take its place before probing
            busy = _load(port, "/healthz", ["{}"] * probes, 1)
            stop.set()
            for thread in senders:
                thread.join()
            delivered = client.stats()["recorded"]
            runs = client.call("GET", "/api/journeys")
            for thread in polls:
                thread.join()
    return {"idle": {"p50_ms": round(idle["p50_ms"], 2), "p99_ms": round(idle["p99_ms"], 2)},
            "stressed": {"p50_ms": round(busy["p50_ms"], 2), "p99_ms": round(busy["p99_ms"], 2),
                         "errors": busy["errors"]},
            "long_polls": {"held": statuses.count(200), "refused_429": statuses.count(429)},
            "pathological_deliveries_recorded": delivered, "journeys": len(runs)}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Ingest speed beside /healthz, and /healthz "
                                     "under stress.")
    parser.add_argument("--client-cost", action="store_true",
                        help="only what the load generator itself costs")
    if parser.parse_args().client_cost:
        print(json.dumps({"client_cost": client_cost()}, indent=1))
    else:
        print(json.dumps({"ingest": measure(), "healthz": healthz_under_stress()}, indent=1))
