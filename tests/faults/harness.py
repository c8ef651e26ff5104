"""The fault suite's lab handle, playbook runner and the shared invariant check (docs/architecture.md section 2).

A :class:`FaultLab` is one lab (``python -m tests.lab up``) plus everything a fault test reads or pokes:
the simulator's and the clusters' ``/_lab`` endpoints, the journals in the host roots, the importer's
``config.yaml`` (for ``lab_fault``), the inventory. :meth:`FaultLab.run` starts a playbook in its own
process group (so a test can kill the controller mid-run); :func:`assert_invariants` checks the end state.
"""

import calendar
import contextlib
import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time

import requests
import urllib3
import yaml

from tests.lab.importer.mp_to_policy_importer import read_run_ledger

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")
BIN = os.path.dirname(sys.executable)
# The collection under test: this checkout, or (to see a test fail with a break planted in a copy, docs/architecture.md#change-safety-test)
# NCP_IT_COLLECTIONS_PATH=<dir holding ansible_collections/ncp/mp_to_policy>, as tests/integration/labtools.py reads it.
COLLECTIONS = os.environ.get("NCP_IT_COLLECTIONS_PATH") or os.path.join(REPO, "build", "collections")
PLAYBOOKS = os.path.join(COLLECTIONS, "ansible_collections", "ncp", "mp_to_policy", "playbooks")
# Lab tuning given to every run: the vendor's 10-minute quiesce is shortened with the explicit test flag.
LAB_VARS = {
    "ncp_quiesce_seconds": 1,
    "ncp_allow_short_quiesce": True,
    "ncp_poll_interval": 0.2,
    "ncp_backup_poll_interval": 1,
    "ncp_stop_timeout_seconds": 20,
    "ncp_start_timeout_seconds": 20,
    "ncp_import_timeout": 120,
    "ncp_backup_timeout": 30,
}
# One fault lab at a time on this machine, also across pytest-xdist workers (2 shared cores).
LAB_LOCK = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ncp-faults-lab.lock")
ISO = "%Y-%m-%dT%H:%M:%SZ"
KEEP_STOPPED_OUTCOMES = ("failed_keep_ncp_stopped", "error")
IMPORTED_OUTCOMES = ("imported", "already_imported")
NSX_KINDS = (
    "LogicalRouter",
    "LogicalRouterPort",
    "LogicalSwitch",
    "LogicalPort",
    "NSGroup",
    "Certificate",
    "LbVirtualServer",
    "LbPool",
    "MetadataProxy",
    "DhcpServer",
    "SwitchingProfile",
    "FirewallSection",
)
CREDENTIALS_FILE = "nsx-credentials.yaml"  # plugins/module_utils/_importer_config.py: removed after each importer run

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def epoch(text):
    """Epoch seconds of an ISO 8601 UTC time (``...Z``, optional fraction); None for None."""
    if not text:
        return None
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z?$", str(text))
    if not match:
        raise ValueError(f"not an ISO time: {text!r}")
    return calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")) + float(match.group(2) or 0)


def ini_value(text, section, key):
    """``key`` of ``[section]`` in an ncp.ini text (None when absent); last assignment wins."""
    current, value = None, None
    for line in (text or "").splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1].strip()
        elif current == section and not stripped.startswith(("#", ";")) and "=" in stripped:
            name, _sep, found = stripped.partition("=")
            if name.strip() == key:
                value = found.strip()
    return value


def is_true(value):
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def manifest_ini(text):
    """The ncp.ini embedded in the nsx-ncp-config ConfigMap of an NCP manifest (None when there is none)."""
    for document in yaml.safe_load_all(text):
        if isinstance(document, dict) and document.get("kind") == "ConfigMap" and document.get("metadata", {}).get("name") == "nsx-ncp-config":
            return (document.get("data") or {}).get("ncp.ini")
    return None


@contextlib.contextmanager
def lab_lock():
    with open(LAB_LOCK, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Run:
    """A running ``ansible-playbook`` (own process group); output in ``<out>/<name>.out``."""

    def __init__(self, command, cwd, env, log_path):
        self.command = command
        self.log_path = log_path
        self.started = time.monotonic()
        self._log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in wait()
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.rc = None
        self.duration = None

    def alive(self):
        return self.process.poll() is None

    def wait(self, timeout=600):
        try:
            self.rc = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the playbook did not end within {timeout} s; output: {self.log_path}") from None
        finally:
            self._log.close()
        self.duration = time.monotonic() - self.started
        return self

    def kill(self, sig=signal.SIGKILL):
        """Kill the controller: ansible-playbook and its workers (the importer runs in its own session and survives)."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        if not self._log.closed:
            self._log.close()
        self.rc = self.process.returncode
        self.duration = time.monotonic() - self.started

    def wait_until(self, predicate, timeout=300, interval=0.1):
        """Poll ``predicate()`` while the playbook runs; True once it holds, False if the run ended first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            if not self.alive():
                return bool(predicate())
            time.sleep(interval)
        raise AssertionError(f"condition not reached within {timeout} s; output: {self.log_path}")

    @property
    def output(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()


class FaultLab:
    """One started lab and the handles a fault test needs."""

    def __init__(self, out, scenario):
        self.out = str(out)
        self.scenario = scenario if os.path.isabs(scenario) else os.path.join(SCENARIOS, scenario)
        self.secrets = []
        self.runs = []
        self.nsx_ca = None
        self.info = None

    # ---- lifecycle -------------------------------------------------------------------------------------------
    def up(self):
        done = subprocess.run(
            [sys.executable, "-m", "tests.lab", "up", "--scenario", self.scenario, "--out", self.out],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if done.returncode != 0:
            self.down()
            raise AssertionError(f"lab up failed: {done.stderr or done.stdout}")
        with open(os.path.join(self.out, "lab.json"), encoding="utf-8") as handle:
            self.info = json.load(handle)
        self.nsx_ca = self.info["nsx"]["ca_file"]
        self.secrets = [self.info["nsx"]["password"]]
        deadline = time.monotonic() + 60
        for name in self.cluster_names:  # every NCP up and Ready in MP mode before the test begins
            while not (self.ncp_state(name)["mode"] == "mp" and self.ncp_state(name)["ready"]):
                if time.monotonic() > deadline:
                    self.down()
                    raise AssertionError(f"NCP of {name} did not become Ready in the lab")
                time.sleep(0.1)
        return self

    def down(self):
        for run in self.runs:
            if run.alive():
                run.kill()
        self.kill_importers()
        subprocess.run([sys.executable, "-m", "tests.lab", "down", "--out", self.out], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)

    def importer_pids(self):
        """Importer processes started from this lab's host roots (they outlive a killed controller)."""
        pids = []
        marker = os.path.join(self.out, "hosts").encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    cmdline = handle.read()
            except OSError:
                continue
            if marker in cmdline and b"mp_to_policy_importer.py" in cmdline:
                pids.append(int(entry))
        return pids

    def kill_importers(self):
        for pid in self.importer_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def wait_importers_gone(self, timeout=120):
        deadline = time.monotonic() + timeout
        while self.importer_pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not self.importer_pids(), "importer processes still run"

    # ---- topology --------------------------------------------------------------------------------------------
    @property
    def nsx(self):
        return self.info["nsx"]

    @property
    def cluster_names(self):
        return [c["name"] for c in self.info["clusters"]]

    def cluster(self, name):
        return next(c for c in self.info["clusters"] if c["name"] == name)

    def hosts(self, cluster):
        return self.cluster(cluster)["hosts"]

    def host(self, cluster, index=0):
        return self.hosts(cluster)[index]

    @property
    def inventory_path(self):
        return os.path.join(self.out, "inventory.yml")

    def inventory(self):
        with open(self.inventory_path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)

    def write_inventory(self, inventory, path=None):
        with open(path or self.inventory_path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(inventory, handle, sort_keys=False)

    def group(self, inventory, cluster):
        return inventory["all"]["children"]["ncp_clusters"]["children"]["cluster_" + re.sub(r"\W", "_", cluster)]

    # ---- NSX simulator ---------------------------------------------------------------------------------------
    def nsx_admin(self, method, path, body=None):
        answer = requests.request(method, self.nsx["url"] + path, json=body, verify=self.nsx_ca or False, timeout=30)
        answer.raise_for_status()
        data = answer.json()
        if isinstance(data, dict) and data.get("tls_ca_file"):
            self.nsx_ca = data["tls_ca_file"]  # the simulator's certificate was replaced (tls_certificate fault)
        return data

    def nsx_fault(self, **spec):
        return self.nsx_admin("POST", "/_lab/faults", spec)

    def nsx_state(self):
        return self.nsx_admin("GET", "/_lab/state")

    def promoted_objects(self, cluster, kinds=None):
        """MP objects of ``cluster`` (its ``ncp/cluster`` tag) that carry a policyPath tag (promoted to Policy)."""
        promoted = []
        for kind in kinds or NSX_KINDS:
            for obj in self.nsx_admin("GET", f"/_lab/objects/{kind}")["results"]:
                tags = {t.get("scope"): t.get("tag") for t in obj.get("tags") or []}
                if tags.get("ncp/cluster") == cluster and tags.get("policyPath"):
                    promoted.append(obj["id"])
        return promoted

    # ---- cluster side ----------------------------------------------------------------------------------------
    def kube_admin(self, cluster, method, path, body=None):
        info = self.cluster(cluster)
        ca = os.path.join(self.out, "clusters", cluster, "certs", "ca.pem")
        answer = requests.request(method, info["url"] + path, json=body, verify=ca if info["url"].startswith("https") else False, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def kube_faults(self, cluster, **faults):
        return self.kube_admin(cluster, "POST", "/_lab/faults", faults)

    def kubectl(self, cluster, *args):
        info = self.cluster(cluster)
        command = [os.path.join(BIN, "kubectl"), "--kubeconfig", info["kubeconfig"], "--cache-dir", os.path.join(self.out, "kube-cache", cluster), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, env={**os.environ, "HOME": self.out})
        if done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} on {cluster} failed: {done.stderr}")
        return done.stdout

    def configmap_ini(self, cluster):
        data = json.loads(self.kubectl(cluster, "get", "configmap", "nsx-ncp-config", "-n", "nsx-system", "-o", "json"))
        return (data.get("data") or {}).get("ncp.ini", "")

    def set_configmap_ini(self, cluster, text, manager="somebody-else"):
        return self.kube_admin(cluster, "POST", "/_lab/configmaps/nsx-system/nsx-ncp-config", {"data": {"ncp.ini": text}, "manager": manager})

    def ncp_state(self, cluster):
        """What NCP really does: ``{"mode": policy|mp|stopped|mixed, "ready": bool, "starts": [{at, policy}]}``."""
        info = self.cluster(cluster)
        if info["platform"] == "tkgi":
            return self._monit_state(cluster)
        report = self.kube_admin(cluster, "GET", "/_lab/ncp")
        pods = [p for p in report["pods"] if not p["terminating"]]
        modes = {p["policy_nsxapi"] for p in pods}
        mode = "stopped" if not pods else ("mixed" if len(modes) > 1 else ("policy" if modes == {True} else "mp"))
        starts = [{"at": epoch(s["started_at"]), "policy": bool(s["policy_nsxapi"])} for s in report["starts"]]
        return {"mode": mode, "ready": bool(pods) and all(p["ready"] for p in pods), "starts": starts, "pods": report["pods"]}

    def _monit_state(self, cluster):
        modes, starts, ready = set(), [], True
        for host in self.hosts(cluster):
            with open(host["monit_state"], encoding="utf-8") as handle:
                state = json.load(handle)
            host_starts = state.get("starts", [])
            starts += [{"at": epoch(s["started_at"]), "policy": bool(s["policy_nsxapi"])} for s in host_starts]
            if state.get("action") == "start":
                modes.add(bool(host_starts[-1]["policy_nsxapi"]) if host_starts else False)
            else:
                ready = False
        mode = "stopped" if not modes else ("mixed" if len(modes) > 1 else ("policy" if modes == {True} else "mp"))
        return {"mode": mode, "ready": ready and bool(modes), "starts": starts, "pods": []}

    def manifest_text(self, cluster):
        host = self.host(cluster)
        with open(host["manifest_path"], encoding="utf-8") as handle:
            return handle.read()

    # ---- master hosts ----------------------------------------------------------------------------------------
    def importer_config_path(self, cluster, index=0):
        return os.path.join(os.path.dirname(self.host(cluster, index)["importer_path"]), "config.yaml")

    def set_importer_fault(self, cluster, spec, index=0):
        """Arm the importer stand-in's ``lab_fault`` on one master (None disarms it)."""
        self.set_importer_config(cluster, index, lab_fault=spec)

    def set_importer_config(self, cluster, index=0, **keys):
        """Set keys of the importer's config.yaml on one master (a None value removes the key).

        Replaced atomically: an importer reading config.yaml mid-write would see an empty file and refuse (rc 2).
        Set them before the run: written while a run imports, they race the module's own read-merge-write of the file.
        """
        path = self.importer_config_path(cluster, index)
        with open(path, encoding="utf-8") as handle:
            config = yaml.safe_load(handle) or {}
        for key, value in keys.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
        with open(path + ".tmp", "w", encoding="utf-8") as handle:
            yaml.safe_dump(config, handle, sort_keys=False)
        os.chmod(path + ".tmp", os.stat(path).st_mode & 0o777)
        os.replace(path + ".tmp", path)

    def importer_runs(self):
        """Every importer run of the lab in start order, each with ``running_with`` (the runs it found running)."""
        return read_run_ledger(self.info["importer_runs"])

    def importer_log(self, cluster, index=0):
        """The importer stand-in's own log on one master (its every run, beside the script)."""
        path = os.path.join(os.path.dirname(self.host(cluster, index)["importer_path"]), "mp_to_policy_importer.log")
        if not os.path.exists(path):
            return ""
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def journal_files(self, cluster):
        found = []
        for host in self.hosts(cluster):
            path = os.path.join(host["state_dir"], cluster, "state.json")
            if os.path.exists(path):
                found.append((host["name"], path))
        return found

    def journal(self, cluster):
        """The cluster's journal (from whichever master holds it), or None."""
        files = self.journal_files(cluster)
        if not files:
            return None
        for _attempt in range(5):  # written atomically; retry a read that raced a replace
            try:
                with open(files[0][1], encoding="utf-8") as handle:
                    return json.load(handle)
            except (OSError, ValueError):
                time.sleep(0.05)
        return None

    def journals(self):
        return {name: self.journal(name) for name in self.cluster_names}

    def state_reached(self, cluster, state):
        return lambda: state in ((self.journal(cluster) or {}).get("states") or {})

    def attempt_open(self, cluster, scope=None):
        def predicate():
            return any(a.get("ended_at") is None and scope in (None, a.get("scope")) for a in (self.journal(cluster) or {}).get("attempts", []))

        return predicate

    def import_order_watch(self, run, position, timeout=400):
        """Wait until the ``position``-th cluster (0-based, in the order the run imports them) opens its first
        importer attempt; return its name. (The run's import order is not the inventory order: see docs.)"""
        seen = []

        def reached():
            for name, journal in self.journals().items():
                if journal and journal.get("attempts") and name not in seen:
                    seen.append(name)
            return len(seen) > position

        assert run.wait_until(reached, timeout=timeout), f"the run imported only {seen}; output: {run.log_path}"
        return seen[position]

    # ---- runs ------------------------------------------------------------------------------------------------
    def report_dir(self, name="report"):
        return os.path.join(self.out, name)

    def report(self, name="report"):
        path = os.path.join(self.report_dir(name), "migration-report.json")
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    def start(self, playbook="migrate_all.yml", extra=None, inventory=None, report="report", name=None, env=None, args=()):
        variables = dict(LAB_VARS, ncp_report_dir=self.report_dir(report))
        variables.update(extra or {})
        name = name or f"run-{len(self.runs) + 1}"
        command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory or self.inventory_path, os.path.join(PLAYBOOKS, playbook)]
        command += ["-e", json.dumps(variables), *args]
        environment = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_HOST_KEY_CHECKING="False",
            ANSIBLE_RETRY_FILES_ENABLED="False",
            ANSIBLE_LOCAL_TEMP=os.path.join(self.out, "ansible-tmp"),
            ANSIBLE_REMOTE_TEMP=os.path.join(self.out, "ansible-remote-tmp"),
        )
        environment.update(env or {})
        run = Run(command, self.out, environment, os.path.join(self.out, f"{name}.out"))
        self.runs.append(run)
        return run

    def run(self, playbook="migrate_all.yml", timeout=600, **options):
        return self.start(playbook, **options).wait(timeout)


# ---- the invariants --------------------------------------------------------------------------------------------
def describe_run(run):
    return f"{run['cluster']} {'+'.join(run['scopes'])} on {run['host']} (pid {run['pid']})"


def _cluster_import_ok(journal):
    """Invariant 4's precondition: a cluster import ended rc 0 and the Policy switch was journaled."""
    states = (journal or {}).get("states") or {}
    if "cluster_imported" not in states or "policy_configured" not in states:
        return False
    attempts = journal.get("attempts", [])
    return any(a.get("scope") == "cluster" and not a.get("rollback") and a.get("rc") == 0 and a.get("outcome") == "imported" for a in attempts)


def files_under(root):
    for directory, _dirs, names in os.walk(root):
        for name in names:
            yield os.path.join(directory, name)


def check_invariants(lab, report, run=None, *, strategy="all_clusters", expect_result=None, allow_ncp_down=(), secrets=()):
    """Every violated invariant as a sentence (empty list: all hold). See :func:`assert_invariants`."""
    problems = []
    journals = lab.journals()
    ncp = {name: lab.ncp_state(name) for name in lab.cluster_names}
    inis = {name: lab.configmap_ini(name) for name in lab.cluster_names if lab.cluster(name)["platform"] == "kubernetes"}
    manifests = {name: manifest_ini(lab.manifest_text(name)) for name in lab.cluster_names if lab.cluster(name)["platform"] == "kubernetes"}

    # The report exists, has the contract's shape, and its result matches the run and the lab.
    if report is None:
        problems.append("no migration-report.json was written")
    else:
        if report.get("result") not in ("success", "failed", "interrupted"):
            problems.append(f"report result {report.get('result')!r} is not success|failed|interrupted")
        if run is not None and run.rc is not None and (run.rc == 0) != (report.get("result") == "success"):
            problems.append(f"playbook rc {run.rc} but report result {report.get('result')!r}")
        if expect_result and report.get("result") not in ((expect_result,) if isinstance(expect_result, str) else expect_result):
            problems.append(f"report result {report.get('result')!r}, expected {expect_result}")
        by_name = {c["name"]: c for c in report.get("clusters", [])}
        for name in lab.cluster_names:
            entry = by_name.get(name)
            if entry is None:
                continue  # a cluster out of the run's scope (e.g. renamed by a bad-input test)
            real = ncp[name]["mode"]
            said = entry.get("ncp_mode")
            if said != real and not (said == "stopped" and real in ("policy", "mp") and not ncp[name]["ready"]):
                problems.append(f"{name}: the report says NCP is {said!r}, the lab shows {real!r}")
            if entry.get("outcome") not in IMPORTED_OUTCOMES and report.get("result") != "success":
                if not any(name in step for step in report.get("next_steps", [])) and entry.get("outcome") != "not_attempted":
                    problems.append(f"{name}: outcome {entry.get('outcome')} but no next step names the cluster")

    for name in lab.cluster_names:
        journal = journals[name]
        states = (journal or {}).get("states") or {}
        attempts = (journal or {}).get("attempts") or []
        policy_starts = [s for s in ncp[name]["starts"] if s["policy"]]
        # Invariant 4: Policy mode only after a journaled rc-0 cluster import and policy_configured.
        if (policy_starts or ncp[name]["mode"] in ("policy", "mixed")) and not _cluster_import_ok(journal):
            problems.append(f"{name}: NCP started in Policy mode without a journaled rc-0 cluster import and policy_configured")
        if policy_starts and "policy_configured" in states:
            early = [s for s in policy_starts if s["at"] + 1 < epoch(states["policy_configured"]["at"])]
            if early:
                problems.append(f"{name}: NCP started in Policy mode before policy_configured was journaled")
        for where, text in (("live ConfigMap", inis.get(name)), ("NCP YAML file", manifests.get(name))):
            if text is not None and is_true(ini_value(text, "nsx_v3", "policy_nsxapi")) and not _cluster_import_ok(journal):
                problems.append(f"{name}: policy_nsxapi = True in the {where} without a journaled rc-0 cluster import")
        # Invariant 5: no NCP start after rc 1 (or an unfinished import) unless a later import succeeded.
        for index, attempt in enumerate(attempts):
            if attempt.get("outcome") in KEEP_STOPPED_OUTCOMES or attempt.get("ended_at") is None:
                later_ok = any(a.get("outcome") == "imported" and a.get("scope") == "cluster" for a in attempts[index + 1 :])
                began = epoch(attempt["started_at"])
                started = [s for s in ncp[name]["starts"] if s["at"] >= began]
                if not later_ok and started:
                    what = f"importer attempt {attempt['attempt']} ended {attempt.get('outcome')} (rc {attempt.get('rc')})"
                    problems.append(f"{name}: NCP was started after {what}")
                if not later_ok and ncp[name]["mode"] != "stopped":
                    problems.append(f"{name}: NCP runs ({ncp[name]['mode']}) after importer attempt {attempt['attempt']} ended {attempt.get('outcome')}")
        # Invariant 6: after rc 2 the cluster stays policy_nsxapi = False and NCP runs in MP mode.
        last = attempts[-1] if attempts else None
        if last and last.get("outcome") == "failed_restart_ncp_mp" and "cluster_imported" not in states:
            if lab.cluster(name)["platform"] == "kubernetes":
                for where, text in (("live ConfigMap", inis.get(name)), ("NCP YAML file", manifests.get(name))):
                    if is_true(ini_value(text or "", "nsx_v3", "policy_nsxapi")):
                        problems.append(f"{name}: rc 2 but policy_nsxapi = True in the {where}")
            if ncp[name]["mode"] != "mp" and name not in allow_ncp_down:
                problems.append(f"{name}: rc 2 but NCP is {ncp[name]['mode']}, not running in MP mode")
            if lab.promoted_objects(name):
                problems.append(f"{name}: rc 2 (rolled back) but MP objects still carry a policyPath tag")
        # Invariant 7: every attempt ran on the journal's owner, and only one master has a journal.
        if len(lab.journal_files(name)) > 1:
            problems.append(f"{name}: journals on more than one master: {lab.journal_files(name)}")
        for attempt in attempts:
            if journal and attempt.get("host") != journal.get("owner_host"):
                problems.append(f"{name}: attempt {attempt['attempt']} ran on {attempt.get('host')}, the journal belongs to {journal.get('owner_host')}")

    # Invariant 2 (strategy 1): an import only after every cluster's stop, the quiesce and a backup after the last stop.
    all_attempts = [(name, a) for name, j in journals.items() for a in (j or {}).get("attempts", []) if not a.get("rollback")]
    if strategy == "all_clusters":
        run_clusters = [n for n in lab.cluster_names if (report is None or n in {c["name"] for c in report.get("clusters", [])})]
        for name, attempt in all_attempts:
            began = epoch(attempt["started_at"])
            stops = {n: epoch((((journals[n] or {}).get("states") or {}).get("ncp_stopped") or {}).get("at")) for n in run_clusters}
            missing = [n for n, at in stops.items() if at is None or at > began]
            if missing:
                problems.append(f"{name}: importer attempt {attempt['attempt']} started before NCP was stopped on {', '.join(missing)}")
                continue
            states = journals[name]["states"]
            if "quiesced" not in states:
                problems.append(f"{name}: importer attempt {attempt['attempt']} without a journaled quiesce")
            backed = epoch((states.get("backed_up") or {}).get("at"))
            if backed is None or backed > began or backed < max(stops.values()):
                problems.append(f"{name}: importer attempt {attempt['attempt']} without an NSX backup taken after the last stop")
            for other in run_clusters:
                for start in ncp[other]["starts"]:
                    if max(stops.values()) + 1 < start["at"] < began:
                        problems.append(f"{name}: importer attempt {attempt['attempt']} while NCP of {other} had been started again")
        if all_attempts and not lab.nsx_state()["backups"]["history"]:
            problems.append("imports ran but NSX has no backup in its history")

        # Invariant 5, strategy 1: after rc 1 or an import of unknown result (error, or never ended) every cluster of the
        # run stays stopped - no NCP start anywhere after that attempt began, unless that cluster's import succeeded later
        # (ncp_after_rc1=restart_others is not the default).
        for name, attempt in all_attempts:
            later = [a for a in journals[name].get("attempts", []) if a.get("attempt", 0) > attempt.get("attempt", 0)]
            held = attempt.get("outcome") in KEEP_STOPPED_OUTCOMES or attempt.get("ended_at") is None
            if not held or any(a.get("outcome") == "imported" and a.get("scope") == "cluster" for a in later):
                continue
            began = epoch(attempt["started_at"])
            for other in run_clusters:
                if any(start["at"] >= began for start in ncp[other]["starts"]) or ncp[other]["mode"] != "stopped":
                    mode = ncp[other]["mode"]
                    what = f"ended {attempt.get('outcome')} (rc {attempt.get('rc')})"
                    problems.append(f"{other}: NCP was started (or runs: {mode}) after {name}'s import {what} (strategy 1 keeps every cluster down)")

    # Invariant 3: one import at a time - no importer run started while another one ran (the lab's run ledger; the
    # journal's whole-second times cannot tell). An importer run that imported is always in the ledger.
    runs = lab.importer_runs()
    for entry in runs:
        if entry["running_with"]:
            problems.append(f"imports overlap: {describe_run(entry)} started while {', '.join(map(describe_run, entry['running_with']))} ran")
    imported = [a for j in journals.values() for a in (j or {}).get("attempts", []) if a.get("outcome") == "imported"]
    if len(runs) < len(imported):
        problems.append(f"{len(imported)} importer runs imported but the lab's run ledger holds {len(runs)}: invariant 3 was not checked")

    # Invariant 8: no secret in the playbook output, the report, journals, logs or records.
    needles = [s for s in list(lab.secrets) + list(secrets) if s]
    places = [(r.log_path, None) for r in lab.runs]
    for directory in os.listdir(lab.out):
        if directory.startswith("report"):
            places += [(p, None) for p in files_under(os.path.join(lab.out, directory))]
    for name in lab.cluster_names:
        for host in lab.hosts(name):
            for path in files_under(host["state_dir"]):
                # ncp.ini kept before the run (recover.yml after_restore) may hold NCP's NSX credentials, as the file it
                # copies does: like the importer's credentials file it must be 0600 (journal.ORIGINALS_FILE).
                places.append((path, "credentials" if os.path.basename(path) in (CREDENTIALS_FILE, "originals.json") else None))
            importer_dir = os.path.dirname(host["importer_path"])
            places += [(p, None) for p in files_under(importer_dir) if p.endswith(".log") or "/records/" in p or os.path.basename(p).startswith("policy-ids")]
    for path, kind in places:
        if kind == "credentials":
            mode = os.stat(path).st_mode & 0o777
            if mode != 0o600:
                problems.append(f"credentials file {path} has mode {oct(mode)}")
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        for secret in needles:
            if secret in text:
                problems.append(f"a secret appears in {path}")
    return problems


def assert_invariants(lab, report, run=None, **options):
    """Assert the safety invariants of docs/architecture.md section 3 on the lab's end state after a fault.

    - no cluster in Policy mode (pods / ConfigMap / NCP YAML) without a journaled rc-0 cluster import and policy_configured;
    - no NCP start after rc 1 or an unfinished import; rc-2 clusters keep policy_nsxapi False and run NCP in MP mode;
    - strategy 1: no import before every stop, the quiesce and a backup after the last stop; imports never overlap;
    - re-runs on the same master; the password appears in no output, report, journal, log or record;
    - the report exists, its result matches the playbook's rc (and ``expect_result``) and the NCP mode the lab shows.
    """
    problems = check_invariants(lab, report, run, **options)
    assert not problems, "safety invariants violated:\n- " + "\n- ".join(problems) + (f"\noutput: {run.log_path}" if run else "")
