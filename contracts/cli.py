"""Client commands of the harness: ``run``, ``status``, ``result``, ``cancel``, ``models``, ``balance``,
``whoami``; ``drift`` (`contracts.drift`) is mounted beside them.

They behave like RunComfy's own CLI, v0.2 (same flags, environment variables and exit codes), so a
script written against one runs against the other, and the mock can be exercised from a shell exactly
as the real service is. Results go to stdout; progress, the request id, warnings and errors go to
stderr, so ``... | jq`` works. ``--output json`` prints each result as one compact JSON line and keeps
stderr for errors only (one JSON line ``{"error": ...}``), as the real CLI's JSON mode does; the
default ``pretty`` prints indented JSON, and a table for ``models list``, ``balance: $X.XX USD`` for
``balance`` and the account's name and id for ``whoami``, in the real CLI's words.

Exit codes (sysexits, as the real CLI): 0 success; 1 failed or cancelled job, refused connection,
interrupted wait, a status word the API does not use; 2 bad arguments; 65 bad input or HTTP
400/404/422; 66 an ``--input-file`` that does not exist; 69 HTTP 5xx; 75 HTTP 408/429 or a time-out;
77 HTTP 401/403 or no token. A failed job's code comes from its error's text, as in the real CLI:
"401"/"unauthorized" 77, "timeout"/"timed out"/"429" 75, "invalid input"/"invalid json" 65, else 1.

`add_commands` mounts these beside other subcommands (the top-level ``kling-mock`` program calls
``args.func(args)``); `main` runs them on their own and takes test hooks (transport, clock, streams).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx

from . import drift
from ._client import DEFAULT_BASE_URL, Client, filename_from_url
from ._errors import ApiError, DownloadError, TransportError, WaitTimeout
from ._models import TERMINAL_STATUSES, ModelList, ResultResponse, StatusResponse

__all__ = [
    "EXIT_FAILED",
    "EXIT_INPUT",
    "EXIT_NOINPUT",
    "EXIT_NOPERM",
    "EXIT_OK",
    "EXIT_TEMPFAIL",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "add_commands",
    "dispatch",
    "exit_code_for",
    "exit_code_for_failure",
    "main",
]

EXIT_OK = 0
EXIT_FAILED = 1  # job failed or cancelled, connection refused, wait interrupted
EXIT_USAGE = 2  # argparse's own code for bad arguments
EXIT_INPUT = 65  # EX_DATAERR: bad input, HTTP 400/404/422
EXIT_NOINPUT = 66  # EX_NOINPUT: a local input file that does not exist
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE: HTTP 5xx
EXIT_TEMPFAIL = 75  # EX_TEMPFAIL: HTTP 408/429, time-outs
EXIT_NOPERM = 77  # EX_NOPERM: HTTP 401/403, no token
EXIT_INTERRUPTED = 130  # Ctrl-C outside a wait (nothing to cancel yet)

_COMMAND_KEY = "_contracts_command"
#: Status words a wait goes on polling after, and the ones it stops at; any other word ends it with
#: exit 1, as in RunComfy's CLI, rather than polling a word nobody defined for ever.
_RUNNING_STATUSES = frozenset({"in_queue", "in_progress"})
MAX_PAGE = 500  # `models list --limit`, as the real CLI (and the API) allow


class _InputError(Exception):
    """The user's input cannot be used (bad JSON, malformed model id): exit 65."""


class _NoInputFile(Exception):
    """``--input-file`` names a file that does not exist: exit 66 (EX_NOINPUT), as the real CLI."""


class _LocalError(Exception):
    """A local failure of no other kind (an input file that cannot be read): exit 1, as the real CLI."""


class _UnknownStatus(Exception):
    """``/status`` answered a word outside the API's set: the wait stops with exit 1, as the real CLI."""


class _NoToken(Exception):
    """No token was given: exit 77 without calling the server, as the real CLI does."""


@dataclass(frozen=True)
class _IO:
    """What a command touches outside itself; injected by `main` so tests need no globals."""

    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    json: bool = False  # --output json: compact results, no progress lines


def exit_code_for(exc: BaseException) -> int:
    """The exit code the real CLI uses for an error of this kind."""
    if isinstance(exc, ApiError):
        status = exc.effective_status
        if status is None:
            return EXIT_FAILED
        if status in (401, 403):
            return EXIT_NOPERM
        if status in (408, 429):
            return EXIT_TEMPFAIL
        if 500 <= status <= 599:
            return EXIT_UNAVAILABLE
        if 400 <= status <= 499:
            return EXIT_INPUT
        return EXIT_FAILED
    if isinstance(exc, TransportError):
        return EXIT_TEMPFAIL if exc.is_timeout else EXIT_FAILED
    if isinstance(exc, WaitTimeout):
        return EXIT_TEMPFAIL
    if isinstance(exc, _InputError):
        return EXIT_INPUT
    if isinstance(exc, _NoInputFile):
        return EXIT_NOINPUT
    if isinstance(exc, _NoToken):
        return EXIT_NOPERM
    return EXIT_FAILED


def exit_code_for_failure(text: str) -> int:
    """The exit code of a failed or cancelled job, from its error's text, as RunComfy's CLI finds it.

    The real CLI has only the text of ``request failed: {error as JSON}`` by then, so it looks for words
    in it, in this order; a job's error code is part of that text (``401001`` reads as auth).
    """
    lowered = text.lower()
    if "401" in lowered or "unauthorized" in lowered or "not signed in" in lowered:
        return EXIT_NOPERM
    if "timed out" in lowered or "timeout" in lowered or "429" in lowered:
        return EXIT_TEMPFAIL
    if "invalid input" in lowered or "invalid json" in lowered:
        return EXIT_INPUT
    return EXIT_FAILED


# --------------------------------------------------------------------------------------------------
# Argument parsing.


def add_commands(subparsers: Any) -> None:
    """Add ``run``, ``status``, ``result``, ``cancel``, ``models``, ``balance``, ``whoami`` and ``drift`` (see
    `contracts.drift`) to an argparse subparsers object.

    Each sets ``func`` to `dispatch`, so the host program runs ``args.func(args)`` for an exit code.
    """
    # SUPPRESS, so that the option given at any level (`models --token X list`) is not overwritten
    # by a nested parser's default; unset values fall back to the environment in `_execute`.
    auth = argparse.ArgumentParser(add_help=False)
    auth.add_argument("--token", default=argparse.SUPPRESS, help="bearer token (default: $RUNCOMFY_TOKEN)")
    auth.add_argument(
        "--output",
        choices=["pretty", "json"],
        default=argparse.SUPPRESS,
        help="pretty (default): readable output; json: one compact JSON line per result, errors as JSON",
    )
    common = argparse.ArgumentParser(add_help=False, parents=[auth])
    common.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        help=f"API base, /v1 included (default: $RUNCOMFY_MODEL_API_BASE or {DEFAULT_BASE_URL})",
    )

    p = subparsers.add_parser(
        "run",
        parents=[common],
        help="submit a job, wait for it, print the result and download its outputs",
        description="Submit a job to MODEL_ID, wait for it, print the result JSON and download every URL "
        "under its output.",
    )
    p.add_argument("model_id", metavar="MODEL_ID", help="e.g. kling/kling-3.0/pro/text-to-video")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--input", metavar="JSON", help="the model's inputs as a JSON object")
    source.add_argument("--input-file", metavar="PATH", help="read the inputs from a file ('-' for stdin)")
    source.add_argument("stdin", nargs="?", choices=["-"], metavar="-", help="read the inputs from stdin")
    p.add_argument("--output-dir", default=".", metavar="DIR", help="where outputs are saved (default: .)")
    p.add_argument(
        "--poll-secs", type=_positive_float, default=2.0, metavar="S", help="poll interval (default 2)"
    )
    p.add_argument(
        "--timeout", type=_positive_float, metavar="S", help="give up after S s (default: no limit)"
    )
    p.add_argument("--no-wait", action="store_true", help="print the submit answer and return at once")
    p.add_argument("--no-download", action="store_true", help="print the result only")
    p.set_defaults(func=dispatch, **{_COMMAND_KEY: "run"})

    p = subparsers.add_parser("status", parents=[common], help="print a request's status JSON")
    p.add_argument("request_id", metavar="REQUEST_ID")
    p.set_defaults(func=dispatch, **{_COMMAND_KEY: "status"})

    p = subparsers.add_parser("result", parents=[common], help="print a request's result JSON")
    p.add_argument("request_id", metavar="REQUEST_ID")
    p.add_argument("--include-cost", action="store_true", help="ask for the cost in USD")
    p.set_defaults(func=dispatch, **{_COMMAND_KEY: "result"})

    p = subparsers.add_parser("cancel", parents=[common], help="cancel a queued request")
    p.add_argument("request_id", metavar="REQUEST_ID")
    p.set_defaults(func=dispatch, **{_COMMAND_KEY: "cancel"})

    p = subparsers.add_parser("models", parents=[common], help="browse the model catalog")
    models = p.add_subparsers(dest="models_command", required=True, metavar="{list,get,categories}")
    q = models.add_parser(
        "list",
        parents=[common],
        help="a page of the catalog (a table; JSON with --output json or --include-schema)",
    )
    q.add_argument("--search", metavar="TEXT", help="case-insensitive match on model id, name or description")
    q.add_argument("--category", metavar="CATEGORY", help="e.g. image-to-video (see `models categories`)")
    q.add_argument("--kind", metavar="KIND", help="model, workflow or inference")
    q.add_argument("--include-schema", action="store_true", help="each model's input_schema (prints JSON)")
    q.add_argument("--limit", type=_page_size, default=100, metavar="N", help=f"page size, 1-{MAX_PAGE} (100)")
    q.add_argument("--offset", type=_non_negative_int, default=0, metavar="N", help="rows to skip (0)")
    q.set_defaults(func=dispatch, **{_COMMAND_KEY: "models list"})
    q = models.add_parser("get", parents=[common], help="one model, with its input schema")
    q.add_argument("model_id", metavar="MODEL_ID")
    q.set_defaults(func=dispatch, **{_COMMAND_KEY: "models get"})
    q = models.add_parser("categories", parents=[common], help="the catalog's categories")
    q.set_defaults(func=dispatch, **{_COMMAND_KEY: "models categories"})

    p = subparsers.add_parser(
        "balance",
        parents=[auth],
        help="the account's balance (GET {serverless base}/balance)",
        description="Print the account's balance: one wallet pays for Model API jobs and RunComfy's other "
        "products.",
    )
    p.add_argument(
        "--serverless-base",
        default=None,
        metavar="URL",
        help="default: $RUNCOMFY_SERVERLESS_API_BASE or https://api.runcomfy.net/prod/v2",
    )
    p.set_defaults(func=dispatch, **{_COMMAND_KEY: "balance"})

    p = subparsers.add_parser(
        "whoami", parents=[auth], help="whom the token belongs to (GET {web base}/api/auth/me)"
    )
    p.add_argument(
        "--web-base", default=None, metavar="URL", help="default: $RUNCOMFY_WEB_BASE or https://www.runcomfy.com"
    )
    p.set_defaults(func=dispatch, **{_COMMAND_KEY: "whoami"})

    drift.add_command(subparsers).set_defaults(func=dispatch, **{_COMMAND_KEY: "drift"})


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def _page_size(text: str) -> int:
    value = _non_negative_int(text)
    if not 1 <= value <= MAX_PAGE:
        raise argparse.ArgumentTypeError(f"{value} is not in 1..{MAX_PAGE}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser with just the client commands."""
    parser = argparse.ArgumentParser(
        prog="kling-mock", description="Talk to RunComfy's Model API or the mock of it."
    )
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser


# --------------------------------------------------------------------------------------------------
# Entry points.


def dispatch(args: argparse.Namespace) -> int:
    """Run the command chosen by `add_commands`' parsers, with the real streams, clock and network."""
    return _execute(args, _IO(stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr))


def main(
    argv: list[str] | None = None,
    transport: httpx.BaseTransport | None = None,
    *,
    sleep: Callable[[float], None] | None = None,
    monotonic: Callable[[], float] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Parse ``argv`` and run the command; returns the exit code.

    ``transport``, ``sleep``, ``monotonic`` and the streams are hooks for tests (e.g.
    ``httpx.MockTransport`` and a fake clock); by default the real ones are used.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or bad arguments (2): report, don't exit the caller
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    io = _IO(
        stdin=stdin or sys.stdin,
        stdout=stdout or sys.stdout,
        stderr=stderr or sys.stderr,
        transport=transport,
        sleep=sleep or time.sleep,
        monotonic=monotonic or time.monotonic,
    )
    return _execute(args, io)


def _execute(args: argparse.Namespace, io: _IO) -> int:
    command: str = getattr(args, _COMMAND_KEY)
    if command == "drift":  # needs no token for a saved catalog; it reads its own options
        return drift.run(args, transport=io.transport, stdout=io.stdout, stderr=io.stderr)
    io = dataclasses.replace(io, json=getattr(args, "output", "pretty") == "json")
    try:
        inputs = _read_inputs(args, io.stdin) if command == "run" else {}
        token = getattr(args, "token", None) or os.environ.get("RUNCOMFY_TOKEN")
        if not token:
            raise _NoToken("no token: pass --token or set RUNCOMFY_TOKEN")
        base_url = getattr(args, "base_url", None) or os.environ.get("RUNCOMFY_MODEL_API_BASE")
        try:
            client = Client(
                base_url,
                token,
                transport=io.transport,
                sleep=io.sleep,
                monotonic=io.monotonic,
                serverless_base_url=getattr(args, "serverless_base", None),
                web_base_url=getattr(args, "web_base", None),
            )
        except ValueError as exc:
            _error(io, f"{exc}")
            return EXIT_USAGE
        with client:
            return _COMMANDS[command](client, args, io, inputs)
    except ApiError as exc:
        _error(io, exc.summary, _detail_lines(exc.detail))
        return exit_code_for(exc)
    except (TransportError, WaitTimeout, _InputError, _NoInputFile, _LocalError, _UnknownStatus, _NoToken) as exc:
        _error(io, f"{exc}")
        return exit_code_for(exc)
    except KeyboardInterrupt:
        _error(io, "interrupted")
        return EXIT_INTERRUPTED


def _read_inputs(args: argparse.Namespace, stdin: TextIO) -> dict[str, Any]:
    """The job's inputs: a JSON object from --input, --input-file, or stdin; ``{}`` if none given."""
    model_id: str = args.model_id
    if "/" not in model_id.strip("/"):
        raise _InputError(
            f"{model_id!r} is not a valid model id (expected slash-separated, e.g. "
            "kling/kling-3.0/pro/text-to-video)"
        )
    if args.input is not None:
        raw = args.input
    elif args.input_file == "-" or args.stdin == "-":
        raw = stdin.read()
    elif args.input_file is not None:
        try:
            raw = Path(args.input_file).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise _NoInputFile(f"input file {args.input_file} does not exist") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise _LocalError(f"cannot read input file {args.input_file}: {exc}") from exc
    else:
        raw = "{}"
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _InputError(f"invalid input JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise _InputError(f"input must be a JSON object of the model's inputs, got {type(data).__name__}")
    return data


# --------------------------------------------------------------------------------------------------
# Commands.


def _cmd_run(client: Client, args: argparse.Namespace, io: _IO, inputs: dict[str, Any]) -> int:
    submitted = client.submit(args.model_id, inputs)
    request_id = submitted.request_id
    _info(io, f"request_id: {request_id}")
    if args.no_wait:
        _print_json(io, submitted.raw)
        return EXIT_OK
    progress = _Progress(io.stderr, io.monotonic, quiet=io.json)

    def on_status(status: StatusResponse) -> None:
        progress.update(status)
        word = status.status.lower()
        if word not in _RUNNING_STATUSES and word not in TERMINAL_STATUSES:
            raise _UnknownStatus(f"unexpected status `{status.status}` for request {request_id}")

    try:
        result = client.wait(request_id, timeout=args.timeout, poll_interval=args.poll_secs, on_status=on_status)
    except KeyboardInterrupt:
        progress.finish()
        return _cancel_after_interrupt(client, request_id, io)
    finally:
        progress.finish()
    _print_json(io, result.raw)
    if result.is_terminal and not result.succeeded:
        return _failed(io, request_id, result)
    if not args.no_download:
        _download_outputs(client, result, Path(args.output_dir), io)
    return EXIT_OK


def _failed(io: _IO, request_id: str, result: ResultResponse) -> int:
    """Report a failed or cancelled job; its exit code comes from the text RunComfy's CLI would have."""
    _error(io, f"request {request_id} {_failure_text(result)}")
    if result.status.lower() in ("cancelled", "canceled"):
        return exit_code_for_failure("request cancelled")
    raw = result.error.raw if result.error is not None else None
    detail = "(no detail)" if raw is None else json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
    return exit_code_for_failure(f"request failed: {detail}")


def _cancel_after_interrupt(client: Client, request_id: str, io: _IO) -> int:
    """Ctrl-C while waiting: cancel the remote job (an abandoned job would keep running), say how
    it went, exit 1."""
    _info(io, f"interrupted: cancelling {request_id}")
    try:
        cancelled = client.cancel(request_id)
    except (ApiError, TransportError) as exc:
        _say(io.stderr, f"warning: cancel failed: {exc}")
        return EXIT_FAILED
    if cancelled.outcome == "not_cancellable":
        _info(io, f"{request_id} could not be cancelled (status: {cancelled.status}); it runs to completion")
    else:
        _info(io, f"cancel: {cancelled.outcome} (status: {cancelled.status})")
    return EXIT_FAILED


def _download_outputs(client: Client, result: ResultResponse, dest: Path, io: _IO) -> None:
    """Save every URL under ``output``; a file that cannot be fetched is reported and skipped,
    as the real CLI does, so one bad link does not lose the others."""
    urls = result.output_urls()
    if not urls:
        return
    dest.mkdir(parents=True, exist_ok=True)
    for url in urls:
        try:
            path = client.download(url, _unique_path(dest, filename_from_url(url)))
        except (DownloadError, TransportError, OSError) as exc:
            _say(io.stderr, f"warning: not downloaded: {exc}")
        else:
            _info(io, f"saved: {path}")


def _cmd_status(client: Client, args: argparse.Namespace, io: _IO, inputs: dict[str, Any]) -> int:
    _print_json(io, client.status(args.request_id).raw)
    return EXIT_OK


def _cmd_result(client: Client, args: argparse.Namespace, io: _IO, inputs: dict[str, Any]) -> int:
    result = client.result(args.request_id, include_cost=args.include_cost)
    _print_json(io, result.raw)
    if result.is_terminal and not result.succeeded:
        return _failed(io, args.request_id, result)
    return EXIT_OK


def _cmd_cancel(client: Client, args: argparse.Namespace, io: _IO, inputs: dict[str, Any]) -> int:
    # `not_cancellable` is an answer, not an error: the real CLI exits 0 for it too.
    _print_json(io, client.cancel(args.request_id).raw)
    return EXIT_OK


def _cmd_models_list(client: Client, args: argparse.Namespace, io: _IO, inputs: dict[str, Any]) -> int:
    page = client.models(
        limit=args.limit,
        offset=args.offset,
        category=args.category,
        search=args.search,
        kind=args.kind,
        include_schema=args.include_schema,
    )
    if io.json or args.include_schema:
        _print_json(io, page.raw)
        return EXIT_OK
    _print_models_table(io, page, args.offset)
    return EXIT_OK


def _print_models_table(io: _IO, page: ModelList, offset: int) -> None:
    """The real CLI's table: MODEL_ID, NAME, CATEGORY, PRICE on stdout, the page's extent on stderr."""
    entries = page.raw.get("models") or []
    if not entries:
        _progress(io, "ℹ", "info", "No models matched.")
        return
    rows = [
        [_cell(m, "model_id"), _cell(m, "display_name"), _cell(m, "categories"), _price(m)]
        for m in entries
        if isinstance(m, dict)
    ]
    _table(io.stdout, ["MODEL_ID", "NAME", "CATEGORY", "PRICE"], rows)
    total = page.total if page.total is not None else len(entries)
    _info(
        io,
        f"Showing {offset + 1}-{offset + len(entries)} of {total} "
        "(page with --offset/--limit; filter with --search/--category)",
    )


def _cmd_models_get(client: Client, args: argparse.Namespace, io: _IO, inputs: dict[str, Any]) -> int:
    _print_json(io, client.model(args.model_id).raw)
    return EXIT_OK


def _cmd_models_categories(
    client: Client, args: argparse.Namespace, io: _IO, inputs: dict[str, Any]
) -> int:
    _print_json(io, {"categories": client.categories()})
    return EXIT_OK


def _cmd_balance(client: Client, args: argparse.Namespace, io: _IO, inputs: dict[str, Any]) -> int:
    balance = client.balance()
    if io.json or balance.balance_usd is None:
        _print_json(io, balance.raw)
    else:
        _say(io.stdout, f"balance: ${balance.balance_usd:.2f} {balance.currency or 'USD'}")
    return EXIT_OK


def _cmd_whoami(client: Client, args: argparse.Namespace, io: _IO, inputs: dict[str, Any]) -> int:
    me = client.whoami()
    if io.json:
        fields = ("id", "email", "display_name", "username", "token_type", "token_created_at")
        _print_json(io, {name: getattr(me, name) for name in fields})
        return EXIT_OK
    # Like the real CLI, the readable form is a progress line and details, all on stderr.
    _progress(io, "📛", "user", me.label)
    if me.token_type is not None:
        _info(io, f"token type: {me.token_type}", indent=True)
    _info(io, f"user id: {me.id}", indent=True)
    return EXIT_OK


_COMMANDS: dict[str, Callable[[Client, argparse.Namespace, _IO, dict[str, Any]], int]] = {
    "run": _cmd_run,
    "status": _cmd_status,
    "result": _cmd_result,
    "cancel": _cmd_cancel,
    "models list": _cmd_models_list,
    "models get": _cmd_models_get,
    "models categories": _cmd_models_categories,
    "balance": _cmd_balance,
    "whoami": _cmd_whoami,
}


# --------------------------------------------------------------------------------------------------
# Output helpers.


class _Progress:
    """Shows a wait's progress on stderr.

    On a terminal, one line rewritten in place (state, queue position, elapsed time); otherwise (a
    log, CI) one plain line per state change, so logs stay readable.
    """

    def __init__(self, stream: TextIO, monotonic: Callable[[], float], *, quiet: bool = False) -> None:
        self.stream = stream
        self.monotonic = monotonic
        self.started = monotonic()
        self.tty = _isatty(stream)
        self.quiet = quiet
        self.last_state: str | None = None
        self.width = 0

    def update(self, status: StatusResponse) -> None:
        if self.quiet:
            return
        if self.tty:
            line = f"{status.describe()}  {self.monotonic() - self.started:.0f}s"
            self.stream.write("\r" + line + " " * max(0, self.width - len(line)))
            self.stream.flush()
            self.width = len(line)
        elif status.status != self.last_state:
            _say(self.stream, status.describe())
        self.last_state = status.status

    def finish(self) -> None:
        if self.width:
            self.stream.write("\n")
            self.stream.flush()
            self.width = 0


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _failure_text(result: ResultResponse) -> str:
    if result.error is None:
        return result.status
    code = f" {result.error.error_code}" if result.error.error_code is not None else ""
    return f"{result.status}{code}: {result.error.error_message}"


def _detail_lines(detail: Any) -> list[str]:
    """Readable lines for an error's ``detail``: a string, or 422 items ``{loc, msg, type}``."""
    if detail is None:
        return []
    if isinstance(detail, str):
        return [detail]
    lines = []
    for item in detail:
        if isinstance(item, dict) and "msg" in item:
            loc = item.get("loc")
            where = ".".join(str(part) for part in loc) if isinstance(loc, list) else str(loc or "")
            lines.append(f"{where}: {item['msg']}" if where else str(item["msg"]))
        else:
            lines.append(json.dumps(item))
    return lines


def _unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-1.ext``, ``name-2.ext``… if taken: never overwrite a file."""
    candidate = folder / name
    if not candidate.exists():
        return candidate
    stem, suffix = Path(name).stem, Path(name).suffix
    for i in range(1, 10_000):
        candidate = folder / f"{stem}-{i}{suffix}"
        if not candidate.exists():
            return candidate
    raise DownloadError(name, f"too many files named like it in {folder}")


def _print_json(io: _IO, data: Any) -> None:
    """A result on stdout: indented JSON, or one compact line with ``--output json``."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False) if io.json else json.dumps(
        data, indent=2, ensure_ascii=False
    )
    _say(io.stdout, text)


def _say(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")
    stream.flush()


def _info(io: _IO, line: str, *, indent: bool = False) -> None:
    """A progress or detail line on stderr; JSON mode keeps stderr for errors."""
    if not io.json:
        _say(io.stderr, ("   " if indent else "") + line)


def _progress(io: _IO, emoji: str, tag: str, line: str) -> None:
    """A headline on stderr in the real CLI's form: its sign on a terminal, ``[tag]`` in logs and pipes."""
    if io.json:
        return
    plain = not _isatty(io.stderr) or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb"
    _say(io.stderr, f"[{tag}] {line}" if plain else f"{emoji} {line}")


def _error(io: _IO, message: str, details: Sequence[str] = ()) -> None:
    """An error on stderr: ``error: ...`` and indented details, or one JSON line ``{"error": ...}``."""
    if io.json:
        body: dict[str, Any] = {"error": message}
        if details:
            body["detail"] = list(details)
        _say(io.stderr, json.dumps(body, ensure_ascii=False))
        return
    _say(io.stderr, f"error: {message}")
    for line in details:
        _say(io.stderr, f"  {line}")


def _cell(entry: dict[str, Any], key: str) -> str:
    """A table cell as the real CLI writes it: strings as they are, lists joined with ``,``, ``-`` if none."""
    value = entry.get(key)
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(v if isinstance(v, str) else json.dumps(v) for v in value)
    return json.dumps(value)


def _price(entry: dict[str, Any]) -> str:
    """``$0.084/second``: the base price per unit, or ``-`` when the entry has none."""
    price, unit = entry.get("base_price_usd"), entry.get("price_unit")
    if not isinstance(price, int | float) or isinstance(price, bool):
        return "-"
    shown = f"{price:g}" if float(price).is_integer() else repr(float(price))
    return f"${shown}/{unit}" if isinstance(unit, str) else f"${shown}"


def _table(stream: TextIO, headers: list[str], rows: list[list[str]]) -> None:
    """Columns two spaces apart, the last one not padded (no trailing blanks), as the real CLI."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    for cells in (headers, *rows):
        line = "  ".join(c if i == len(cells) - 1 else c.ljust(widths[i]) for i, c in enumerate(cells))
        _say(stream, line.rstrip())


if __name__ == "__main__":
    sys.exit(main())
