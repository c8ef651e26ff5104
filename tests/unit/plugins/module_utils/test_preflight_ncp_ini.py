"""ncp_ini_resource_unresolved (issue 26): each item of each ncp.ini resource option judged before the window, with the
window's own resolver (find_mp), against the fixture's NSX over real HTTP; each MP list read once for all clusters."""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_resource_options as ro
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_ncp_ini import CHECK, check_ncp_ini_resources
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._preflight_scan import NsxPreflight, PreflightOptions

from .test_ncp_resource_options import load, serve

CONFIGMAP = "ConfigMap nsx-system/nsx-ncp-config key ncp.ini"
T0 = "0a0a0a0a-0000-4000-8000-000000000001"
POOL = "2c2c2c2c-0000-4000-8000-000000000001"


def copy(values, source=CONFIGMAP, policy_mode=False):
    return {"source": source, "policy_mode": policy_mode, "values": values}


def run(scripted, by_cluster):
    return check_ncp_ini_resources(ro.Resolver(serve(scripted, load())), by_cluster)


def brief(findings):
    return [(f["check"], f["severity"], f["cluster"], f["object_type"], f["object_id"], f["display_name"]) for f in findings]


def test_every_option_of_the_fixture_names_one_object_ids_say_nothing_names_are_infos(scripted):
    found = run(scripted, {"k8s-01": [copy(load()["ncp_ini"])]})
    # By ID: nothing. By unique display name: an info naming the object; never an error.
    assert brief(found) == [
        (CHECK, "info", "k8s-01", "LogicalRouter", T0, "t0 shared"),
        (CHECK, "info", "k8s-01", "IpBlock", "1b1b1b1b-0000-4000-8000-000000000001", "pods-ip-block"),
        (CHECK, "info", "k8s-01", "IpBlock", "1b1b1b1b-0000-4000-8000-000000000002", "nodes-ip-block"),
        (CHECK, "info", "k8s-01", "IpPool", "2c2c2c2c-0000-4000-8000-000000000002", "lb-ip-pool"),
        (CHECK, "info", "k8s-01", "TransportZone", "3d3d3d3d-0000-4000-8000-000000000001", "overlay-tz"),
        (CHECK, "info", "k8s-01", "IPSet", "6a6a6a6a-0000-4000-8000-000000000001", "lb-vs-ip-set"),
    ]
    assert "[nsx_v3] tier0_router in %s" % CONFIGMAP in found[0]["message"] and T0 in found[0]["remediation"]


def test_a_typo_is_an_error_naming_cluster_option_item_and_fix_and_only_gets_are_sent(scripted):
    found = run(scripted, {"k8s-01": [copy({"external_ip_pools": "floating-ip-pol", "top_tier_router": T0})], "k8s-02": [copy({"external_ip_pools": POOL})]})
    assert brief(found) == [(CHECK, "error", "k8s-01", "IpPool", None, "floating-ip-pol")]
    message, fix = found[0]["message"], found[0]["remediation"]
    assert "k8s-01" in message and "[nsx_v3] external_ip_pools" in message and "'floating-ip-pol'" in message and "no MP IpPool" in message
    assert "GET /api/v1/pools/ip-pools" in fix and CONFIGMAP in fix
    # MP mode: a Policy path is never asked for (the import has not created it); a read-only account suffices.
    assert set(r["method"] for r in scripted.requests) == {"GET"}
    assert not [r for r in scripted.requests if r["path"].startswith(ro.POLICY_API)]


def test_a_name_of_several_objects_is_an_error_naming_their_ids(scripted):
    found = run(scripted, {"k8s-01": [copy({"top_tier_router": "twin"})]})
    assert brief(found) == [(CHECK, "error", "k8s-01", "LogicalRouter", None, "twin")]
    for text in (found[0]["message"], found[0]["remediation"]):
        assert "0a0a0a0a-0000-4000-8000-000000000003" in text and "0a0a0a0a-0000-4000-8000-000000000004" in text, text


def test_an_object_of_another_type_is_not_found(scripted):
    """An IP block's name under external_ip_pools names no IP pool: the option's own MP list is the one read."""
    found = run(scripted, {"k8s-01": [copy({"external_ip_pools": "pods-ip-block"})]})
    assert brief(found) == [(CHECK, "error", "k8s-01", "IpPool", None, "pods-ip-block")]


def test_policy_ids_count_only_for_a_cluster_in_policy_mode_and_only_when_the_policy_object_exists(scripted):
    # t0_shared is only a Policy ID (it exists); pods-ip-block an MP name (an info in either mode); no-such-block nothing.
    policy_values = {"top_tier_router": "t0_shared", "container_ip_blocks": "pods-ip-block,no-such-block"}
    found = run(scripted, {"mp": [copy({"container_ip_blocks": "t0_shared"})], "policy": [copy(policy_values, policy_mode=True)]})
    assert brief(found) == [
        (CHECK, "error", "mp", "IpBlock", None, "t0_shared"),
        (CHECK, "info", "policy", "IpBlock", "1b1b1b1b-0000-4000-8000-000000000001", "pods-ip-block"),
        (CHECK, "error", "policy", "IpBlock", None, "no-such-block"),
    ]
    assert "no Policy object" not in found[0]["message"]
    assert "no Policy object /infra/ip-blocks/no-such-block exists" in found[2]["message"]


def test_a_policy_id_that_exists_is_fine_in_policy_mode_and_an_error_in_mp_mode(scripted):
    found = run(scripted, {"mp": [copy({"top_tier_router": "t0_shared"})], "policy": [copy({"top_tier_router": "t0_shared"}, policy_mode=True)]})
    assert brief(found) == [(CHECK, "error", "mp", "LogicalRouter", None, "t0_shared")]
    assert [r["path"] for r in scripted.requests if r["path"].startswith(ro.POLICY_API)] == [ro.POLICY_API + "/infra/tier-0s/t0_shared"]


def test_copies_of_one_cluster_give_one_finding_naming_both_and_each_list_is_read_once(scripted):
    manifest = "/opt/ncp/ncp.yaml"
    typo = {"external_ip_pools": "floating-ip-pol", "top_tier_router": "t0 shared"}
    found = run(scripted, {"k8s-01": [copy(typo), copy(typo, source=manifest)], "k8s-02": [copy(typo, source="/var/vcap/jobs/ncp/config/ncp.ini")]})
    assert [(f["cluster"], f["severity"], f["display_name"]) for f in found] == [
        ("k8s-01", "info", "t0 shared"),
        ("k8s-01", "error", "floating-ip-pol"),
        ("k8s-02", "info", "t0 shared"),
        ("k8s-02", "error", "floating-ip-pol"),
    ]
    assert "%s and %s" % (CONFIGMAP, manifest) in found[1]["message"]
    lists = [r["path"] for r in scripted.requests if r["method"] == "GET" and not r["path"].startswith(ro.POLICY_API)]
    assert sorted(lists) == ["/api/v1/logical-routers", "/api/v1/pools/ip-pools"]


def test_the_nsx_preflight_runs_the_check_only_with_ncp_ini_read_and_not_when_skipped(scripted):
    nsx = load()
    client = serve(scripted, nsx)
    handler = scripted.handler

    def with_version(request):
        if request["path"] == "/api/v1/node/version":
            return (200, {"product_version": "4.1.2.0.0.22589037"}, {})
        return handler(request)

    scripted.handler = with_version
    everything_else = [
        "nsx_manager_not_vip",
        "migration_coordinator_running",
        "promotion_idle",
        "backup_configured",
        "dfw_admin_section_inside_ncp_range",
        "dfw_user_rule_in_ncp_section",
        "lb_virtual_server_rule_limit",
        "cluster_objects_found",
        "nsx_cluster_not_in_inventory",
        "shared_resource_name_unique",
    ]
    typo = {"k8s-01": [copy({"external_ip_pools": "floating-ip-pol"})]}
    _version, found, checks_run = NsxPreflight(client, PreflightOptions(["k8s-01"], skip_checks=everything_else, ncp_ini_resources=typo)).run()
    assert checks_run == ["nsx_version", CHECK] and brief(found) == [(CHECK, "error", "k8s-01", "IpPool", None, "floating-ip-pol")]
    _version, found, checks_run = NsxPreflight(client, PreflightOptions(["k8s-01"], skip_checks=everything_else)).run()
    assert checks_run == ["nsx_version"] and found == []
    skipped = everything_else + [CHECK]
    _version, found, checks_run = NsxPreflight(client, PreflightOptions(["k8s-01"], skip_checks=skipped, ncp_ini_resources=typo)).run()
    assert checks_run == ["nsx_version"] and found == []
