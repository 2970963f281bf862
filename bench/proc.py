"""CPU time of processes, read from Linux's ``/proc``: what the benchmarks measure beside
wall time, since wall time on these shared 2-core machines mostly measures the load."""

from __future__ import annotations

import os

TICKS = os.sysconf("SC_CLK_TCK")


def parse_stat(text: str) -> tuple[int, int]:
    """(parent pid, user + system clock ticks) from the text of a ``stat`` file."""
    fields = text.rsplit(")", 1)[1].split()  # the command name may hold spaces or ')'
    return int(fields[1]), int(fields[11]) + int(fields[12])


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds process *pid* has used."""
    with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
        return parse_stat(handle.read())[1] / TICKS


def processes() -> dict[int, tuple[int, int]]:
    """Every process now: pid → (parent pid, CPU clock ticks)."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="utf-8") as handle:
                    found[int(name)] = parse_stat(handle.read())
            except OSError:
                continue  # ended meanwhile
    return found


def tree(root: int, found: dict[int, tuple[int, int]]) -> list[int]:
    """*root* and every process under it among *found*."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in found.items():
        children.setdefault(parent, []).append(pid)
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def tree_ticks(root: int | None = None) -> int:
    """CPU clock ticks of *root*'s tree (default: this process), ended descendants included:
    each process's own and those of the children it waited for (Chromium's renderers end
    with their contexts)."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="utf-8") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    return sum(found[p][1] for p in tree(os.getpid() if root is None else root, found)
               if p in found)
