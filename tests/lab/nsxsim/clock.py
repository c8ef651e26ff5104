"""Time helpers: NSX reports times as milliseconds since the epoch."""

import time


def now_ms():
    return int(time.time() * 1000)
