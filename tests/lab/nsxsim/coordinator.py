"""The migration coordinator's state machine for MP-to-Policy promotion.

submit (CONSUMER data) -> ``plan?action=start`` -> IN_PROGRESS -> pre-check component -> PAUSED ->
``continue`` -> IN_PROGRESS -> migration component -> SUCCESS (or FAILED). Steps run on a worker thread and take
``migration_step_seconds`` each. While the coordinator service is stopped every migration endpoint answers 500.
"""

import threading
import time

from .errors import NsxError, bad_request, coordinator_busy, coordinator_down
from .promotion import MIGRATION_ORDER, SPECS

PRECHECK = "MP_TO_POLICY_PRECHECK"
MIGRATION = "MP_TO_POLICY_MIGRATION"
RUNNING = ("IN_PROGRESS", "PAUSING", "PAUSED")
MODES = ("CONSUMER", "GENERIC")


def _component(component_type):
    return {"component_type": component_type, "status": "NOT_STARTED", "percent_complete": 0.0, "details": "", "can_skip": False}


class Coordinator:
    def __init__(self, sim):
        self.sim = sim
        self.lock = sim.inventory.lock
        self.running = True
        self.up_at = 0.0  # monotonic time a (re)start completes
        self.busy = False  # lab fault: every submission answers 30722
        self.window_open = False
        self.status = "NOT_STARTED"
        self.components = [_component(PRECHECK), _component(MIGRATION)]
        self.submission = None
        self.owner = None
        self.feedback = []
        self.failed_counts = {}
        self.last_items = None
        self._generation = 0
        self._pause_requested = False

    # -- service -------------------------------------------------------------------
    def service_up(self):
        return self.running and time.monotonic() >= self.up_at

    def require_up(self):
        if not self.service_up():
            raise coordinator_down()

    def start_service(self):
        if not self.running:
            self.running = True
            self.up_at = time.monotonic() + self.sim.settings.coordinator_start_seconds

    def stop_service(self):
        self.running = False

    def service_status(self):
        state = "running" if self.service_up() else "stopped"
        return {
            "runtime_state": state,
            "monitor_runtime_state": state,
            "pids": [4242] if state == "running" else [],
            # NodeServiceStatusProperties.health: STABLE | DEGRADED.
            "health": "STABLE" if state == "running" else "DEGRADED",
        }

    # -- promotion window ----------------------------------------------------------------
    def promotion_state(self):
        # The four published states; the two cancel states only by lab control (settings.promotion_state).
        if self.sim.settings.promotion_state:
            return {"mp_policy_promotion": self.sim.settings.promotion_state}
        busy = self.busy or self.window_open or self.status in RUNNING  # busy fault: another promotion runs
        return {"mp_policy_promotion": "PROMOTION_IN_PROGRESS" if busy else "PROMOTION_NOT_IN_PROGRESS"}

    def workflow(self, action):
        self.require_up()
        if action == "INITIATE":
            self.window_open = True
        else:
            self.window_open = False

    # -- submissions -------------------------------------------------------------------
    def submit(self, body, principal):
        self.require_up()
        if self.busy or self.status in RUNNING or self.status == "FAILED":
            raise coordinator_busy()
        if self.sim.settings.require_workflow_initiate and not self.window_open:
            raise bad_request("MP to Policy promotion workflow is not initiated.", 30723, "migration-coordinator")
        self.submission = _validate_submission(body)
        setup = body.get("setup_details") or {}
        self.owner = str(setup.get("principal_identity") or principal)
        self.status = "NOT_STARTED"
        self.components = [_component(PRECHECK), _component(MIGRATION)]
        self.feedback = []
        self.last_items = None

    def plan_action(self, action):
        self.require_up()
        handler = {
            "start": self._start,
            "continue": self._continue,
            "pause": self._pause,
            "abort": self._abort,
            "reset": self._reset,
            "finish": self._finish,
            "rollback": self._plan_rollback,
        }[action]
        handler()

    def _start(self):
        if self.status in RUNNING:
            raise coordinator_busy()
        if self.submission is None or self.components[0]["status"] != "NOT_STARTED":
            raise bad_request("There is no submitted migration plan to start.", 30724, "migration-coordinator")
        self.status = "IN_PROGRESS"
        self.components[0].update(status="IN_PROGRESS", percent_complete=0.0)
        self._launch(self._run_precheck)

    def _continue(self):
        precheck, migration = self.components
        if self.status != "PAUSED" or precheck["status"] != "SUCCESS" or migration["status"] == "SUCCESS":
            raise bad_request(f"Cannot continue the migration in state {self.status}.", 30725, "migration-coordinator")
        self._pause_requested = False
        self.status = "IN_PROGRESS"
        migration["status"] = "IN_PROGRESS"
        self._launch(self._run_migration)

    def _pause(self):
        if self.status != "IN_PROGRESS":
            raise bad_request(f"Cannot pause the migration in state {self.status}.", 30726, "migration-coordinator")
        self._pause_requested = True
        self.status = "PAUSING"

    def _abort(self):
        # Nothing of an unfinished plan is kept: promotion is applied only when the migration component succeeds.
        self._generation += 1
        self.status = "NOT_STARTED"
        self.submission = None
        self.components = [_component(PRECHECK), _component(MIGRATION)]

    def _reset(self):
        self._abort()
        self.feedback = []

    def _finish(self):
        if self.status in ("IN_PROGRESS", "PAUSING"):
            raise coordinator_busy()
        self._generation += 1
        self.status = "NOT_STARTED"
        self.submission = None
        self.components = [_component(PRECHECK), _component(MIGRATION)]

    def _plan_rollback(self):
        if self.status in ("IN_PROGRESS", "PAUSING"):
            raise coordinator_busy()
        if self.status == "SUCCESS" and self.submission:
            self._rollback_now(self.submission["migration_data"][::-1])
        self._abort()

    # -- workers -------------------------------------------------------------------------
    def _launch(self, target):
        self._generation += 1
        worker = threading.Thread(target=target, args=(self._generation,), name="nsxsim-migration", daemon=True)
        worker.start()

    def _sleep(self, generation):
        time.sleep(self.sim.settings.migration_step_seconds)
        return generation == self._generation

    def _run_precheck(self, generation):
        if not self._sleep(generation):
            return
        with self.lock:
            if generation != self._generation:
                return
            problems = self.sim.promoter.precheck(self.submission)
            precheck = self.components[0]
            precheck["percent_complete"] = 100.0
            if problems:
                precheck.update(status="FAILED", details=" ".join(problems))
                self.status = self.sim.settings.status_after_precheck_failure
            else:
                precheck["status"] = "SUCCESS"
                self.status = "PAUSED"

    def _run_migration(self, generation):
        groups = self.submission["migration_data"]
        migration = self.components[1]
        done = int(len(groups) * migration["percent_complete"] / 100.0)
        for index in range(done, len(groups)):
            if not self._sleep(generation):
                return
            with self.lock:
                if generation != self._generation:
                    return
                migration["percent_complete"] = round(100.0 * (index + 1) / len(groups), 1)
                if self._pause_requested and index + 1 < len(groups):
                    migration["status"] = "PAUSED"
                    self.status = "PAUSED"
                    return
        with self.lock:
            if generation != self._generation:
                return
            self._finish_migration()

    def _finish_migration(self):
        promoter = self.sim.promoter
        migration = self.components[1]
        items, feedback = promoter.plan(self.submission, self.owner, dict(self.sim.faults.migration_failures))
        if feedback:
            self.feedback = feedback
            for entry in feedback:
                self.failed_counts[entry["type"]] = self.failed_counts.get(entry["type"], 0) + 1
            migration.update(status="FAILED", percent_complete=100.0, details=f"Promotion failed for {len(feedback)} resource(s); see feedback.")
            self.status = self.sim.settings.status_after_migration_failure
            self.sim.snapshot_firewall("migration failed")
            return
        promoter.apply(items)
        self.last_items = items
        migration.update(status="SUCCESS", percent_complete=100.0, details="")
        self.status = "SUCCESS"
        self.sim.snapshot_firewall("migration succeeded")

    # -- rollback request ------------------------------------------------------------------------
    def rollback_request(self, body):
        self.require_up()
        if self.status in ("IN_PROGRESS", "PAUSING"):
            raise coordinator_busy()
        data = body.get("migration_data")
        if not isinstance(data, list):
            raise bad_request("migration_data is required.", 30727, "migration-coordinator")
        if self.sim.faults.take_rollback_failure():
            raise NsxError(500, 30730, "Rollback of the promoted resources failed. Restore the NSX backup.", "migration-coordinator")
        return self._rollback_now(data)

    def _rollback_now(self, data):
        return self.sim.promoter.rollback(data)

    # -- reports -------------------------------------------------------------------------------------
    def status_summary(self, component_type=None):
        self.require_up()
        components = [dict(c) for c in self.components]
        if component_type and component_type not in (PRECHECK, MIGRATION):
            components = []
        return {"overall_migration_status": self.status, "component_status": components}

    def stats(self, pre_promotion):
        self.require_up()
        promoter = self.sim.promoter
        stats = []
        for type_name in MIGRATION_ORDER:
            spec = SPECS[type_name]
            promoted = promoter.promoted_count(type_name)
            failed = self.failed_counts.get(type_name, 0)
            total = promoter.count_mp(spec, pending_only=pre_promotion)
            status = "FAILED" if failed else ("SUCCESS" if promoted else "NOT_STARTED")
            stats.append(
                {
                    "resource_type": type_name,
                    "promotion_status": status,
                    "total_count": total,
                    "promoted_objects_count": promoted,
                    "failed_objects_count": failed,
                }
            )
        return {"migration_stats": stats}


def _validate_submission(body):
    data = body.get("migration_data")
    if not isinstance(data, list) or not data:
        raise bad_request("migration_data must be a non-empty list.", 30727, "migration-coordinator")
    mode = body.get("mode", "CONSUMER")
    if mode not in MODES:
        raise bad_request(f"Invalid mode {mode}; expected one of {', '.join(MODES)}.", 30727, "migration-coordinator")
    groups = []
    for group in data:
        if not isinstance(group, dict) or group.get("type") not in SPECS:
            kind = group.get("type") if isinstance(group, dict) else group
            raise bad_request(f"Invalid migration resource type {kind!r}.", 30727, "migration-coordinator")
        ids = group.get("resource_ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(e, dict) and e.get("manager_id") for e in ids):
            raise bad_request(f"resource_ids of {group['type']} must be a non-empty list of objects with manager_id.", 30727, "migration-coordinator")
        groups.append({"type": group["type"], "resource_ids": [dict(e) for e in ids]})
    return {"migration_data": groups, "mode": mode, "skip_failed_resources": bool(body.get("skip_failed_resources", False))}
