"""Fixtures of the hostile-input tests: in-process mocks on a manual clock, and a live server.

Test files cannot import this module (the tests folder is not a package), so what they share is here as
fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contracts._live import LiveServer
from mock_server.app import create_app
from mock_server.settings import Settings


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(**{"clock": "manual", "cache_dir": tmp_path / "media", **overrides})


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """Build an in-process mock with the given settings; 500s come back as answers, not exceptions."""
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        client = TestClient(create_app(settings(tmp_path, **overrides)), base_url="http://mock.test",
                            raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def api(make: Callable[..., TestClient]) -> TestClient:
    return make()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """A real uvicorn server in this process, for what only a socket shows (concurrency, the wire)."""
    with LiveServer(create_app(settings(tmp_path))) as server:
        yield server
