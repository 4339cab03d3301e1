"""Compare two JSON answers of the API field by field, ignoring what no replay can reproduce.

The documented exchanges in `fixtures/exchanges/` carry realistic values: request ids, the real API's host,
timestamps of some day in 2026, message words nobody published. A replay against another server (the mock,
a staging deployment) can never produce those bytes, but it must produce the same *kind* of value in the
same place. `normalise` turns each such value into its kind, and `diff_bodies` compares what is left:

- a UUID becomes `id`;
- a URL of the API itself (its path starts with `/v1/`) keeps its path, with ids normalised, and loses its
  scheme and host (`<origin>/v1/requests/id/status`): clients follow these, so their shape matters;
- any other URL becomes `url`: the host and path of an output file are the server's choice, and clients
  only ever download what they are given;
- an ISO-8601 timestamp with a UTC offset becomes `timestamp` (a timestamp in another format stays as it
  is, so it shows up as a difference);
- the text of `error_message` and of a detail item's `msg` becomes `text`: the words are not part of
  the contract, their presence is.

Numbers compare with a tolerance of 1e-9, so `0.56` and `0.5600000000000001` (5 × 0.112) agree.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Kind", "diff_bodies", "normalise"]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}:\d{2}|Z)$")
_TEXT_KEYS = frozenset({"error_message", "msg"})


@dataclass(frozen=True)
class Kind:
    """A normalised value: only its kind (`id`, `url`, `timestamp`, `text`) is compared."""

    name: str

    def __str__(self) -> str:
        return self.name


ID, URL, TIMESTAMP, TEXT = Kind("id"), Kind("url"), Kind("timestamp"), Kind("text")


def _normalise_string(value: str, key: str | None) -> Any:
    if key in _TEXT_KEYS:
        return TEXT
    if _UUID.fullmatch(value):
        return ID
    if _TIMESTAMP.match(value):
        return TIMESTAMP
    if value.startswith(("http://", "https://")):
        parts = urlsplit(value)
        if parts.path.startswith("/v1/"):
            path = _UUID.sub("id", parts.path)
            return "<origin>" + path + (f"?{parts.query}" if parts.query else "")
        return URL
    return value


def normalise(value: Any, _key: str | None = None) -> Any:
    """A copy of a JSON value with ids, URLs, timestamps and message words replaced by their kind."""
    if isinstance(value, Mapping):
        return {str(k): normalise(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, _key) for v in value]
    if isinstance(value, str):
        return _normalise_string(value, _key)
    return value


def _show(value: Any) -> str:
    if isinstance(value, Kind):
        return value.name
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False, default=str)


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"{path}[{json.dumps(key)}]"


def _same_scalar(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return type(a) is type(b) and a == b


def _diff(expected: Any, actual: Any, path: str, out: list[str]) -> None:
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in expected:
            if key not in actual:
                out.append(f"{_child(path, key)}: missing (expected {_show(expected[key])})")
            else:
                _diff(expected[key], actual[key], _child(path, key), out)
        for key in actual:
            if key not in expected:
                out.append(f"{_child(path, key)}: unexpected field (got {_show(actual[key])})")
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            out.append(f"{path}: expected {len(expected)} items, got {len(actual)}")
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            _diff(e, a, _child(path, i), out)
        return
    if not _same_scalar(expected, actual):
        out.append(f"{path}: expected {_show(expected)}, got {_show(actual)}")


def diff_bodies(expected: Any, actual: Any) -> list[str]:
    """Every difference between two JSON answers after `normalise`, one line per field.

    Lines read like `$.output.video: expected url, got null` or `$.cost: missing (expected 0.56)`;
    an empty list means the answers agree.
    """
    out: list[str] = []
    _diff(normalise(expected), normalise(actual), "$", out)
    return out
