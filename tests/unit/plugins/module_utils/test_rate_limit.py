"""RateLimiter: even spacing across callers, a little under the rate NSX enforces."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._rate_limit import RateLimiter
from tests.unit import fake_clock


def FakeClock():  # noqa: N802 - the tests below read as before
    return fake_clock.FakeClock(now=100.0)


def test_calls_are_spaced_evenly_under_the_rate():
    fake = FakeClock()
    limiter = RateLimiter(100, clock=fake.clock, sleep=fake.sleep)
    for _call in range(201):
        limiter.acquire()
    # 200 intervals: never faster than 100/s, with the 5% headroom (2 s / 0.95).
    assert fake.now - 100.0 == pytest.approx(200 / 95.0)
    assert max(fake.sleeps) == pytest.approx(1 / 95.0)


def test_no_headroom_means_exactly_the_rate():
    fake = FakeClock()
    limiter = RateLimiter(50, clock=fake.clock, sleep=fake.sleep, headroom=0)
    for _call in range(51):
        limiter.acquire()
    assert fake.now - 100.0 == pytest.approx(1.0)


def test_an_idle_limiter_does_not_allow_a_burst():
    fake = FakeClock()
    limiter = RateLimiter(10, clock=fake.clock, sleep=fake.sleep, headroom=0)
    limiter.acquire()
    fake.now += 5.0  # idle: unused slots are not saved up
    limiter.acquire()
    limiter.acquire()
    assert fake.sleeps == [pytest.approx(0.1)]


@pytest.mark.parametrize("rate, headroom", [(0, 0.05), (-1, 0.05), (10, 1.0), (10, -0.1)])
def test_bad_arguments(rate, headroom):
    with pytest.raises(ValueError):
        RateLimiter(rate, headroom=headroom)
