"""A client for the mock's admin API (`/__mock/`): clock, reset, faults, journal, accounts.

Only the mock has these controls; the real service does not. Kept apart from `Client` so that code written
against the real API never reaches for them by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from ._client import _error_from_response
from .behaviour import JournalEntry

__all__ = ["AccountView", "AdminClient"]


@dataclass(frozen=True)
class AccountView:
    """`GET /__mock/accounts/{token}`: balance (None: unlimited), spend, ledger, jobs and limits."""

    account: str
    balance_usd: float | None
    spent_usd: float
    held_usd: float
    ledger: list[dict[str, Any]]
    jobs: list[dict[str, Any]]
    limits: dict[str, Any]
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AccountView:
        return cls(
            account=str(data["account"]),
            balance_usd=data.get("balance_usd"),
            spent_usd=float(data.get("spent_usd") or 0.0),
            held_usd=float(data.get("held_usd") or 0.0),
            ledger=list(data.get("ledger") or []),
            jobs=list(data.get("jobs") or []),
            limits=dict(data.get("limits") or {}),
            raw=dict(data),
        )


def origin_of(base_url: str) -> str:
    """The server's origin from either form users have at hand: `http://h:p` or the API base `http://h:p/v1`."""
    base = base_url.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


class AdminClient:
    """Blocking client for `/__mock/`. Errors raise `contracts.ApiError`, as the API client's do."""

    def __init__(
        self,
        base_url: str,
        admin_token: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        self._http = httpx.Client(
            base_url=f"{origin_of(base_url)}/__mock", headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if not response.is_success:
            raise _error_from_response(response)
        return response.json()

    @staticmethod
    def _params(**params: Any) -> dict[str, Any]:
        return {k: v for k, v in params.items() if v is not None}

    # -- clock ---------------------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        """`{mode, now, now_iso, speed}`."""
        body: dict[str, Any] = self._call("GET", "/clock")
        return body

    def now(self) -> float:
        return float(self.clock()["now"])

    def advance(self, seconds: float) -> float:
        """Move a manual clock forward; answers the new time."""
        return float(self._call("POST", "/clock/advance", json={"seconds": seconds})["now"])

    def reset(self, account: str | None = None) -> None:
        """Forget jobs, rules (back to the config file's), journal, balances and limits: all, or one account's."""
        self._call("POST", "/reset", params=self._params(account=account))

    # -- faults --------------------------------------------------------------------------------------

    def add_fault(self, rule: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Add a rule given as a mapping and/or keywords (`name`, `match`, `effect`, `first`, `window`, ...)."""
        body: dict[str, Any] = self._call("POST", "/faults", json={**(rule or {}), **fields})
        return body

    def faults(self, account: str | None = None) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = self._call("GET", "/faults", params=self._params(account=account))["rules"]
        return rules

    def delete_fault(self, name: str, account: str | None = None) -> int:
        return int(self._call("DELETE", f"/faults/{name}", params=self._params(account=account))["removed"])

    def clear_faults(self, account: str | None = None) -> int:
        return int(self._call("DELETE", "/faults", params=self._params(account=account))["removed"])

    # -- journal -------------------------------------------------------------------------------------

    def journal(
        self,
        *,
        account: str | None = None,
        request_id: str | None = None,
        path: str | None = None,
        method: str | None = None,
        status: int | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Recorded exchanges, oldest first; `since`/`until` are clock epoch seconds, `path` a glob."""
        params = self._params(account=account, request_id=request_id, path=path, method=method, status=status,
                              since=since, until=until, limit=limit)
        return [JournalEntry.from_json(e) for e in self._call("GET", "/journal", params=params)["entries"]]

    def clear_journal(self, account: str | None = None) -> int:
        return int(self._call("DELETE", "/journal", params=self._params(account=account))["removed"])

    # -- accounts ------------------------------------------------------------------------------------

    def account(self, token: str) -> AccountView:
        return AccountView.from_json(self._call("GET", f"/accounts/{token}"))

    def set_balance(self, token: str, usd: float | None) -> AccountView:
        """What the account has left from now on; None: unlimited."""
        return AccountView.from_json(self._call("PUT", f"/accounts/{token}/balance", json={"usd": usd}))

    def set_limits(
        self, token: str, *, rps: float | None = None, burst: int | None = None, max_concurrent_jobs: int | None = None
    ) -> AccountView:
        """Per-account limits; a limit left out falls back to the server's setting."""
        body = self._params(rps=rps, burst=burst, max_concurrent_jobs=max_concurrent_jobs)
        return AccountView.from_json(self._call("PUT", f"/accounts/{token}/limits", json=body))

    def openapi(self) -> dict[str, Any]:
        doc: dict[str, Any] = self._call("GET", "/openapi.json")
        return doc
