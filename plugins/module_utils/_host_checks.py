# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight checks on a cluster's import master (the importer's own requirements).

Each check is a small function returning findings in the shape of findings.py. ``run`` is
``(argv) -> (rc, stdout, stderr)`` so that a module passes ``module.run_command``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import _first_line, _on, finding, findings_unless
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._kubectl import KubectlError
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_manifest import ManifestError, ManifestIni
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import RESOURCE_OPTIONS
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_checks import _version_at_least, parse_version
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import IniError, NcpIni

TRUE_WORDS = ("true", "yes", "on", "1")


def check_python3(run, python, cluster, host=None):
    """(findings, the interpreter's version or None)."""
    rc, out, err = run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
    ok = rc == 0 and out.strip().startswith("3.")
    found = findings_unless(
        "host_python3",
        ok,
        "error",
        "%s does not run Python 3 on %s (%s)" % (python, host or "this master", _first_line(err or out) or "rc %s" % rc),
        "Install python3 on the master, or point the importer's interpreter (importer_python) to one.",
        cluster=cluster,
    )
    return found, out.strip() if ok else None


def check_pyyaml(run, python, cluster, host=None):
    rc, _out, err = run([python, "-c", "import yaml; print(yaml.__version__)"])
    return findings_unless(
        "host_pyyaml",
        rc == 0,
        "error",
        "PyYAML is not importable by %s on %s (%s)" % (python, host or "this master", _first_line(err) or "rc %s" % rc),
        "Install PyYAML for that interpreter (for example: apt-get install python3-yaml, or pip install pyyaml).",
        cluster=cluster,
    )


def check_kubectl(kubectl, namespace, deployment, cluster, platform="kubernetes"):
    """kubectl must reach the cluster (and see NCP's Deployment where NCP runs as one).

    Returns (findings, deployment or None). On TKGI, NCP runs under monit on the masters, so
    reading the namespace is what the importer's kubectl access needs.
    """
    kind, name = ("deployment", deployment) if platform == "kubernetes" else ("namespace", namespace)
    try:
        found = kubectl.get(kind, name, namespace if kind == "deployment" else None)
        return [], found if kind == "deployment" else None
    except KubectlError as exc:
        deployment_id = "%s/%s" % (namespace, deployment)
        what = deployment_id if kind == "deployment" else name
        message = "kubectl on this master cannot read %s %s: %s" % (kind, what, _first_line(exc.stderr) or exc.message)
        fix = "Give the importer kubectl access to the cluster (kubeconfig with read access to %s; check the context and the API server)." % namespace
        return [finding("host_kubectl", "error", message, fix, cluster=cluster, object_type="Deployment", object_id=deployment_id)], None


def check_importer(importer_path, cluster):
    return findings_unless(
        "importer_present",
        importer_path and os.path.isfile(importer_path) and os.access(importer_path, os.R_OK),
        "error",
        "The importer %s is not on this master" % (importer_path or "(importer_path not set)"),
        "Copy scripts/mp_to_policy_import/ of the NCP release in use to the master and set importer_path to mp_to_policy_importer.py.",
        cluster=cluster,
        object_id=importer_path,
    )


def ncp_version_from_deployment(deployment, container="nsx-ncp"):
    """NCP's version from its container image tag (e.g. ``nsx-ncp-ubuntu:4.1.2.22685581``)."""
    containers = (((deployment or {}).get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
    for item in containers:
        if item.get("name") == container or len(containers) == 1:
            image = item.get("image") or ""
            tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
            match = re.match(r"^v?(\d+(?:\.\d+)*)", tag)
            if match:
                return match.group(1)
    return None


def check_ncp_version(version, minimum, cluster):
    """NCP ``version`` at ``minimum`` or later, compared on their first three numbers."""
    if not version:
        fix = "Set ncp_version for this cluster (the importer needs NCP %s or later)." % minimum
        return [finding("ncp_version", "warning", "Could not tell the NCP version from the nsx-ncp image tag", fix, cluster=cluster)]
    return findings_unless(
        "ncp_version",
        _version_at_least(parse_version(version)[:3], parse_version(minimum)[:3]),
        "error",
        "NCP %s is older than %s, the first release with the MP-to-Policy importer" % (version, minimum),
        "Upgrade NCP to %s or later (still in Manager mode) before the import." % minimum,
        cluster=cluster,
    )


# NCP's NSX settings, policy_nsxapi among them, live in [nsx_v3]: without it the Policy-mode switch after the
# import would fail with the cluster imported and NCP stopped, so it is a blocker found before the window.
NO_NSX_V3 = "it has no [nsx_v3] section (NCP's NSX settings and policy_nsxapi belong there)"


def read_ini_text(text):
    """(NcpIni or None, error or None) from an ncp.ini text."""
    try:
        return NcpIni(text), None
    except IniError as exc:
        return None, str(exc)


def read_ini_file(path, manifest=False):
    """(NcpIni or None, error or None) of an ncp.ini file, or of the ncp.ini embedded in an NCP YAML ``manifest`` file."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except (IOError, OSError, UnicodeDecodeError) as exc:
        return None, "cannot read it (%s)" % exc
    if not manifest:
        return read_ini_text(text)
    try:
        return ManifestIni(text).ini, None
    except (ManifestError, IniError) as exc:
        return None, str(exc)


def policy_nsxapi_of(ini, error=None):
    """(value of [nsx_v3] policy_nsxapi or None, error or None) of a read ncp.ini (``read_ini_text``)."""
    if ini is None:
        return None, error
    if not ini.has_section("nsx_v3"):
        return None, NO_NSX_V3
    return ini.get("nsx_v3", "policy_nsxapi"), None


def resource_options_of(ini, source):
    """``{source, policy_mode, values}`` of one copy of ncp.ini for nsx_preflight's ncp_ini_resource_unresolved, ``values``
    the set [nsx_v3] options naming NSX resources; None when the copy could not be read (policy_nsxapi_false says why)."""
    if ini is None or not ini.has_section("nsx_v3"):
        return None
    policy_nsxapi = ini.get("nsx_v3", "policy_nsxapi")
    values = dict((option, ini.get("nsx_v3", option)) for option in RESOURCE_OPTIONS if ini.get("nsx_v3", option))
    return {"source": source, "policy_mode": bool(policy_nsxapi) and policy_nsxapi.strip().lower() in TRUE_WORDS, "values": values}


def check_policy_nsxapi(sources, cluster):
    """``sources``: list of (where, value or None, error or None) read from each copy of ncp.ini."""
    found = []
    for where, value, error in sources:
        if error is not None:
            problem = ("Could not read policy_nsxapi from %s: %s" % (where, error), "Fix the file or the access to it; the import needs to know NCP's mode.")
        elif value is not None and value.strip().lower() in TRUE_WORDS:
            problem = (
                "policy_nsxapi is %s in %s: NCP must still be in Manager mode before the import" % (value.strip(), where),
                "If this cluster is already imported, leave it out of the run; otherwise set policy_nsxapi = False there.",
            )
        else:
            continue
        found.append(finding("policy_nsxapi_false", "error", *problem, cluster=cluster, object_id=where))
    return found


# ---- the window's prerequisites, proved with the interpreters and rights the window will use (issue 25) ----------


def _host_error(check_id, ok, message, fix, cluster, host):
    """No finding when ``ok``, else the one error a window prerequisite check returns, about the master ``host``."""
    return findings_unless(check_id, ok, "error", message, fix, cluster=cluster, object_type="Host", object_id=host)


def check_module_libraries(missing, python, cluster, host=None):
    """``missing``: {library: error} of the libraries the collection's modules import on the master (requests,
    PyYAML), as Ansible's interpreter there (``python``) failed to import them."""
    names = ", ".join(sorted(missing))
    details = "; ".join("%s: %s" % (name, _first_line(error)) for name, error in sorted(missing.items()))
    message = "Ansible's interpreter %s%s cannot import %s (%s): nsx_mp_import would fail there in the window, after NCP was stopped"
    fix = (
        "Install them for that interpreter (apt-get install python3-requests python3-yaml, or pip install requests pyyaml), "
        "or set ansible_python_interpreter for %s to one that has them." % (host or "this master")
    )
    return _host_error("host_module_libraries", not missing, message % (python, _on(host), names, details), fix, cluster, host)


def configured_flags(argv):
    """The options (``-x`` / ``--name``, without ``=value``) of the importer command lines the window runs."""
    flags = []
    for arg in argv:
        if arg.startswith("-") and arg not in ("-", "--"):
            flag = arg.split("=", 1)[0]
            if flag not in flags:
                flags.append(flag)
    return flags


def check_importer_flags(rc, help_text, flags, command, cluster, host=None):
    """The importer's ``--help`` (exit ``rc``, text ``help_text``) must name every configured flag."""
    if rc != 0:
        message = "The importer's --help failed%s (%s, rc %s): %s" % (_on(host), " ".join(command), rc, _first_line(help_text) or "no output")
        fix = "Run the command by hand on %s and fix the importer or its interpreter (ncp_importer_python)." % (host or "the master")
    else:
        unknown = [flag for flag in flags if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(flag), help_text)]
        message = "The importer%s does not accept %s (not in its --help): the window's import command would be refused" % (_on(host), ", ".join(unknown))
        fix = "Fix ncp_importer_argv to the flags of the importer release in use, or install the importer that has them."
    return _host_error("importer_cli_flags", rc == 0 and not unknown, message, fix, cluster, host)


def check_nsx_reachable(error, nsx_manager, ca_source, cluster, host=None):
    """``error``: why an HTTPS request from the master to the NSX Manager failed (None: it answered)."""
    message = "The NSX Manager %s is not reachable%s with %s: %s" % (nsx_manager, _on(host), ca_source, error)
    fix = "Open the route / firewall from %s to %s (HTTPS), or fix nsx_ca_path to the CA that signed the manager's certificate."
    return _host_error("host_nsx_reachable", error is None, message, fix % (host or "the master", nsx_manager), cluster, host)


# What the window does with kubectl, as `kubectl auth can-i` arguments: scale nsx-ncp (ncp_service: kubectl scale sends a
# PATCH of the scale subresource) and write its ConfigMap (ncp_config: replace, i.e. update, and patch).
def kubectl_rights(namespace, deployment, configmap):
    return [
        ("patch", "deployment/%s" % deployment, "scale", namespace),
        ("update", "configmap/%s" % configmap, None, namespace),
        ("patch", "configmap/%s" % configmap, None, namespace),
    ]


def check_kubectl_rights(answers, cluster, host=None):
    """``answers``: [((verb, resource, subresource, namespace), rc, output)] of ``kubectl auth can-i``."""
    denied = []
    for (verb, resource, subresource, namespace), rc, output in answers:
        if rc != 0 or output.strip().splitlines()[:1] != ["yes"]:
            what = "%s %s%s in %s" % (verb, resource, " (%s)" % subresource if subresource else "", namespace)
            denied.append("%s: %s" % (what, _first_line(output) or "rc %s" % rc))
    message = "kubectl%s may not do what the window needs: %s" % (_on(host), "; ".join(denied))
    fix = "Give the kubeconfig's user those rights (RBAC: patch deployments/scale, update and patch configmaps in the NCP namespace)."
    return _host_error("host_kubectl_rights", not denied, message, fix, cluster, host)


def writable_error(path, directory=False):
    """Why the window could not write ``path`` (None when it can): a file, or a directory to create files in.
    A missing directory counts as writable when its nearest existing parent is (the modules create it)."""
    target = path
    if directory:
        while not os.path.exists(target):
            parent = os.path.dirname(target)
            if parent == target:
                break
            target = parent
        if not os.path.isdir(target):
            return "%s is not a directory" % target
        return None if os.access(target, os.W_OK | os.X_OK) else "%s is not writable" % target
    if not os.path.exists(path):
        return "%s does not exist" % path
    # An atomic write replaces the file: its directory must take a new file too.
    for item in (path, os.path.dirname(path) or "."):
        if not os.access(item, os.W_OK):
            return "%s is not writable" % item
    return None


def check_writable(check_id, error, what, cluster, host=None):
    fix = "Make it writable for the user Ansible connects as on %s (mount read-write, owner, mode)." % (host or "the master")
    return _host_error(check_id, error is None, "The %s is not writable%s: %s" % (what, _on(host), error), fix, cluster, host)


# Seconds the preflight task may take from the controller to a master.
CLOCK_TRANSIT = 30.0


def clock_skew(master_time, controller_time, transit=CLOCK_TRANSIT):
    """Seconds the master's clock is off from the controller's (0 within the ``transit`` the task took to arrive:
    the controller's time is read before the connection, so a later master time up to ``transit`` is no skew)."""
    offset = master_time - controller_time
    if 0 <= offset <= transit:
        return 0.0
    return offset if offset < 0 else offset - transit


def check_clock(skew, max_skew, cluster, host=None):
    direction = "behind" if skew < 0 else "ahead of"
    message = "The clock%s is %.0f s %s the controller's (more than %s s): the quiesce and the journal's times are compared across them"
    fix = "Synchronise %s with NTP (timedatectl set-ntp true; chronyc makestep) and run the preflight again." % (host or "the master")
    return _host_error("host_clock_skew", abs(skew) <= max_skew, message % (_on(host), abs(skew), direction, max_skew), fix, cluster, host)


def check_tkgi_login(rc, output, tkgi, cluster, host=None):
    """``tkgi cluster CLUSTER --json`` must answer: tkgi is logged in and knows the cluster."""
    message = "%s cluster %s failed%s (rc %s): %s" % (tkgi, cluster, _on(host), rc, _first_line(output) or "no output")
    fix = "Log tkgi in on %s (tkgi login -a TKGI-API -u USER -k or --ca-cert) with a user allowed to promote %s." % (host or "the master", cluster)
    return _host_error("host_tkgi_login", rc == 0, message, fix, cluster, host)
