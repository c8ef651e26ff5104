"""An importer that exits 0 but leaves one of the cluster's MP objects unmigrated (issue 26).

The stand-in's ``lab_fault: {kind: leave_one, type: LOGICAL_PORT}`` (armed before the run) leaves the last logical port of
the cluster out of its requests and still exits 0. The run's check against the migration API's mapping must name that
port (type and ID) in the journal, the report and a warning; ``finish.yml`` must fail naming it.

``long`` (make test-faults): a migration and a finish run on a one-cluster lab (~50 s of its own, more when it waits for
the fault-lab lock). make test covers the check on every import of the strategy-1 run (test_inv2_3_8_9_strategy1).
"""

import json

import pytest

from .harness import IMPORTED_OUTCOMES


def logical_ports(lab, cluster):
    return [
        obj["id"]
        for obj in lab.nsx_admin("GET", "/_lab/objects/LogicalPort")["results"]
        if {t.get("scope"): t.get("tag") for t in obj.get("tags") or []}.get("ncp/cluster") == cluster
    ]


@pytest.mark.long
def test_object_left_behind_is_reported_and_finish_fails(fault_lab):
    lab = fault_lab("clusters_1.yml")
    cluster = lab.cluster_names[0]
    lab.set_importer_fault(cluster, {"kind": "leave_one", "scope": "cluster", "type": "LOGICAL_PORT"})
    ports = logical_ports(lab, cluster)
    assert len(ports) >= 2, ports

    run = lab.run()
    # The import itself ended 0: the migration goes through, with a warning naming what was left behind.
    assert run.rc == 0, run.output[-3000:]
    promoted = set(lab.promoted_objects(cluster, ["LogicalPort"]))
    left = [port for port in ports if port not in promoted]
    assert len(left) == 1, (ports, promoted)
    assert f"LOGICAL_PORT {left[0]}" in run.output and "left behind" in run.output

    check = lab.journal(cluster)["import_check"]
    assert check["complete"] is False
    assert check["left_behind"] == [{"id": left[0], "type": "LOGICAL_PORT", "display_name": check["left_behind"][0]["display_name"]}]
    assert check["by_type"]["LOGICAL_PORT"] == {"found": len(ports), "migrated": len(ports) - 1, "left_behind": left, "verified": True}
    # Every other checked type is whole (nothing else was left out).
    assert all(entry["left_behind"] == [] for kind, entry in check["by_type"].items() if kind != "LOGICAL_PORT")

    report = lab.report()
    entry = report["clusters"][0]
    assert entry["outcome"] in IMPORTED_OUTCOMES and entry["ncp_mode"] == "policy"
    assert entry["import_check"]["left_behind"] == check["left_behind"]
    assert any(left[0] in step and "LOGICAL_PORT" in step for step in report["next_steps"]), report["next_steps"]
    with open(lab.report_dir() + "/migration-report.md", encoding="utf-8") as handle:
        assert f"| {cluster} | LOGICAL_PORT | {len(ports)} | {len(ports) - 1} | {left[0]} |" in handle.read()

    finish = lab.run("finish.yml", report="finish")
    assert finish.rc == 2, finish.output[-3000:]
    assert "Not finished" in finish.output and f"LOGICAL_PORT {left[0]}" in finish.output
    with open(lab.report_dir("finish") + "/finish-verification.json", encoding="utf-8") as handle:
        verification = json.load(handle)
    assert verification["clusters"][0]["ok"] is False
    assert any(left[0] in problem for problem in verification["clusters"][0]["problems"])
