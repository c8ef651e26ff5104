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
    description: Most seconds this master's clock may differ from the controller's.
    type: float
    default: 5
  clock_transit:
    description: Seconds the task may take from the controller to this master (a later master time within it is no skew).
    type: float
    default: 30
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

import importlib
import os
import socket
import ssl
import sys
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves import http_client

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import host_checks, tkgi_prerequisites
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import importer_config as cfg
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.findings import HOST_CHECK_IDS, blocking, passed, summarize
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.kubectl import NCP_CLUSTER_ARGSPEC, Kubectl, KubectlError

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
    clock_transit=dict(type="float", default=30.0),
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


# The libraries the collection's modules import on a master (nsx_mp_import: requests for NSX, PyYAML for config.yaml).
MODULE_LIBRARIES = (("requests", "requests"), ("PyYAML", "yaml"))


class HostPreflight:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.findings = []
        self.checks_run = []
        self.ncp_ini_resources = []
        self.host = self.params["host"] or socket.gethostname()
        self.python = self.params["importer_python"] or sys.executable
        p = self.params
        self.kubectl = Kubectl(binary=p["kubectl"], kubeconfig=p["kubeconfig"], context=p["context"], run_command=self._kubectl_runner)

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
            found, python_version = host_checks.check_python3(self.run_command, self.python, cluster, self.host)
            self.record("host_python3", found)
        if self.wanted("host_pyyaml"):
            self.record("host_pyyaml", host_checks.check_pyyaml(self.run_command, self.python, cluster, self.host)[0])
        self.window_prerequisites()
        kubectl = self.kubectl
        deployment = None
        if self.wanted("host_kubectl"):
            found, deployment = host_checks.check_kubectl(kubectl, p["namespace"], p["deployment"], cluster, p["platform"])
            self.record("host_kubectl", found)
        if self.wanted("importer_present"):
            self.record("importer_present", host_checks.check_importer(p["importer_path"], cluster))
        version = p["ncp_version"] or host_checks.ncp_version_from_deployment(deployment)
        if self.wanted("ncp_version"):
            self.record("ncp_version", host_checks.check_ncp_version(version, p["min_ncp_version"], cluster))
        copies = self.ini_copies()
        if self.wanted("policy_nsxapi_false"):
            sources = [(where,) + host_checks.policy_nsxapi_of(ini, error) for where, ini, error in copies]
            self.record("policy_nsxapi_false", host_checks.check_policy_nsxapi(sources, cluster))
        # Judged on the controller by nsx_preflight (ncp_ini_resource_unresolved), against NSX's MP lists read once.
        self.ncp_ini_resources = [found for found in (host_checks.resource_options_of(ini, where) for where, ini, _error in copies) if found]
        # Issue 27: TKGI's own prerequisites, read with tkgi once it answers (a failed login is host_tkgi_login's finding).
        if p["platform"] == "tkgi" and not any(f["check"] == "host_tkgi_login" for f in self.findings):
            for check_id, found in tkgi_prerequisites.host_checks_of(
                self.run_command, p["tkgi"], cluster, self.host, self.wanted, p["tkgi_policy_only_objects"], p["min_tkgi_version"]
            ):
                self.record(check_id, found)
        return version, python_version

    def window_prerequisites(self):
        p = self.params
        cluster, host = p["cluster"], self.host
        if self.wanted("host_module_libraries"):
            self.record("host_module_libraries", host_checks.check_module_libraries(self.missing_libraries(), sys.executable, cluster, host))
        # An importer interpreter without Python 3 or PyYAML is reported as such (host_python3 / host_pyyaml): its --help
        # would fail for that same reason.
        interpreter_broken = any(f["check"] in ("host_python3", "host_pyyaml") for f in self.findings)
        runnable = p["platform"] == "kubernetes" and os.path.isfile(p["importer_path"]) and not interpreter_broken
        if self.wanted("importer_cli_flags") and runnable:
            command = [self.python, p["importer_path"], "--help"]
            rc, out, err = self.run_command(command)
            found = host_checks.check_importer_flags(rc, out + err, host_checks.configured_flags(self.importer_argvs()), command, cluster, host)
            self.record("importer_cli_flags", found)
        if self.wanted("host_nsx_reachable") and p["nsx_manager"]:
            ca_source = "the run's CA" if (p["ca_content"] or p["ca_path"]) else "the system's CAs"
            if not p["validate_certs"]:
                ca_source = "certificate checks off"
            self.record("host_nsx_reachable", host_checks.check_nsx_reachable(self.nsx_error(), p["nsx_manager"], ca_source, cluster, host))
        if self.wanted("host_kubectl_rights") and p["platform"] == "kubernetes":
            answers = []
            for verb, resource, sub, namespace in host_checks.kubectl_rights(p["namespace"], p["deployment"], p["configmap"]):
                args = ["auth", "can-i", verb, resource, "-n", namespace] + (["--subresource=%s" % sub] if sub else [])
                rc, out, err = self._kubectl_runner(self.kubectl.base_command() + args)
                answers.append(((verb, resource, sub, namespace), rc, out if rc in (0, 1) and out.strip() else err or out))
            self.record("host_kubectl_rights", host_checks.check_kubectl_rights(answers, cluster, host))
        if self.wanted("host_state_dir_writable") and p["state_dir"]:
            error = host_checks.writable_error(p["state_dir"], directory=True)
            self.record("host_state_dir_writable", host_checks.check_writable("host_state_dir_writable", error, "state directory", cluster, host))
        if self.wanted("host_ncp_yaml_writable") and p["manifest_path"]:
            error = host_checks.writable_error(p["manifest_path"])
            self.record("host_ncp_yaml_writable", host_checks.check_writable("host_ncp_yaml_writable", error, "NCP YAML file", cluster, host))
        if self.wanted("host_clock_skew") and p["controller_time"] is not None:
            skew = host_checks.clock_skew(time.time(), p["controller_time"], p["clock_transit"])
            self.record("host_clock_skew", host_checks.check_clock(skew, p["max_clock_skew"], cluster, host))
        if self.wanted("host_tkgi_login") and p["platform"] == "tkgi":
            rc, out, err = self.run_command([p["tkgi"], "cluster", cluster, "--json"])
            self.record("host_tkgi_login", host_checks.check_tkgi_login(rc, err or out, p["tkgi"], cluster, host))

    def missing_libraries(self):
        missing = {}
        for name, module_name in MODULE_LIBRARIES:
            try:
                importlib.import_module(module_name)
            except Exception as exc:  # an ImportError, or a broken install failing otherwise
                missing[name] = str(exc) or type(exc).__name__
        return missing

    def importer_argvs(self):
        """Both scopes' importer command lines, as nsx_mp_import would build them."""
        p = self.params
        template = p["argv"] or cfg.DEFAULT_ARGV["importer"]
        argvs = []
        for scope in ("shared", "cluster"):
            try:
                argvs.extend(cfg.expand_argv(template, cfg.argv_values(p["importer_path"], scope, p["cluster"], python=self.python))[1:])
            except cfg.ImporterConfigError as exc:
                self.module.fail_json(msg=str(exc))
        return argvs

    def nsx_error(self):
        """None when the NSX Manager answers HTTPS from here with the run's CA, else why not."""
        p = self.params
        address = p["nsx_manager"].split("://", 1)[-1].split("/", 1)[0]
        hostname, _colon, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
        ca_file = p["ca_path"]
        if p["ca_content"]:
            ca_file = os.path.join(self.module.tmpdir, "nsx-ca.pem")
            fd = os.open(ca_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(p["ca_content"])
            self.module.add_cleanup_file(ca_file)
        try:
            context = ssl.create_default_context(cafile=ca_file)
            if not p["validate_certs"]:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            connection = http_client.HTTPSConnection(hostname, int(port or 443), timeout=10, context=context)
            try:
                connection.request("GET", "/api/v1/node/version")
                connection.getresponse().read()  # any HTTP answer: reachable, and the certificate verified
            finally:
                connection.close()
        except (ssl.SSLError, ssl.CertificateError) as exc:
            return "TLS verification failed (%s)" % exc
        except (socket.error, OSError, http_client.HTTPException) as exc:
            return "%s" % (exc,)
        return None

    def _kubectl_runner(self, args, data=None):
        return self.module.run_command(args, data=data, binary_data=False)

    def ini_copies(self):
        """[(where, NcpIni or None, error or None)]: every copy of ncp.ini this master has (the live ConfigMap, the
        rendered file, the NCP YAML file on record)."""
        p = self.params
        copies = []
        if p["platform"] == "kubernetes":
            where = "ConfigMap %s/%s key %s" % (p["namespace"], p["configmap"], p["configmap_key"])
            try:
                configmap = self.kubectl.get_configmap(p["configmap"], p["namespace"])
                text = (configmap.get("data") or {}).get(p["configmap_key"])
                if text is None:
                    copies.append((where, None, "the ConfigMap has no key %s" % p["configmap_key"]))
                else:
                    copies.append((where,) + host_checks.read_ini_text(text))
            except KubectlError as exc:
                copies.append((where, None, exc.message))
        if p["ncp_ini_path"]:
            try:
                with open(p["ncp_ini_path"], "rb") as handle:
                    copies.append((p["ncp_ini_path"],) + host_checks.read_ini_text(handle.read().decode("utf-8")))
            except (IOError, OSError, UnicodeDecodeError) as exc:
                copies.append((p["ncp_ini_path"], None, "cannot read it (%s)" % exc))
        if p["manifest_path"]:
            copies.append((p["manifest_path"],) + host_checks.read_manifest_ini(p["manifest_path"]))
        return copies


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
        ncp_ini_resources=preflight.ncp_ini_resources,
    )
    failing = blocking(findings, fail_on)
    if failing:
        module.fail_json(msg="Host preflight found %d blocking finding(s): %s" % (len(failing), "; ".join(sorted(set(f["check"] for f in failing)))), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
