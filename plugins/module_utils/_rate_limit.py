# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client-side pacing so a scan stays under NSX's client_api_rate_limit instead of hitting 429s."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time


class RateLimiter:
    """Spaces calls evenly across threads, a little under ``rate`` per second (no bursts).

    NSX counts requests per second per client; evenly spaced calls stay under it, where a
    bursty bucket would trip 429 at each second's start and pay the retry backoff. NSX counts
    arrivals, not send times: thread scheduling and the network shift calls by milliseconds,
    and at exactly ``rate`` about 2% of the calls of a 2,000-call scan were answered 429
    (tests/bench). ``headroom`` keeps that margin in hand (5%: no more than a handful).
    """

    HEADROOM = 0.05

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep, headroom=HEADROOM):
        if rate <= 0:
            raise ValueError("rate must be positive")
        if not 0 <= headroom < 1:
            raise ValueError("headroom must be in [0, 1)")
        self.interval = 1.0 / (float(rate) * (1.0 - headroom))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def acquire(self):
        """Block until this caller may send."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
