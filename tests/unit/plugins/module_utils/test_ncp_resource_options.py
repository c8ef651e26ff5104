"""The option -> resource-type table and the resolver: names to MP IDs, MP IDs to Policy IDs (migrated-resources), each
Policy ID checked with a GET of its Policy path; what cannot be resolved is named, never written (issue 26)."""

import copy
import json
from urllib.parse import parse_qs

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _ncp_resource_options as ro
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import edit_ini_text, policy_settings_after_shared_import
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxClient
from tests.unit.fixture_files import fixture_path

# The options issue 26 / vendor-facts 3.3 list, plus tier0_gateway (nsx-reference 1).
VENDOR_OPTIONS = {
    "top_tier_router",
    "tier0_router",
    "container_ip_blocks",
    "no_snat_ip_blocks",
    "external_ip_pools",
    "external_ip_pools_lb",
    "overlay_tz",
    "edge_cluster",
    "lb_service",
    "lb_vs_ip_set",
    "client_ssl_profile",
}


def load():
    with open(fixture_path("policy_ids", "nsx_after_shared_import.json"), encoding="utf-8") as handle:
        return json.load(handle)


def serve(scripted, nsx):
    """The fixture's NSX over real HTTP: MP lists, migrated-resources (400 for a type this release lacks), Policy GETs."""

    def handler(request):
        path = request["path"]
        if path == ro.MIGRATED_RESOURCES:
            resource_type = parse_qs(request["query"]).get("resource_type", [""])[0]
            if resource_type in nsx["unknown_migrated_types"]:
                return (400, {"error_code": 30741, "error_message": "Invalid resource type %s" % resource_type}, {})
            items = nsx["migrated_resources"].get(resource_type, [])
            return (200, {"results": items, "result_count": len(items)}, {})
        if path in nsx["mp"]:
            return (200, {"results": nsx["mp"][path], "result_count": len(nsx["mp"][path])}, {})
        if path.startswith(ro.POLICY_API + "/"):
            found = path[len(ro.POLICY_API) :] in nsx["policy_paths"]
            return (200, {"id": path.rsplit("/", 1)[-1], "path": path}, {}) if found else (404, {"error_code": 202, "error_message": "not found"}, {})
        return None

    scripted.handler = handler
    return NsxClient(scripted.url, username="admin", password="pw-123456789", auth="basic", validate_certs=False)


def policy_gets(scripted):
    return [r["path"][len(ro.POLICY_API) :] for r in scripted.calls("GET") if r["path"].startswith(ro.POLICY_API)]


def test_the_table_covers_every_resource_option_and_each_type_has_a_policy_collection():
    assert VENDOR_OPTIONS <= set(ro.RESOURCE_OPTIONS)
    assert set(ro.RESOURCE_OPTIONS) - VENDOR_OPTIONS == {"tier0_gateway"}
    for option, kind_name in ro.RESOURCE_OPTIONS.items():
        kind = ro.KINDS[kind_name]
        assert kind.mp_list.startswith("/api/v1/") and ro.collections_of(kind), option
        assert all(path.startswith("/infra/") for path in ro.collections_of(kind)), option
        # A type is either imported (a MigratedObject type) or read by Policy under its MP UUID.
        assert bool(kind.migrated_types) != kind.same_id, option
    assert ro.MP_ONLY_OPTIONS == ("top_firewall_section_marker", "bottom_firewall_section_marker")


def test_every_option_by_name_or_mp_id_resolves_to_a_policy_id_that_exists(scripted):
    nsx = load()
    resolution = ro.Resolver(serve(scripted, nsx)).resolve([nsx["ncp_ini"]])
    assert resolution.unresolved == {}
    assert {option: dict(items) for option, items in resolution.by_option.items()} == nsx["expected"]
    # Each Policy ID written was read back from the Policy API, and only existing ones are listed.
    checked = set(resolution.checked)
    assert checked <= set(nsx["policy_paths"])
    assert checked == set(policy_gets(scripted))
    for items in nsx["expected"].values():
        for policy_id in items.values():
            assert any(path.endswith("/" + policy_id) for path in checked)


def test_the_resolved_ids_rewrite_only_the_resource_options_and_drop_the_markers(scripted):
    nsx = load()
    values = nsx["ncp_ini"]
    text = "[coe]\ncluster = c1\n\n[nsx_v3]\n# kept\npolicy_nsxapi = False\n" + "".join("%s = %s\n" % item for item in values.items()) + "[k8s]\nx = 1\n"
    resolution = ro.Resolver(serve(scripted, nsx)).resolve([values])
    settings, absent, unmapped = policy_settings_after_shared_import(values, resolution.policy_ids)
    assert unmapped == {} and sorted(absent) == sorted(ro.MP_ONLY_OPTIONS)
    new_text, _edit = edit_ini_text(text, settings=settings, absent=absent)
    expected = []
    for line in text.splitlines(True):
        key = line.split("=", 1)[0].strip()
        if key in ro.MP_ONLY_OPTIONS:
            continue
        if key in nsx["expected"]:
            items = ro.option_items(values[key])
            line = "%s = %s\n" % (key, ",".join(nsx["expected"][key][item] for item in items))
        expected.append(line)
    assert new_text == "".join(expected)


@pytest.mark.parametrize(
    "option, item, reason",
    [
        ("top_tier_router", "twin", "the name of 2 MP objects"),
        ("container_ip_blocks", "not-imported", "is not in NSX's migrated-resources"),
        ("container_ip_blocks", "dangling", "maps to /infra/ip-blocks/dangling, which the Policy API does not have"),
        ("external_ip_pools", "no-such-pool", "no MP ip_pool has this name or ID, and no Policy object /infra/ip-pools/no-such-pool exists"),
        ("edge_cluster", "4e4e4e4e-0000-4000-8000-0000000000ff", "no MP edge_cluster"),
    ],
)
def test_an_item_that_cannot_be_resolved_is_named_with_its_reason_and_given_no_id(scripted, option, item, reason):
    nsx = load()
    values = dict(nsx["ncp_ini"], **{option: item})
    resolution = ro.Resolver(serve(scripted, nsx)).resolve([values])
    assert list(resolution.unresolved) == [option]
    (found_item, found_reason), *more = resolution.unresolved[option]
    assert found_item == item and reason in found_reason and not more
    assert option not in resolution.by_option and item not in resolution.policy_ids
    assert "[nsx_v3] %s: %s (" % (option, item) in resolution.message()
    # The editor then refuses the switch for that option: it keeps the item unmapped.
    _settings, _absent, unmapped = policy_settings_after_shared_import(values, resolution.policy_ids)
    assert unmapped == {option: [item]}


def test_a_policy_id_already_in_place_is_kept_once_its_object_exists(scripted):
    nsx = load()
    values = {"top_tier_router": "t0_shared", "overlay_tz": "3d3d3d3d-0000-4000-8000-000000000001", "lb_vs_ip_set": "gone"}
    resolution = ro.Resolver(serve(scripted, nsx)).resolve([values])
    assert resolution.policy_ids == {"t0_shared": "t0_shared", "3d3d3d3d-0000-4000-8000-000000000001": "3d3d3d3d-0000-4000-8000-000000000001"}
    assert [item for item, _reason in resolution.unresolved["lb_vs_ip_set"]] == ["gone"]


def test_given_policy_ids_are_checked_too(scripted):
    nsx = load()
    values = {"container_ip_blocks": "not-imported", "external_ip_pools": "lb-ip-pool"}
    hints = {"not-imported": "pods-ip-block", "lb-ip-pool": "made-up"}
    resolution = ro.Resolver(serve(scripted, nsx), hints).resolve([values])
    assert resolution.policy_ids == {"not-imported": "pods-ip-block"}
    assert resolution.unresolved["external_ip_pools"] == [("lb-ip-pool", "given Policy ID made-up has no Policy object in /infra/ip-pools")]


def test_the_same_text_naming_two_objects_in_two_options_is_refused(scripted):
    nsx = load()
    nsx["mp"]["/api/v1/pools/ip-pools"].append({"id": "2c2c2c2c-0000-4000-8000-000000000009", "display_name": "pods-ip-block", "tags": []})
    nsx["migrated_resources"]["IPPOOL"].append({"resource_type": "IPPOOL", "resource_id": "2c2c2c2c-0000-4000-8000-000000000009", "policy_id": "pool9"})
    nsx["policy_paths"].append("/infra/ip-pools/pool9")
    resolution = ro.Resolver(serve(scripted, nsx)).resolve([{"container_ip_blocks": "pods-ip-block", "external_ip_pools": "pods-ip-block"}])
    assert set(resolution.unresolved) == {"container_ip_blocks", "external_ip_pools"} and resolution.policy_ids == {}


def test_every_source_is_resolved_and_each_list_and_mapping_is_read_once(scripted):
    nsx = load()
    configmap, manifest = nsx["ncp_ini"], copy.deepcopy(nsx["ncp_ini"])
    manifest["lb_service"] = "lb-service-shared"  # the NCP YAML names it by name, the ConfigMap by MP ID
    resolution = ro.Resolver(serve(scripted, nsx)).resolve([configmap, manifest])
    assert resolution.by_option["lb_service"] == {
        "5f5f5f5f-0000-4000-8000-000000000001": "5f5f5f5f-0000-4000-8000-000000000001",
        "lb-service-shared": "5f5f5f5f-0000-4000-8000-000000000001",
    }
    mp_reads = [r["path"] for r in scripted.calls("GET") if r["path"] in nsx["mp"]]
    assert sorted(mp_reads) == sorted(set(mp_reads))
    mapping_reads = [r["query"] for r in scripted.calls("GET", ro.MIGRATED_RESOURCES)]
    assert sorted(mapping_reads) == sorted(set(mapping_reads))
