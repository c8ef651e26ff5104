"""nsx_mp_import require_nsx_idle: the re-check right before each import (invariant 3), against the NSX simulator.

A busy NSX (a promotion in progress) or a stopped coordinator keeps the importer from starting: nothing runs,
no attempt is journaled, the findings say why; an idle NSX lets it run; without the option nothing is read.
"""

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.modules import nsx_mp_import
from tests.lab.nsxsim.testing import start

CLUSTER = "k8s-01"
# An importer that leaves a mark: the test sees whether it ran.
IMPORTER = "import pathlib, sys\npathlib.Path(sys.argv[0]).with_name('ran').write_text('yes')\n"
COORDINATOR = "/api/v1/node/services/migration-coordinator/status"
PROMOTION = "/api/v1/migration/mp-policy-promotion/state"


@pytest.fixture(scope="module")
def nsx():
    sim = start()
    yield sim
    sim.stop()


@pytest.fixture
def args(nsx, tmp_path):
    nsx.admin.coordinator(running=True, busy=False)
    nsx.admin.reset_counters()
    importer = tmp_path / "mp_to_policy_importer.py"
    importer.write_text(IMPORTER)
    return dict(
        scope="cluster",
        cluster=CLUSTER,
        importer_path=str(importer),
        state_dir=str(tmp_path / "state"),
        nsx_manager=nsx.url,
        nsx_username=nsx.username,
        nsx_password=nsx.password,
        nsx_auth="basic",
        host_id="master-1",
        timeout=30,
        require_nsx_idle=True,
    )


def run_module(capsys, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            nsx_mp_import.main()
    return json.loads(capsys.readouterr().out)


def ran(args):
    return os.path.exists(os.path.join(os.path.dirname(args["importer_path"]), "ran"))


def attempts(args):
    return (jr.read_journal(args["state_dir"], CLUSTER) or {}).get("attempts", [])


def test_busy_nsx_keeps_the_importer_from_starting(capsys, nsx, args):
    nsx.admin.coordinator(busy=True)
    result = run_module(capsys, **args)
    assert result["failed"] and not result["changed"]
    assert [item["check"] for item in result["blocked_by"]] == ["promotion_idle"]
    assert "not started" in result["msg"] and "in progress" in result["msg"]
    assert result["outcome"] is None and result["rc"] is None
    assert not ran(args) and attempts(args) == []
    assert nsx.password not in json.dumps(result)


def test_stopped_coordinator_keeps_the_importer_from_starting(capsys, nsx, args):
    nsx.admin.coordinator(running=False)
    result = run_module(capsys, **args)
    assert result["failed"]
    assert "migration_coordinator_running" in [item["check"] for item in result["blocked_by"]]
    assert not ran(args) and attempts(args) == []


def test_idle_nsx_lets_the_import_run_after_reading_both_states(capsys, nsx, args):
    result = run_module(capsys, **args)
    assert (result["rc"], result["outcome"], result["blocked_by"]) == (0, "imported", []), result["log_tail"]
    assert ran(args)
    assert [a["outcome"] for a in attempts(args)] == ["imported"]
    assert nsx.admin.count("GET", COORDINATOR) == 1 and nsx.admin.count("GET", PROMOTION) == 1


def test_check_mode_reads_nsx_and_predicts_the_block(capsys, nsx, args):
    nsx.admin.coordinator(busy=True)
    result = run_module(capsys, _ansible_check_mode=True, **args)
    assert result["failed"] and result["blocked_by"]
    assert not ran(args) and not os.path.exists(jr.journal_path(args["state_dir"], CLUSTER))


def test_without_the_option_nsx_is_not_read(capsys, nsx, args):
    nsx.admin.coordinator(busy=True)
    result = run_module(capsys, **dict(args, require_nsx_idle=False))
    assert result["outcome"] == "imported" and ran(args)
    assert nsx.admin.count("GET", PROMOTION) == 0


def test_already_imported_scope_does_not_read_nsx(capsys, nsx, args):
    assert run_module(capsys, **args)["outcome"] == "imported"
    nsx.admin.coordinator(busy=True)
    nsx.admin.reset_counters()
    again = run_module(capsys, **args)
    assert again["outcome"] == "already_imported" and not again.get("failed")
    assert nsx.admin.count("GET", PROMOTION) == 0


# An importer whose shared run leaves NSX busy (a promotion in progress) when it ends: the next import must see it.
BUSY_AFTER_SHARED = (
    "import json, pathlib, sys, urllib.request\n"
    "here = pathlib.Path(sys.argv[0])\n"
    "with here.with_name('runs').open('a') as runs:\n"
    "    runs.write(sys.argv[-1] + '\\n')\n"
    "if sys.argv[-1] == '--shared-only':\n"
    "    request = urllib.request.Request(%r + '/_lab/coordinator', data=json.dumps({'busy': True}).encode(), method='POST',\n"
    "                                     headers={'Content-Type': 'application/json'})\n"
    "    urllib.request.urlopen(request, timeout=10).read()\n"
)


def test_shared_then_cluster_checks_nsx_again_before_the_cluster_import(capsys, nsx, args, tmp_path):
    importer = tmp_path / "mp_to_policy_importer.py"
    importer.write_text(BUSY_AFTER_SHARED % nsx.url)
    result = run_module(capsys, **dict(args, scope="shared_then_cluster"))
    # The shared import ran and is journaled; NSX was busy when the cluster import was due: it did not start.
    assert (tmp_path / "runs").read_text() == "--shared-only\n"
    assert result["failed"] and result["changed"] is True
    assert [item["check"] for item in result["blocked_by"]] == ["promotion_idle"]
    assert "cluster import of cluster k8s-01 was not started" in result["msg"]
    assert [(s["scope"], s["outcome"]) for s in result["scopes"]] == [("shared", "imported")]
    assert [(a["scope"], a["outcome"]) for a in attempts(args)] == [("shared", "imported")]
    assert nsx.admin.count("GET", PROMOTION) == 2


# An importer whose shared run is followed by a password change on NSX; the session the module opened stays valid.
ROTATE_AFTER_SHARED = (
    "import json, pathlib, sys, urllib.request\n"
    "here = pathlib.Path(sys.argv[0])\n"
    "with here.with_name('runs').open('a') as runs:\n"
    "    runs.write(sys.argv[-1] + '\\n')\n"
    "if sys.argv[-1] == '--shared-only':\n"
    "    request = urllib.request.Request(%r + '/_lab/credentials', data=json.dumps({'password': %r}).encode(), method='POST',\n"
    "                                     headers={'Content-Type': 'application/json'})\n"
    "    urllib.request.urlopen(request, timeout=10).read()\n"
)


def test_shared_then_cluster_logs_in_afresh_before_the_cluster_import(capsys, nsx, args, tmp_path):
    """A password rotated during the shared import: the module's session still works, the cluster importer's login
    would not. The check before the cluster import logs in again, so the importer is not started."""
    original = nsx.password
    importer = tmp_path / "mp_to_policy_importer.py"
    importer.write_text(ROTATE_AFTER_SHARED % (nsx.url, "Rotated-Passw0rd!Unit"))
    try:
        result = run_module(capsys, **dict(args, scope="shared_then_cluster", nsx_auth="session"))
    finally:
        nsx.admin.rotate_password(original)
    assert (tmp_path / "runs").read_text() == "--shared-only\n"
    assert result["failed"] and "rejected the login" in result["msg"], result["msg"]
    assert "Rotated" not in json.dumps(result) and original not in json.dumps(result)
    assert [(a["scope"], a["outcome"]) for a in attempts(args)] == [("shared", "imported")]
