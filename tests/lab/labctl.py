"""``python -m tests.lab up|down``: start a whole lab (NSX simulator, one Kubernetes API per cluster, master
host roots) as background processes, write DIR/inventory.yml and DIR/lab.json; stop everything again."""

import base64
import json
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

import yaml

from . import tkgi_lab
from .hosts.layout import build_host
from .hosts.manifest import render_manifest, render_tkgi_manifest
from .hosts.netns import LAB_SUBNET, NetnsHosts, can_make_namespaces, close_recorded, ensure_packages
from .importer.harness import cluster_namespaces
from .nsxsim.inventory import EDGE_CLUSTER_ID
from .nsxsim.settings import DEFAULT_PASSWORD, DEFAULT_USERNAME

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class LabError(Exception):
    """An expected failure: printed as one line, no traceback."""


# ---- processes ------------------------------------------------------------------------------------------
def spawn(name, args, out_dir, marker, env=None):
    """Start ``python -m ARGS`` in its own session; wait for the ``marker`` line; returns (pid, url)."""
    logs = os.path.join(out_dir, "logs")
    os.makedirs(logs, exist_ok=True)
    stdout_path = os.path.join(logs, f"{name}.out")
    with open(stdout_path, "w", encoding="utf-8") as stdout, open(os.path.join(logs, f"{name}.err"), "w", encoding="utf-8") as stderr:
        process = subprocess.Popen(  # noqa: S603 - our own lab programs
            [sys.executable, "-m", *args],
            cwd=REPO,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        with open(stdout_path, encoding="utf-8") as handle:
            for line in handle:
                if marker in line:
                    return process.pid, line.split(marker, 1)[1].strip()
        if process.poll() is not None:
            raise LabError(f"{name} exited with {process.returncode}; see {os.path.join(logs, name + '.err')}")
        time.sleep(0.05)
    stop_pid(process.pid)
    raise LabError(f"{name} did not start within {START_TIMEOUT:.0f} s")


def _is_lab_process(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"tests.lab" in handle.read()
    except OSError:
        return False


def stop_pid(pid):
    """SIGTERM the process group we started (pgid == pid), then SIGKILL what is left."""
    if not _is_lab_process(pid):
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and _is_lab_process(pid):
        _reap(pid)
        time.sleep(0.05)
    if _is_lab_process(pid):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _reap(pid)


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


# ---- NSX side -------------------------------------------------------------------------------------------
def nsx_lab_get(url, path, ca_file, method="GET", body=None, auth=None):
    context = ssl.create_default_context(cafile=ca_file) if url.startswith("https") else None
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode())
    with urllib.request.urlopen(request, timeout=30, context=context) as answer:
        return json.loads(answer.read())


def shared_names(nsx_url, ca_file, generated, by_id=False):
    """ncp.ini names of the shared resources (display names, or MP IDs with ``by_id``), and the user-spec.yaml
    that selects them (by display name), from the simulator."""
    shared = generated.get("shared") or {}

    def name(object_id):
        return nsx_lab_get(nsx_url, f"/_lab/object/{object_id}", ca_file)["object"]["display_name"]

    if by_id == "mixed":
        # Every resource option of vendor-facts 3.3, by name and by MP UUID in turn (issue 26), and the user spec
        # that imports each (by display name).
        ini, user_spec = shared_names(nsx_url, ca_file, generated)
        blocks, pools = shared.get("ip_blocks", []), shared.get("ip_pools", [])
        ini.update(
            top_tier_router=shared["tier0"],
            tier0_router=ini["top_tier_router"],
            container_ip_blocks="%s,%s" % (ini["container_ip_blocks"], blocks[1]),
            no_snat_ip_blocks=blocks[1],
            external_ip_pools=pools[0],
            overlay_tz="overlay-tz",
            edge_cluster=EDGE_CLUSTER_ID,
            lb_service=shared["lb_service"],
            lb_vs_ip_set=name(shared["ip_set"]),
            client_ssl_profile=shared["client_ssl_profile"],
        )
        user_spec["shared_resources"].update(
            LB_SERVICE=[name(shared["lb_service"])], IP_SET=[name(shared["ip_set"])], LB_CLIENT_SSL_PROFILE=[name(shared["client_ssl_profile"])]
        )
        return ini, user_spec
    if by_id:
        ini, user_spec = shared_names(nsx_url, ca_file, generated)
        ids = {name(object_id): object_id for key in ("ip_blocks", "ip_pools") for object_id in shared.get(key, [])}
        if shared.get("tier0"):
            ids[name(shared["tier0"])] = shared["tier0"]
        for option in ("top_tier_router", "container_ip_blocks", "external_ip_pools", "external_ip_pools_lb"):
            ini[option] = ids.get(ini[option], ini[option])
        return ini, user_spec

    blocks = [name(i) for i in shared.get("ip_blocks", [])]
    pools = [name(i) for i in shared.get("ip_pools", [])]
    tier0 = name(shared["tier0"]) if shared.get("tier0") else "t0-shared"
    markers = generated.get("markers") or {}
    ini = {
        "top_tier_router": tier0,
        "container_ip_blocks": next((b for b in blocks if "pod" in b), blocks[0] if blocks else "pods-ip-block"),
        "external_ip_pools": next((p for p in pools if "lb" not in p), pools[0] if pools else "floating-ip-pool"),
        "external_ip_pools_lb": next((p for p in pools if "lb" in p), pools[-1] if pools else "lb-ip-pool"),
        "top_firewall_section_marker": markers.get("top", ""),
        "bottom_firewall_section_marker": markers.get("bottom", ""),
    }
    return ini, {"shared_resources": {"TIER0": [tier0], "IP_BLOCK": blocks, "IP_POOL": pools}}


# ---- up / down ------------------------------------------------------------------------------------------
def load_scenario(path):
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LabError(f"cannot read scenario {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise LabError(f"scenario {path} must be a mapping")
    return data


def start_nsx(scenario, scenario_dir, out, lab):
    nsx = scenario.get("nsx") or {}
    username, password = nsx.get("username", DEFAULT_USERNAME), nsx.get("password", DEFAULT_PASSWORD)
    args = ["tests.lab.nsxsim", "--port", str(nsx.get("port", 0)), "--username", username, "--password", password]
    certdir = os.path.join(out, "nsx", "certs")
    if nsx.get("tls", True):
        args += ["--tls", "--certdir", certdir]
    if nsx.get("scenario"):
        args += ["--scenario", os.path.join(scenario_dir, nsx["scenario"])]
    if nsx.get("generate"):
        args += ["--generate", str(nsx["generate"])]
    pid, url = spawn("nsxsim", args, out, "NSX simulator listening on ")
    ca_file = os.path.join(certdir, "ca.pem") if nsx.get("tls", True) else None
    if nsx.get("settings"):
        nsx_lab_get(url, "/_lab/settings", ca_file, "PATCH", nsx["settings"])
    lab["nsx"] = {"pid": pid, "url": url, "username": username, "password": password, "ca_file": ca_file}
    return lab["nsx"]


def start_cluster(spec, out, nsx, shared_ini, namespaces, kube):
    name, platform = spec["name"], spec.get("platform", "kubernetes")
    cluster_dir = os.path.join(out, "clusters", name)
    os.makedirs(cluster_dir, exist_ok=True)
    host_port = nsx["url"].split("://", 1)[-1]
    text = render_manifest(name, host_port, shared_ini, spec.get("replicas", 1)) if platform == "kubernetes" else render_tkgi_manifest(name)
    manifest = os.path.join(cluster_dir, "deployed-manifest.yaml")
    with open(manifest, "w", encoding="utf-8") as handle:
        handle.write(text)
    args = ["tests.lab.kubeapi", "--port", "0", "--state", os.path.join(cluster_dir, "state.json"), "--cluster", name, "--manifest", manifest]
    args += ["--kubeconfig", os.path.join(cluster_dir, "kubeconfig"), "--masters", str(spec.get("masters", 1))]
    args += [arg for ns in namespaces for arg in ("--namespace", ns)]
    if kube.get("tls", True):
        args += ["--tls", "--certdir", os.path.join(cluster_dir, "certs")]
    if kube.get("pod_termination_delay") is not None:
        args += ["--termination-delay", str(kube["pod_termination_delay"])]
    pid, url = spawn(f"kubeapi-{name}", args, out, " listening on ", env={"LAB_KUBE_TOKEN": secrets.token_hex(16)})
    return {"name": name, "platform": platform, "pid": pid, "url": url, "kubeconfig": os.path.join(cluster_dir, "kubeconfig"), "admin": f"{url}/_lab/ncp"}


def up(scenario_path, out, ssh=False):
    """Start a lab in ``out``. ``ssh``: every master is a real SSH host in its own network namespace
    (tests/lab/hosts/netns.py), reached by the inventory over SSH, with neither the NSX password nor the
    controller's CA on it: the run brings them (the NSX password from the controller's environment)."""
    out = os.path.abspath(out)
    lab_file = os.path.join(out, "lab.json")
    if os.path.exists(lab_file):
        with open(lab_file, encoding="utf-8") as handle:
            previous = json.load(handle)
        if any(_is_lab_process(pid) for pid in all_pids(previous)):
            raise LabError(f"a lab is already running from {out}: run `python -m tests.lab down --out {out}` first")
    scenario = load_scenario(scenario_path)
    if ssh:
        reason = ensure_packages() or can_make_namespaces()
        if reason:
            raise LabError(f"--ssh needs real SSH hosts: {reason}")
    os.makedirs(out, exist_ok=True)
    # Every importer run of the lab notes there which others were running (invariant 3's oracle).
    lab = {"scenario": os.path.abspath(scenario_path), "out": out, "clusters": [], "importer_runs": os.path.join(out, "importer-runs")}
    try:
        nsx = start_nsx(scenario, os.path.dirname(os.path.abspath(scenario_path)), out, lab)
        state = nsx_lab_get(nsx["url"], "/_lab/state", nsx["ca_file"])
        generated = state.get("generated") or {}
        naming = (scenario.get("nsx") or {}).get("ncp_ini_shared_resources")
        by_id = "mixed" if naming == "mixed" else naming == "mp_id"
        shared_ini, user_spec = shared_names(nsx["url"], nsx["ca_file"], generated, by_id)
        specs = scenario.get("clusters") or [{"name": c["name"]} for c in generated.get("clusters", [])]
        objects_of = _objects_reader(nsx)
        tkgi_api = write_tkgi_api(out, nsx) if ssh else None
        for spec in specs:
            cluster = start_cluster(spec, out, nsx, shared_ini, cluster_namespaces(objects_of, spec["name"]), scenario.get("kube") or {})
            cluster["hosts"] = []
            for index in range(int(spec.get("masters", 1))):
                host = f"{spec['name']}-master-{index}"
                root = os.path.join(out, "hosts", host)
                paths = build_host(
                    root,
                    spec["name"],
                    cluster["platform"],
                    cluster["kubeconfig"],
                    nsx,
                    shared_ini,
                    user_spec,
                    nsx_secrets=not ssh,
                    tkgi_api=tkgi_api,
                    run_ledger=lab["importer_runs"],
                )
                cluster["hosts"].append({"name": host, **paths})
            lab["clusters"].append(cluster)
        if "tkgi" in scenario or any(c["platform"] == "tkgi" for c in lab["clusters"]):
            start_tkgi(scenario["tkgi"] if "tkgi" in scenario else {}, out, lab, nsx, generated, shared_ini, user_spec, scenario.get("kube") or {}, ssh)
        if ssh:
            lab["ssh"] = start_ssh_hosts(lab)
        if (scenario.get("tkgi") or {}).get("prepared"):
            tkgi_lab.prepare(lab, lambda path: nsx_lab_get(nsx["url"], path, nsx["ca_file"], auth=(nsx["username"], nsx["password"])))
    except (LabError, OSError, ValueError, KeyError, RuntimeError, subprocess.SubprocessError) as exc:
        write_json(lab_file, lab)
        down(out, quiet=True)
        raise LabError(f"lab did not start: {exc}") from exc
    write_json(lab_file, lab)
    write_inventory(os.path.join(out, "inventory.yml"), lab)
    return lab


def start_tkgi(spec, out, lab, nsx, generated, shared_ini, user_spec, kube, ssh):
    """TKGI's control plane on the controller (tests/lab/tkgi_lab.py); a test cluster the scenario does not list runs as
    a TKGI-API-only cluster: one master root and a Kubernetes API, outside the inventory."""
    unknown = set(spec) - {"test_cluster", "prepared"} if isinstance(spec, dict) else None
    if unknown is None or unknown or not isinstance(spec.get("prepared", False), bool):
        raise LabError(f"scenario key tkgi must be {{test_cluster: NAME, prepared: true|false}}, not {spec!r}")
    if spec.get("prepared") and not spec.get("test_cluster"):
        raise LabError("scenario key tkgi: prepared needs test_cluster (the cluster whose promotion migrates the shared objects)")
    name = spec.get("test_cluster")
    roots = {c["name"]: [h["root"] for h in c["hosts"]] for c in lab["clusters"] if c["platform"] == "tkgi"}
    pids = []
    if name and name not in roots:
        cluster = start_cluster({"name": name, "platform": "tkgi", "masters": 1}, out, nsx, shared_ini, [], kube)
        pids.append(cluster["pid"])
        root = os.path.join(out, "hosts", f"{name}-master-0")
        build_host(root, name, "tkgi", cluster["kubeconfig"], nsx, shared_ini, user_spec, nsx_secrets=True, run_ledger=lab["importer_runs"])
        roots[name] = [root]
    nsx_host = nsx["url"].split("://", 1)[-1]
    lab["tkgi"] = {"test_cluster": name, "pids": pids, "bin": tkgi_lab.install(out), "api_dir": tkgi_lab.write_api(out, roots)}
    lab["tkgi"]["auth"] = tkgi_lab.write_opsman(out, nsx_host, generated)


def write_tkgi_api(out, nsx):
    """The TKGI API VM's NSX credentials and CA (an SSH lab): ``tkgi promote-cluster-to-policy`` uses TKGI's own
    NSX credentials, never the migration run's, so they live outside every master's root (DIR/tkgi-api/)."""
    directory = os.path.join(out, "tkgi-api")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    credentials = os.path.join(directory, "nsx-credentials.yaml")
    fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"nsx_username": nsx["username"], "nsx_password": nsx["password"]}, handle)
    ca_file = None
    if nsx.get("ca_file"):
        ca_file = os.path.join(directory, "ca.pem")
        shutil.copyfile(nsx["ca_file"], ca_file)
    return {"credentials_file": credentials, "ca_file": ca_file}


def start_ssh_hosts(lab):
    """One network namespace + sshd per master; the NSX simulator's files (its CA and key) hidden from them."""
    ports = [lab["nsx"]["url"].rsplit(":", 1)[1]] + [c["url"].rsplit(":", 1)[1] for c in lab["clusters"]]
    names = [h["name"] for c in lab["clusters"] for h in c["hosts"]]
    hosts = NetnsHosts(os.path.join(lab["out"], "ssh"), names, ports, subnet=LAB_SUBNET, prefix="l", hidden=[os.path.join(lab["out"], "nsx")])
    hosts.start()
    return {**hosts.record(), "inventory_vars": {name: hosts.inventory_vars(name) for name in names}}


def _objects_reader(nsx):
    """``objects_of(kind)``: every stored MP object of a kind, from the simulator's lab endpoint."""

    def objects_of(kind):
        answer = nsx_lab_get(nsx["url"], f"/_lab/objects/{kind}", nsx["ca_file"])
        return answer.get("results", answer) if isinstance(answer, dict) else answer

    return objects_of


def all_pids(lab):
    pids = [lab["nsx"]["pid"]] if lab.get("nsx", {}).get("pid") else []
    return pids + [c["pid"] for c in lab.get("clusters", []) if c.get("pid")] + list((lab.get("tkgi") or {}).get("pids") or [])


def down(out, quiet=False):
    lab_file = os.path.join(os.path.abspath(out), "lab.json")
    if not os.path.exists(lab_file):
        if quiet:
            return []
        raise LabError(f"no lab.json in {out}: nothing to stop")
    with open(lab_file, encoding="utf-8") as handle:
        lab = json.load(handle)
    stopped = []
    if lab.get("ssh") and not lab.get("stopped"):
        close_recorded(lab["ssh"])
    for pid in all_pids(lab):
        if _is_lab_process(pid):
            stop_pid(pid)
            stopped.append(pid)
    lab["stopped"] = True
    write_json(lab_file, lab)
    return stopped


def write_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
    os.replace(path + ".tmp", path)


def group_name(cluster):
    """Ansible group names must be identifiers."""
    return "cluster_" + "".join(c if c.isalnum() else "_" for c in cluster)


def write_inventory(path, lab):
    """The inventory model of docs/inventory.md: one child group of ``ncp_clusters`` per cluster."""
    nsx = lab["nsx"]
    groups = {}
    for cluster in lab["clusters"]:
        hosts = {}
        for host in cluster["hosts"]:
            host_vars = {
                "ncp_host_root": host["root"],
                # The host's own bin/ (monit, tkgi stand-ins) first, like a master's PATH.
                "ncp_environment": {"PATH": f"{host['bin']}:{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin"},
                "ncp_importer_path": host["importer_path"],
                "ncp_state_dir": host["state_dir"],
                # Ansible's temporary files on the master (module tmpdirs) stay under its root.
                **(
                    {"ansible_remote_tmp": os.path.join(host["root"], "tmp", "ansible"), **lab["ssh"]["inventory_vars"][host["name"]]} if lab.get("ssh") else {}
                ),
            }
            if cluster["platform"] == "tkgi":
                # BOSH renders ncp.ini on each master; there is no NCP YAML file to keep in step.
                host_vars.update(
                    ncp_monit=host["monit"], ncp_tkgi=host["tkgi"], ncp_ini_path=host["ncp_ini"], ncp_tkgi_migration_log=host["tkgi_migration_log"]
                )
            else:
                host_vars["ncp_manifest_path"] = host["manifest_path"]
            hosts[host["name"]] = host_vars
        groups[group_name(cluster["name"])] = {
            "hosts": hosts,
            "vars": {
                "ncp_cluster_name": cluster["name"],
                "ncp_platform": cluster["platform"],
                "ncp_kubeconfig": cluster["kubeconfig"],
                "ncp_kubectl": cluster["hosts"][0]["kubectl"],
                # The nsx-ncp image tag tells NCP's version; a TKGI master has no such Deployment.
                **({"ncp_version": "4.1.2"} if cluster["platform"] == "tkgi" else {}),
            },
        }
    ssh = bool(lab.get("ssh"))
    inventory = {
        "all": {
            "vars": {
                "ansible_python_interpreter": sys.executable,
                "nsx_manager": nsx["url"].split("://", 1)[-1],
                "nsx_username": nsx["username"],
                # An SSH lab keeps the password out of the inventory, like AWX: NSX_PASSWORD in the controller's environment.
                **({} if ssh else {"nsx_password": nsx["password"]}),
                "nsx_validate_certs": bool(nsx["ca_file"]),
                "nsx_ca_path": nsx["ca_file"],
                "ncp_lab_dir": lab["out"],
                **(tkgi_lab.inventory_vars(lab) if lab.get("tkgi") else {}),
            },
            "hosts": {"localhost": {"ansible_connection": "local"}},
            "children": {"ncp_clusters": {"children": groups, **({} if ssh else {"vars": {"ansible_connection": "local"}})}},
        }
    }
    how = "over SSH; the NSX password is not here: export NSX_PASSWORD (see lab.json)" if ssh else "local connection"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"# Written by `python -m tests.lab up`: the lab's clusters and master hosts ({how}).\n")
        yaml.safe_dump(inventory, handle, sort_keys=False)


def describe(lab):
    lines = [f"NSX Manager simulator: {lab['nsx']['url']} (user {lab['nsx']['username']}, CA {lab['nsx']['ca_file']})"]
    for cluster in lab["clusters"]:
        lines.append(f"cluster {cluster['name']} ({cluster['platform']}): Kubernetes API {cluster['url']}, kubeconfig {cluster['kubeconfig']}")
        ssh = (lab.get("ssh") or {}).get("hosts", {})
        lines += [
            f"  master host {h['name']}: root {h['root']}" + (f", ssh root@{ssh[h['name']]['address']}" if h["name"] in ssh else "") for h in cluster["hosts"]
        ]
    lines.append(f"inventory: {os.path.join(lab['out'], 'inventory.yml')}")
    if lab.get("ssh"):
        lines.append(f"masters over SSH (key {lab['ssh']['key']}): the inventory has no NSX password; run playbooks with NSX_PASSWORD set")
    return "\n".join(lines)
