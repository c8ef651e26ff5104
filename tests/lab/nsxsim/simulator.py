"""The simulator's state and behaviour, independent of HTTP: every component plus the routing tables."""

import collections
import tempfile
import threading
import time

from . import firewall_order, restore
from .api_backups import BackupApi
from .api_firewall import FirewallApi
from .api_lab import LabApi
from .api_migration import MigrationApi
from .api_mp import MpApi
from .api_node import NodeApi
from .api_policy import PolicyApi
from .api_security import SecurityPolicyApi
from .auth import Authenticator
from .backups import Backups
from .coordinator import Coordinator
from .faults import REQUEST_FAULTS, Faults
from .inventory import Inventory
from .limits import Limits
from .policy_tree import PolicyTree
from .promotion import SPECS, Promoter
from .routing import Router
from .scenario import apply as apply_scenario
from .scenario import apply_file, load_inventory
from .settings import Settings
from .tlscerts import rotate_server_certificate

# Requests that need no credentials.
PUBLIC_PATHS = ("/api/session/create",)


class Simulator:
    def __init__(self, settings=None, tls=False):
        self.settings = settings or Settings()
        self.tls = tls
        # Set by the HTTPS server: its TLS context and cert directory (for the tls_certificate fault).
        self.tls_context = None
        self.tls_certdir = None
        self.tls_ca_file = None
        self.inventory = Inventory()
        self.policy = PolicyTree()
        self.promoter = Promoter(self.inventory, self.policy, self.settings)
        # The effective firewall order at the end of each migration (lab oracle of invariant 10), newest last.
        self.firewall_snapshots = collections.deque(maxlen=100)
        self.faults = Faults()
        self.auth = Authenticator(self.settings)
        self.limits = Limits(self.settings)
        self.coordinator = Coordinator(self)
        self.backups = Backups(self.settings, capture=lambda: restore.capture(self))
        self._counts = collections.Counter()
        self._counts_lock = threading.Lock()
        self.router = Router()
        for api in (NodeApi, MigrationApi, BackupApi, FirewallApi, MpApi, SecurityPolicyApi, PolicyApi):
            for method, pattern, handler in api(self).routes():
                self.router.add(method, pattern, handler)
        self.lab_router = Router()
        for method, pattern, handler in LabApi(self).routes():
            self.lab_router.add(method, pattern, handler)

    # -- set-up ------------------------------------------------------------------------
    def load_scenario(self, data):
        with self.inventory.lock:
            apply_scenario(self, data)

    def load_scenario_file(self, path):
        with self.inventory.lock:
            apply_file(self, path)

    def load_inventory(self, data):
        with self.inventory.lock:
            load_inventory(self.inventory, data)

    # -- request accounting ----------------------------------------------------------------
    def count(self, method, path):
        with self._counts_lock:
            self._counts[f"{method} {path}"] += 1

    def counter_report(self):
        with self._counts_lock:
            return {"total": sum(self._counts.values()), "by_path": dict(self._counts)}

    def reset_counters(self):
        with self._counts_lock:
            self._counts.clear()

    def snapshot_firewall(self, event):
        """Record the effective firewall order now (lab only: what invariant 10's test checks after each import)."""
        with self.inventory.lock:
            submitted = [group.get("type") for group in (self.coordinator.submission or {}).get("migration_data", [])]
            self.firewall_snapshots.append({"event": event, "time": time.time(), "types": submitted, "order": firewall_order.effective_order(self)})

    # -- faults -------------------------------------------------------------------------------------
    def apply_fault(self, spec):
        """Apply one fault spec (scenario ``faults:`` entry or ``POST /_lab/faults`` body). Raises ValueError."""
        if not isinstance(spec, dict) or "type" not in spec:
            raise ValueError("a fault is a mapping with a 'type'")
        kind = spec["type"]
        if kind in REQUEST_FAULTS:
            self.faults.add_request_fault(spec)
        elif kind == "migration_failure":
            if spec["resource_type"] not in SPECS:
                raise ValueError(f"unknown migration resource type {spec['resource_type']!r}")
            self.faults.migration_failures[spec["resource_type"]] = spec.get("message", "")
        elif kind == "rollback_failure":
            self.faults.rollback_failures = int(spec.get("count", 1))
        elif kind == "backup":
            if "configured" in spec:
                self.backups.set_configured(bool(spec["configured"]))
            if "mode" in spec:
                self.backups.set_mode(spec["mode"], spec.get("error_code"), spec.get("error_message"))
        elif kind == "coordinator":
            self._coordinator_fault(spec["state"])
        elif kind == "password":
            self.settings.password = str(spec["password"])
            if spec.get("username"):
                self.settings.username = str(spec["username"])
        elif kind == "expire_sessions":
            self.auth.expire_sessions()
        elif kind == "tls_certificate":
            if self.tls_context is None:
                raise ValueError("the tls_certificate fault needs an HTTPS simulator")
            self.tls_ca_file = rotate_server_certificate(self.tls_context, self.tls_certdir or tempfile.mkdtemp(prefix="nsxsim-certs-"))
        else:
            raise ValueError(f"unknown fault type {kind!r}")

    def restore_backup(self, backup_id):
        """Lab restore: NSX as the successful backup ``backup_id`` saw it (restore.py). Raises ValueError."""
        restore.put_back(self, self.backups.saved_state(backup_id))

    def _coordinator_fault(self, state):
        with self.inventory.lock:
            if state == "stopped":
                self.coordinator.stop_service()
            elif state == "running":
                self.coordinator.start_service()
            elif state in ("busy", "idle"):
                self.coordinator.busy = state == "busy"
            else:
                raise ValueError("coordinator state is stopped, running, busy or idle")
