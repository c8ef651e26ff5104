"""The one shape of the Kubernetes target: top-level kubectl / kubeconfig / context (action group ncp), the configmap
dict's deprecated suboptions still honoured; real kubectl against the lab's Kubernetes API."""

import json
import os
import subprocess
import sys

from . import test_ncp_config_configmap as configmap_tests
from .test_ncp_config import run_module

KUBECTL = configmap_tests.KUBECTL
ROOT = configmap_tests.ROOT
cluster = configmap_tests.cluster  # the lab cluster fixture, seeded from ncp-ubuntu.yaml
pytestmark = configmap_tests.pytestmark


def policy_nsxapi(cluster):
    return [line for line in cluster.configmap()["data"]["ncp.ini"].splitlines() if line.startswith("policy_nsxapi")]


def test_top_level_options_reach_the_configmap(capsys, cluster):
    result = run_module(capsys, configmap={}, kubeconfig=cluster.kubeconfig, kubectl=KUBECTL, settings={"policy_nsxapi": True})
    assert result["changed"] is True and "deprecations" not in result, result
    assert policy_nsxapi(cluster) == ["policy_nsxapi = True"]


def test_deprecated_suboptions_still_work(capsys, cluster):
    result = run_module(capsys, configmap=dict(kubeconfig=cluster.kubeconfig, kubectl=KUBECTL), settings={"policy_nsxapi": True})
    assert result["changed"] is True, result
    assert policy_nsxapi(cluster) == ["policy_nsxapi = True"]
    deprecations = str(result["deprecations"])  # its shape differs between ansible-core releases
    assert deprecations.count("is deprecated") == 2 and 'configmap["kubeconfig"]' in deprecations and 'configmap["kubectl"]' in deprecations
    # The same value in both places is no conflict.
    same = run_module(capsys, configmap=dict(kubeconfig=cluster.kubeconfig), kubeconfig=cluster.kubeconfig, kubectl=KUBECTL)
    assert same["values"]["policy_nsxapi"] == "True"


def test_suboption_and_top_level_option_differ(capsys, cluster, tmp_path):
    before = cluster.configmap()
    other = str(tmp_path / "other-kubeconfig")
    result = run_module(capsys, configmap=dict(kubeconfig=cluster.kubeconfig), kubeconfig=other, kubectl=KUBECTL, settings={"policy_nsxapi": True})
    assert result["failed"] is True
    assert result["msg"] == "configmap.kubeconfig (%s) and kubeconfig (%s) differ: set only kubeconfig (configmap.kubeconfig is deprecated)" % (
        cluster.kubeconfig,
        other,
    )
    assert cluster.configmap() == before
    result = run_module(capsys, configmap=dict(kubectl="/usr/local/bin/kubectl"), kubectl=KUBECTL, kubeconfig=cluster.kubeconfig)
    assert result["failed"] is True and result["msg"].startswith("configmap.kubectl (/usr/local/bin/kubectl) and kubectl (%s) differ" % KUBECTL)


PLAYBOOK = """
- hosts: master
  gather_facts: false
  module_defaults:
    group/ncp.mp_to_policy.ncp:
      kubeconfig: {kubeconfig}
      kubectl: {kubectl}
  tasks:
    - name: Policy mode through ncp_config, the target from module_defaults
      ncp.mp_to_policy.ncp_config:
        configmap: {{}}
        settings: {{policy_nsxapi: true}}
      register: to_policy
    - name: Back to MP mode through ncp_mode_switch, no configmap option at all
      ncp.mp_to_policy.ncp_mode_switch:
        mode: mp
      register: to_mp
- hosts: master
  gather_facts: false
  tasks:
    - name: Without module_defaults there is no kubeconfig
      ncp.mp_to_policy.ncp_config:
        configmap: {{}}
        kubectl: {kubectl}
      ignore_errors: true
      register: without
    - name: Keep the results for the test
      ansible.builtin.copy:
        content: "{{{{ dict(to_policy=to_policy, to_mp=to_mp, without=without) | to_json }}}}"
        dest: "{results}"
        mode: "0600"
"""


def test_module_defaults_group_reaches_the_modules(cluster, tmp_path):
    (tmp_path / "play.yml").write_text(PLAYBOOK.format(kubeconfig=cluster.kubeconfig, kubectl=KUBECTL, results=tmp_path / "results.json"))
    inventory = "all:\n  hosts:\n    master:\n      ansible_connection: local\n      ansible_python_interpreter: %s\n" % sys.executable
    (tmp_path / "inventory.yml").write_text(inventory)
    env = dict(
        os.environ,
        HOME=str(tmp_path),  # no ~/.kube/config: only the group's kubeconfig reaches the cluster
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"),
        ANSIBLE_REMOTE_TEMP=str(tmp_path / "ansible-remote"),
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    env.pop("KUBECONFIG", None)
    run = subprocess.run([playbook, "-i", "inventory.yml", "play.yml"], cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    to_policy, to_mp, without = results["to_policy"], results["to_mp"], results["without"]
    assert to_policy["changed"] is True and to_policy["values"]["policy_nsxapi"] == "True", to_policy
    assert to_mp["changed"] is True and to_mp["configmap"]["previous"] == {"policy_nsxapi": "True"}, to_mp
    assert policy_nsxapi(cluster) == ["policy_nsxapi = False"]
    assert without["failed"] is True and without["msg"].startswith("cannot read ConfigMap nsx-system/nsx-ncp-config"), without
