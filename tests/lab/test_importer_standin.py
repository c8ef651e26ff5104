"""The importer stand-in against the NSX simulator and a lab cluster: the vendor's exit-code contract."""

import subprocess
import sys
import time

import pytest

from tests.lab.importer.harness import SOURCE, ImporterDir
from tests.lab.importer.testing import CLUSTER


@pytest.fixture
def nsx(importer_lab):
    return importer_lab.nsx


@pytest.fixture
def importer(importer_lab, tmp_path):
    return ImporterDir(tmp_path / "importer", importer_lab.config, importer_lab.user_spec)


def _policy_tagged(nsx, kind):
    return [
        o for o in nsx.admin.objects(kind) if any(t["scope"] == "policyPath" for t in o.get("tags", [])) and any(t["tag"] == CLUSTER for t in o.get("tags", []))
    ]


def test_clean_import_then_rerun_handles_duplicates(nsx, importer):
    done = importer.run()
    assert done.returncode == 0, done.stdout + done.stderr
    assert nsx.password not in done.stdout + done.stderr
    assert _policy_tagged(nsx, "FirewallSection") and _policy_tagged(nsx, "LogicalSwitch")
    paths = nsx.admin.policy_paths()
    assert any("/infra/domains/default/security-policies/" in p for p in paths)
    assert any(p.startswith("/infra/tier-0s/") for p in paths)
    cluster_records = importer.records("cluster")
    assert [b["type"] for b in cluster_records["batches"]][-1] == "DFW_SECTION"
    assert cluster_records["policy_paths"]
    again = importer.run()
    assert again.returncode == 0, again.stdout
    assert "already migrated" in again.stdout


def _import_shared(importer):
    done = importer.run("--shared-only")
    assert done.returncode == 0, done.stdout


def test_failing_resource_type_rolls_everything_back(nsx, importer):
    _import_shared(importer)
    before = set(nsx.admin.policy_paths())
    nsx.admin.add_fault(type="migration_failure", resource_type="LB_POOL", message="lab: LB pool cannot be promoted")
    done = importer.run("--cluster-only")
    assert done.returncode == 2, done.stdout
    assert "LB_POOL: migration failed" in done.stdout and "rolled back" in done.stdout
    assert set(nsx.admin.policy_paths()) == before
    assert not _policy_tagged(nsx, "LogicalSwitch")
    assert importer.records("cluster")["batches"] == []


def test_failing_rollback_exits_1(nsx, importer):
    _import_shared(importer)
    nsx.admin.add_fault(type="migration_failure", resource_type="LB_POOL")
    nsx.admin.add_fault(type="rollback_failure", count=1)
    done = importer.run("--cluster-only")
    assert done.returncode == 1, done.stdout
    assert "LB_POOL: migration failed" in done.stdout and "rollback failed" in done.stdout
    assert importer.records("cluster")["batches"]


def test_failure_after_dfw_import_exits_1_without_rollback(nsx, importer):
    # Phase 3 reads the Policy paths back from migrated-resources; make that read fail after the DFW sections went in.
    _import_shared(importer)
    nsx.admin.add_fault(type="status", status=500, error_code=99, path="/api/v1/migration/migrated-resources", method="GET", count=50)
    done = importer.run("--cluster-only")
    assert done.returncode == 1, done.stdout
    assert "restore the NSX backup" in done.stdout
    assert _policy_tagged(nsx, "FirewallSection")


def test_refuses_when_kubernetes_lacks_a_namespace(nsx, importer, kube_cluster_factory):
    _import_shared(importer)
    before = nsx.admin.state()["policy_objects"]
    bare = kube_cluster_factory(name=CLUSTER)
    importer.write_config(kubeconfig=bare.kubeconfig)
    done = importer.run("--cluster-only")
    assert done.returncode == 2 and "nothing was changed" in done.stdout
    assert nsx.admin.state()["policy_objects"] == before
    assert importer.records("cluster") is None


def test_rollback_on_request(nsx, importer):
    assert importer.run("--shared-only").returncode == 0
    assert importer.records("shared")["batches"]
    importer.write_config(rollback_imported_resources=True)
    done = importer.run("--shared-only")
    assert done.returncode == 0, done.stdout
    assert importer.records("shared")["batches"] == []
    assert not [p for p in nsx.admin.policy_paths() if p.startswith("/infra/tier-0s/")]


def test_credentials_file_and_bad_config(nsx, importer, tmp_path):
    creds = tmp_path / "creds.yaml"
    creds.write_text(f"nsx_username: {nsx.username}\nnsx_password: '{nsx.password}'\n")
    importer.write_config(nsx_password=None, credentials_file=str(creds))
    assert importer.run("--shared-only").returncode == 0
    importer.write_config(cluster=None)
    done = importer.run()
    assert done.returncode == 2 and "cluster" in done.stdout and "Traceback" not in done.stderr


def test_the_fixed_duration_counts_from_the_process_start():
    # simulated_seconds is the whole run, the interpreter's start and imports included (the benchmarks' fixed
    # import time): process_age tells how long the process has existed, not since the script's own clock started.
    code = "import runpy, time; time.sleep(0.3); print(runpy.run_path(%r)['process_age']())" % SOURCE
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall = time.monotonic() - began
    age = float(done.stdout)
    tick = 0.011  # /proc's start time is in clock ticks
    assert 0.3 - tick <= age <= wall + tick
