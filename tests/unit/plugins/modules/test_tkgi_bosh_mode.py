"""tkgi_bosh_mode against fake bosh and a fake bosh_migration_mode.sh (real processes): at the state already ->
nothing runs; check mode runs nothing; the script's result is verified with bosh cpi-config; no secret leaks."""

import pytest

from tests.unit.module_runner import run_module
from tests.unit.plugins.modules.tkgi_fake_cli import OPSMAN, FakeTkgi, assert_no_secret, environ_clean

MIGRATION = {"use_policy_api": False, "policy_api_migration_mode": True}
POLICY = {"use_policy_api": True, "policy_api_migration_mode": False}
NEITHER = {"use_policy_api": False, "policy_api_migration_mode": False}


@pytest.fixture
def fake(tmp_path, monkeypatch):
    environ_clean(monkeypatch)
    return FakeTkgi(tmp_path)


def bosh_mode(fake, state, check_mode=False, **extra):
    args = dict(fake.args(), state=state, script=str(fake.bin / "bosh_migration_mode.sh"), opsman_host=OPSMAN["host"])
    args.update(opsman_username=OPSMAN["username"], opsman_password=OPSMAN["password"])
    args.update(extra)
    result = run_module("tkgi_bosh_mode", args, check_mode=check_mode, diff=True)
    assert_no_secret(result)
    return result


def test_migration_mode_is_switched_on_by_the_script_and_verified(fake):
    result = bosh_mode(fake, "migration")
    assert not result.failed, result.get("msg")
    assert result["changed"] is True and result["before"] == NEITHER and result["after"] == MIGRATION
    assert result["diff"] == {"before": NEITHER, "after": MIGRATION} and set(result["cpis"]) == {"vsphere-az1", "vsphere-az2"}
    script = fake.calls("bosh_migration_mode.sh")
    assert [c["argv"][:3] for c in script] == [["enable", OPSMAN["host"], OPSMAN["username"]]]
    assert script[0]["env"] == ["BOSH_CLIENT", "BOSH_CLIENT_SECRET", "BOSH_ENVIRONMENT"]
    assert any("Succeeded" in line for line in result["script_output"])
    assert [c["tool"] for c in fake.calls()] == ["bosh", "bosh_migration_mode.sh", "bosh"]  # read, run, read again


def test_already_at_the_state_nothing_runs(fake):
    fake.update(cpis=[dict(name="vsphere-az1", **MIGRATION)])
    result = bosh_mode(fake, "migration")
    assert not result.failed and result["changed"] is False and result["after"] == MIGRATION
    assert fake.writes() == [] and [c["tool"] for c in fake.calls()] == ["bosh"]


def test_check_mode_runs_nothing(fake):
    result = bosh_mode(fake, "policy", check_mode=True)
    assert not result.failed and result["changed"] is True and result["after"] == POLICY and result["before"] == NEITHER
    assert fake.writes() == [] and fake.load()["cpis"][0]["use_policy_api"] is False


def test_policy_mode_is_the_scripts_disable(fake):
    fake.update(cpis=[dict(name="vsphere-az1", **MIGRATION)])
    result = bosh_mode(fake, "policy")
    assert not result.failed and result["after"] == POLICY and fake.calls("bosh_migration_mode.sh")[0]["argv"][0] == "disable"


def test_the_script_ran_but_cpi_config_does_not_match_fails(fake):
    fake.update(script_ineffective=True)
    result = bosh_mode(fake, "migration")
    assert result.failed and "ended 0 but bosh cpi-config: not in migration mode" in result["msg"]
    assert result["after"] == NEITHER and len(fake.calls("bosh_migration_mode.sh")) == 1


def test_a_failing_script_is_one_error_without_the_password(fake):
    result = bosh_mode(fake, "migration", opsman_password="not-the-password-99")
    assert result.failed and result["rc"] == 1 and "could not authenticate" in result["msg"]
    assert result["command"].startswith("bosh_migration_mode.sh enable") and "not-the-password-99" not in result.raw
    missing = bosh_mode(fake, "migration", script="no-such-script.sh")
    assert missing.failed and "no-such-script.sh was not found or is not executable (script)" in missing["msg"]


def test_missing_bosh_credentials_fail_naming_bosh(fake):
    result = bosh_mode(fake, "migration", bosh_environment=None)
    assert result.failed and result["command"] == "bosh cpi-config" and "Expected non-empty Director URL" in result["msg"]
    assert fake.writes() == []
