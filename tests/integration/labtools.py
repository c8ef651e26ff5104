"""Drive a lab (``python -m tests.lab up``) from the outside and read its end state.

Used by the integration tests (tests/integration) and by the Molecule scenarios
(extensions/molecule): the Molecule side calls the command line below.

    python -m tests.integration.labtools when --lab DIR --cluster C --state S [--fault JSON]... [--promotion] [--kill-pgid PID]

waits until cluster C's journal (on any of its masters) records state S (or, with ``--attempt-open``, an importer
attempt without an end), then injects the NSX faults, opens a foreign MP-to-Policy promotion, and/or kills a process
group - the playbook's - and, after a kill, waits for an importer the killed run left behind.

    python -m tests.integration.labtools interrupt --lab DIR --cluster C --state S --log FILE -- ansible-playbook ARGS...

starts the playbook in its own process group, kills it (SIGKILL) once the journal shows S, and waits for any
importer it left behind (a controller that died mid-run: the importer on the master runs to its end).
"""

import argparse
import base64
import glob
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

import yaml

from tests.lab.importer.mp_to_policy_importer import read_run_ledger

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The collection under test: this checkout, or (to try a deliberately broken copy without touching the working
# tree) NCP_IT_COLLECTIONS_PATH=<dir holding ansible_collections/ncp/mp_to_policy>.
COLLECTIONS = os.environ.get("NCP_IT_COLLECTIONS_PATH") or os.path.join(ROOT, "build", "collections")
PLAYBOOKS = os.path.join(COLLECTIONS, "ansible_collections", "ncp", "mp_to_policy", "playbooks")
LAB_VARS = {
    "ncp_quiesce_seconds": 3,
    "ncp_allow_short_quiesce": True,
    "ncp_poll_interval": 0.2,
    "ncp_backup_poll_interval": 1,
}


class Lab:
    """A running lab, from its DIR/lab.json."""

    def __init__(self, out):
        self.out = os.path.abspath(out)
        with open(os.path.join(self.out, "lab.json"), encoding="utf-8") as handle:
            self.data = json.load(handle)
        self.nsx = self.data["nsx"]
        self.clusters = {c["name"]: c for c in self.data["clusters"]}
        self.report_dir = os.path.join(self.out, "report")

    # -- HTTP ---------------------------------------------------------------------------------------------
    def _open(self, url, ca_file, method="GET", body=None, auth=None):
        context = ssl.create_default_context(cafile=ca_file) if url.startswith("https") else None
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        if auth:
            request.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode())
        with urllib.request.urlopen(request, timeout=30, context=context) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def nsx_call(self, path, method="GET", body=None, auth=False):
        credentials = (self.nsx["username"], self.nsx["password"]) if auth else None
        return self._open(self.nsx["url"] + path, self.nsx["ca_file"], method, body, credentials)

    def add_faults(self, *faults):
        for fault in faults:
            self.nsx_call("/_lab/faults", "POST", fault)

    def open_promotion(self):
        """A foreign MP-to-Policy promotion in progress (another importer's window is open)."""
        self.nsx_call("/api/v1/migration/mp-to-policy/workflow?action=INITIATE", "POST", {}, auth=True)

    def policy_paths(self):
        return self.nsx_call("/_lab/policy")["paths"]

    def nsx_state(self):
        return self.nsx_call("/_lab/state")

    def policy_status(self, cluster, kinds=("LogicalSwitch", "LogicalPort", "LogicalRouter")):
        """``{objects, in_policy, by_kind}``: the cluster's NCP-created MP objects (tag ``ncp/cluster``) of ``kinds``, and
        how many the import promoted (a ``policyPath`` tag whose path exists in the simulator's Policy tree)."""
        tree = set(self.policy_paths())
        result = {"objects": 0, "in_policy": 0, "by_kind": {}}
        for kind in kinds:
            answer = self.nsx_call("/_lab/objects/" + kind)
            counts = {"objects": 0, "in_policy": 0}
            for obj in answer.get("results", answer) if isinstance(answer, dict) else answer:
                tags = {tag.get("scope"): tag.get("tag") for tag in obj.get("tags") or []}
                if tags.get("ncp/cluster") != cluster:
                    continue
                counts["objects"] += 1
                counts["in_policy"] += 1 if tags.get("policyPath") in tree else 0
            result["by_kind"][kind] = counts
            result["objects"] += counts["objects"]
            result["in_policy"] += counts["in_policy"]
        return result

    def kube(self, cluster, path="/_lab/ncp", method="GET", body=None):
        entry = self.clusters[cluster]
        ca_file = os.path.join(os.path.dirname(entry["kubeconfig"]), "certs", "ca.pem")
        return self._open(entry["url"] + path, ca_file, method, body)

    def wait_ready(self, timeout=60):
        """Wait until every Kubernetes cluster's NCP pod runs (``lab up`` returns before the pods are Ready)."""
        deadline = time.monotonic() + timeout
        for cluster in self.clusters:
            while self.platform(cluster) == "kubernetes" and not any(p.get("ready") and not p.get("terminating") for p in self.ncp_pods(cluster)):
                if time.monotonic() > deadline:
                    raise TimeoutError("NCP of %s never became Ready" % cluster)
                time.sleep(0.1)
        return self

    # -- cluster side -------------------------------------------------------------------------------------
    def masters(self, cluster):
        return [host["name"] for host in self.clusters[cluster]["hosts"]]

    def host(self, name):
        for cluster in self.clusters.values():
            for host in cluster["hosts"]:
                if host["name"] == name:
                    return host
        raise KeyError(name)

    def platform(self, cluster):
        return self.clusters[cluster]["platform"]

    def ncp_pods(self, cluster):
        return self.kube(cluster)["pods"]

    def ncp_starts(self, cluster):
        return self.kube(cluster)["starts"]

    def monit(self, host):
        with open(self.host(host)["monit_state"], encoding="utf-8") as handle:
            return json.load(handle)

    def set_monit(self, host, **values):
        """Change the monit stand-in's NCP process state on a TKGI master (e.g. ``stop_seconds``)."""
        state = dict(self.monit(host), **values)
        with open(self.host(host)["monit_state"], "w", encoding="utf-8") as handle:
            json.dump(state, handle)

    def set_importer_fault(self, host, spec):
        """Arm the importer stand-in's ``lab_fault`` (config.yaml) on one master; None disarms it."""
        path = self.host(host)["importer_config"]
        with open(path, encoding="utf-8") as handle:
            config = yaml.safe_load(handle) or {}
        config.pop("lab_fault", None)
        config.update({"lab_fault": spec} if spec else {})
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(config, handle, sort_keys=False)

    def set_tkgi_fault(self, host, **spec):
        """The tkgi stand-in's lab faults on one master (``cli_rc``, ``migration_log``: tkgi_standin.py); none clears them."""
        path = os.path.join(self.host(host)["root"], "var", "vcap", "tkgi", "lab-fault.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(spec, handle)

    def ncp_mode(self, cluster):
        """What NCP runs as now: ``policy`` / ``mp`` / ``stopped`` (TKGI: from monit on every master)."""
        if self.platform(cluster) == "tkgi":
            modes = set()
            for host in self.masters(cluster):
                state = self.monit(host)
                if state.get("action") != "start" or not state.get("starts"):
                    modes.add("stopped")
                else:
                    modes.add("policy" if state["starts"][-1]["policy_nsxapi"] else "mp")
            return modes.pop() if len(modes) == 1 else "mixed:" + ",".join(sorted(modes))
        pods = [pod for pod in self.ncp_pods(cluster) if not pod.get("terminating")]
        if not pods:
            return "stopped"
        modes = {"policy" if pod.get("policy_nsxapi") else "mp" for pod in pods}
        return modes.pop() if len(modes) == 1 else "mixed"

    def ncp_start_count(self, cluster):
        if self.platform(cluster) == "tkgi":
            return sum(len(self.monit(host).get("starts", [])) for host in self.masters(cluster))
        return len(self.ncp_starts(cluster))

    def ncp_stop_seen(self, cluster):
        """True when NCP was stopped at any time since the lab started."""
        if self.platform(cluster) == "tkgi":
            return any(self.monit(host).get("stopped_at") for host in self.masters(cluster))
        return len(self.ncp_starts(cluster)) > 1 or not self.ncp_pods(cluster)

    def kubectl(self, cluster, *args):
        entry = self.clusters[cluster]
        kubectl = entry["hosts"][0]["kubectl"]
        cache = os.path.join(self.out, "kubectl-cache")
        command = [kubectl, "--kubeconfig", entry["kubeconfig"], "--cache-dir", cache, *args]
        return subprocess.run(command, check=True, capture_output=True, text=True, env=dict(os.environ, HOME=self.out)).stdout

    def configmap_ini(self, cluster):
        data = json.loads(self.kubectl(cluster, "-n", "nsx-system", "get", "configmap", "nsx-ncp-config", "-o", "json"))
        return data["data"]["ncp.ini"]

    def manifest_text(self, host):
        return read_text(self.host(host)["manifest_path"])

    def ncp_ini_text(self, host):
        return read_text(self.host(host)["ncp_ini"])

    def journal(self, cluster):
        """(host, journal) of the master that holds the cluster's journal, or (None, None)."""
        for host in self.masters(cluster):
            path = os.path.join(self.host(host)["state_dir"], cluster, "state.json")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as handle:
                    return host, json.load(handle)
        return None, None

    def importer_runs(self):
        """Every importer run of the lab in start order, each with ``running_with`` (the runs it found running)."""
        return read_run_ledger(self.data["importer_runs"])

    def journals_on(self, cluster):
        return [h for h in self.masters(cluster) if os.path.exists(os.path.join(self.host(h)["state_dir"], cluster, "state.json"))]

    def report(self, report=None):
        """The migration report of the runs given ``report`` (a directory name under the lab), else of the default one."""
        folder = os.path.join(self.out, report) if report else self.report_dir
        with open(os.path.join(folder, "migration-report.json"), encoding="utf-8") as handle:
            return json.load(handle)

    def report_cluster(self, cluster):
        return next(c for c in self.report()["clusters"] if c["name"] == cluster)

    def end_state(self):
        """The end state the Molecule verifiers assert on: per cluster NCP's mode, its starts (mode of each),
        policy_nsxapi in the live ConfigMap, in each master's NCP YAML file / rendered ncp.ini, the journal,
        the MP objects promoted to Policy; the report; and every importer run in start order (``importer_runs``, each
        with ``running_with``: the runs it found running)."""
        clusters = {}
        for name in self.clusters:
            host, journal = self.journal(name)
            entry = {
                "platform": self.platform(name),
                "mode": self.ncp_mode(name),
                "journal_host": host,
                "journals_on": self.journals_on(name),
                "states": sorted((journal or {}).get("states", {})),
                "state_at": {state: record.get("at") for state, record in (journal or {}).get("states", {}).items()},
                "backup_id": ((journal or {}).get("states", {}).get("backed_up") or {}).get("backup_id"),
                "started_mode": ((journal or {}).get("states", {}).get("ncp_started") or {}).get("mode"),
                "attempts": [
                    {k: a.get(k) for k in ("scope", "rc", "outcome", "rollback", "host", "started_at", "ended_at")} for a in (journal or {}).get("attempts", [])
                ],
                "policy": self.policy_status(name),
                "files": {},
            }
            if entry["platform"] == "kubernetes":
                entry["starts"] = ["policy" if s.get("policy_nsxapi") else "mp" for s in self.ncp_starts(name)]
                entry["configmap"] = ini_value(self.configmap_ini(name), "policy_nsxapi")
                for master in self.masters(name):
                    entry["files"][master] = ini_value(self.manifest_text(master), "policy_nsxapi")
            else:
                entry["starts"] = ["policy" if s.get("policy_nsxapi") else "mp" for m in self.masters(name) for s in self.monit(m).get("starts", [])]
                entry["configmap"] = None
                for master in self.masters(name):
                    entry["files"][master] = ini_value(self.ncp_ini_text(master), "policy_nsxapi")
            clusters[name] = entry
        report = None
        if os.path.exists(os.path.join(self.report_dir, "migration-report.json")):
            report = self.report()
        runs = [{k: r[k] for k in ("cluster", "scopes", "host", "running_with")} for r in self.importer_runs()]
        return {"clusters": clusters, "report": report, "backups": self.nsx_state().get("backups"), "importer_runs": runs}

    # -- snapshot (check mode changes nothing) ------------------------------------------------------------
    def snapshot(self):
        """Everything a run could change: NSX (Policy tree, objects, backups, coordinator), ConfigMaps, pods and
        NCP starts, every file under the host roots (manifests, ncp.ini, journals, importer records, monit)."""
        state = self.nsx_state()
        snap = {"nsx_state": state, "policy": sorted(self.policy_paths())}
        for kind in ("LogicalSwitch", "LogicalPort", "LogicalRouter", "IpPool", "IpBlock"):
            snap["nsx:" + kind] = self.nsx_call("/_lab/objects/" + kind)
        for cluster in self.clusters:
            if self.platform(cluster) == "kubernetes":
                snap["configmap:" + cluster] = self.configmap_ini(cluster)
            ncp = self.kube(cluster)
            snap["pods:" + cluster] = sorted(p["name"] for p in ncp["pods"])
            snap["starts:" + cluster] = len(ncp["starts"])
        for path in sorted(glob.glob(os.path.join(self.out, "hosts", "**"), recursive=True)):
            if os.path.isfile(path):
                snap["file:" + os.path.relpath(path, self.out)] = read_text(path, errors="replace")
        return snap

    # -- firewall order (invariant 10) ----------------------------------------------------------------------
    def admin_rules_around_ncp(self):
        """(top, bottom): MP rule IDs of the admin sections above NCP's first section and below its last (the lab's
        MP list; no markers configured), the default section left out."""
        sections = self.nsx_call("/_lab/objects/FirewallSection")["results"]
        rules = self.nsx_call("/_lab/objects/FirewallRule")["results"]
        ncp = [i for i, s in enumerate(sections) if any(t.get("scope") == "ncp/cluster" for t in s.get("tags") or [])]
        top = {s["id"] for s in sections[: ncp[0]] if not s.get("is_default")}
        bottom = {s["id"] for s in sections[ncp[-1] + 1 :] if not s.get("is_default")}
        return sorted(r["id"] for r in rules if r["section_id"] in top), sorted(r["id"] for r in rules if r["section_id"] in bottom)

    def firewall_order_violations(self, order, top, bottom):
        """Invariant 10 over one effective order (the simulator's, /_lab/firewall): each admin top rule's first enforced
        copy (MP original or its Policy copy) before every NCP rule, each bottom rule's after every NCP rule."""
        ncp = [i for i, e in enumerate(order) if e["cluster"]]
        if not ncp:
            return []

        def first(rule_id):
            return min(i for i, e in enumerate(order) if e["mp_rule"] == rule_id or (e["tags"] or {}).get("ncp-mp-to-policy/mp-rule") == rule_id)

        found = ["top rule %s at %d, NCP rule %s at %d" % (r, first(r), order[ncp[0]]["rule"], ncp[0]) for r in top if first(r) > ncp[0]]
        found += ["bottom rule %s at %d, NCP rule %s at %d" % (r, first(r), order[ncp[-1]]["rule"], ncp[-1]) for r in bottom if first(r) < ncp[-1]]
        return found

    def firewall_order_points(self):
        """The effective order at each migration's end (success or failure) and now: [(label, order)]."""
        snapshots = self.nsx_call("/_lab/firewall/snapshots")["snapshots"]
        points = [("%s #%d (%s)" % (s["event"], n, ",".join(s["types"])), s["order"]) for n, s in enumerate(snapshots, 1)]
        return points + [("now", self.nsx_call("/_lab/firewall")["order"])]

    # -- playbooks ----------------------------------------------------------------------------------------
    def playbook_command(self, name, extra_vars=None, check=False, verbosity=0, forks=None, diff=False, ansible_playbook=None, report=None):
        """``ansible_playbook``: another ansible-playbook than this Python's (another ansible-core version)."""
        report_dir = os.path.join(self.out, report) if report else self.report_dir
        variables = dict(LAB_VARS, ncp_report_dir=report_dir, **(extra_vars or {}))
        command = [ansible_playbook or os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(self.out, "inventory.yml")]
        command += [os.path.join(PLAYBOOKS, name), "-e", json.dumps(variables)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        if forks:
            command += ["-f", str(forks)]
        return command

    def run(self, name, extra_vars=None, check=False, verbosity=0, timeout=900, forks=None, diff=False, ansible_playbook=None, env=None, report=None):
        """Run a playbook of the collection against the lab; returns CompletedProcess (stdout + stderr in .stdout).
        ``ansible_playbook``: another ansible-core's ansible-playbook; ``env``: more environment for the controller (an
        SSH lab's NSX_PASSWORD, as an AWX credential injects it); ``report``: a directory under the lab for this run's
        report (default: the lab's one ``report`` directory)."""
        return subprocess.run(
            self.playbook_command(name, extra_vars, check, verbosity, forks, diff, ansible_playbook, report),
            cwd=self.out,
            env={**playbook_env(), **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )


TILE_PROPERTIES = tuple(".properties.network_selector.nsx." + name for name in ("t0-router-id", "floating-ip-pool-ids", "ip-block-id", "nodes-ip-block-id"))
POLICY_SWITCH = ".properties.network_selector.nsx.nsx-t-policy-api"


class TkgiControlPlane:
    """The lab's bosh / om / tkgi, run as the collection runs them (inventory ``ncp_tkgi_cli``)."""

    def __init__(self, lab):
        with open(os.path.join(lab.out, "inventory.yml"), encoding="utf-8") as handle:
            inventory = yaml.safe_load(handle)
        self.cli = inventory["all"]["vars"]["ncp_tkgi_cli"]
        self.env = dict(
            os.environ,
            OM_TARGET=self.cli["om_target"],
            OM_USERNAME=self.cli["om_username"],
            OM_PASSWORD=self.cli["om_password"],
            BOSH_ENVIRONMENT=self.cli["bosh_environment"],
            BOSH_CLIENT=self.cli["bosh_client"],
            BOSH_CLIENT_SECRET=self.cli["bosh_client_secret"],
        )

    def run(self, tool, *args):
        command = list(self.cli["%s_command" % tool]) + list(args)
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, check=False, timeout=60)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        return done.stdout

    def bosh_mode(self):
        blocks = json.loads(self.run("bosh", "cpi-config", "--json"))["Blocks"]
        cpis = yaml.safe_load("".join(blocks))["cpis"]
        flags = {(c["properties"]["nsxt"]["use_policy_api"], c["properties"]["nsxt"]["policy_api_migration_mode"]) for c in cpis}
        assert len(flags) == 1, flags
        use_policy, migration = flags.pop()
        return "policy" if use_policy and not migration else "migration" if migration and not use_policy else "mp"

    def tile(self):
        staged = yaml.safe_load(self.run("om", "staged-config", "--product-name", "pivotal-container-service"))
        values = {name: (staged["product-properties"].get(name) or {}).get("value") for name in TILE_PROPERTIES + (POLICY_SWITCH,)}
        pending = {entry["guid"].rsplit("-", 1)[0]: entry["action"] for entry in json.loads(self.run("om", "pending-changes", "--format", "json"))}
        return values, pending.get("pivotal-container-service")

    def set_bosh_mode(self, use_policy_api, migration_mode):
        """What an Ops Manager admin would do by hand: the director's NSX flags changed and applied (BOSH only)."""
        director = yaml.safe_load(self.run("om", "staged-director-config", "--no-redact"))
        for iaas in director["iaas-configurations"]:
            nsxt = iaas.setdefault("additional_cloud_properties", {}).setdefault("nsxt", {})
            nsxt.update(use_policy_api=use_policy_api, policy_api_migration_mode=migration_mode)
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "director-%d.yml" % os.getpid())
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump({"iaas-configurations": director["iaas-configurations"]}, handle)
        self.run("om", "configure-director", "--config", path)
        self.run("om", "apply-changes", "--skip-deploy-products")
        os.unlink(path)

    def promotion(self, cluster):
        state = json.loads(self.run("tkgi", "cluster", cluster, "--json"))
        return state.get("last_action"), state.get("last_action_state")


def dry_run_plan(output):
    """The plan a check-mode run printed (the report's "Show the dry run's plan"): its lines, or None when not shown."""
    marker = output.find("Show the dry run's plan")
    if marker < 0:
        return None
    start = output.find("{", output.find("=>", marker))
    answer, _end = json.JSONDecoder().raw_decode(output[start:])
    return answer["msg"]


def plan_steps(lines, cluster):
    """The numbered steps of ``cluster`` in a dry-run plan (see :func:`dry_run_plan`), without their numbers."""
    steps, inside = [], False
    for line in lines:
        if line.startswith("## "):
            inside = line.startswith("## %s " % cluster)
        elif inside and line[:1].isdigit():
            steps.append(line.split(". ", 1)[1])
    return steps


def playbook_env():
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")


def read_text(path, errors="strict"):
    with open(path, encoding="utf-8", errors=errors) as handle:
        return handle.read()


def ini_value(text, key, section="nsx_v3"):
    """The value of ``key`` in ``[section]`` of an ncp.ini text (or of the ncp.ini a manifest embeds)."""
    if "kind:" in text and "ncp.ini" in text:
        for document in yaml.safe_load_all(text):
            if isinstance(document, dict) and document.get("kind") == "ConfigMap" and "ncp.ini" in (document.get("data") or {}):
                text = document["data"]["ncp.ini"]
                break
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1]
        elif current == section and "=" in stripped and not stripped.startswith(("#", ";")):
            name, value = stripped.split("=", 1)
            if name.strip() == key:
                return value.strip()
    return None


def attempt_open(journal):
    return any(attempt.get("ended_at") is None for attempt in (journal or {}).get("attempts", []))


def wait_journal(lab, cluster, state=None, open_attempt=False, timeout=600, poll=0.05, process=None):
    """Wait until the cluster's journal records ``state`` (or an unfinished importer attempt)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _host, journal = lab.journal(cluster)
        except (OSError, ValueError):
            journal = None  # mid-write: the journal is replaced atomically, but retry anyway
        if journal and ((state and state in journal.get("states", {})) or (open_attempt and attempt_open(journal))):
            return journal
        if lab_stopped(lab):
            raise RuntimeError("the lab in %s was stopped" % lab.out)
        if process is not None and process.poll() is not None:
            raise RuntimeError("the playbook ended (rc %s) before %s reached %s" % (process.returncode, cluster, state or "an import"))
        time.sleep(poll)
    raise TimeoutError("%s never reached %s" % (cluster, state or "an import"))


def lab_stopped(lab):
    try:
        with open(os.path.join(lab.out, "lab.json"), encoding="utf-8") as handle:
            return bool(json.load(handle).get("stopped"))
    except (OSError, ValueError):
        return False


def importer_processes(lab):
    """PIDs of lab importers still running (left behind by a killed controller)."""
    found = []
    roots = (os.path.join(lab.out, "hosts") + os.sep,)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as handle:
                argv = handle.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if any(arg.startswith(roots) and arg.endswith("mp_to_policy_importer.py") for arg in argv):
            found.append(int(entry))
    return found


def wait_importers_gone(lab, timeout=300):
    deadline = time.monotonic() + timeout
    while importer_processes(lab) and time.monotonic() < deadline:
        time.sleep(0.2)
    if importer_processes(lab):
        raise TimeoutError("an importer left behind by the killed run is still running")


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def interrupt(lab, cluster, state, command, log_path, open_attempt=False):
    """Run ``command`` (a playbook) in its own process group and SIGKILL it when the journal shows ``state``."""
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=lab.out, env=playbook_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            journal = wait_journal(lab, cluster, state, open_attempt=open_attempt, process=process)
        finally:
            kill_group(process.pid)
            process.wait()
    wait_importers_gone(lab)
    return journal


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.integration.labtools")
    commands = parser.add_subparsers(dest="command", required=True)
    when = commands.add_parser("when", help="wait for a journal state, then act")
    interrupt_cmd = commands.add_parser("interrupt", help="run a playbook and kill it at a journal state")
    state_cmd = commands.add_parser("state", help="print the lab's end state as JSON")
    state_cmd.add_argument("--lab", required=True)
    for sub in (when, interrupt_cmd):
        sub.add_argument("--lab", required=True)
        sub.add_argument("--cluster", required=True)
        sub.add_argument("--state")
        sub.add_argument("--attempt-open", action="store_true", help="wait for an importer attempt that has not ended")
    when.add_argument("--fault", action="append", default=[], help="JSON fault for POST /_lab/faults")
    when.add_argument("--promotion", action="store_true", help="open a foreign promotion window")
    when.add_argument("--timeout", type=float, default=600)
    interrupt_cmd.add_argument("--log", required=True)
    interrupt_cmd.add_argument("--record", help="write the journals as they were after the kill to this JSON file")
    interrupt_cmd.add_argument("playbook", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    lab = Lab(args.lab)
    if args.command == "state":
        print(json.dumps(lab.end_state(), indent=1, sort_keys=True))
        return 0
    if args.command == "when":
        wait_journal(lab, args.cluster, args.state, open_attempt=args.attempt_open, timeout=args.timeout)
        lab.add_faults(*[json.loads(fault) for fault in args.fault])
        if args.promotion:
            lab.open_promotion()
        return 0
    command = [arg for arg in args.playbook if arg != "--"]
    interrupt(lab, args.cluster, args.state, command, args.log, open_attempt=args.attempt_open)
    if args.record:
        with open(args.record, "w", encoding="utf-8") as handle:
            json.dump({name: lab.journal(name) for name in lab.clusters}, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
