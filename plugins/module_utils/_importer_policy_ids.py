# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read back from NSX the Policy IDs the shared-resource import gave (MP id -> Policy id), never computed.

The importer's naming rule is UNCONFIRMED: the IDs come from the migration API's mapping (the ``policyPath`` tag only
when it has no entry), each checked on the Policy API so that ncp.ini never gets a dangling ID.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_resource_options as resources
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_checks import CLUSTER_TAG

# The shared kinds (MP Tier-0/Tier-1 routers, IP blocks, IP pools), from the one table ncp_resource_options.KINDS.
SHARED_KINDS = tuple(resources.KINDS[name] for name in ("router", "ip_block", "ip_pool"))
MIGRATED_RESOURCE_TYPES = tuple(resource_type for kind in SHARED_KINDS for resource_type in kind.migrated_types)


def shared_resource_refs(user_spec):
    """Every string in the user spec (keys and values) outside ``k8s-clusters``, as a set: its key names are
    UNCONFIRMED, and an extra string only fails to match an object."""
    refs = set()

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key != "k8s-clusters":  # names no shared resource
                    walk(key)
                    walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value:
            refs.add(value)

    walk(user_spec or {})
    return refs


def shared_mp_objects(client, refs=None):
    """(kind, MP object) of each shared resource: no ``ncp/cluster`` tag, and named in ``refs`` (MP id or display
    name) when given."""
    for kind in SHARED_KINDS:
        for mp_object in client.paginate(kind.mp_list):
            if any(tag.get("scope") == CLUSTER_TAG for tag in mp_object.get("tags") or []):
                continue
            if not refs or mp_object.get("id") in refs or mp_object.get("display_name") in refs:
                yield kind, mp_object


def shared_policy_ids(client, refs=None, dangling=None):
    """{MP id: Policy id} of promoted shared resources; ``refs`` limits them to names/IDs given.

    A Policy ID the Policy API does not have is left out (appended to ``dangling`` as (MP id, Policy path)).
    """
    mapping = resources.migrated_resources(client, MIGRATED_RESOURCE_TYPES)
    result = {}
    for kind, mp_object in shared_mp_objects(client, refs):
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
