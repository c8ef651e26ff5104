"""The importer stand-in's run ledger (invariant 3's oracle): runs that overlap are seen, ended ones are not."""

import signal
import subprocess
import sys

from tests.lab.importer.mp_to_policy_importer import join_run_ledger, read_run_ledger

ROOT = __file__.rsplit("/tests/", 1)[0]
# A process that joins the ledger as an importer run does, says so, and lives until it is killed.
JOIN = """
import sys, time
sys.path.insert(0, sys.argv[1])
from tests.lab.importer.mp_to_policy_importer import join_run_ledger
entry = join_run_ledger({"lab_run_ledger": sys.argv[2], "cluster": sys.argv[3]}, [sys.argv[4]])
print("joined", flush=True)
time.sleep(120)
"""


def join(ledger, cluster, scope):
    process = subprocess.Popen([sys.executable, "-c", JOIN, ROOT, str(ledger), cluster, scope], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "joined"
    return process


def stop(process, sig=signal.SIGKILL):
    process.send_signal(sig)
    process.wait(timeout=30)
    process.stdout.close()


def test_overlapping_runs_are_seen_and_ended_ones_are_not(tmp_path):
    first = join(tmp_path, "k8s-01", "shared")
    second = join(tmp_path, "k8s-02", "cluster")  # while the first runs
    stop(first)  # killed: the kernel drops its lock
    stop(second, signal.SIGSEGV)
    third = join(tmp_path, "k8s-03", "shared")  # after both ended
    stop(third, signal.SIGTERM)
    runs = read_run_ledger(tmp_path)
    assert [(r["cluster"], r["scopes"], r["pid"]) for r in runs] == [
        ("k8s-01", ["shared"], first.pid),
        ("k8s-02", ["cluster"], second.pid),
        ("k8s-03", ["shared"], third.pid),
    ]
    assert runs[0]["running_with"] == []
    assert [(r["cluster"], r["pid"]) for r in runs[1]["running_with"]] == [("k8s-01", first.pid)]
    assert runs[2]["running_with"] == []
    assert runs[0]["started"] < runs[1]["started"] < runs[2]["started"]


def test_without_a_ledger_a_run_notes_nothing(tmp_path):
    assert join_run_ledger({"cluster": "k8s-01"}, ["shared"]) is None
    assert read_run_ledger(tmp_path) == [] and list(tmp_path.iterdir()) == []
