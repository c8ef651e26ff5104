"""TKGI's own order (issue 27, invariant 12; vendor-facts 6.2, 6.3): a whole TKGI migration in the lab, a test cluster
and two clusters, through BOSH migration mode -> the test cluster -> the tile's four IDs -> the clusters one at a time
-> BOSH to Policy mode, with each step seen refusing while the step before it is undone, and nothing changed by a
refused step.

What the steps did is read the way an operator reads it, with the lab's ``bosh``, ``om`` and ``tkgi`` stand-ins and the
commands and credentials the inventory gives the collection (``ncp_tkgi_cli``), and from NSX; NCP's state from each
master's monit stand-in. Also: the run never stops, starts or edits a TKGI cluster's NCP itself (the promotion does),
and after a promotion that ended 1 no other cluster is promoted until that one succeeds (TKGI's rule).
``long`` (make test-faults): 14 playbook runs on one lab, ~4 min.
"""

import pytest

from .labtools import POLICY_SWITCH, TILE_PROPERTIES
from .labtools import TkgiControlPlane as Cli

pytestmark = [pytest.mark.slow, pytest.mark.long]

TEST, FIRST, SECOND = "k8s-01", "k8s-02", "k8s-03"
ONE = {"ncp_ack_no_backup_restore": True}
# tkgi_phases.refusal: the step that is not done, named as the phase.
UNVERIFIED = "phase %s is not verified"


def refused(run, *words):
    """The run failed before it changed anything, naming why."""
    assert run.returncode != 0, run.stdout[-3000:]
    for word in words:
        assert word in run.stdout, (word, run.stdout[-3000:])


def test_tkgi_order_from_migration_mode_to_policy_mode(lab_factory):
    lab = lab_factory("tkgi3.yml")
    cli = Cli(lab)
    assert cli.bosh_mode() == "mp" and cli.promotion(TEST)[0] != "PROMOTE_TO_POLICY"
    tile_before = cli.tile()[0]

    # 1. Nothing before BOSH migration mode: neither the test cluster nor the tile.
    before = lab.snapshot()
    refused(lab.run("migrate_cluster.yml", dict(ONE, ncp_cluster=TEST)), UNVERIFIED % "migration_mode")
    refused(lab.run("tkgi.yml", {"ncp_tkgi_step": "tile"}), UNVERIFIED % "migration_mode")
    assert cli.promotion(TEST)[0] != "PROMOTE_TO_POLICY" and cli.tile()[0] == tile_before
    assert not lab.ncp_stop_seen(TEST)
    assert_unchanged(before, lab.snapshot(), allow_report=True)

    run = lab.run("tkgi.yml", {"ncp_tkgi_step": "migration_mode"})
    assert run.returncode == 0, run.stdout[-3000:]
    assert cli.bosh_mode() == "migration"

    # 2. A cluster before the test cluster is refused; then the test cluster is promoted (TKGI stops and starts its NCP).
    refused(lab.run("migrate_cluster.yml", dict(ONE, ncp_cluster=FIRST)), UNVERIFIED % "test_cluster")
    assert cli.promotion(FIRST)[0] != "PROMOTE_TO_POLICY" and not lab.ncp_stop_seen(FIRST)
    refused(lab.run("tkgi.yml", {"ncp_tkgi_step": "tile"}), UNVERIFIED % "test_cluster")
    run = lab.run("migrate_cluster.yml", dict(ONE, ncp_cluster=TEST))
    assert run.returncode == 0, run.stdout[-3000:]
    assert cli.promotion(TEST) == ("PROMOTE_TO_POLICY", "succeeded")
    assert lab.ncp_mode(TEST) == "policy"
    _host, journal = lab.journal(TEST)
    assert "ncp_stopped" not in journal["states"] and "quiesced" not in journal["states"], journal["states"]  # TKGI's, not ours
    assert [a["rc"] for a in journal["attempts"]] == [0]
    assert lab.ncp_start_count(TEST) == 1  # the promotion's start alone: the run neither stopped nor started it again

    # 3. The clusters wait for the tile: printing the IDs changes nothing, applying them switches the tile.
    refused(lab.run("migrate_cluster.yml", dict(ONE, ncp_cluster=FIRST)), UNVERIFIED % "tile")
    run = lab.run("tkgi.yml", {"ncp_tkgi_step": "tile"})
    assert run.returncode == 0, run.stdout[-3000:]
    assert cli.tile()[0] == tile_before
    refused(lab.run("migrate_cluster.yml", dict(ONE, ncp_cluster=FIRST)), UNVERIFIED % "tile")
    refused(lab.run("tkgi.yml", {"ncp_tkgi_step": "policy_mode"}), UNVERIFIED % "tile")
    run = lab.run("tkgi.yml", {"ncp_tkgi_step": "tile", "ncp_tkgi_apply_tile": True})
    assert run.returncode == 0, run.stdout[-3000:]
    tile, pending = cli.tile()
    assert tile[POLICY_SWITCH] is True and pending == "unchanged", (tile, pending)
    assert all(tile[name] for name in TILE_PROPERTIES), tile
    paths = set(lab.policy_paths())
    for name, collection in zip(TILE_PROPERTIES, ("/infra/tier-0s/", "/infra/ip-pools/", "/infra/ip-blocks/", "/infra/ip-blocks/")):
        for policy_id in str(tile[name]).split(","):  # each value is a Policy object on NSX now
            assert collection + policy_id.strip() in paths, (name, tile[name])

    # Undo BOSH migration mode behind the collection's back: the next promotion is refused again.
    cli.set_bosh_mode(use_policy_api=False, migration_mode=False)
    refused(lab.run("migrate_cluster.yml", dict(ONE, ncp_cluster=FIRST)), UNVERIFIED % "migration_mode")
    assert cli.promotion(FIRST)[0] != "PROMOTE_TO_POLICY"
    cli.set_bosh_mode(use_policy_api=False, migration_mode=True)

    # 4. TKGI's rule after exit 1: that cluster again (from the same VM), no other cluster until it succeeds.
    lab.set_importer_fault(lab.masters(FIRST)[0], {"kind": "rc1", "after_batches": 1})
    refused(lab.run("migrate_cluster.yml", dict(ONE, ncp_cluster=FIRST)))
    assert cli.promotion(FIRST) == ("PROMOTE_TO_POLICY", "failed")
    assert [a["rc"] for a in lab.journal(FIRST)[1]["attempts"]] == [1]  # the importer's 1, from the migration log
    assert lab.ncp_mode(FIRST) == "stopped"  # TKGI left it stopped; the run did not start it in MP mode
    refused(lab.run("migrate_cluster.yml", dict(ONE, ncp_cluster=SECOND)), "another cluster's promotion is not done: %s" % FIRST)
    assert cli.promotion(SECOND)[0] != "PROMOTE_TO_POLICY" and not lab.ncp_stop_seen(SECOND)
    refused(lab.run("tkgi.yml", {"ncp_tkgi_step": "policy_mode"}), UNVERIFIED % "clusters")
    lab.set_importer_fault(lab.masters(FIRST)[0], None)
    for cluster in (FIRST, SECOND):
        run = lab.run("migrate_cluster.yml", dict(ONE, ncp_cluster=cluster))
        assert run.returncode == 0, (cluster, run.stdout[-3000:])
        assert cli.promotion(cluster) == ("PROMOTE_TO_POLICY", "succeeded") and lab.ncp_mode(cluster) == "policy"
    assert lab.ncp_start_count(FIRST) == 2 and lab.ncp_start_count(SECOND) == 1  # one start per master, the promotion's

    # 5. After every cluster: BOSH to Policy mode.
    run = lab.run("tkgi.yml", {"ncp_tkgi_step": "policy_mode"})
    assert run.returncode == 0, run.stdout[-3000:]
    assert cli.bosh_mode() == "policy"
    assert "NSX Promoter" in run.stdout


def assert_unchanged(before, after, allow_report=False):
    changed = sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
    if allow_report:
        changed = [key for key in changed if "report" not in key and "lease" not in key]
    assert changed == [], changed
