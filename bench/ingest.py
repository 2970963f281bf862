"""Collector ingest under waitress, loaded from a second process, beside a no-op floor."""

from __future__ import annotations

import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from harness.collector import people
from harness.collector.signing import Signer
from harness.collector.store import Store
from harness.testing import Collector, ServerProcess, free_port, visit_event

HERE = Path(__file__).resolve().parent


def _event(n: int, port: int) -> dict:
    return visit_event(uuid.uuid4().hex, f"http://shop.localhost:{port}/p{n}.html")


def _load(port: int, path: str, bodies: list[str], threads: int) -> dict:
    spec = json.dumps({"port": port, "path": path, "bodies": bodies, "threads": threads})
    out = subprocess.run([sys.executable, str(HERE / "load.py")], input=spec, text=True,
                         capture_output=True, check=True)
    return json.loads(out.stdout)


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
        with ServerProcess(db, port):
            client = Collector("collector.localhost", port)
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
                floors.append(_load(port, "/healthz", [body(1)] * each, threads))
                singles.append(_load(port, "/collect", [body(1) for _ in range(each)], threads))
            batched = _load(port, "/collect", [body(batch) for _ in range(deliveries // 4)],
                            threads)
            sent = each * rounds + deliveries // 4 * batch
            received = client.stats()["received"] - before
    floor, single = _median(floors), _median(singles)
    ratios = [s["per_second"] / f["per_second"] for f, s in zip(floors, singles, strict=True)]
    return {
        "floor_requests_per_s": round(floor["per_second"]),
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


if __name__ == "__main__":
    started = time.time()
    print(json.dumps(measure(), indent=1))
