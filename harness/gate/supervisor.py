"""The worker processes of a mutation run: a shared queue, and a watch on each one's time.

Each worker is a plain pytest process (``-p harness.gate.plugin``) with one server and one
browser. Workers take mutants from one queue, in the plan's order (the longest expected
first), by claiming each with a file only one of them can create: whichever finishes takes
the next, so none idles while another has a backlog.

Before each scenario a worker writes a heartbeat: which mutant, which scenario, since when
and the scenario's time limit. A worker past its limit is stopped with everything it
started, and a fresh one takes its place; that one first runs the same scenario with the
reference script, within the same limit, to tell the mutant's hang (a kill by timeout)
from the harness's own (an error, never a kill); then it goes on with the queue.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from . import schedule

WORKER_ENV = "WEBTRACK_MUTATION_WORKER"  # the worker's name, for its files
CHECK_ENV = "WEBTRACK_MUTATION_CHECK"  # a stopped worker's heartbeat, to check first
SUPERVISOR = "supervisor"  # the rows the supervisor writes itself: mutants-supervisor.jsonl


def claim(folder: Path, mutant_id: str) -> bool:
    """Take *mutant_id* from the queue; False when another worker already has."""
    claims = folder / "claims"
    claims.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(mutant_id.encode()).hexdigest()
    try:
        os.close(os.open(claims / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def claimed(folder: Path) -> int:
    """How many mutants workers have taken so far."""
    claims = folder / "claims"
    return sum(1 for _ in claims.iterdir()) if claims.is_dir() else 0


def beat(folder: Path, worker: str, running: dict | None) -> None:
    """Say what *worker* runs now (None: nothing, between mutants)."""
    path = folder / f"running-{worker}.json"
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(running or {}), encoding="utf-8")
    os.replace(partial, path)


def heartbeat(folder: Path, worker: str) -> dict | None:
    """What *worker* last said it runs; None before it said anything."""
    try:
        return json.loads((folder / f"running-{worker}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def answered(folder: Path, mutant_id: str) -> bool:
    """True when some worker wrote a result row for *mutant_id*."""
    for path in folder.glob("mutants-*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.endswith("}") and json.loads(line).get("id") == mutant_id:
                return True
    return False


def append(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def stop(process: subprocess.Popen) -> None:
    """End a worker and everything it started (its own process group): at once, since it
    is stuck."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: IO
    check: dict | None  # the heartbeat of the stopped worker whose scenario it checks


class Supervisor:
    """Start *workers* processes over the queue in *folder*, replace any that is stopped or
    dies while mutants are left, and return once every mutant was taken and answered."""

    def __init__(self, folder: Path, command: list[str], workers: int, total: int,
                 logs: Path, poll: float = 0.5,
                 clock: Callable[[], float] = time.time) -> None:
        self.folder, self.command, self.workers, self.total = folder, command, workers, total
        self.logs, self.poll, self.clock = logs, poll, clock
        self.live: list[Worker] = []
        self.started = 0
        self.spare = workers + 2  # replacements for workers that die on their own
        self.stopped: list[dict] = []  # the heartbeats of every worker stopped at its limit
        self.exits: list[int] = []

    def start(self, check: dict | None = None) -> None:
        name = f"w{self.started}"
        # The slot --connect binds a browser endpoint to, as xdist's workers are named.
        slot = f"gw{self.started % max(1, self.workers)}"
        self.started += 1
        env = {**os.environ, WORKER_ENV: name, "PYTEST_XDIST_WORKER": slot}
        if check is not None:
            env[CHECK_ENV] = json.dumps(check)
        log = (self.logs / f"pytest-{name}.log").open("w", encoding="utf-8")
        process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                   env=env, start_new_session=True)
        self.live.append(Worker(name, process, log, check))

    def run(self) -> list[int]:
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            for _ in range(max(1, self.workers)):
                self.start()
            while self.live:
                for worker in list(self.live):
                    self._look(worker)
                if self.live:
                    time.sleep(self.poll)
        finally:
            for worker in self.live:  # interrupted: leave nothing running
                stop(worker.process)
                worker.log.close()
        return self.exits

    def _look(self, worker: Worker) -> None:
        running = heartbeat(self.folder, worker.name)
        code = worker.process.poll()
        if code is None and not schedule.overdue(running, self.clock()):
            return
        if code is None:
            stop(worker.process)
        self.live.remove(worker)
        worker.log.close()
        self.exits.append(worker.process.returncode)
        if code is None and running and running.get("check"):
            self._write(schedule.timeout_row(running["check"], "overran"))
        elif code is None and running and running.get("mutant"):  # overdue on a mutant
            self.stopped.append(running)
            self.start(check=running)  # it checks the reference, then takes the queue
            return
        elif worker.check is not None and not answered(self.folder,
                                                       worker.check["mutant"]):
            self._write(schedule.timeout_row(worker.check, "lost",
                                             f"exit {code}, see {self._log(worker)}"))
        elif running and running.get("mutant") and running.get("since") is not None:
            self._write({"id": running["mutant"], "status": "error",
                         "by": running["scenario"], "how": None, "tried": running["tried"],
                         "message": f"the worker died (exit {code}) while running it; "
                                    f"see {self._log(worker)}"})
        if claimed(self.folder) < self.total and (code is None or self.spare > 0):
            self.spare -= code is not None
            self.start()

    def _log(self, worker: Worker) -> Path:
        return self.logs / f"pytest-{worker.name}.log"

    def _write(self, row: dict) -> None:
        append(self.folder / f"mutants-{SUPERVISOR}.jsonl", row)
