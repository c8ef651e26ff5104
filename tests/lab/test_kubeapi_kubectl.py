"""The lab cluster as the real kubectl binary sees it: NCP stop/start, ConfigMap edits, discovery cache."""

import json
import os
import time

import yaml

NS = ("-n", "nsx-system")


def test_discovery_is_cached_in_the_given_dir(kube_cluster):
    out = kube_cluster.kubectl("get", "deployments", *NS).stdout
    assert "nsx-ncp" in out
    cached = [os.path.join(d, f) for d, _dirs, files in os.walk(kube_cluster.cache_dir) for f in files]
    assert any(p.endswith("serverresources.json") for p in cached)
    assert not os.path.exists(os.path.join(kube_cluster.workdir, ".kube", "cache"))
    resources = kube_cluster.kubectl("api-resources").stdout
    assert "daemonsets" in resources and "deployments/scale" not in resources


def test_get_yaml_json_and_tables(kube_cluster):
    cm = yaml.safe_load(kube_cluster.kubectl("get", "configmap", "nsx-ncp-config", *NS, "-o", "yaml").stdout)
    assert "policy_nsxapi = False" in cm["data"]["ncp.ini"]
    assert "kubectl.kubernetes.io/last-applied-configuration" in cm["metadata"]["annotations"]
    ds = kube_cluster.kubectl_json("get", "daemonset", "nsx-node-agent", *NS)
    assert ds["status"]["desiredNumberScheduled"] == 3
    pods = kube_cluster.kubectl("get", "pods", *NS).stdout
    assert "nsx-ncp-" in pods and "Running" in pods
    assert "nsx-system" in kube_cluster.kubectl("get", "namespaces").stdout


def test_scale_to_zero_pods_go_only_after_grace_delay_and_come_back_ready(kube_cluster):
    kube_cluster.set_settings(pod_termination_delay=3.0)
    [first] = kube_cluster.ncp_pods()
    assert first["policy_nsxapi"] is False
    started = time.monotonic()
    kube_cluster.kubectl("scale", "deployment", "nsx-ncp", "--replicas=0", *NS)
    # As with a real kube-apiserver, the scale returns before the controller marks the pod for deletion:
    # the pod is seen Running, then Terminating for the grace delay, then gone.
    listed = ""
    while "Terminating" not in listed and time.monotonic() - started < 10:
        listed = kube_cluster.kubectl("get", "pods", "-l", "component=nsx-ncp", *NS).stdout
        assert first["name"] in listed, "the pod went without being seen Terminating"
    assert "Terminating" in listed
    kube_cluster.kubectl("wait", "--for=delete", "pod", "-l", "component=nsx-ncp", "--timeout=20s", *NS)
    assert time.monotonic() - started >= 2.9
    assert kube_cluster.kubectl_json("get", "pods", "-l", "component=nsx-ncp", *NS)["items"] == []
    kube_cluster.kubectl("scale", "deployment", "nsx-ncp", "--replicas=1", *NS)
    kube_cluster.kubectl("rollout", "status", "deployment/nsx-ncp", "--timeout=20s", *NS)
    kube_cluster.kubectl("wait", "--for=condition=Ready", "pod", "-l", "component=nsx-ncp", "--timeout=20s", *NS)
    [second] = kube_cluster.ncp_pods()
    assert second["name"] != first["name"] and second["ready"]
    assert len(kube_cluster.ncp_starts()) == 2


def test_ncp_records_the_mode_it_started_in(kube_cluster):
    kube_cluster.kubectl("scale", "deployment", "nsx-ncp", "--replicas=0", *NS)
    # NCP stopped before its configuration changes, as in the migration (the scale returns before the pod goes).
    kube_cluster.kubectl("wait", "--for=delete", "pod", "-l", "component=nsx-ncp", "--timeout=20s", *NS)
    ini = kube_cluster.kubectl_json("get", "configmap", "nsx-ncp-config", *NS)["data"]["ncp.ini"]
    patch = {"data": {"ncp.ini": ini.replace("policy_nsxapi = False", "policy_nsxapi = True")}}
    kube_cluster.kubectl("patch", "configmap", "nsx-ncp-config", "--type", "merge", "-p", json.dumps(patch), *NS)
    kube_cluster.kubectl("scale", "deployment", "nsx-ncp", "--replicas=1", *NS)
    kube_cluster.kubectl("rollout", "status", "deployment/nsx-ncp", "--timeout=20s", *NS)
    kube_cluster.kubectl("wait", "--for=condition=Ready", "pod", "-l", "component=nsx-ncp", "--timeout=20s", *NS)
    pods = kube_cluster.wait_for_ncp(ready=1, count=1)
    assert kube_cluster.ncp_modes() == [True]
    assert [s["policy_nsxapi"] for s in kube_cluster.ncp_starts()] == [False, True]
    pod = kube_cluster.kubectl_json("get", "pod", pods[0]["name"], *NS)
    assert pod["metadata"]["annotations"]["lab.ncp-migration/policy-nsxapi"] == "True"


def test_patch_types_and_stale_resource_version(kube_cluster):
    base = ("configmap", "nsx-ncp-config", *NS)
    kube_cluster.kubectl("patch", *base, "--type", "merge", "-p", '{"metadata":{"labels":{"a":"1"}}}')
    kube_cluster.kubectl("patch", *base, "--type", "strategic", "-p", '{"metadata":{"labels":{"b":"2"}}}')
    kube_cluster.kubectl("patch", *base, "--type", "json", "-p", '[{"op":"add","path":"/metadata/labels/c","value":"3"}]')
    current = kube_cluster.kubectl_json("get", *base)
    assert {"a": "1", "b": "2", "c": "3"}.items() <= current["metadata"]["labels"].items()
    stale = dict(current)
    kube_cluster.edit_configmap_as({"extra": "x"})
    path = os.path.join(kube_cluster.workdir, "stale.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(stale, handle)
    done = kube_cluster.kubectl("replace", "-f", path, check=False)
    assert done.returncode != 0 and "the object has been modified" in done.stderr
    patch = json.dumps({"metadata": {"resourceVersion": current["metadata"]["resourceVersion"]}, "data": {"y": "1"}})
    done = kube_cluster.kubectl("patch", *base, "--type", "merge", "-p", patch, check=False)
    assert done.returncode != 0 and "Conflict" in done.stderr


def test_strategic_patch_merges_containers_by_name(kube_cluster):
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "nsx-ncp", "env": [{"name": "X", "value": "1"}]}]}}}}
    kube_cluster.kubectl("patch", "deployment", "nsx-ncp", "-p", json.dumps(patch), *NS)
    deployment = kube_cluster.kubectl_json("get", "deployment", "nsx-ncp", *NS)
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"].startswith("registry.local/") and {"name": "X", "value": "1"} in container["env"]
    assert deployment["metadata"]["generation"] == 2
    kube_cluster.kubectl("rollout", "status", "deployment/nsx-ncp", "--timeout=20s", *NS)


def _manifest_configmap(kube_cluster, flag):
    docs = list(yaml.safe_load_all(open(kube_cluster.manifest_path, encoding="utf-8")))
    [cm] = [d for d in docs if d and d["kind"] == "ConfigMap" and d["metadata"]["name"] == "nsx-ncp-config"]
    cm["data"]["ncp.ini"] = cm["data"]["ncp.ini"].replace("policy_nsxapi = False", f"policy_nsxapi = {flag}")
    path = os.path.join(kube_cluster.workdir, f"cm-{flag}.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(cm, handle)
    return path


def test_client_side_apply_then_reapplying_the_manifest_reverts(kube_cluster):
    kube_cluster.kubectl("apply", "-f", _manifest_configmap(kube_cluster, "True"))
    ini = kube_cluster.kubectl_json("get", "configmap", "nsx-ncp-config", *NS)["data"]["ncp.ini"]
    assert "policy_nsxapi = True" in ini
    out = kube_cluster.kubectl("apply", "-f", kube_cluster.manifest_path).stdout
    assert "configmap/nsx-ncp-config configured" in out
    ini = kube_cluster.kubectl_json("get", "configmap", "nsx-ncp-config", *NS)["data"]["ncp.ini"]
    assert "policy_nsxapi = False" in ini


def test_server_side_apply_and_conflicts(kube_cluster):
    path = _manifest_configmap(kube_cluster, "True")
    kube_cluster.kubectl("apply", "--server-side", "-f", path)
    assert "policy_nsxapi = True" in kube_cluster.kubectl_json("get", "configmap", "nsx-ncp-config", *NS)["data"]["ncp.ini"]
    kube_cluster.edit_configmap_as({"ncp.ini": "[nsx_v3]\npolicy_nsxapi = False\n"}, manager="somebody-else")
    done = kube_cluster.kubectl("apply", "--server-side", "-f", path, check=False)
    assert done.returncode != 0 and 'conflict with "somebody-else"' in done.stderr
    kube_cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", path)
    assert "policy_nsxapi = True" in kube_cluster.kubectl_json("get", "configmap", "nsx-ncp-config", *NS)["data"]["ncp.ini"]


def test_dry_run_server_changes_nothing(kube_cluster):
    before = kube_cluster.kubectl_json("get", "configmap", "nsx-ncp-config", *NS)["metadata"]["resourceVersion"]
    kube_cluster.kubectl("patch", "configmap", "nsx-ncp-config", "--dry-run=server", "--type", "merge", "-p", '{"data":{"z":"1"}}', *NS)
    after = kube_cluster.kubectl_json("get", "configmap", "nsx-ncp-config", *NS)
    assert after["metadata"]["resourceVersion"] == before and "z" not in after["data"]


def test_an_idle_cluster_controller_makes_no_passes_and_still_reacts_at_once(kube_cluster):
    # The benchmarks run 20 lab clusters beside the playbook on 2 cores: an idle one must cost nothing.
    kube_cluster.wait_for_ncp(ready=1, count=1)
    time.sleep(0.3)  # the pass that records the Deployment's status after the pod's Ready
    controller = kube_cluster.server.controller
    passes = []
    reconcile = controller.reconcile
    controller.reconcile = lambda now: (passes.append(now), reconcile(now))
    time.sleep(1.2)
    assert len(passes) <= 1  # the old fixed 50 ms tick made ~24
    # Still reacts to a change: the scale-down wakes it (whether kubectl's next get lands before its first pass, 50 ms
    # later, is a race on a loaded machine; the scale-down test above checks the Terminating state).
    kube_cluster.kubectl("scale", "deployment", "nsx-ncp", "--replicas=0", *NS)
    kube_cluster.kubectl("wait", "--for=delete", "pod", "-l", "component=nsx-ncp", "--timeout=20s", *NS)
    assert passes
