#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsx_promotion_status
short_description: Report which NCP-tagged MP objects are promoted to Policy, and the Policy IDs of shared resources
version_added: 0.1.0
description:
  - Read-only, for after the import (vendor step 8). A promoted MP object carries a tag with
    scope C(policyPath) whose value is the Policy path of the object it became.
  - Per cluster, counts the MP objects tagged C(ncp/cluster=<cluster>) and those among them
    without a C(policyPath) tag (not promoted), with NSX search, and lists a sample of the leftovers.
    Policy objects (which have a C(path)) are left out of both counts.
  - Lists the shared resources (Tier-0 routers, IP blocks, IP pools without an C(ncp/cluster) tag)
    with their Policy path and ID, which the TKGI tile and BOSH CPI must be switched to.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.common.read_only
  - ncp.mp_to_policy.nsx
options:
  clusters:
    description:
      - Cluster names (C(ncp/cluster) tag values) to check.
    type: list
    elements: str
    required: true
  shared_resources:
    description:
      - Display names or IDs of the shared resources to report; all shared Tier-0 routers, IP blocks and IP pools when unset.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Check that the clusters' MP objects are promoted
  ncp.mp_to_policy.nsx_promotion_status:
    clusters: [prod-east, prod-west]
  register: promotion
"""

RETURN = r"""
clusters:
  description: One entry per cluster.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The cluster.
      type: str
    tagged:
      description: MP objects tagged with the cluster.
      type: int
    unpromoted:
      description: Those without a C(policyPath) tag.
      type: int
    unpromoted_by_type:
      description: Unpromoted objects of the sample, counted by C(resource_type).
      type: dict
    unpromoted_objects:
      description: At most 20 of the unpromoted objects (C(id), C(resource_type), C(display_name)).
      type: list
      elements: dict
shared:
  description:
    - Shared resources with C(type) (C(LogicalRouter), C(IpBlock), C(IpPool)), C(id), C(display_name),
      C(policy_path) and C(policy_id) (null when not promoted).
  returned: always
  type: list
  elements: dict
complete:
  description: True when no cluster has an unpromoted object.
  returned: always
  type: bool
api_requests:
  description: HTTP requests made to NSX.
  returned: always
  type: int
"""

from collections import Counter

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import policy_id_of, policy_path_of
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NsxModule
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_checks import CLUSTER_TAG, tag_value
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_scan import SEARCH, cluster_tag_query, search_count
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

SHARED = (
    ("LogicalRouter", "/api/v1/logical-routers", {"router_type": "TIER0"}),
    ("IpBlock", "/api/v1/pools/ip-blocks", None),
    ("IpPool", "/api/v1/pools/ip-pools", None),
)
ARGUMENT_SPEC = dict(
    clusters=dict(type="list", elements="str", required=True),
    shared_resources=dict(type="list", elements="str"),
)
# Most unpromoted objects listed per cluster (their count is exact regardless).
SAMPLE_SIZE = 20


def cluster_status(client, cluster):
    # NSX search indexes Policy objects too (they carry the NCP tags after a promotion); only MP
    # objects lack a ``path``.
    query = "%s AND NOT path:*" % cluster_tag_query(cluster)
    unpromoted_query = "%s AND NOT tags.scope:policyPath" % query
    answer = client.get(SEARCH, params={"query": unpromoted_query, "page_size": SAMPLE_SIZE})
    sample = [
        {"id": obj.get("id"), "resource_type": obj.get("resource_type"), "display_name": obj.get("display_name")}
        for obj in (answer.get("results") or [])[:SAMPLE_SIZE]
    ]
    by_type = dict(Counter(obj["resource_type"] for obj in sample))
    unpromoted = int(answer.get("result_count") or len(answer.get("results") or []))
    return {
        "name": cluster,
        "tagged": search_count(client, query),
        "unpromoted": unpromoted,
        "unpromoted_by_type": by_type,
        "unpromoted_objects": sample,
    }


def shared_status(client, refs):
    found = []
    for object_type, path, params in SHARED:
        for obj in client.paginate(path, params=params):
            if tag_value(obj, CLUSTER_TAG):
                continue
            if object_type == "LogicalRouter" and obj.get("router_type") not in (None, "TIER0"):
                continue
            if refs and obj.get("id") not in refs and obj.get("display_name") not in refs:
                continue
            policy_path = policy_path_of(obj)
            found.append(
                {
                    "type": object_type,
                    "id": obj.get("id"),
                    "display_name": obj.get("display_name"),
                    "policy_path": policy_path,
                    "policy_id": policy_id_of(policy_path) if policy_path else None,
                }
            )
    return found


def main():
    module = NsxModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    client = module.client
    try:
        clusters = [cluster_status(client, name) for name in params["clusters"]]
        shared = shared_status(client, set(params["shared_resources"] or []))
    except NsxApiError as exc:
        module.fail_nsx(exc)
    module.exit_json(
        changed=False,
        clusters=clusters,
        shared=shared,
        complete=all(entry["unpromoted"] == 0 for entry in clusters),
        api_requests=client.request_count,
    )


if __name__ == "__main__":
    main()
