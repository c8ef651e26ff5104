"""NSX simulator: the generator, and reading a 25,000-rule inventory in 1000-object pages."""

from tests.lab.nsxsim.generator import generate, parse_spec
from tests.lab.nsxsim.inventory import Inventory

SECTIONS = "/api/v1/firewall/sections"


def _all(sim, path, **params):
    items, cursor, pages = [], None, 0
    while True:
        query = dict(params, page_size=1000)
        if cursor:
            query["cursor"] = cursor
        body = sim.get(path, params=query).json()
        assert len(body["results"]) <= 1000
        items += body["results"]
        pages += 1
        cursor = body.get("cursor")
        if not cursor:
            assert len(items) == body["result_count"]
            return items, pages


def test_read_25000_rules_section_by_section(nsxsim_scale):
    sections, pages = _all(nsxsim_scale, SECTIONS)
    assert pages == 2 and len(sections) > 1000
    total_rules, rule_pages, biggest = 0, 0, 0
    for section in sections:
        if not section["rule_count"]:
            continue
        rules, pages = _all(nsxsim_scale, f"{SECTIONS}/{section['id']}/rules")
        assert len(rules) == section["rule_count"]
        total_rules += len(rules)
        rule_pages += pages
        biggest = max(biggest, len(rules))
    ncp_rules = sum(s["rule_count"] for s in sections if any(t["scope"] == "ncp/cluster" for t in s.get("tags", [])))
    assert ncp_rules == 25000
    assert biggest == max(s["rule_count"] for s in sections) >= 2500
    assert rule_pages > len([s for s in sections if s["rule_count"]])  # the biggest section needed several pages


def test_search_all_firewall_rules_in_pages(nsxsim_scale):
    rules, pages = _all(nsxsim_scale, "/api/v1/search/query", query="resource_type:FirewallRule")
    assert len(rules) >= 25000 and pages == len(rules) // 1000 + 1
    assert len({r["id"] for r in rules}) == len(rules)


def test_generator_is_deterministic_and_plants_blockers():
    spec = parse_spec("clusters=3,sections=12,rules=120,virtual_servers=3,blockers=admin_section+user_rule+big_vs+duplicate_names,blocker_cluster=k8s-02")
    first, second = Inventory(), Inventory()
    summary = generate(first, spec)
    generate(second, spec)
    assert [s["id"] for s in first.sections] == [s["id"] for s in second.sections]
    assert list(first.rule_by_id) == list(second.rule_by_id)
    names = [s["display_name"] for s in first.sections]
    ncp = [i for i, s in enumerate(first.sections) if any(t["scope"] == "ncp/cluster" for t in s["tags"])]
    planted = names.index("admin-inserted-section")
    assert ncp[0] < planted < ncp[-1]
    assert names.index("ncp-top-marker") < ncp[0] and ncp[-1] < names.index("ncp-bottom-marker")
    user_rule = first.rule_by_id[summary["blockers"]["user_rule"]["rule_id"]]
    section = first.section_by_id[user_rule["section_id"]]
    assert {"scope": "ncp/cluster", "tag": "k8s-02"} in section["tags"] and user_rule["_create_user"] == "admin"
    assert len(first.objects["LbVirtualServer"][summary["blockers"]["big_vs"]]["rule_ids"]) == 300
    t0_names = [r["display_name"] for r in first.objects["LogicalRouter"].values() if r["router_type"] == "TIER0"]
    assert t0_names == ["t0-shared", "t0-shared"]
    assert sum(s["rule_count"] for i, s in enumerate(first.sections) if i in ncp) == 120 + 1  # + the planted user rule


def test_spec_errors():
    for bad in ("clusters=0", "nonsense=1", "blockers=foo", "clusters"):
        try:
            parse_spec(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} accepted")
