"""Shared fixtures of the controls' tests: in-process mocks (TestClient) and live servers, manual clock.

Test files cannot import this module (the tests folder is not a package), so the helpers are methods of
the `Mock` object the fixtures hand out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

from contracts._live import LiveServer
from mock_server.app import create_app
from mock_server.settings import Settings


class Mock(TestClient):
    """A TestClient on one app, with the few calls every controls test makes."""

    T2V = "kling/kling-3.0/standard/text-to-video"
    PRO = "kling/kling-3.0/pro/text-to-video"
    AUTH: ClassVar[Mapping[str, str]] = MappingProxyType({"Authorization": "Bearer alice"})

    def submit(self, body: dict[str, Any] | None = None, model: str | None = None, headers: Any = None) -> Any:
        return self.post(f"/v1/models/{model or self.T2V}", json=body or {"prompt": "a cat"},
                         headers=headers or self.AUTH)

    def rid(self, body: dict[str, Any] | None = None, **kwargs: Any) -> str:
        r = self.submit(body, **kwargs)
        assert r.status_code == 200, r.text
        rid: str = r.json()["request_id"]
        return rid

    def status(self, rid: str, headers: Any = None) -> Any:
        return self.get(f"/v1/requests/{rid}/status", headers=headers or self.AUTH)

    def result(self, rid: str) -> Any:
        return self.get(f"/v1/requests/{rid}/result", headers=self.AUTH)

    def add_rule(self, rule: dict[str, Any]) -> dict[str, Any]:
        r = self.post("/__mock/faults", json=rule)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def advance(self, seconds: float) -> None:
        assert self.post("/__mock/clock/advance", json={"seconds": seconds}).status_code == 200

    def assert_serving(self, rid: str) -> None:
        """After a hostile request the server answers normally: status, result, journal and clock all 200."""
        for r in (self.status(rid), self.result(rid), self.get("/__mock/journal"), self.get("/__mock/clock")):
            assert r.status_code == 200, (r.request.url, r.status_code, r.text[:300])

    def journal(self, **params: Any) -> list[dict[str, Any]]:
        r = self.get("/__mock/journal", params=params)
        assert r.status_code == 200, r.text
        entries: list[dict[str, Any]] = r.json()["entries"]
        return entries


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(**{"clock": "manual", "cache_dir": tmp_path / "media", **overrides})


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., Mock]]:
    """Build an in-process mock with the given settings; several per test if needed."""
    mocks: list[Mock] = []

    def build(**overrides: Any) -> Mock:
        mock = Mock(create_app(settings(tmp_path, **overrides)), base_url="http://mock.test")
        mock.__enter__()
        mocks.append(mock)
        return mock

    yield build
    for m in mocks:
        m.__exit__(None, None, None)


@pytest.fixture
def api(make: Callable[..., Mock]) -> Mock:
    return make()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """A real uvicorn server, for what only a socket shows: dropped, reset and cut connections."""
    with LiveServer(create_app(settings(tmp_path))) as server:
        yield server
