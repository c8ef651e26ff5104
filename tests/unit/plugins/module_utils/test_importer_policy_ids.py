"""Policy IDs of imported shared resources are read back from the policyPath tags NSX puts on MP objects."""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils.importer_policy_ids import shared_policy_ids, shared_resource_refs
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxClient


def tag(scope, value):
    return {"scope": scope, "tag": value}


def listing(*objects):
    return (200, {"results": list(objects), "result_count": len(objects)}, {})


def serve(scripted):
    scripted.route(
        "GET",
        "/api/v1/logical-routers",
        listing(
            {"id": "t0-uuid", "display_name": "T0 shared", "tags": [tag("policyPath", "/infra/tier-0s/T0_shared")]},
            {"id": "t1-uuid", "display_name": "cluster t1", "tags": [tag("ncp/cluster", "c1"), tag("policyPath", "/infra/tier-1s/x")]},
            {"id": "t0-other", "display_name": "not promoted", "tags": []},
        ),
    )
    scripted.route(
        "GET",
        "/api/v1/pools/ip-blocks",
        listing({"id": "blk-uuid", "display_name": "pod-block", "tags": [tag("policyPath", "/infra/ip-blocks/blk-uuid/")]}),
    )
    scripted.route("GET", "/api/v1/pools/ip-pools", listing({"id": "pool-uuid", "display_name": "ext", "tags": [tag("policyPath", "/infra/ip-pools/ext")]}))
    return NsxClient(scripted.url, username="admin", password="pw-123456789", auth="basic", validate_certs=False)


def test_every_promoted_shared_resource_without_a_spec(scripted):
    client = serve(scripted)
    assert shared_policy_ids(client) == {"t0-uuid": "T0_shared", "blk-uuid": "blk-uuid", "pool-uuid": "ext"}


def test_only_the_resources_the_user_spec_names(scripted):
    client = serve(scripted)
    refs = shared_resource_refs({"shared_resources": {"TIER0": ["T0 shared"], "IP_BLOCK": ["blk-uuid"]}, "k8s-clusters": {"c1": {"ext": 1}}})
    assert "ext" not in refs
    assert shared_policy_ids(client, refs) == {"t0-uuid": "T0_shared", "blk-uuid": "blk-uuid"}
