# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ncp_ini_resource_unresolved: every NSX resource ncp.ini names, judged before the window (issue 26).

In the window, the Policy-mode switch resolves each item of each resource option (ncp_resource_options.Resolver) and
halts, with the clusters already stopped, on an item that names no MP object or several. The preflight asks the same
Resolver the same question (``find_mp``) against NSX's MP lists, read once for all clusters, so such an item is a
blocker found days before. Policy IDs are not asked for: the import has not created them yet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import finding
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import KINDS, RESOURCE_OPTIONS, collections_of, option_items

CHECK = "ncp_ini_resource_unresolved"
SECTION = "nsx_v3"

# What one item is, as the switch would see it: no finding (an MP ID, or a Policy ID that exists in Policy mode).
MISSING, AMBIGUOUS, BY_NAME = "missing", "ambiguous", "by_name"


def judge(resolver, kind, item, policy_mode):
    """(outcome, detail) for one item, or None when nothing is to be said.

    ``detail``: the MP object (BY_NAME), the sorted IDs sharing the name (AMBIGUOUS), None (MISSING).
    """
    mp_object, ambiguous = resolver.find_mp(kind, item)
    if ambiguous:
        return AMBIGUOUS, sorted(mp_object["id"] for mp_object in resolver.mp_named(kind, item))
    if mp_object is not None:
        return None if mp_object.get("id") == item else (BY_NAME, mp_object)
    # A cluster already in Policy mode writes Policy IDs (a re-run after its switch): one the Policy API has is fine.
    if policy_mode and resolver.existing_policy_path(kind, item):
        return None
    return MISSING, None


def _finding(cluster, option, item, kind, outcome, detail, sources, policy_mode):
    where = "[%s] %s in %s" % (SECTION, option, " and ".join(sources))
    severity, object_id = "error", None
    if outcome == MISSING:
        policy = " and no Policy object %s/%s exists" % (collections_of(kind)[0], item) if policy_mode else ""
        message = (
            "ncp.ini of cluster %s names %r (%s), but no MP %s has this display name or ID%s: the switch to Policy mode in the"
            " window would halt on it with NCP already stopped" % (cluster, item, where, kind.mp_type, policy)
        )
        fix = (
            "Correct the item to the display name or, safer, the ID of an existing %s (GET %s lists them) in every copy of"
            " ncp.ini (%s), or remove it; then run the preflight again." % (kind.mp_type, kind.mp_list, " and ".join(sources))
        )
    elif outcome == AMBIGUOUS:
        message = (
            "ncp.ini of cluster %s names %r (%s), the display name of %d MP %s objects (%s): the switch to Policy mode in the"
            " window would refuse it with NCP already stopped" % (cluster, item, where, len(detail), kind.mp_type, ", ".join(detail))
        )
        fix = (
            "Replace the name with the ID of the %s NCP uses (one of %s) in every copy of ncp.ini, or give the others"
            " other names; then run the preflight again." % (kind.mp_type, ", ".join(detail))
        )
    else:
        severity, object_id = "info", detail["id"]
        message = "ncp.ini of cluster %s names %s %s by its display name %r (%s): it resolves to that one object"
        message %= (cluster, kind.mp_type, object_id, item, where)
        fix = "Nothing blocks. An ID is safer: a second %s named %r before the window would make the switch refuse the name; writing %s instead avoids it."
        fix %= (kind.mp_type, item, object_id)
    return finding(CHECK, severity, message, fix, cluster=cluster, object_type=kind.mp_type, object_id=object_id, display_name=item)


def check_ncp_ini_resources(resolver, by_cluster):
    """Findings for ``by_cluster`` {cluster: [{source, policy_mode, values}]} (ncp_host_preflight's ncp_ini_resources),
    one per cluster, option, item and outcome, naming every copy of ncp.ini where it was seen."""
    seen = OrderedDict()
    for cluster in sorted(by_cluster):
        for copy in by_cluster[cluster] or []:
            policy_mode = bool(copy.get("policy_mode"))
            values = copy.get("values") or {}
            for option, kind_name in RESOURCE_OPTIONS.items():
                kind = KINDS[kind_name]
                for item in option_items(values.get(option)):
                    verdict = judge(resolver, kind, item, policy_mode)
                    if verdict is None:
                        continue
                    key = (cluster, option, item, verdict[0], policy_mode)
                    seen.setdefault(key, (kind, verdict[1], []))[2].append(copy.get("source") or "ncp.ini")
    return [
        _finding(cluster, option, item, kind, outcome, detail, sources, policy_mode)
        for (cluster, option, item, outcome, policy_mode), (kind, detail, sources) in seen.items()
    ]
