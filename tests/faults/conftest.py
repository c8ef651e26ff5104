"""Fixtures of the fault suite: ``fault_lab(scenario)`` starts a lab (one at a time on this machine) and stops it."""

import contextlib

import pytest

from .harness import FaultLab, lab_lock


@pytest.fixture
def fault_lab(tmp_path):
    """``fault_lab("clusters_2.yml")``: a started :class:`FaultLab`; stopped (with any run it started) afterwards."""
    labs = []
    with contextlib.ExitStack() as stack:

        def make(scenario="clusters_1.yml"):
            if not labs:
                stack.enter_context(lab_lock())
            lab = FaultLab(tmp_path / f"lab{len(labs)}", scenario)
            labs.append(lab)
            return lab.up()

        try:
            yield make
        finally:
            for lab in labs:
                lab.down()
