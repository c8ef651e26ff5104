"""tkgi_phase against fake om / bosh / tkgi processes and NSX over real HTTP: each phase refuses while a predecessor
is undone (read live every time), passes when all are verified; TKGI's rules after a failed promotion; read-only,
the same in check mode; no secret in any result."""

import pytest

from tests.unit.module_runner import run_module
from tests.unit.plugins.module_utils.test_ncp_resource_options import load, serve
from tests.unit.plugins.modules.tkgi_fake_cli import MP_TILE, NSX, POLICY_IDS, POLICY_TILE, FakeTkgi, assert_no_secret, created, environ_clean, promoted

TEST = "tkgi-test"
PREDECESSORS = dict(
    test_cluster=["migration_mode"],
    tile=["migration_mode", "test_cluster"],
    clusters=["migration_mode", "test_cluster", "tile"],
    policy_mode=["migration_mode", "test_cluster", "tile", "clusters"],
)
FIX = dict(
    migration_mode="ncp_tkgi_step=migration_mode",
    test_cluster="migrate_cluster.yml -e ncp_cluster=%s" % TEST,
    tile="ncp_tkgi_step=tile",
    clusters="one at a time",
)


@pytest.fixture
def world(tmp_path, scripted, monkeypatch):
    """Every phase up to ``clusters`` done: BOSH in migration mode, test cluster and both clusters promoted, tile switched."""
    environ_clean(monkeypatch)
    serve(scripted, load())
    clusters = {TEST: promoted(), "k8s-01": promoted(), "k8s-02": promoted()}
    fake = FakeTkgi(tmp_path, cpi_mode="migration", staged=POLICY_TILE, clusters=clusters)
    fake.nsx = dict(nsx_manager=scripted.url, nsx_username="admin", nsx_password="pw-123456789", nsx_auth="basic", validate_certs=False)
    return fake


def undo(fake, phase):
    state = fake.load()
    if phase == "migration_mode":
        for cpi in state["cpis"]:
            cpi.update(use_policy_api=False, policy_api_migration_mode=False)
    elif phase == "test_cluster":
        state["clusters"][TEST] = created()
    elif phase == "tile":
        state["staged"] = dict(MP_TILE)
        state["deployed"] = dict(MP_TILE)
    elif phase == "clusters":
        state["clusters"]["k8s-02"] = created()
    fake.save()


def gate(fake, phase, check_mode=False, **extra):
    args = dict(fake.args(), **fake.nsx)
    args.update(phase=phase, test_cluster=TEST, **extra)
    result = run_module("tkgi_phase", args, check_mode=check_mode)
    assert_no_secret(result)
    assert fake.writes() == [] and result.get("changed") is False, result  # read-only, always
    return result


@pytest.mark.parametrize("phase,predecessor", [(phase, before) for phase, befores in PREDECESSORS.items() for before in befores])
def test_each_phase_is_refused_while_each_predecessor_is_undone(world, phase, predecessor):
    undo(world, predecessor)
    result = gate(world, phase, cluster="k8s-02" if phase == "clusters" else None)
    assert result.failed and result["phase"] == phase, result
    assert result["unverified"][0] == predecessor and result["phases"][predecessor]["verified"] is False
    assert "phase %s is not verified" % predecessor in result["msg"] and FIX[predecessor] in result["msg"]
    assert result["phases"][predecessor]["reason"] in result["msg"]


@pytest.mark.parametrize("phase", sorted(PREDECESSORS) + ["migration_mode"])
def test_each_phase_passes_when_every_predecessor_is_verified(world, phase):
    result = gate(world, phase)
    assert not result.failed, result.get("msg")
    assert result["unverified"] == [] and all(result["phases"][name]["verified"] for name in PREDECESSORS.get(phase, []))
    assert list(result["phases"]) == PREDECESSORS.get(phase, []) + [phase]
    if phase in ("test_cluster", "tile", "clusters", "policy_mode"):
        assert result["tile_policy_ids"] == POLICY_IDS
        assert result["promotions"][TEST] == {"last_action": "PROMOTE_TO_POLICY", "last_action_state": "succeeded"}
    # check mode reads the same and decides the same
    assert gate(world, phase, check_mode=True)["phases"] == result["phases"]


def test_migration_mode_phase_reports_itself_and_policy_mode_counts_after_the_clean_up(world):
    undo(world, "migration_mode")
    result = gate(world, "migration_mode")
    assert not result.failed and result["phases"]["migration_mode"]["verified"] is False and "vsphere-az1" in result["phases"]["migration_mode"]["reason"]
    assert [c["tool"] for c in world.calls()] == ["bosh"]  # nothing else read, NSX not needed
    for cpi in world.load()["cpis"]:
        cpi.update(use_policy_api=True, policy_api_migration_mode=False)
    world.save()
    done = gate(world, "policy_mode")
    assert not done.failed and done["phases"]["policy_mode"]["verified"] is True and done["phases"]["migration_mode"]["verified"] is True
    # but a cluster may not be promoted once BOSH left migration mode
    assert gate(world, "clusters")["unverified"] == ["migration_mode"]


def test_another_failed_cluster_refuses_unless_acknowledged_and_the_cluster_itself_may_have_failed(world):
    world.update(clusters={TEST: promoted(), "k8s-01": promoted("failed"), "k8s-02": created()})
    refused = gate(world, "clusters", cluster="k8s-02")
    assert refused.failed and refused["unverified"] == [] and "k8s-01 (promotion failed" in refused["msg"]
    assert refused["blocking_clusters"][0].startswith("k8s-01") and "acknowledged_failures" in refused["msg"]
    assert refused["promotions"]["k8s-01"]["last_action_state"] == "failed"
    acknowledged = gate(world, "clusters", cluster="k8s-02", acknowledged_failures=["k8s-01"])
    assert not acknowledged.failed and acknowledged["blocking_clusters"] == []
    itself = gate(world, "clusters", cluster="k8s-01")
    assert not itself.failed, itself["msg"]


def test_a_promotion_still_running_refuses_even_when_acknowledged(world):
    world.update(clusters={TEST: promoted(), "k8s-01": promoted("in progress"), "k8s-02": created()})
    result = gate(world, "clusters", cluster="k8s-02", acknowledged_failures=["k8s-01"])
    assert result.failed and "never promote two clusters at once" in result["msg"]


def test_the_test_cluster_needs_the_tiles_objects_in_policy(world):
    world.update(staged=dict(MP_TILE, **{NSX + "nodes-ip-block-id": "not-imported"}))
    result = gate(world, "tile")
    assert result.failed and result["unverified"] == ["test_cluster"]
    assert "nodes_ip_block: not-imported" in result["msg"] and result["tile_policy_ids"]["nodes_ip_block"] is None


def test_a_tile_staged_but_not_applied_is_not_verified(world):
    world.update(deployed=dict(MP_TILE))
    result = gate(world, "clusters")
    assert result.failed and result["unverified"] == ["tile"] and "not applied (om pending-changes action update)" in result["msg"]


def test_a_cli_error_names_the_command_and_never_a_secret(world):
    world.update(fail={"om": "401 Unauthorized: bad credentials admin/om-secret-4711"})
    result = gate(world, "tile")
    assert result.failed and result["command"] == "om staged-config pivotal-container-service" and result["rc"] == 1
    assert "om staged-config" in result["msg"] and "********" in result["msg"]
    world.update(fail={})
    wrong = gate(world, "tile", om_password="wrong-password")
    assert wrong.failed and "could not authenticate" in wrong["msg"]
    missing = gate(world, "migration_mode", bosh_command=[str(world.dir / "nowhere" / "bosh")])
    assert missing.failed and "was not found or is not executable (bosh_command)" in missing["msg"] and missing["rc"] is None


def test_the_credentials_reach_the_clis_only_in_their_environment(world):
    gate(world, "policy_mode")
    for call in world.calls():
        assert not any(secret in " ".join(call["argv"]) for secret in ("om-secret-4711", "bosh-secret-0815"))
    assert {c["tool"] for c in world.calls()} == {"om", "bosh", "tkgi"}
    assert all("OM_PASSWORD" in c["env"] for c in world.calls("om")) and all("BOSH_CLIENT_SECRET" in c["env"] for c in world.calls("bosh"))


def test_a_phase_after_migration_mode_without_test_cluster_is_refused_before_anything_runs(world):
    args = dict(world.args(), **world.nsx)
    result = run_module("tkgi_phase", dict(args, phase="clusters"))
    assert result.failed and "test_cluster" in result["msg"] and world.calls() == []
    unknown = run_module("tkgi_phase", dict(args, phase="bottom_rules", test_cluster=TEST))
    assert unknown.failed and "phase" in unknown["msg"] and world.calls() == []
    assert_no_secret(result)
    assert_no_secret(unknown)
