"""mp_import_task and its drivers (mp_import_importer, mp_import_tkgi): the paths the module tests
(tests/unit/plugins/modules/test_nsx_mp_import*.py) do not take - a failed write of the importer's inputs, NSX not
answering after a shared import, the tkgi driver's refusals and its reading of tkgi's output.

Through the module with the fake importer (real processes and files) where a module run is the behaviour.
"""

import json
import os
import shutil
import types

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._importer_run import RunResult
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._mp_import_tkgi import TkgiDriver, parse_last_json
from tests.unit import module_runner

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "importer")
SECRET = "Very-S3cret-NSX-pw!"


@pytest.fixture
def base(tmp_path):
    directory = tmp_path / "importer"
    directory.mkdir()
    shutil.copy(os.path.join(FIXTURES, "fake_importer.py"), str(directory / "mp_to_policy_importer.py"))
    return dict(
        scope="cluster",
        cluster="c1",
        importer_path=str(directory / "mp_to_policy_importer.py"),
        state_dir=str(tmp_path / "state"),
        nsx_manager="127.0.0.1:9",  # nothing listens: any NSX call fails at once
        nsx_username="admin",
        nsx_password=SECRET,
        retries=0,
        host_id="master-1",
        timeout=30,
    )


def credentials_file(base):
    return os.path.join(base["state_dir"], base["cluster"], "nsx-credentials.yaml")


def test_inputs_that_cannot_be_written_leave_no_credentials_and_run_nothing(capsys, base):
    importer_dir = os.path.dirname(base["importer_path"])
    os.mkdir(os.path.join(importer_dir, "user-spec.yaml"))  # written after the credentials file: its write fails
    result = module_runner.run_module("nsx_mp_import", dict(base, user_spec={"shared_resources": {"TIER0": ["t0"]}}))
    assert result.failed and result["msg"].startswith("cannot write the importer's input files, the importer did not run: ")
    assert not os.path.exists(credentials_file(base))
    assert not os.path.exists(os.path.join(importer_dir, "seen.json"))  # the importer did not run
    assert jr.read_journal(base["state_dir"], base["cluster"]) is None  # no attempt journaled
    assert SECRET not in result.raw


def test_a_shared_import_whose_policy_ids_nsx_cannot_give_warns_and_stays_imported(capsys, base):
    result = module_runner.run_module("nsx_mp_import", dict(base, scope="shared"))
    assert not result.failed and (result["outcome"], result["policy_ids"]) == ("imported", {})
    assert "its Policy IDs could not be read back from NSX" in json.dumps(result["warnings"])
    journal = jr.read_journal(base["state_dir"], base["cluster"])
    assert jr.is_imported(journal, "shared") and journal["states"]["shared_imported"]["policy_ids"] == {}
    assert not os.path.exists(credentials_file(base))


def test_the_tkgi_driver_takes_only_the_cluster_scope(capsys, base):
    args = dict(base, driver="tkgi", scope="shared_then_cluster")
    args.pop("importer_path")
    result = module_runner.run_module("nsx_mp_import", args)
    assert result.failed and result["msg"] == "driver tkgi promotes a whole cluster: use scope cluster, not shared_then_cluster"
    assert result["changed"] is False and result["scopes"] == [] and not os.path.exists(base["state_dir"])


def test_the_tkgi_driver_warns_that_importer_inputs_are_not_used_and_plans_the_promotion(capsys, base, tmp_path):
    args = dict(base, driver="tkgi", config={"kubeconfig": "/x"}, tkgi_migration_log=str(tmp_path / "none*.log"))
    args.pop("importer_path")
    result = module_runner.run_module("nsx_mp_import", args, check_mode=True)
    assert not result.failed and "config and user_spec are not used with driver tkgi" in json.dumps(result["warnings"])
    assert result["command"] == ["tkgi", "promote-cluster-to-policy", "c1", "--wait", "--json", "--non-interactive"]
    assert (result["tkgi_result"], result["cli_rc"], result["migration_log"]) == (None, None, None)
    assert "config_file" not in result and not os.path.exists(base["state_dir"])


def test_parse_last_json_takes_the_whole_log_or_its_last_json_line(tmp_path):
    log = tmp_path / "attempt.log"
    log.write_text(json.dumps({"name": "c1", "status": "succeeded"}, indent=2))
    assert parse_last_json(str(log)) == {"name": "c1", "status": "succeeded"}
    log.write_text('promoting\n{"status": "in progress"}\nnot json\n{"status": "failed"}\ndone\n')
    assert parse_last_json(str(log)) == {"status": "failed"}
    log.write_text("no JSON at all\n")
    assert parse_last_json(str(log)) is None
    assert parse_last_json(str(tmp_path / "missing.log")) is None


def test_the_tkgi_driver_reads_no_exit_code_after_a_timeout_and_only_what_the_log_gained(tmp_path):
    log = tmp_path / "mp_to_policy_importer.log"
    log.write_text("exit code 0\n")  # an earlier promotion's line
    params = dict(tkgi_migration_log=str(tmp_path / "mp_to_policy_importer*.log"), tkgi_exit_code_regex=r"exit code (\d+)", user_spec=None, config=None)
    driver = TkgiDriver(types.SimpleNamespace(params=params, warn=None))
    driver.validate(types.SimpleNamespace(fail=None))
    before = driver.log_offsets()
    assert before == {str(log): len("exit code 0\n")}
    with open(str(log), "a") as handle:
        handle.write("exit code 1\n")
    done = RunResult(0, False, 1.0, 0.0, 1.0, 1)
    assert driver.read_exit_code(done, before).rc == 1
    assert driver.read_exit_code(done._replace(timed_out=True), before) is None


@pytest.mark.parametrize("log", ["", "  "])
def test_the_tkgi_driver_refuses_to_run_without_a_migration_log_to_read(capsys, base, log):
    """Without the log the outcome could only be tkgi's own exit code, which is not the importer's (issue 27)."""
    args = dict(base, driver="tkgi", tkgi_migration_log=log)
    args.pop("importer_path")
    result = module_runner.run_module("nsx_mp_import", args)
    assert result.failed and result["msg"].startswith("tkgi_migration_log is empty: ")
    assert result["changed"] is False and not os.path.exists(base["state_dir"])
