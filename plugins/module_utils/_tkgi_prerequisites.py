# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TKGI's own prerequisites of its MP-to-Policy migration (issue 27), one finding each.

Source: docs-pks mp2p-migration and mp2p-migration-concepts (vendor-facts 6.1). What they do not settle is marked
UNCONFIRMED here and in docs/nsx-api.md, and is configurable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import fnmatch
import json
import re
import time

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import _first_line, _on, finding
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

# Where a network profile sets NCP's k8s_np_use_ip_sets (docs-pks mp2p-migration-concepts); TKGI's default is true.
IP_SETS_PATH = ("parameters", "cni_configurations", "parameters", "extensions", "ncp", "nsx_v3", "k8s_np_use_ip_sets")

PRINCIPAL_IDENTITIES = "/api/v1/trust-management/principal-identities"
CERTIFICATES = "/api/v1/trust-management/certificates"

FALSE_WORDS = ("false", "no", "off", "0")


def _error(check_id, message, fix, cluster=None, object_type=None, object_id=None, severity="error", display_name=None):
    return [finding(check_id, severity, message, fix, cluster=cluster, object_type=object_type, object_id=object_id, display_name=display_name)]


# ---- on the host where tkgi is logged in ---------------------------------------------------------------------------


def check_tkgi_version(rc, output, minimum, tkgi, cluster, host=None):
    """The first x.y.z in ``tkgi --version`` must be ``minimum`` or later (the output's wording is UNCONFIRMED)."""
    match = re.search(r"(?<![\d.])(\d+\.\d+\.\d+)", output or "") if rc == 0 else None
    if match is None:
        message = "Could not read the TKGI CLI's version%s (%s --version, rc %s): %s" % (_on(host), tkgi, rc, _first_line(output) or "no output")
        fix = "Run %s --version by hand; TKGI's MP-to-Policy migration needs the tile, the CLI and every cluster at %s or later." % (tkgi, minimum)
        return _error("tkgi_version", message, fix, cluster, "Host", host)
    if _version_at_least(parse_version(match.group(1)), parse_version(minimum)):
        return []
    message = "The TKGI CLI%s is %s, older than %s, the first TKGI with tkgi promote-cluster-to-policy" % (_on(host), match.group(1), minimum)
    fix = "Upgrade the TKGI tile, the CLI and every cluster to %s or later (the latest patch of your TKGI line) before the window." % minimum
    return _error("tkgi_version", message, fix, cluster, "Host", host)


def network_profile_name(cluster_json):
    """The profile ``tkgi cluster NAME --json`` names, "" (none), or None without the (UNCONFIRMED) key."""
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


def check_profile_nsgroups(profile, cluster):
    """NSGroups (e.g. ``master_vms_nsgroup_id``, Bootstrap Security Group) are unsupported: any non-empty value under a
    key with ``nsgroup`` in its name is reported."""
    found = []
    for path, value in _walk(profile.get("parameters") or {}, ("parameters",)):
        if value not in (None, "", []) and any("nsgroup" in part.lower() for part in path):
            message = (
                "Network profile %s of cluster %s sets %s = %s: TKGI's MP-to-Policy migration does not support clusters configured"
                " with NSGroups (Bootstrap Security Group)" % (profile.get("name"), cluster, ".".join(path), value)
            )
            fix = (
                "Remove the NSGroup from the cluster's configuration (a network profile without %s) before the window, or leave"
                " %s out of the migration and ask VMware support." % (path[-1], cluster)
            )
            found.extend(_error("tkgi_network_profile_nsgroup", message, fix, cluster, "NetworkProfile", profile.get("name")))
    return found


def check_profile_ip_sets(profile, cluster):
    """``ncp.nsx_v3.k8s_np_use_ip_sets`` false is unsupported; unset means TKGI's default, true."""
    value = profile
    for key in IP_SETS_PATH:
        value = value.get(key) if isinstance(value, dict) else None
    if value is False or (isinstance(value, str) and value.strip().lower() in FALSE_WORDS):
        name = profile.get("name")
        message = "Network profile %s of cluster %s sets ncp.nsx_v3.k8s_np_use_ip_sets to %s: TKGI cannot promote the cluster" % (name, cluster, value)
        fix = (
            'Update the cluster with a network profile that has "ncp.nsx_v3.k8s_np_use_ip_sets": true (tkgi update-cluster %s'
            " --network-profile NEW-PROFILE) before the window." % cluster
        )
        return _error("tkgi_np_use_ip_sets", message, fix, cluster, "NetworkProfile", name)
    return []


def check_profile_policy_only(profile, cluster, policy_only_objects=POLICY_ONLY_OBJECTS):
    """A network profile value that names a Policy-only object (by name or ID) blocks the cluster's promotion."""
    wanted = set(name.lower() for name in policy_only_objects)
    found = []
    for path, value in _walk(profile.get("parameters") or {}, ("parameters",)):
        if isinstance(value, str) and value.strip().lower() in wanted:
            message = (
                "Network profile %s of cluster %s references %s (%s), an NSX Policy API object: TKGI migrates only clusters"
                " that reference Manager API objects only" % (profile.get("name"), cluster, value, ".".join(path))
            )
            fix = "Update the cluster with a network profile that names a Manager API object instead of %s, before the window." % value
            found.extend(_error("tkgi_policy_only_objects", message, fix, cluster, "NetworkProfile", profile.get("name")))
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
    """(profile, None), (None, error), or (None, None) when the cluster names none; the JSON shape is UNCONFIRMED."""
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


def host_checks_of(run, tkgi, cluster, host=None, wanted=lambda _check: True, policy_only_objects=POLICY_ONLY_OBJECTS, min_version=MIN_TKGI_VERSION):
    """[(check ID, findings)] read with ``tkgi`` (``run``: argv -> (rc, out, err)); an unreadable profile fails each
    profile check, no profile passes them (TKGI's defaults)."""
    results = []
    if wanted("tkgi_version"):
        rc, out, err = run([tkgi, "--version"])
        results.append(("tkgi_version", check_tkgi_version(rc, out + err, min_version, tkgi, cluster, host)))
    if not any(wanted(check_id) for check_id in PROFILE_CHECK_IDS):
        return results
    profile, error = read_network_profile(run, tkgi, cluster)

    def profile_check(check_id, check, *args):
        if not wanted(check_id):
            return
        if error:
            message = "Could not read the network profile of cluster %s%s (%s)" % (cluster, _on(host), error)
            fix = (
                "Check it by hand (tkgi cluster %s; tkgi network-profile NAME) against TKGI's MP-to-Policy prerequisites, then waive"
                " %s in ncp_preflight_waivers." % (cluster, check_id)
            )
            results.append((check_id, _error(check_id, message, fix, cluster, "Host", host)))
        else:
            results.append((check_id, check(profile or {}, cluster, *args)))

    profile_check("tkgi_network_profile_nsgroup", check_profile_nsgroups)
    profile_check("tkgi_np_use_ip_sets", check_profile_ip_sets)
    profile_check("tkgi_policy_only_objects", check_profile_policy_only, policy_only_objects)
    return results


# ---- on NSX --------------------------------------------------------------------------------------------------------


def check_tkgi_nsx_version(version_text, minimum=MIN_NSX_VERSION):
    version = parse_version(version_text)
    if version is not None and _version_at_least(version, parse_version(minimum)):
        return []
    message = "NSX %s is older than %s, the oldest NSX TKGI's MP-to-Policy migration supports" % (version_text, minimum)
    return _error("tkgi_nsx_version", message, "Upgrade NSX to %s or later (while every TKGI cluster is still in Manager mode) before the window." % minimum)


def check_dedicated(identities, foundation_patterns):
    """TKGI needs an NSX dedicated to one foundation: every principal identity not matching ``foundation_patterns``
    (fnmatch; whose names are whose is UNCONFIRMED) is reported, each one as a warning when none are given."""
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
        message = (
            "Principal identity %s (role %s) on NSX is not this TKGI foundation's (%s): TKGI migrates only an NSX dedicated"
            " to one TKGI foundation, without TAS or Aria Automation" % (name or pi.get("id"), pi.get("role") or "?", ", ".join(foundation_patterns))
        )
        fix = (
            "Do not start: move the other product or foundation off this NSX (or contact VMware support); if %s is this"
            " foundation's, add it to ncp_tkgi_principal_identities." % (name or pi.get("id"))
        )
        found.extend(_error("tkgi_nsx_dedicated", message, fix, object_type="PrincipalIdentity", object_id=pi.get("id"), display_name=name or None))
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
    """Certificates may not be rotated during the migration: each must stay valid until ``window_end`` (epoch seconds;
    ``details[].not_after`` is in ms). Without it they are checked against ``now``, with an info saying so."""
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
        where = dict(object_type="Certificate", object_id=cert.get("id"), display_name=cert.get("display_name"))
        if not ends:
            message = "Certificate %s on NSX shows no expiry date (details.not_after)" % name
            fix = "Check its expiry by hand (System > Certificates) against the window's end %s." % _utc(window_end)
            found.extend(_error("tkgi_certificates_valid", message, fix, severity="warning", **where))
            continue
        expiry = min(float(end) / 1000.0 for end in ends)
        if expiry < window_end:
            message = "Certificate %s on NSX expires %s, before the window ends (%s): certificates may not be rotated during TKGI's migration" % (
                name,
                _utc(expiry),
                _utc(window_end),
            )
            fix = "Renew and replace it before the window starts (and before any cluster is promoted)."
            found.extend(_error("tkgi_certificates_valid", message, fix, **where))
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
