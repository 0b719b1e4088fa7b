"""Fan-out: sends really overlap, never more than the bound at once, and each outcome is reported."""

import threading

import pytest

from corkboard import settings
from corkboard.fanout import fan_out
from corkboard.management_api import ConnectionGoneError
from corkboard.table_design import ENV_FANOUT_CONCURRENCY


def test_sends_overlap_up_to_the_bound_and_never_beyond() -> None:
    bound = 4
    # Each send waits until `bound` sends are in flight together; sequential sends would break the barrier.
    together = threading.Barrier(bound, timeout=10)
    lock = threading.Lock()
    in_flight, most = 0, 0

    def send(_: str) -> None:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        together.wait()
        with lock:
            in_flight -= 1

    report = fan_out([f"c{index}" for index in range(3 * bound)], send, concurrency=bound)

    assert dict(report.failed) == {}
    assert len(report.delivered) == 3 * bound
    assert most == bound


def test_each_connection_is_reported_delivered_gone_or_failed() -> None:
    def send(connection_id: str) -> None:
        if connection_id == "gone":
            raise ConnectionGoneError(connection_id)
        if connection_id == "broken":
            raise RuntimeError("500 from the Management API")

    report = fan_out(["ok-1", "gone", "broken", "ok-2"], send, concurrency=32)

    assert report.delivered == {"ok-1", "ok-2"}
    assert report.gone == {"gone"}
    assert list(report.failed) == ["broken"]
    assert isinstance(report.failed["broken"], RuntimeError)


def test_nobody_to_send_to_sends_nothing() -> None:
    def send(_: str) -> None:
        raise AssertionError("nothing should be sent")

    report = fan_out([], send, concurrency=32)

    assert (report.delivered, report.gone, dict(report.failed)) == (frozenset(), frozenset(), {})


def test_the_bound_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_FANOUT_CONCURRENCY, raising=False)
    assert settings.fanout_concurrency() == settings.DEFAULT_FANOUT_CONCURRENCY

    monkeypatch.setenv(ENV_FANOUT_CONCURRENCY, "8")
    assert settings.fanout_concurrency() == 8


@pytest.mark.parametrize("value", ["0", "-3", "many", "2.5"])
def test_a_bound_that_is_not_a_positive_whole_number_is_named(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(ENV_FANOUT_CONCURRENCY, value)

    with pytest.raises(settings.InvalidSettingError, match=ENV_FANOUT_CONCURRENCY):
        settings.fanout_concurrency()
