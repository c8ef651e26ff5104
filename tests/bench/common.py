"""Shared helpers of the benchmarks: paths, the machine description, process CPU time, small statistics."""

import datetime
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")
PYTHON = sys.executable
TICKS = os.sysconf("SC_CLK_TCK")


def ensure_collection_path():
    """Make ``ansible_collections.ncp.mp_to_policy`` importable (what the root conftest.py does for pytest).

    BENCH_COLLECTIONS names another collections directory (a baseline's copy of the collection) to use instead.
    """
    collections = os.environ.get("BENCH_COLLECTIONS") or COLLECTIONS
    link = os.path.join(COLLECTIONS, "ansible_collections", "ncp", "mp_to_policy")
    if collections == COLLECTIONS and not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    if collections not in sys.path:
        sys.path.insert(0, collections)
    os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", collections)


def materialize(ref, directory, parts=("plugins",)):
    """The collection's ``parts`` (default plugins/) at git ``ref`` under DIRECTORY/ansible_collections/ncp/mp_to_policy; returns the commit."""
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", ref], capture_output=True, text=True, check=True).stdout.strip()
    target = os.path.join(directory, "ansible_collections", "ncp", "mp_to_policy")
    os.makedirs(target, exist_ok=True)
    archive = subprocess.run(["git", "-C", ROOT, "archive", commit, *parts], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", target], input=archive, check=True)
    return commit


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return ""


def machine():
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines() if line.startswith("model name")), platform.processor())
    mem_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal:")), 0)
    try:
        ansible = subprocess.run([os.path.join(os.path.dirname(PYTHON), "ansible"), "--version"], capture_output=True, text=True, check=False, timeout=60)
        ansible_version = ansible.stdout.splitlines()[0].strip() if ansible.stdout else "unknown"
    except OSError:
        ansible_version = "unknown"
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "ansible": ansible_version,
    }


def process_cpu_seconds(pid):
    """user + system CPU seconds a process has used so far (None when it is gone)."""
    text = _read(f"/proc/{pid}/stat")
    if not text:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def write_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=False)
        handle.write("\n")
    os.replace(path + ".tmp", path)


def log(message):
    print(f"[bench {datetime.datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)
