#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ncp_journal
short_description: Read or advance a cluster's migration journal on its import master
version_added: 0.1.0
description:
  - The journal C(<state_dir>/<cluster>/state.json) records the states a cluster's migration
    reached (C(preflight_passed), C(ncp_stopped), C(quiesced), C(backed_up), C(shared_imported),
    C(cluster_imported), C(policy_configured), C(ncp_started)) and every importer attempt. It
    makes every playbook resumable.
  - The journal belongs to the host that created it; marking from another host is refused,
    because the importer must always be re-run on the same master.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
attributes:
  check_mode:
    details: In check mode nothing is written; the returned journal shows what would be.
  diff_mode:
    support: full
    details: Shows the journal's states before and after.
options:
  cluster:
    description: The cluster's name.
    type: str
    required: true
  state_dir:
    description: Directory holding the journals.
    type: path
    default: /var/lib/ncp-mp-to-policy
  host:
    description:
      - Name of this master as the journal records it (use C(inventory_hostname)).
      - Defaults to the machine's host name.
    type: str
  action:
    description:
      - V(read) only reads.
      - V(mark) records O(state) as reached (again, if already recorded - a new stop time
        restarts the quiesce wait), and every state in O(marks), in one write.
      - V(mark_once) records O(state) only when it is not recorded yet.
      - V(clear) forgets O(state).
      - V(acquire_lease) holds the cluster for the run O(run_id) for O(lease_seconds) (renewed
        when the same run asks again); it fails when another run holds it, so two runs never
        work on a cluster at once, even from two controllers.
      - V(release_lease) gives the cluster back (only the holding run can).
    type: str
    choices: [read, mark, mark_once, clear, acquire_lease, release_lease]
    default: read
  state:
    description:
      - The state to mark or clear.
      - Required with V(mark) unless O(marks) is given, and with V(mark_once) and V(clear).
    type: str
    choices: [preflight_passed, ncp_stopped, quiesced, backed_up, shared_imported, cluster_imported, policy_configured, ncp_started]
  marks:
    description:
      - More states to record with O(action=mark), in the same atomic write as O(state) (if
        given); the result is the journal after the write, so there is no need to read it again.
      - The migration journals the quiesce and the backup with one write per import master.
    type: list
    elements: dict
    default: []
    suboptions:
      state:
        description: The state to record.
        type: str
        required: true
        choices: [preflight_passed, ncp_stopped, quiesced, backed_up, shared_imported, cluster_imported, policy_configured, ncp_started]
      details:
        description: Details stored with the state, as for O(details).
        type: dict
        default: {}
      once:
        description: Record the state only when it is not recorded yet, as V(mark_once) does.
        type: bool
        default: false
  run_id:
    description: The run asking for or giving back the lease.
    type: str
  lease_seconds:
    description: How long the lease lasts without renewal.
    type: int
    default: 14400
  controller:
    description: Where the run comes from (recorded in the lease, named in the refusal).
    type: str
  controller_pid:
    description: Process ID of the run's ansible-playbook on O(controller), so that the same controller can tell a run that died.
    type: int
  break_lease:
    description: Take the lease even when another run holds it (that run died). The broken lease is returned.
    type: bool
    default: false
  details:
    description:
      - Details stored with the state, for example C(backup_id) for V(backed_up) or C(mode)
        (V(policy) or V(mp)) for V(ncp_started), C(replicas) for V(ncp_stopped).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Record that NCP was stopped, with the replica count to restore
  ncp.mp_to_policy.ncp_journal:
    cluster: prod-east
    host: "{{ inventory_hostname }}"
    action: mark
    state: ncp_stopped
    details:
      replicas: 1

- name: Record the quiesce (unless recorded) and the backup in one write, and check the result
  ncp.mp_to_policy.ncp_journal:
    cluster: prod-east
    host: "{{ inventory_hostname }}"
    action: mark
    marks:
      - state: quiesced
        once: true
        details:
          seconds: 600
      - state: backed_up
        details:
          backup_id: "{{ backup.backup_id }}"
  register: journal_after_backup

- name: Read it back
  ncp.mp_to_policy.ncp_journal:
    cluster: prod-east
  register: journal
"""

RETURN = r"""
exists:
  description: Whether this host has a journal for the cluster (after the action).
  returned: always
  type: bool
journal:
  description: The journal (null when none exists).
  returned: always
  type: dict
owner_host:
  description: The host that owns the journal, or null.
  returned: always
  type: str
owned_here:
  description: True when the journal is absent or owned by O(host).
  returned: always
  type: bool
current_state:
  description: The furthest state recorded, or null.
  returned: always
  type: str
states:
  description: Each recorded state with its time (C(at)) and details.
  returned: always
  type: dict
state_epochs:
  description: Seconds since the epoch at which each recorded state was reached.
  returned: always
  type: dict
imported:
  description: Which import scopes are recorded as done.
  returned: always
  type: dict
  contains:
    shared:
      description: Shared resources imported.
      type: bool
    cluster:
      description: Cluster resources imported.
      type: bool
last_attempt:
  description: The latest importer attempt, or null.
  returned: always
  type: dict
lease:
  description: The run holding the cluster (C(run_id), C(controller), C(controller_pid), C(acquired_at), C(expires_at)), or null.
  returned: always
  type: dict
broken_lease:
  description: The lease O(break_lease) took over, if any.
  returned: when action is acquire_lease
  type: dict
"""

import copy

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr

ARGUMENT_SPEC = dict(
    jr.JOURNAL_OPTIONS,
    action=dict(type="str", choices=["read", "mark", "mark_once", "clear", "acquire_lease", "release_lease"], default="read"),
    state=dict(type="str", choices=list(jr.STATES)),
    marks=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(
            state=dict(type="str", required=True, choices=list(jr.STATES)),
            details=dict(type="dict", default={}),
            once=dict(type="bool", default=False),
        ),
    ),
    details=dict(type="dict", default={}),
    run_id=dict(type="str"),
    lease_seconds=dict(type="int", default=14400),
    controller=dict(type="str"),
    controller_pid=dict(type="int"),
    break_lease=dict(type="bool", default=False),
)


def marks_of(params):
    """The ``(state, details, once)`` records a mark action writes: O(state), then O(marks)."""
    marks = []
    if params["state"] and params["action"] in ("mark", "mark_once"):
        marks.append((params["state"], params["details"], params["action"] == "mark_once"))
    marks.extend((mark["state"], mark["details"], mark["once"]) for mark in params["marks"])
    return marks


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[
            ("action", "mark", ["state", "marks"], True),
            ("action", "mark_once", ["state"]),
            ("action", "clear", ["state"]),
            ("action", "acquire_lease", ["run_id"]),
            ("action", "release_lease", ["run_id"]),
        ],
        supports_check_mode=True,
    )
    p = module.params
    host = p["host"] or jr.default_host()
    try:
        jr.validate_cluster_name(p["cluster"])
        journal = jr.read_journal(p["state_dir"], p["cluster"])
        if p["action"] == "read":
            module.exit_json(changed=False, **jr.describe(journal, host))
        if p["action"] == "acquire_lease":
            lease = dict(controller=p["controller"], force=p["break_lease"], check_only=module.check_mode, controller_pid=p["controller_pid"])
            journal, broken = jr.acquire_lease(p["state_dir"], p["cluster"], host, p["run_id"], p["lease_seconds"], **lease)
            module.exit_json(changed=True, broken_lease=broken, **jr.describe(journal, host))
        if p["action"] == "release_lease":
            journal, released = jr.release_lease(p["state_dir"], p["cluster"], host, p["run_id"], module.check_mode)
            module.exit_json(changed=released, **jr.describe(journal, host))
        jr.check_owner(journal, host, p["state_dir"])
        before_states = copy.deepcopy((journal or {}).get("states", {}))
        if p["marks"] and p["action"] != "mark":
            module.fail_json(msg="marks needs action=mark, not action=%s" % p["action"])
        marks, clear = marks_of(p), ([p["state"]] if p["action"] == "clear" else [])
        jr.check_marks(marks)
        # The journal as the action leaves it, computed without writing (check mode, diff).
        after = jr.apply_marks(copy.deepcopy(journal) if journal is not None else jr.new_journal(p["cluster"], host), host, marks, clear)
        changed = after["states"] != before_states
        if changed and not module.check_mode:
            after = jr.mark_states(p["state_dir"], p["cluster"], host, marks, clear)
        result = jr.describe(after if changed else journal, host)
        if module._diff:
            header = "%s journal states" % p["cluster"]
            result["diff"] = dict(before=before_states, after=after["states"], before_header=header, after_header=header)
        module.exit_json(changed=changed, **result)
    except jr.JournalError as exc:
        module.fail_json(msg=str(exc), **exc.details)


if __name__ == "__main__":
    main()
