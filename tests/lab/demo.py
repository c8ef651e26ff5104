"""``make demo`` (``python -m tests.lab.demo``): the whole strategy-1 migration against the lab.

Starts the 3-cluster lab (NSX simulator, two vanilla Kubernetes clusters, one TKGI cluster),
runs the preflight and then ``migrate_all.yml`` with the quiesce shortened by the lab flag, prints
the report and stops the lab. The lab's files (inventory, journals, logs, report) are kept.
``DEMO_SSH=1``: the masters are real SSH hosts (``python -m tests.lab up --ssh``) and the NSX password is only
in the controller's environment (NSX_PASSWORD), as an AWX credential provides it.
"""

import os
import subprocess
import sys
import tempfile

from .__main__ import DEFAULT_SCENARIO
from .labctl import LabError, describe, down, up

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The vendor's 10 minutes are shortened for the lab only; a real run refuses this without the flag.
LAB_VARS = [
    "-e",
    "ncp_quiesce_seconds=5",
    "-e",
    "ncp_allow_short_quiesce=true",
    "-e",
    "ncp_poll_interval=0.2",
    "-e",
    "ncp_backup_poll_interval=1",
]


def playbook(out, name, *extra, env=None):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"), **(env or {}))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(out, "inventory.yml")]
    command += [os.path.join(ROOT, "playbooks", name), "-e", "ncp_report_dir=" + os.path.join(out, "report")] + list(extra)
    print("\n$ " + " ".join(command), flush=True)
    return subprocess.run(command, cwd=out, env=env, check=False).returncode


def main():
    out = os.environ.get("LAB_DEMO_DIR") or tempfile.mkdtemp(prefix="ncp-lab-demo-")
    ssh = os.environ.get("DEMO_SSH", "") not in ("", "0")
    try:
        lab = up(DEFAULT_SCENARIO, out, ssh=ssh)
    except LabError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    # Over SSH the inventory has no password: the controller's environment does (printed here as a name only).
    env = {"NSX_PASSWORD": lab["nsx"]["password"]} if ssh else {}
    try:
        print(describe(lab))
        if ssh:
            print("NSX_PASSWORD is set in the controller's environment only (not in the inventory, not on the masters)")
        rc = playbook(out, "preflight.yml", env=env)
        if rc == 0:
            rc = playbook(out, "migrate_all.yml", *LAB_VARS, env=env)
        report = os.path.join(out, "report", "migration-report.md")
        if os.path.exists(report):
            with open(report, encoding="utf-8") as handle:
                print("\n" + handle.read())
    finally:
        down(out, quiet=True)
    print(f"lab stopped; inventory, journals, logs and the report are in {out}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
