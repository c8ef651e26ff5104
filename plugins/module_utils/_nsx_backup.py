# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Take an NSX backup and prove it succeeded (docs/architecture.md section 4, nsx_backup).

Strategy 1 may only import after a backup that started after NCP was stopped has succeeded
(invariant 2), so "the last backup succeeded" is not enough: the backup must be one that did not
exist before our request. A backup counts as ours when its ``backup_id`` was not in the history
before we asked and it started no earlier than ``CLOCK_SKEW_MS`` before our request (NSX's clock
and ours may differ a little; times are compared in NSX's milliseconds since the epoch).

A backup already running when asked is waited for (within the same timeout), then ours starts:
its content may predate the stop of NCP, so it cannot stand in for ours.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

CONFIG_PATH = "/api/v1/cluster/backups/config"
START_PATH = "/api/v1/cluster"
STATUS_PATH = "/api/v1/cluster/backups/status"
HISTORY_PATH = "/api/v1/cluster/backups/history"
# Allowance for the difference between this host's clock and NSX's.
CLOCK_SKEW_MS = 120 * 1000


class BackupError(Exception):
    """A backup that cannot be started, failed, or did not finish in time; ``details`` for fail_json."""

    def __init__(self, message, **details):
        super(BackupError, self).__init__(message)
        self.message = message
        self.details = details


def iso_from_ms(value):
    """ISO 8601 UTC with milliseconds of an NSX time (ms since the epoch); None when unset."""
    if not value:
        return None
    seconds, millis = divmod(int(value), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".%03dZ" % millis


def check_backup_config(client):
    """The backup configuration; BackupError naming what is missing when no remote target is set.

    ``backup_enabled`` only switches NSX's own schedule: a backup on request needs the remote
    file server (``remote_file_server.server``), not the schedule.
    """
    try:
        config = client.get(CONFIG_PATH)
    except NsxApiError as exc:
        if exc.status == 404:
            raise BackupError(
                "NSX has no backup configuration (GET %s answered 404): configure a remote file server (System > Backup & Restore) first" % CONFIG_PATH,
                **exc.to_dict(),
            )
        raise
    server = config.get("remote_file_server")
    if not isinstance(server, dict) or not server.get("server"):
        missing = "remote_file_server.server" if server else "remote_file_server"
        raise BackupError(
            "NSX backup is not configured: %s is missing in %s (backup_enabled: %s); configure the remote file server "
            "(System > Backup & Restore) before the migration" % (missing, CONFIG_PATH, config.get("backup_enabled")),
            path=CONFIG_PATH,
            missing=missing,
            backup_enabled=config.get("backup_enabled"),
        )
    return config


def backup_status(client):
    return client.get(STATUS_PATH)


def cluster_backups(client):
    return client.get(HISTORY_PATH).get("cluster_backup_statuses") or []


def _is_running(status):
    return (status.get("operation_type") or "NONE") == "BACKUP"


def summarize(entry):
    """The module's view of a history entry."""
    return {
        "backup_id": entry.get("backup_id"),
        "success": entry.get("success"),
        "start_time": iso_from_ms(entry.get("start_time")),
        "end_time": iso_from_ms(entry.get("end_time")),
        "start_time_ms": entry.get("start_time"),
        "end_time_ms": entry.get("end_time"),
    }


class BackupRun:
    """One backup request, polled with ``poll_interval`` and bounded by ``timeout`` seconds."""

    def __init__(self, client, timeout=3600, poll_interval=10, clock=time.time, sleep=time.sleep, clock_skew_ms=CLOCK_SKEW_MS):
        self.client = client
        self.timeout = float(timeout)
        self.poll_interval = max(0.1, float(poll_interval))
        self.clock = clock
        self.sleep = sleep
        self.clock_skew_ms = clock_skew_ms
        self.deadline = None
        self.waited_for = None  # backup_id of a backup already running when asked
        self.requested_ms = None
        self.known_ids = set()

    def _pause(self, what):
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            raise BackupError(
                "timed out after %ds %s" % (self.timeout, what),
                timeout=self.timeout,
                waited_for=self.waited_for,
                requested_at=iso_from_ms(self.requested_ms),
            )
        self.sleep(min(self.poll_interval, remaining))

    def wait_until_idle(self):
        """Wait for a backup already running (not ours) to end; return its id or None."""
        while True:
            status = backup_status(self.client)
            if not _is_running(status):
                return self.waited_for
            self.waited_for = self.waited_for or status.get("backup_id")
            self._pause("waiting for the backup %s that was already running to finish" % self.waited_for)

    def start(self):
        """Ask NSX for a backup; the history before the request tells ours apart."""
        self.known_ids = set(entry.get("backup_id") for entry in cluster_backups(self.client))
        self.requested_ms = int(self.clock() * 1000)
        try:
            self.client.post(START_PATH, params={"action": "backup_to_remote"})
        except NsxApiError as exc:
            raise BackupError("NSX refused to start the backup: %s" % exc.message, **exc.to_dict())

    def is_ours(self, entry):
        return entry.get("backup_id") not in self.known_ids and int(entry.get("start_time") or 0) >= self.requested_ms - self.clock_skew_ms

    def find_ours(self):
        for entry in reversed(cluster_backups(self.client)):
            if self.is_ours(entry):
                return entry
        return None

    def running_id(self):
        """The id of our backup while NSX reports it running, else None."""
        status = backup_status(self.client)
        if _is_running(status) and status.get("backup_id") not in self.known_ids:
            return status.get("backup_id")
        return None

    def wait_for_ours(self):
        """Poll until our backup appears in the history; return its entry."""
        while True:
            entry = self.find_ours()
            if entry is not None:
                return entry
            try:
                self._pause("waiting for the backup requested at %s to finish" % iso_from_ms(self.requested_ms))
            except BackupError as exc:
                exc.details["backup_id"] = self.running_id()  # still running: name it for the operator
                raise

    def run(self, wait=True, check_mode=False):
        """Verify the configuration, then (unless check mode) back up; return the module result."""
        self.deadline = self.clock() + self.timeout
        check_backup_config(self.client)
        if check_mode:
            status = backup_status(self.client)
            return dict(changed=True, backup_id=None, success=None, start_time=None, end_time=None, running=_is_running(status))
        self.wait_until_idle()
        self.start()
        if not wait:
            result = dict(changed=True, backup_id=self.running_id(), success=None, start_time=iso_from_ms(self.requested_ms), end_time=None)
            result["waited_for"] = self.waited_for
            return result
        entry = self.wait_for_ours()
        result = summarize(entry)
        result.update(changed=True, waited_for=self.waited_for)
        if not entry.get("success"):
            raise BackupError(
                "NSX backup %s failed: error_code %s: %s" % (entry.get("backup_id"), entry.get("error_code"), entry.get("error_message")),
                error_code=entry.get("error_code"),
                error_message=entry.get("error_message"),
                **result,
            )
        return result
