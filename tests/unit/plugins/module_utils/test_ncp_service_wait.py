"""wait_until of ncp_service: checks between sleeps or watches, on a fake clock (no real time passes)."""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_service import WATCH_SLICE, wait_until
from tests.unit.fake_clock import FakeClock


def predicate_done_at(clock, at):
    checks = []

    def predicate():
        checks.append(clock.now)
        return clock.now >= at, "state at %.1f" % clock.now

    return predicate, checks


def test_polls_every_interval_until_done():
    clock = FakeClock()
    predicate, checks = predicate_done_at(clock, 3.0)
    assert wait_until(predicate, 60, 1.0, clock=clock.clock, sleep=clock.sleep) == (True, "state at 3.0")
    assert checks == [0.0, 1.0, 2.0, 3.0]


def test_gives_up_at_the_timeout_with_the_last_state():
    clock = FakeClock()
    predicate, checks = predicate_done_at(clock, 100.0)
    done, state = wait_until(predicate, 2.5, 1.0, clock=clock.clock, sleep=clock.sleep)
    assert (done, checks[-1]) == (False, 2.5) and clock.sleeps == [1.0, 1.0, 0.5]


def test_a_watch_replaces_the_polls_and_one_check_confirms():
    clock = FakeClock()
    predicate, checks = predicate_done_at(clock, 3.2)
    watches = []

    def watch(seconds):  # a healthy watch: returns when the change happens
        watches.append(seconds)
        clock.now = max(clock.now, 3.2)
        return True

    assert wait_until(predicate, 60, 1.0, clock=clock.clock, sleep=clock.sleep, watch=watch)[0] is True
    assert checks == [0.0, 3.2] and watches == [WATCH_SLICE] and clock.sleeps == []


def test_a_watch_that_never_delivers_costs_one_slice_then_the_check_sees_it():
    clock = FakeClock()
    predicate, checks = predicate_done_at(clock, 0.5)

    def watch(seconds):  # held open without the event, ends at its timeout
        clock.now += seconds
        return False

    assert wait_until(predicate, 60, 1.0, clock=clock.clock, sleep=clock.sleep, watch=watch)[0] is True
    assert checks == [0.0, WATCH_SLICE]


def test_a_watch_that_fails_at_once_is_dropped_for_polling():
    clock = FakeClock()
    predicate, checks = predicate_done_at(clock, 2.0)
    calls = []

    def watch(seconds):  # an older kubectl: wait --for=jsonpath is rejected
        calls.append(seconds)
        return False

    assert wait_until(predicate, 60, 1.0, clock=clock.clock, sleep=clock.sleep, watch=watch)[0] is True
    assert len(calls) == 1 and checks == [0.0, 1.0, 2.0]


def test_a_slow_healthy_wait_watches_slice_after_slice_within_the_timeout():
    clock = FakeClock()
    predicate, checks = predicate_done_at(clock, 100.0)

    def watch(seconds):
        clock.now += seconds
        return False  # timed out: the condition did not hold yet

    done, _state = wait_until(predicate, 12, 1.0, clock=clock.clock, sleep=clock.sleep, watch=watch)
    assert done is False and checks == [0.0, 5.0, 10.0, 12.0]


def test_check_first_false_watches_before_the_first_check():
    # Right after a scale: the first read could only say "not yet"; the watch comes first, one read confirms.
    clock = FakeClock()
    predicate, checks = predicate_done_at(clock, 1.5)
    watches = []

    def watch(seconds):
        watches.append(clock.now)
        clock.now = max(clock.now, 1.5)
        return True

    assert wait_until(predicate, 60, 1.0, clock=clock.clock, sleep=clock.sleep, watch=watch, check_first=False)[0] is True
    assert watches == [0.0] and checks == [1.5]


def test_check_first_false_without_a_watch_sleeps_once_first_and_still_checks_at_the_timeout():
    clock = FakeClock()
    predicate, checks = predicate_done_at(clock, 100.0)
    done, _state = wait_until(predicate, 2.5, 1.0, clock=clock.clock, sleep=clock.sleep, check_first=False)
    assert done is False and clock.sleeps == [1.0, 1.0, 0.5] and checks == [1.0, 2.0, 2.5]
