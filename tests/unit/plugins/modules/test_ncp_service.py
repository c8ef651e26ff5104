"""ncp_service against a lab cluster driven by the real kubectl."""

import pytest

from tests.lab.kubeapi.testing import find_kubectl
from tests.unit.module_runner import run_module


@pytest.fixture
def cluster(kube_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # kubectl's discovery cache
    return kube_cluster


def ncp_args(cluster, **extra):
    base = {"kubeconfig": cluster.kubeconfig, "kubectl": find_kubectl(), "poll_interval": 0.1, "timeout": 20}
    base.update(extra)
    return base


def set_policy_nsxapi(cluster, value):
    configmap = cluster.kubectl_json("get", "configmap", "nsx-ncp-config", "-n", "nsx-system")
    text = configmap["data"]["ncp.ini"].replace("policy_nsxapi = False", "policy_nsxapi = %s" % value)
    cluster.edit_configmap_as({"ncp.ini": text})


def test_stop_waits_until_pods_are_gone_and_start_restores(cluster):
    stopped = run_module("ncp_service", ncp_args(cluster, state="stopped"))
    assert not stopped.failed and stopped["changed"] and stopped["previous_replicas"] == 1
    assert cluster.ncp_pods() == []  # gone, not merely terminating
    again = run_module("ncp_service", ncp_args(cluster, state="stopped"))
    assert not again["changed"] and again["previous_replicas"] == 0
    started = run_module("ncp_service", ncp_args(cluster, state="started", replicas=1, expect_mode="mp"))
    assert not started.failed and started["changed"] and started["mode"] == "mp"
    assert cluster.ncp_modes() == ["False"] or cluster.ncp_modes() == [False]


def test_start_in_policy_mode_after_configmap_switch(cluster):
    run_module("ncp_service", ncp_args(cluster, state="stopped"))
    set_policy_nsxapi(cluster, "True")
    started = run_module("ncp_service", ncp_args(cluster, state="started", replicas=1, expect_mode="policy"))
    assert not started.failed and started["mode"] == "policy"
    assert [str(mode) for mode in cluster.ncp_modes()] == ["True"]


def test_start_refuses_the_wrong_mode_and_scales_nothing(cluster):
    run_module("ncp_service", ncp_args(cluster, state="stopped"))
    result = run_module("ncp_service", ncp_args(cluster, state="started", replicas=1, expect_mode="policy"))
    assert result.failed and "says mp mode" in result["msg"] and result["expected_mode"] == "policy"
    deployment = cluster.kubectl_json("get", "deployment", "nsx-ncp", "-n", "nsx-system")
    assert deployment["spec"]["replicas"] == 0 and cluster.ncp_pods() == []


def test_start_in_mp_mode_refuses_a_configmap_in_policy_mode_and_scales_nothing(cluster):
    # the rc-2 direction: NCP is to restart in MP mode, but the ConfigMap says Policy mode
    run_module("ncp_service", ncp_args(cluster, state="stopped"))
    set_policy_nsxapi(cluster, "True")
    result = run_module("ncp_service", ncp_args(cluster, state="started", replicas=1, expect_mode="mp"))
    assert result.failed and "says policy mode" in result["msg"] and result["expected_mode"] == "mp", result
    deployment = cluster.kubectl_json("get", "deployment", "nsx-ncp", "-n", "nsx-system")
    assert deployment["spec"]["replicas"] == 0 and cluster.ncp_pods() == []


def test_a_stopped_ncp_is_left_alone_with_two_reads(cluster, tmp_path):
    run_module("ncp_service", ncp_args(cluster, state="stopped"))
    kubectl, log = logging_kubectl(tmp_path)
    again = run_module("ncp_service", ncp_args(cluster, state="stopped", kubectl=kubectl))
    assert not again.failed and not again["changed"]
    assert [" ".join(call.split()[:2]) for call in kubectl_calls(log)] == ["get deployment", "get pods"]


def test_check_mode_stops_nothing(cluster):
    result = run_module("ncp_service", ncp_args(cluster, state="stopped"), check_mode=True)
    assert result["changed"] and result["previous_replicas"] == 1
    assert len(cluster.ncp_pods()) == 1


def test_pods_that_never_terminate_fail_with_their_names(cluster):
    cluster.set_faults(pods_never_terminate=True)
    result = run_module("ncp_service", ncp_args(cluster, state="stopped", timeout=2))
    assert result.failed and "still exist" in result["msg"] and result["pods"]
    # Not confirmed stopped: put back as it was, not left at 0 replicas.
    assert result["restored_replicas"] == 1 and "scaled back to 1" in result["msg"]
    assert cluster.kubectl_json("get", "deployment", "nsx-ncp", "-n", "nsx-system")["spec"]["replicas"] == 1


def test_unreachable_cluster_is_one_clear_error(cluster):
    cluster.stop()
    result = run_module("ncp_service", ncp_args(cluster, state="stopped"))
    assert result.failed and "cannot read deployment nsx-system/nsx-ncp" in result["msg"]


def logging_kubectl(tmp_path):
    """A kubectl on PATH's place that appends its arguments to a log, then runs the real one."""
    log = tmp_path / "kubectl-calls.log"
    wrapper = tmp_path / "kubectl-logged"
    wrapper.write_text('#!/bin/sh\nprintf "%%s\\n" "$*" >> %s\nexec %s "$@"\n' % (log, find_kubectl()))
    wrapper.chmod(0o755)
    return str(wrapper), log


def kubectl_calls(log):
    """Each logged call without the global --kubeconfig FILE in front."""
    return [line.split(" ", 2)[2] if line.startswith("--kubeconfig ") else line for line in log.read_text().splitlines()]


def pod_reads_after(log, verb):
    """The reads of the NCP pods right after the first call that starts with ``verb``, up to the next other call."""
    calls = kubectl_calls(log)
    first = next(i for i, call in enumerate(calls) if call.startswith(verb))
    reads = []
    for call in calls[first + 1 :]:
        if not call.startswith("get pods"):
            break
        reads.append(call)
    return reads


@pytest.mark.parametrize("watch", [True, False])
def test_stop_and_start_wait_on_a_watch_then_confirm_with_one_read(cluster, tmp_path, watch):
    # Pods take 1 s to go and 1 s to come: polling every 0.1 s reads them again and again; a watch waits
    # (kubectl wait) and one read confirms.
    cluster.set_settings(pod_termination_delay=1.0, pod_start_delay=1.0)
    kubectl, log = logging_kubectl(tmp_path)
    stopped = run_module("ncp_service", ncp_args(cluster, state="stopped", kubectl=kubectl, watch=watch))
    assert not stopped.failed and cluster.ncp_pods() == []
    started = run_module("ncp_service", ncp_args(cluster, state="started", replicas=1, kubectl=kubectl, watch=watch))
    assert not started.failed and len(cluster.ncp_pods()) == 1
    text = "\n".join(kubectl_calls(log))
    if watch:
        assert "wait --for=delete pod -l " in text and "wait --for=jsonpath={.status.readyReplicas}=1 deployment/nsx-ncp" in text
        # No read that could only say "not yet": the deployment, the scale, the watch, one confirming read.
        verbs = [" ".join(call.split()[:2]) for call in kubectl_calls(log)]
        stop_calls, start_calls = verbs[:4], verbs[4:]
        assert stop_calls == ["get deployment", "scale deployment", "wait --for=delete", "get pods"]
        assert start_calls == ["get configmap", "get deployment", "scale deployment", "wait --for=jsonpath={.status.readyReplicas}=1", "get pods"]
    else:
        assert not any(call.startswith("wait ") for call in kubectl_calls(log))
        # Polling reads the pods again until they are gone (the watch path: exactly one read). Not more than 2:
        # on a loaded machine each kubectl run takes a good part of the 1 s the pods need.
        assert len(pod_reads_after(log, "scale")) >= 2


def test_a_kubectl_whose_wait_fails_falls_back_to_polling(cluster, tmp_path):
    cluster.set_settings(pod_termination_delay=1.0)
    kubectl, log = logging_kubectl(tmp_path)
    # kubectl wait rejects the flag (an older kubectl): the module still waits, by polling.
    broken = tmp_path / "kubectl-no-wait"
    broken.write_text('#!/bin/sh\ncase " $* " in *" wait "*) echo "unknown command" >&2; exit 1;; esac\nexec %s "$@"\n' % kubectl)
    broken.chmod(0o755)
    stopped = run_module("ncp_service", ncp_args(cluster, state="stopped", kubectl=str(broken)))
    assert not stopped.failed and cluster.ncp_pods() == []
    # Polled: more than the watch path's single confirming read. Not "> 3": on a loaded machine each kubectl run
    # takes a good part of the 1 s the pods need (it failed so under load, as its sibling above did).
    assert len(pod_reads_after(log, "scale")) >= 2
