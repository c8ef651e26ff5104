"""The TKGI CLI parsers on fixtures in the shapes TKGI_INTERFACE / docs/nsx-api.md give (the UNCONFIRMED variants
accepted, anything else one clear error naming the command), and the runner: credentials only in the environment,
secrets redacted from every message."""

import json

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _tkgi_cli as tc
from tests.unit.fixture_files import fixture_bytes


def text(name):
    return fixture_bytes("tkgi", name).decode("utf-8")


def test_cpi_config_blocks_give_each_cpis_flags_text_booleans_included():
    flags = tc.parse_cpi_config(text("bosh-cpi-config-migration.json"))
    expected = {"use_policy_api": False, "policy_api_migration_mode": True}
    assert flags == {"vsphere-az1": expected, "vsphere-az2": expected}


def test_cpi_config_in_a_table_row_and_a_cpi_without_nsxt():
    block = "cpis:\n- name: az1\n  type: vsphere\n  properties: {}\n"
    table = json.dumps({"Tables": [{"Rows": [{"content": block}]}], "Blocks": []})
    assert tc.parse_cpi_config(table) == {"az1": {"use_policy_api": None, "policy_api_migration_mode": None}}


@pytest.mark.parametrize(
    "stdout,message",
    [
        ("Using environment '10.0.0.5'\n\ncpis: []\nSucceeded", "bosh cpi-config printed no JSON"),
        (json.dumps({"Tables": [], "Blocks": [], "Lines": []}), "bosh cpi-config --json printed no CPI config"),
        (json.dumps({"Blocks": ["cpis: []\n"]}), "bosh cpi-config has no cpis list"),
        (json.dumps({"Blocks": ["cpis: [\n"]}), "bosh cpi-config printed YAML that cannot be read"),
    ],
)
def test_cpi_config_that_cannot_be_read_is_one_error_naming_the_command(stdout, message):
    with pytest.raises(tc.CliError) as caught:
        tc.parse_cpi_config(stdout)
    assert caught.value.message.startswith(message) and caught.value.details["command"] == "bosh cpi-config"


def test_staged_config_unwraps_values():
    values = tc.parse_staged_properties(text("om-staged-config.yml"), "pivotal-container-service")
    assert values[tc.TILE_ID_PROPERTIES["t0_router"]] == "0a0a0a0a-0000-4000-8000-000000000001"
    assert values[tc.TILE_POLICY_PROPERTY] is False and values[".properties.network_selector"] == "nsx"
    assert tc.parse_staged_properties("product-properties:\n  a: 1\n", "p") == {"a": 1}
    with pytest.raises(tc.CliError, match="printed product pivotal-container-service, not other"):
        tc.parse_staged_properties(text("om-staged-config.yml"), "other")
    with pytest.raises(tc.CliError, match="printed no product-properties"):
        tc.parse_staged_properties("product-name: p\n", "p")


def test_pending_changes_list_and_api_shape():
    assert tc.parse_pending_action(text("om-pending-changes.json"), "pivotal-container-service") == "update"
    assert tc.parse_pending_action(text("om-pending-changes.json"), "p-bosh") == "unchanged"
    assert tc.parse_pending_action(text("om-pending-changes-api.json"), "pivotal-container-service") == "unchanged"
    assert tc.parse_pending_action("[]", "pivotal-container-service") is None
    with pytest.raises(tc.CliError, match="om pending-changes printed no list"):
        tc.parse_pending_action('{"errors": ["x"]}', "p")


def test_clusters_and_cluster():
    clusters = tc.parse_clusters(text("tkgi-clusters.json"))
    assert [c["name"] for c in clusters] == ["tkgi-test", "k8s-01", "k8s-02"]
    assert tc.parse_clusters(json.dumps({"clusters": clusters[:1]}))[0]["last_action"] == "PROMOTE_TO_POLICY"
    assert tc.parse_cluster(json.dumps(clusters[1]))["last_action_state"] == "failed"
    with pytest.raises(tc.CliError, match="tkgi cluster printed a cluster without a name"):
        tc.parse_cluster("{}")
    with pytest.raises(tc.CliError, match="tkgi clusters --json printed no list"):
        tc.parse_clusters('"none"')


def test_as_bool():
    assert [tc.as_bool(v) for v in (True, "false", " TRUE ", "yes", None, 1)] == [True, False, True, None, None, None]


class Recorder(object):
    def __init__(self, rc=0, out="", err=""):
        self.calls, self.answer = [], (rc, out, err)

    def __call__(self, argv, environ_update=None):
        self.calls.append((argv, environ_update))
        return self.answer


PARAMS = dict(
    om_command=["/bin/true"],
    om_target="ops",
    om_username="admin",
    om_password="om-pw-1",
    bosh_command=["/bin/true", "-n"],
    bosh_environment="10.0.0.5",
    bosh_client="c",
    bosh_client_secret="bosh-pw-2",
    bosh_ca_cert=None,
    tkgi_command=["/bin/true"],
)


def test_runner_gives_credentials_in_the_environment_only():
    recorder = Recorder(out="ok")
    runner = tc.CliRunner(PARAMS, recorder)
    assert runner.run("bosh", ["cpi-config", "--json"]) == "ok"
    assert runner.run("om", ["staged-config"]) == "ok" and runner.run("tkgi", ["clusters"]) == "ok"
    (bosh_argv, bosh_env), (om_argv, om_env), (tkgi_argv, tkgi_env) = recorder.calls
    assert bosh_argv == ["/bin/true", "-n", "cpi-config", "--json"] and bosh_env == {
        "BOSH_ENVIRONMENT": "10.0.0.5",
        "BOSH_CLIENT": "c",
        "BOSH_CLIENT_SECRET": "bosh-pw-2",
    }
    assert om_env == {"OM_TARGET": "ops", "OM_USERNAME": "admin", "OM_PASSWORD": "om-pw-1"} and tkgi_env == {}
    assert not any(secret in " ".join(argv) for argv, _env in recorder.calls for secret in ("om-pw-1", "bosh-pw-2"))


def test_runner_failure_names_the_command_rc_and_redacted_stderr():
    runner = tc.CliRunner(PARAMS, Recorder(rc=1, err="denied for om-pw-1 / bosh-pw-2 / script-pw-3"), extra_secrets=["script-pw-3"])
    with pytest.raises(tc.CliError) as caught:
        runner.run("om", ["staged-config", "--product-name", "p"])
    error = caught.value
    assert error.message == "om staged-config p failed (rc 1): denied for ******** / ******** / ********"
    assert error.details == {"command": "om staged-config p", "rc": 1, "stderr": "denied for ******** / ******** / ********"}


def test_runner_missing_binary_is_one_error_naming_the_option():
    runner = tc.CliRunner(dict(PARAMS, tkgi_command=["/nonexistent/tkgi"]), Recorder())
    with pytest.raises(tc.CliError, match=r"^tkgi clusters: /nonexistent/tkgi was not found or is not executable \(tkgi_command\)$"):
        runner.run("tkgi", ["clusters", "--json"])
