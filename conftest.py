"""Make the checkout importable as ``ansible_collections.ncp.mp_to_policy`` for pytest.

ansible-test needs a real copy under ``ansible_collections/ncp/mp_to_policy`` (the Makefile
makes one); plain pytest only needs the import path, so a symlink under build/ is enough.
"""

import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "ncp", "mp_to_policy")

if not os.path.lexists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    try:
        os.symlink(ROOT, LINK)
    except FileExistsError:  # another xdist worker won the race
        pass
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS)

# Lab fixtures (NSX simulator, Kubernetes API stand-in, ...) are pytest plugins so that unit,
# lab and integration tests all share them. Each lab part adds its module here.
pytest_plugins = [
    "tests.lab.nsxsim.testing",
    "tests.lab.kubeapi.testing",
    "tests.lab.importer.testing",
]


# Modules whose tests each set up their own lab (function-scoped): xdist may hand their cases to different workers.
CASE_SCOPED_MODULES = ("tests/integration/test_ansible_core_versions.py",)


def pytest_collection_modifyitems(config, items):
    """Run the modules marked ``slow`` first.

    ``make unit`` hands whole modules to two xdist workers (``--dist loadfile --no-loadscope-reorder``) in
    collection order. With the end-to-end modules last (testpaths lists tests/integration after the fast unit
    tests; xdist's default reorder puts modules with few tests last too), one worker was left running a
    multi-minute module alone at the end; starting them first lets the many short modules fill in behind them.
    The sort is stable, so the order within each group stays as collected.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, except that each case of a CASE_SCOPED_MODULES module is its own work unit."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ModuleOrCaseScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid):
            module = nodeid.split("::", 1)[0]
            return nodeid if module in CASE_SCOPED_MODULES else module

    return ModuleOrCaseScheduling(config, log)
