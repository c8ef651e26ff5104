"""TKGI's phases as pure decisions: the order and prerequisites, each phase's verification from evidence, the refusal
message (the unverified phase, why, the step that fixes it), TKGI's rules after a failed promotion, the tile comparison
(the tile's objects resolved with ncp_resource_options.Resolver over real HTTP)."""

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _tkgi_phases as tp
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_resource_options import Resolver
from tests.unit.plugins.module_utils.test_ncp_resource_options import load, serve

MIGRATION = {"use_policy_api": False, "policy_api_migration_mode": True}
POLICY = {"use_policy_api": True, "policy_api_migration_mode": False}
MP_VALUES = dict(
    t0_router="t0 shared",
    floating_pool="2c2c2c2c-0000-4000-8000-000000000001, lb-ip-pool",
    pods_ip_block="1b1b1b1b-0000-4000-8000-000000000001",
    nodes_ip_block="1b1b1b1b-0000-4000-8000-000000000002",
)
POLICY_VALUES = dict(
    t0_router="t0_shared",
    floating_pool="floating-ip-pool,2c2c2c2c-0000-4000-8000-000000000002",
    pods_ip_block="pods-ip-block",
    nodes_ip_block="nodes-ip-block",
)


def cluster(name, action="PROMOTE_TO_POLICY", state="succeeded"):
    return dict(name=name, last_action=action, last_action_state=state)


def test_the_order_and_each_phases_prerequisites():
    assert tp.PHASES == ("migration_mode", "test_cluster", "tile", "clusters", "policy_mode")
    assert tp.PREREQUISITES["migration_mode"] == () and tp.PREREQUISITES["test_cluster"] == ("migration_mode",)
    assert tp.PREREQUISITES["tile"] == ("migration_mode", "test_cluster")
    assert tp.PREREQUISITES["clusters"] == ("migration_mode", "test_cluster", "tile")
    assert tp.PREREQUISITES["policy_mode"] == ("migration_mode", "test_cluster", "tile", "clusters")


def test_bosh_mode_every_cpi_must_show_the_flags():
    assert tp.verify_bosh_mode({"az1": MIGRATION, "az2": MIGRATION}, "migration")[0] is True
    verified, reason = tp.verify_bosh_mode({"az1": MIGRATION, "az2": dict(MIGRATION, policy_api_migration_mode=None)}, "migration")
    assert verified is False and "az2 (use_policy_api False, policy_api_migration_mode None)" in reason and "az1" not in reason
    assert tp.verify_bosh_mode({}, "policy") == (False, "bosh cpi-config shows no CPI")
    assert tp.verify_bosh_mode({"az1": POLICY}, "policy")[0] and not tp.verify_bosh_mode({"az1": POLICY}, "migration")[0]
    assert tp.verify_migration_mode({"az1": POLICY}, "policy_mode")[0] and not tp.verify_migration_mode({"az1": POLICY}, "clusters")[0]
    assert tp.bosh_mode_of({"az1": MIGRATION, "az2": POLICY}) == {"use_policy_api": None, "policy_api_migration_mode": None}


def test_promotions():
    assert tp.verify_promoted(cluster("t"))[0]
    verified, reason = tp.verify_promoted(cluster("t", "CREATE"))
    assert not verified and reason == "cluster t: last action CREATE is succeeded, not PROMOTE_TO_POLICY succeeded"
    assert not tp.verify_promoted(cluster("t", state="failed"))[0]
    verified, reason = tp.verify_clusters([cluster("a"), cluster("c", "CREATE"), cluster("b", state="failed")])
    assert not verified and reason == "not promoted yet: b, c"
    assert tp.verify_clusters([cluster("a")])[0]


def test_failed_other_clusters_block_unless_acknowledged_the_cluster_itself_never():
    clusters = [cluster("test"), cluster("k1", state="failed"), cluster("k2", "CREATE"), cluster("k3", state="in progress")]
    blocking = tp.blocking_clusters(clusters, "k2")
    assert [b.split(" ")[0] for b in blocking] == ["k1", "k3"] and "acknowledged_failures" in blocking[0]
    assert [b.split(" ")[0] for b in tp.blocking_clusters(clusters, "k2", ["k1", "k3"])] == ["k3"]  # running: never acknowledged
    assert [b.split(" ")[0] for b in tp.blocking_clusters(clusters, "k1")] == ["k3"]
    assert tp.blocking_clusters(clusters[:3], "k1") == []


@pytest.mark.parametrize("phase", tp.PHASES[1:])
def test_refusal_names_the_first_unverified_predecessor_why_and_the_fix(phase):
    for undone in tp.PREREQUISITES[phase]:
        verdicts = dict((name, dict(verified=name != undone, reason="why-" + name)) for name in tp.PHASES)
        msg, unverified = tp.refusal(phase, verdicts, "tkgi-test")
        assert unverified == [undone]
        assert msg.startswith("TKGI phase %s may not start: phase %s is not verified (why-%s). Next step: " % (phase, undone, undone))
        assert tp.fix_step(undone, "tkgi-test") in msg
    verdicts = dict((name, dict(verified=True, reason="")) for name in tp.PHASES)
    assert tp.refusal(phase, verdicts) == (None, [])
    assert "another cluster's promotion is not done: k1 (x)" in tp.refusal(phase, verdicts, blocking=["k1 (x)"])[0]


def test_fix_steps_name_the_playbook_step():
    assert tp.fix_step("migration_mode").startswith("run playbooks/tkgi.yml -e ncp_tkgi_step=migration_mode")
    assert tp.fix_step("test_cluster", "t1") == "promote the test cluster with migrate_cluster.yml -e ncp_cluster=t1"
    assert tp.fix_step("tile").startswith("run tkgi.yml -e ncp_tkgi_step=tile")


def test_the_tiles_objects_resolve_through_the_one_resolver(scripted):
    resolver = Resolver(serve(scripted, load()))
    resolved = tp.resolve_tile(resolver, MP_VALUES)
    assert tp.tile_policy_ids(resolved) == POLICY_VALUES and tp.unresolved(resolved) == []
    # before the switch: the tile still names MP objects
    mismatches = tp.tile_mismatches(resolved, False)
    assert len(mismatches) == 5 and "t0_router holds t0 shared, NSX maps it to Policy ID t0_shared" in mismatches[0]
    assert mismatches[-1] == "the Policy API switch is False, not true"
    # after: each field holds its own Policy ID, the switch on; applied or not
    switched = tp.resolve_tile(resolver, POLICY_VALUES)
    assert tp.tile_mismatches(switched, True) == []
    assert tp.verify_tile(switched, True, "unchanged", "pks")[0] is True
    assert tp.verify_tile(switched, True, "update", "pks") == (False, "tile pks: staged but not applied (om pending-changes action update)")
    # an object that was not migrated, or no value at all
    broken = tp.resolve_tile(resolver, dict(POLICY_VALUES, nodes_ip_block="not-imported", t0_router=None))
    assert [line.split(":")[0] for line in tp.unresolved(broken)] == ["t0_router", "nodes_ip_block"]
    assert "the tile has no value" in broken["t0_router"]["reason"] and "is not in NSX's migrated-resources" in broken["nodes_ip_block"]["reason"]
    assert "not listed by om pending-changes" in tp.verify_tile(switched, True, None, "pks")[1]
    verified, reason = tp.verify_test_cluster(cluster("t"), broken)
    assert not verified and "the tile's objects have no Policy object: t0_router" in reason
    assert tp.verify_test_cluster(cluster("t"), resolved)[0] and not tp.verify_test_cluster(cluster("t", "CREATE"), resolved)[0]


def test_tile_change_is_before_and_after_by_property_name():
    tile = dict(id_properties=dict((key, "p." + key) for key in tp.TILE_KINDS), policy_api_property="p.switch")
    resolved = dict((key, dict(value=MP_VALUES[key], policy_id=POLICY_VALUES[key], reason="")) for key in tp.TILE_KINDS)
    before, after = tp.tile_change(tile, {"p.t0_router": "t0 shared", "p.switch": False}, resolved)
    assert before == {"p.t0_router": "t0 shared", "p.floating_pool": None, "p.pods_ip_block": None, "p.nodes_ip_block": None, "p.switch": False}
    assert after == dict(dict(("p." + key, value) for key, value in POLICY_VALUES.items()), **{"p.switch": True})


class Tier1Resolver(object):
    """A router that resolves to a tier-1 (the router kind spans both)."""

    def resolve_item(self, kind, item):
        return item, ("/infra/tier-1s/%s" if kind.name == "router" else "/infra/ip-blocks/%s") % item


def test_the_tiles_router_must_be_a_tier0():
    resolved = tp.resolve_tile(Tier1Resolver(), POLICY_VALUES)
    assert (
        resolved["t0_router"]["policy_id"] is None and resolved["t0_router"]["reason"] == "t0_shared (is /infra/tier-1s/t0_shared, not under /infra/tier-0s/)"
    )
    assert resolved["pods_ip_block"]["policy_id"] == "pods-ip-block"
