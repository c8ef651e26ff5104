"""Policy IDs of imported shared resources: from migrated-resources, the policyPath tag only as a fallback, each checked on the Policy API."""

from urllib.parse import parse_qs

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._importer_policy_ids import shared_policy_ids, shared_resource_refs
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxClient


def tag(scope, value):
    return {"scope": scope, "tag": value}


def listing(*objects):
    return (200, {"results": list(objects), "result_count": len(objects)}, {})


def serve(scripted, migrated=None, policy_paths=None):
    """``migrated``: resource_type -> MigratedObject list (default: none); ``policy_paths``: the Policy objects (default: all)."""
    migrated = migrated or {}

    def handler(request):
        if request["path"] == "/api/v1/migration/migrated-resources":
            items = migrated.get(parse_qs(request["query"]).get("resource_type", [""])[0], [])
            return (200, {"results": items, "result_count": len(items)}, {})
        if request["path"].startswith("/policy/api/v1/"):
            found = policy_paths is None or request["path"][len("/policy/api/v1") :] in policy_paths
            return (200, {"id": "x"}, {}) if found else (404, {"error_code": 202, "error_message": "not found"}, {})
        return None

    scripted.handler = handler
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


def test_migrated_resources_win_and_no_tag_is_needed(scripted):
    migrated = {
        "TIER0": [{"resource_type": "TIER0", "resource_id": "t0-uuid", "policy_id": "t0-from-map", "policy_path": "/infra/tier-0s/t0-from-map"}],
        "IPBLOCK": [{"resource_type": "IPBLOCK", "resource_id": "t0-other", "policy_id": "p"}],  # wrong kind: still by MP id
        "IPPOOL": [{"resource_type": "IPPOOL", "resource_id": "pool-uuid", "policy_id": "pool-policy"}],
    }
    client = serve(scripted, migrated)
    assert shared_policy_ids(client) == {"t0-uuid": "t0-from-map", "t0-other": "p", "blk-uuid": "blk-uuid", "pool-uuid": "pool-policy"}
    # The one without a policy_path is checked at the Policy path of its kind.
    assert scripted.calls("GET", "/policy/api/v1/infra/ip-pools/pool-policy")


def test_a_policy_id_without_its_policy_object_is_left_out(scripted):
    migrated = {"TIER0": [{"resource_type": "TIER0", "resource_id": "t0-uuid", "policy_id": "gone", "policy_path": "/infra/tier-0s/gone"}]}
    client = serve(scripted, migrated, policy_paths={"/infra/ip-blocks/blk-uuid", "/infra/ip-pools/ext"})
    dangling = []
    assert shared_policy_ids(client, dangling=dangling) == {"blk-uuid": "blk-uuid", "pool-uuid": "ext"}
    assert dangling == [("t0-uuid", "/infra/tier-0s/gone")]


def test_a_type_this_nsx_does_not_know_falls_back_to_the_tag(scripted):
    client = serve(scripted)
    base = scripted.handler

    def handler(request):
        if request["path"] == "/api/v1/migration/migrated-resources" and "TIER1" in request["query"]:
            return (400, {"error_code": 255, "error_message": "Invalid resource_type"}, {})
        return base(request)

    scripted.handler = handler
    assert shared_policy_ids(client)["t0-uuid"] == "T0_shared"
