# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TKGI's own prerequisites of its MP-to-Policy migration (issue 27), one finding each, for TKGI clusters only.

Source: TKGI "Migrating from NSX Management Plane API to Policy API" (pivotal-cf/docs-pks mp2p-migration.html.md.erb,
Prerequisites) and its overview (mp2p-migration-concepts.html.md.erb, Supported / Unsupported Configurations, Before
MP2P Migration); vendor-facts.md section 6.1. The checks judge data already read (pure functions, JSON fixtures in
tests); ``host_checks_of`` runs the ``tkgi`` CLI where it is logged in, ``nsx_checks_of`` reads NSX through the one
client. What the public sources do not settle is marked UNCONFIRMED here and in docs/nsx-api.md, and is configurable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import fnmatch
import json
import re
import time

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import finding
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_checks import _version_at_least, parse_version

# TKGI MP2P arrived in TKGI 1.15.1 (docs-pks release notes 1.15); NSX 4.0.1.1 or later (mp2p-migration Prerequisites).
MIN_TKGI_VERSION = "1.15.1"
MIN_NSX_VERSION = "4.0.1.1"

# Policy-only objects the TKGI prerequisites name (the default SSL profiles of the Policy API); a cluster that references
# one cannot migrate. The list is an example in the source ("such as"): the operator may extend it.
POLICY_ONLY_OBJECTS = (
    "default-balanced-client-ssl-profile",
    "default-high-compatibility-client-ssl-profile",
    "default-high-security-client-ssl-profile",
)

# Where a network profile sets NCP's k8s_np_use_ip_sets: docs-pks network profiles put NCP options under
# parameters.cni_configurations.parameters.extensions.ncp.<section>.<option> (mp2p-migration-concepts, GFW Migration
# example for nsx_v3.natfirewallmatch); TKGI's default is true.
IP_SETS_PATH = ("parameters", "cni_configurations", "parameters", "extensions", "ncp", "nsx_v3", "k8s_np_use_ip_sets")

PRINCIPAL_IDENTITIES = "/api/v1/trust-management/principal-identities"
CERTIFICATES = "/api/v1/trust-management/certificates"

FALSE_WORDS = ("false", "no", "off", "0")


def _first_line(text):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _on(host):
    return " on %s" % host if host else ""


def _error(check_id, message, fix, cluster=None, object_type=None, object_id=None, severity="error", display_name=None):
    return [finding(check_id, severity, message, fix, cluster=cluster, object_type=object_type, object_id=object_id, display_name=display_name)]


# ---- on the host where tkgi is logged in ---------------------------------------------------------------------------


def check_tkgi_version(rc, output, minimum, tkgi, cluster, host=None):
    """``tkgi --version`` (exit ``rc``, text ``output``) must name TKGI ``minimum`` or later. The wording of the output is
    UNCONFIRMED: the first dotted number (x.y.z) in it is taken as the CLI's version."""
    match = re.search(r"(?<![\d.])(\d+\.\d+\.\d+)", output or "") if rc == 0 else None
    if match is None:
        return _error(
            "tkgi_version",
            "Could not read the TKGI CLI's version%s (%s --version, rc %s): %s" % (_on(host), tkgi, rc, _first_line(output) or "no output"),
            "Run %s --version by hand; TKGI's MP-to-Policy migration needs the tile, the CLI and every cluster at %s or later." % (tkgi, minimum),
            cluster,
            "Host",
            host,
        )
    if _version_at_least(parse_version(match.group(1)), parse_version(minimum)):
        return []
    return _error(
        "tkgi_version",
        "The TKGI CLI%s is %s, older than %s, the first TKGI with tkgi promote-cluster-to-policy" % (_on(host), match.group(1), minimum),
        "Upgrade the TKGI tile, the CLI and every cluster to %s or later (the latest patch of your TKGI line) before the window." % minimum,
        cluster,
        "Host",
        host,
    )


def network_profile_name(cluster_json):
    """The network profile ``tkgi cluster NAME --json`` names: a name, "" (none), or None when the answer has no such key.
    ``tkgi cluster`` prints "Network Profile Name"; the JSON key ``network_profile_name`` is UNCONFIRMED."""
    if not isinstance(cluster_json, dict) or "network_profile_name" not in cluster_json:
        return None
    return cluster_json.get("network_profile_name") or ""


def _walk(value, path=()):
    """(path, leaf) of every leaf of a JSON value."""
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _walk(value[key], path + (str(key),))
    elif isinstance(value, list):
        for index, entry in enumerate(value):
            yield from _walk(entry, path + (str(index),))
    else:
        yield path, value


def _dotted(path):
    return ".".join(path)


def check_profile_nsgroups(profile, cluster):
    """NSGroups in the cluster's configuration are unsupported (Bootstrap Security Group: the network profile parameter
    ``master_vms_nsgroup_id``, docs-pks network-profiles-ns-groups). Every non-empty value of a key naming an NSGroup
    (``nsgroup`` in its name, any case) is reported."""
    found = []
    for path, value in _walk(profile.get("parameters") or {}, ("parameters",)):
        if value not in (None, "", []) and any("nsgroup" in part.lower() for part in path):
            found.extend(
                _error(
                    "tkgi_network_profile_nsgroup",
                    "Network profile %s of cluster %s sets %s = %s: TKGI's MP-to-Policy migration does not support clusters configured"
                    " with NSGroups (Bootstrap Security Group)" % (profile.get("name"), cluster, _dotted(path), value),
                    "Remove the NSGroup from the cluster's configuration (a network profile without %s) before the window, or leave"
                    " %s out of the migration and ask VMware support." % (path[-1], cluster),
                    cluster,
                    "NetworkProfile",
                    profile.get("name"),
                )
            )
    return found


def check_profile_ip_sets(profile, cluster):
    """``ncp.nsx_v3.k8s_np_use_ip_sets`` false is unsupported; unset means TKGI's default, true."""
    value = profile
    for key in IP_SETS_PATH:
        value = value.get(key) if isinstance(value, dict) else None
    if value is False or (isinstance(value, str) and value.strip().lower() in FALSE_WORDS):
        return _error(
            "tkgi_np_use_ip_sets",
            "Network profile %s of cluster %s sets ncp.nsx_v3.k8s_np_use_ip_sets to %s: TKGI cannot promote the cluster"
            % (profile.get("name"), cluster, value),
            'Update the cluster with a network profile that has "ncp.nsx_v3.k8s_np_use_ip_sets": true (tkgi update-cluster %s'
            " --network-profile NEW-PROFILE) before the window." % cluster,
            cluster,
            "NetworkProfile",
            profile.get("name"),
        )
    return []


def check_profile_policy_only(profile, cluster, policy_only_objects=POLICY_ONLY_OBJECTS):
    """A network profile value that names a Policy-only object (by name or ID) blocks the cluster's promotion."""
    wanted = set(name.lower() for name in policy_only_objects)
    found = []
    for path, value in _walk(profile.get("parameters") or {}, ("parameters",)):
        if isinstance(value, str) and value.strip().lower() in wanted:
            found.extend(
                _error(
                    "tkgi_policy_only_objects",
                    "Network profile %s of cluster %s references %s (%s), an NSX Policy API object: TKGI migrates only clusters"
                    " that reference Manager API objects only" % (profile.get("name"), cluster, value, _dotted(path)),
                    "Update the cluster with a network profile that names a Manager API object instead of %s, before the window." % value,
                    cluster,
                    "NetworkProfile",
                    profile.get("name"),
                )
            )
    return found


PROFILE_CHECK_IDS = ("tkgi_network_profile_nsgroup", "tkgi_np_use_ip_sets", "tkgi_policy_only_objects")


def _json_of(rc, out, err):
    """(parsed JSON, None) of a CLI answer, or (None, why not)."""
    if rc != 0:
        return None, "rc %s: %s" % (rc, _first_line(err or out) or "no output")
    try:
        return json.loads(out), None
    except ValueError:
        return None, "not JSON: %s" % (_first_line(out) or "no output")


def read_network_profile(run, tkgi, cluster):
    """(profile or None, error or None): the network profile ``tkgi cluster CLUSTER --json`` names, read with ``tkgi
    network-profile NAME --json`` (its JSON shape, the profile definition ``{name, description, parameters}``, is
    UNCONFIRMED: docs-pks documents the definition file, not the CLI's JSON). (None, None): the cluster has none."""
    answer, error = _json_of(*run([tkgi, "cluster", cluster, "--json"]))
    if error is not None:
        return None, "%s cluster %s --json: %s" % (tkgi, cluster, error)
    name = network_profile_name(answer)
    if name is None:
        return None, "the answer of %s cluster %s --json has no network_profile_name" % (tkgi, cluster)
    if not name:
        return None, None
    profile, error = _json_of(*run([tkgi, "network-profile", name, "--json"]))
    if error is not None:
        return None, "%s network-profile %s --json: %s" % (tkgi, name, error)
    if not isinstance(profile, dict):
        return None, "%s network-profile %s --json is not an object" % (tkgi, name)
    return profile, None


def _unreadable_profile(check_id, error, cluster, host):
    return _error(
        check_id,
        "Could not read the network profile of cluster %s%s (%s)" % (cluster, _on(host), error),
        "Check it by hand (tkgi cluster %s; tkgi network-profile NAME) against TKGI's MP-to-Policy prerequisites, then waive"
        " %s in ncp_preflight_waivers." % (cluster, check_id),
        cluster,
        "Host",
        host,
    )


def host_checks_of(run, tkgi, cluster, host=None, wanted=lambda _check: True, policy_only_objects=POLICY_ONLY_OBJECTS, min_version=MIN_TKGI_VERSION):
    """[(check ID, findings)] of the TKGI prerequisites read with the ``tkgi`` CLI (``run``: argv -> (rc, out, err)).
    A profile that cannot be read fails each profile check with the reason; no profile means TKGI's defaults (none of
    them unsupported)."""
    results = []
    if wanted("tkgi_version"):
        rc, out, err = run([tkgi, "--version"])
        results.append(("tkgi_version", check_tkgi_version(rc, out + err, min_version, tkgi, cluster, host)))
    if not any(wanted(check_id) for check_id in PROFILE_CHECK_IDS):
        return results
    profile, error = read_network_profile(run, tkgi, cluster)
    judged = profile or {}
    if wanted("tkgi_network_profile_nsgroup"):
        found = _unreadable_profile("tkgi_network_profile_nsgroup", error, cluster, host) if error else check_profile_nsgroups(judged, cluster)
        results.append(("tkgi_network_profile_nsgroup", found))
    if wanted("tkgi_np_use_ip_sets"):
        found = _unreadable_profile("tkgi_np_use_ip_sets", error, cluster, host) if error else check_profile_ip_sets(judged, cluster)
        results.append(("tkgi_np_use_ip_sets", found))
    if wanted("tkgi_policy_only_objects"):
        found = (
            _unreadable_profile("tkgi_policy_only_objects", error, cluster, host) if error else check_profile_policy_only(judged, cluster, policy_only_objects)
        )
        results.append(("tkgi_policy_only_objects", found))
    return results


# ---- on NSX --------------------------------------------------------------------------------------------------------


def check_tkgi_nsx_version(version_text, minimum=MIN_NSX_VERSION):
    version = parse_version(version_text)
    if version is not None and _version_at_least(version, parse_version(minimum)):
        return []
    return _error(
        "tkgi_nsx_version",
        "NSX %s is older than %s, the oldest NSX TKGI's MP-to-Policy migration supports" % (version_text, minimum),
        "Upgrade NSX to %s or later (while every TKGI cluster is still in Manager mode) before the window." % minimum,
    )


def check_dedicated(identities, foundation_patterns):
    """TKGI migrates only an NSX dedicated to one TKGI foundation, with no TAS or Aria Automation on it. NSX shows who
    uses its API as principal identities (``GET /api/v1/trust-management/principal-identities``); which names TKGI,
    TAS or Aria Automation give theirs is UNCONFIRMED, so the operator names this foundation's (fnmatch patterns,
    ``foundation_patterns``) and every other principal identity is reported. None given: each one is a warning to confirm."""
    if not foundation_patterns:
        names = sorted(pi.get("name") or pi.get("id") or "?" for pi in identities)
        if not names:
            return []
        return _error(
            "tkgi_nsx_dedicated",
            "NSX has %d principal identit%s (%s): the preflight cannot tell whether each is this TKGI foundation's"
            % (len(names), "y" if len(names) == 1 else "ies", ", ".join(names)),
            "Confirm that no other TKGI foundation, TAS or Aria Automation uses this NSX, then name this foundation's principal"
            " identities in ncp_tkgi_principal_identities (patterns, e.g. pks-*).",
            severity="warning",
        )
    found = []
    for pi in identities:
        name = pi.get("name") or ""
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in foundation_patterns):
            continue
        found.extend(
            _error(
                "tkgi_nsx_dedicated",
                "Principal identity %s (role %s) on NSX is not this TKGI foundation's (%s): TKGI migrates only an NSX dedicated"
                " to one TKGI foundation, without TAS or Aria Automation" % (name or pi.get("id"), pi.get("role") or "?", ", ".join(foundation_patterns)),
                "Do not start: move the other product or foundation off this NSX (or contact VMware support); if %s is this"
                " foundation's, add it to ncp_tkgi_principal_identities." % (name or pi.get("id")),
                object_type="PrincipalIdentity",
                object_id=pi.get("id"),
                display_name=name or None,
            )
        )
    return found


def parse_window_end(text):
    """Seconds since the epoch of an ISO 8601 UTC time (``2026-12-05T06:00:00Z``, or a date); ValueError otherwise."""
    value = str(text).strip()
    for form in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d"):
        try:
            return float(calendar.timegm(time.strptime(value, form)))
        except ValueError:
            continue
    raise ValueError("%r is not a UTC time like 2026-12-05T06:00:00Z" % (text,))


def _utc(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def check_certificates(certificates, window_end, now=None):
    """Certificates may not be rotated during TKGI's migration: each one NSX holds must stay valid until ``window_end``
    (seconds since the epoch). NSX's Certificate has ``details``, X509Certificate entries with ``not_after`` in epoch
    milliseconds (NSX API reference, Certificate / X509Certificate). Without ``window_end`` they are checked against
    ``now`` (an expired one is an error) and an info says the window was not checked."""
    if window_end is None:
        window_end = time.time() if now is None else now
        return _error(
            "tkgi_certificates_valid",
            "The window's end was not given: NSX's %d certificate(s) were checked against now (%s), not the whole migration"
            % (len(certificates), _utc(window_end)),
            "Set ncp_tkgi_window_end to the window's end (UTC, e.g. 2026-12-05T06:00:00Z).",
            severity="info",
        ) + check_certificates(certificates, window_end)
    found = []
    for cert in certificates:
        ends = [entry.get("not_after") for entry in cert.get("details") or [] if isinstance(entry, dict) and entry.get("not_after") is not None]
        name = cert.get("display_name") or cert.get("id")
        if not ends:
            found.extend(
                _error(
                    "tkgi_certificates_valid",
                    "Certificate %s on NSX shows no expiry date (details.not_after)" % name,
                    "Check its expiry by hand (System > Certificates) against the window's end %s." % _utc(window_end),
                    object_type="Certificate",
                    object_id=cert.get("id"),
                    display_name=cert.get("display_name"),
                    severity="warning",
                )
            )
            continue
        expiry = min(float(end) / 1000.0 for end in ends)
        if expiry < window_end:
            found.extend(
                _error(
                    "tkgi_certificates_valid",
                    "Certificate %s on NSX expires %s, before the window ends (%s): certificates may not be rotated during TKGI's"
                    " migration" % (name, _utc(expiry), _utc(window_end)),
                    "Renew and replace it before the window starts (and before any cluster is promoted).",
                    object_type="Certificate",
                    object_id=cert.get("id"),
                    display_name=cert.get("display_name"),
                )
            )
    return found


def nsx_checks_of(client, version_text, wanted, min_version=MIN_NSX_VERSION, principal_identities=None, window_end=None):
    """[(check ID, findings)] of TKGI's NSX-side prerequisites, read through the one NSX client."""
    results = []
    if wanted("tkgi_nsx_version"):
        results.append(("tkgi_nsx_version", check_tkgi_nsx_version(version_text, min_version)))
    if wanted("tkgi_nsx_dedicated"):
        results.append(("tkgi_nsx_dedicated", check_dedicated(client.list_all(PRINCIPAL_IDENTITIES), principal_identities)))
    if wanted("tkgi_certificates_valid"):
        results.append(("tkgi_certificates_valid", check_certificates(list(client.paginate(CERTIFICATES)), window_end)))
    return results
