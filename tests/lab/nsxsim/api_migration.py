"""Migration-coordinator endpoints of the MP-to-Policy promotion (all answer 500 while the service is stopped)."""

from .errors import bad_request
from .paging import paginate
from .routing import Response, require_action

BASE = "/api/v1/migration"
PLAN_ACTIONS = ("start", "continue", "abort", "pause", "finish", "reset", "rollback")


class MigrationApi:
    def __init__(self, sim):
        self.sim = sim

    def routes(self):
        return [
            ("GET", BASE + "/mp-policy-promotion/state", self.promotion_state),
            ("POST", BASE + "/mp-to-policy/workflow", self.workflow),
            ("POST", BASE + "/mp-to-policy", self.submit),
            ("POST", BASE + "/plan", self.plan),
            ("GET", BASE + "/status-summary", self.status_summary),
            ("POST", BASE + "/mp-to-policy/rollback", self.rollback),
            ("GET", BASE + "/mp-to-policy/feedback", self.feedback),
            ("GET", BASE + "/mp-to-policy/stats", self.stats),
            ("GET", BASE + "/migrated-resources", self.migrated_resources),
        ]

    def promotion_state(self, request):
        return self.sim.coordinator.promotion_state()

    def workflow(self, request):
        action = require_action(request, ("INITIATE", "DONE"))
        self.sim.coordinator.workflow(action)

    def submit(self, request):
        self.sim.coordinator.require_up()
        self.sim.coordinator.submit(request.json(), request.principal)

    def plan(self, request):
        self.sim.coordinator.require_up()
        self.sim.coordinator.plan_action(require_action(request, PLAN_ACTIONS))

    def status_summary(self, request):
        return self.sim.coordinator.status_summary(request.query.get("component_type"))

    def rollback(self, request):
        self.sim.coordinator.require_up()
        self.sim.coordinator.rollback_request(request.json())
        # Rollback is synchronous in NSX: the answer comes when it is done.
        return Response(None, delay=self.sim.settings.rollback_seconds)

    def feedback(self, request):
        self.sim.coordinator.require_up()
        return paginate(self.sim.coordinator.feedback, request.query, request.path)

    def migrated_resources(self, request):
        # Official API reference: GET /api/v1/migration/migrated-resources?resource_type=<T> (required) ->
        # MigratedObjectListResult {results: [{resource_type, resource_id, policy_id, policy_path}]}.
        self.sim.coordinator.require_up()
        resource_type = request.query.get("resource_type")
        if not resource_type:
            raise bad_request("Required parameter resource_type is missing.", module_name="migration-coordinator")
        return paginate(self.sim.promoter.migrated_resources(resource_type), request.query, request.path + "?" + resource_type)

    def stats(self, request):
        pre = str(request.query.get("pre_promotion", "false")).lower() == "true"
        return self.sim.coordinator.stats(pre)
