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
