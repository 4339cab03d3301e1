"""pytest fixtures for testing your own client against kling-mock (registered as a `pytest11` plugin).

- `kling_mock_server`: one mock per test session, in this process, on a free loopback port, manual clock.
- `kling_mock`: per test, a fresh account (its own token) on that server, with `.base_url`, `.token`,
  `.advance(seconds)`; parallel tests never see each other's jobs. Its controls: `.faults.add(...)`
  (rules scoped to this account, removed after the test), `.journal` (this account's requests),
  `.account` (balance, spend, ledger), `.set_balance(usd)`, `.set_limits(...)`, `.admin_client`.
- `kling_client`: a `contracts.Client` bound to that account.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from ._errors import ApiError
from ._live import LiveServer
from .admin import AccountView, AdminClient
from .behaviour import JournalEntry


@dataclass
class MockAccount:
    """One test's view of the shared mock: its own token, and the server's controls."""

    server: LiveServer
    token: str
    _admin: AdminClient | None = field(default=None, repr=False)
    _rule_names: list[tuple[str, str]] = field(default_factory=list, repr=False)

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

    @property
    def admin_client(self) -> AdminClient:
        """The server's whole admin API (not scoped to this account)."""
        if self._admin is None:
            self._admin = AdminClient(self.origin)
        return self._admin

    @property
    def faults(self) -> AccountFaults:
        """Fault rules scoped to this test's account, so parallel tests never trip over each other's."""
        return AccountFaults(self.admin_client, self.token, self._rule_names)

    @property
    def journal(self) -> list[JournalEntry]:
        """This account's requests to `/v1` and to its files, oldest first."""
        return self.admin_client.journal(account=self.token)

    @property
    def account(self) -> AccountView:
        """Balance, spend, ledger, jobs and limits of this test's account."""
        return self.admin_client.account(self.token)

    def set_balance(self, usd: float | None) -> AccountView:
        return self.admin_client.set_balance(self.token, usd)

    def set_limits(
        self, *, rps: float | None = None, burst: int | None = None, max_concurrent_jobs: int | None = None
    ) -> AccountView:
        return self.admin_client.set_limits(self.token, rps=rps, burst=burst, max_concurrent_jobs=max_concurrent_jobs)

    def cleanup(self) -> None:
        """Remove the rules this test added; then forget its account (jobs, journal, balance, limits)."""
        if self._admin is None:
            return
        for name, account in self._rule_names:
            if account != self.token:  # rules scoped to this token go with the reset below
                with contextlib.suppress(ApiError):  # already removed by the test itself
                    self._admin.delete_fault(name, account)  # "" removes only the unscoped rule of that name
        self._admin.reset(self.token)
        self._admin.close()
        self._admin = None


@dataclass
class AccountFaults:
    """`kling_mock.faults`: add, list and clear the rules of one test's account."""

    admin: AdminClient
    token: str
    added: list[tuple[str, str]]

    def add(self, rule: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Add a rule (mapping and/or keywords, as `POST /__mock/faults` takes); `match.account` defaults
        to this test's token."""
        data = {**(rule or {}), **fields}
        data["match"] = {"account": self.token, **(data.get("match") or {})}
        added = self.admin.add_fault(data)
        self.added.append((str(added["name"]), str(added["match"].get("account", ""))))
        return added

    def list(self) -> list[dict[str, Any]]:
        return self.admin.faults(account=self.token)

    def remove(self, name: str) -> int:
        return self.admin.delete_fault(name, account=self.token)

    def clear(self) -> int:
        return self.admin.clear_faults(account=self.token)


@pytest.fixture(scope="session")
def kling_mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from mock_server.app import create_app
    from mock_server.settings import Settings

    cache: Path = tmp_path_factory.mktemp("kling-mock-media")
    app = create_app(Settings(clock="manual", cache_dir=cache))
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def kling_mock(kling_mock_server: LiveServer) -> Iterator[MockAccount]:
    account = MockAccount(kling_mock_server, f"test-{uuid.uuid4().hex}")
    yield account
    account.cleanup()


@pytest.fixture
def kling_client(kling_mock: MockAccount) -> Iterator[Any]:
    from contracts import Client

    with Client(kling_mock.base_url, kling_mock.token, poll_interval=0.01) as client:
        yield client
