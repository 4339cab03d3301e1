"""The journal-based client checks on hand-written journals: each passes a good client and names the fault
of a bad one."""

from __future__ import annotations

from typing import Any

import pytest

from contracts import (
    JournalEntry,
    assert_backs_off_after_5xx,
    assert_called,
    assert_cancelled_on_abort,
    assert_downloaded_once,
    assert_honours_retry_after,
    assert_poll_rate,
    assert_stops_polling_at_terminal,
    calls,
)


def journal(*rows: tuple[Any, ...]) -> list[JournalEntry]:
    """Rows of (time, endpoint, status, extra fields); paths follow from the endpoint and request id."""
    out = []
    for seq, (t, endpoint, status, extra) in enumerate(rows, 1):
        rid = extra.get("request_id", "r1")
        path = {"submit": "/v1/models/m", "files": f"/files/{rid}.mp4"}.get(endpoint, f"/v1/requests/{rid}/{endpoint}")
        method = "POST" if endpoint in ("submit", "cancel") else "GET"
        out.append(JournalEntry.from_json({"seq": seq, "time": t, "wall_time": t + 1000, "method": method, "path": path,
                                           "status": status, "account": "a", "endpoint": endpoint,
                                           "request_id": rid, **extra}))
    return out


def polled(word: str) -> dict[str, Any]:
    return {"response": {"status": word}}


def test_calls_and_assert_called_answer_was_it_called_how_often_with_what() -> None:
    j = journal((0, "submit", 200, {"body": {"prompt": "x"}}), (1, "status", 200, {}), (2, "status", 429, {}))
    assert [e.seq for e in calls(j, path="/v1/requests/*")] == [2, 3]
    assert calls(j, method="post")[0].body == {"prompt": "x"}
    assert assert_called(j, times=1, status=429)[0].seq == 3
    assert_called(j, at_least=2, endpoint="status")
    with pytest.raises(AssertionError, match="expected 3 call"):
        assert_called(j, times=3, endpoint="status")
    with pytest.raises(AssertionError, match="there was none"):
        assert_called(j, endpoint="cancel")
    with pytest.raises(AssertionError, match="at most 1"):
        assert_called(j, at_most=1, endpoint="status")
    assert calls([e.raw for e in j], status=200, request_id="r1", account="a")[0].seq == 1  # plain dicts too


def test_poll_rate_on_wall_and_clock_time() -> None:
    j = journal((0, "status", 200, {}), (2, "status", 200, {}), (4.5, "status", 200, {}))
    assert_poll_rate(j, 0.5)
    assert_poll_rate(j, 0.5, timebase="clock")
    with pytest.raises(AssertionError, match=r"polled faster than 1/s: #2 .* 0\.500s"):
        assert_poll_rate(journal((0, "status", 200, {}), (0.5, "status", 200, {})), 1)
    other_job = journal((0, "status", 200, {}), (0.1, "status", 200, {"request_id": "r2"}))
    assert_poll_rate(other_job, 1)  # different jobs are polled independently


def test_stops_polling_at_a_terminal_status() -> None:
    good = journal((0, "status", 200, polled("in_queue")), (1, "status", 200, polled("completed")), (2, "result", 200, {}))
    assert_stops_polling_at_terminal(good)
    bad = journal((0, "status", 200, polled("completed")), (1, "status", 200, polled("completed")))
    with pytest.raises(AssertionError, match="polled 1 more time"):
        assert_stops_polling_at_terminal(bad)
    assert_stops_polling_at_terminal(bad, grace=1)


def test_honours_retry_after() -> None:
    good = journal((0, "status", 429, {"retry_after": "7"}), (7, "status", 200, {}))
    assert_honours_retry_after(good)
    bad = journal((0, "status", 429, {"retry_after": "7"}), (1, "result", 200, {}), (3, "status", 200, {}))
    with pytest.raises(AssertionError, match="Retry-After not honoured"):
        assert_honours_retry_after(bad)
    assert_honours_retry_after(journal((0, "status", 429, {"retry_after": "7"}), (1, "result", 200, {}), (7, "status", 200, {})))
    with pytest.raises(AssertionError):
        assert_honours_retry_after(journal((0, "status", 429, {"retry_after": "7"}), (1, "result", 200, {})),
                                   scope="account")


def test_backs_off_after_5xx() -> None:
    good = journal((0, "status", 503, {}), (1, "status", 503, {}), (3, "status", 500, {}), (7, "status", 200, {}))
    assert_backs_off_after_5xx(good)
    instant = journal((0, "status", 503, {}), (0.01, "status", 200, {}))
    with pytest.raises(AssertionError, match="no back-off"):
        assert_backs_off_after_5xx(instant)
    flat = journal((0, "status", 503, {}), (1, "status", 503, {}), (2, "status", 503, {}), (3, "status", 200, {}))
    with pytest.raises(AssertionError, match="did not grow"):
        assert_backs_off_after_5xx(flat)
    assert_backs_off_after_5xx(flat, require_growth=False)
    shrinking = journal((0, "status", 503, {}), (4, "status", 503, {}), (5, "status", 200, {}))
    with pytest.raises(AssertionError, match="shrank"):
        assert_backs_off_after_5xx(shrinking)
    dictated = journal((0, "status", 503, {"retry_after": "2"}), (2, "status", 503, {"retry_after": "2"}),
                       (4, "status", 503, {"retry_after": "2"}), (6, "status", 200, {}))
    assert_backs_off_after_5xx(dictated)
    dropped = journal((0, "status", None, {"outcome": "dropped"}), (0.0, "status", 200, {}))
    with pytest.raises(AssertionError, match="no back-off"):
        assert_backs_off_after_5xx(dropped)


def test_cancelled_on_abort() -> None:
    submitted = (0, "submit", 200, {})
    abandoned = journal(submitted, (1, "status", 200, polled("in_queue")))
    with pytest.raises(AssertionError, match="without a cancel: r1"):
        assert_cancelled_on_abort(abandoned)
    with pytest.raises(AssertionError, match="never cancelled"):
        assert_cancelled_on_abort(abandoned, "r1")
    assert_cancelled_on_abort(journal(submitted, (1, "status", 200, polled("in_queue")), (2, "cancel", 200, {})))
    assert_cancelled_on_abort(journal(submitted, (1, "status", 200, polled("completed"))))


def test_downloaded_once() -> None:
    once = journal((0, "files", 200, {}), (1, "files", 206, {}))
    assert_downloaded_once(once)
    assert_downloaded_once(once, "r1")
    with pytest.raises(AssertionError, match="0 time"):
        assert_downloaded_once(once, "r2")
    with pytest.raises(AssertionError, match="r1 x2"):
        assert_downloaded_once(journal((0, "files", 200, {}), (1, "files", 200, {})))


def test_an_entry_reads_naturally() -> None:
    [e] = journal((0, "status", 429, {"retry_after": "7", "decision": "throttle"}))
    assert str(e) == "#1 GET /v1/requests/r1/status -> 429"
    assert (e.retry_after_s, e.at("wall"), e.at("clock")) == (7.0, 1000, 0)
