"""A clock and sleep that no real time passes on, for code that takes ``clock=`` and ``sleep=``."""


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
