"""The dry run's plan (check mode): the steps per cluster and the start mode decided on the planned journal."""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._dry_run import cluster_plan, planned_import, render

RUN = {"strategy": "all_clusters", "halt_reason": "", "quiesce": {"seconds": 600, "remaining": 0}, "backup": {"reused_id": ""}, "restart_mp": True}


def entry(platform="kubernetes", journal=None, stops=True, done=False):
    masters = ["m0"] if platform == "kubernetes" else ["m0", "m1"]
    return {"cluster": "c1", "platform": platform, "import_master": "m0", "masters": masters, "journal": journal, "stops": stops, "done": done}


def import_result(*scopes, journal=None):
    return {"changed": True, "scopes": [dict(scope=s, outcome=o, command=["imp", "--" + s]) for s, o in scopes], "journal": {"journal": journal}}


def planned(*scopes, base=None):
    journal = base
    for scope in scopes:
        journal = planned_import(journal, "c1", "m0", scope, command=["imp"])
    return journal


K8S_FACTS = {
    "stop": {"changed": True, "previous_replicas": 2},
    "import": import_result(("shared", None), ("cluster", None), journal=planned("shared", "cluster")),
    "switch": {"changed": True, "configmap": {"changed": True}, "manifest": {"changed": True}},
    "manifest_path": "/etc/ncp/ncp.yaml",
}


def test_planned_import_records_what_an_rc0_run_records_and_writes_nothing(tmp_path):
    journal = planned("shared", "cluster")
    assert set(journal["states"]) == {"shared_imported", "cluster_imported"}
    attempts = [(a["scope"], a["rc"], a["outcome"], a["planned"]) for a in journal["attempts"]]
    assert attempts == [("shared", 0, "imported", True), ("cluster", 0, "imported", True)]
    rolled = planned_import(journal, "c1", "m0", "cluster", rollback=True)
    assert "cluster_imported" not in rolled["states"] and rolled["attempts"][-1]["outcome"] == "failed_restart_ncp_mp"
    assert "cluster_imported" in journal["states"]  # the input is not changed
    assert not list(tmp_path.iterdir())


def test_kubernetes_plan_in_order():
    plan = cluster_plan(entry(), K8S_FACTS, RUN)
    assert plan["steps"] == [
        "scale Deployment nsx-ncp from 2 to 0 replicas and wait until its pods are gone",
        "wait the quiesce: 600 s after the last NCP stop",
        "back up NSX and wait for the backup to succeed (remote backup target checked)",
        "shared import: run imp --shared",
        "cluster import: run imp --cluster",
        "set policy_nsxapi = True in ConfigMap nsx-ncp-config and /etc/ncp/ncp.yaml",
        "start NCP in policy mode",
    ]
    assert plan["ncp_start_mode"] == "policy" and plan["import_master"] == "m0"
    assert "## c1 (kubernetes): import master m0 (masters: m0)" in render([plan])


def test_tkgi_plan_leaves_ncp_to_the_promotion_and_checks_every_master():
    facts = {
        "import": import_result(("cluster", None), journal=planned("cluster")),
        "tkgi_rendered": {"results": [{"item": "m0", "changed": False}, {"item": "m1", "changed": False}]},
    }
    steps = cluster_plan(entry("tkgi"), facts, RUN)["steps"]
    # Issue 27: no monit stop, no quiesce of this run's, no ncp.ini write: the promotion does them; the switch is read back.
    assert steps[:2] == [
        "NCP is left to tkgi promote-cluster-to-policy, which stops and starts it itself (not stopped by this run)",
        "back up NSX and wait for the backup to succeed (remote backup target checked)",
    ]
    assert steps[-2:] == ["check that the promotion rendered policy_nsxapi = True in ncp.ini on m0, m1", "start NCP in policy mode"]
    assert not any("monit" in step or "quiesce" in step for step in steps), steps


def test_resumed_run_waits_only_the_rest_and_reuses_the_backup():
    stopped = jr.apply_marks(jr.new_journal("c1", "m0"), "m0", [("preflight_passed", {}, False), ("ncp_stopped", {}, False)])
    facts = dict(K8S_FACTS, stop={"changed": False, "previous_replicas": 0})
    run = dict(RUN, quiesce={"seconds": 600, "remaining": 120}, backup={"reused_id": "b-1"})
    steps = cluster_plan(entry(journal=stopped), facts, run)["steps"]
    assert steps[:3] == [
        "NCP is already stopped (nsx-ncp at 0 replicas)",
        "wait the rest of the quiesce: 120 s of 600 s after the journaled NCP stop",
        "reuse NSX backup b-1 (taken after the last NCP stop)",
    ]


def test_strategy2_has_no_backup_and_a_halted_run_plans_nothing():
    steps = cluster_plan(entry(), K8S_FACTS, dict(RUN, strategy="one_cluster"))["steps"]
    assert not any("back up" in step for step in steps) and len(steps) == 6
    # a blocker before the stop: nothing else
    halted = cluster_plan(entry(), {}, dict(RUN, halt_reason="the preflight found 1 blocking finding(s)"))
    assert halted["steps"] == ["the run would stop: the preflight found 1 blocking finding(s)"]
    assert halted["ncp_start_mode"] == "none"
    # a stop after the stop (NSX busy right before the import): NCP stopped, then started again in MP mode, no import
    late = cluster_plan(entry(), K8S_FACTS, dict(RUN, halt_reason="c1 was not imported: NSX is busy"))
    assert late["steps"] == [
        "scale Deployment nsx-ncp from 2 to 0 replicas and wait until its pods are gone",
        "the run would stop: c1 was not imported: NSX is busy",
        "start NCP in mp mode",
    ]


def test_recover_rollback_plans_mp_and_keep_down_keeps_ncp_stopped():
    rc1 = {
        "owner_host": "m0",
        "cluster": "c1",
        "states": {"preflight_passed": {"at": jr.iso_time()}, "ncp_stopped": {"at": jr.iso_time()}, "shared_imported": {"at": jr.iso_time()}},
        "attempts": [{"scope": "shared", "outcome": "imported"}, {"scope": "cluster", "outcome": "failed_keep_ncp_stopped"}],
    }
    after_cluster = planned_import(rc1, "c1", "m0", "cluster", rollback=True)
    after_shared = planned_import(rc1, "c1", "m0", "shared", rollback=True)
    facts = {
        "rollback": {
            "results": [
                {"item": "cluster", "command": ["imp", "rb"], "journal": {"journal": after_cluster}},
                {"item": "shared", "command": ["imp", "rb"], "journal": {"journal": after_shared}},
            ]
        }
    }
    run = dict(RUN, strategy="recover", recover_action="rollback")
    plan = cluster_plan(entry(journal=rc1, stops=False), facts, run)
    assert plan["steps"] == ["roll back the cluster import: run imp rb", "roll back the shared import: run imp rb", "start NCP in mp mode"]
    kept = cluster_plan(entry(journal=rc1, stops=False), {}, dict(run, recover_action="keep_down"))
    assert kept["steps"] == ["leave NCP stopped"]
