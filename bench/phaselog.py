"""A pytest plugin for bench/gate_profile.py: when each test phase began and ended, and in
which process, one JSON line each in ``$WEBTRACK_PHASE_LOG``.

Loaded into the gate's child pytest and its xdist workers through ``PYTEST_PLUGINS`` (with
this folder on ``PYTHONPATH``); times are ``time.monotonic()``, one clock for every process
on Linux, so the profiler can line its /proc samples up with them.
"""

from __future__ import annotations

import json
import os
import time

import pytest

_PATH = os.environ.get("WEBTRACK_PHASE_LOG")


def _timed(item: pytest.Item, phase: str):
    started = time.monotonic()
    try:
        return (yield)
    finally:
        if _PATH:
            line = {"pid": os.getpid(), "test": item.nodeid, "phase": phase,
                    "start": started, "end": time.monotonic()}
            with open(_PATH, "a", encoding="utf-8") as log:  # one write a line: atomic
                log.write(json.dumps(line) + "\n")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _timed(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _timed(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    return (yield from _timed(item, "teardown"))


def _session(phase: str):
    started = time.monotonic()
    try:
        return (yield)
    finally:
        if _PATH:
            line = {"pid": os.getpid(), "test": f"({phase})", "phase": phase,
                    "start": started, "end": time.monotonic()}
            with open(_PATH, "a", encoding="utf-8") as log:
                log.write(json.dumps(line) + "\n")


@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    return (yield from _session("collection"))


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session, exitstatus):
    return (yield from _session("sessionfinish"))


@pytest.hookimpl(wrapper=True)
def pytest_unconfigure(config):
    return (yield from _session("unconfigure"))
