"""tkgi_tile against a fake om (real processes) and NSX over real HTTP: the tile's four objects resolve through the
collection's one MP -> Policy resolution; unresolved -> fail, nothing written; apply writes the four Policy IDs and the
switch, applies the tile only, and then tkgi_phase verifies the tile phase; no secret in any result."""

import pytest

from tests.unit.module_runner import run_module
from tests.unit.plugins.module_utils.test_ncp_resource_options import load, serve
from tests.unit.plugins.modules.tkgi_fake_cli import MP_TILE, NSX, POLICY_IDS, POLICY_TILE, FakeTkgi, assert_no_secret, environ_clean, promoted


@pytest.fixture
def fake(tmp_path, scripted, monkeypatch):
    environ_clean(monkeypatch)
    serve(scripted, load())
    fake = FakeTkgi(tmp_path, cpi_mode="migration", clusters={"tkgi-test": promoted()})
    fake.nsx = dict(nsx_manager=scripted.url, nsx_username="admin", nsx_password="pw-123456789", nsx_auth="basic", validate_certs=False)
    return fake


def tile(fake, check_mode=False, **extra):
    result = run_module("tkgi_tile", dict(fake.args(), **dict(fake.nsx, **extra)), check_mode=check_mode, diff=True)
    assert_no_secret(result)
    assert "pw-123456789" not in result.raw
    return result


def test_without_apply_the_ids_are_printed_and_nothing_is_written(fake):
    result = tile(fake)
    assert not result.failed and result["changed"] is False and result["applied"] is False and result["verified"] is False
    assert result["policy_ids"] == POLICY_IDS and result["after"] == POLICY_TILE and result["before"] == MP_TILE
    assert "%s = t0_shared" % (NSX + "t0-router-id") in result["msg"] and "Apply Changes" in result["msg"]
    assert fake.writes() == []


def test_an_unresolved_object_fails_naming_it_and_nothing_is_written(fake):
    fake.update(staged=dict(MP_TILE, **{NSX + "ip-block-id": "not-imported"}))
    for check_mode in (False, True):
        result = tile(fake, check_mode=check_mode, apply=True)
        assert result.failed and "pods_ip_block: not-imported (MP ip_block" in result["msg"] and "nothing written" in result["msg"]
        assert result["policy_ids"]["pods_ip_block"] is None and result["policy_ids"]["t0_router"] == "t0_shared"
    assert fake.writes() == [] and fake.load()["staged"][NSX + "ip-block-id"] == "not-imported"


def test_check_mode_computes_the_change_and_writes_nothing(fake):
    result = tile(fake, check_mode=True, apply=True)
    assert not result.failed and result["changed"] is True and result["applied"] is False
    assert result["diff"] == {"before": MP_TILE, "after": POLICY_TILE} and result["pending_action"] == "unchanged"
    assert fake.writes() == [] and fake.load()["staged"] == MP_TILE


def test_apply_writes_the_four_policy_ids_and_the_switch_then_the_tile_phase_verifies(fake):
    result = tile(fake, apply=True)
    assert not result.failed, result.get("msg")
    assert result["changed"] is True and result["applied"] is True and result["verified"] is True and result["pending_action"] == "unchanged"
    state = fake.load()
    assert state["staged"] == POLICY_TILE and state["deployed"] == POLICY_TILE
    writes = [c["argv"] for c in fake.writes()]
    assert writes[0][:2] == ["configure-product", "--config"] and writes[1] == ["apply-changes", "--product-name", "pivotal-container-service"]
    assert len(writes) == 2
    again = tile(fake, apply=True)
    assert again["changed"] is False and again["verified"] is True and len(fake.writes()) == 2
    phase = run_module("tkgi_phase", dict(fake.args(), **dict(fake.nsx, phase="tile", test_cluster="tkgi-test")))
    assert not phase.failed and phase["phases"]["tile"] == {"verified": True, "reason": phase["phases"]["tile"]["reason"]}
    assert phase["phases"]["tile"]["verified"] is True and phase["tile_policy_ids"] == POLICY_IDS


def test_staged_but_not_applied_is_applied_without_writing_again(fake):
    fake.update(staged=dict(POLICY_TILE))
    result = tile(fake, apply=True)
    assert not result.failed and result["changed"] is True and [c["argv"][0] for c in fake.writes()] == ["apply-changes"]


def test_an_apply_that_does_not_take_fails(fake):
    fake.update(apply_breaks=True)
    result = tile(fake, apply=True)
    assert result.failed and "written and applied, but" in result["msg"] and "pending-changes action update" in result["msg"]


def test_an_om_error_names_the_command_without_the_password(fake):
    fake.update(fail={"om": "Unauthorized: client admin secret om-secret-4711 rejected"})
    result = tile(fake, apply=True)
    assert result.failed and result["command"] == "om staged-config pivotal-container-service" and "********" in result["msg"]
    assert fake.writes() == []
