"""Fixtures shared by the tests at this level: in-process mocks on a manual clock.

A folder with other needs (tests/hostile/ wants 500s back as answers) defines its own `make`, which pytest
prefers to this one there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mock_server.app import create_app
from mock_server.settings import Settings


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Any]:
    """Build an in-process mock (manual clock, a private cache dir) with the given settings."""
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        settings = Settings(**{"clock": "manual", "cache_dir": tmp_path / "media", **overrides})
        client = TestClient(create_app(settings), base_url="http://mock.test")
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def api(make: Any) -> TestClient:
    client: TestClient = make()
    return client
