"""TKGI's rules on the importer's result (vendor-facts 1.3, 1.8, 6.5), through migrate_cluster.yml on a TKGI cluster.

- After exit 2 a re-run does not promote the cluster again: its NSX resources are still MP only and TKGI says not to
  re-run; the run stops before it stops NCP, and says what to do.
- A promotion whose migration log is missing on the control-plane VM has no known result, whatever tkgi says: error,
  NCP stays stopped (``long``: one run on its own lab, ~40 s; the module's unit tests guard the same rule in make test).
The two codes set apart (tkgi 0 / importer 1, tkgi 1 / importer 0) are in test_inv7_import_master.py.
"""

import pytest

pytestmark = pytest.mark.slow

ONE_CLUSTER = {"ncp_cluster": "k8s-02", "ncp_ack_no_backup_restore": True}
MASTER = "k8s-02-master-0"  # the import master: the first of the group


def attempts(lab):
    host, journal = lab.journal("k8s-02")
    assert host == MASTER, host
    return journal["attempts"]


def test_after_exit_2_a_re_run_does_not_promote_the_cluster_again(lab_factory):
    lab = lab_factory("k8s_tkgi.yml")
    lab.set_importer_fault(MASTER, {"kind": "rc2", "after_batches": 1})
    first = lab.run("migrate_cluster.yml", ONE_CLUSTER)
    assert first.returncode != 0
    (attempt,) = attempts(lab)
    assert (attempt["cli_rc"], attempt["rc"], attempt["outcome"]) == (1, 2, "failed_restart_ncp_mp"), attempt
    assert lab.ncp_mode("k8s-02") == "mp"
    starts = lab.ncp_start_count("k8s-02")

    lab.set_importer_fault(MASTER, None)  # the re-run's promotion would succeed: it must still not happen
    before = lab.snapshot()
    again = lab.run("migrate_cluster.yml", ONE_CLUSTER)
    assert again.returncode != 0
    assert len(attempts(lab)) == 1, attempts(lab)[-1]
    assert lab.ncp_mode("k8s-02") == "mp" and lab.ncp_start_count("k8s-02") == starts  # never stopped again
    status = lab.policy_status("k8s-02")
    assert status["objects"] > 0 and status["in_policy"] == 0, status
    after = lab.snapshot()
    # NSX's objects and the Policy tree, and NCP's process state on both masters, are as the first run left them
    watched = [key for key in before if key == "policy" or key.startswith("nsx:") or (key.endswith("/var/vcap/monit/ncp.json") and "k8s-02" in key)]
    assert len(watched) == 8 and [key for key in watched if before[key] != after.get(key)] == []
    steps = " ".join(lab.report()["next_steps"])
    assert "TKGI says not to run the promotion again" in steps and "Manager mode on every master of k8s-02" in steps, steps


@pytest.mark.long
def test_a_missing_migration_log_is_an_unknown_result_and_ncp_stays_stopped(lab_factory):
    lab = lab_factory("k8s_tkgi.yml")
    lab.set_importer_fault(MASTER, {"kind": "rc1", "after_batches": 1})
    lab.set_tkgi_fault(MASTER, cli_rc=0, migration_log="missing")
    run = lab.run("migrate_cluster.yml", ONE_CLUSTER)
    assert run.returncode != 0
    (attempt,) = attempts(lab)
    assert (attempt["cli_rc"], attempt["rc"], attempt["outcome"], attempt["migration_log"]) == (0, None, "error", None), attempt
    assert lab.ncp_mode("k8s-02") == "stopped"
    assert lab.report_cluster("k8s-02")["ncp_mode"] == "stopped"
