"""Integration tests: the collection's playbooks against a whole lab (tests/lab), one lab per module or test.

Every test here checks one of the safety invariants of docs/architecture.md section 3 on the lab's end state.
"""

import os
import tempfile

import pytest

from tests.lab.labctl import down, up

from .labtools import Lab

SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")


def start_lab(scenario, out):
    up(os.path.join(SCENARIOS, scenario), out)
    return Lab(out).wait_ready()


@pytest.fixture
def lab_factory(tmp_path):
    """``lab_factory(scenario_file_name)``: a running lab in tmp_path, stopped after the test."""
    started = []

    def make(scenario):
        out = str(tmp_path / ("lab%d" % len(started)))
        started.append(out)
        return start_lab(scenario, out)

    yield make
    for out in started:
        down(out, quiet=True)


@pytest.fixture(scope="module")
def module_lab_factory():
    """The same, for a lab shared by the tests of a module (one run, several invariants checked on it)."""
    started = []
    base = tempfile.mkdtemp(prefix="ncp-it-")

    def make(scenario):
        out = os.path.join(base, "lab%d" % len(started))
        started.append(out)
        return start_lab(scenario, out)

    yield make
    for out in started:
        down(out, quiet=True)
