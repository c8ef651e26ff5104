"""Cluster backups: configuration, ``backup_to_remote``, status and history (times in ms since the epoch).

A backup takes ``backup_seconds``; the lab can make the next backups fail (a history entry with success false)
or hang (status stays BACKUP), or remove the remote file server so starting a backup is refused.
"""

import copy
import threading
import uuid

from . import restore
from .clock import now_ms
from .errors import NsxError, bad_request

MODULE = "backup-restore"
DEFAULT_CONFIG = {
    "backup_enabled": True,
    "backup_schedule": {"resource_type": "WeeklyBackupSchedule", "days_of_week": [0, 1, 2, 3, 4, 5, 6], "hour_of_day": 2, "minute_of_day": 0},
    "remote_file_server": {
        "server": "192.0.2.10",
        "port": 22,
        "directory_path": "/backups/nsx",
        "protocol": {
            "protocol_name": "sftp",
            "ssh_fingerprint": "SHA256:lab0000000000000000000000000000000000000000",
            "authentication_scheme": {"scheme_name": "PASSWORD", "username": "backup"},
        },
    },
    "inventory_summary_interval": 240,
    "after_inventory_update_interval": 300,
}
SECRET_KEYS = ("passphrase", "password")


def _without_secrets(value):
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if k not in SECRET_KEYS}
    return value


class Backups:
    def __init__(self, settings, capture=None):
        self.settings = settings
        # Called when a backup succeeds; what it returns is what a restore of that backup puts back (restore.py).
        self.capture = capture
        self.saved = {}  # backup_id -> captured state, the last restore.KEPT
        self.lock = threading.Lock()
        self.config = copy.deepcopy(DEFAULT_CONFIG)
        self.mode = "ok"  # ok | fail | hang
        self.error_code = "BACKUP_SERVER_UNREACHABLE"
        self.error_message = "Failed to connect to the remote file server."
        self.current = None
        self.history = []

    def set_configured(self, configured):
        with self.lock:
            self.config = copy.deepcopy(DEFAULT_CONFIG) if configured else {"backup_enabled": False}

    def set_mode(self, mode, error_code=None, error_message=None):
        if mode not in ("ok", "fail", "hang"):
            raise ValueError("backup mode must be ok, fail or hang")
        with self.lock:
            self.mode = mode
            self.error_code = error_code or self.error_code
            self.error_message = error_message or self.error_message

    def get_config(self):
        with self.lock:
            return _without_secrets(self.config)

    def put_config(self, body):
        server = body.get("remote_file_server")
        if body.get("backup_enabled") and not (isinstance(server, dict) and server.get("server") and server.get("directory_path")):
            raise bad_request("remote_file_server with server and directory_path is required when backup_enabled is true.", 29001, MODULE)
        with self.lock:
            self.config = copy.deepcopy(body)
            self.config.pop("_revision", None)
        return self.get_config()

    def start(self):
        with self.lock:
            server = self.config.get("remote_file_server")
            if not server or not server.get("server"):
                raise NsxError(400, 29002, "Backup cannot be started: no remote file server is configured.", MODULE)
            if self.current is not None:
                raise NsxError(400, 29003, "A backup operation is already in progress.", MODULE)
            self.current = {"backup_id": str(uuid.uuid4()), "start_time": now_ms(), "mode": self.mode}
            current = self.current
        if current["mode"] != "hang":
            timer = threading.Timer(self.settings.backup_seconds, self._complete, args=(current,))
            timer.daemon = True
            timer.start()

    def _complete(self, current):
        # Outside self.lock: capturing takes the inventory lock, which request handlers hold while they read backups.
        saved = self.capture() if self.capture and current["mode"] == "ok" else None
        with self.lock:
            if self.current is not current:
                return
            if saved is not None:
                self.saved[current["backup_id"]] = saved
                for old in list(self.saved)[: -restore.KEPT]:
                    del self.saved[old]
            entry = {"backup_id": current["backup_id"], "start_time": current["start_time"], "end_time": now_ms(), "success": current["mode"] == "ok"}
            if not entry["success"]:
                entry.update(error_code=self.error_code, error_message=self.error_message)
            self.history.append(entry)
            self.current = None

    def saved_state(self, backup_id):
        """What a successful backup saw (ValueError for a backup the lab did not keep)."""
        with self.lock:
            if backup_id not in self.saved:
                raise ValueError(f"no successful backup {backup_id!r} is kept (kept: {', '.join(self.saved) or 'none'})")
            return self.saved[backup_id]

    def cancel_hung(self):
        """Lab control: forget a backup that never finishes."""
        with self.lock:
            self.current = None

    def status(self):
        with self.lock:
            if self.current is None:
                return {"operation_type": "NONE"}
            return {
                "operation_type": "BACKUP",
                "backup_id": self.current["backup_id"],
                "current_step": "BACKUP_CREATING_CLUSTER_BACKUP",
                "start_time": self.current["start_time"],
                "end_time": 0,
            }

    def history_body(self):
        with self.lock:
            cluster = [dict(e) for e in self.history]
        node = [dict(e) for e in cluster]
        inventory = [dict(e) for e in cluster]
        # A string in the published API (BackupOperationHistory); its values are UNCONFIRMED.
        overall = ""
        if cluster:
            overall = "SUCCESS" if cluster[-1]["success"] else "FAILED"
        return {"cluster_backup_statuses": cluster, "node_backup_statuses": node, "inventory_backup_statuses": inventory, "overall_backup_status": overall}
