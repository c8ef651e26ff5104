"""Helpers to run the importer stand-in in a temp "host" against a simulator and a lab cluster (tests only)."""

import json
import os
import shutil
import subprocess
import sys

import yaml

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mp_to_policy_importer.py")
NAMESPACE_KINDS = ("LogicalSwitch", "LogicalPort", "NSGroup", "LbVirtualServer", "FirewallSection", "LogicalRouter", "NatRule")


def cluster_namespaces(objects_of_kind, cluster):
    """The ``ncp/project`` values of a cluster's MP objects: the namespaces its Kubernetes must have."""
    names = set()
    for kind in NAMESPACE_KINDS:
        for obj in objects_of_kind(kind):
            tags = {t.get("scope"): t.get("tag") for t in obj.get("tags") or []}
            if tags.get("ncp/cluster") == cluster and tags.get("ncp/project"):
                names.add(tags["ncp/project"])
    return sorted(names)


def shared_spec(object_by_id, generated_shared):
    """user-spec.yaml ``shared_resources`` naming the generator's shared objects by display name."""

    def names(ids):
        return [object_by_id(i)["object"]["display_name"] for i in ids]

    return {
        "shared_resources": {
            "TIER0": names([generated_shared["tier0"]]),
            "IP_BLOCK": names(generated_shared["ip_blocks"]),
            "IP_POOL": names(generated_shared["ip_pools"]),
        }
    }


def install_importer(directory):
    """Copy the stand-in into ``directory`` (made if missing) as ``mp_to_policy_importer.py``; returns its path."""
    os.makedirs(str(directory), exist_ok=True)
    script = os.path.join(str(directory), "mp_to_policy_importer.py")
    shutil.copy(SOURCE, script)
    return script


class ImporterDir:
    """A copy of the importer with its config.yaml / user-spec.yaml, as on a master host."""

    def __init__(self, directory, config, user_spec):
        self.directory = str(directory)
        self.script = install_importer(self.directory)
        self.config = dict(config)
        self.write_config()
        with open(os.path.join(self.directory, "user-spec.yaml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(user_spec, handle)

    def write_config(self, **changes):
        self.config.update(changes)
        with open(os.path.join(self.directory, "config.yaml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(self.config, handle)

    def run(self, *args, timeout=120):
        env = {**os.environ, "HOME": self.directory}
        return subprocess.run([sys.executable, self.script, *args], capture_output=True, text=True, timeout=timeout, check=False, env=env)

    def records(self, scope):
        path = os.path.join(self.directory, "records", f"{self.config['cluster']}-{scope}.json")
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
