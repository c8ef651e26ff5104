"""``make demo`` (``python -m tests.lab.demo``): start the 3-cluster lab, show it, stop it.

The strategy-1 migration is not wired in yet: it arrives with the migration roles. Until then the
demo only prints the command it will run.
"""

import os
import sys
import tempfile

from .__main__ import DEFAULT_SCENARIO
from .labctl import LabError, describe, down, up


def main():
    out = os.environ.get("LAB_DEMO_DIR") or tempfile.mkdtemp(prefix="ncp-lab-demo-")
    try:
        lab = up(DEFAULT_SCENARIO, out)
    except LabError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    try:
        print(describe(lab))
        print("\nOnce the migration roles exist, the demo will run:")
        print(f"  ansible-playbook -i {out}/inventory.yml ncp.mp_to_policy.migrate_all -e ncp_quiesce_seconds=5 -e ncp_allow_short_quiesce=true")
        print("The migration itself is NOT wired into the demo yet; stopping the lab.")
    finally:
        down(out, quiet=True)
    print(f"lab stopped (files kept in {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
