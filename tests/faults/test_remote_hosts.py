"""Real remote hosts (issue 11): every master is an SSH host in its own network namespace (tests/lab/hosts/netns.py);
the import master of the first cluster imported is cut off the network while its importer runs."""

import os

import pytest

from tests.lab.hosts.netns import NetnsHosts, can_make_namespaces, ensure_packages

from .harness import assert_invariants


@pytest.fixture
def ssh_lab(fault_lab, tmp_path):
    reason = ensure_packages() or can_make_namespaces()
    if reason:
        pytest.skip(reason)
    lab = fault_lab("multi_master.yml")
    ports = [lab.nsx["url"].rsplit(":", 1)[1]] + [c["url"].rsplit(":", 1)[1] for c in lab.info["clusters"]]
    masters = [h["name"] for name in lab.cluster_names for h in lab.hosts(name)]
    with NetnsHosts(tmp_path / "netns", masters, ports) as hosts:
        inventory = lab.inventory()
        for name in lab.cluster_names:
            group = lab.group(inventory, name)
            for host in group["hosts"]:
                group["hosts"][host].update(hosts.inventory_vars(host))
        lab.write_inventory(inventory)
        yield lab, hosts


@pytest.mark.long
def test_master_cut_off_mid_import(ssh_lab):
    lab, hosts = ssh_lab
    # The imports last a few seconds each, so the cut lands while the controller waits for the importer.
    for name in lab.cluster_names:
        for index in range(len(lab.hosts(name))):
            lab.set_importer_config(name, index, simulated_seconds=6)
    run = lab.start()
    target = lab.import_order_watch(run, 0)
    owner = lab.journal(target)["owner_host"]
    hosts.cut(owner)
    run.wait()
    report = lab.report()
    other = next(n for n in lab.cluster_names if n != target)

    assert run.rc != 0
    assert report is not None, "no report after a master was cut off"
    assert report["result"] != "success"
    # The run stops: no import of the other cluster after the unknown outcome, which runs in MP mode again.
    assert not (lab.journal(other) or {}).get("attempts"), lab.journal(other)
    assert lab.ncp_state(other)["mode"] == "mp"
    # The cut-off cluster's NCP is not started by anyone (its import master is unreachable).
    assert lab.ncp_state(target)["mode"] == "stopped"
    assert "ncp_started" not in lab.journal(target)["states"]
    steps = " ".join(report["next_steps"])
    assert target in steps and owner in steps, report["next_steps"]
    # Its journal cannot be read at the end: the report shows it as the run last saw it (NCP stopped), not Manager mode.
    cut = next(c for c in report["clusters"] if c["name"] == target)
    assert cut["ncp_mode"] == "stopped" and cut["ncp_stopped_at"], cut
    assert any(s.startswith(target + ": its journal on " + owner + " could not be read") for s in report["next_steps"]), report["next_steps"]
    # Journals only on the master that ran the importer (invariant 7), the SSH hosts really were used.
    assert [h for h, _path in lab.journal_files(target)] == [owner]
    assert os.path.exists(os.path.join(hosts.workdir, owner, "sshd.log"))
    assert_invariants(lab, report, run)
