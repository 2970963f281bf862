"""A load generator for the collector, run as its own process: POSTs over keep-alive
connections from several threads, for a fixed count, recording each latency."""

from __future__ import annotations

import json
import sys
import threading
import time

from harness.testing import Sender


def run(port: int, path: str, bodies: list[bytes], threads: int) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    chunks = [bodies[i::threads] for i in range(threads)]

    def worker(chunk: list[bytes]) -> None:
        local = []
        with Sender(port) as conn:
            for body in chunk:
                started = time.perf_counter()
                status, _ = conn.post(body, path)
                local.append(time.perf_counter() - started)
                if status >= 300:
                    with lock:
                        errors[0] += 1
        with lock:
            latencies.extend(local)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    return {"requests": len(bodies), "seconds": seconds, "per_second": len(bodies) / seconds,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "errors": errors[0]}


if __name__ == "__main__":
    spec = json.loads(sys.stdin.read())
    bodies = [body.encode() for body in spec["bodies"]]
    print(json.dumps(run(spec["port"], spec["path"], bodies, spec["threads"])))
