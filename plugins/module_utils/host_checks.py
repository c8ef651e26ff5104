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

from ansible_collections.ncp.mp_to_policy.plugins.module_utils.findings import finding
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.kubectl import KubectlError
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import IniError, NcpIni
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_manifest import ManifestError, ManifestIni

TRUE_WORDS = ("true", "yes", "on", "1")


def _first_line(text):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def check_python3(run, python, cluster):
    rc, out, err = run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
    if rc == 0 and out.strip().startswith("3."):
        return [], out.strip()
    return [
        finding(
            "host_python3",
            "error",
            "%s does not run Python 3 on this master (%s)" % (python, _first_line(err or out) or "rc %s" % rc),
            "Install python3 on the master, or point the importer's interpreter (importer_python) to one.",
            cluster=cluster,
        )
    ], None


def check_pyyaml(run, python, cluster):
    rc, out, err = run([python, "-c", "import yaml; print(yaml.__version__)"])
    if rc == 0:
        return [], out.strip()
    return [
        finding(
            "host_pyyaml",
            "error",
            "PyYAML is not importable by %s on this master (%s)" % (python, _first_line(err) or "rc %s" % rc),
            "Install PyYAML for that interpreter (for example: apt-get install python3-yaml, or pip install pyyaml).",
            cluster=cluster,
        )
    ], None


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
        return [
            finding(
                "host_kubectl",
                "error",
                "kubectl on this master cannot read %s %s: %s"
                % (kind, "%s/%s" % (namespace, name) if kind == "deployment" else name, _first_line(exc.stderr) or exc.message),
                "Give the importer kubectl access to the cluster (kubeconfig with read access to %s; check the context and the API server)." % namespace,
                cluster=cluster,
                object_type="Deployment",
                object_id="%s/%s" % (namespace, deployment),
            )
        ], None


def check_importer(importer_path, cluster):
    if importer_path and os.path.isfile(importer_path) and os.access(importer_path, os.R_OK):
        return []
    return [
        finding(
            "importer_present",
            "error",
            "The importer %s is not on this master" % (importer_path or "(importer_path not set)"),
            "Copy scripts/mp_to_policy_import/ of the NCP release in use to the master and set importer_path to mp_to_policy_importer.py.",
            cluster=cluster,
            object_id=importer_path,
        )
    ]


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
    if not version:
        return [
            finding(
                "ncp_version",
                "warning",
                "Could not tell the NCP version from the nsx-ncp image tag",
                "Set ncp_version for this cluster (the importer needs NCP %s or later)." % minimum,
                cluster=cluster,
            )
        ]
    have = tuple(int(p) for p in version.split(".")[:3])
    want = tuple(int(p) for p in minimum.split(".")[:3])
    if have + (0,) * (3 - len(have)) >= want + (0,) * (3 - len(want)):
        return []
    return [
        finding(
            "ncp_version",
            "error",
            "NCP %s is older than %s, the first release with the MP-to-Policy importer" % (version, minimum),
            "Upgrade NCP to %s or later (still in Manager mode) before the import." % minimum,
            cluster=cluster,
        )
    ]


# NCP's NSX settings, policy_nsxapi among them, live in [nsx_v3]: without it the Policy-mode switch after the
# import would fail with the cluster imported and NCP stopped, so it is a blocker found before the window.
NO_NSX_V3 = "it has no [nsx_v3] section (NCP's NSX settings and policy_nsxapi belong there)"


def _policy_nsxapi(ini):
    if not ini.has_section("nsx_v3"):
        return None, NO_NSX_V3
    return ini.get("nsx_v3", "policy_nsxapi"), None


def policy_nsxapi_from_ini(text):
    """(value of [nsx_v3] policy_nsxapi or None, error or None) from an ncp.ini text."""
    try:
        return _policy_nsxapi(NcpIni(text))
    except IniError as exc:
        return None, str(exc)


def policy_nsxapi_from_manifest(path):
    """(value, error) from the ncp.ini embedded in an NCP YAML manifest file."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except (IOError, OSError, UnicodeDecodeError) as exc:
        return None, "cannot read it (%s)" % exc
    try:
        return _policy_nsxapi(ManifestIni(text).ini)
    except (ManifestError, IniError) as exc:
        return None, str(exc)


def check_policy_nsxapi(sources, cluster):
    """``sources``: list of (where, value or None, error or None) read from each copy of ncp.ini."""
    found = []
    for where, value, error in sources:
        if error is not None:
            found.append(
                finding(
                    "policy_nsxapi_false",
                    "error",
                    "Could not read policy_nsxapi from %s: %s" % (where, error),
                    "Fix the file or the access to it; the import needs to know NCP's mode.",
                    cluster=cluster,
                    object_id=where,
                )
            )
        elif value is not None and value.strip().lower() in TRUE_WORDS:
            found.append(
                finding(
                    "policy_nsxapi_false",
                    "error",
                    "policy_nsxapi is %s in %s: NCP must still be in Manager mode before the import" % (value.strip(), where),
                    "If this cluster is already imported, leave it out of the run; otherwise set policy_nsxapi = False there.",
                    cluster=cluster,
                    object_id=where,
                )
            )
    return found
