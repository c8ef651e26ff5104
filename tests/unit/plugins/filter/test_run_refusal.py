"""A run refused when it begins (docs/architecture.md section 4): each master's and the run's own variables are checked
against the operator contract (roles/ncp), the refusal names each rejected variable once, and the report still
gets the clusters that can be read. The contract declares each ncp_* / nsx_* variable once, with its default once."""

import glob
import os
import re

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.ncp.mp_to_policy.plugins.filter.run_scope import cluster_scope, rejection_reason

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def load(*path):
    with open(os.path.join(REPO, *path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


CONTRACT = load("roles", "ncp", "meta", "argument_specs.yml")["argument_specs"]
DEFAULTS = load("roles", "ncp", "defaults", "main.yml")
# A master of the lab inventory, with the extra variables of a lab run (they reach the masters too).
MASTER = {
    "ncp_cluster_name": "k8s-01",
    "ncp_platform": "kubernetes",
    "ncp_importer_path": "/opt/ncp/mp_to_policy_importer.py",
    "ncp_kubeconfig": "/etc/kubernetes/admin.conf",
    "ncp_manifest_path": "/etc/ncp/ncp.yaml",
    "ncp_environment": {"PATH": "/usr/local/bin:/usr/bin"},
    "ncp_state_dir": "/var/lib/ncp-mp-to-policy",
    "ncp_poll_interval": 0.2,
    "ncp_stop_timeout_seconds": 20,
    "ncp_start_timeout_seconds": 20,
    "ncp_import_timeout": 120,
}


def errors(entry_point, variables):
    """As roles/ncp/tasks/check.yml checks a host's variables, with the contract's defaults under them."""
    spec = CONTRACT[entry_point]["options"]
    named = {name: value for name, value in dict(DEFAULTS, **variables).items() if name in spec}
    return ArgumentSpecValidator(spec).validate(named, validate_role_argument_spec=True).error_messages


def test_a_valid_master_passes_and_each_bad_variable_is_named_once():
    assert errors("master", MASTER) == []
    assert errors("master", dict(MASTER, ncp_platform="kubernets")) == ["value of ncp_platform must be one of: kubernetes, tkgi, got: kubernets"]
    missing = dict(MASTER)
    missing.pop("ncp_cluster_name")
    assert errors("master", missing) == ["missing required arguments: ncp_cluster_name"]
    assert errors("master", dict(MASTER, ncp_import_timeout="two hours"))[0].startswith("argument 'ncp_import_timeout' is of type str")


# The run's own variables as a lab run of migrate_all.yml gives them (extra vars and the inventory's all vars).
RUN = {
    "ncp_quiesce_seconds": 5,
    "ncp_allow_short_quiesce": True,
    "ncp_backup_poll_interval": 1,
    "ncp_report_dir": "/tmp/report",
    "ncp_preflight_waivers": [],
    "nsx_manager": "127.0.0.1:8443",
    "nsx_username": "admin",
    "nsx_password": "secret-pw",
    "nsx_validate_certs": True,
    "migration_scope_masters": "computed later, not the operator's",
}


def test_the_runs_variables_are_checked_when_it_begins():
    assert errors("controller", RUN) == []
    assert errors("controller", dict(RUN, ncp_cluster="k8s-01", ncp_recover_action="retry")) == []
    # What the run computes for itself is not the operator's to give, and nothing of the run is required.
    spec = CONTRACT["controller"]["options"]
    assert not [name for name in spec if not name.startswith(("ncp_", "nsx_"))]
    assert not [name for name, option in spec.items() if option.get("required")]
    assert spec["nsx_password"].get("no_log") is True
    # nsx_backup used it only after every NCP was stopped: a failed controller then ended the playbook.
    assert errors("controller", dict(RUN, ncp_backup_poll_interval="abc"))[0].startswith("argument 'ncp_backup_poll_interval' is of type str")
    assert errors("controller", dict(RUN, ncp_report_fail_unsuccessful="maybe"))[0].startswith("argument 'ncp_report_fail_unsuccessful' is of type str")
    rejected = errors("controller", dict(RUN, ncp_recover_action="rollbak"))
    assert rejected == ["value of ncp_recover_action must be one of: retry, rollback, keep_down, after_restore, got: rollbak"]


def test_only_what_a_master_itself_must_provide_is_required():
    required = sorted(name for name, option in CONTRACT["master"]["options"].items() if option.get("required"))
    assert required == ["ncp_cluster_name", "ncp_importer_path"]


def role_and_playbook_files():
    for pattern in ("roles/*/tasks/*.yml", "roles/*/defaults/main.yml", "roles/*/vars/*.yml", "playbooks/*.yml", "playbooks/*/*.yml"):
        yield from sorted(glob.glob(os.path.join(REPO, pattern)))


def test_each_contract_variable_is_declared_once_with_its_default_once():
    declared = set(CONTRACT["controller"]["options"]) | set(CONTRACT["master"]["options"])
    # The default lives in defaults/main.yml only, for a declared variable.
    assert set(DEFAULTS) <= declared, sorted(set(DEFAULTS) - declared)
    assert not [name for entry in CONTRACT.values() for name, option in entry["options"].items() if "default" in option]
    # No role declares a contract variable again.
    for path in glob.glob(os.path.join(REPO, "roles", "*", "meta", "argument_specs.yml")):
        if os.sep + "ncp" + os.sep in path:
            continue
        for entry, spec in yaml.safe_load(open(path, encoding="utf-8"))["argument_specs"].items():
            again = declared & set((spec or {}).get("options") or {})
            assert not again, f"{path} ({entry}) declares {sorted(again)} again: they are the contract's"
    # No role defines a contract variable in its defaults either.
    for path in glob.glob(os.path.join(REPO, "roles", "*", "defaults", "main.yml")):
        if os.sep + "ncp" + os.sep not in path:
            again = sorted(declared & set(yaml.safe_load(open(path, encoding="utf-8")) or {}))
            assert not again, f"{path} defines {again}: their default is the contract's"
    # No second default anywhere: a contract variable with a default is read as it is.
    for path in role_and_playbook_files():
        text = open(path, encoding="utf-8").read()
        # (a master's own value read through hostvars may fall back on the controller's: the same variable, no new value)
        found = re.findall(r"\b((?:ncp|nsx)_[a-z0-9_]+)(?:'\])? \| default\(([^)]*)\)", text)
        again = sorted({name for name, value in found if name in DEFAULTS and value.strip() != name})
        assert not again, f"{os.path.relpath(path, REPO)} gives {again} a second default"


def plays(playbook):
    """The plays of a playbook, with those of the playbooks it imports."""
    for play in load("playbooks", playbook):
        if "ansible.builtin.import_playbook" in play:
            yield from plays(play["ansible.builtin.import_playbook"])
        else:
            yield play


@pytest.mark.parametrize("playbook", sorted(os.path.basename(p) for p in glob.glob(os.path.join(REPO, "playbooks", "*.yml"))))
def test_every_play_has_the_contract_defaults_in_scope(playbook):
    for play in plays(playbook):
        roles = [(r["role"] if isinstance(r, dict) else r) for r in play.get("roles") or []]
        assert roles[:1] == ["ncp.mp_to_policy.ncp"], (playbook, play["name"])


def test_the_refusal_names_each_rejected_variable_once_with_its_masters():
    platform = {"argument_errors": ["value of ncp_platform must be one of: kubernetes, tkgi, got: kubernets"], "msg": "Validation of arguments failed"}
    reason = rejection_reason({"m2": platform, "m1": platform, "m3": {"argument_errors": ["missing required arguments: ncp_cluster_name"]}})
    assert reason == (
        "the variables were rejected before anything changed: value of ncp_platform must be one of: kubernetes, tkgi, got: kubernets "
        "(m1, m2); missing required arguments: ncp_cluster_name (m3). Fix the inventory or the extra variables and run it again."
    )


def test_the_refusal_of_the_runs_own_variables_gives_the_assertion_message():
    # An assertion of the begin play: its message (folded YAML), without the host.
    reason = rejection_reason({"localhost": {"msg": "migrate_cluster.yml imports one cluster\n(-e ncp_cluster=NAME).  Set ncp_ack_no_backup_restore=true. "}})
    assert reason.startswith("the variables were rejected before anything changed: migrate_cluster.yml imports one cluster (-e ncp_cluster=NAME)")
    assert "localhost" not in reason and "true. Fix" in reason and ".." not in reason


def test_a_refused_run_reports_the_clusters_it_can_read():
    hostvars = {"m1": {"ncp_cluster_name": "a"}, "m2": {}, "m3": {"ncp_cluster_name": "b", "ncp_platform": "tkgi"}}
    with pytest.raises(AnsibleFilterError, match="m2 is in group ncp_clusters but has no ncp_cluster_name"):
        cluster_scope(hostvars, ["m1", "m2", "m3"])
    assert sorted(cluster_scope(hostvars, ["m1", "m2", "m3"], "", True)) == ["a", "b"]
    assert cluster_scope({"m2": {}}, ["m2"], "", True) == {}
    assert cluster_scope(hostvars, ["m1", "m3"], "typo", True) == {}
    with pytest.raises(AnsibleFilterError, match="not a cluster of the inventory"):
        cluster_scope(hostvars, ["m1", "m3"], "typo")
