"""``python -m tests.lab up --scenario FILE --out DIR`` | ``python -m tests.lab down --out DIR``."""

import argparse
import os
import sys

from .labctl import LabError, describe, down, up

DEFAULT_SCENARIO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios", "lab_3clusters.yml")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.lab", description="Start or stop the lab (NSX simulator, clusters, master hosts).")
    commands = parser.add_subparsers(dest="command", required=True)
    up_cmd = commands.add_parser("up", help="start a lab and write DIR/inventory.yml and DIR/lab.json")
    up_cmd.add_argument("--scenario", default=DEFAULT_SCENARIO, help="lab scenario YAML (default: scenarios/lab_3clusters.yml)")
    up_cmd.add_argument("--out", required=True, help="directory for the lab's files")
    up_cmd.add_argument("--ssh", action="store_true", help="masters as real SSH hosts in network namespaces (root; installs openssh-server/iproute2)")
    down_cmd = commands.add_parser("down", help="stop every process the lab in DIR started")
    down_cmd.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            print(describe(up(args.scenario, args.out, ssh=args.ssh)))
        else:
            stopped = down(args.out)
            print(f"lab in {args.out} stopped ({len(stopped)} process(es))")
    except LabError as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
