"""The admin API's own OpenAPI document, served at `/__mock/openapi.json`.

Kept apart from `openapi.yaml` on purpose: that file is the real service's contract and nothing the real
service lacks may appear in it. The rule and account schemas are generated from the same pydantic models
that validate them, so the document cannot drift from what the server accepts.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from ..sim.accounts import AccountConfig
from ..sim.faults import Rule

REF = "#/components/schemas/{model}"


def _ok(schema: str | dict[str, Any], description: str = "OK") -> dict[str, Any]:
    ref = {"$ref": REF.format(model=schema)} if isinstance(schema, str) else schema
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _query(name: str, type_: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": {"type": type_}}


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    errors = {"401": _ok("Error", "The admin token is set and missing"), "422": _ok("Error", "Invalid input")}
    return {"summary": summary, "responses": {**responses, **errors}, **extra}


ACCOUNT_Q = _query("account", "string", "Only this account (bearer token)")
_OBJ: dict[str, Any] = {"type": "object"}
_REMOVED = {"type": "object", "required": ["removed"], "properties": {"removed": {"type": "integer"}}}


def _schemas() -> dict[str, Any]:
    _, top = models_json_schema([(Rule, "validation"), (AccountConfig, "validation")], ref_template=REF)
    schemas: dict[str, Any] = dict(top["$defs"])
    # A bare number is accepted as `{"fixed": N}`.
    schemas["Latency"] = {"anyOf": [{"type": "number", "minimum": 0}, schemas["Latency"]]}
    schemas["Error"] = {
        "type": "object",
        "required": ["error_code", "error_message"],
        "properties": {
            "error_code": {"type": "integer"},
            "error_message": {"type": "string"},
            "detail": {"anyOf": [{"type": "string"}, {"type": "array", "items": _OBJ}]},
        },
    }
    schemas["Clock"] = {
        "type": "object",
        "required": ["mode", "now", "now_iso", "speed"],
        "properties": {
            "mode": {"type": "string", "enum": ["real", "manual"]},
            "now": {"type": "number", "description": "Clock time, epoch seconds"},
            "now_iso": {"type": "string"},
            "speed": {"type": "number", "description": "Simulated seconds per wall second (0: manual)"},
        },
    }
    schemas["RuleView"] = {
        "allOf": [{"$ref": REF.format(model="Rule")}],
        "type": "object",
        "required": ["name", "source", "added_at", "matched", "fired"],
        "properties": {
            "source": {"type": "string", "enum": ["admin", "config", "header", "prompt"]},
            "added_at": {"type": "number"},
            "matched": {"type": "integer", "description": "Requests the rule matched (its trigger count)"},
            "fired": {"type": "integer"},
            "window_clock": {"type": "object", "description": "The window in clock epoch seconds"},
        },
    }
    schemas["JournalEntry"] = {
        "type": "object",
        "required": ["seq", "time", "wall_time", "method", "path", "status", "decision", "latency_ms"],
        "properties": {
            "seq": {"type": "integer"},
            "time": {"type": "number", "description": "Clock time at arrival, epoch seconds"},
            "time_iso": {"type": "string"},
            "wall_time": {"type": "number", "description": "Wall time at arrival, epoch seconds"},
            "account": {"type": ["string", "null"]},
            "method": {"type": "string"},
            "path": {"type": "string"},
            "query": {"type": "string"},
            "endpoint": {"type": ["string", "null"]},
            "request_id": {"type": ["string", "null"]},
            "model_id": {"type": ["string", "null"]},
            "body": {"description": "The request body (JSON if it parses), if small enough"},
            "status": {"type": ["integer", "null"], "description": "null: no answer (dropped connection)"},
            "outcome": {"type": "string", "enum": ["answered", "dropped", "reset", "truncated"]},
            "latency_ms": {"type": "number"},
            "decision": {"type": ["string", "null"], "description": "X-Mock-Decision of the answer"},
            "retry_after": {"type": ["string", "null"]},
            "response": {"description": "The JSON answer, if small enough"},
        },
    }
    schemas["Account"] = {
        "type": "object",
        "required": ["account", "balance_usd", "spent_usd", "ledger", "jobs", "limits"],
        "properties": {
            "account": {"type": "string"},
            "balance_usd": {"type": ["number", "null"], "description": "null: unlimited"},
            "spent_usd": {"type": "number"},
            "ledger": {"type": "array", "items": _OBJ},
            "jobs": {"type": "array", "items": _OBJ},
            "limits": _OBJ,
            "rate_tokens": {"type": ["number", "null"]},
        },
    }
    schemas["Inspection"] = {
        "type": "object",
        "required": ["request_id", "bytes", "width", "height", "duration", "audio", "fingerprint", "shots"],
        "description": "What `kling-mock inspect` reads from the job's MP4",
        "properties": {
            "request_id": {"type": "string"},
            "bytes": {"type": "integer", "description": "Size of the file"},
            "width": {"type": "integer"},
            "height": {"type": "integer"},
            "fps": {"type": ["number", "null"]},
            "duration": {"type": ["number", "null"], "description": "Seconds"},
            "frame_count": {"type": "integer"},
            "codec": {"type": "string"},
            "profile": {"type": ["string", "null"]},
            "pix_fmt": {"type": ["string", "null"]},
            "audio": {"type": ["object", "null"], "description": "codec, sample_rate, channels, duration; null: none"},
            "fingerprint": {"type": "object", "description": "magic_ok, hash, shot, frame of the first frame"},
            "shots": {"type": "array", "items": _OBJ, "description": "[{index, start, end}]"},
        },
    }
    return schemas


@cache
def _document() -> dict[str, Any]:
    clock_body = {"type": "object", "properties": {
        "advance": {"type": "number", "minimum": 0, "description": "Seconds to move a manual clock forward"},
        "speed": {"type": "number", "exclusiveMinimum": 0, "description": "New speed of a real clock"}}}
    rules = {"type": "object", "required": ["rules"],
             "properties": {"rules": {"type": "array", "items": {"$ref": REF.format(model="RuleView")}}}}
    paths: dict[str, Any] = {
        "/__mock/clock": {
            "get": _op("The clock: mode, now, speed", {"200": _ok("Clock")}),
            "post": _op("Advance a manual clock ({\"advance\": seconds}) or set a real clock's speed "
                        "({\"speed\": S})", {"200": _ok("Clock"), "409": _ok("Error", "Not for this clock's mode")},
                        requestBody=_body(clock_body)),
        },
        "/__mock/clock/advance": {
            "post": _op("Advance a manual clock: {\"seconds\": seconds}", {"200": _ok("Clock")},
                        requestBody=_body({"type": "object", "required": ["seconds"],
                                           "properties": {"seconds": {"type": "number", "minimum": 0}}})),
        },
        "/__mock/reset": {
            "post": _op("Forget jobs, fault rules (back to the config file's), journal, balances and limits; "
                        "everything or one account", {"200": _ok(_OBJ)}, parameters=[ACCOUNT_Q]),
        },
        "/__mock/fixtures": {"get": _op("Sample still images for image-to-video", {"200": _ok(_OBJ)})},
        "/__mock/fixtures/{name}": {
            "get": _op("One sample image", {"200": {"description": "The image"}},
                       parameters=[_path("name", "File name")]),
        },
        "/__mock/inspect/{request_id}": {
            "get": _op("Size, duration, audio, fingerprint and shots of a succeeded job's MP4",
                       {"200": _ok("Inspection"), "404": _ok("Error", "No such job, or it has not succeeded")},
                       parameters=[_path("request_id", "The job's request id")]),
        },
        "/__mock/faults": {
            "get": _op("Fault rules with their match and fire counts", {"200": _ok(rules)}, parameters=[ACCOUNT_Q]),
            "post": _op("Add a rule, or a list of rules (a name in use is replaced)",
                        {"200": _ok({"anyOf": [{"$ref": REF.format(model="RuleView")}, rules]})},
                        requestBody=_body({"anyOf": [{"$ref": REF.format(model="Rule")},
                                                     {"type": "array", "items": {"$ref": REF.format(model="Rule")}}]})),
            "delete": _op("Remove every rule, or one account's", {"200": _ok(_REMOVED)}, parameters=[ACCOUNT_Q]),
        },
        "/__mock/faults/{name}": {
            "delete": _op("Remove the rules of this name", {"200": _ok(_REMOVED), "404": _ok("Error")},
                          parameters=[_path("name", "Rule name"), ACCOUNT_Q]),
        },
        "/__mock/journal": {
            "get": _op(
                "Recorded /v1 and /files exchanges, oldest first",
                {"200": _ok({"type": "object", "required": ["entries", "total"], "properties": {
                    "entries": {"type": "array", "items": {"$ref": REF.format(model="JournalEntry")}},
                    "total": {"type": "integer"}}})},
                parameters=[
                    ACCOUNT_Q,
                    _query("request_id", "string", "Only this job's exchanges"),
                    _query("path", "string", "Glob on the path, e.g. /v1/requests/*/status"),
                    _query("method", "string", "HTTP method"),
                    _query("status", "integer", "HTTP status answered"),
                    _query("since", "number", "Clock time, epoch seconds (inclusive)"),
                    _query("until", "number", "Clock time, epoch seconds (exclusive)"),
                    _query("limit", "integer", "Only the latest N"),
                ],
            ),
            "delete": _op("Clear the journal, or one account's entries", {"200": _ok(_REMOVED)},
                          parameters=[ACCOUNT_Q]),
        },
        "/__mock/accounts": {"get": _op("Accounts that have jobs", {"200": _ok(_OBJ)})},
        "/__mock/accounts/{token}": {
            "get": _op("Jobs, balance, spend, ledger and limits of one account", {"200": _ok("Account")},
                       parameters=[_path("token", "The account's bearer token")]),
        },
        "/__mock/accounts/{token}/balance": {
            "put": _op("Set what is left from now on; null: unlimited", {"200": _ok("Account")},
                       parameters=[_path("token", "The account's bearer token")],
                       requestBody=_body({"type": "object", "required": ["usd"],
                                          "properties": {"usd": {"type": ["number", "null"], "minimum": 0}}})),
        },
        "/__mock/accounts/{token}/limits": {
            "put": _op("Set the account's rate and concurrency limits", {"200": _ok("Account")},
                       parameters=[_path("token", "The account's bearer token")],
                       requestBody=_body({"$ref": REF.format(model="AccountConfig")})),
        },
        "/__mock/openapi.json": {"get": {"summary": "This document", "responses": {"200": _ok(_OBJ)}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kling-mock admin API",
            "version": "1",
            "description": "Controls of the mock (clock, faults, journal, accounts). Not part of the real API.",
        },
        "paths": paths,
        "components": {"schemas": _schemas()},
    }


def admin_openapi() -> dict[str, Any]:
    """A fresh copy of the document (callers may add `servers`)."""
    return copy.deepcopy(_document())
