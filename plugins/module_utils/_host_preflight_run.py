# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ncp_host_preflight's run on the import master: gather what each check needs (commands, kubectl, files, HTTPS to
NSX) and record the findings host_checks.py judges, skipping the waived checks. Read-only."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os
import socket
import ssl
import sys
import time

from ansible.module_utils.six.moves import http_client

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _host_checks as host_checks
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _importer_config as cfg
from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _tkgi_prerequisites as tkgi_prerequisites
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import CheckRun
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._kubectl import Kubectl, KubectlError

# The libraries the collection's modules import on a master (nsx_mp_import: requests for NSX, PyYAML for config.yaml).
MODULE_LIBRARIES = (("requests", "requests"), ("PyYAML", "yaml"))


class HostPreflight(CheckRun):
    """One ncp_host_preflight run: each wanted check on what it needs, its findings and the checks that ran."""

    def __init__(self, module):
        CheckRun.__init__(self, module.params["skip_checks"])
        self.module = module
        self.run_command = module.run_command
        self.params = p = module.params
        self.host = p["host"] or socket.gethostname()
        self.python = p["importer_python"] or sys.executable
        self.kubectl = Kubectl(binary=p["kubectl"], kubeconfig=p["kubeconfig"], context=p["context"], run_command=self._kubectl_runner)

    def run(self):
        """The module's result besides the findings: ncp_version, python_version, ncp_ini_resources."""
        p = self.params
        cluster = p["cluster"]
        python_version = None
        if self.wanted("host_python3"):
            found, python_version = host_checks.check_python3(self.run_command, self.python, cluster, self.host)
            self.record("host_python3", found)
        self.check("host_pyyaml", host_checks.check_pyyaml, self.run_command, self.python, cluster, self.host)
        self.window_prerequisites()
        deployment = None
        if self.wanted("host_kubectl"):
            found, deployment = host_checks.check_kubectl(self.kubectl, p["namespace"], p["deployment"], cluster, p["platform"])
            self.record("host_kubectl", found)
        self.check("importer_present", host_checks.check_importer, p["importer_path"], cluster)
        version = p["ncp_version"] or host_checks.ncp_version_from_deployment(deployment)
        self.check("ncp_version", host_checks.check_ncp_version, version, p["min_ncp_version"], cluster)
        copies = self.ini_copies()
        if self.wanted("policy_nsxapi_false"):
            sources = [(where,) + host_checks.policy_nsxapi_of(ini, error) for where, ini, error in copies]
            self.record("policy_nsxapi_false", host_checks.check_policy_nsxapi(sources, cluster))
        # Judged on the controller by nsx_preflight (ncp_ini_resource_unresolved), against NSX's MP lists read once.
        ncp_ini_resources = [found for found in (host_checks.resource_options_of(ini, where) for where, ini, _error in copies) if found]
        # Issue 27: TKGI's own prerequisites, read with tkgi once it answers (a failed login is host_tkgi_login's finding).
        if p["platform"] == "tkgi" and not any(f["check"] == "host_tkgi_login" for f in self.findings):
            for check_id, found in tkgi_prerequisites.host_checks_of(
                self.run_command, p["tkgi"], cluster, self.host, self.wanted, p["tkgi_policy_only_objects"], p["min_tkgi_version"]
            ):
                self.record(check_id, found)
        return dict(ncp_version=version, python_version=python_version, ncp_ini_resources=ncp_ini_resources)

    def window_prerequisites(self):
        p = self.params
        cluster, host = p["cluster"], self.host
        self.check("host_module_libraries", lambda: host_checks.check_module_libraries(self.missing_libraries(), sys.executable, cluster, host))
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
            skew = host_checks.clock_skew(time.time(), p["controller_time"])
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
        for path, manifest in ((p["ncp_ini_path"], False), (p["manifest_path"], True)):
            if path:
                copies.append((path,) + host_checks.read_ini_file(path, manifest))
        return copies
