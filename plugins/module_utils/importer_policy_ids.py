# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read back from NSX the Policy IDs the shared-resource import gave (MP id -> Policy id).

Which rule an NCP 4.x importer uses to name Policy objects is UNCONFIRMED (display-name derived
or the MP UUID), so the IDs are never computed: a promoted MP object carries the tag
``{scope: policyPath, tag: <policy path>}`` and its last path segment is the Policy ID.

Shared resources are the MP Tier-0/Tier-1 routers, IP blocks and IP pools that carry no
``ncp/cluster`` tag (NCP did not create them). When the user spec names resources, only those
named (by MP id or display name) are returned; without a user spec, every promoted one is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

POLICY_PATH_SCOPE = "policyPath"
CLUSTER_TAG_SCOPE = "ncp/cluster"
SHARED_KIND_PATHS = ("/api/v1/logical-routers", "/api/v1/pools/ip-blocks", "/api/v1/pools/ip-pools")
# Parts of the user spec that name no shared resource.
_NOT_SHARED_KEYS = ("k8s-clusters",)


def shared_resource_refs(user_spec):
    """Every string in the user spec (keys and values) outside ``k8s-clusters``, as a set.

    The spec's key names for shared resources are UNCONFIRMED, so rather than guess them every
    name or ID it mentions counts; extra strings only fail to match an object.
    """
    refs = set()

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _NOT_SHARED_KEYS:
                    continue
                walk(key)
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value:
            refs.add(value)

    walk(user_spec or {})
    return refs


def policy_path_of(mp_object):
    for tag in mp_object.get("tags") or []:
        if tag.get("scope") == POLICY_PATH_SCOPE and tag.get("tag"):
            return tag["tag"]
    return None


def _is_cluster_owned(mp_object):
    return any(tag.get("scope") == CLUSTER_TAG_SCOPE for tag in mp_object.get("tags") or [])


def shared_policy_ids(client, refs=None):
    """{MP id: Policy id} of promoted shared resources; ``refs`` limits them to names/IDs given."""
    result = {}
    for path in SHARED_KIND_PATHS:
        for mp_object in client.paginate(path):
            if _is_cluster_owned(mp_object):
                continue
            if refs and mp_object.get("id") not in refs and mp_object.get("display_name") not in refs:
                continue
            policy_path = policy_path_of(mp_object)
            if policy_path:
                result[mp_object["id"]] = policy_path.rstrip("/").rsplit("/", 1)[-1]
    return result
