"""`/__mock/journal`: what clients did. Recorded by the controls middleware, kept by `sim.journal`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from ...sim.journal import Query as JournalQuery
from ..http import json
from .access import AdminRoute, World
from .models import JournalPage, Removed, answers

router = APIRouter(route_class=AdminRoute, responses=answers(401))


@router.get("/journal", response_model=JournalPage, responses=answers(422),
            summary="Recorded /v1 and /files exchanges, oldest first")
async def journal(
    rt: World,
    account: Annotated[str | None, Query(description="Only this account (bearer token)")] = None,
    request_id: Annotated[str | None, Query(description="Only this job's exchanges")] = None,
    path: Annotated[str | None, Query(description="Glob on the path, e.g. /v1/requests/*/status")] = None,
    method: Annotated[str | None, Query(description="HTTP method, any case")] = None,
    status: Annotated[int | None, Query(description="HTTP status answered")] = None,
    since: Annotated[float | None, Query(description="Clock time, epoch seconds (inclusive)")] = None,
    until: Annotated[float | None, Query(description="Clock time, epoch seconds (exclusive)")] = None,
    limit: Annotated[int | None, Query(description="Only the latest N")] = None,
) -> Response:
    """Recorded `/v1` and `/files` exchanges, oldest first; `since`/`until` are clock epoch seconds."""
    q = JournalQuery(account, request_id, path, method, status, since, until, limit)
    return json({"entries": rt.journal.query(q), "total": len(rt.journal)})


@router.delete("/journal", response_model=Removed, responses=answers(422),
               summary="Clear the journal, or one account's entries")
async def clear_journal(
    rt: World, account: Annotated[str | None, Query(description="Only this account's entries")] = None
) -> Response:
    return json({"removed": rt.journal.clear(account)})
