"""Backup endpoints: config, ``POST /api/v1/cluster?action=backup_to_remote``, status, history."""

from .routing import require_action


class BackupApi:
    def __init__(self, sim):
        self.sim = sim

    def routes(self):
        return [
            ("GET", "/api/v1/cluster/backups/config", self.get_config),
            ("PUT", "/api/v1/cluster/backups/config", self.put_config),
            ("POST", "/api/v1/cluster", self.cluster_action),
            ("GET", "/api/v1/cluster/backups/status", self.status),
            ("GET", "/api/v1/cluster/backups/history", self.history),
        ]

    def get_config(self, request):
        return self.sim.backups.get_config()

    def put_config(self, request):
        return self.sim.backups.put_config(request.json())

    def cluster_action(self, request):
        require_action(request, ("backup_to_remote",))
        self.sim.backups.start()

    def status(self, request):
        return self.sim.backups.status()

    def history(self, request):
        return self.sim.backups.history_body()
