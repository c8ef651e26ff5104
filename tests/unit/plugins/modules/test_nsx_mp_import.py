"""nsx_mp_import with real processes: a fake importer whose behaviour config.yaml sets.

Each exit code, a crash, a hang past the timeout, a password printed by the importer, the journal's
owner host, already-imported scopes, rollback, check mode and bad input.
"""

import json
import os
import shutil
import stat
import sys
import time

import pytest
import yaml
from ansible.module_utils import _internal

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from tests.unit import module_runner

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "importer")
SECRET = "Very-S3cret-NSX-pw!"


def run_module(capsys, check_mode=False, **args):
    return module_runner.run_module("nsx_mp_import", args, check_mode=check_mode)


@pytest.fixture
def importer(tmp_path):
    directory = tmp_path / "importer"
    directory.mkdir()
    path = directory / "mp_to_policy_importer.py"
    shutil.copy(os.path.join(FIXTURES, "fake_importer.py"), str(path))
    return path


@pytest.fixture
def base(tmp_path, importer):
    return dict(
        scope="cluster",
        cluster="c1",
        importer_path=str(importer),
        state_dir=str(tmp_path / "state"),
        nsx_manager="127.0.0.1:9",
        nsx_username="admin",
        nsx_password=SECRET,
        host_id="master-1",
        timeout=30,
    )


def seen(importer):
    path = importer.parent / "seen.json"
    return json.loads(path.read_text()) if path.exists() else None


def journal(base):
    return jr.read_journal(base["state_dir"], base["cluster"])


def assert_no_secret_anywhere(result, base):
    assert SECRET not in json.dumps(result)
    for root, _dirs, files in os.walk(base["state_dir"]):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                assert SECRET.encode() not in handle.read(), name


# -- exit codes -----------------------------------------------------------------------------------


def test_rc_0_imports_and_journals(capsys, base, importer):
    (importer.parent / "config.yaml").write_text("vendor_key: kept\nrollback_imported_resources: true\n")
    result = run_module(capsys, **base)
    assert not result.get("failed")
    assert (result["rc"], result["outcome"], result["ncp_mode"], result["changed"]) == (0, "imported", "policy", True)
    assert result["attempt"] == 1 and result["duration"] > 0 and os.path.isfile(result["log_file"])
    assert any("phase 1 for cluster c1" in line for line in result["log_tail"])
    record = journal(base)
    assert record["owner_host"] == "master-1" and jr.is_imported(record, "cluster")
    attempt = record["attempts"][0]
    assert (attempt["rc"], attempt["outcome"], attempt["host"], attempt["scope"]) == (0, "imported", "master-1", "cluster")
    assert attempt["log_file"] == result["log_file"] and attempt["ended_at"]
    # The journal as the module left it, in ncp_journal's shape: the Policy-mode switch decides from it.
    assert result["journal"]["journal"] == record and result["journal"]["imported"] == {"shared": False, "cluster": True}
    config = yaml.safe_load((importer.parent / "config.yaml").read_text())
    assert config["vendor_key"] == "kept" and config["rollback_imported_resources"] is False
    assert config["nsx_manager"] == "127.0.0.1:9" and config["cluster"] == "c1"
    # The importer got the password from a 0600 file, which is gone after the run.
    saw = seen(importer)
    assert saw["got_password"] and saw["credentials_mode"] == "0o600"
    assert saw["argv"][1:] == ["--cluster-only"] and saw["cwd"] == str(importer.parent)
    assert SECRET not in saw["cmdline"] and SECRET not in json.dumps(saw["env"]) and SECRET not in json.dumps(saw["config"])
    assert not os.path.exists(config["credentials_file"])
    assert_no_secret_anywhere(result, base)


@pytest.mark.parametrize(
    "fake, rc, outcome, ncp_mode",
    [
        ({"exit": 1}, 1, "failed_keep_ncp_stopped", "stopped"),
        ({"exit": 2}, 2, "failed_restart_ncp_mp", "mp"),
        ({"exit": 3}, 3, "error", "stopped"),
        ({"crash": True}, 137, "error", "stopped"),
    ],
)
def test_failures_fail_the_task_with_the_next_step(capsys, base, fake, rc, outcome, ncp_mode):
    result = run_module(capsys, config={"fake": fake}, **base)
    assert result["failed"] is True
    assert (result["rc"], result["outcome"], result["ncp_mode"]) == (rc, outcome, ncp_mode)
    assert outcome in result["msg"] and result["next_step"] in result["msg"]
    record = journal(base)
    assert record["attempts"][0]["outcome"] == outcome and not jr.is_imported(record, "cluster")
    assert result["journal"]["journal"] == record and result["journal"]["imported"]["cluster"] is False
    if fake.get("crash"):
        assert any("Traceback" in line for line in result["log_tail"])


def test_hang_is_killed_at_the_timeout_with_its_children(capsys, base, importer):
    base["timeout"] = 1
    start = time.monotonic()
    result = run_module(capsys, config={"fake": {"hang": True}}, **base)
    assert time.monotonic() - start < 10
    assert (result["failed"], result["outcome"], result["ncp_mode"], result["timed_out"], result["rc"]) == (True, "error", "stopped", True, None)
    pids = json.loads((importer.parent / "pids.json").read_text())
    for pid in pids.values():
        deadline = time.monotonic() + 3
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid)
    attempt = journal(base)["attempts"][0]
    assert attempt["timed_out"] is True and attempt["outcome"] == "error"


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_password_the_importer_prints_is_masked_everywhere(capsys, base):
    result = run_module(capsys, config={"fake": {"leak": True}}, **base)
    assert result["outcome"] == "imported"
    assert any("password=********" in line for line in result["log_tail"])
    assert any("the secret is ********, really" in line for line in result["log_tail"])
    assert_no_secret_anywhere(result, base)


def test_usage_error_warns_about_argv(capsys, base, monkeypatch):
    # Once controller code was imported in this process, warnings go to Display, not to the result.
    monkeypatch.setattr(_internal, "is_controller", False)
    result = run_module(capsys, config={"fake": {"usage": True}}, **base)
    assert result["outcome"] == "failed_restart_ncp_mp"
    assert "usage message" in json.dumps(result["warnings"])


def test_a_command_that_cannot_start_is_an_error(capsys, base):
    result = run_module(capsys, argv=["/nonexistent/python3", "{importer_path}"], **base)
    assert (result["failed"], result["outcome"], result["ncp_mode"], result["rc"]) == (True, "error", "stopped", None)
    assert any("cannot start" in line for line in result["log_tail"])


# -- journal rules ---------------------------------------------------------------------------------


def test_second_run_after_success_is_already_imported_and_runs_nothing(capsys, base, importer):
    first = run_module(capsys, **base)
    (importer.parent / "seen.json").unlink()
    second = run_module(capsys, **base)
    assert (second["outcome"], second["ncp_mode"], second["changed"], second["rc"]) == ("already_imported", "policy", False, 0)
    assert second["attempt"] == 1 and second["log_file"] == first["log_file"]
    assert seen(importer) is None and len(journal(base)["attempts"]) == 1
    assert second["journal"]["journal"] == journal(base) and second["journal"]["imported"]["cluster"] is True
    forced = run_module(capsys, force=True, **base)
    assert forced["outcome"] == "imported" and forced["attempt"] == 2 and seen(importer) is not None
    assert journal(base)["attempts"][1]["forced"] is True


def test_a_journal_of_another_host_is_refused_and_nothing_runs(capsys, base, importer):
    jr.mark_state(base["state_dir"], "c1", "ncp_stopped", "master-0")
    before = open(jr.journal_path(base["state_dir"], "c1"), "rb").read()
    result = run_module(capsys, **base)
    assert result["failed"] is True and "belongs to host 'master-0'" in result["msg"]
    assert result["owner_host"] == "master-0" and result["host"] == "master-1"
    assert seen(importer) is None and not (importer.parent / "config.yaml").exists()
    assert open(jr.journal_path(base["state_dir"], "c1"), "rb").read() == before


def test_a_run_while_another_holds_the_lock_is_refused(capsys, base, importer):
    with jr.ClusterLock(base["state_dir"], "c1"):
        result = run_module(capsys, **base)
    assert result["failed"] is True and "may still be running" in result["msg"]
    assert seen(importer) is None


def test_an_interrupted_attempt_is_closed_by_the_next_run(capsys, base):
    jr.begin_attempt(base["state_dir"], "c1", "master-1", "cluster")
    result = run_module(capsys, **base)
    attempts = journal(base)["attempts"]
    assert attempts[0]["outcome"] == "error" and attempts[0]["interrupted"] is True
    assert result["attempt"] == 2 and attempts[1]["outcome"] == "imported"


# -- shared scope and rollback ---------------------------------------------------------------------


def route_promoted_t0(scripted):
    """NSX as the shared import leaves it: Tier-0 t0 promoted (its policyPath tag), no IP blocks or pools."""
    tagged = {"results": [{"id": "t0-uuid", "display_name": "t0", "tags": [{"scope": "policyPath", "tag": "/infra/tier-0s/t0"}]}]}
    scripted.route("GET", "/api/v1/logical-routers", (200, tagged, {}))
    scripted.route("GET", "/api/v1/pools/ip-blocks", (200, {"results": []}, {}))
    scripted.route("GET", "/api/v1/pools/ip-pools", (200, {"results": []}, {}))
    scripted.route("GET", "/policy/api/v1/infra/tier-0s/t0", (200, {"id": "t0", "path": "/infra/tier-0s/t0"}, {}))


def test_shared_import_reads_policy_ids_back_from_nsx(capsys, base, importer, scripted):
    route_promoted_t0(scripted)
    base.update(scope="shared", nsx_manager=scripted.url, validate_certs=False, nsx_auth="basic")
    result = run_module(capsys, user_spec={"shared_resources": {"TIER0": ["t0"]}}, **base)
    assert result["outcome"] == "imported" and result["policy_ids"] == {"t0-uuid": "t0"}
    assert journal(base)["states"]["shared_imported"]["policy_ids"] == {"t0-uuid": "t0"}
    assert yaml.safe_load((importer.parent / "user-spec.yaml").read_text()) == {"shared_resources": {"TIER0": ["t0"]}}
    assert seen(importer)["argv"][1:] == ["--shared-only"]
    again = run_module(capsys, **base)
    assert again["outcome"] == "already_imported" and again["policy_ids"] == {"t0-uuid": "t0"}


def test_rollback_runs_with_the_key_set_and_clears_the_imported_state(capsys, base, importer):
    run_module(capsys, **base)
    result = run_module(capsys, rollback=True, **base)
    assert not result.get("failed")
    assert (result["outcome"], result["ncp_mode"], result["rolled_back"]) == ("failed_restart_ncp_mp", "mp", True)
    assert seen(importer)["config"]["rollback_imported_resources"] is True
    record = journal(base)
    assert not jr.is_imported(record, "cluster") and record["attempts"][1]["rollback"] is True
    assert "-rollback-" in result["log_file"]
    # The next import runs again, and never with the rollback key left on.
    result = run_module(capsys, **base)
    assert result["outcome"] == "imported" and seen(importer)["config"]["rollback_imported_resources"] is False


def test_failed_rollback_keeps_ncp_stopped(capsys, base):
    result = run_module(capsys, rollback=True, config={"fake": {"exit": 1}}, **base)
    assert (result["failed"], result["outcome"], result["ncp_mode"], result["rolled_back"]) == (True, "failed_keep_ncp_stopped", "stopped", False)
    assert "backup" in result["next_step"]


# -- check mode and bad input ------------------------------------------------------------------------


def test_check_mode_runs_nothing_and_writes_nothing(capsys, base, importer):
    result = run_module(capsys, check_mode=True, user_spec={"a": 1}, **base)
    assert result["changed"] is True and result["outcome"] is None and result["rc"] is None
    assert result["command"] == [sys.executable, str(importer), "--cluster-only"]
    assert result["scopes"][0]["command"] == result["command"]
    # the journal as an rc-0 run would leave it (the dry run's next steps plan on it), nothing written
    planned = result["journal"]
    assert planned["imported"] == {"shared": False, "cluster": True}
    assert [(a["scope"], a["rc"], a["outcome"], a["planned"]) for a in planned["journal"]["attempts"]] == [("cluster", 0, "imported", True)]
    assert not os.path.exists(base["state_dir"]) and seen(importer) is None
    assert sorted(os.listdir(importer.parent)) == ["mp_to_policy_importer.py"]


def test_check_mode_reports_already_imported(capsys, base):
    jr.mark_state(base["state_dir"], "c1", "cluster_imported", "master-1")
    result = run_module(capsys, check_mode=True, **base)
    assert result["outcome"] == "already_imported" and result["changed"] is False


@pytest.mark.parametrize(
    "change, message",
    [
        ({"importer_path": "/nonexistent/mp_to_policy_importer.py"}, "importer_path /nonexistent/mp_to_policy_importer.py is not a file"),
        ({"importer_path": None}, "importer_path is required"),
        ({"argv": ["{python}", "{secret}"]}, r"unknown placeholder \{secret\}"),
        ({"cluster": "../etc"}, "cannot name a journal directory"),
        ({"driver": "tkgi", "scope": "shared"}, "use scope cluster"),
        ({"timeout": 0}, "timeout must be a positive"),
        ({"user_spec": "/nonexistent/spec.yaml"}, "user_spec /nonexistent/spec.yaml is not a file"),
    ],
)
def test_bad_input_fails_clearly_and_writes_nothing(capsys, base, importer, change, message):
    args = dict(base)
    args.update(change)
    args = {key: value for key, value in args.items() if value is not None}
    result = run_module(capsys, **args)
    assert result["failed"] is True and result["changed"] is False
    assert __import__("re").search(message, result["msg"]), result["msg"]
    assert "Traceback" not in json.dumps(result) and SECRET not in json.dumps(result)
    assert not os.path.exists(base["state_dir"]) and seen(importer) is None


def test_a_broken_config_yaml_is_reported_and_left_alone(capsys, base, importer):
    (importer.parent / "config.yaml").write_text("a: [unclosed\n")
    result = run_module(capsys, **base)
    assert result["failed"] is True and "not valid YAML" in result["msg"]
    assert (importer.parent / "config.yaml").read_text() == "a: [unclosed\n"


# -- tkgi -----------------------------------------------------------------------------------------------


# A fake tkgi: prints its JSON, appends the importer's exit code line to the migration log (unless told not to) and
# exits with its own code - the two codes are set apart, as TKGI documents them (vendor-facts 1.3).
FAKE_TKGI = """#!%s
import json, os, sys
print('promoting...')
print(json.dumps({'argv': sys.argv[1:], 'status': 'done'}))
importer_rc = os.environ.get('FAKE_IMPORTER_RC')
if importer_rc:
    with open(os.environ['FAKE_MIGRATION_LOG'], 'a') as log:
        log.write('INFO promoting cluster\\nINFO MP to Policy migration finished, exit code %%s\\n' %% importer_rc)
sys.exit(int(os.environ['FAKE_CLI_RC']))
"""


@pytest.fixture
def tkgi_base(base, tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    tkgi = bindir / "tkgi"
    tkgi.write_text(FAKE_TKGI % sys.executable)
    tkgi.chmod(tkgi.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", "%s:%s" % (bindir, os.environ["PATH"]))
    logdir = tmp_path / "vcap-log"
    logdir.mkdir()
    monkeypatch.setenv("FAKE_MIGRATION_LOG", str(logdir / "mp_to_policy_importer.log"))
    base.update(driver="tkgi", tkgi_migration_log=str(logdir / "mp_to_policy_importer*.log"))
    base.pop("importer_path")
    return base


@pytest.mark.parametrize(
    "cli_rc, importer_rc, outcome, ncp_mode",
    [
        (0, "0", "imported", "policy"),
        (0, "1", "failed_keep_ncp_stopped", "stopped"),  # tkgi exits 0, the importer ended 1
        (1, "0", "imported", "policy"),  # tkgi exits non-zero, the importer ended 0
        (1, "2", "failed_restart_ncp_mp", "mp"),
        (0, "", "error", "stopped"),  # no exit code line written: the result is unknown
    ],
)
def test_tkgi_outcome_is_the_importers_exit_code_from_the_migration_log(capsys, tkgi_base, monkeypatch, cli_rc, importer_rc, outcome, ncp_mode):
    monkeypatch.setenv("FAKE_CLI_RC", str(cli_rc))
    monkeypatch.setenv("FAKE_IMPORTER_RC", importer_rc)
    result = run_module(capsys, **tkgi_base)
    assert (result["outcome"], result["ncp_mode"], result["cli_rc"]) == (outcome, ncp_mode, cli_rc)
    assert result["rc"] == (int(importer_rc) if importer_rc else None)
    assert result["tkgi_result"] == {"argv": ["promote-cluster-to-policy", "c1", "--wait", "--json", "--non-interactive"], "status": "done"}
    assert bool(result.get("failed")) is (outcome != "imported")
    attempt = journal(tkgi_base)["attempts"][0]
    assert (attempt["driver"], attempt["rc"], attempt["outcome"], attempt["cli_rc"]) == ("tkgi", result["rc"], outcome, cli_rc)
    assert attempt["tkgi_result"]["status"] == "done"
    if importer_rc:
        assert attempt["migration_log"] == os.environ["FAKE_MIGRATION_LOG"]


def test_tkgi_exit_code_of_an_earlier_promotion_is_not_taken_for_this_one(capsys, tkgi_base, monkeypatch):
    with open(os.environ["FAKE_MIGRATION_LOG"], "w") as log:
        log.write("MP to Policy migration finished, exit code 0\n")
    monkeypatch.setenv("FAKE_CLI_RC", "0")
    monkeypatch.setenv("FAKE_IMPORTER_RC", "")
    result = run_module(capsys, **tkgi_base)
    assert (result["rc"], result["outcome"], result["ncp_mode"]) == (None, "error", "stopped")
    assert "no migration log matching" in result["next_step"] and result["failed"] is True


def test_tkgi_missing_migration_log_is_an_unknown_result(capsys, tkgi_base, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_CLI_RC", "0")
    monkeypatch.setenv("FAKE_IMPORTER_RC", "0")
    tkgi_base["tkgi_migration_log"] = str(tmp_path / "elsewhere" / "*.log")
    result = run_module(capsys, **tkgi_base)
    assert (result["rc"], result["cli_rc"], result["outcome"], result["migration_log"]) == (None, 0, "error", None)
    assert "no migration log matches" in result["msg"]
    assert journal(tkgi_base)["attempts"][0]["outcome"] == "error"


def test_tkgi_after_exit_2_the_cluster_is_not_promoted_again_unless_forced(capsys, tkgi_base, monkeypatch):
    monkeypatch.setenv("FAKE_CLI_RC", "1")
    monkeypatch.setenv("FAKE_IMPORTER_RC", "2")
    assert run_module(capsys, **tkgi_base)["outcome"] == "failed_restart_ncp_mp"
    monkeypatch.setenv("FAKE_IMPORTER_RC", "0")
    for check_mode in (True, False):
        again = run_module(capsys, check_mode=check_mode, **tkgi_base)
        assert again["failed"] is True and "TKGI says not to run the promotion again" in again["msg"]
        assert (again["rc"], again["outcome"], again["changed"]) == (None, None, False)
    assert len(journal(tkgi_base)["attempts"]) == 1  # nothing ran, nothing journaled
    forced = run_module(capsys, **dict(tkgi_base, force=True))
    assert (forced["outcome"], forced["attempt"]) == ("imported", 2)


def test_tkgi_bad_exit_code_regex_is_refused_before_anything_runs(capsys, tkgi_base):
    result = run_module(capsys, **dict(tkgi_base, tkgi_exit_code_regex="exit code \\d+"))
    assert result["failed"] is True and "must have a group" in result["msg"]
    assert not os.path.exists(jr.journal_path(tkgi_base["state_dir"], "c1"))


# -- shared_then_cluster: the two importer runs of vendor steps 6.1 and 6.2 in one task ---------------------------


def runs(importer):
    path = importer.parent / "runs.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def scopes(result):
    return [(item["scope"], item["outcome"]) for item in result["scopes"]]


def test_shared_then_cluster_runs_both_in_order_each_journaled(capsys, base, importer, scripted):
    route_promoted_t0(scripted)
    base.update(scope="shared_then_cluster", nsx_manager=scripted.url, validate_certs=False, nsx_auth="basic")
    result = run_module(capsys, user_spec={"shared_resources": {"TIER0": ["t0"]}}, **base)
    assert not result.get("failed"), result["msg"]
    assert runs(importer) == [["--shared-only"], ["--cluster-only"]]
    assert scopes(result) == [("shared", "imported"), ("cluster", "imported")]
    # The top level is the cluster import's; the Policy IDs are the shared import's.
    assert (result["rc"], result["outcome"], result["ncp_mode"], result["attempt"], result["changed"]) == (0, "imported", "policy", 2, True)
    assert "-cluster-" in result["log_file"] and "-shared-" in result["scopes"][0]["log_file"]
    assert result["policy_ids"] == {"t0-uuid": "t0"}
    record = journal(base)
    assert [(a["scope"], a["outcome"], a["attempt"]) for a in record["attempts"]] == [("shared", "imported", 1), ("cluster", "imported", 2)]
    assert record["states"]["shared_imported"]["policy_ids"] == {"t0-uuid": "t0"}
    assert result["journal"]["journal"] == record and result["journal"]["imported"] == {"shared": True, "cluster": True}
    assert_no_secret_anywhere(result, base)
    # Again: both recorded as imported, nothing runs.
    again = run_module(capsys, **base)
    assert scopes(again) == [("shared", "already_imported"), ("cluster", "already_imported")]
    assert again["changed"] is False and again["policy_ids"] == {"t0-uuid": "t0"} and len(runs(importer)) == 2


@pytest.mark.parametrize("rc, outcome", [(1, "failed_keep_ncp_stopped"), (2, "failed_restart_ncp_mp")])
def test_shared_then_cluster_stops_after_a_shared_import_that_did_not_end_0(capsys, base, importer, rc, outcome):
    base.update(scope="shared_then_cluster")
    result = run_module(capsys, config={"fake": {"by_argv": {"--shared-only": {"exit": rc}}}}, **base)
    assert result["failed"] is True and "shared import of cluster c1: %s" % outcome in result["msg"]
    assert runs(importer) == [["--shared-only"]]
    assert (result["rc"], result["outcome"], result["attempt"]) == (rc, outcome, 1) and scopes(result) == [("shared", outcome)]
    assert [(a["scope"], a["outcome"]) for a in journal(base)["attempts"]] == [("shared", outcome)]


def test_shared_then_cluster_reports_a_failed_cluster_import_with_the_shared_one(capsys, base, importer):
    base.update(scope="shared_then_cluster")
    result = run_module(capsys, config={"fake": {"by_argv": {"--cluster-only": {"exit": 1}}}}, **base)
    assert result["failed"] is True and "cluster import of cluster c1: failed_keep_ncp_stopped" in result["msg"]
    assert runs(importer) == [["--shared-only"], ["--cluster-only"]]
    assert (result["outcome"], result["ncp_mode"], result["attempt"]) == ("failed_keep_ncp_stopped", "stopped", 2)
    assert scopes(result) == [("shared", "imported"), ("cluster", "failed_keep_ncp_stopped")]
    record = journal(base)
    assert jr.is_imported(record, "shared") and not jr.is_imported(record, "cluster")


def test_shared_then_cluster_runs_only_the_cluster_import_after_a_recorded_shared_import(capsys, base, importer):
    jr.mark_state(base["state_dir"], "c1", "shared_imported", "master-1", policy_ids={"a": "b"})
    result = run_module(capsys, **dict(base, scope="shared_then_cluster"))
    assert not result.get("failed") and runs(importer) == [["--cluster-only"]]
    assert scopes(result) == [("shared", "already_imported"), ("cluster", "imported")]
    assert result["changed"] is True and result["policy_ids"] == {"a": "b"}


def test_shared_then_cluster_keeps_what_the_shared_run_left_in_config_yaml(capsys, base, importer):
    base.update(scope="shared_then_cluster")
    result = run_module(capsys, config={"fake": {"by_argv": {"--shared-only": {"write_config": {"vendor_cache": "kept"}}}}}, **base)
    assert not result.get("failed") and runs(importer) == [["--shared-only"], ["--cluster-only"]]
    assert seen(importer)["config"]["vendor_cache"] == "kept"


def test_shared_then_cluster_in_check_mode_runs_and_writes_nothing(capsys, base, importer):
    result = run_module(capsys, check_mode=True, **dict(base, scope="shared_then_cluster"))
    assert not result.get("failed") and result["changed"] is True
    assert [item["scope"] for item in result["scopes"]] == ["shared", "cluster"] and result["command"][-1] == "--cluster-only"
    assert not os.path.exists(base["state_dir"]) and runs(importer) == []
    assert sorted(os.listdir(importer.parent)) == ["mp_to_policy_importer.py"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"rollback": True}, "rollback goes one scope at a time, the cluster first"),
        ({"driver": "tkgi"}, "use scope cluster, not shared_then_cluster"),
    ],
)
def test_shared_then_cluster_refuses_what_it_cannot_do(capsys, base, importer, change, message):
    result = run_module(capsys, **dict(base, scope="shared_then_cluster", **change))
    assert result["failed"] is True and result["changed"] is False and message in result["msg"]
    assert not os.path.exists(base["state_dir"]) and runs(importer) == []
