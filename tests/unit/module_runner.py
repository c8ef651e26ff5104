"""Run a collection module's main() in-process and return its JSON result.

Uses ansible-core's ``patch_module_args`` (2.19 dropped the old ``_ANSIBLE_ARGS`` trick). The
module really parses its arguments, talks to real servers and prints its result, which is read
back from stdout exactly as Ansible would.
"""

import importlib
import io
import json
from contextlib import redirect_stdout
from unittest import mock

from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args


class ModuleResult(dict):
    """The module's result; ``raw`` is exactly what it printed (for checks that no secret leaked)."""

    raw = ""

    @property
    def failed(self):
        return bool(self.get("failed"))


def run_module(name, args, check_mode=False, diff=False):
    module = importlib.import_module("ansible_collections.ncp.mp_to_policy.plugins.modules." + name)
    args = dict(args)
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff
    out = io.StringIO()
    # A module process starts with no warnings or deprecations: drop those an earlier in-process run left behind.
    module_warnings._global_warnings.clear()
    module_warnings._global_deprecations.clear()
    # Once a test in this process loaded controller code, ansible-core 2.19 would send module
    # warnings to the controller's display instead of the result: keep the module's view.
    with patch_module_args(args), redirect_stdout(out), mock.patch.object(module_utils_internal, "is_controller", False):
        try:
            module.main()
        except SystemExit:
            pass
    text = out.getvalue()
    try:
        result = ModuleResult(json.loads(text))
    except ValueError:
        raise AssertionError("module %s printed no JSON result: %r" % (name, text[:2000])) from None
    result.raw = text
    return result
