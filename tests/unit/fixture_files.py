"""Reading the byte-exact fixture files under tests/unit/fixtures/.

NCP YAML manifests are stored as ``*.yaml.txt``: they are multi-document data compared byte for
byte, not Ansible YAML, so yamllint (ansible-test sanity) must not reformat or judge them.
"""

import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def fixture_path(subdir, name):
    path = os.path.join(FIXTURES, subdir, name)
    if name.endswith(".yaml") and not os.path.exists(path):
        path += ".txt"
    return path


def fixture_bytes(subdir, name):
    with open(fixture_path(subdir, name), "rb") as handle:
        return handle.read()
