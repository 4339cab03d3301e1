"""The journal: every `/v1` and `/files` request the server answered, in a bounded ring buffer.

It is how a test learns what a client *did* (was it called, how often, with what, how fast, did it back
off), which nothing else can answer. Bounded so a long-running server cannot grow without limit: the oldest
entries go first. Entries are plain dicts, because they are JSON on the way out; request and response bodies are kept as the
bytes seen and decoded only when the journal is read, so recording costs the hot routes little.
"""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from .clock import iso

MAX_DEPTH = 32
KnownFields = Callable[[str], frozenset[str] | None]


def _no_fields(_: str) -> frozenset[str] | None:
    return None


def describe(value: Any) -> str:
    """A value by its kind and size, never its content: at most a few dozen characters."""
    if isinstance(value, dict):
        return f"object of {len(value)} keys"
    if isinstance(value, list):
        return f"array of {len(value)} items"
    if isinstance(value, str):
        return f"string of {len(value)} characters"
    if isinstance(value, bool) or value is None:
        return orjson.dumps(value).decode()
    return f"number {value!r}"[:40]


def unknown_summary(value: Any) -> str:
    """What the journal shows for an input field the model does not have."""
    return f"<unknown field: {describe(value)}>"


def bounded(value: Any, depth: int = 0) -> Any:
    """`value` with everything below `MAX_DEPTH` levels replaced by a note, so it always serialises."""
    if isinstance(value, dict | list) and depth >= MAX_DEPTH:
        return f"<{describe(value)} nested deeper than {MAX_DEPTH} levels, not shown>"
    if isinstance(value, dict):
        return {k: bounded(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [bounded(v, depth + 1) for v in value]
    return value


def decode_body(data: bytes | None) -> Any:
    """JSON if it parses, else text; None for no body."""
    if not data:
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return data.decode("utf-8", "replace")


def present(entry: dict[str, Any], known_fields: KnownFields = _no_fields) -> dict[str, Any]:
    """An entry as the admin API shows it: bodies decoded and bounded, the clock time also in ISO-8601.
    A submit's fields that `known_fields(model_id)` does not list are shown as a summary."""
    out = dict(entry)
    out["time_iso"] = iso(entry["time"])
    for key in ("body", "response"):
        if isinstance(out.get(key), bytes):
            out[key] = decode_body(out[key])
    body = out.get("body")
    model_id = entry.get("model_id")
    if entry.get("endpoint") == "submit" and isinstance(body, dict) and isinstance(model_id, str):
        fields = known_fields(model_id)
        if fields is not None:
            body = {k: v if k in fields else unknown_summary(v) for k, v in body.items()}
    out["body"] = bounded(body)
    out["response"] = bounded(out.get("response"))
    return out


@dataclass(frozen=True)
class Query:
    """Filters of `GET /__mock/journal`; each given one must hold. `path` is a glob."""

    account: str | None = None
    request_id: str | None = None
    path: str | None = None
    method: str | None = None
    status: int | None = None
    since: float | None = None
    until: float | None = None
    limit: int | None = None

    def keeps(self, e: dict[str, Any]) -> bool:
        if self.account is not None and e.get("account") != self.account:
            return False
        if self.request_id is not None and e.get("request_id") != self.request_id:
            return False
        if self.path is not None and not fnmatch.fnmatchcase(e["path"], self.path):
            return False
        if self.method is not None and e["method"] != self.method.upper():
            return False
        if self.status is not None and e.get("status") != self.status:
            return False
        if self.since is not None and e["time"] < self.since:
            return False
        return self.until is None or e["time"] < self.until


@dataclass
class Journal:
    """Entries in arrival order, numbered by `seq` (which keeps counting across clears). `known_fields`
    names the input fields of a model (None for an unknown model), to summarise the others."""

    max_entries: int
    known_fields: KnownFields = _no_fields
    _entries: deque[dict[str, Any]] = field(init=False)
    _seq: int = 0

    def __post_init__(self) -> None:
        self._entries = deque(maxlen=self.max_entries)

    def record(self, entry: dict[str, Any]) -> dict[str, Any]:
        self._seq += 1
        entry["seq"] = self._seq
        self._entries.append(entry)
        return entry

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def query(self, q: Query) -> list[dict[str, Any]]:
        """Matching entries (as shown by `present`), oldest first; with `limit`, the latest `limit` of them."""
        out = [e for e in self._entries if q.keeps(e)]
        return [present(e, self.known_fields) for e in (out[-q.limit :] if q.limit else out)]

    def clear(self, account: str | None = None) -> int:
        """Forget every entry, or one account's; answers how many went."""
        before = len(self._entries)
        if account is None:
            self._entries.clear()
        else:
            kept = [e for e in self._entries if e.get("account") != account]
            self._entries = deque(kept, maxlen=self.max_entries)
        return before - len(self._entries)
