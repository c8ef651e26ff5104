"""Lab control endpoints under ``/_lab`` (outside NSX's namespace; no authentication, not counted, never faulted).

GET  /_lab/health                     {"ok": true}
GET  /_lab/settings | PATCH           read / change settings (see settings.py)
GET  /_lab/faults | POST | DELETE     list / add (one spec or a list) / clear faults (see faults.py, Simulator.apply_fault)
GET  /_lab/counters | DELETE          API request counts {"total", "by_path": {"GET /api/v1/...": n}} / reset
POST /_lab/sessions/expire            invalidate every session (clients must log in again)
POST /_lab/credentials                {"password": ..., "username"?: ...}: credential rotation
POST /_lab/coordinator                {"running"?: bool, "busy"?: bool}
POST /_lab/backups                    {"configured"?: bool, "mode"?: ok|fail|hang, "error_code"?, "error_message"?, "cancel"?: bool,
                                       "restore"?: BACKUP_ID}  (restore: NSX as that successful backup saw it, restore.py)
GET  /_lab/state                      object counts, coordinator, backups, Policy object count, generator summary
GET  /_lab/objects/{kind}             every stored object of a kind (e.g. LogicalRouter, FirewallSection, FirewallRule)
GET  /_lab/object/{id}                {"kind", "object"} for any MP object id
GET  /_lab/policy                     {"paths": [...]} of the Policy tree
GET  /_lab/firewall                   {"order": [...]}: every DFW rule in effective order (firewall_order.effective_order)
GET  /_lab/firewall/snapshots         {"snapshots": [{"event", "time", "types", "order"}]}: the effective order at the end
                                      of each migration (success or failure), oldest first
POST /_lab/inventory                  add objects, same shape as a scenario file's ``inventory:``
"""

import functools

from . import firewall_order
from .errors import bad_request, not_found
from .kinds import KINDS


def _lab_errors(handler):
    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except (ValueError, KeyError, TypeError) as exc:
            raise bad_request(f"Invalid lab request: {exc}") from None

    return wrapper


class LabApi:
    def __init__(self, sim):
        self.sim = sim

    def routes(self):
        return [
            ("GET", "/_lab/health", lambda request: {"ok": True}),
            ("GET", "/_lab/settings", self.get_settings),
            ("PATCH", "/_lab/settings", self.patch_settings),
            ("GET", "/_lab/faults", self.get_faults),
            ("POST", "/_lab/faults", self.add_faults),
            ("DELETE", "/_lab/faults", self.clear_faults),
            ("GET", "/_lab/counters", self.get_counters),
            ("DELETE", "/_lab/counters", self.reset_counters),
            ("POST", "/_lab/sessions/expire", self.expire_sessions),
            ("POST", "/_lab/credentials", self.credentials),
            ("POST", "/_lab/coordinator", self.coordinator),
            ("POST", "/_lab/backups", self.backups),
            ("GET", "/_lab/state", self.state),
            ("GET", "/_lab/objects/{kind}", self.objects),
            ("GET", "/_lab/object/{object_id}", self.object),
            ("GET", "/_lab/policy", self.policy),
            ("GET", "/_lab/firewall", self.firewall),
            ("GET", "/_lab/firewall/snapshots", self.firewall_snapshots),
            ("POST", "/_lab/inventory", self.inventory),
        ]

    def get_settings(self, request):
        return self.sim.settings.public()

    @_lab_errors
    def patch_settings(self, request):
        self.sim.settings.update(request.json())
        return self.sim.settings.public()

    def get_faults(self, request):
        return self.sim.faults.describe()

    @_lab_errors
    def add_faults(self, request):
        body = request.json()
        specs = body["faults"] if "faults" in body else [body]
        for spec in specs:
            self.sim.apply_fault(spec)
        answer = self.sim.faults.describe()
        if self.sim.tls_ca_file:  # after a tls_certificate fault: the CA to trust from now on
            answer["tls_ca_file"] = self.sim.tls_ca_file
        return answer

    def clear_faults(self, request):
        self.sim.faults.clear()
        return self.sim.faults.describe()

    def get_counters(self, request):
        return self.sim.counter_report()

    def reset_counters(self, request):
        self.sim.reset_counters()
        return self.sim.counter_report()

    def expire_sessions(self, request):
        return {"expired": self.sim.auth.expire_sessions()}

    @_lab_errors
    def credentials(self, request):
        self.sim.apply_fault(dict(request.json(), type="password"))
        return {"username": self.sim.settings.username}

    @_lab_errors
    def coordinator(self, request):
        body = request.json()
        coordinator = self.sim.coordinator
        if "running" in body:
            self.sim.apply_fault({"type": "coordinator", "state": "running" if body["running"] else "stopped"})
        if "busy" in body:
            self.sim.apply_fault({"type": "coordinator", "state": "busy" if body["busy"] else "idle"})
        return dict(coordinator.service_status(), busy=coordinator.busy, overall_migration_status=coordinator.status)

    @_lab_errors
    def backups(self, request):
        body = request.json()
        if body.pop("cancel", False):
            self.sim.backups.cancel_hung()
        restored = body.pop("restore", None)
        if restored is not None:
            self.sim.restore_backup(restored)
        if body:
            self.sim.apply_fault(dict(body, type="backup"))
        return {"mode": self.sim.backups.mode, "config": self.sim.backups.get_config(), "status": self.sim.backups.status()}

    def state(self, request):
        sim = self.sim
        return {
            "counts": sim.inventory.counts(),
            "policy_objects": len(sim.policy.objects),
            "promotions": len(sim.promoter.records),
            "coordinator": dict(sim.coordinator.service_status(), busy=sim.coordinator.busy, overall_migration_status=sim.coordinator.status),
            "promotion_state": sim.coordinator.promotion_state()["mp_policy_promotion"],
            "backups": {"mode": sim.backups.mode, "status": sim.backups.status()["operation_type"], "history": len(sim.backups.history)},
            "generated": sim.inventory.generated,
        }

    def objects(self, request, kind):
        inv = self.sim.inventory
        if kind == "FirewallSection":
            return {"results": inv.sections}
        if kind == "FirewallRule":
            return {"results": list(inv.rule_by_id.values())}
        if kind not in KINDS:
            raise not_found(kind)
        return {"results": list(inv.objects[kind].values())}

    def object(self, request, object_id):
        kind, obj = self.sim.inventory.find(object_id)
        if obj is None:
            raise not_found(object_id)
        return {"kind": kind, "object": obj}

    def policy(self, request):
        return {"paths": sorted(self.sim.policy.objects)}

    def firewall(self, request):
        with self.sim.inventory.lock:
            return {"order": firewall_order.effective_order(self.sim)}

    def firewall_snapshots(self, request):
        return {"snapshots": list(self.sim.firewall_snapshots)}

    @_lab_errors
    def inventory(self, request):
        self.sim.load_inventory(request.json())
        return {"counts": self.sim.inventory.counts()}
