"""The server itself: it rests when nobody asks anything, and stops at once."""

import gc
import json
import os
import re
import socket
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from harness.client import http_client
from harness.server import Server
from harness.testing import ServerProcess


def _thread_cpu_seconds(native_id: int) -> float:
    fields = Path(f"/proc/self/task/{native_id}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_idle_server_loop_does_not_spin():
    with Server(fixtures_dir=None) as server:
        loop = server._thread.native_id
        time.sleep(0.2)
        before = _thread_cpu_seconds(loop)
        time.sleep(1.0)
        spent = _thread_cpu_seconds(loop) - before
    # A loop polling without waiting spends the whole second; a resting one, nothing.
    assert spent < 0.2, f"the server loop used {spent:.2f} s of CPU in 1 s idle"


def test_stop_returns_at_once():
    server = Server(fixtures_dir=None).start()
    started = time.perf_counter()
    server.stop()
    assert time.perf_counter() - started < 0.5


def test_a_failed_start_frees_the_port_and_threads(tmp_path):
    (tmp_path / "bad.toml").write_text("[[robot]]\nid = 1\n")
    before = threading.active_count()
    server = Server(fixtures_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown table"):
        server.start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", server.port))  # free again
    assert threading.active_count() == before


@pytest.mark.parametrize("dev", [False, True], ids=["waitress", "werkzeug"])
def test_a_taken_port_is_refused_with_nothing_left_open(dev):
    # A collector refused its port, in a process that goes on (pytest in process, a caller
    # that retries), must leave no socket, pipe or thread behind.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        before = threading.active_count()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(OSError):
                Server(port=taken.getsockname()[1], fixtures_dir=None, dev=dev).start()
            gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []
    assert threading.active_count() == before


def test_the_development_server_serves_on_the_port_it_bound():
    server = Server(fixtures_dir=None, dev=True).start()
    try:
        with http_client(server.port, "shop.localhost") as client:
            assert client.get("/").status_code == 200
    finally:
        server.stop()


def test_server_process_says_why_it_did_not_start(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="cannot listen on port"):
            ServerProcess(tmp_path / "x.sqlite3", port).start()


def _get(port: int, path: str, host: str = "collector.localhost", timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                     .encode())
        return conn.recv(200)


@pytest.fixture
def many_files():
    """Let this process open a few thousand sockets (both ends of a thousand connections)."""
    import resource

    if not sys.platform.startswith("linux"):
        pytest.skip("descriptor limits")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 4096:
        pytest.skip(f"this process may open only {hard} files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4096) if hard ==
                                                resource.RLIM_INFINITY else hard, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_thousand_idle_connections_leave_the_server_answering(many_files):
    with Server(fixtures_dir=None) as server:
        # Client and server ends in one process: the server's ends are numbered past
        # 1024, where select() cannot watch them.
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(1000)]
        time.sleep(0.5)  # the server accepts them
        for conn in idle:
            conn.close()
        time.sleep(0.5)  # and sees them closed
        assert _get(server.port, "/healthz").startswith(b"HTTP/1.1 200")


def test_slow_senders_cannot_keep_everyone_else_out(many_files):
    # A thousand connections (the server's limit) each holding an unfinished request, as a
    # "slow loris" does by sending a byte now and then: without a deadline for the whole
    # request they hold every slot, and the request after them is never read.
    with Server(fixtures_dir=None, request_deadline=1.0) as server:
        slow = []
        try:
            for _ in range(1000):  # each begins its request at once, and never finishes it
                slow.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
                slow[-1].sendall(b"POST /collect HTTP/1.1\r\nHost: collector.localhost\r\nX-")
            assert _get(server.port, "/healthz", timeout=30).startswith(b"HTTP/1.1 200")
            head, _, body = _read_all(slow[0]).partition(b"\r\n\r\n")
            assert head.split(b"\r\n")[0].endswith(b" 408 Request Timeout")
            assert b"application/json" in head
            assert "within 1 s" in json.loads(body)["error"]
        finally:
            for conn in slow:
                conn.close()


HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: collector.localhost\r\n\r\n"


def _healthy(conn: socket.socket) -> bool:
    """Read one /healthz answer off a keep-alive connection; whether it was a 200."""
    seen = b""
    while b'"ok":true' not in seen:
        chunk = conn.recv(4096)
        if not chunk:
            return False
        seen += chunk
    return seen.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("kind", ["idle keep-alive", "silent"])
def test_idle_connections_are_let_go_when_the_server_is_crowded(many_files, kind):
    # A thousand keep-alive connections idle after a request (or that never speak) held
    # every slot until waitress's channel_timeout (60 s, and longer for one that asks
    # something now and then); near the limit, one that does nothing for a second is closed.
    with Server(fixtures_dir=None) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=30)
                for _ in range(1000)]
        try:
            if kind == "idle keep-alive":
                for conn in idle:
                    conn.sendall(HEALTHZ)  # answered; its answer waits, unread, in the socket
            assert _get(server.port, "/healthz", timeout=10).startswith(b"HTTP/1.1 200")
        finally:
            for conn in idle:
                conn.close()


def test_an_idle_connection_is_kept_while_the_server_has_room():
    with Server(fixtures_dir=None, request_deadline=1.0) as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        for _ in range(2):  # a keep-alive connection, idle past the deadline between two
            conn.sendall(HEALTHZ)
            assert _healthy(conn)
            time.sleep(2.5)


def test_a_request_queued_behind_a_long_answer_has_its_whole_deadline():
    # The next request's first bytes arrive with a long-poll's; the server reads no more of
    # the connection until the long-poll is answered (3 s), so the deadline (2 s) counts
    # from then, not from those first bytes.
    with Server(fixtures_dir=None, request_deadline=2.0) as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=20) as conn:
        conn.sendall(b"GET /api/interactions?min=1&wait=3 HTTP/1.1\r\n"
                     b"Host: collector.localhost\r\n\r\nGET /healthz HTTP/1.1\r\nHost: coll")
        time.sleep(0.5)
        conn.sendall(b"ector.localhost\r\nConnection: close\r\n\r\n")
        answers = re.findall(rb"HTTP/1\.1 \d{3} [A-Za-z ]+", _read_all(conn))
        assert answers == [b"HTTP/1.1 200 OK", b"HTTP/1.1 200 OK"], answers


def test_a_request_that_arrives_in_time_is_served_however_it_is_split():
    with Server(fixtures_dir=None, request_deadline=2.0) as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        for part in (b"GET /healthz HTTP/1.1\r\n", b"Host: collector.localhost\r\n",
                     b"Connection: close\r\n", b"\r\n"):
            conn.sendall(part)
            time.sleep(0.3)
        assert _read_all(conn).startswith(b"HTTP/1.1 200")


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_body_past_the_limit_is_refused_before_it_is_sent():
    with Server(fixtures_dir=None) as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        # 20 MB announced, none sent: the answer comes now, not once 20 MB have arrived.
        conn.sendall(b"POST /collect HTTP/1.1\r\nHost: collector.localhost\r\n"
                     b"Content-Type: text/plain\r\nContent-Length: 20000000\r\n\r\n")
        head, _, body = _read_all(conn).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413")
        # Waitress answers this itself, before the collector: in the collector's JSON all the same.
        assert b"application/json" in head
        assert "exceeds max_body of 1048576" in json.loads(body)["error"]
