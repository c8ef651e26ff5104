"""NSX's API service limits: ``client_api_rate_limit`` (429) and ``client_api_concurrency_limit`` (503)."""

import collections
import threading
import time

from .errors import service_unavailable, too_many_requests


class Limits:
    def __init__(self, settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._recent = collections.defaultdict(collections.deque)  # client ip -> request times in the last second
        self.in_flight = 0

    def enter(self, client_ip):
        """Admit a request or raise 429/503; every admitted request must be followed by ``leave()``."""
        settings = self.settings
        with self._lock:
            if settings.rate_limit_enabled:
                now = time.monotonic()
                recent = self._recent[client_ip]
                while recent and now - recent[0] >= 1.0:
                    recent.popleft()
                if len(recent) >= settings.rate_limit:
                    raise too_many_requests(f"Client API rate limit of {settings.rate_limit} requests per second exceeded for {client_ip}.")
                recent.append(now)
            if settings.concurrency_limit_enabled and self.in_flight >= settings.concurrency_limit:
                raise service_unavailable(f"Client API concurrency limit of {settings.concurrency_limit} exceeded. Please try again later.")
            self.in_flight += 1

    def leave(self):
        with self._lock:
            self.in_flight -= 1
