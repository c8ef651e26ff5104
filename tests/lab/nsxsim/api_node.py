"""Node / cluster endpoints: version, API VIP, migration-coordinator service, session login."""

from .errors import bad_request
from .routing import Response, require_action

COORDINATOR = "/api/v1/node/services/migration-coordinator"


class NodeApi:
    def __init__(self, sim):
        self.sim = sim

    def routes(self):
        return [
            ("GET", "/api/v1/node/version", self.version),
            ("GET", "/api/v1/cluster/api-virtual-ip", self.api_vip),
            ("GET", COORDINATOR, self.coordinator),
            ("POST", COORDINATOR, self.coordinator_action),
            ("GET", COORDINATOR + "/status", self.coordinator_status),
            ("POST", "/api/session/create", self.session_create),
            ("POST", "/api/session/destroy", self.session_destroy),
        ]

    def version(self, request):
        version = self.sim.settings.product_version
        return {"node_version": version, "product_version": version}

    def api_vip(self, request):
        return {"ip_address": self.sim.settings.api_virtual_ip, "ip6_address": "::"}

    def coordinator(self, request):
        return {"service_name": "migration-coordinator", "service_properties": {}}

    def coordinator_status(self, request):
        return self.sim.coordinator.service_status()

    def coordinator_action(self, request):
        action = require_action(request, ("start", "stop", "restart"))
        coordinator = self.sim.coordinator
        if action in ("stop", "restart"):
            coordinator.stop_service()
        if action in ("start", "restart"):
            coordinator.start_service()
        return coordinator.service_status()

    def session_create(self, request):
        if request.query:
            raise bad_request("Unexpected query parameters.")
        headers = self.sim.auth.create_session(request.body, self.sim.tls)
        return Response(None, headers=headers)

    def session_destroy(self, request):
        self.sim.auth.destroy_session(request)
        return Response(None)
