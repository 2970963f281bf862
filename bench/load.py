"""A load generator for the collector, run as its own process: POSTs over keep-alive
connections from several threads, for a fixed count, recording each latency and the
generator's own CPU time per request.

Everything else in the project talks to the collector through :mod:`harness.client`
(httpx). This process must cost the machine as little as it can, since it shares the CPU
with the server it measures: httpx spends about three times the CPU of a bare
``http.client`` connection per request (``bench/ingest.py --client-cost`` measures both
side by side), which would make the floor measure the client. So the load is sent by
:class:`LeanSender`, the smallest keep-alive POST loop the standard library allows, unless
the spec asks for ``"client": "httpx"``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import sys
import threading
import time

from harness.client import Sender


class LeanSender:
    """One keep-alive ``http.client`` connection posting bodies: the benchmark's load only."""

    def __init__(self, port: int, host: str = "collector.localhost") -> None:
        self.headers = {"Host": f"{host}:{port}", "Content-Type": "text/plain"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, body: bytes, path: str) -> tuple[int, bytes]:
        self.conn.request("POST", path, body=body, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def __enter__(self) -> LeanSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


SENDERS = {"lean": LeanSender, "httpx": Sender}


def _cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def run(port: int, path: str, bodies: list[bytes], threads: int, client: str = "lean") -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    chunks = [bodies[i::threads] for i in range(threads)]
    sender = SENDERS[client]

    def worker(chunk: list[bytes]) -> None:
        local = []
        with sender(port) as conn:
            for body in chunk:
                started = time.perf_counter()
                status, _ = conn.post(body, path)
                local.append(time.perf_counter() - started)
                if status >= 300:
                    with lock:
                        errors[0] += 1
        with lock:
            latencies.extend(local)

    cpu, started = _cpu_seconds(), time.perf_counter()
    pool = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    latencies.sort()
    return {"requests": len(bodies), "seconds": seconds, "per_second": len(bodies) / seconds,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "errors": errors[0],
            "client": client, "client_cpu_us_per_request": cpu / len(bodies) * 1e6}


if __name__ == "__main__":
    argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Reads its spec as JSON on stdin ({port, path, bodies, threads, client}) and "
               "prints its figures as JSON: bench/ingest.py runs it.").parse_args()
    spec = json.loads(sys.stdin.read())
    bodies = [body.encode() for body in spec["bodies"]]
    print(json.dumps(run(spec["port"], spec["path"], bodies, spec["threads"],
                         spec.get("client", "lean"))))
