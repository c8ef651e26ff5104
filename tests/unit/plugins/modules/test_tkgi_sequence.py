"""The three TKGI modules together, in TKGI's order, on one fake foundation (real processes) and NSX over real HTTP:
each phase's gate passes only once the step before it was carried out, and the last gate sees everything done."""

from tests.unit.module_runner import run_module
from tests.unit.plugins.module_utils.test_ncp_resource_options import load, serve
from tests.unit.plugins.modules.tkgi_fake_cli import OPSMAN, POLICY_TILE, FakeTkgi, assert_no_secret, created, environ_clean, promoted

TEST = "tkgi-test"


def test_the_tkgi_order_from_migration_mode_to_policy_mode(tmp_path, scripted, monkeypatch):
    environ_clean(monkeypatch)
    serve(scripted, load())
    fake = FakeTkgi(tmp_path, clusters={TEST: created(), "k8s-01": created(), "k8s-02": created()})
    nsx = dict(nsx_manager=scripted.url, nsx_username="admin", nsx_password="pw-123456789", nsx_auth="basic", validate_certs=False)
    script = dict(script=str(fake.bin / "bosh_migration_mode.sh"), opsman_host=OPSMAN["host"], opsman_username=OPSMAN["username"])
    script["opsman_password"] = OPSMAN["password"]

    def run(name, **args):
        result = run_module(name, dict(fake.args(), **args))
        assert_no_secret(result)
        return result

    def gate(phase, **args):
        return run("tkgi_phase", phase=phase, test_cluster=TEST, **dict(nsx, **args))

    def promote(name, state="succeeded"):
        fake.load()["clusters"][name] = promoted(state)
        fake.save()

    assert gate("test_cluster")["unverified"] == ["migration_mode"]
    assert not run("tkgi_bosh_mode", state="migration", **script).failed
    assert not gate("test_cluster").failed
    assert gate("tile")["unverified"] == ["test_cluster"]
    promote(TEST)
    assert not gate("tile").failed
    assert gate("clusters", cluster="k8s-01")["unverified"] == ["tile"]
    applied = run("tkgi_tile", apply=True, **nsx)
    assert applied["verified"] is True and fake.load()["deployed"] == POLICY_TILE
    assert not gate("clusters", cluster="k8s-01").failed
    promote("k8s-01", "failed")
    assert gate("clusters", cluster="k8s-02")["blocking_clusters"][0].startswith("k8s-01")
    promote("k8s-01")  # the re-run of that cluster only succeeded
    promote("k8s-02")
    assert gate("policy_mode")["phases"]["policy_mode"]["verified"] is False
    assert not run("tkgi_bosh_mode", state="policy", **script).failed
    done = gate("policy_mode")
    assert not done.failed and all(verdict["verified"] for verdict in done["phases"].values()), done["phases"]
    assert [c["argv"][0] for c in fake.calls("bosh_migration_mode.sh")] == ["enable", "disable"]
