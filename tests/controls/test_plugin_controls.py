"""The pytest plugin's controls, used as a user would, checking the harness's own `Client` against faults.

The client sleeps by advancing the mock's manual clock, so a 30-second back-off costs no real time and the
behaviour checks read the journal in clock time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import (
    ApiError,
    Client,
    WaitTimeout,
    assert_backs_off_after_5xx,
    assert_called,
    assert_cancelled_on_abort,
    assert_downloaded_once,
    assert_honours_retry_after,
    assert_poll_rate,
    assert_stops_polling_at_terminal,
    calls,
)

T2V = "kling/kling-3.0/standard/text-to-video"


@pytest.fixture
def client(kling_mock: Any) -> Iterator[Client]:
    """A client whose sleeps move the mock's clock (and whose deadlines read it)."""

    def sleep(seconds: float) -> None:
        kling_mock.advance(seconds)

    with Client(kling_mock.base_url, kling_mock.token, poll_interval=5.0, sleep=sleep, monotonic=kling_mock.now) as c:
        yield c


def test_wait_honours_retry_after_in_a_429_storm(kling_mock: Any, client: Client) -> None:
    kling_mock.faults.add(name="storm", match={"path": "/v1/requests/*/status"},
                          effect={"status": 429, "retry_after": 7}, first=3)
    job = client.submit(T2V, {"prompt": "a cat"})
    result = client.wait(job.request_id, timeout=None)
    assert result.status == "succeeded"
    journal = kling_mock.journal
    storm = assert_called(journal, times=3, status=429)
    assert all(e.decision == "storm" and e.retry_after == "7" for e in storm)
    after_storm = calls(journal, endpoint="status")[3]
    assert after_storm.time - storm[-1].time == pytest.approx(7)
    assert_honours_retry_after(journal, timebase="clock")
    assert_poll_rate(journal, 0.2, timebase="clock")
    assert_stops_polling_at_terminal(journal)
    assert_called(journal, times=1, endpoint="result")


def test_wait_backs_off_through_an_outage_and_finishes_once_it_ends(kling_mock: Any, client: Client) -> None:
    job = client.submit(T2V, {"prompt": "a cat"})
    start = kling_mock.now()
    kling_mock.faults.add(name="outage", match={"path": "/v1/*"}, effect={"status": 503}, window={"start": 0, "end": 60})
    result = client.wait(job.request_id, timeout=None)
    assert result.status == "succeeded"
    journal = kling_mock.journal
    failures = calls(journal, status=503)
    assert len(failures) >= 5 and all(e.decision == "outage" for e in failures)
    first_ok = next(e for e in journal if e.seq > failures[-1].seq)
    assert first_ok.status == 200 and first_ok.time >= start + 60
    assert all(e.time < start + 60 for e in failures)
    assert_backs_off_after_5xx(journal, timebase="clock", min_delay=1.0)
    assert_stops_polling_at_terminal(journal)


def test_wait_rides_out_a_404_right_after_submit(kling_mock: Any, client: Client) -> None:
    kling_mock.faults.add(name="lag", effect={"not_found_for": 4})
    job = client.submit(T2V, {"prompt": "a cat"})
    assert client.wait(job.request_id, timeout=None).status == "succeeded"
    [missing] = calls(kling_mock.journal, status=404)
    assert missing.decision == "lag"


def test_a_client_that_ignores_retry_after_is_caught(kling_mock: Any) -> None:
    kling_mock.faults.add(name="throttle", match={"endpoint": "status"}, effect={"status": 429, "retry_after": 30}, first=1)
    headers = {"Authorization": f"Bearer {kling_mock.token}"}
    rid = httpx.post(f"{kling_mock.base_url}/models/{T2V}", json={"prompt": "x"}, headers=headers).json()["request_id"]
    for _ in range(2):  # polls again at once: a misbehaving client
        httpx.get(f"{kling_mock.base_url}/requests/{rid}/status", headers=headers)
    with pytest.raises(AssertionError, match="Retry-After not honoured"):
        assert_honours_retry_after(kling_mock.journal, timebase="clock")
    with pytest.raises(AssertionError, match="polled faster"):
        assert_poll_rate(kling_mock.journal, 1.0, timebase="clock")


def test_giving_up_cancels_and_the_output_is_downloaded_once(kling_mock: Any, client: Client, tmp_path: Path) -> None:
    slow = client.submit(T2V, {"prompt": "never mind"})
    with pytest.raises(WaitTimeout):
        client.wait(slow.request_id, timeout=2)  # dispatch takes at least 4 s
    with pytest.raises(AssertionError, match="without a cancel"):
        assert_cancelled_on_abort(kling_mock.journal)
    assert client.cancel(slow.request_id).outcome == "cancelled"
    assert_cancelled_on_abort(kling_mock.journal)
    assert_cancelled_on_abort(kling_mock.journal, slow.request_id)

    result = client.run(T2V, {"prompt": "a cat", "duration": 3}, timeout=None)
    assert result.output is not None
    client.download(result.output["video"], tmp_path, allow_hosts=["127.0.0.1"])
    assert_downloaded_once(kling_mock.journal, result.request_id)
    client.download(result.output["video"], tmp_path / "again", allow_hosts=["127.0.0.1"])
    with pytest.raises(AssertionError, match="downloaded more than once"):
        assert_downloaded_once(kling_mock.journal)


def test_an_exhausted_balance_and_the_ledger(kling_mock: Any, client: Client) -> None:
    kling_mock.set_balance(1.0)
    job = client.submit(T2V, {"prompt": "a cat"})  # 5 s with sound (the default): $0.63
    with pytest.raises(ApiError) as exc:
        client.submit(T2V, {"prompt": "one too many"})
    assert (exc.value.status_code, exc.value.error_code) == (402, 400002)
    client.wait(job.request_id, timeout=None)
    view = kling_mock.account
    assert view.balance_usd == pytest.approx(0.37) and view.spent_usd == pytest.approx(0.63)
    assert [e["kind"] for e in view.ledger] == ["balance_set", "charge"]


def test_rate_limits_per_account(kling_mock: Any, client: Client) -> None:
    kling_mock.set_limits(rps=1, burst=1)
    client.categories()
    with pytest.raises(ApiError) as exc:
        client.categories()
    assert exc.value.status_code == 429 and exc.value.retry_after == 1
    kling_mock.advance(1)
    assert client.categories()


def test_faults_are_scoped_to_the_tests_account_and_removed_after_it(kling_mock: Any) -> None:
    rule = kling_mock.faults.add(name="mine", effect={"status": 500})
    assert rule["match"] == {"account": kling_mock.token}
    assert [r["name"] for r in kling_mock.faults.list()] == ["mine"]
    other = httpx.get(f"{kling_mock.base_url}/models", headers={"Authorization": "Bearer someone-else"})
    assert other.status_code == 200
    kling_mock.cleanup()
    assert kling_mock.admin_client.faults(account=kling_mock.token) == []
