"""The window's Kubernetes API rule (issue 26): a warning when the window starts and in the report; with
``ncp_freeze_kubernetes_api`` a ValidatingAdmissionPolicy and its binding, applied before the first NCP stop and removed
at the end (also after a halt); nothing in check mode. The lab's Kubernetes API stores and serves them (kubectl apply /
delete) without enforcing them: the order of writes is read from its event log (``GET /_lab/history/PLURAL``).

``long`` (make test-faults): a check-mode run, a halted run and a migration on a one-cluster lab.
"""

import pytest

POLICY = "ncp-mp-to-policy-window"
PLURALS = ("validatingadmissionpolicies", "validatingadmissionpolicybindings")


def history(lab, cluster, plural):
    return lab.kube_admin(cluster, "GET", f"/_lab/history/{plural}")["items"]


def ncp_scales(lab, cluster):
    """resourceVersions of the writes that changed nsx-ncp's replicas (the stop to 0, the start again)."""
    found, replicas = [], None
    for item in history(lab, cluster, "deployments"):
        if item["name"] == "nsx-ncp" and (item["spec"] or {}).get("replicas") != replicas:
            if replicas is not None:
                found.append((item["resourceVersion"], item["spec"]["replicas"]))
            replicas = item["spec"]["replicas"]
    return found


@pytest.mark.long
def test_policy_applied_before_the_stop_and_removed_at_the_end(fault_lab):
    lab = fault_lab("clusters_1.yml")
    cluster = lab.cluster_names[0]
    freeze = {"ncp_freeze_kubernetes_api": True}

    check = lab.run(extra=freeze, report="report-check", args=("--check",))
    assert check.rc == 0, check.output[-3000:]
    assert all(history(lab, cluster, plural) == [] for plural in PLURALS), "check mode applied something"

    # A halted run (NCP never stops: the stop times out) removes the policy too.
    lab.kube_faults(cluster, pods_never_terminate=True)
    halted = lab.run(extra=dict(freeze, ncp_stop_timeout_seconds=3), report="report-halt")
    assert halted.rc != 0
    lab.kube_faults(cluster, pods_never_terminate=False)

    run = lab.run(extra=freeze)
    assert run.rc == 0, run.output[-3000:]
    stops = [rv for rv, replicas in ncp_scales(lab, cluster) if replicas == 0]
    last_start = [rv for rv, replicas in ncp_scales(lab, cluster) if replicas > 0][-1]
    assert len(stops) == 2, ncp_scales(lab, cluster)
    for plural in PLURALS:
        events = history(lab, cluster, plural)
        assert [(e["type"], e["name"]) for e in events] == [("ADDED", POLICY), ("DELETED", POLICY)] * 2, events
        # halted run: applied before its stop, removed after; the migration: applied before its stop, removed after NCP runs again
        assert events[0]["resourceVersion"] < stops[0] < events[1]["resourceVersion"], (events, stops)
        assert events[2]["resourceVersion"] < stops[1] < last_start < events[3]["resourceVersion"], (events, stops, last_start)
    policy = history(lab, cluster, "validatingadmissionpolicies")[0]["spec"]
    assert policy["matchConstraints"]["resourceRules"][0]["operations"] == ["CREATE", "UPDATE", "DELETE"]
    binding = history(lab, cluster, "validatingadmissionpolicybindings")[0]["spec"]
    assert binding["policyName"] == POLICY and binding["validationActions"] == ["Deny"]
    assert lab.kubectl(cluster, "get", "validatingadmissionpolicies", "-o", "name").strip() == ""
    # The warning, before the first stop task, and in the report.
    output = run.output
    assert output.index("must not be used to create, update or delete") < output.index("TASK [ncp.mp_to_policy.ncp_stop : Scale nsx-ncp to 0")
    assert any("must not be used to create, update or delete" in w for w in lab.report()["warnings"])
