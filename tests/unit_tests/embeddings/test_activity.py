"""Activity: when decoding may run without holding back a request's bytes."""

from __future__ import annotations

import math

import pytest

from langchain_gigachat_ext.embeddings import activity as _embedding_activity
from langchain_gigachat_ext.embeddings.activity import Activity


class Clock:
    """A settable stand-in for ``time.monotonic``."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(_embedding_activity.time, "monotonic", fake)
    return fake


def answered_once(activity: Activity, clock: Clock, index: int, latency: float) -> None:
    """Request ``index`` is written, answered after ``latency``, read and done."""
    report = activity.reporter(index)
    activity.expect(index)
    report(False)
    clock.now += latency
    report(True)
    report(False)
    activity.done(index)


def test_nothing_started_means_decode_now(clock: Clock) -> None:
    del clock
    assert Activity(3).pause() is None


def test_a_request_being_written_holds_decoding_until_it_changes(clock: Clock) -> None:
    del clock
    activity = Activity(2)
    activity.expect(0)
    assert activity.pause() == math.inf
    activity.reporter(0)(False)
    assert activity.pause() is None  # no latency learnt yet: nothing to predict


@pytest.mark.parametrize(
    ("since_written", "expected"),
    [
        (0.010, None),  # the answer is 40 ms away: decode now
        (0.0495, 0.0005 + 0.002),  # due in 0.5 ms: wait until it lands, or one decode late
        (0.0505, -0.0005 + 0.002),  # 0.5 ms late: still expected within a decode
        (0.053, None),  # late by more than a decode: no longer waited for
    ],
)
def test_an_answer_due_within_a_decode_holds_decoding(
    clock: Clock, since_written: float, expected: float | None
) -> None:
    activity = Activity(2)
    answered_once(activity, clock, 0, latency=0.050)  # learns a 50 ms server latency
    activity.expect(1)
    activity.reporter(1)(False)
    clock.now += since_written
    pause = activity.pause()
    if expected is None:
        assert pause is None
    else:
        assert pause == pytest.approx(expected)


def test_an_answer_being_read_holds_decoding(clock: Clock) -> None:
    activity = Activity(2)
    answered_once(activity, clock, 0, latency=0.050)
    report = activity.reporter(1)
    activity.expect(1)
    report(False)
    clock.now += 0.050
    report(True)
    assert activity.pause() == math.inf
    activity.done(1)
    assert activity.pause() is None


def test_the_decode_estimate_follows_measured_decodes(clock: Clock) -> None:
    activity = Activity(2)
    answered_once(activity, clock, 0, latency=0.050)
    for _ in range(20):
        activity.decoded(0.010)  # decodes take 10 ms now
    activity.expect(1)
    activity.reporter(1)(False)
    clock.now += 0.045  # due in 5 ms: within one (10 ms) decode
    assert activity.pause() is not None


def test_a_send_that_never_reports_turns_waiting_off(clock: Clock) -> None:
    del clock
    activity = Activity(3)
    activity.expect(0)
    activity.expect(1)
    assert activity.pause() == math.inf
    activity.done(0)  # returned without a single report: this transport has no trace hook
    assert activity.pause() is None
