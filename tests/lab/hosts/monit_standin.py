#!/usr/bin/env python
"""Lab stand-in for ``monit`` on a TKGI master VM: ``monit summary``, ``monit status [ncp]``, ``monit stop|start|restart ncp``.

NCP's process state lives in HOST_ROOT/var/vcap/monit/ncp.json (HOST_ROOT = the parent of this file's bin/).
Stopping and starting take ``stop_seconds`` / ``start_seconds`` (same file) like the real, asynchronous monit:
summary shows "stop pending" / "initializing" until then. A start reads
HOST_ROOT/var/vcap/jobs/ncp/config/ncp.ini and records the policy_nsxapi mode NCP started in.
"""

import configparser
import datetime
import json
import os
import sys
import time

HOST_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.join(HOST_ROOT, "var", "vcap", "monit", "ncp.json")
NCP_INI = os.path.join(HOST_ROOT, "var", "vcap", "jobs", "ncp", "config", "ncp.ini")
SERVICES = ("ncp", "nsx-node-agent")


def load():
    with open(STATE, encoding="utf-8") as handle:
        return json.load(handle)


def save(state):
    with open(STATE + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=1)
    os.replace(STATE + ".tmp", STATE)


def policy_mode():
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read(NCP_INI)
    except configparser.Error:
        return False
    return parser.get("nsx_v3", "policy_nsxapi", fallback="False").strip().lower() in ("true", "1", "yes", "on")


def status_of(state, now):
    """running | stop pending | not monitored | initializing, from the last action and its time."""
    action, since = state.get("action", "start"), state.get("action_at", 0)
    if action == "stop":
        return "not monitored" if now - since >= state.get("stop_seconds", 1.0) else "stop pending"
    return "running" if now - since >= state.get("start_seconds", 1.0) else "initializing"


def stamp():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def act(state, action, now):
    if action == "stop" and state.get("action") != "stop":
        state.update(action="stop", action_at=now, stopped_at=stamp())
    elif action == "start" and state.get("action") == "stop":
        state.update(action="start", action_at=now)
        state.setdefault("starts", []).append({"started_at": stamp(), "policy_nsxapi": policy_mode()})
    save(state)


def main(argv):
    try:
        state = load()
    except (OSError, ValueError) as exc:
        print(f"monit: cannot read the NCP process state: {exc}", file=sys.stderr)
        return 1
    now = time.time()
    if argv[:1] == ["summary"] or not argv:
        print("The Monit daemon 5.2.5 uptime: 12d 3h 4m\n")
        print(f"Process 'ncp'                       {status_of(state, now)}")
        print("Process 'nsx-node-agent'            running")
        print("System 'system_localhost'           running")
        return 0
    if argv[0] == "status":
        print(f"Process 'ncp'\n  status                            {status_of(state, now)}\n  monitoring status                 monitored")
        return 0
    if argv[0] in ("stop", "start", "restart") and len(argv) == 2:
        if argv[1] not in SERVICES and argv[1] != "all":
            print(f"monit: service '{argv[1]}' not found", file=sys.stderr)
            return 1
        if argv[1] in ("ncp", "all"):
            if argv[0] in ("stop", "restart"):
                act(state, "stop", now)
            if argv[0] in ("start", "restart"):
                act(state, "start", now)
        return 0
    print("usage: monit summary | status [ncp] | stop|start|restart ncp", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
