"""nsx_mp_import against the lab: the importer stand-in (vendor contract) driving the NSX simulator.

rc 0 -> imported / policy (with Policy IDs read back for the shared scope), a re-run -> already_imported,
a planted migration failure -> rc 2 / mp, a failing rollback -> rc 1 / stopped, rollback on request.
"""

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.modules import nsx_mp_import
from tests.lab.importer.harness import install_importer
from tests.lab.importer.testing import CLUSTER


@pytest.fixture
def nsx(importer_lab):
    return importer_lab.nsx


@pytest.fixture
def lab(importer_lab, tmp_path):
    return dict(
        importer_lab.nsx_connection,
        cluster=importer_lab.name,
        importer_path=install_importer(tmp_path / "importer"),
        state_dir=str(tmp_path / "state"),
        nsx_auth="basic",
        host_id="master-1",
        timeout=120,
        user_spec=importer_lab.user_spec,
        config=dict(importer_lab.kube_config),
    )


def run_module(capsys, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            nsx_mp_import.main()
    return json.loads(capsys.readouterr().out)


def test_shared_then_cluster_import_and_rerun(capsys, nsx, lab):
    shared = run_module(capsys, scope="shared", **lab)
    assert (shared["rc"], shared["outcome"], shared["ncp_mode"]) == (0, "imported", "policy"), shared["log_tail"]
    tier0 = nsx.generated["shared"]["tier0"]
    assert tier0 in shared["policy_ids"]
    assert "/infra/tier-0s/%s" % shared["policy_ids"][tier0] in nsx.admin.policy_paths()
    cluster = run_module(capsys, scope="cluster", **lab)
    assert (cluster["rc"], cluster["outcome"], cluster["ncp_mode"]) == (0, "imported", "policy"), cluster["log_tail"]
    again = run_module(capsys, scope="cluster", **lab)
    assert (again["outcome"], again["changed"]) == ("already_imported", False)
    journal = jr.read_journal(lab["state_dir"], CLUSTER)
    assert [a["outcome"] for a in journal["attempts"]] == ["imported", "imported"]
    assert jr.current_state(journal) == "cluster_imported"
    for result in (shared, cluster, again):
        assert nsx.password not in json.dumps(result)
    for name in os.listdir(os.path.join(lab["state_dir"], CLUSTER, "logs")):
        with open(os.path.join(lab["state_dir"], CLUSTER, "logs", name)) as handle:
            assert nsx.password not in handle.read()


def test_planted_migration_failure_means_restart_ncp_in_mp_mode(capsys, nsx, lab):
    assert run_module(capsys, scope="shared", **lab)["outcome"] == "imported"
    nsx.admin.add_fault(type="migration_failure", resource_type="LB_POOL", message="lab: LB pool cannot be promoted")
    result = run_module(capsys, scope="cluster", **lab)
    assert (result["failed"], result["rc"], result["outcome"], result["ncp_mode"]) == (True, 2, "failed_restart_ncp_mp", "mp")
    assert not jr.is_imported(jr.read_journal(lab["state_dir"], CLUSTER), "cluster")


def test_failing_rollback_keeps_ncp_stopped(capsys, nsx, lab):
    assert run_module(capsys, scope="shared", **lab)["outcome"] == "imported"
    nsx.admin.add_fault(type="migration_failure", resource_type="LB_POOL")
    nsx.admin.add_fault(type="rollback_failure", count=1)
    result = run_module(capsys, scope="cluster", **lab)
    assert (result["failed"], result["rc"], result["outcome"], result["ncp_mode"]) == (True, 1, "failed_keep_ncp_stopped", "stopped")


def test_rollback_on_request(capsys, nsx, lab):
    assert run_module(capsys, scope="shared", **lab)["outcome"] == "imported"
    result = run_module(capsys, scope="shared", rollback=True, **lab)
    assert (result["rc"], result["rolled_back"], result["ncp_mode"]) == (0, True, "mp"), result["log_tail"]
    assert not [p for p in nsx.admin.policy_paths() if p.startswith("/infra/tier-0s/")]
    assert not jr.is_imported(jr.read_journal(lab["state_dir"], CLUSTER), "shared")


def test_verify_proves_the_cluster_import_in_the_same_run_and_journals_it(capsys, nsx, lab):
    """verify=true: after the cluster import ends 0, the migration API's mapping is compared with the cluster's MP objects
    in the same module run and the verdict journaled (nsx_import_verify checks the same, read-only); a re-run that finds the
    cluster imported checks nothing."""
    both = run_module(capsys, scope="shared_then_cluster", verify=True, **lab)
    assert both["outcome"] == "imported" and [s["scope"] for s in both["scopes"]] == ["shared", "cluster"], both.get("log_tail")
    check = both["import_check"]
    assert "error" not in check and check["left_behind"] == [] and check["message"] == "", check
    assert jr.read_journal(lab["state_dir"], CLUSTER)["import_check"]["left_behind"] == []
    again = run_module(capsys, scope="cluster", verify=True, **lab)
    assert again["outcome"] == "already_imported" and "import_check" not in again
    assert nsx.password not in json.dumps(both)
