"""pytest fixture for the importer stand-in (a pytest plugin: see ``pytest_plugins`` in the root conftest.py).

``importer_lab`` (function scope) is what an import runs against, as on a master right before it: an NSX
simulator with a small generated inventory (SPEC; clusters ``k8s-01`` and ``k8s-02``) and the lab cluster
``k8s-01``, whose Kubernetes has the namespaces of its MP objects, with NCP scaled to 0. Both are stopped
afterwards. The object (``ImporterLab``) has:

- ``.nsx`` (the ``NsxSim``), ``.cluster`` (the ``LabCluster``), ``.name`` (``k8s-01``);
- ``.nsx_connection``: ``nsx_manager``, ``nsx_username``, ``nsx_password``, keys of config.yaml and options of
  the NSX modules alike;
- ``.kube_config``: the config.yaml keys that reach the cluster;
- ``.config``: a whole config.yaml (``.nsx_connection``, the cluster, ``.kube_config``);
- ``.user_spec``: user-spec.yaml naming the generator's shared resources.
"""

import pytest

from ..nsxsim.testing import start
from .harness import cluster_namespaces, shared_spec

CLUSTER = "k8s-01"
SPEC = "clusters=2,sections=6,rules=24,virtual_servers=2,tier1s=1,switches=1,ports_per_switch=2,ns_groups=2"


class ImporterLab:
    def __init__(self, nsx, cluster, kubectl_cache_dir):
        self.nsx = nsx
        self.cluster = cluster
        self.name = cluster.name
        self.kube_config = {
            "kubeconfig": cluster.kubeconfig,
            "kubectl": cluster.kubectl_path,
            "kubectl_cache_dir": str(kubectl_cache_dir),
            "poll_interval": 0.02,
        }
        self.user_spec = shared_spec(nsx.admin.object, nsx.generated["shared"])

    @property
    def nsx_connection(self):
        """The simulator's address and credentials, under the names config.yaml and the NSX modules both use."""
        return {"nsx_manager": self.nsx.url, "nsx_username": self.nsx.username, "nsx_password": self.nsx.password}

    @property
    def config(self):
        return dict(self.nsx_connection, cluster=self.name, **self.kube_config)


@pytest.fixture
def importer_lab(kube_cluster_factory, tmp_path):
    nsx = start(generate=SPEC)
    try:
        cluster = kube_cluster_factory(name=CLUSTER, namespaces=cluster_namespaces(nsx.admin.objects, CLUSTER))
        cluster.kubectl("scale", "deployment", "nsx-ncp", "--replicas=0", "-n", "nsx-system")
        yield ImporterLab(nsx, cluster, tmp_path / "kcache")
    finally:
        nsx.stop()
