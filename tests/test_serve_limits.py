"""Time-outs and limits of `kling-mock serve`, seen from raw sockets: no request can hang a connection
forever or make the server keep an unbounded request head, and the server answers others throughout."""

from __future__ import annotations

import contextlib
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import orjson
import pytest

from contracts._live import free_port, served_process

KLING = str(Path(sys.executable).parent / "kling-mock")
T2V = "/v1/models/kling/kling-3.0/standard/text-to-video"
HEADER_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 1.0
MAX_CONNECTIONS = 6
WAIT_S = 10.0  # every read below gives up after this: a hang fails the test instead of stalling it


class Serve:
    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=WAIT_S)
        return sock

    def assert_serving(self) -> None:
        """The server answers normally: a submit, its status and result, the journal and the clock."""
        auth = {"Authorization": "Bearer probe"}
        with httpx.Client(base_url=self.origin, timeout=WAIT_S) as c:
            rid = c.post(T2V, json={"prompt": "a cat"}, headers=auth).json()["request_id"]
            for path in (f"/v1/requests/{rid}/status", f"/v1/requests/{rid}/result", "/__mock/journal",
                         "/__mock/clock"):
                r = c.get(path, headers=auth)
                assert r.status_code == 200, (path, r.status_code, r.text[:200])


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    port = free_port()
    cmd = [KLING, "serve", "--port", str(port), "--clock", "manual",
           "--cache-dir", str(tmp_path_factory.mktemp("media")),
           "--set", f"header_timeout_s={HEADER_TIMEOUT_S}", "--set", f"body_timeout_s={BODY_TIMEOUT_S}",
           "--set", "keep_alive_timeout_s=1", "--set", f"max_connections={MAX_CONNECTIONS}"]
    with served_process(cmd, f"http://127.0.0.1:{port}/__mock/clock", timeout=120):
        yield Serve(port)


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes, float]:
    """The next answer (status, headers, body) and how long it took; fails if none comes in WAIT_S."""
    started = time.monotonic()
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed without an answer after {time.monotonic() - started:.1f} s"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        assert chunk, "closed mid-body"
        body += chunk
    return int(lines[0].split()[1]), headers, body, time.monotonic() - started


def closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closes the connection (reading and dropping anything it sends)."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the connection was still open after {seconds} s")
    return time.monotonic() - started


def error_code(body: bytes) -> int:
    code: int = orjson.loads(body)["error_code"]
    return code


def test_a_body_shorter_than_its_content_length_is_408001_in_time(serve: Serve) -> None:
    with serve.connect() as sock:
        sock.sendall(f"POST {T2V} HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer a\r\n"
                     "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n".encode() + b'{"prompt": "a"')
        status, headers, body, took = read_answer(sock)
        assert (status, error_code(body)) == (408, 408001)
        assert headers["connection"] == "close"
        assert BODY_TIMEOUT_S * 0.9 <= took < BODY_TIMEOUT_S + 5
        closed_within(sock, 5)
    serve.assert_serving()


def test_an_admin_body_shorter_than_its_content_length_is_408001(serve: Serve) -> None:
    with serve.connect() as sock:
        sock.sendall(b"POST /__mock/clock/advance HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"seconds\": 1")
        status, _, body, _ = read_answer(sock)
        assert (status, error_code(body)) == (408, 408001)
        closed_within(sock, 5)
    serve.assert_serving()


def test_a_body_nobody_reads_cannot_hold_the_connection(serve: Serve) -> None:
    with serve.connect() as sock:
        sock.sendall(b"GET /__mock/clock HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n14 bytes here.")
        status, _, _, _ = read_answer(sock)
        assert status == 200
        assert closed_within(sock, HEADER_TIMEOUT_S + 5) >= HEADER_TIMEOUT_S * 0.5
    serve.assert_serving()


def test_a_slow_loris_head_is_408001_and_closed(serve: Serve) -> None:
    with serve.connect() as sock:
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nHost: h\r\n")
        started = time.monotonic()
        sock.setblocking(False)
        answer = b""
        while time.monotonic() - started < HEADER_TIMEOUT_S + 5:
            try:
                sock.send(b"X")  # one byte of a header that never ends
            except OSError:
                break
            time.sleep(0.1)
            try:
                answer += sock.recv(65536)
            except BlockingIOError:
                continue
            if b"\r\n\r\n" in answer:
                break
        assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
        assert error_code(answer.partition(b"\r\n\r\n")[2]) == 408001
        assert time.monotonic() - started < HEADER_TIMEOUT_S + 5
    serve.assert_serving()


def test_a_connection_that_sends_nothing_is_closed(serve: Serve) -> None:
    with serve.connect() as sock:
        assert closed_within(sock, HEADER_TIMEOUT_S + 5) >= HEADER_TIMEOUT_S * 0.5
    serve.assert_serving()


def test_an_idle_keep_alive_connection_is_closed(serve: Serve) -> None:
    with serve.connect() as sock:
        sock.sendall(b"GET /__mock/clock HTTP/1.1\r\nHost: h\r\n\r\n")
        assert read_answer(sock)[0] == 200
        closed_within(sock, 1 + 5)


@pytest.mark.parametrize(
    "head",
    [
        b"GET /v1/models HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer " + b"t" * 1_000_000 + b"\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nHost: h\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10_000)) + b"\r\n",
        b"GET /v1/models?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: h\r\n\r\n",
    ],
    ids=["1 MB token", "10,000 headers", "100 kB URL"],
)
def test_an_oversized_request_head_is_431001_and_closed(serve: Serve, head: bytes) -> None:
    with serve.connect() as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head)  # may be refused before it all went out: the answer is already waiting
        status, headers, body, _ = read_answer(sock)
        assert (status, error_code(body)) == (431, 431001)
        assert headers["connection"] == "close"
    serve.assert_serving()


def test_past_max_connections_a_request_gets_503001_with_retry_after(serve: Serve) -> None:
    with ExitStack() as stack:
        idle = [stack.enter_context(serve.connect()) for _ in range(MAX_CONNECTIONS)]
        time.sleep(0.2)  # the server has accepted them all
        extra = stack.enter_context(serve.connect())
        extra.sendall(b"GET /__mock/clock HTTP/1.1\r\nHost: h\r\n\r\n")
        status, headers, body, _ = read_answer(extra)
        assert (status, error_code(body)) == (503, 503001)
        assert headers["retry-after"] == "1"
        assert len(idle) == MAX_CONNECTIONS
    time.sleep(0.2)  # the idle ones are closed by now, on our side
    serve.assert_serving()
