"""The objects one app instance is built from, held together so routes can reach them.

`create_app` builds a fresh `Runtime` per app: no module-level state, so tests can run many independent
servers in one process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..media import MediaCache
from ..settings import Settings
from .accounts import Accounts
from .clock import Clock
from .contract import Contract
from .faults import FaultBook
from .jobs import JobService
from .journal import Journal
from .store import JobStore


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    contract: Contract
    store: JobStore
    jobs: JobService
    media: MediaCache
    openapi: dict[str, Any]
    faults: FaultBook
    journal: Journal
    accounts: Accounts

