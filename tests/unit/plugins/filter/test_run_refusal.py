"""A run refused when it begins (docs/architecture.md section 4): each master's variables are checked against the argument
specs of every role the playbook runs on it, the refusal names each rejected variable once, and the report
still gets the clusters that can be read."""

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.ncp.mp_to_policy.plugins.filter.cluster_scope import cluster_scope
from ansible_collections.ncp.mp_to_policy.plugins.filter.controller_argument_spec import controller_argument_spec
from ansible_collections.ncp.mp_to_policy.plugins.filter.master_argument_spec import master_argument_spec, merge_options
from ansible_collections.ncp.mp_to_policy.plugins.filter.rejection_reason import rejection_reason

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
ROLES = os.path.join(REPO, "roles")
PREFIX = "ncp.mp_to_policy."


def load(*path):
    with open(os.path.join(REPO, *path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


MASTER_ROLES = load("roles", "migration", "vars", "main.yml")["migration_master_roles"]
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


def errors(spec, variables):
    """As ansible.builtin.validate_argument_spec checks a host's variables: those the spec names."""
    named = {name: value for name, value in variables.items() if name in spec}
    return ArgumentSpecValidator(spec).validate(named, validate_role_argument_spec=True).error_messages


@pytest.mark.parametrize("flow", sorted(MASTER_ROLES))
def test_a_valid_master_passes_and_each_bad_variable_is_named_once(flow):
    spec = master_argument_spec(MASTER_ROLES[flow], ROLES)
    variables = dict(MASTER, ncp_recover_action="rollback") if flow == "recover" else dict(MASTER)
    assert errors(spec, variables) == []
    # ncp_platform is declared by half a dozen of these roles: one error all the same.
    assert errors(spec, dict(variables, ncp_platform="kubernets")) == ["value of ncp_platform must be one of: kubernetes, tkgi, got: kubernets"]
    missing = dict(variables)
    missing.pop("ncp_cluster_name")
    assert errors(spec, missing) == ["missing required arguments: ncp_cluster_name"]
    assert errors(spec, dict(variables, ncp_import_timeout="two hours"))[0].startswith("argument 'ncp_import_timeout' is of type str")


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


@pytest.mark.parametrize("flow", sorted(MASTER_ROLES))
def test_the_runs_variables_are_checked_against_the_controller_roles_when_it_begins(flow):
    spec = controller_argument_spec(MASTER_ROLES[flow], ROLES)
    variables = dict(RUN, ncp_cluster="k8s-01", ncp_recover_action="retry") if flow == "recover" else dict(RUN)
    assert errors(spec, variables) == []
    # What the run computes for itself is not the operator's to give, and nothing is required.
    assert not [name for name in spec if not name.startswith(("ncp_", "nsx_"))]
    assert not [name for name, option in spec.items() if option["required"]]
    if flow == "migration":
        assert spec["nsx_password"].get("no_log") is True
        # nsx_backup checks it only after every NCP was stopped: a failed controller then ended the playbook.
        assert errors(spec, dict(variables, ncp_backup_poll_interval="abc"))[0].startswith("argument 'ncp_backup_poll_interval' is of type str")
        assert errors(spec, dict(variables, ncp_report_fail_unsuccessful="maybe"))[0].startswith("argument 'ncp_report_fail_unsuccessful' is of type str")
    else:
        # The report leaves ncp_recover_action open; the begin entry point's choices are the ones checked.
        rejected = errors(spec, dict(variables, ncp_recover_action="rollbak"))
        assert rejected == ["value of ncp_recover_action must be one of: retry, rollback, keep_down, after_restore, got: rollbak"]


def test_only_what_the_master_itself_must_provide_is_required():
    spec = master_argument_spec(MASTER_ROLES["migration"], ROLES)
    # The preflight's host checks need the importer; a recovery without preflight does not ask for it.
    assert spec["ncp_importer_path"]["required"]
    assert not master_argument_spec(MASTER_ROLES["recover"], ROLES)["ncp_importer_path"]["required"]
    # Entry points that run on localhost, or whose options the including task sets, are not a master's to satisfy.
    for option in ("preflight_verdict", "migration_new_halt_reason", "migration_scope", "preflight_scope_masters"):
        assert option not in spec
    assert "default" not in spec["ncp_platform"] and "description" not in spec["ncp_platform"]


def test_one_option_declared_two_ways_is_a_bug_of_the_collection():
    with pytest.raises(AnsibleFilterError, match="option ncp_platform is declared differently in a/main"):
        merge_options({"a/main": {"ncp_platform": {"type": "str", "choices": ["kubernetes", "tkgi"]}}, "b/main": {"ncp_platform": {"type": "str"}}})
    with pytest.raises(AnsibleFilterError, match="cannot read the argument specs of role no_such_role"):
        master_argument_spec(["no_such_role"], ROLES)


def included_roles(tasks):
    for task in tasks or []:
        for key in ("block", "rescue", "always"):
            yield from included_roles(task.get(key))
        for action in ("ansible.builtin.include_role", "ansible.builtin.import_role", "include_role", "import_role"):
            if action in task:
                yield task[action]["name"].removeprefix(PREFIX)


def role_closure(roles):
    """The roles, with every role their task files include (a role runs where the role that includes it runs)."""
    found, todo = set(), list(roles)
    while todo:
        role = todo.pop()
        if role in found:
            continue
        found.add(role)
        directory = os.path.join(ROLES, role, "tasks")
        for name in sorted(os.listdir(directory)):
            todo.extend(included_roles(load("roles", role, "tasks", name)))
    return found


def plays(playbook):
    """The plays of a playbook, with those of the playbooks it imports."""
    for play in load("playbooks", playbook):
        if "ansible.builtin.import_playbook" in play:
            yield from plays(play["ansible.builtin.import_playbook"])
        else:
            yield play


@pytest.mark.parametrize("flow, playbook", [("migration", "migration_flow.yml"), ("recover", "recover.yml")])
def test_every_role_a_playbook_runs_on_the_masters_is_checked_when_it_begins(flow, playbook):
    on_masters = set()
    for play in plays(playbook):
        if play["hosts"] != "localhost":
            on_masters.update((r["role"] if isinstance(r, dict) else r).removeprefix(PREFIX) for r in play.get("roles") or [])
            on_masters.update(included_roles(play.get("tasks")))
    missing = role_closure(on_masters) - set(MASTER_ROLES[flow])
    assert not missing, f"roles/migration/vars/main.yml: add {sorted(missing)} to migration_master_roles.{flow}"


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
