"""What a successful backup holds, and a lab restore from it.

NSX's own restore (a fresh Manager, then ``POST /api/v1/cluster/restore?action=start`` with the backup's
timestamp, API-REF "Restore Cluster") reverts the whole configuration to the backup point: MP objects and
their tags, the DFW, the Policy tree, and the migration's promotion records (they are Manager data too). The
lab has no appliance to redeploy, so it keeps a copy of that state with each successful backup and puts it
back on ``POST /_lab/backups {"restore": BACKUP_ID}``: the restored state is the one the backup saw, nothing
later. Lab choices: the migration coordinator's service and its workflow are node state, not restored; the
backup history and the configuration stay as they are; the last ``KEPT`` backups are kept.
"""

import copy

KEPT = 4
_INVENTORY = ("objects", "sections", "section_by_id", "rules", "rule_by_id", "rule_section", "allocations", "_next_rule_id")
_POLICY = ("objects", "children", "realized_at")
_PROMOTER = ("records", "policy_path_of")


def _parts(sim):
    return ((sim.inventory, _INVENTORY), (sim.policy, _POLICY), (sim.promoter, _PROMOTER))


def capture(sim):
    """A deep copy of the restorable state (one copy, so objects shared between indexes stay shared)."""
    with sim.inventory.lock:
        return copy.deepcopy([{name: getattr(owner, name) for name in names} for owner, names in _parts(sim)])


def put_back(sim, snapshot):
    """Replace the restorable state with ``snapshot`` (copied again: the backup can be restored twice)."""
    restored = copy.deepcopy(snapshot)
    with sim.inventory.lock:
        for (owner, names), values in zip(_parts(sim), restored):
            for name in names:
                setattr(owner, name, values[name])
