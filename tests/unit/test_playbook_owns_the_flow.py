"""Issue 29: the playbooks own the flow. Roles say why a run must stop (``<role>_halt_reason``) and the playbook
halts it; no role includes another role's tasks to do so; no filter or module_utils names what a role registers or sets."""

import glob
import os
import re

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def tasks(node):
    """Every task of a tasks file, blocks opened."""
    for task in node or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from tasks(task.get(key))


def role_outputs():
    """(role, name) of every register and set_fact key of the roles' tasks."""
    found = set()
    for path in glob.glob(os.path.join(REPO, "roles", "*", "tasks", "*.yml")):
        role = path.split(os.sep)[-3]
        for task in tasks(yaml.safe_load(read(path))):
            if task.get("register"):
                found.add((role, task["register"]))
            for key in ("ansible.builtin.set_fact", "set_fact"):
                if isinstance(task.get(key), dict):
                    found.update((role, name) for name in task[key] if name != "cacheable")
    return found


def test_no_role_but_migration_includes_the_halt():
    for path in glob.glob(os.path.join(REPO, "roles", "*", "tasks", "*.yml")):
        if os.sep + os.path.join("roles", "migration") + os.sep not in path:
            assert "tasks_from: halt" not in read(path), path


def test_every_halt_reason_a_role_gives_is_halted_on_by_a_playbook():
    reasons = sorted(name for role, name in role_outputs() if name.endswith("_halt_reason") and role != "migration")
    assert {"mp_import_halt_reason", "ncp_policy_mode_halt_reason", "nsx_backup_halt_reason", "recover_halt_reason"} <= set(reasons)
    playbooks = "".join(read(path) for path in glob.glob(os.path.join(REPO, "playbooks", "*.yml")))
    for name in reasons:
        assert re.search(r"migration_new_halt_reason:[^\n]*%s|_reasons:[^\n]*\n?[^\n]*%s" % (name, name), playbooks), name


def test_no_filter_or_module_utils_names_a_role_s_result():
    outputs = role_outputs()
    assert ("mp_import", "mp_import_result") in outputs and ("ncp_stop", "ncp_stop_k8s") in outputs
    # The run's own bookkeeping (roles/migration) is what the run-level filters read, by design (docs/architecture.md).
    names = sorted({name for role, name in outputs if role != "migration"})
    for path in glob.glob(os.path.join(REPO, "plugins", "filter", "*.py")) + glob.glob(os.path.join(REPO, "plugins", "module_utils", "*.py")):
        text = read(path)
        # a filter file registers its filters under their names, which may also name a role (import_master)
        own = set(re.findall(r"[\"'](\w+)[\"']: *[\w.]+[,}\n]", text)) if os.sep + "filter" + os.sep in path else set()
        named = [name for name in names if name not in own and re.search(r"[\"']%s[\"']" % re.escape(name), text)]
        assert not named, "%s names %s" % (os.path.relpath(path, REPO), named)
