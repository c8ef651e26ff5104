"""``python -m tests.bench [--quick] [--only SUITE,...] [--out DIR]``: run the benchmarks and publish the figures.

Each suite's result replaces that suite's entry in OUT/benchmarks.json (the others are kept), and
OUT/benchmarks.md is written again from the whole file. Default OUT: docs/ (``--quick``: build/bench/).
"""

import argparse
import os
import shlex
import sys
import time

from tests.bench import migration, preflight, report
from tests.bench.bench_nsxsim import measure as nsxsim_measure
from tests.bench.common import ROOT, ensure_collection_path, log, machine, now_iso

DEFAULT_SUITES = ("nsxsim", "preflight", "task_cost", "strategy1", "strategy2")
EXTRA_SUITES = ("preflight_baseline", "strategy1_baseline")


def run_suite(name, args):
    if name == "nsxsim":
        return nsxsim_measure(seconds=1.0 if args.quick else 3.0, clients=4)
    if name == "preflight":
        return preflight.run(quick=args.quick, profile_dir=args.profile_dir)
    if name == "preflight_baseline":
        return preflight.run_baseline(args.baseline, quick=args.quick)
    if name == "strategy1":
        return migration.strategy1_suite(quick=args.quick)
    if name == "strategy1_baseline":
        return migration.strategy1_baseline_suite(args.baseline, quick=args.quick)
    if name == "task_cost":
        return migration.task_cost_suite(quick=args.quick)
    if name == "strategy2":
        return migration.strategy2_suite(quick=args.quick, clusters=args.s2_clusters)
    raise ValueError(name)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small inventories and labs (a few minutes); writes to build/bench/ unless --out")
    parser.add_argument("--only", default=",".join(DEFAULT_SUITES), help=f"comma-separated suites: {', '.join(DEFAULT_SUITES + EXTRA_SUITES)}")
    parser.add_argument("--out", default=None, help="directory of benchmarks.json / benchmarks.md (default docs/)")
    parser.add_argument("--s2-clusters", type=int, default=None, help="clusters strategy 2 runs back to back over (default 3; quick 2)")
    parser.add_argument(
        "--baseline",
        default=None,
        help="git ref of the before: its plugins/ (preflight_baseline), its plugins, roles and playbooks (strategy1_baseline)",
    )
    parser.add_argument("--profile-dir", default=None, help="write a cProfile dump of every preflight case here")
    parser.add_argument("--keep-labs", action="store_true", help="keep each lab's directory (inventory, logs, timeline) under the temp dir")
    parser.add_argument("--render-only", action="store_true", help="run nothing: write benchmarks.md again from benchmarks.json")
    args = parser.parse_args(argv)
    suites = [] if args.render_only else [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(suites) - set(DEFAULT_SUITES + EXTRA_SUITES))
    if unknown:
        parser.error(f"unknown suites: {', '.join(unknown)}")
    if {"preflight_baseline", "strategy1_baseline"} & set(suites) and not args.baseline:
        parser.error("the preflight_baseline and strategy1_baseline suites need --baseline REF (the commit to compare with)")
    out = os.path.abspath(args.out or (os.path.join(ROOT, "build", "bench") if args.quick else os.path.join(ROOT, "docs")))
    if args.profile_dir:
        os.makedirs(args.profile_dir, exist_ok=True)
    ensure_collection_path()
    migration.KEEP_LABS["keep"] = args.keep_labs
    command = "python -m tests.bench " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    json_path = os.path.join(out, "benchmarks.json")
    data = report.load(json_path)
    host = machine() if suites else None
    for name in suites:
        log(f"suite {name} ...")
        began = time.monotonic()
        load_at_start = os.getloadavg()
        result = run_suite(name, args)
        data["suites"][name] = {
            "date": now_iso(),
            "command": command.strip(),
            "quick": args.quick,
            "seconds": round(time.monotonic() - began, 1),
            "machine": host,
            "load_average": [[round(x, 2) for x in load_at_start], [round(x, 2) for x in os.getloadavg()]],
            "result": result,
        }
        report.remember(data, name)
        report.save(json_path, data)  # after each suite: a later failure keeps what was measured
        log(f"suite {name} done in {time.monotonic() - began:.0f} s")
    markdown = os.path.join(out, "benchmarks.md")
    report.write_markdown(markdown, data)
    log(f"results: {json_path}, {markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
