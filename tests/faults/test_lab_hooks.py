"""The lab hooks the fault suite adds (fast, no playbook): the importer's ``lab_fault``, the simulator's
``tls_certificate`` fault and its busy coordinator showing a promotion in progress."""

import importlib.util
import os

import pytest
import requests

from tests.lab.importer.harness import SOURCE


def load_importer():
    spec = importlib.util.spec_from_file_location("lab_importer_under_test", SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeRecords:
    def __init__(self):
        self.batches = [{"type": "CERTIFICATE", "resource_ids": [{"manager_id": "c1"}]}]
        self.cleared = False

    def clear(self):
        self.cleared = True


class FakeCoordinator:
    def __init__(self):
        self.rolled_back = None

    def rollback(self, batches):
        self.rolled_back = list(batches)


def test_lab_fault_spec_and_scope():
    importer = load_importer()
    assert importer.lab_fault({}, "cluster") is None
    assert importer.lab_fault({"lab_fault": "rc1"}, "cluster") == {"kind": "rc1", "after_batches": 1, "type": "LOGICAL_PORT"}
    assert importer.lab_fault({"lab_fault": {"kind": "hang", "scope": "shared", "after_batches": 0}}, "cluster") is None
    assert importer.lab_fault({"lab_fault": {"kind": "crash", "scope": "any", "after_batches": 2}}, "shared") == {
        "kind": "crash",
        "after_batches": 2,
        "type": "LOGICAL_PORT",
    }
    assert importer.lab_fault({"lab_fault": {"kind": "leave_one", "type": "NS_GROUP"}}, "cluster")["type"] == "NS_GROUP"
    with pytest.raises(importer.Refusal):
        importer.lab_fault({"lab_fault": {"kind": "explode"}}, "cluster")


def test_lab_fault_rc1_and_rc2():
    importer = load_importer()
    records, coordinator = FakeRecords(), FakeCoordinator()
    importer.fault_hook({"kind": "rc1", "after_batches": 1}, records, coordinator, 0)  # not yet
    with pytest.raises(importer.LabFault) as rc1:
        importer.fault_hook({"kind": "rc1", "after_batches": 1}, records, coordinator, 1)
    assert rc1.value.rc == 1 and coordinator.rolled_back is None and not records.cleared
    with pytest.raises(importer.LabFault) as rc2:
        importer.fault_hook({"kind": "rc2", "after_batches": 1}, records, coordinator, 1)
    assert rc2.value.rc == 2 and coordinator.rolled_back == records.batches and records.cleared


def test_tls_certificate_fault(nsxsim_tls):
    old_ca = nsxsim_tls.verify
    answer = nsxsim_tls.admin.add_fault(type="tls_certificate")
    new_ca = answer["tls_ca_file"]
    assert os.path.exists(new_ca) and new_ca != old_ca
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(nsxsim_tls.url + "/_lab/health", verify=old_ca, timeout=10)
    assert requests.get(nsxsim_tls.url + "/_lab/health", verify=new_ca, timeout=10).json() == {"ok": True}


def test_busy_coordinator_shows_a_promotion_in_progress(nsxsim):
    path = "/api/v1/migration/mp-policy-promotion/state"
    assert nsxsim.get(path).json()["mp_policy_promotion"] == "PROMOTION_NOT_IN_PROGRESS"
    nsxsim.admin.coordinator(busy=True)
    assert nsxsim.get(path).json()["mp_policy_promotion"] == "PROMOTION_IN_PROGRESS"
