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
  - "The window's prerequisites, proved with the interpreters and rights the window uses:
    V(host_module_libraries) (the interpreter running this module, that is Ansible's on this master, imports
    requests and PyYAML, which M(ncp.mp_to_policy.nsx_mp_import) needs), V(importer_cli_flags) (the importer's
    C(--help) names every flag of O(argv)), V(host_nsx_reachable) (HTTPS to O(nsx_manager) with the run's CA),
    V(host_kubectl_rights) (C(kubectl auth can-i) scale the Deployment and update / patch the ConfigMap),
    V(host_state_dir_writable), V(host_ncp_yaml_writable) (O(manifest_path)), V(host_clock_skew) (against
    O(controller_time)), V(host_tkgi_login) (C(tkgi cluster) answers; TKGI)."
  - "TKGI's own prerequisites of its migration (platform V(tkgi), once C(tkgi) answers; issue 27):
    V(tkgi_version) (C(tkgi --version) at O(min_tkgi_version) or later), and in the cluster's network profile
    (C(tkgi cluster CLUSTER --json) names it, C(tkgi network-profile NAME --json) reads it)
    V(tkgi_network_profile_nsgroup) (no NSGroup, such as the Bootstrap Security Group's C(master_vms_nsgroup_id)),
    V(tkgi_np_use_ip_sets) (C(ncp.nsx_v3.k8s_np_use_ip_sets) not false) and V(tkgi_policy_only_objects) (no value naming
    one of O(tkgi_policy_only_objects)). UNCONFIRMED: the wording of C(tkgi --version) (its first x.y.z is taken), the
    JSON key C(network_profile_name) and the JSON shape of C(tkgi network-profile) (the profile definition is assumed);
    a profile that cannot be read is an error naming the reason."
  - Nothing is written, except the CA of O(ca_content) to a 0600 file in the module's private temporary directory,
    removed when the module ends.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.common.read_only
  - ncp.mp_to_policy.ncp_cluster
  - ncp.mp_to_policy.ncp_cluster.objects
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
    description:
      - The interpreter the importer runs with; the same option of M(ncp.mp_to_policy.nsx_mp_import) (the roles pass
        both from C(ncp_importer_python)).
      - Default the interpreter running this module (Ansible's on this master), as M(ncp.mp_to_policy.nsx_mp_import) does.
    type: str
  argv:
    description:
      - The importer's command line template, as the O(ncp.mp_to_policy.nsx_mp_import#module:argv) option (default the same).
      - Each of its flags, for both scopes, must appear in the importer's C(--help) (platform V(kubernetes)).
    type: list
    elements: str
  host:
    description: This master's inventory name, named in findings. Default the host name.
    type: str
  state_dir:
    description: The collection's state directory on this master (journals, logs); it must be writable.
    type: path
  nsx_manager:
    description: The NSX Manager the importer talks to (host or host:port); not given, V(host_nsx_reachable) is not run.
    type: str
  ca_path:
    description: The CA bundle on this master for O(nsx_manager)'s certificate.
    type: path
  ca_content:
    description: The CA bundle as PEM text (read on the controller; used instead of O(ca_path)).
    type: str
  validate_certs:
    description: Verify O(nsx_manager)'s certificate (and host name).
    type: bool
    default: true
  controller_time:
    description: The controller's clock (seconds since the epoch, read when the task was sent); not given, V(host_clock_skew) is not run.
    type: float
  max_clock_skew:
    description: Most seconds this master's clock may differ from the controller's (a master time up to 30 s later, the task's transit, is no skew).
    type: float
    default: 5
  tkgi:
    description: The C(tkgi) CLI on this master (platform V(tkgi)); V(host_tkgi_login) runs C(tkgi cluster CLUSTER --json).
    type: str
    default: tkgi
  min_tkgi_version:
    description: Oldest TKGI CLI with C(tkgi promote-cluster-to-policy) (V(tkgi_version); platform V(tkgi)).
    type: str
    default: 1.15.1
  tkgi_policy_only_objects:
    description:
      - Names or IDs of NSX Policy-only objects a TKGI cluster's network profile may not reference (V(tkgi_policy_only_objects)).
      - Default the three Policy default client SSL profiles TKGI's prerequisites name.
    type: list
    elements: str
    default: [default-balanced-client-ssl-profile, default-high-compatibility-client-ssl-profile, default-high-security-client-ssl-profile]
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
ncp_ini_resources:
  description:
    - Each copy of ncp.ini read (ConfigMap, O(ncp_ini_path), O(manifest_path)) with the C([nsx_v3]) options that name NSX
      resources, for the O(ncp.mp_to_policy.nsx_preflight#module:ncp_ini_resources) check on the controller. A copy
      that could not be read is missing (V(policy_nsxapi_false) reports it).
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: Where the copy was read.
      type: str
    policy_mode:
      description: Whether its C(policy_nsxapi) is true.
      type: bool
    values:
      description: Option to its value, for each resource option that is set.
      type: dict
  sample: [{"source": "ConfigMap nsx-system/nsx-ncp-config key ncp.ini", "policy_mode": false,
            "values": {"top_tier_router": "t0-shared", "external_ip_pools": "ip-pool-snat-shared"}}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _tkgi_prerequisites as tkgi_prerequisites
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import HOST_CHECK_IDS, exit_with_findings
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._host_preflight_run import HostPreflight
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._kubectl import NCP_CLUSTER_ARGSPEC

ARGUMENT_SPEC = dict(
    NCP_CLUSTER_ARGSPEC,
    cluster=dict(type="str", required=True),
    platform=dict(type="str", choices=["kubernetes", "tkgi"], default="kubernetes"),
    importer_path=dict(type="path", required=True),
    importer_python=dict(type="str"),
    argv=dict(type="list", elements="str"),
    host=dict(type="str"),
    state_dir=dict(type="path"),
    nsx_manager=dict(type="str"),
    ca_path=dict(type="path"),
    ca_content=dict(type="str"),
    validate_certs=dict(type="bool", default=True),
    controller_time=dict(type="float"),
    max_clock_skew=dict(type="float", default=5.0),
    tkgi=dict(type="str", default="tkgi"),
    min_tkgi_version=dict(type="str", default=tkgi_prerequisites.MIN_TKGI_VERSION),
    tkgi_policy_only_objects=dict(type="list", elements="str", default=list(tkgi_prerequisites.POLICY_ONLY_OBJECTS)),
    manifest_path=dict(type="path"),
    ncp_ini_path=dict(type="path"),
    ncp_version=dict(type="str"),
    min_ncp_version=dict(type="str", default="4.0"),
    skip_checks=dict(type="list", elements="str", default=[]),
    fail_on=dict(type="str", choices=["error", "warning", "never"], default="error"),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    unknown = sorted(set(module.params["skip_checks"]) - set(HOST_CHECK_IDS))
    if unknown:
        module.fail_json(msg="skip_checks names unknown host check IDs: %s (known: %s)" % (", ".join(unknown), ", ".join(HOST_CHECK_IDS)))
    if module.params["platform"] == "tkgi" and not module.params["ncp_ini_path"]:
        module.fail_json(msg="platform tkgi needs ncp_ini_path (the rendered ncp.ini on the master)")
    preflight = HostPreflight(module)
    result = preflight.run()
    exit_with_findings(module, "Host preflight", preflight.findings, preflight.checks_run, **result)


if __name__ == "__main__":
    main()
