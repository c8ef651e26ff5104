"""The lab's TKGI control plane (tests/lab/tkgi_lab.py): what a prepared lab did at lab up, and the om / bosh / tkgi /
bosh_migration_mode.sh stand-ins behaving as TKGI documents them (vendor-facts 6.2-6.4), on one lab (k8s_tkgi.yml:
a TKGI cluster with two masters, a TKGI-API-only test cluster)."""

import os
import subprocess

import pytest
import yaml

from tests.integration.conftest import SCENARIOS
from tests.integration.labtools import POLICY_SWITCH, TILE_PROPERTIES, Lab, TkgiControlPlane
from tests.lab.labctl import LabError, down, up

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("tkgi") / "lab")
    up(os.path.join(SCENARIOS, "k8s_tkgi.yml"), out)
    try:
        yield Lab(out).wait_ready()
    finally:
        down(out, quiet=True)


def ncp_ini_policy(lab, host):
    return "policy_nsxapi = True" in lab.ncp_ini_text(host)


def test_a_prepared_lab_has_tkgi_order_done_up_to_the_tile(lab):
    cli = TkgiControlPlane(lab)
    assert cli.bosh_mode() == "migration"
    assert cli.promotion("tkgi-test") == ("PROMOTE_TO_POLICY", "succeeded")
    tile, pending = cli.tile()
    assert tile[POLICY_SWITCH] is True and pending == "unchanged"
    paths = set(lab.policy_paths())
    assert "/infra/tier-0s/" + tile[TILE_PROPERTIES[0]] in paths and "/infra/ip-blocks/" + tile[TILE_PROPERTIES[3]] in paths
    assert cli.promotion("k8s-02")[0] == "CREATE"  # the inventory's TKGI cluster is not touched


def test_om_and_bosh_refuse_wrong_credentials_and_change_nothing(lab):
    cli = TkgiControlPlane(lab)
    before = cli.tile()
    env = dict(cli.env, OM_PASSWORD="wrong", BOSH_CLIENT_SECRET="wrong")
    config = os.path.join(lab.out, "opsman", "wrong.yml")
    with open(config, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"product-name": "pivotal-container-service", "product-properties": {POLICY_SWITCH: {"value": False}}}, handle)
    for argv in ([cli.cli["om_command"][0], "configure-product", "--config", config], [cli.cli["bosh_command"][0], "cpi-config"]):
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 1 and "401" in done.stderr, done
    assert cli.tile() == before


def test_a_promotion_from_the_controller_does_what_tkgi_does_on_every_master(lab):
    """Exit 1: NCP stopped on both masters, ncp.ini untouched; then exit 0: ncp.ini in Policy mode, NCP started in it."""
    cli, masters = TkgiControlPlane(lab), lab.masters("k8s-02")
    tkgi = cli.cli["tkgi_command"][0]
    lab.set_importer_fault(masters[0], {"kind": "rc1", "after_batches": 1})
    promote = [tkgi, "promote-cluster-to-policy", "k8s-02", "--non-interactive", "--wait", "--json"]
    failed = subprocess.run(promote, env=cli.env, capture_output=True, text=True, check=False)
    assert failed.returncode == 1 and cli.promotion("k8s-02") == ("PROMOTE_TO_POLICY", "failed")
    assert lab.ncp_mode("k8s-02") == "stopped" and not any(ncp_ini_policy(lab, host) for host in masters)
    with open(os.path.join(lab.host(masters[0])["root"], "var/vcap/sys/log/ncp/mp_to_policy_importer.log"), encoding="utf-8") as handle:
        assert "exit code 1" in handle.read()  # the importer's result, on the control-plane VM

    lab.set_importer_fault(masters[0], None)
    cli.run("tkgi", "promote-cluster-to-policy", "k8s-02", "--non-interactive", "--wait")
    assert cli.promotion("k8s-02") == ("PROMOTE_TO_POLICY", "succeeded")
    assert all(ncp_ini_policy(lab, host) for host in masters) and lab.ncp_mode("k8s-02") == "policy"


def test_the_migration_mode_script_switches_bosh_and_checks_it_with_cpi_config(lab):
    cli = TkgiControlPlane(lab)
    script = os.path.join(lab.out, "bin", "bosh_migration_mode.sh")
    with open(os.path.join(lab.out, "inventory.yml"), encoding="utf-8") as handle:
        opsman = yaml.safe_load(handle)["all"]["vars"]["ncp_tkgi_opsman"]
    wrong = subprocess.run([script, "disable", opsman["host"], opsman["username"], "wrong"], env=cli.env, capture_output=True, text=True, check=False)
    assert wrong.returncode == 1 and cli.bosh_mode() == "migration"
    for action, mode in (("disable", "policy"), ("enable", "migration")):
        argv = [script, action, opsman["host"], opsman["username"], opsman["password"]]
        done = subprocess.run(argv, env=cli.env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        assert cli.bosh_mode() == mode


@pytest.mark.parametrize("spec", [["k8s-01"], {"test_cluster": "k8s-01", "prepared": "yes"}, {"prepared": True}, {"test": "k8s-01"}])
def test_a_malformed_tkgi_key_is_one_error_and_nothing_keeps_running(tmp_path, spec):
    scenario = tmp_path / "bad.yml"
    with open(os.path.join(SCENARIOS, "k8s_tkgi.yml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    scenario.write_text(yaml.safe_dump(dict(data, tkgi=spec)))
    with pytest.raises(LabError, match="tkgi"):
        up(str(scenario), str(tmp_path / "lab"))
    assert down(str(tmp_path / "lab"), quiet=True) == []  # up stopped what it had started
