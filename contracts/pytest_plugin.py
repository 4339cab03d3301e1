"""pytest fixtures for testing your own client against kling-mock (registered as a `pytest11` plugin).

- `kling_mock_server`: one mock per test session, in this process, on a free loopback port, manual clock.
- `kling_mock`: per test, a fresh account (its own token) on that server, with `.base_url`, `.token`,
  `.advance(seconds)`; parallel tests never see each other's jobs.
- `kling_client`: a `contracts.Client` bound to that account.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ._live import LiveServer


@dataclass
class MockAccount:
    """One test's view of the shared mock: its own token, and the server's controls."""

    server: LiveServer
    token: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def origin(self) -> str:
        return self.server.origin

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, f"{self.origin}/__mock{path}", timeout=30.0, **kwargs)
        response.raise_for_status()
        return response

    def advance(self, seconds: float) -> float:
        """Move the server's manual clock forward; every job's state follows at once."""
        now: float = self.admin("POST", "/clock/advance", json={"seconds": seconds}).json()["now"]
        return now

    def now(self) -> float:
        now: float = self.admin("GET", "/clock").json()["now"]
        return now


@pytest.fixture(scope="session")
def kling_mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from mock_server.app import create_app
    from mock_server.settings import Settings

    cache: Path = tmp_path_factory.mktemp("kling-mock-media")
    app = create_app(Settings(clock="manual", cache_dir=cache))
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def kling_mock(kling_mock_server: LiveServer) -> MockAccount:
    return MockAccount(kling_mock_server, f"test-{uuid.uuid4().hex}")


@pytest.fixture
def kling_client(kling_mock: MockAccount) -> Iterator[Any]:
    from contracts import Client

    with Client(kling_mock.base_url, kling_mock.token, poll_interval=0.01) as client:
        yield client
