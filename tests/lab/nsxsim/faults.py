"""Injected faults, from a scenario file or ``POST /_lab/faults``.

Request faults match the URL path (no query) with a shell-style glob and optionally the HTTP method:

- ``{type: latency, seconds: 0.5, path: "/api/v1/firewall/*", method: GET, count: N}`` (count absent = forever)
- ``{type: status, status: 429|503|500, count: N, path: ..., error_code: ...}`` (500 defaults to error_code 607)
- ``{type: drop, count: N, path: ...}``: the connection is closed without an answer
- ``{type: session_expiry, count: N, path: ...}``: every API session ends just before a matching request is
  served, as when NSX ends a session mid-scan; that request (and any other on an old session) gets 403 / 403

State faults are handed to the component they concern (see ``Simulator.apply_fault``).
"""

import fnmatch
import threading

from .errors import NsxError, service_unavailable, too_many_requests, transaction_aborted

REQUEST_FAULTS = ("latency", "status", "drop", "session_expiry")
EXPIRE_SESSIONS = "expire_sessions"


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self.request_faults = []
        self.migration_failures = {}  # migration type -> error message
        self.rollback_failures = 0  # remaining failing rollbacks; -1 = all

    def add_request_fault(self, spec):
        kind = spec["type"]
        fault = {
            "type": kind,
            "path": str(spec.get("path", "*")),
            "method": (str(spec["method"]).upper() if spec.get("method") else None),
            "count": (int(spec["count"]) if spec.get("count") is not None else (None if kind == "latency" else 1)),
        }
        if kind == "latency":
            fault["seconds"] = float(spec["seconds"])
        elif kind == "status":
            fault["status"] = int(spec["status"])
            if fault["status"] not in (429, 500, 503):
                raise ValueError("status faults are 429, 500 or 503")
            fault["error_code"] = spec.get("error_code")
        with self._lock:
            self.request_faults.append(fault)
        return fault

    def on_request(self, method, path):
        """(latency seconds, action) for this request; action is None, "drop", EXPIRE_SESSIONS or an NsxError to answer."""
        latency = 0.0
        action = None
        with self._lock:
            for fault in self.request_faults:
                if fault["count"] == 0 or (fault["method"] and fault["method"] != method):
                    continue
                if not fnmatch.fnmatchcase(path, fault["path"]):
                    continue
                if fault["type"] == "latency":
                    latency += fault["seconds"]
                elif action is None:
                    action = {"drop": "drop", "session_expiry": EXPIRE_SESSIONS}.get(fault["type"]) or _status_error(fault)
                else:
                    continue
                if fault["count"] is not None:
                    fault["count"] -= 1
            self.request_faults = [f for f in self.request_faults if f["count"] != 0]
        return latency, action

    def take_rollback_failure(self):
        with self._lock:
            if self.rollback_failures == 0:
                return False
            if self.rollback_failures > 0:
                self.rollback_failures -= 1
            return True

    def clear(self):
        with self._lock:
            self.request_faults = []
            self.migration_failures = {}
            self.rollback_failures = 0

    def describe(self):
        with self._lock:
            return {
                "request_faults": [dict(f) for f in self.request_faults],
                "migration_failures": dict(self.migration_failures),
                "rollback_failures": self.rollback_failures,
            }


def _status_error(fault):
    status = fault["status"]
    if status == 429:
        error = too_many_requests()
    elif status == 503:
        error = service_unavailable("The service is currently unavailable. Please try again later.")
    else:
        error = transaction_aborted()
    if fault.get("error_code") is not None:
        error = NsxError(error.status, int(fault["error_code"]), error.message, error.module_name)
    return error
