"""Proof that an import left nothing behind: the migration API's mapping against the cluster's tagged MP objects (issue 26)."""

import json
from urllib.parse import parse_qs

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._import_leftovers import LeftoverCheck, compare, describe, migration_type
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxClient
from tests.unit.fixture_files import fixture_path

USER_SPEC = {"shared_resources": {"TIER0": ["T0 shared"], "IP_BLOCK": ["not-in-nsx"]}}


def nsx_after_import():
    with open(fixture_path("import_leftovers", "nsx_after_import.json"), encoding="utf-8") as handle:
        return json.load(handle)


def listing(items):
    return (200, {"results": items, "result_count": len(items)}, {})


def serve(scripted, state, rejected=("CERTIFICATE",)):
    """The fixture's NSX over real HTTP; migrated-resources answers 400 for ``rejected`` types, as a release without them."""

    def handler(request):
        query = parse_qs(request["query"])
        if request["path"] == "/api/v1/migration/migrated-resources":
            kind = query["resource_type"][0]
            if kind in rejected:
                return (400, {"httpStatus": "BAD_REQUEST", "error_code": 255, "error_message": "Invalid resource_type %s" % kind}, {})
            return listing(state["migrated"].get(kind, []))
        if request["path"] == "/api/v1/search/query":
            assert "NOT path:*" in query["query"][0]
            return listing(state["search"])
        paths = {"/api/v1/logical-routers": "logical_routers", "/api/v1/pools/ip-blocks": "ip_blocks", "/api/v1/pools/ip-pools": "ip_pools"}
        if request["path"] in paths:
            return listing(state[paths[request["path"]]])
        return None

    scripted.handler = handler
    return NsxClient(scripted.url, username="admin", password="pw-123456789", auth="basic", validate_certs=False)


def test_the_object_missing_from_the_mapping_is_named_with_its_type(scripted):
    check = LeftoverCheck(serve(scripted, nsx_after_import())).run("c1", USER_SPEC)
    assert check["complete"] is False
    assert check["left_behind"] == [{"id": "lp-2", "type": "LOGICAL_PORT", "display_name": "c1-pod-1"}]
    assert check["by_type"]["LOGICAL_PORT"] == {"found": 2, "migrated": 1, "left_behind": ["lp-2"], "verified": True}
    # Every other checked type is whole: the shared Tier-0 named in the user spec, routers, ports by their router's tier.
    for kind in ("TIER0", "TIER1", "TIER0_LOGICAL_ROUTER_PORT", "TIER1_LOGICAL_ROUTER_PORT", "LOGICAL_SWITCH", "LB_MONITOR"):
        assert check["by_type"][kind] == {"found": 1, "migrated": 1, "left_behind": [], "verified": True}, kind
    # A type the release does not serve is not judged; kinds the importer does not import alone are counted, not blamed;
    # another cluster's objects (c10) and Policy objects (with a path) are not this cluster's MP objects.
    assert check["unverified"] == ["CERTIFICATE"]
    assert check["by_type"]["CERTIFICATE"]["verified"] is False
    assert check["not_checked"] == {"IpBlockSubnet": 1, "LbRule": 1}
    assert sum(entry["found"] for entry in check["by_type"].values()) == 9
    message = describe(check, "c1")
    assert "LOGICAL_PORT lp-2" in message and message.startswith("c1: ")


def test_a_whole_import_is_complete_and_says_nothing(scripted):
    state = nsx_after_import()
    state["migrated"]["LOGICAL_PORT"].append({"resource_type": "LOGICAL_PORT", "resource_id": "lp-2", "policy_id": "lp-2", "policy_path": "/x/lp-2"})
    check = LeftoverCheck(serve(scripted, state)).run("c1", USER_SPEC)
    assert check["complete"] is True and check["left_behind"] == []
    assert describe(check, "c1") == ""


def test_a_shared_resource_named_in_the_user_spec_and_not_migrated_is_left_behind(scripted):
    state = nsx_after_import()
    state["migrated"]["TIER0"] = []
    check = LeftoverCheck(serve(scripted, state)).run("c1", USER_SPEC)
    assert {"id": "t0-shared", "type": "TIER0", "display_name": "T0 shared"} in check["left_behind"]
    # Without a user spec no shared resource is expected (the other Tier-0 was never named).
    check = LeftoverCheck(serve(scripted, state)).run("c1", None)
    assert "TIER0" not in check["by_type"]


def test_compare_is_per_type_and_sorted():
    verdict = compare({"NAT": {"9": "r9", "10": "r10"}, "DFW_SECTION": {"s": "sec"}}, {"NAT": {"10"}}, unverified=["DFW_SECTION"])
    assert verdict["by_type"]["NAT"] == {"found": 2, "migrated": 1, "left_behind": ["9"], "verified": True}
    assert verdict["by_type"]["DFW_SECTION"] == {"found": 1, "migrated": None, "left_behind": [], "verified": False}
    assert verdict["left_behind"] == [{"id": "9", "type": "NAT", "display_name": "r9"}]


def test_migration_types_of_mp_kinds():
    tiers = {"t0": "TIER0", "t1": "TIER1"}
    assert migration_type({"resource_type": "LogicalRouterUpLinkPort", "logical_router_id": "t0"}, tiers) == "TIER0_LOGICAL_ROUTER_PORT"
    assert migration_type({"resource_type": "LogicalRouterLinkPortOnTIER1", "logical_router_id": "t1"}, tiers) == "TIER1_LOGICAL_ROUTER_PORT"
    assert migration_type({"resource_type": "LogicalRouterDownLinkPort", "logical_router_id": "gone"}, tiers) is None
    assert migration_type({"resource_type": "LbCookiePersistenceProfile"}, tiers) == "LB_PERSISTENCE_PROFILE"
    assert migration_type({"resource_type": "LbFastTcpProfile"}, tiers) == "LB_APPLICATION_PROFILE"
    assert migration_type({"resource_type": "FirewallSection"}, tiers) == "DFW_SECTION"
    assert migration_type({"resource_type": "FirewallRule"}, tiers) is None
