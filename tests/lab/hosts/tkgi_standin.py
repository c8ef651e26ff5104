#!/usr/bin/env python
"""Lab stand-in for ``tkgi promote-cluster-to-policy CLUSTER [--wait] [--json] [--non-interactive]`` and ``tkgi cluster CLUSTER [--json]``.

The promotion runs the importer of this host (HOST_ROOT/opt/ncp/mp_to_policy_import/) for the shared resources
and the cluster. As TKGI documents (vendor-facts 1.3, 6.2), the importer's 0 / 1 / 2 is read from the migration log on
the control-plane VM, not from the CLI: the importer's output goes to MIGRATION_LOG (this host's
var/vcap/sys/log/ncp/mp_to_policy_importer.log), ending with the line ``MP to Policy migration finished, exit code N``
(path and wording UNCONFIRMED: the lab's choice, nsx_mp_import's defaults). The CLI's own exit code is something else:
0 when the promotion task succeeded, 1 when it failed (lab choice, UNCONFIRMED), whatever the importer's code was.
Without --wait it runs in the background and ``tkgi cluster CLUSTER`` shows the last action's state. Lab choices (real
behaviour UNCONFIRMED): declining the confirmation prompt exits 2 without changes; an unknown cluster exits 2. A host
whose ``var/vcap/tkgi/logged-out`` exists stands for a tkgi CLI that is not logged in: every command fails with exit 1
(message wording UNCONFIRMED).

Lab faults, per host, in ``var/vcap/tkgi/lab-fault.json`` (tests): ``cli_rc`` - the CLI's exit code whatever the
promotion did; ``migration_log`` - ``missing`` (the importer's output and result go nowhere on this host) or
``no_exit_line`` (its output is written, the exit code line is not). The importer's own result is set as for any
master, by ``lab_fault`` in its config.yaml.

Also ``tkgi --version``, ``tkgi network-profile NAME [--json]`` (docs-pks lists ``tkgi network-profile`` among the
CLI's commands; a profile is stored as its definition file, ``{name, description, parameters}``, the shape docs-pks
network-profiles documents: that the CLI's JSON is that definition is UNCONFIRMED), and ``network_profile_name`` in
``tkgi cluster --json`` (the text output's "Network Profile Name"; the JSON key is UNCONFIRMED). The lab sets them in
``var/vcap/tkgi/lab-tkgi.json``: ``version`` (the CLI's, printed as ``TKGI CLI version: V``, wording UNCONFIRMED),
``network_profile_name`` (the cluster's, default none) and ``network_profiles`` ({name: definition}).

One TKGI API for the lab (issue 27): when ``var/vcap/tkgi/api.json`` ({"dir": D}) exists under this script's root, the
clusters' states are in D/state/ and D/clusters.json ({name: {masters: [host roots]}}) names each cluster's VMs. Then
the same script serves the controller (LAB/bin/tkgi: ``tkgi clusters --json`` too) and the masters, and a promotion does
what TKGI does itself on the cluster (lab choices, UNCONFIRMED): it stops NCP on every master (their monit), runs the
importer on the control-plane VM (the invoking host when it is one of the cluster's masters, else the first master;
the migration log and the lab faults are that VM's), then on importer exit 0 renders every master's ncp.ini with
policy_nsxapi = True (as BOSH renders it from the promoted deployment) and starts NCP; on exit 2 it starts NCP again
(MP mode); on exit 1 it leaves NCP stopped.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

import yaml

HOST_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMPORTER = os.path.join(HOST_ROOT, "opt", "ncp", "mp_to_policy_import", "mp_to_policy_importer.py")
STATE_DIR = os.path.join(HOST_ROOT, "var", "vcap", "tkgi")
MIGRATION_LOG = os.path.join(HOST_ROOT, "var", "vcap", "sys", "log", "ncp", "mp_to_policy_importer.log")
RC_NOTHING_CHANGED = 2


def configured_cluster():
    with open(os.path.join(os.path.dirname(IMPORTER), "config.yaml"), encoding="utf-8") as handle:
        return (yaml.safe_load(handle) or {}).get("cluster")


def api_dir():
    """The lab's TKGI API directory, or None (a host built without one: this host's cluster only)."""
    try:
        with open(os.path.join(STATE_DIR, "api.json"), encoding="utf-8") as handle:
            return json.load(handle)["dir"]
    except (OSError, ValueError, KeyError):
        return None


def known_clusters():
    """{cluster: [master roots]}."""
    directory = api_dir()
    if not directory:
        return {configured_cluster(): [HOST_ROOT]}
    with open(os.path.join(directory, "clusters.json"), encoding="utf-8") as handle:
        return {name: entry["masters"] for name, entry in json.load(handle).items()}


def state_path(cluster):
    directory = api_dir()
    return os.path.join(directory, "state", f"{cluster}.json") if directory else os.path.join(STATE_DIR, f"{cluster}.json")


def write_state(cluster, **values):
    path = state_path(cluster)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump({"name": cluster, "last_action": "PROMOTE_TO_POLICY", **values}, handle)
    os.replace(path + ".tmp", path)


CLI_VERSION = "1.18.0-build.35"


def lab_json(name):
    """A lab file of STATE_DIR ({} when absent)."""
    try:
        with open(os.path.join(STATE_DIR, name), encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {}


def lab_tkgi():
    """The lab's TKGI settings (version, the cluster's network profile, the stored profiles)."""
    return lab_json("lab-tkgi.json")


def network_profile(args):
    profile = (lab_tkgi().get("network_profiles") or {}).get(args.name)
    if profile is None:
        print(f"Error: network profile {args.name} not found", file=sys.stderr)
        return 1
    print(json.dumps(profile) if args.json else f"Name: {profile.get('name')}\nDescription: {profile.get('description', '')}")
    return 0


def lab_fault(root=HOST_ROOT):
    """The control-plane VM's lab faults (cli_rc, migration_log)."""
    try:
        with open(os.path.join(root, "var", "vcap", "tkgi", "lab-fault.json"), encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {}


def control_plane_vm(cluster):
    """The root of the VM the importer runs on: this host when it is one of the cluster's masters, else the first."""
    masters = known_clusters()[cluster]
    return HOST_ROOT if HOST_ROOT in masters else masters[0]


def monit(root, action):
    subprocess.run([os.path.join(root, "bin", "monit"), action, "ncp"], check=False, capture_output=True)


def stop_ncp(roots, timeout=60.0):
    """TKGI stops NCP on every master of the cluster and waits until monit no longer runs it."""
    for root in roots:
        monit(root, "stop")
    deadline = time.monotonic() + timeout
    for root in roots:
        while time.monotonic() < deadline:
            summary = subprocess.run([os.path.join(root, "bin", "monit"), "summary"], capture_output=True, text=True, check=False).stdout
            if "not monitored" in summary:
                break
            time.sleep(0.1)


def render_policy_mode(root):
    """policy_nsxapi = True in the master's BOSH-rendered ncp.ini, every other line as it was."""
    path = os.path.join(root, "var", "vcap", "jobs", "ncp", "config", "ncp.ini")
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines(keepends=True)
    out, section, done = [], "", False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if section == "nsx_v3" and not done:
                out.append("policy_nsxapi = True\n")
                done = True
            section = stripped[1:-1]
        elif section == "nsx_v3" and re.match(r"policy_nsxapi\s*=", stripped):
            line, done = "policy_nsxapi = True\n", True
        out.append(line)
    if not done:
        out.append("\n[nsx_v3]\npolicy_nsxapi = True\n" if section != "nsx_v3" else "policy_nsxapi = True\n")
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        handle.write("".join(out))
    os.replace(path + ".tmp", path)


def promote(args):
    if args.cluster not in known_clusters():
        print(f"Error: cluster {args.cluster} not found", file=sys.stderr)
        return RC_NOTHING_CHANGED
    if not args.non_interactive:
        answer = input(f"Are you sure you want to promote cluster {args.cluster} to the NSX Policy API? (y/n): ") if sys.stdin.isatty() else ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Aborted: nothing was changed (use --non-interactive to skip this question)", file=sys.stderr)
            return RC_NOTHING_CHANGED
    write_state(args.cluster, last_action_state="in progress", last_action_description="Promoting cluster to NSX Policy API")
    if not args.wait:
        subprocess.Popen(  # noqa: S603 - detached on purpose: TKGI runs promotions asynchronously
            [sys.executable, os.path.abspath(__file__), "_run", args.cluster], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        print(f"Promotion of cluster {args.cluster} to the NSX Policy API has started; see: tkgi cluster {args.cluster}")
        return 0
    status = "succeeded" if run_import(args.cluster) == 0 else "failed"
    # The CLI reports the task, not the importer's code (that one is in the migration log on the control-plane VM).
    cli_rc = int(lab_fault(control_plane_vm(args.cluster)).get("cli_rc", 0 if status == "succeeded" else 1))
    if args.json:
        print(json.dumps({"name": args.cluster, "action": "PROMOTE_TO_POLICY", "status": status}))
    else:
        print(f"Promotion of cluster {args.cluster} {status}; see the migration log on the control-plane VM")
    return cli_rc


def run_import(cluster):
    """NCP stopped on every master, the importer on the control-plane VM, its output and the exit code line into that
    VM's migration log (unless a lab fault says otherwise), then ncp.ini and NCP as TKGI leaves them."""
    vm, masters = control_plane_vm(cluster), known_clusters()[cluster]
    fault = lab_fault(vm).get("migration_log")
    log = os.path.join(vm, os.path.relpath(MIGRATION_LOG, HOST_ROOT))
    importer = os.path.join(vm, os.path.relpath(IMPORTER, HOST_ROOT))
    stop_ncp(masters)
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(os.devnull if fault == "missing" else log, "a", encoding="utf-8") as handle:
        rc = subprocess.run([sys.executable, importer], stdout=handle, stderr=subprocess.STDOUT, check=False).returncode
        if fault not in ("missing", "no_exit_line"):
            handle.write(f"MP to Policy migration finished, exit code {rc}\n")
    if rc == 0:
        for root in masters:
            render_policy_mode(root)
    if rc in (0, RC_NOTHING_CHANGED):
        for root in masters:
            monit(root, "start")
    write_state(cluster, last_action_state="succeeded" if rc == 0 else "failed", last_action_description=f"importer exit code {rc}")
    return rc


def clusters(args):
    states = [cluster_state(name) for name in sorted(known_clusters())]
    print(json.dumps(states) if args.json else "\n".join(f"{s['name']:<20}{s['last_action']:<20}{s['last_action_state']}" for s in states))
    return 0


def cluster_state(name):
    try:
        with open(state_path(name), encoding="utf-8") as handle:
            state = json.load(handle)
    except OSError:
        state = {"name": name, "last_action": "CREATE", "last_action_state": "succeeded"}
    state.setdefault("network_profile_name", lab_tkgi().get("network_profile_name") or "")
    return state


def show(args):
    if args.cluster not in known_clusters():
        print(f"Error: cluster {args.cluster} not found", file=sys.stderr)
        return 1
    state = cluster_state(args.cluster)
    if args.json:
        print(json.dumps(state))
    else:
        for key in ("name", "last_action", "last_action_state", "last_action_description", "network_profile_name"):
            print(f"{key.replace('_', ' ').title():<26}{state.get(key, '')}")
    return 0


def main(argv):
    if os.path.exists(os.path.join(STATE_DIR, "logged-out")):
        print("Error: You are not currently logged in to TKGI. Please log in via 'tkgi login'.", file=sys.stderr)
        return 1
    if argv[:1] == ["_run"] and len(argv) == 2:
        return 0 if run_import(argv[1]) == 0 else 1
    if argv == ["--version"]:
        print(f"TKGI CLI version: {lab_tkgi().get('version') or CLI_VERSION}")
        return 0
    parser = argparse.ArgumentParser(prog="tkgi")
    commands = parser.add_subparsers(dest="command", required=True)
    promote_cmd = commands.add_parser("promote-cluster-to-policy")
    promote_cmd.add_argument("cluster")
    promote_cmd.add_argument("--wait", action="store_true")
    promote_cmd.add_argument("--json", action="store_true")
    promote_cmd.add_argument("--non-interactive", action="store_true")
    cluster_cmd = commands.add_parser("cluster")
    cluster_cmd.add_argument("cluster")
    cluster_cmd.add_argument("--json", action="store_true")
    clusters_cmd = commands.add_parser("clusters")
    clusters_cmd.add_argument("--json", action="store_true")
    profile_cmd = commands.add_parser("network-profile")
    profile_cmd.add_argument("name")
    profile_cmd.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "network-profile":
        return network_profile(args)
    if args.command == "clusters":
        return clusters(args)
    return promote(args) if args.command == "promote-cluster-to-policy" else show(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
