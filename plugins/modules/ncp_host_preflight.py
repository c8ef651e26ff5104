#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ncp_host_preflight
short_description: Check a cluster's import master for what the MP-to-Policy importer needs
version_added: 0.1.0
description:
  - Run on the master node that will run C(mp_to_policy_importer.py). Read-only.
  - "Check IDs: V(host_python3), V(host_pyyaml), V(host_kubectl), V(importer_present),
    V(ncp_version), V(policy_nsxapi_false). Findings have the same shape as those of
    M(ncp.mp_to_policy.nsx_preflight)."
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.common.read_only
  - ncp.mp_to_policy.ncp_cluster
options:
  cluster:
    description: The cluster's name (C([coe] cluster) in ncp.ini), used in findings.
    type: str
    required: true
  platform:
    description:
      - V(kubernetes) reads NCP's ConfigMap and Deployment with kubectl.
      - V(tkgi) reads the rendered ncp.ini file given in O(ncp_ini_path) (NCP runs under monit).
    type: str
    choices: [kubernetes, tkgi]
    default: kubernetes
  importer_path:
    description: Path of C(mp_to_policy_importer.py) on this master.
    type: path
    required: true
  importer_python:
    description: The interpreter the importer runs with.
    type: str
    default: python3
  manifest_path:
    description: The NCP YAML manifest the cluster is deployed from; its ncp.ini is checked too.
    type: path
  ncp_ini_path:
    description: An ncp.ini file to check (the rendered one on a TKGI master).
    type: path
  ncp_version:
    description:
      - NCP's version, when it cannot be read from the C(nsx-ncp) container image tag (always on TKGI).
    type: str
  min_ncp_version:
    description: Oldest NCP with the importer.
    type: str
    default: "4.0"
  skip_checks:
    description: Check IDs not to run (a waiver).
    type: list
    elements: str
    default: []
  fail_on:
    description: Lowest severity that fails the task.
    type: str
    choices: [error, warning, never]
    default: error
"""

EXAMPLES = r"""
- name: Check the import master of cluster prod-east
  ncp.mp_to_policy.ncp_host_preflight:
    cluster: prod-east
    importer_path: /opt/ncp/scripts/mp_to_policy_import/mp_to_policy_importer.py
    kubeconfig: /root/.kube/config
    manifest_path: /opt/ncp/ncp-ubuntu.yaml
"""

RETURN = r"""
passed:
  description: True when no finding reaches the O(fail_on) severity.
  returned: always
  type: bool
findings:
  description: Findings, in the shape of M(ncp.mp_to_policy.nsx_preflight)'s.
  returned: always
  type: list
  elements: dict
summary:
  description: Counts by severity and the checks that ran.
  returned: always
  type: dict
ncp_version:
  description: NCP's version as found (or given).
  returned: always
  type: str
python_version:
  description: Version of O(importer_python), when it runs.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import host_checks
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.findings import HOST_CHECK_IDS, blocking, passed, summarize
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.kubectl import NCP_CLUSTER_ARGSPEC, Kubectl, KubectlError

ARGUMENT_SPEC = dict(
    NCP_CLUSTER_ARGSPEC,
    cluster=dict(type="str", required=True),
    platform=dict(type="str", choices=["kubernetes", "tkgi"], default="kubernetes"),
    importer_path=dict(type="path", required=True),
    importer_python=dict(type="str", default="python3"),
    manifest_path=dict(type="path"),
    ncp_ini_path=dict(type="path"),
    ncp_version=dict(type="str"),
    min_ncp_version=dict(type="str", default="4.0"),
    skip_checks=dict(type="list", elements="str", default=[]),
    fail_on=dict(type="str", choices=["error", "warning", "never"], default="error"),
)


class HostPreflight:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.findings = []
        self.checks_run = []

    def run_command(self, argv):
        return self.module.run_command(argv)

    def wanted(self, check_id):
        return check_id not in self.params["skip_checks"]

    def record(self, check_id, found):
        self.checks_run.append(check_id)
        self.findings.extend(found)

    def run(self):
        p = self.params
        cluster = p["cluster"]
        python_version = None
        if self.wanted("host_python3"):
            found, python_version = host_checks.check_python3(self.run_command, p["importer_python"], cluster)
            self.record("host_python3", found)
        if self.wanted("host_pyyaml"):
            self.record("host_pyyaml", host_checks.check_pyyaml(self.run_command, p["importer_python"], cluster)[0])
        kubectl = Kubectl(binary=p["kubectl"], kubeconfig=p["kubeconfig"], context=p["context"], run_command=self._kubectl_runner)
        deployment = None
        if self.wanted("host_kubectl"):
            found, deployment = host_checks.check_kubectl(kubectl, p["namespace"], p["deployment"], cluster, p["platform"])
            self.record("host_kubectl", found)
        if self.wanted("importer_present"):
            self.record("importer_present", host_checks.check_importer(p["importer_path"], cluster))
        version = p["ncp_version"] or host_checks.ncp_version_from_deployment(deployment)
        if self.wanted("ncp_version"):
            self.record("ncp_version", host_checks.check_ncp_version(version, p["min_ncp_version"], cluster))
        if self.wanted("policy_nsxapi_false"):
            self.record("policy_nsxapi_false", host_checks.check_policy_nsxapi(self._ini_sources(kubectl), cluster))
        return version, python_version

    def _kubectl_runner(self, args, data=None):
        return self.module.run_command(args, data=data, binary_data=False)

    def _ini_sources(self, kubectl):
        p = self.params
        sources = []
        if p["platform"] == "kubernetes":
            where = "ConfigMap %s/%s key %s" % (p["namespace"], p["configmap"], p["configmap_key"])
            try:
                configmap = kubectl.get_configmap(p["configmap"], p["namespace"])
                text = (configmap.get("data") or {}).get(p["configmap_key"])
                if text is None:
                    sources.append((where, None, "the ConfigMap has no key %s" % p["configmap_key"]))
                else:
                    sources.append((where,) + host_checks.policy_nsxapi_from_ini(text))
            except KubectlError as exc:
                sources.append((where, None, exc.message))
        if p["ncp_ini_path"]:
            try:
                with open(p["ncp_ini_path"], "rb") as handle:
                    sources.append((p["ncp_ini_path"],) + host_checks.policy_nsxapi_from_ini(handle.read().decode("utf-8")))
            except (IOError, OSError, UnicodeDecodeError) as exc:
                sources.append((p["ncp_ini_path"], None, "cannot read it (%s)" % exc))
        if p["manifest_path"]:
            sources.append((p["manifest_path"],) + host_checks.policy_nsxapi_from_manifest(p["manifest_path"]))
        return sources


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    unknown = sorted(set(module.params["skip_checks"]) - set(HOST_CHECK_IDS))
    if unknown:
        module.fail_json(msg="skip_checks names unknown host check IDs: %s (known: %s)" % (", ".join(unknown), ", ".join(HOST_CHECK_IDS)))
    if module.params["platform"] == "tkgi" and not module.params["ncp_ini_path"]:
        module.fail_json(msg="platform tkgi needs ncp_ini_path (the rendered ncp.ini on the master)")
    preflight = HostPreflight(module)
    version, python_version = preflight.run()
    findings = preflight.findings
    fail_on = module.params["fail_on"]
    result = dict(
        changed=False,
        passed=passed(findings, fail_on),
        findings=findings,
        summary=summarize(findings, preflight.checks_run),
        ncp_version=version,
        python_version=python_version,
    )
    failing = blocking(findings, fail_on)
    if failing:
        module.fail_json(msg="Host preflight found %d blocking finding(s): %s" % (len(failing), "; ".join(sorted(set(f["check"] for f in failing)))), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
