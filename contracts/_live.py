"""Mock servers on free loopback ports, for tests, benchmarks and the pytest plugin.

`LiveServer` runs an app in this process (uvicorn in a daemon thread); `served_process` runs a command
such as `kling-mock serve` as a child process. Start-up and shut-down are bounded waits in both, so a
broken server fails the caller instead of hanging it.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

START_TIMEOUT_S = 120.0  # a loaded 2-core machine took over 30 s to start `kling-mock serve` (imports)


@dataclass
class LiveServer:
    """`with LiveServer(app) as srv:` serves `app` at `srv.base_url` until the block ends."""

    app: Any
    host: str = "127.0.0.1"
    port: int = 0
    _server: uvicorn.Server | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base as RunComfy's clients expect it: it includes `/v1`."""
        return f"{self.origin}/v1"

    def start(self) -> LiveServer:
        config = uvicorn.Config(self.app, host=self.host, port=self.port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="kling-mock", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("kling-mock did not start")
            time.sleep(0.01)
        sockets = self._server.servers[0].sockets
        self.port = int(sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=START_TIMEOUT_S)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now, for a server that must be told its port up front."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def served_process(
    cmd: Sequence[str], ready_url: str, env: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT_S
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `cmd` until the block ends, once `ready_url` answers; stop it with SIGINT (uvicorn's clean
    shutdown), then kill it if it lingers."""
    proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(ready_url, timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{' '.join(cmd)} did not come up at {ready_url}") from None
                time.sleep(0.1)
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
