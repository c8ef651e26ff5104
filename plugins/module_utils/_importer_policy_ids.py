# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read back from NSX the Policy IDs the shared-resource import gave (MP id -> Policy id).

Which rule an NCP 4.x importer uses to name Policy objects is UNCONFIRMED (display-name derived
or the MP UUID), so the IDs are never computed. The documented source is the migration API's
mapping ``GET /api/v1/migration/migrated-resources?resource_type=<T>`` (official API reference,
MigratedObject: ``resource_id`` = MP id, ``policy_id``, ``policy_path``). A ``policyPath`` tag on
the promoted MP object (UNCONFIRMED, no public source) is read only when the mapping has no entry.
Each Policy ID found is checked to exist with a GET on the Policy API before it is returned, so
that ncp.ini never gets a dangling ID.

Shared resources are the MP Tier-0/Tier-1 routers, IP blocks and IP pools that carry no
``ncp/cluster`` tag (NCP did not create them). When the user spec names resources, only those
named (by MP id or display name) are returned; without a user spec, every promoted one is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_resource_options as resources

CLUSTER_TAG_SCOPE = "ncp/cluster"
# The shared kinds: their MP lists, MigratedObject resource types and Policy collections (the one table:
# ncp_resource_options.KINDS).
SHARED_KINDS = tuple(resources.KINDS[name] for name in ("router", "ip_block", "ip_pool"))
MIGRATED_RESOURCE_TYPES = tuple(resource_type for kind in SHARED_KINDS for resource_type in kind.migrated_types)
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


def _is_cluster_owned(mp_object):
    return any(tag.get("scope") == CLUSTER_TAG_SCOPE for tag in mp_object.get("tags") or [])


def shared_policy_ids(client, refs=None, dangling=None):
    """{MP id: Policy id} of promoted shared resources; ``refs`` limits them to names/IDs given.

    A Policy ID whose object the Policy API does not have is left out (and appended to
    ``dangling``, a list, as ``(MP id, Policy path)``): the caller reports it as unmapped. A type the migration
    API does not know (400 / 404) is skipped: the ``policyPath`` tag may still name its objects.
    """
    mapping = resources.migrated_resources(client, MIGRATED_RESOURCE_TYPES)
    result = {}
    for kind in SHARED_KINDS:
        for mp_object in client.paginate(kind.mp_list):
            if _is_cluster_owned(mp_object):
                continue
            if refs and mp_object.get("id") not in refs and mp_object.get("display_name") not in refs:
                continue
            policy_id, policy_path = mapping.get(mp_object.get("id"), (None, None))
            if policy_id is None:
                policy_path = resources.policy_path_of(mp_object)
                if not policy_path:
                    continue
                policy_id = resources.policy_id_of(policy_path)
            if not policy_path:
                collection = resources.policy_collection(kind, mp_object)
                policy_path = "%s/%s" % (collection, policy_id) if collection else None
            if policy_path and not resources.policy_object_exists(client, policy_path.rstrip("/")):
                if dangling is not None:
                    dangling.append((mp_object["id"], policy_path))
                continue
            result[mp_object["id"]] = policy_id
    return result
