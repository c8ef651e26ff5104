"""benchmarks.json (kept per suite) and benchmarks.md (written from it): the published figures."""

import json
import os

from tests.bench.common import write_json

TITLE = "# Benchmarks"


def module_runs_text(cases):
    """The measured collection module runs per cluster in the downtime, from the largest case that has them."""
    measured = [c for _key, c in sorted(cases.items()) if c.get("downtime_module_runs_per_cluster")]
    if not measured:
        return "many module runs per cluster between the first stop and the last start (this run did not count them)"
    runs = measured[-1]["downtime_module_runs_per_cluster"]
    parts = ", ".join(f"{key.replace('_', '-')} {num(runs[key], 1)}" for key in ("stop", "gate", "imports", "policy_mode", "start"))
    return f"{num(runs['total'], 1)} module runs per cluster between the first stop and the last start ({parts}; measured)"


def load(path):
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        data.setdefault("suites", {})
        return data
    return {"about": "Written by `make bench` (python -m tests.bench); one entry per suite, each with its own date, command and machine.", "suites": {}}


def save(path, data):
    write_json(path, data)


HISTORY_KEEP = 10


def summary(name, result):
    """The headline figures of a suite's result, kept in the history to show the run-to-run spread."""
    if name in ("strategy1", "strategy1_baseline"):
        return [[c["clusters"], c["forks"], c["downtime_seconds"], c["overhead_seconds"]] for c in result["cases"]]
    if name == "strategy2":
        back = result["back_to_back"]
        return [back["clusters"], back["downtime_per_cluster_seconds"]["mean"], back["overhead_per_cluster_seconds"]["mean"]]
    if name in ("preflight", "preflight_baseline"):
        return [[c["inventory"]["clusters"], c["api_requests"], c["wall_seconds"], c["time_over_floor"]] for c in result["cases"] if c["mode"] == "nsx"]
    return None


def remember(data, name):
    """Append the suite's headline figures to data["history"] (the last HISTORY_KEEP runs of each suite)."""
    suite = data["suites"][name]
    if suite.get("quick"):
        return
    figures = summary(name, suite["result"])
    if figures is None:
        return
    history = data.setdefault("history", [])
    load = suite.get("load_average") or [[None], [None]]
    history.append({"suite": name, "date": suite["date"], "load_average_1min": [load[0][0], load[1][0]], "figures": figures})
    runs = [h for h in history if h["suite"] == name]
    for old in runs[:-HISTORY_KEEP]:
        history.remove(old)


def yes(flag):
    return "met" if flag else "**missed**"


def num(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _header in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def write_markdown(path, data):
    suites = data["suites"]
    out = [
        TITLE,
        "",
        "Written by `make bench` (`python -m tests.bench`, not part of `make test`) from `docs/benchmarks.json`, which",
        "holds every figure below and more (per-case phases, play timings, the slowest tasks). Do not edit by hand: re-run",
        "the suites. `python -m tests.bench --quick` runs small versions into `build/bench/`; `--only SUITE,...` re-runs",
        "some suites and keeps the others' results (suites: `nsxsim`, `preflight`, `task_cost`, `strategy1`, `strategy2`, and",
        "the extras `preflight_baseline` and `strategy1_baseline`, with `--baseline REF`).",
        "",
        "## Runs",
        "",
    ]
    rows = []
    for name, suite in suites.items():
        load = suite.get("load_average")
        rows.append([f"`{name}`", suite["date"], f"`{suite['command']}`", num(suite["seconds"], 0), f"{load[0][0]} -> {load[1][0]}" if load else "-"])
    out += table(["suite", "ended (UTC)", "command", "seconds", "load average (1 min) at start -> end"], rows)
    # One line per machine the suites ran on (sessions can run on different builds of the same VM), naming its suites.
    machines = {}
    for name, suite in suites.items():
        key = json.dumps({k: v for k, v in suite["machine"].items() if k != "load_average_at_start"}, sort_keys=True)
        machines.setdefault(key, []).append(f"`{name}`")
    for text, names in sorted(machines.items()):
        m = json.loads(text)
        which = f" ({', '.join(names)})" if len(machines) > 1 else ""
        out += [
            "",
            f"Machine{which}: {m['cpu']}, {m['cpus']} CPUs ({m['cpus_usable']} usable), {m['memory_gb']} GB RAM, {m['os']}, Python {m['python']},"
            f" {m['ansible']}.",
        ]
    out += [
        "The machine is shared (other jobs ran at the same time: see the load averages), so times are upper bounds; request",
        "counts, budgets and memory do not depend on load.",
        "",
    ]
    if "preflight" in suites:
        out += preflight_section(suites["preflight"], suites.get("preflight_baseline"))
    if "strategy1" in suites:
        out += strategy1_section(suites["strategy1"], data.get("history") or [])
        if "strategy1_baseline" in suites:
            out += strategy1_baseline_section(suites["strategy1_baseline"], suites["strategy1"])
    if "task_cost" in suites:
        out += task_cost_section(suites["task_cost"])
    if "strategy2" in suites:
        out += strategy2_section(suites["strategy2"], suites.get("strategy1"))
    out += analysis_section(suites, data.get("history") or [])
    if "nsxsim" in suites:
        out += nsxsim_section(suites["nsxsim"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out).rstrip() + "\n")


def preflight_rows(cases):
    rows = []
    for c in cases:
        inv = c["inventory"]
        phases = c.get("phases") or {}
        rows.append(
            [
                inv["clusters"],
                num(inv["ncp_sections"]),
                num(inv["dfw_rules"]),
                num(inv["lb_virtual_servers"]),
                c["mode"],
                num(c["api_requests"]),
                num(c["budget"]),
                num(c["floor_seconds"], 2),
                num(c["wall_seconds"], 2),
                num(c["time_over_floor"], 2),
                num(phases.get("rules_per_second")),
                num(phases.get("before_rules_seconds"), 2),
                num(c["heap_peak_mib"], 2),
                num(c["rss_peak_mib"]),
                num(c["client_cpu_seconds"], 2),
                "yes" if c["findings_ok"] else "**no**",
            ]
        )
    return rows


PREFLIGHT_HEADERS = [
    "clusters",
    "NCP sections",
    "DFW rules",
    "LB VS",
    "mode",
    "requests",
    "budget",
    "floor s",
    "wall s",
    "x floor",
    "rule reads/s",
    "s before rule reads",
    "heap peak MiB",
    "RSS peak MiB",
    "client CPU s",
    "findings exact",
]


def preflight_section(suite, baseline):
    result = suite["result"]
    goals = result["goals"]
    settings = result["settings"]
    cases = result["cases"]
    out = [
        "## 1. Preflight at NSX scale (`nsx_preflight`)",
        "",
        "The real module (`tests/unit/module_runner.py`, in a fresh process per case so that its peak memory is its own)",
        "against the NSX simulator over HTTPS, one simulator per generated inventory with every blocker planted",
        "(`admin_section`, `user_rule`, `big_vs`, `duplicate_names`); every case must report exactly those findings. Modes:",
        "",
        "- `unpaced`: simulator limits off, no latency, client pacing off - the scan's own cost;",
        f"- `nsx`: NSX's defaults on the simulator (rate limit {settings['rate_limit']}/s, concurrency limit {settings['concurrency_limit']})"
        f" and {int(settings['latency_seconds'] * 1000)} ms latency on every request; the module's defaults (10 in flight, 100 requests/s);",
        "- `sequential`: the same NSX, a naive client sending one request at a time (`max_concurrency: 1`);",
        "- `memory`: as `unpaced`, with tracemalloc on (it costs ~2.5x CPU, so the other modes run without it): peak Python heap.",
        "",
        "Budget = pages of every list read + one read per NCP section with rules (+ its extra pages) + 50. Floor = requests / 100 s",
        "(NSX's default `client_api_rate_limit`). `s before rule reads`: time from the start to the first per-section rule read.",
        "RSS peak: the whole client process (Python, Ansible's module code, requests), its high-water mark reset before the scan.",
        "",
    ]
    out += table(PREFLIGHT_HEADERS, preflight_rows(cases))
    growth = goals.get("memory_growth", {}).get("memory") or next(iter(goals.get("memory_growth", {}).values()), None)
    nsx = [c for c in cases if c["mode"] == "nsx"]
    seq = {c["inventory"]["clusters"]: c for c in cases if c["mode"] == "sequential"}
    out += [
        "",
        "Goals (issue 10 / issue 5):",
        "",
        f"- requests <= budget in every case: {yes(goals['requests_within_budget'])}"
        + "".join(f"; {clusters_text(c['inventory']['clusters'])} `nsx`: {c['api_requests']} of {c['budget']}" for c in nsx)
        + ".",
        f"- `nsx` time <= 1.5x the rate-limit floor: {yes(goals['time_within_1_5x_floor'])}"
        + "".join(f"; {clusters_text(c['inventory']['clusters'])}: {num(c['time_over_floor'], 2)}x" for c in nsx)
        + ". The naive sequential client: "
        + ", ".join(f"{num(s['time_over_floor'], 2)}x ({num(s['wall_seconds'], 1)} s)" for s in seq.values())
        + ".",
    ]
    if growth:
        out.append(
            f"- memory flat as the inventory grows: {yes(goals['memory_flat'])}; peak Python heap "
            + " / ".join(f"{num(v, 2)}" for v in growth["heap_peak_mib"])
            + f" MiB for 1 / 5 / 20 clusters ({growth['heap_peak_growth']}x while the rules grow {growth['inventory_growth']}x); it is the"
            " pages in flight (a 1,000-rule page is ~2.2 MiB parsed, ~0.7 MiB text, ~0.7 MiB bytes), not the inventory."
        )
    out.append(f"- exactly the planted findings in every case: {yes(goals['findings_exact'])}.")
    out.append("")
    if baseline:
        out += preflight_baseline_section(baseline, nsx)
    return out


def preflight_baseline_section(baseline, after):
    result = baseline["result"]
    before = {c["inventory"]["clusters"]: c for c in result["cases"]}
    out = [
        f"### Before / after (`nsx` mode; before = plugins/ of commit {result['commit'][:10]}, measured {baseline['date']})",
        "",
        "Profiled with the per-request trace of the bench (time of each request by kind): the rule reads ran at ~96-100/s,",
        "but the scan spent seconds before them - one NSX search per cluster for `cluster_objects_found`, sequential, and",
        "NSX search is slow (~0.2-0.45 s each on the simulator at 20 clusters). And pacing at exactly 100/s let 1-2% of the",
        "requests arrive as the 101st in a second: 429, a retry and a 0.5 s back-off. Fixes: clusters seen on a tagged DFW",
        "section or virtual server in the lists the scan reads anyway cost no search (`preflight_scan.py`); the pacer keeps",
        "5% headroom under the rate (`rate_limit.py`).",
        "",
    ]
    rows = []
    for c in after:
        b = before.get(c["inventory"]["clusters"])
        if not b:
            continue
        for label, x in (("before", b), ("after", c)):
            rows.append(
                [
                    c["inventory"]["clusters"],
                    label,
                    num(x["api_requests"]),
                    num(x["budget"]),
                    num(x["wall_seconds"], 2),
                    num(x["time_over_floor"], 2),
                    num((x.get("phases") or {}).get("before_rules_seconds"), 2),
                    num((x.get("phases") or {}).get("requests_before_rules")),
                ]
            )
    out += table(["clusters", "", "requests", "budget", "wall s", "x floor", "s before rule reads", "requests before rule reads"], rows)
    out.append("")
    return out


def task_wall(task):
    if not task:
        return "-"
    return f"{num(task['wall'], 1)} / {num(task['per_host_mean'], 1)}"


def strategy1_section(suite, history):
    result = suite["result"]
    settings = result["settings"]
    cases = result["cases"]
    goals = result["goals"]
    out = [
        "## 2. Strategy 1 (`migrate_all.yml`): downtime overhead",
        "",
        "A fresh lab per case (`tests.lab` up/down; Kubernetes clusters, one master each), the real playbook with",
        f"`ncp_quiesce_seconds={settings['quiesce_seconds']}` (+ `ncp_allow_short_quiesce`), `ncp_poll_interval={settings['poll_interval']}`,"
        f" `ncp_backup_poll_interval={settings['backup_poll_interval']}`. Fixed simulated durations: the NSX backup"
        f" {settings['backup_seconds']} s (simulator `backup_seconds`), every importer run (shared, then cluster)"
        f" {settings['import_seconds_per_importer_run']} s",
        "(the importer stand-in's `simulated_seconds`, passed with `ncp_importer_config`), NCP pods take"
        f" {settings['pod_termination_seconds']} s to terminate.",
        "",
        "Overhead = downtime (first NCP stop -> last NCP start, `downtime_seconds` of migration-report.json, whole seconds)"
        " - quiesce - backup - importer runs x their fixed time. Goal: <= 20 s + 2 s per cluster. Phases are play durations",
        "from the `bench_timeline` callback (tests/bench/callback_plugins). The largest case with a fork per master runs"
        " several times: its row is the median run, every run in the last column.",
        "",
    ]
    rows = []
    for c in cases:
        fixed = c["fixed_seconds"]
        phases = c.get("phases") or {}
        rows.append(
            [
                c["clusters"],
                c["forks"],
                c["result"],
                num(c["downtime_seconds"]),
                num(fixed["quiesce"] + fixed["backup"] + fixed["imports"]),
                num(c["overhead_seconds"]),
                c["overhead_goal_seconds"],
                yes(c["overhead_within_goal"]),
                num(phases.get("stop"), 1),
                task_wall(c.get("stop_task")),
                num(phases.get("quiesce_backup"), 1),
                num(phases.get("gate"), 1),
                num(phases.get("imports"), 1),
                num(c.get("import_play_overhead_per_cluster"), 1),
                num(phases.get("after_imports"), 1),
                num(phases.get("policy_mode"), 1),
                num(phases.get("start"), 1),
                task_wall(c.get("start_task")),
                num((c.get("downtime_module_runs_per_cluster") or {}).get("total"), 1),
                cpu_text(c.get("cpu_seconds")),
                num(c["wall_seconds"]),
                runs_text(c),
            ]
        )
    out += table(
        [
            "clusters",
            "forks",
            "result",
            "downtime s",
            "fixed s",
            "overhead s",
            "goal s",
            "goal",
            "stop play s",
            "NCP stop task wall / per host s",
            "quiesce + backup play s",
            "journal check play s",
            "import play s",
            "import play overhead s / cluster",
            "after-imports play s (bottom rules, Policy IDs)",
            "Policy-mode play s",
            "start play s",
            "NCP start task wall / per host s",
            "module runs / cluster in the downtime",
            "CPU s: playbook / lab servers",
            "whole run s",
            "runs: downtime / overhead s",
        ],
        rows,
    )
    default = [c for c in cases if c["forks"] == max(5, c["clusters"])]
    runs = [h for h in history if h["suite"] == "strategy1"]
    if len(runs) > 1:
        out += ["", "Run-to-run spread on this shared machine (history in the JSON; downtime / overhead seconds by clusters and forks):", ""]
        for run in runs:
            cells = ", ".join(f"{c}@{f}: {num(d, 0)} / {num(o, 0)}" for c, f, d, o in run["figures"])
            note = f" ({run['note']})" if run.get("note") else ""
            start, end = run["load_average_1min"]
            load = f", load {start} -> {end}" if start is not None else ""
            out.append(f"- {run['date']}{load}: {cells}{note}")
    out += ["", "Goals:", ""]
    out.append(
        "- overhead <= 20 s + 2 s per cluster: " + "; ".join(f"{clusters_text(int(c))} {yes(ok)}" for c, ok in goals["overhead_within_goal"].items()) + "."
    )
    if "stop_phase_flat" in goals:
        out.append(
            f"- stop and start phases not growing with the clusters (a fork per master): stop {yes(goals['stop_phase_flat'])}, start"
            f" {yes(goals['start_phase_flat'])}; stop / start seconds by clusters: "
            + ", ".join(f"{k}: {v[0]} / {v[1]}" for k, v in goals["stop_start_seconds"].items())
            + "."
        )
    for label, (stop, start, ok) in (goals.get("with_forks") or {}).items():
        out.append(f"- {label}: stop {stop} s, start {start} s, overhead goal {yes(ok)}.")
    out += cpu_split_section(default)
    biggest = max(default, key=lambda c: c["clusters"]) if default else None
    if biggest and biggest.get("profile"):
        out += [
            "",
            f"Profile: the slowest tasks between the first stop and the last start, {biggest['clusters']} clusters, forks {biggest['forks']} (wall seconds over"
            " all hosts; a task that ran on several hosts at once counts once). One small module task (a journal read or write)"
            f" took {num(biggest.get('journal_task_seconds_mean'), 2)} s per host here, with all hosts running it at once; the serial import play runs"
            f" {num(biggest.get('import_play_module_tasks_per_cluster'))} module tasks per cluster, one cluster at a time.",
            "",
        ]
        out += table(
            ["play", "task", "seconds", "hosts"],
            [[p["play"], p["task"].replace("|", "/"), num(p["seconds"], 2), p["hosts"]] for p in biggest["profile"]],
        )
    out.append("")
    return out


# Measured once (2026-12-02, 20 clusters, forks 20, in turn): does metering the masters' interpreter cost anything?
METERING_CHECK = (
    "The metered interpreter (a bash wrapper around each module run) does not change the figures: four runs in turn on the"
    " same machine, plain / metered / plain / metered, overhead 66 / 65 / 68 / 60 s. The same case measured 56-72 s over"
    " 2026-12-02 (57 and 59 s at 07:02-07:10 UTC, 65-72 s at 06:30-07:30 and at 08:00): the machine's speed varies by more"
    " than the goal's margin, which is why the largest case runs three times."
)

# The plays that run on every master at once, in run order (the keys of a case's cpu_split).
PARALLEL_PLAYS = ("stop", "gate", "policy_mode", "start")


def cpu_split_section(cases):
    """Where each parallel downtime play's CPU went, by case: what grows with the clusters, and where it would run."""
    measured = [c for c in cases if c.get("cpu_split")]
    if not measured:
        return []
    out = [
        "",
        "Where the parallel plays' CPU went (CPU seconds over the play, whole machine): the module runs on the masters (each"
        " Python module with the kubectl and importer runs it waited for, metered by the masters' interpreter,"
        " tests/bench/module_python.sh), the lab's API stand-ins, and the rest: ansible-playbook and its forked workers (the"
        " controller's share). Per cluster in brackets. `CPU floor s` = the machine's CPU in the play / its cores: the"
        " shortest the play can be here. `controller floor s` = the controller's share / the cores: what is left of it when"
        " every master runs its modules on its own cores (an estimate from the measured split, not a measurement).",
        "",
    ]
    rows = []
    for c in measured:
        cores = c.get("cores") or 2
        for key in PARALLEL_PLAYS:
            split = c["cpu_split"].get(key)
            if not split:
                continue
            rows.append(
                [
                    c["clusters"],
                    key,
                    num((c.get("phases") or {}).get(key), 1),
                    num(split["machine"], 1),
                    f"{num(split['modules_on_masters'], 1)} ({num(split['modules_per_cluster'], 2)})",
                    split["module_runs"],
                    f"{num(split['controller'], 1)} ({num(split['controller_per_cluster'], 2)})",
                    num(split["lab_servers"], 1),
                    num(split["machine"] / cores, 1),
                    num(split["controller"] / cores, 1),
                ]
            )
    out += table(
        [
            "clusters",
            "play",
            "wall s",
            "CPU s",
            "modules on the masters CPU s (/ cluster)",
            "module runs",
            "controller CPU s (/ cluster)",
            "lab servers CPU s",
            "CPU floor s",
            "controller floor s",
        ],
        rows,
    )
    return out + ["", METERING_CHECK]


def parallel_controller_cpu(case):
    """The controller's CPU (ansible-playbook and its workers) over the parallel downtime plays, and per cluster."""
    splits = [(case.get("cpu_split") or {}).get(key) for key in PARALLEL_PLAYS]
    if not all(splits):
        return "-"
    total = sum(split["controller"] for split in splits)
    return f"{num(total, 1)} ({num(total / case['clusters'], 2)})"


# What changed since each baseline commit the strategy1_baseline suite was run against (first 7 hex digits).
BASELINE_CHANGES = {
    "b404eff": "only the importer runs stay in the serial play (the `promotion_idle` / coordinator re-check moved into"
    " `nsx_mp_import` itself, `require_nsx_idle`), the journal check runs for every cluster at once before it, the"
    " Policy-mode switch for every imported cluster at once after it, the quiesce and backup journal entries are written on"
    " every import master at once instead of in a loop of delegated tasks, and the backup is polled every 2 s by default.",
    "01100ac": "two journal reads fewer per cluster inside the downtime: the Policy-mode switch decides from the journal the"
    " cluster import returns (`nsx_mp_import`'s new `journal`), and the NCP start from the journal the Policy-mode switch"
    " wrote; each is still read for a cluster the previous step did not handle in this run. Both sides ran on the same lab"
    " code (its idle Kubernetes API stand-ins no longer spin, see below).",
    "46170b9": "two kubectl reads fewer in each Kubernetes NCP stop and start (`ncp_service`: right after a scale the"
    ' watch comes first, not a read that could only say "not yet"; the pods are listed up front only at 0 replicas). Both'
    " sides ran on the same lab code (the importer stand-in's fixed duration counted from its process start).",
    "fd0a9dc": "one module task per cluster in the serial play instead of two (`nsx_mp_import` `scope: shared_then_cluster`:"
    " still two importer runs, each journaled and preceded by its own NSX re-check), and NCP's stop and start wait on"
    " `kubectl wait` (a watch) instead of polling the pods every `ncp_poll_interval`.",
    "1904c8a": "three module runs fewer per Kubernetes cluster inside the downtime, every cluster at once: the Policy-mode"
    " switch is one `ncp_mode_switch` task (the live ConfigMap, the NCP YAML file and the `policy_configured` journal entry)"
    " instead of three, and the NCP stop and start journal themselves (`ncp_service` `journal`) instead of a journal task"
    " after each. Both sides ran on the same lab code. The machine was slow in that hour: the before side, 65-70 s of overhead"
    " at 20 clusters (forks 20) at 07:00-07:35 UTC the same day, measured 98-103 s here, so the after side's 75-80 s would be"
    " ~50-55 s at the morning's speed (an extrapolation, not a measurement).",
    "e1152d1": "the parallel plays no longer work out each cluster's masters from every host's variables on every master"
    " (`groups['ncp_clusters'] | map('extract', hostvars) | selectattr(...)`, once per reference: five times per master in"
    " the start play's report of the start, twice in the stop play), which costs the controller O(hosts^2); `import_master`"
    " works them out once per master, before the downtime (`import_master_cluster_masters`), and ncp_stop, ncp_policy_mode"
    " and ncp_start read that. Both sides ran on the same lab code.",
}


def strategy1_baseline_section(baseline, after):
    """Before / after of the orchestration change: the same lab and settings with the collection as of the baseline ref."""
    result = baseline["result"]
    # Since 2026-12-02 the suite runs both sides in turn; an older result compares with the strategy1 suite's cases.
    interleaved = "after_cases" in result
    now = {(c["clusters"], c["forks"]): c for c in (result["after_cases"] if interleaved else after["result"]["cases"])}
    when = f"both measured in turn, ended {baseline['date']}" if interleaved else f"measured {baseline['date']}; after = this tree, measured {after['date']}"
    out = [
        f"### Before / after (before = plugins, roles and playbooks of commit {result['commit'][:10]}, after = this tree; {when})",
        "",
        "Same lab, settings and forks"
        + (
            ", one side's run right after the other's, each pair in the other order than the last; a case run several times"
            " shows its median run, every run's downtime / overhead in the last column"
            if interleaved
            else ""
        )
        + ". The change: "
        + BASELINE_CHANGES.get(result["commit"][:7], "see the git log since that commit."),
        "",
    ]
    rows = []
    for before in result["cases"]:
        key = (before["clusters"], before["forks"])
        for label, c in (("before", before), ("after", now.get(key))):
            if not c:
                continue
            phases = c.get("phases") or {}
            rows.append(
                [
                    c["clusters"],
                    c["forks"],
                    label,
                    c["result"],
                    num(c["downtime_seconds"]),
                    num(c["overhead_seconds"]),
                    c["overhead_goal_seconds"],
                    num(phases.get("imports"), 1),
                    num(c.get("import_play_module_tasks_per_cluster")),
                    num(c.get("import_play_overhead_per_cluster"), 1),
                    num(phases.get("quiesce_backup"), 1),
                    " / ".join(num(phases.get(key), 1) for key in PARALLEL_PLAYS),
                    parallel_controller_cpu(c),
                    num((c.get("downtime_module_runs_per_cluster") or {}).get("total"), 1),
                    cpu_text(c.get("cpu_seconds")),
                    num(c["wall_seconds"]),
                    runs_text(c),
                ]
            )
    out += table(
        [
            "clusters",
            "forks",
            "",
            "result",
            "downtime s",
            "overhead s",
            "goal s",
            "import play s",
            "module tasks / cluster in the serial play",
            "serial play overhead s / cluster",
            "quiesce + backup play s",
            "stop / gate / Policy-mode / start plays s",
            "controller CPU s in those plays (/ cluster)",
            "module runs / cluster in the downtime",
            "CPU s: playbook / lab servers",
            "whole run s",
            "runs: downtime / overhead s",
        ],
        rows,
    )
    out.append("")
    return out


def runs_text(case):
    """Every run's downtime / overhead of a case run several times (its figures are the median run's)."""
    runs = case.get("runs") or []
    return ", ".join(f"{num(d, 0)} / {num(o, 0)}" for d, o in runs) if len(runs) > 1 else "-"


def task_cost_suite_rows(result):
    rows = []
    for run in result["runs"]:
        for kind, seconds in run["seconds_per_task"].items():
            rows.append([kind, "on" if run["pipelining"] else "off", run["repeat"] + 1, num(seconds, 3)])
    return rows


def task_cost_section(suite):
    result = suite["result"]
    out = [
        "### What one Ansible task costs on this machine (`task_cost`)",
        "",
        f"{result['tasks_per_kind']} tasks of each kind on localhost (local connection) in one play, mean seconds per task; pipelining is",
        "`ANSIBLE_PIPELINING=True` (`pipelining = True` in ansible.cfg). The import play pays this for every task, one cluster at a time.",
        "",
    ]
    out += table(["task", "pipelining", "repeat", "seconds per task"], task_cost_suite_rows(result))
    out.append("")
    return out


def strategy2_section(suite, strategy1):
    back = suite["result"]["back_to_back"]
    out = [
        "## 3. Strategy 2 (`migrate_cluster.yml`) back to back",
        "",
        f"One lab of {back['clusters']} clusters; `migrate_cluster.yml -e ncp_cluster=NAME -e ncp_ack_no_backup_restore=true` for each"
        " in turn (no backup; same quiesce and importer settings). Each cluster is down only during its own run.",
        "",
    ]
    rows = []
    for r in back["runs"]:
        imports = (r.get("phases") or {}).get("imports")
        rows.append([r["cluster"], r["result"], num(r["downtime_seconds"]), num(r["overhead_seconds"]), num(r["wall_seconds"]), num(imports, 1)])
    out += table(["cluster", "result", "downtime s", "overhead s", "whole run s", "import play s"], rows)
    per_run = back["wall_seconds"] / back["clusters"]
    out += [
        "",
        f"Total {num(back['wall_seconds'])} s for {back['clusters']} clusters ({num(per_run)} s a cluster); downtime per cluster"
        f" {back['downtime_per_cluster_seconds']['mean']} s on average (overhead {back['overhead_per_cluster_seconds']['mean']} s)."
        " Each run repeats the fixed part (preflight, host checks, quiesce, report), so back to back over N clusters takes about"
        f" N x {num(per_run)} s: ~{num(per_run * 20 / 60)} min for 20 clusters (extrapolated: runs are independent; measure with"
        " `--only strategy2 --s2-clusters 20`).",
    ]
    if strategy1:
        s1 = {c["clusters"]: c for c in strategy1["result"]["cases"] if c["forks"] == max(5, c["clusters"])}
        lines = [f"{clusters_text(k)}: {num(v['downtime_seconds'])} s downtime for all, {num(v['wall_seconds'])} s run" for k, v in sorted(s1.items())]
        out.append("Strategy 1 for comparison (every cluster down at once): " + "; ".join(lines) + ".")
    out.append("")
    return out


def nsxsim_section(suite):
    result = suite["result"]
    out = [
        "## NSX simulator (`tests/bench/bench_nsxsim.py`)",
        "",
        f"Startup with `{result['spec']}`: {result['startup_seconds']} s (target < 10 s). Keep-alive GET throughput,"
        f" {result['clients']} client threads in one process sharing the cores with the simulator (lower bounds; target >= 1,000/s for simple GETs):",
        "",
    ]
    out += table(["call", "requests/s", "errors"], [[r["call"], num(r["per_second"]), r["errors"]] for r in result["throughput"]])
    out.append("")
    return out


def _default_cases(suites):
    cases = (suites.get("strategy1") or {}).get("result", {}).get("cases", [])
    recommended = [c for c in cases if c["forks"] == max(5, c["clusters"])]
    return sorted(recommended, key=lambda c: c["clusters"]), [c for c in cases if c not in recommended]


def _task_cost(suites):
    runs = (suites.get("task_cost") or {}).get("result", {}).get("runs", [])
    plain = [r["seconds_per_task"] for r in runs if not r["pipelining"]]
    piped = [r["seconds_per_task"] for r in runs if r["pipelining"]]

    def mean(rows, key):
        values = [row.get(key) for row in rows if row.get(key) is not None]
        return sum(values) / len(values) if values else None

    module = "ping (smallest module)"
    return mean(plain, module), mean(piped, module), mean(plain, "set_fact (controller only)")


def spread(history, clusters, forks):
    """min-max of the strategy-1 overhead of (clusters, forks) over the runs in the history."""
    values = [o for run in history if run["suite"] == "strategy1" for c, f, _d, o in run["figures"] if c == clusters and f == forks and o is not None]
    if not values:
        return "-"
    return f"{num(min(values), 0)}-{num(max(values), 0)}" if len(values) > 1 else num(values[0], 0)


# Measured once, before and after the lab fix (commit d932824), with this suite's strategy-1 case and its CPU accounting.
LAB_COST_FINDING = (
    "The lab's own cost, found with the CPU accounting: until 2026-12-02 each Kubernetes API stand-in reconciled every 50 ms"
    " whether anything had changed or not, ~3.7% of a core per idle cluster: 157 CPU-s in a 20-cluster run (forks 20, quiet"
    " machine), 0.6 of the 2 cores for the whole run, taken from the playbook. It now passes only on a change or a due pod"
    " timer (tests/lab/kubeapi/controller.py): 16 CPU-s in the same case; downtime / overhead 180 / 93 s before, 172 / 85"
    " and 164 / 77 s after (two runs; the run-to-run spread is of that order)."
)


def cpu_sentence(case):
    """How busy the machine's cores were over the largest case's run and during each downtime play."""
    cpu = case.get("cpu_seconds")
    if not cpu or not case.get("wall_seconds"):
        return ""
    busy = (cpu["playbook"] + cpu["lab_servers"]) / case["wall_seconds"]
    cores = case.get("cores") or os.cpu_count()
    text = (
        f" Over that whole run ansible-playbook and everything it ran used {num(cpu['playbook'], 0)} CPU-s and the lab's API"
        f" stand-ins {num(cpu['lab_servers'], 0)} CPU-s in {num(case['wall_seconds'], 0)} s ({num(busy, 2)} cores on average)."
    )
    plays = {k: v for k, v in (case.get("cores_busy") or {}).items() if v is not None}
    if plays:
        text += (
            " Cores the machine kept busy during each play (/proc/stat at the play's start and end, of "
            + str(cores)
            + "): "
            + ", ".join(f"{name} {num(value, 2)}" for name, value in plays.items())
            + "."
        )
        controller = {k: v for k, v in (case.get("controller_cores") or {}).items() if v is not None}
        if controller:
            text += (
                " Of that, ansible-playbook's own process (its strategy loop, not the forked workers and modules): "
                + ", ".join(f"{name} {num(value, 2)}" for name, value in controller.items())
                + " of one core."
            )
        parallel = [v for k, v in plays.items() if k != "imports"]
        bound = parallel and min(parallel) >= 0.85 * cores
        text += (
            " The parallel plays are CPU-bound on this machine: they take what their module runs cost in CPU divided by the cores."
            if bound
            else " The parallel plays are not all CPU-bound here."
        )
    return text


def split_sentence(first, last):
    """What of the parallel plays' CPU grows per cluster and where it would run (from the cases' cpu_split)."""
    small, big = first.get("cpu_split") or {}, last.get("cpu_split") or {}
    plays = [k for k in PARALLEL_PLAYS if small.get(k) and big.get(k)]
    if not plays:
        return ""
    cores = last.get("cores") or 2

    def per_cluster(split, field):
        return sum(split[k][field] for k in plays)

    floor = {k: big[k]["controller"] / cores for k in plays}
    phases_small = first.get("phases") or {}
    return (
        f" Split by who used it (table in section 2): the module runs on the masters cost {num(per_cluster(small, 'modules_per_cluster'), 1)}"
        f" CPU-s per cluster over the four parallel plays at {clusters_text(first['clusters'])} and {num(per_cluster(big, 'modules_per_cluster'), 1)}"
        f" at {clusters_text(last['clusters'])}: each master's own work, the same whatever the number of clusters, which on real masters"
        f" runs on their own cores. The controller's share (ansible-playbook and its workers: a forked worker per task and host,"
        f" ~0.03 CPU-s even for a skipped task) is {num(per_cluster(big, 'controller_per_cluster'), 2)} CPU-s per cluster at"
        f" {clusters_text(last['clusters'])}. With every master on its own machine and this 2-core controller, the stop and start"
        f" plays would take at least {num(floor.get('stop'), 1)} s and {num(floor.get('start'), 1)} s of controller CPU at"
        f" {clusters_text(last['clusters'])} against {num(phases_small.get('stop'), 1)} s and {num(phases_small.get('start'), 1)} s for"
        " one cluster (an estimate from the split, not a measurement)."
    )


def cpu_text(cpu):
    """CPU seconds of the whole run: ansible-playbook and everything it ran / the lab's API stand-ins ("-" before they were measured)."""
    return f"{num(cpu['playbook'], 0)} / {num(cpu['lab_servers'], 0)}" if cpu else "-"


def clusters_text(count):
    return f"{count} cluster" if count == 1 else f"{count} clusters"


def analysis_section(suites, history):
    """What the figures say and what to change: the numbers come from the suites, the reading from the profile."""
    default, more_forks = _default_cases(suites)
    if not default:
        return []
    out = ["## What the figures say", ""]
    first, last = default[0], default[-1]
    slope = (last["overhead_seconds"] - first["overhead_seconds"]) / (last["clusters"] - first["clusters"]) if len(default) > 1 else None
    plain, piped, set_fact = _task_cost(suites)
    import_tasks = sum(p["seconds"] for p in last.get("profile") or [] if p["action"] == "ncp.mp_to_policy.nsx_mp_import")
    module_overhead = (import_tasks - last["importer_seconds_reported"]) / last["importer_runs"] if import_tasks and last["importer_runs"] else None
    met = all(c["overhead_within_goal"] for c in default)
    per_cluster = last.get("import_play_overhead_per_cluster")
    phases = last.get("phases") or {}
    parallel = {k: phases.get(k) for k in ("stop", "quiesce_backup", "gate", "policy_mode", "start")}
    out += [
        ("**Strategy 1 meets its overhead goal at every size**" if met else "**Strategy 1 misses its overhead goal at some sizes**")
        + " with a fork per master ("
        + ", ".join(f"{clusters_text(c['clusters'])}: {num(c['overhead_seconds'])} s of {c['overhead_goal_seconds']} s" for c in default)
        + ")"
        + (f"; about {num(slope, 1)} s more per extra cluster against the 2 s allowed." if slope is not None else "."),
        "",
        f"1. Serial, per cluster: the import play runs {num(last.get('import_play_module_tasks_per_cluster'))} module tasks per cluster"
        " (`nsx_mp_import` with `scope: shared_then_cluster` runs the shared and then the cluster import, re-reading the"
        f" coordinator and the promotion state right before each importer run), {num(per_cluster, 1)} s per cluster beyond the"
        f" simulated importer time at {clusters_text(last['clusters'])}."
        + (
            f" A module task costs ~{num(plain, 2)} s on this machine whatever it does (`task_cost`: `ansible.builtin.ping`; a"
            f" controller-only `set_fact` {num(set_fact, 3)} s). The importer stand-in's own start (Python, its imports) is part"
            " of its fixed duration (counted from its process start since 2026-12-02; before, each run lasted ~0.15-0.2 s more"
            " and that counted as overhead)."
            if plain
            else ""
        )
        + (
            f" `nsx_mp_import` takes ~{num(module_overhead, 1)} s per importer run beyond the importer's reported duration."
            if module_overhead is not None
            else ""
        ),
        "2. On every master at once, once per run: "
        + ", ".join(f"{name} {num(seconds, 1)} s" for name, seconds in parallel.items() if seconds is not None)
        + f" at {clusters_text(last['clusters'])} ({clusters_text(first['clusters'])}: "
        + ", ".join(f"{name} {num((first.get('phases') or {}).get(name), 1)} s" for name in parallel)
        + "). What still grows with the clusters here is contention: the lab's masters are local processes sharing 2 cores"
        " (kubectl, Python, the Kubernetes API stand-ins); on real masters each host runs its own module." + cpu_sentence(last) + split_sentence(first, last),
    ]
    for c in more_forks:
        task = c.get("stop_task")
        out.append(
            f"3. With Ansible's default `forks = {c['forks']}` instead ({clusters_text(c['clusters'])}): overhead {num(c['overhead_seconds'])} s"
            + (
                f", the NCP stop task in ~{num(task['waves'], 1)} waves ({num(task['wall'], 1)} s wall for {num(task['per_host_mean'], 1)} s per host)"
                if task
                else ""
            )
            + ". The preflight warns (`controller_forks`) when there are fewer forks than masters, and the operator guide says to set them."
        )
    baseline = (suites.get("strategy1_baseline") or {}).get("result")
    if baseline:
        now = {(c["clusters"], c["forks"]): c for c in baseline.get("after_cases") or suites["strategy1"]["result"]["cases"]}
        pairs = [(b, now[(b["clusters"], b["forks"])]) for b in baseline["cases"] if (b["clusters"], b["forks"]) in now]
        out.append(
            "4. Against the baseline on the same machine (table above): "
            + "; ".join(
                f"{clusters_text(b['clusters'])} (forks {b['forks']}): downtime {num(b['downtime_seconds'])} -> {num(a['downtime_seconds'])} s,"
                f" serial play overhead {num(b.get('import_play_overhead_per_cluster'), 1)} -> {num(a.get('import_play_overhead_per_cluster'), 1)} s a cluster"
                for b, a in pairs
            )
            + ". "
            + (
                f"The goal is met, at {clusters_text(last['clusters'])} by {num(last['overhead_goal_seconds'] - last['overhead_seconds'])} s;"
                " runs on this machine differ by several seconds (history above). "
                if met
                else "The goal is still missed at the largest size: on this lab the module runs of every master share the"
                " controller's cores (how many of them each play kept busy: item 2), and the run-to-run spread is ~10 s"
                " (history above); "
            )
            + module_runs_text(now)
            + "."
        )
    out += [
        "",
        LAB_COST_FINDING,
        "",
        "Done 2026-12-02 (before / after above): the ConfigMap, the NCP YAML file and the journal entry switched in one"
        " `ncp_mode_switch` run, the stop and start journaled by `ncp_service` itself - five module runs per Kubernetes cluster"
        " inside the downtime instead of nine. Next, not done: fewer tasks per host in the parallel plays (the TKGI and"
        " Kubernetes alternatives in per-platform task files: each skipped task still costs the controller a worker); and the same benchmark with masters"
        " on machines of their own, where the parallel plays' module runs no longer share the controller's cores (the"
        " network-namespace hosts of tests/faults would share them too). A module run costs at least ~0.25 CPU-s here"
        " (`ansible.builtin.ping` through the metered interpreter: AnsiballZ and `ansible.module_utils.basic`), a kubectl run ~0.06.",
        "",
        "Left as they are: `pipelining = True` (no consistent effect on the lab's local connection; with SSH to real masters it"
        " saves the round trips of copying each module, so it is still worth setting in ansible.cfg); the quiesce wait rounds up"
        " to whole seconds; the backup is polled every `ncp_backup_poll_interval` (default now 2 s, 1 s here).",
    ]
    s2 = (suites.get("strategy2") or {}).get("result", {}).get("back_to_back")
    if s2:
        per_run = s2["wall_seconds"] / s2["clusters"]
        out += [
            "",
            f"**Strategy 2** keeps every other cluster running: each cluster is down ~{num(s2['downtime_per_cluster_seconds']['mean'])} s"
            f" here, but back to back the runs take ~{num(per_run, 0)} s each, and with the vendor's quiesce each run waits 10 minutes:"
            f" {last['clusters']} clusters take about {last['clusters']} x (600 + {num(per_run - 5, 0)}) s = ~"
            f"{num(last['clusters'] * (600 + per_run - 5) / 3600, 1)} h, against one strategy-1 window of 600 s +"
            f" {num(last['downtime_seconds'] - 5, 0)} s here (all clusters down together).",
        ]
    preflight = (suites.get("preflight") or {}).get("result")
    if preflight:
        nsx = [c for c in preflight["cases"] if c["mode"] == "nsx"]
        small = nsx[0] if nsx else None
        if small:
            out += [
                "",
                f"**Preflight** meets its goals at every size. On the smallest inventory the time over the floor ({num(small['time_over_floor'], 2)}x)"
                " is the latency-bound start and end of the scan: the version, VIP, coordinator, promotion and backup reads and the"
                " list pages run one after another (20 ms each here) before and after the paced rule reads. Running them in the same"
                " pool as the rule reads would bring small scans to the floor too; not needed for the goal. A naive sequential client"
                " is bound by the latency (~40 requests/s here), whatever NSX's rate limit: 2.3-2.6x the floor. Not changed, noted for"
                " the preflight's owner: rules of sections tagged `ncp/fw_sect_marker` are never read (the generator's largest"
                " 20-cluster spec puts its 2,500-rule section there, which is why the benchmark uses 2,001 sections).",
            ]
    out.append("")
    return out
