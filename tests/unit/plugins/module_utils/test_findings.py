"""findings: the one list of check IDs. Every ID a finding can carry is declared in findings.py, read from the
source (the calls of ``finding`` and of each helper that passes its first parameter on to it), so a module that
emits an undeclared ID fails here."""

import ast
import os

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _findings as findings

PLUGINS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins")


def _name(func):
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _sources():
    for root, _dirs, files in os.walk(PLUGINS):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                with open(path) as handle:
                    yield os.path.relpath(path, PLUGINS), ast.parse(handle.read())


def _first_arg(call):
    return call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "check"), None)


def emitted_check_ids(sources):
    """{check ID: [file]} of every literal reaching ``finding``'s first argument, and the calls whose ID is not a literal
    nor a parameter forwarded by a helper (a helper forwarding its first parameter counts as an emitter itself)."""
    trees = list(sources)
    emitters = {"finding"}
    while True:  # helpers that forward their first parameter to an emitter, to a fixpoint
        found = set()
        for _path, tree in trees:
            for func in ast.walk(tree):
                if isinstance(func, ast.FunctionDef) and func.name not in emitters and func.args.args:
                    first = func.args.args[0].arg
                    for call in ast.walk(func):
                        arg = _first_arg(call) if isinstance(call, ast.Call) and _name(call.func) in emitters else None
                        if isinstance(arg, ast.Name) and arg.id == first:
                            found.add(func.name)
        if not found:
            break
        emitters |= found
    ids, opaque = {}, []
    for path, tree in trees:
        # Module-level string constants (CHECK = "some_check") count as the literal they name.
        constants = dict(
            (node.targets[0].id, node.value.value)
            for node in tree.body
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        )
        forwarders = {}
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef) and func.name in emitters and func.args.args:
                for node in ast.walk(func):
                    forwarders[id(node)] = func.args.args[0].arg
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and _name(call.func) in emitters:
                arg = _first_arg(call)
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    ids.setdefault(arg.value, []).append(path)
                elif isinstance(arg, ast.Name) and arg.id in constants and forwarders.get(id(call)) != arg.id:
                    ids.setdefault(constants[arg.id], []).append(path)
                elif not (isinstance(arg, ast.Name) and forwarders.get(id(call)) == arg.id):
                    opaque.append("%s:%d" % (path, call.lineno))
    return ids, opaque


def test_every_emitted_check_id_is_declared_in_findings():
    ids, opaque = emitted_check_ids(_sources())
    undeclared = dict((check, paths) for check, paths in ids.items() if check not in findings.CHECK_IDS)
    assert not undeclared, "check IDs emitted but not declared in plugins/module_utils/_findings.py: %s" % undeclared
    assert not opaque, "findings whose check ID is neither a literal nor a forwarded parameter: %s" % opaque


def test_every_declared_check_id_is_emitted_and_declared_once():
    ids, _opaque = emitted_check_ids(_sources())
    assert sorted(set(findings.CHECK_IDS) - set(ids)) == []
    assert len(set(findings.CHECK_IDS)) == len(findings.CHECK_IDS)


def test_an_undeclared_id_in_a_module_is_caught():
    module = ast.parse('from x import finding\ndef scan():\n    return [finding("made_up_check", "error", "m")]\n')
    ids, _opaque = emitted_check_ids([("modules/made_up.py", module)])
    assert ids == {"made_up_check": ["modules/made_up.py"]} and "made_up_check" not in findings.CHECK_IDS


def test_a_module_constant_counts_as_its_literal():
    module = ast.parse('CHECK = "made_up_constant"\ndef scan():\n    return [finding(CHECK, "error", "m")]\n')
    ids, opaque = emitted_check_ids([("module_utils/made_up.py", module)])
    assert (ids, opaque) == ({"made_up_constant": ["module_utils/made_up.py"]}, [])


def test_a_helper_forwarding_its_id_is_followed_and_an_opaque_id_is_reported():
    module = ast.parse(
        "def _error(check_id, message):\n    return finding(check_id, 'error', message)\n"
        "def scan(name):\n    return _error('via_helper', 'm') + [finding(name + '_x', 'error', 'm')]\n"
    )
    ids, opaque = emitted_check_ids([("module_utils/helper.py", module)])
    assert ids == {"via_helper": ["module_utils/helper.py"]}
    assert opaque == ["module_utils/helper.py:4"]


@pytest.mark.parametrize("check", findings.DFW_ORDER_CHECK_IDS + findings.VERDICT_CHECK_IDS)
def test_checks_that_are_not_preflight_checks_cannot_be_skipped(check):
    # The skip lists of the preflight modules (and the AWX surveys) offer NSX, host and controller checks only.
    assert check not in findings.NSX_CHECK_IDS + findings.HOST_CHECK_IDS + findings.CONTROLLER_CHECK_IDS
