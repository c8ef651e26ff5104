"""The collection on every ansible-core version it claims (meta/runtime.yml, README): on each, a check-mode run of
migrate_all changes nothing and a strategy-1 migration of a two-cluster lab ends with both clusters in Policy mode.

Each version runs from its own clean virtual environment (only that ansible-core and requirements.txt), built by
`make core-venvs`, which passes them in NCP_CORE_VENVS; the modules run on the lab's masters with the lab's Python,
as they would on a master whatever the controller runs.
"""

import os
import subprocess

import pytest
from ansible import release as ansible_release

from .labtools import dry_run_plan, plan_steps

pytestmark = pytest.mark.slow

VENVS = [v for v in os.environ.get("NCP_CORE_VENVS", "").split() if v]
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def claimed_range():
    with open(os.path.join(REPO, "meta", "runtime.yml"), encoding="utf-8") as handle:
        return next(line.split(":", 1)[1].strip().strip("\"'") for line in handle if line.startswith("requires_ansible:"))


def core_version(venv):
    out = subprocess.run([os.path.join(venv, "bin", "ansible-playbook"), "--version"], capture_output=True, text=True, check=True).stdout
    return out.split("[core ", 1)[1].split("]", 1)[0]


def test_the_versions_tested_are_the_claimed_range():
    """make core-venvs builds one venv per minor version of meta/runtime.yml's range, and nothing outside it."""
    if not VENVS:
        pytest.skip("NCP_CORE_VENVS unset: run through `make unit` / `make test`")
    minors = [".".join(core_version(v).split(".")[:2]) for v in VENVS]
    assert claimed_range() == ">=2.16.0,<2.20.0"
    assert minors == ["2.16", "2.17", "2.18", "2.19"]


@pytest.mark.parametrize("venv", VENVS or [None], ids=[os.path.basename(v) for v in VENVS] or ["none"])
def test_strategy1_on_each_supported_ansible_core(venv, lab_factory):
    if venv is None:
        pytest.skip("NCP_CORE_VENVS unset: run through `make unit` / `make test`")
    if core_version(venv).split(".")[:2] == ansible_release.__version__.split(".")[:2]:
        # make test's own venv runs this minor version: every other integration test (check mode included) runs a
        # migration on it already; the clean venv's install is still proven by tests/unit/test_galaxy_build.py.
        pytest.skip("ansible-core %s: the test environment's own version, covered by tests/integration" % ansible_release.__version__)
    ansible_playbook = os.path.join(venv, "bin", "ansible-playbook")
    lab = lab_factory("k8s2.yml")

    before = lab.snapshot()
    check = lab.run("migrate_all.yml", check=True, ansible_playbook=ansible_playbook)
    assert check.returncode == 0, check.stdout[-5000:]
    assert "Traceback" not in check.stdout, check.stdout[-3000:]
    # The dry run reached its plan: each cluster's import and Policy-mode switch (the same plan as on 2.19).
    plan = dry_run_plan(check.stdout)
    assert plan is not None, check.stdout[-3000:]
    for cluster in lab.clusters:
        steps = plan_steps(plan, cluster)
        assert any(step.startswith("cluster import: run ") for step in steps) and steps[-1] == "start NCP in policy mode", steps
    after_check = lab.snapshot()
    assert sorted(k for k in set(before) | set(after_check) if before.get(k) != after_check.get(k)) == []

    run = lab.run("migrate_all.yml", ansible_playbook=ansible_playbook)
    assert run.returncode == 0, run.stdout[-5000:]
    for cluster in lab.clusters:
        assert lab.ncp_mode(cluster) == "policy", cluster
        journal = lab.journal(cluster)[1]
        assert [a["rc"] for a in journal["attempts"]] == [0, 0], journal["attempts"]
    assert sorted(c["name"] for c in lab.report()["clusters"]) == sorted(lab.clusters)
