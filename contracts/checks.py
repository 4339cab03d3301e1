"""Reusable assertions: does a response fit `openapi.yaml`, and does a job's life keep the contract's rules.

Everything here judges JSON that some server answered; nothing here talks to a server. The contract
suite (`contracts.suite`) is built from these functions, and users can call them from their own tests,
for example on answers their client recorded from the real API.

Schema checks read the schemas from the contract itself (`$ref`s resolved by `mock_server.spec`), so a
change to the contract changes the checks with it. Lifecycle checks encode the rules the contract states
in prose, one function per rule, so that a failure names the rule that was broken:

- statuses come only from the contract's enums, and status words from the closed sets RunComfy's clients
  know (`assert_status_word`): a word outside them stalls or stops those clients whatever the schema says;
- a job never moves backwards (`in_queue` -> `in_progress` -> a terminal state, or `in_queue` ->
  `cancelled`), and a terminal state never changes;
- `queue_position` is present only while `in_queue` and never grows;
- `/result` agrees with `/status` (`completed` on status is `succeeded`, `completed` or `failed` on result).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from mock_server.spec import Operation, load_spec, operation_index, operations, pointer, resolve

__all__ = [
    "RESULT_STATUSES",
    "RESULT_WORDS",
    "STATUSES",
    "STATUS_ORDER",
    "STATUS_WORDS",
    "STATUS_WORD_SETS",
    "TERMINAL",
    "ContractViolation",
    "assert_conforms",
    "assert_forward",
    "assert_queue_position_never_grows",
    "assert_result_agrees",
    "assert_result_consistent",
    "assert_status_word",
    "assert_terminal_stays",
    "operation_for",
    "schema_errors",
    "status_rank",
]

class ContractViolation(AssertionError):
    """A response broke the contract. An AssertionError, so pytest shows it as a test failure."""


# --------------------------------------------------------------------------------------------------
# schema conformance


@lru_cache(maxsize=1)
def _operations() -> dict[str, Operation]:
    """The shipped contract's operations by operationId, indexed once."""
    return operation_index(load_spec())


@lru_cache(maxsize=1)
def _error_body_validator() -> Draft202012Validator:
    spec = load_spec()
    return Draft202012Validator(
        resolve({"$ref": "#/components/schemas/ErrorBody"}, spec),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@lru_cache(maxsize=256)
def _validator(operation_id: str, status: str) -> Draft202012Validator | None:
    """The validator of the JSON body the contract declares for `operation_id` answering `status`.

    None when the operation does not declare that status (nor a `default` or `4XX`-style range).
    """
    ops = _operations()
    if operation_id not in ops:
        raise KeyError(f"unknown operationId {operation_id!r}; known: {', '.join(sorted(ops))}")
    spec = load_spec()
    responses = ops[operation_id].operation["responses"]
    response = responses.get(status) or responses.get(f"{status[0]}XX") or responses.get("default")
    if response is None:
        return None
    while isinstance(response, Mapping) and "$ref" in response:
        response = pointer(spec, str(response["$ref"]))
    content = response.get("content", {})
    media = content.get("application/json")
    if media is None or "schema" not in media:
        # A response without a JSON body: only "no body" conforms, which the caller checks.
        return Draft202012Validator({"type": "null"})
    return Draft202012Validator(resolve(media["schema"], spec), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _where(path: Any) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def schema_errors(body: Any, status_code: int, operation_id: str) -> list[str]:
    """Every way `body` breaks the schema declared for (`operation_id`, `status_code`), as readable lines.

    An empty list means the body conforms. A status the operation does not declare is itself an error;
    an error body is then still held to `ErrorBody`, so the report says everything at once.
    """
    status = str(status_code)
    validator = _validator(operation_id, status)
    problems: list[str] = []
    if validator is None:
        problems.append(f"{operation_id} does not declare HTTP {status}")
        if status_code >= 400:
            validator = _error_body_validator()
        else:
            return problems
    for err in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(f"{_where(err.absolute_path)}: {err.message}")
    if status_code >= 400 and isinstance(body, Mapping):
        code = body.get("error_code")
        # ErrorBody: "error_code is a six-digit integer whose first three digits are the HTTP status",
        # except insufficient balance: 400002 answered with 402.
        expected = (status, "400002") if status == "402" else (status,)
        if isinstance(code, int) and not isinstance(code, bool) and not str(code).startswith(expected):
            problems.append(f"$.error_code: {code} does not start with the HTTP status {status}")
    return problems


def assert_conforms(response_json: Any, status_code: int, operation_id: str) -> None:
    """Fail unless `response_json` is what the contract declares for `operation_id` answering `status_code`.

    Error answers are held to `ErrorBody` (every error of the API has that shape) and their `error_code`
    must start with the HTTP status. The message lists every problem with its JSON path.
    """
    problems = schema_errors(response_json, status_code, operation_id)
    if problems:
        raise ContractViolation(
            f"{operation_id} answered HTTP {status_code} with a body that breaks openapi.yaml:\n  "
            + "\n  ".join(problems)
            + f"\n  body: {_short(response_json)}"
        )


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def operation_for(method: str, path: str) -> str | None:
    """The operationId a concrete request (`POST`, `/v1/models/kling/...`) is answered by, if any.

    Written-out paths win over templated ones, as in the server (the six submit paths are written out).
    Model ids contain slashes, so any other path under `/v1/models/` falls to the catch-alls
    (`getModel`, `submitAnyModel`) that answer unknown ids with 400001.
    """
    bare = path.split("?", 1)[0]
    m = method.lower()
    templated: list[tuple[str, Mapping[str, Any]]] = []
    for template, op_method, op in operations(load_spec()):
        if op_method != m:
            continue
        if "{" not in template:
            if template == bare:
                return str(op["operationId"])
        else:
            templated.append((template, op))
    for template, op in templated:
        if "{model_id}" not in template and _template_regex(template).match(bare):
            return str(op["operationId"])
    if bare.startswith("/v1/models/") and bare != "/v1/models/":
        for template, op in templated:
            if template == "/v1/models/{model_id}":
                return str(op["operationId"])
    return None


# --------------------------------------------------------------------------------------------------
# lifecycle


def _enum_at(ref: str, *keys: str) -> tuple[str, ...]:
    node = resolve({"$ref": ref}, load_spec())
    for key in keys:
        node = node[key]
    return tuple(str(v) for v in node["enum"])


#: Status words `/status` and `/cancel` may use (the contract's `JobStatus`).
STATUSES: tuple[str, ...] = _enum_at("#/components/schemas/JobStatus")
#: Status words `/result` may use.
RESULT_STATUSES: tuple[str, ...] = _enum_at("#/components/schemas/ResultResponse", "properties", "status")
#: Words after which a job never changes again, on any of the three routes.
TERMINAL: frozenset[str] = frozenset({"completed", "succeeded", "failed", "cancelled"})

#: The words `/status` and `/cancel` may say, and no others. RunComfy's clients treat this set as closed:
#: the CLI (v0.2) stops with exit 1 on any other word, the MCP client keeps polling until its time-out on
#: `succeeded` or `canceled`, the ComfyUI partner nodes fail on `canceled`. `failed` is a server setting's
#: word for a failed job (the default shows `completed`); every client stops on it.
STATUS_WORDS: frozenset[str] = frozenset({"in_queue", "in_progress", "completed", "cancelled", "failed"})
#: The words `/result` may say: the status words plus `succeeded`, the default success word there.
RESULT_WORDS: frozenset[str] = STATUS_WORDS | {"succeeded"}
#: Which closed set each operation's `status` is held to.
STATUS_WORD_SETS: Mapping[str, frozenset[str]] = {
    "getStatus": STATUS_WORDS,
    "cancelRequest": STATUS_WORDS,
    "getResult": RESULT_WORDS,
}
_ROUTE_OF = {"getStatus": "/status", "cancelRequest": "/cancel", "getResult": "/result"}
_NEAR_MISSES = {
    "canceled": "the API spells it 'cancelled'",
    "succeeded": "'succeeded' is a /result word; /status says 'completed'",
    "success": "the API says 'completed' (or 'succeeded' on /result)",
    "queued": "the API says 'in_queue'",
    "running": "the API says 'in_progress'",
    "processing": "the API says 'in_progress'",
    "error": "the API says 'failed'",
}


def assert_status_word(body: Any, operation_id: str) -> None:
    """The `status` of a `getStatus`, `cancelRequest` or `getResult` answer is a word of its closed set.

    Checked apart from the schema on purpose: the set comes from what RunComfy's own clients accept,
    so a contract (or a server) that grows a word such as `canceled` is caught even if its enum says
    otherwise. A missing or non-string `status` is a violation too. Other operations answer no status
    word; asking about one is a mistake in the caller and raises KeyError.
    """
    if operation_id not in STATUS_WORD_SETS:
        raise KeyError(f"{operation_id!r} answers no status word; known: {', '.join(STATUS_WORD_SETS)}")
    allowed = STATUS_WORD_SETS[operation_id]
    word = body.get("status") if isinstance(body, Mapping) else None
    if isinstance(word, str) and word in allowed:
        return
    route = _ROUTE_OF[operation_id]
    hint = _NEAR_MISSES.get(word, "") if isinstance(word, str) else "it must be a string"
    if isinstance(word, str) and not hint and word.lower() in allowed:
        hint = "the words are lower case"
    raise ContractViolation(
        f"{operation_id} answered status {word!r} on {route}: not a word of the closed set "
        f"{', '.join(sorted(allowed))}{f' ({hint})' if hint else ''}; RunComfy's clients stop or stall on any other"
    )


#: How far along a job is: a status may only move to an equal or higher rank.
STATUS_ORDER: Mapping[str, int] = {
    "in_queue": 0,
    "in_progress": 1,
    **{word: 2 for word in sorted(TERMINAL)},
}


def status_rank(status: str) -> int:
    """The rank of a contract status word; an unknown word is a violation in itself."""
    if status not in STATUS_ORDER or (status not in STATUSES and status not in RESULT_STATUSES):
        raise ContractViolation(
            f"status {status!r} is not in the contract (status: {', '.join(STATUSES)}; "
            f"result: {', '.join(RESULT_STATUSES)})"
        )
    return STATUS_ORDER[status]


def assert_forward(prev: str | None, new: str, *, what: str = "job") -> None:
    """A job only moves forward: queued, then generating, then finished (or cancelled from the queue)."""
    if prev is None:
        status_rank(new)
        return
    if status_rank(new) < status_rank(prev):
        raise ContractViolation(f"{what} went backwards: status {prev!r} was followed by {new!r}")


def assert_terminal_stays(prev: str | None, new: str, *, what: str = "job") -> None:
    """Once finished, failed or cancelled, a job's status never changes again (same route, same word)."""
    if prev is not None and prev in TERMINAL and new != prev:
        raise ContractViolation(f"{what} left its terminal state: status {prev!r} became {new!r}")


def assert_queue_position_never_grows(prev: int | None, new: int | None, *, what: str = "job") -> None:
    """`queue_position` counts the jobs ahead; nothing can get ahead of a queued job, so it never grows."""
    if prev is not None and new is not None and new > prev:
        raise ContractViolation(f"{what}'s queue_position grew from {prev} to {new}")


def _agreeing_result_words(status: str) -> frozenset[str]:
    """Result words a status word agrees with. A failed job shows `completed` on status by default
    (`failed` under a server setting), and the success word on result is `succeeded` or `completed`."""
    if status == "completed":
        return frozenset({"succeeded", "completed", "failed"})
    if status == "failed":
        return frozenset({"failed"})
    return frozenset({status})


def assert_result_agrees(
    status_body: Mapping[str, Any], result_body: Mapping[str, Any], *, allow_progress: bool = False
) -> None:
    """`/result` tells the same story as `/status` for the same job.

    `allow_progress` is for servers whose clock cannot be frozen: the result, read after the status, may
    then be further along (its rank higher, or its queue position lower), but never behind.
    """
    if status_body.get("request_id") != result_body.get("request_id"):
        raise ContractViolation(
            f"result is for {result_body.get('request_id')!r}, status for {status_body.get('request_id')!r}"
        )
    s, r = str(status_body.get("status")), str(result_body.get("status"))
    rank_s, rank_r = status_rank(s), status_rank(r)
    if allow_progress and rank_r < rank_s:
        raise ContractViolation(f"result ({r!r}) is behind status ({s!r}), although it was read later")
    if r not in _agreeing_result_words(s) and not (allow_progress and rank_r > rank_s):
        raise ContractViolation(f"result says {r!r} while status says {s!r}")
    qs, qr = status_body.get("queue_position"), result_body.get("queue_position")
    if s != "in_queue" or r != "in_queue" or not isinstance(qs, int) or not isinstance(qr, int):
        return
    if qr > qs or (qr != qs and not allow_progress):
        raise ContractViolation(f"result's queue_position {qr} disagrees with status's {qs}")


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def assert_result_consistent(result_body: Mapping[str, Any]) -> None:
    """A result's fields fit its status, as the contract describes them.

    `output` is set only for a successful job, `error` only for a failed one; `finished_at` is null
    until the job is finished and never before `created_at`; `queue_position` only while `in_queue`.
    """
    status = str(result_body.get("status"))
    status_rank(status)
    output, error, finished = result_body.get("output"), result_body.get("error"), result_body.get("finished_at")
    problems: list[str] = []
    if status in ("succeeded", "completed"):
        if not isinstance(output, Mapping) or not output:
            problems.append(f"a {status} job has no output (output={_short(output)})")
        if finished is None:
            problems.append(f"a {status} job has no finished_at")
    elif output is not None:
        problems.append(f"a {status} job has output {_short(output)}; output is only for successful jobs")
    if status == "failed":
        if not isinstance(error, Mapping):
            problems.append(f"a failed job says nothing about why (error={_short(error)})")
        if finished is None:
            problems.append("a failed job has no finished_at")
    elif error is not None:
        problems.append(f"a {status} job carries an error ({_short(error)}); error is only for failed jobs")
    if status in ("in_queue", "in_progress") and finished is not None:
        problems.append(f"a {status} job has finished_at {finished!r}")
    if status != "in_queue" and "queue_position" in result_body:
        problems.append(f"a {status} job has a queue_position; it is present only while in_queue")
    created, ended = _timestamp(result_body.get("created_at")), _timestamp(finished)
    if created is not None and ended is not None and ended < created:
        problems.append(f"finished_at {finished!r} is before created_at {result_body.get('created_at')!r}")
    if problems:
        raise ContractViolation("result of a job is inconsistent: " + "; ".join(problems))


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
