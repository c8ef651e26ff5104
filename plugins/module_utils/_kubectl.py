# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small kubectl runner (JSON output); object bodies go on stdin or in a 0600 file, never in argv (ncp.ini holds the
NSX password)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import tempfile


class KubectlError(Exception):
    """kubectl failed; ``stderr`` is kubectl's own message, ``reason`` e.g. Conflict or NotFound."""

    def __init__(self, message, cmd=None, rc=None, stderr=""):
        super(KubectlError, self).__init__(message)
        self.message = message
        self.cmd = cmd or []
        self.rc = rc
        self.stderr = stderr
        self.reason = _reason(stderr)

    @property
    def conflict(self):
        return self.reason == "Conflict"

    @property
    def not_found(self):
        return self.reason == "NotFound"


def _reason(stderr):
    """The API status reason kubectl prints as 'Error from server (Reason): ...'."""
    match = re.search(r"Error from server \(([^)]*)\)", stderr)
    return (match.group(1) or None) if match else None


def subprocess_runner(args, data=None):
    """(rc, stdout, stderr) like AnsibleModule.run_command, for use outside a module."""
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate(data.encode("utf-8") if data is not None else None)
    return process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


class Kubectl(object):
    """kubectl with a fixed binary, kubeconfig, context and optional extra global arguments."""

    def __init__(self, binary="kubectl", kubeconfig=None, context=None, run_command=None, extra_args=None):
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.context = context
        self.extra_args = list(extra_args or [])
        self._run_command = run_command or subprocess_runner

    def base_command(self):
        cmd = [self.binary]
        if self.kubeconfig:
            cmd += ["--kubeconfig", self.kubeconfig]
        if self.context:
            cmd += ["--context", self.context]
        return cmd + self.extra_args

    def run(self, args, data=None):
        """Run kubectl with ``args``; return stdout or raise KubectlError carrying stderr."""
        cmd = self.base_command() + list(args)
        try:
            rc, out, err = self._run_command(cmd, data=data)
        except OSError as exc:  # the subprocess fallback raises when the binary is missing
            raise KubectlError("cannot run %s: %s" % (self.binary, exc), cmd=cmd)
        if rc != 0:
            err = (err or "").strip()
            raise KubectlError("kubectl %s failed (rc %s): %s" % (" ".join(args[:1]), rc, err or (out or "").strip()), cmd=cmd, rc=rc, stderr=err)
        return out

    def run_json(self, args, data=None):
        out = self.run(list(args) + ["-o", "json"], data=data)
        try:
            return json.loads(out)
        except ValueError:
            raise KubectlError("kubectl %s returned no JSON: %r" % (args[0], out[:200]), cmd=self.base_command() + list(args))

    def get(self, kind, name, namespace=None):
        """The object as a dict (``kubectl get KIND NAME -n NS -o json``)."""
        return self.run_json(["get", kind, name] + _namespace_args(namespace))

    def get_configmap(self, name, namespace=None):
        return self.get("configmap", name, namespace)

    def replace(self, obj, validate=False):
        """PUT ``obj``; its ``metadata.resourceVersion`` makes a write over a changed object a Conflict."""
        args = ["replace", "-f", "-"]
        if not validate:
            args.append("--validate=false")
        return self.run_json(args, data=json.dumps(obj))

    def patch(self, kind, name, patch, namespace=None, patch_type="merge"):
        """Patch an object through a 0600 temporary file; a ``metadata.resourceVersion`` in it is a precondition too."""
        handle, path = tempfile.mkstemp(prefix="kubectl-patch-", suffix=".json")
        try:
            with os.fdopen(handle, "w") as stream:
                json.dump(patch, stream)
            args = ["patch", kind, name, "--type", patch_type, "--patch-file", path] + _namespace_args(namespace)
            return self.run_json(args)
        finally:
            os.unlink(path)

    def replace_configmap_data(self, configmap, key, text):
        """Write ``text`` under ``data[key]`` of a ConfigMap as read, guarded by its resourceVersion; the stored object."""
        if not configmap.get("metadata", {}).get("resourceVersion"):
            raise KubectlError("the ConfigMap has no metadata.resourceVersion to guard the write with")
        updated = json.loads(json.dumps(configmap))
        updated.setdefault("data", {})[key] = text
        return self.replace(updated)


def _namespace_args(namespace):
    return ["-n", namespace] if namespace else []


# The Kubernetes target of every module that runs kubectl (doc fragment ncp_cluster; module_defaults group/ncp.mp_to_policy.ncp).
KUBECTL_ARGSPEC = dict(
    kubectl=dict(type="str", default="kubectl"),
    kubeconfig=dict(type="path"),
    context=dict(type="str"),
)

# NCP's objects as ncp_service and ncp_host_preflight take them (doc fragment ncp.mp_to_policy.ncp_cluster.objects).
NCP_CLUSTER_ARGSPEC = dict(
    KUBECTL_ARGSPEC,
    namespace=dict(type="str", default="nsx-system"),
    deployment=dict(type="str", default="nsx-ncp"),
    configmap=dict(type="str", default="nsx-ncp-config"),
    configmap_key=dict(type="str", default="ncp.ini", no_log=False),
)


def kubectl_target(params, suboptions):
    """kubectl, kubeconfig and context: a deprecated C(configmap) suboption wins over its option at the default (differing: ValueError)."""
    target = {}
    for name, spec in KUBECTL_ARGSPEC.items():
        top, sub = params.get(name), (suboptions or {}).get(name)
        if sub is not None and top not in (None, spec.get("default"), sub):
            raise ValueError("configmap.%s (%s) and %s (%s) differ: set only %s (configmap.%s is deprecated)" % (name, sub, name, top, name, name))
        target[name] = top if sub is None else sub
    return target
