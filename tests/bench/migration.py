"""Downtime overhead of the migration playbooks on the lab (issue 10, parts 2 and 3).

Each case starts a fresh lab (``tests.lab`` up/down) of N Kubernetes clusters and runs the real playbook
with the lab flag for a short quiesce and fixed simulated durations: the NSX backup takes BACKUP_SECONDS
(simulator setting ``backup_seconds``), every importer run (shared, then cluster, per cluster) takes
IMPORT_SECONDS (the importer stand-in's ``simulated_seconds``). Then

    overhead = downtime (first NCP stop -> last NCP start, from migration-report.json)
               - quiesce - backup - sum of the importer runs (all fixed)

is what the orchestration itself adds. Goal: <= 20 s + 2 s per cluster, and NCP stop / start phases that
do not grow with the number of clusters. Strategy 2 (migrate_cluster.yml, no backup) runs back to back over
the clusters of its own lab, for comparison. The bench_timeline callback records every play and task, which
gives the phase breakdown and the profile (the slowest tasks inside the downtime).
"""

import json
import os
import shutil
import subprocess
import tempfile
import time

import yaml

from tests.bench import timeline as tl
from tests.bench.common import CALLBACKS, COLLECTIONS, PYTHON, ROOT, log, materialize, process_cpu_seconds
from tests.lab import labctl

DEFAULT_FORKS = 5  # Ansible's
QUIESCE_SECONDS = 5
BACKUP_SECONDS = 2.0
IMPORT_SECONDS = 2.0
POD_TERMINATION_SECONDS = 1.0
POLL_INTERVAL = 0.2
BACKUP_POLL_INTERVAL = 1
PLAYBOOKS = os.path.join(ROOT, "playbooks")
# The plays between the first NCP stop and the last NCP start (playbooks/migration_flow.yml).
STOP_PLAY = "Stop NCP on every cluster"
WAIT_PLAY = "Wait the quiesce period and back up NSX"
GATE_PLAY = "Check every cluster may be imported"
IMPORT_PLAY = "Import the clusters one at a time"
AFTER_IMPORTS_PLAY = "After the last import, the admin's bottom DFW rules in Policy and every cluster's Policy IDs"
POLICY_PLAY = "Switch the imported clusters to Policy mode"
START_PLAY = "Start NCP on every cluster in the mode its journal allows"
# The quiesce and backup journal entries and the journal check (one play on every import master).
# A baseline from before the split has only STOP, WAIT, IMPORT and START: the others then count 0 s.
DOWNTIME_PLAYS = (STOP_PLAY, WAIT_PLAY, GATE_PLAY, IMPORT_PLAY, AFTER_IMPORTS_PLAY, POLICY_PLAY, START_PLAY)
# The downtime plays that run modules on the masters, by the key the figures use for them.
MASTER_PLAY_KEYS = {STOP_PLAY: "stop", GATE_PLAY: "gate", IMPORT_PLAY: "imports", POLICY_PLAY: "policy_mode", START_PLAY: "start"}
# The masters' interpreter in the bench: the real one, metered (see metered_inventory).
MODULE_PYTHON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "module_python.sh")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(PYTHON), "ansible-playbook")
# Keep each case's lab directory (inventory, logs, playbook output, timeline) after the run (--keep-labs).
KEEP_LABS = {"keep": False}


def cluster_names(count):
    return [f"k8s-{i + 1:02d}" for i in range(count)]


def write_scenario(workdir, count):
    """A lab of ``count`` Kubernetes clusters (one master each) with the fixed simulated durations."""
    nsx = {
        "settings": {"backup_seconds": BACKUP_SECONDS, "migration_step_seconds": 0.005},
        "generate": f"clusters={count},sections={8 * count},rules={80 * count},virtual_servers={2 * count},tier1s=2,switches=2,ports_per_switch=3,ns_groups=3",
    }
    lab = {
        "nsx": {"tls": True, "scenario": "nsx.yml"},
        "kube": {"tls": True, "pod_termination_delay": POD_TERMINATION_SECONDS},
        "clusters": [{"name": name, "platform": "kubernetes", "masters": 1} for name in cluster_names(count)],
    }
    with open(os.path.join(workdir, "nsx.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(nsx, handle)
    path = os.path.join(workdir, "lab.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(lab, handle)
    return path


def extra_vars(report_dir, extra=None):
    data = {
        "ncp_quiesce_seconds": QUIESCE_SECONDS,
        "ncp_allow_short_quiesce": True,
        "ncp_poll_interval": POLL_INTERVAL,
        "ncp_backup_poll_interval": BACKUP_POLL_INTERVAL,
        "ncp_report_dir": report_dir,
        "ncp_importer_config": {"simulated_seconds": IMPORT_SECONDS, "poll_interval": 0.02},
    }
    data.update(extra or {})
    return data


def run_playbook(lab_dir, playbook, name, variables, forks=None, pipelining=False, inventory=None, collections=None, extra_env=None):
    """ansible-playbook against the lab; returns (rc, wall seconds, timeline, report).

    ``collections``: another collections directory (a baseline's copy); its playbooks/ are run then.
    """
    vars_file = os.path.join(lab_dir, f"{name}-vars.json")
    with open(vars_file, "w", encoding="utf-8") as handle:
        json.dump(variables, handle)
    timeline_file = os.path.join(lab_dir, f"{name}-timeline.json")
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": collections or COLLECTIONS,
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
        "ANSIBLE_CALLBACKS_ENABLED": "bench_timeline",
        "BENCH_TIMELINE_FILE": timeline_file,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        **(extra_env or {}),
    }
    env.pop("ANSIBLE_FORKS", None)
    env.pop("ANSIBLE_PIPELINING", None)
    if forks:
        env["ANSIBLE_FORKS"] = str(forks)
    if pipelining:
        env["ANSIBLE_PIPELINING"] = "True"
    playbooks = os.path.join(collections, "ansible_collections", "ncp", "mp_to_policy", "playbooks") if collections else PLAYBOOKS
    command = [ANSIBLE_PLAYBOOK, "-i", inventory or os.path.join(lab_dir, "inventory.yml"), os.path.join(playbooks, playbook), "-e", "@" + vars_file]
    began = time.monotonic()
    with open(os.path.join(lab_dir, f"{name}.log"), "w", encoding="utf-8") as output:
        rc = subprocess.run(command, cwd=lab_dir, env=env, stdout=output, stderr=subprocess.STDOUT, check=False).returncode  # noqa: S603
    wall = time.monotonic() - began
    report_path = os.path.join(variables.get("ncp_report_dir", lab_dir), "migration-report.json")
    report = None
    if os.path.exists(report_path):
        with open(report_path, encoding="utf-8") as handle:
            report = json.load(handle)
    timeline = tl.load(timeline_file) if os.path.exists(timeline_file) else None
    return rc, wall, timeline, report


def figures_of(rc, wall, timeline, report, clusters, with_backup, log_file, module_records=None):
    """Downtime, overhead and the phase breakdown of one playbook run (``module_records``: see metered_inventory)."""
    imports = [item for cluster in (report or {}).get("clusters", []) for item in cluster.get("imports") or []]
    simulated_imports = len(imports) * IMPORT_SECONDS
    nominal = QUIESCE_SECONDS + (BACKUP_SECONDS if with_backup else 0) + simulated_imports
    downtime = (report or {}).get("downtime_seconds")
    figures = {
        "clusters": clusters,
        "rc": rc,
        "result": (report or {}).get("result"),
        "outcomes": sorted({c.get("outcome") for c in (report or {}).get("clusters", [])}),
        "wall_seconds": round(wall, 1),
        "downtime_seconds": downtime,
        "importer_runs": len(imports),
        "importer_seconds_reported": round(sum(float(item.get("duration") or 0) for item in imports), 2),
        "fixed_seconds": {"quiesce": QUIESCE_SECONDS, "backup": BACKUP_SECONDS if with_backup else 0, "imports": simulated_imports},
        "overhead_seconds": round(downtime - nominal, 1) if downtime is not None else None,
        # The same, counting each importer run at its reported duration (interpreter start-up included) instead.
        "overhead_beyond_reported_imports_seconds": (
            round(downtime - nominal + simulated_imports - sum(float(item.get("duration") or 0) for item in imports), 1) if downtime is not None else None
        ),
        "log": log_file if KEEP_LABS["keep"] else None,
        "cores": len(os.sched_getaffinity(0)),
    }
    if timeline:
        figures["plays"] = tl.plays(timeline)
        figures["phases"] = {
            "stop": round(tl.play_seconds(timeline, STOP_PLAY), 2),
            "quiesce_backup": round(tl.play_seconds(timeline, WAIT_PLAY), 2),
            "gate": round(tl.play_seconds(timeline, GATE_PLAY), 2),
            "imports": round(tl.play_seconds(timeline, IMPORT_PLAY), 2),
            "after_imports": round(tl.play_seconds(timeline, AFTER_IMPORTS_PLAY), 2),
            "policy_mode": round(tl.play_seconds(timeline, POLICY_PLAY), 2),
            "start": round(tl.play_seconds(timeline, START_PLAY), 2),
            "before_stop": round(
                sum(s for p, s in tl.plays(timeline) if p not in DOWNTIME_PLAYS and timeline_index(timeline, p) < timeline_index(timeline, STOP_PLAY)), 2
            ),
            "after_start": round(
                sum(s for p, s in tl.plays(timeline) if p not in DOWNTIME_PLAYS and timeline_index(timeline, p) > timeline_index(timeline, START_PLAY)), 2
            ),
        }
        # How many of the machine's cores each downtime play kept busy: near all of them means CPU-bound here.
        # And how much of one core ansible-playbook's own process (not its workers) took: a controller bottleneck shows here.
        figures["cores_busy"], figures["controller_cores"] = {}, {}
        for play, key in MASTER_PLAY_KEYS.items():
            for name, counter in (("cores_busy", "cpu_busy"), ("controller_cores", "controller_cpu")):
                value = tl.cores_busy(timeline, play, counter)
                figures[name][key] = round(value, 2) if value is not None else None
        if module_records is not None:
            figures["cpu_split"] = {key: cpu_split(timeline, play, module_records, clusters) for play, key in MASTER_PLAY_KEYS.items()}
        per_cluster = (figures["phases"]["imports"] - simulated_imports) / clusters if clusters else 0
        figures["import_play_overhead_per_cluster"] = round(per_cluster, 2)
        figures["downtime_tasks"] = tl.task_count(timeline, DOWNTIME_PLAYS)
        figures["ansible_idle_seconds_in_downtime"] = tl.gaps(timeline, DOWNTIME_PLAYS)
        figures["profile"] = tl.tasks(timeline, DOWNTIME_PLAYS, top=12)
        # What one module task costs here: the journal reads and writes (a small local module) inside the downtime.
        reads = [
            r["end"] - r["start"]
            for r in timeline["tasks"]
            if r["play"] in DOWNTIME_PLAYS and r["action"] == "ncp.mp_to_policy.ncp_journal" and r["status"] in ("ok", "changed")
        ]
        figures["journal_task_seconds_mean"] = round(sum(reads) / len(reads), 2) if reads else None
        modules = [
            r for r in timeline["tasks"] if r["play"] == IMPORT_PLAY and r["action"].startswith("ncp.mp_to_policy.") and r["status"] in ("ok", "ignored")
        ]
        figures["import_play_module_tasks_per_cluster"] = round(len(modules) / clusters, 1) if clusters else None
        figures["downtime_module_runs_per_cluster"] = module_runs_per_cluster(timeline, clusters)
        # The NCP stop / start task itself: its wall time over all hosts against one host's time. waves ~ hosts / forks
        # when forks limit it; per-host time growing with the hosts means the lab's processes share the 2 cores.
        for key, play in (("stop_task", STOP_PLAY), ("start_task", START_PLAY)):
            runs = [r for r in timeline["tasks"] if r["play"] == play and r["action"] == "ncp.mp_to_policy.ncp_service" and r["status"] == "ok"]
            if runs:
                wall_task = tl.union_seconds([(r["start"], r["end"]) for r in runs])
                per_host = sum(r["end"] - r["start"] for r in runs) / len(runs)
                figures[key] = {"wall": round(wall_task, 2), "per_host_mean": round(per_host, 2), "hosts": len(runs), "waves": round(wall_task / per_host, 1)}
        loops = tl.tasks(timeline, (WAIT_PLAY,))
        figures["serial_journal_loops_seconds"] = round(sum(t["seconds"] for t in loops if t["action"] == "ncp.mp_to_policy.ncp_journal"), 2)
    return figures


def cpu_split(timeline, play, module_records, clusters):
    """Where a play's CPU went: the module runs on the masters (Python modules with the kubectl and importer runs
    they waited for: on real masters, their own cores), the lab's API stand-ins, and the rest (ansible-playbook and
    its forked workers, which stay on the controller; and anything else on the machine). None when not recorded."""
    machine = tl.play_counter(timeline, play, "cpu_busy")
    lab = tl.play_counter(timeline, play, "lab_cpu")
    if machine is None or lab is None:
        return None
    modules, runs = tl.module_cpu(timeline, play, module_records)
    controller = machine - modules - lab
    return {
        "machine": round(machine, 2),
        "modules_on_masters": round(modules, 2),
        "module_runs": runs,
        "lab_servers": round(lab, 2),
        "controller": round(controller, 2),
        "controller_per_cluster": round(controller / clusters, 3) if clusters else None,
        "modules_per_cluster": round(modules / clusters, 3) if clusters else None,
    }


def metered_inventory(lab_dir):
    """A copy of the lab's inventory whose masters run modules through tests/bench/module_python.sh, and the
    environment that wrapper and the callback's lab CPU counter read: (inventory path, env, module CPU log)."""
    with open(os.path.join(lab_dir, "inventory.yml"), encoding="utf-8") as handle:
        inventory = yaml.safe_load(handle)
    masters = inventory["all"]["children"]["ncp_clusters"]
    masters.setdefault("vars", {})["ansible_python_interpreter"] = MODULE_PYTHON
    path = os.path.join(lab_dir, "inventory-metered.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(inventory, handle)
    cpu_log = os.path.join(lab_dir, "module-cpu.log")
    env = {"BENCH_REAL_PYTHON": PYTHON, "BENCH_MODULE_CPU_LOG": cpu_log, "BENCH_LAB_PIDS": ",".join(str(pid) for pid in lab_pids(lab_dir))}
    return path, env, cpu_log


def module_runs_per_cluster(timeline, clusters):
    """Collection module runs on the masters (not the controller) per cluster, by downtime play: what the lab's
    2 cores pay for each cluster while NCP is down."""
    counts = dict.fromkeys(MASTER_PLAY_KEYS.values(), 0)
    for r in timeline["tasks"]:
        if r["play"] in MASTER_PLAY_KEYS and r["host"] != "localhost" and r["action"].startswith("ncp.mp_to_policy.") and r["status"] != "skipped":
            counts[MASTER_PLAY_KEYS[r["play"]]] += 1
    if not clusters:
        return None
    per_cluster = {key: round(value / clusters, 1) for key, value in counts.items()}
    per_cluster["total"] = round(sum(counts.values()) / clusters, 1)
    return per_cluster


def timeline_index(timeline, name):
    for index, play in enumerate(timeline["plays"]):
        if play["name"] == name:
            return index
    return -1


def with_lab(count, body):
    workdir = tempfile.mkdtemp(prefix=f"bench-lab{count}-")
    scenario = write_scenario(workdir, count)
    lab_dir = os.path.join(workdir, "lab")
    began = time.monotonic()
    try:
        labctl.up(scenario, lab_dir)
        log(f"lab of {count} cluster(s) up in {time.monotonic() - began:.1f} s: {lab_dir}")
        return body(lab_dir)
    finally:
        labctl.down(lab_dir, quiet=True)
        discard(workdir)


def discard(workdir):
    if KEEP_LABS["keep"]:
        log(f"kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def lab_pids(lab_dir):
    with open(os.path.join(lab_dir, "lab.json"), encoding="utf-8") as handle:
        return labctl.all_pids(json.load(handle))


def strategy1(count, forks=None, pipelining=False, collections=None):
    def body(lab_dir):
        report_dir = os.path.join(lab_dir, "report")
        servers = lab_pids(lab_dir)
        servers_before = sum(process_cpu_seconds(pid) or 0 for pid in servers)
        inventory, env, cpu_log = metered_inventory(lab_dir)
        before = os.times()
        rc, wall, timeline, report = run_playbook(
            lab_dir,
            "migrate_all.yml",
            "migrate_all",
            extra_vars(report_dir),
            forks=forks,
            pipelining=pipelining,
            inventory=inventory,
            collections=collections,
            extra_env=env,
        )
        after = os.times()
        records = tl.load_module_cpu(cpu_log) if os.path.exists(cpu_log) else []
        figures = figures_of(rc, wall, timeline, report, count, True, os.path.join(lab_dir, "migrate_all.log"), module_records=records)
        # Where the 2 cores went during the whole run: ansible-playbook with its workers, modules, kubectl and importer
        # runs (all its children), and the lab's NSX and Kubernetes API stand-ins.
        figures["cpu_seconds"] = {
            "playbook": round(after.children_user - before.children_user + after.children_system - before.children_system, 1),
            "lab_servers": round(sum(process_cpu_seconds(pid) or 0 for pid in servers) - servers_before, 1),
        }
        figures["forks"] = forks or DEFAULT_FORKS
        figures["pipelining"] = pipelining
        figures["overhead_goal_seconds"] = 20 + 2 * count
        figures["overhead_within_goal"] = figures["overhead_seconds"] is not None and figures["overhead_seconds"] <= figures["overhead_goal_seconds"]
        return figures

    figures = with_lab(count, body)
    log(
        f"strategy 1, {count:>2} clusters, forks {figures['forks']:>2}{', pipelining' if pipelining else ''}: rc {figures['rc']}, "
        f"downtime {figures['downtime_seconds']} s, "
        f"overhead {figures['overhead_seconds']} s (goal {figures['overhead_goal_seconds']}), phases {figures.get('phases')}"
    )
    return figures


def strategy2(count, forks=None):
    def body(lab_dir):
        runs = []
        for name in cluster_names(count):
            report_dir = os.path.join(lab_dir, f"report-{name}")
            variables = extra_vars(report_dir, {"ncp_cluster": name, "ncp_ack_no_backup_restore": True})
            rc, wall, timeline, report = run_playbook(lab_dir, "migrate_cluster.yml", f"migrate_cluster-{name}", variables, forks=forks)
            figures = figures_of(rc, wall, timeline, report, 1, False, os.path.join(lab_dir, f"migrate_cluster-{name}.log"))
            figures["cluster"] = name
            runs.append(figures)
            log(f"strategy 2, {name}: rc {rc}, downtime {figures['downtime_seconds']} s, overhead {figures['overhead_seconds']} s")
        return runs

    runs = with_lab(count, body)
    downtimes = [r["downtime_seconds"] or 0 for r in runs]
    overheads = [r["overhead_seconds"] or 0 for r in runs]
    return {
        "clusters": count,
        "forks": forks or 5,
        "rc": max(r["rc"] for r in runs),
        "results": sorted({r["result"] for r in runs if r["result"]}),
        "wall_seconds": round(sum(r["wall_seconds"] for r in runs), 1),
        "downtime_per_cluster_seconds": {"min": min(downtimes), "max": max(downtimes), "mean": round(sum(downtimes) / len(downtimes), 1)},
        "downtime_sum_seconds": round(sum(downtimes), 1),
        "overhead_per_cluster_seconds": {"min": min(overheads), "max": max(overheads), "mean": round(sum(overheads) / len(overheads), 1)},
        "overhead_sum_seconds": round(sum(overheads), 1),
        "runs": runs,
    }


def recommended_forks(count):
    """A fork per master (operator guide), never below Ansible's default of 5."""
    return max(DEFAULT_FORKS, count)


# Runs of the largest case: this shared machine's runs of it differ by more than 10 s (history in the report), so
# its figures are the median run's, with every run's downtime / overhead beside them.
LARGEST_CASE_RUNS = 3


def median_run(runs):
    """The run with the median overhead (a failed run counts as the worst), with every run's downtime / overhead."""
    ordered = sorted(runs, key=lambda f: float("inf") if f["overhead_seconds"] is None else f["overhead_seconds"])
    median = dict(ordered[(len(ordered) - 1) // 2])  # of an even number: the lower of the middle two
    median["runs"] = [[f["downtime_seconds"], f["overhead_seconds"]] for f in runs]
    return median


def strategy1_suite(quick=False):
    """Strategy 1 on 1, 5 and 20 clusters with a fork per master (the operator guide's setting), and 20 again with
    Ansible's default forks (5) for comparison. The largest case with a fork per master runs LARGEST_CASE_RUNS times."""
    sizes = [1, 3] if quick else [1, 5, 20]
    cases = [strategy1(count, forks=recommended_forks(count)) for count in sizes[:-1]]
    runs = 1 if quick else LARGEST_CASE_RUNS
    cases.append(median_run([strategy1(sizes[-1], forks=recommended_forks(sizes[-1])) for _run in range(runs)]))
    if recommended_forks(sizes[-1]) != DEFAULT_FORKS:
        cases.append(strategy1(sizes[-1], forks=DEFAULT_FORKS))
    return {"settings": settings(), "cases": cases, "goals": strategy1_goals(cases)}


def strategy1_baseline_suite(ref, quick=False):
    """Before / after: strategy 1 with the collection (plugins, roles, playbooks) as of git ``ref`` and with this tree,
    same lab and settings, run in turn so that both sides see the same machine, each pair in the other order than the
    last (before then after, after then before, ...): with two trees that differ in one task of the serial play, the
    second run of the pair was seen 3 s slower at 10 clusters, its plays that do not differ up to 1.2 s slower, which a
    fixed order would count against one side. Each side's figures are its median run's."""
    sizes = [3] if quick else [5, 20]
    runs = 1 if quick else LARGEST_CASE_RUNS
    before, after = [], []
    with tempfile.TemporaryDirectory(prefix="bench-s1-baseline-") as collections:
        commit = materialize(ref, collections, parts=("plugins", "roles", "playbooks", "meta"))

        def pair(count, after_first):
            sides = {"before": lambda: strategy1(count, forks=recommended_forks(count), collections=collections)}
            sides["after"] = lambda: strategy1(count, forks=recommended_forks(count))
            done = {side: sides[side]() for side in (("after", "before") if after_first else ("before", "after"))}
            return done["before"], done["after"]

        for count in sizes:
            pairs = [pair(count, index % 2 == 1) for index in range(runs if count == sizes[-1] else 1)]
            before.append(median_run([b for b, _a in pairs]))
            after.append(median_run([a for _b, a in pairs]))
    return {"ref": ref, "commit": commit, "settings": settings(), "cases": before, "after_cases": after}


def task_cost_suite(quick=False):
    """What one Ansible task costs here: N tasks of a kind on localhost (local connection), per task, pipelining off / on.

    The import play runs its module tasks one cluster at a time, so this unit cost times the tasks per cluster is
    most of the per-cluster overhead. ANSIBLE_PIPELINING (an ansible.cfg setting) is the knob that changes it
    without touching roles.
    """
    count = 10 if quick else 20
    kinds = {
        "set_fact (controller only)": {"ansible.builtin.set_fact": {"bench_value": "{{ 1 + 1 }}"}},
        "ping (smallest module)": {"ansible.builtin.ping": {}},
        "ncp_journal read (collection module)": {"ncp.mp_to_policy.ncp_journal": {"cluster": "bench", "state_dir": "{{ bench_dir }}/state", "host": "bench"}},
    }
    workdir = tempfile.mkdtemp(prefix="bench-tasks-")
    playbook = os.path.join(workdir, "tasks.yml")
    tasks = [{"name": f"{label} {i}", **body} for label, body in kinds.items() for i in range(count)]
    with open(playbook, "w", encoding="utf-8") as handle:
        yaml.safe_dump([{"name": "Task cost", "hosts": "localhost", "gather_facts": False, "tasks": tasks}], handle, sort_keys=False)
    with open(os.path.join(workdir, "inventory.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump({"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": PYTHON}}}}, handle)
    results = []
    for repeat in range(1 if quick else 2):
        for pipelining in (False, True):
            name = f"tasks-{repeat}-{'pipelining' if pipelining else 'plain'}"
            variables = {"bench_dir": workdir, "ncp_report_dir": workdir}
            rc, wall, timeline, _report = run_playbook(
                workdir, playbook, name, variables, pipelining=pipelining, inventory=os.path.join(workdir, "inventory.yml")
            )
            per_kind = {}
            for label in kinds:
                spans = [r["end"] - r["start"] for r in (timeline or {}).get("tasks", []) if r["task"].startswith(label)]
                per_kind[label] = round(sum(spans) / len(spans), 3) if spans else None
            results.append({"repeat": repeat, "pipelining": pipelining, "rc": rc, "wall_seconds": round(wall, 1), "seconds_per_task": per_kind})
            log(f"task cost, pipelining {'on' if pipelining else 'off'}: {per_kind}")
    discard(workdir)
    return {"tasks_per_kind": count, "runs": results}


def strategy2_suite(quick=False, clusters=None):
    """Strategy 2 back to back over the clusters of one lab (each run: one cluster)."""
    count = clusters or (2 if quick else 3)
    return {"settings": settings(), "back_to_back": strategy2(count)}


def settings():
    return {
        "quiesce_seconds": QUIESCE_SECONDS,
        "backup_seconds": BACKUP_SECONDS,
        "import_seconds_per_importer_run": IMPORT_SECONDS,
        "pod_termination_seconds": POD_TERMINATION_SECONDS,
        "poll_interval": POLL_INTERVAL,
        "backup_poll_interval": BACKUP_POLL_INTERVAL,
    }


def strategy1_goals(cases):
    default = [c for c in cases if c["forks"] == recommended_forks(c["clusters"]) and not c.get("pipelining")]
    goals = {"overhead_within_goal": {c["clusters"]: c["overhead_within_goal"] for c in default}}
    if len(default) > 1 and all("phases" in c for c in default):
        first, last = default[0], default[-1]
        # "Not growing": the largest lab's stop and start phases within 1.5x (plus 2 s) of the single cluster's.
        goals["stop_phase_flat"] = last["phases"]["stop"] <= 1.5 * first["phases"]["stop"] + 2
        goals["start_phase_flat"] = last["phases"]["start"] <= 1.5 * first["phases"]["start"] + 2
        goals["stop_start_seconds"] = {c["clusters"]: [c["phases"]["stop"], c["phases"]["start"]] for c in default}
    more_forks = [c for c in cases if c["forks"] != recommended_forks(c["clusters"])]
    if more_forks:
        goals["with_forks"] = {
            f"{c['clusters']} clusters, forks {c['forks']}": [c["phases"]["stop"], c["phases"]["start"], c["overhead_within_goal"]] for c in more_forks
        }
    return goals
