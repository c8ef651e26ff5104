#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsx_migration_coordinator
short_description: Check, start or stop the NSX migration coordinator service on one NSX Manager node
version_added: 0.1.0
description:
  - The MP-to-Policy import needs the migration coordinator running on the NSX Manager node the
    import talks to (vendor step 2; TKGI wants it on every manager node). This module drives it through the node
    service API of O(nsx_manager) (C(GET /api/v1/node/services/migration-coordinator/status),
    C(POST /api/v1/node/services/migration-coordinator?action=start|stop)), the API equivalent of
    C(/etc/init.d/migration-coordinator start) on the manager.
  - With O(state=started) it starts a stopped coordinator and polls its status until C(runtime_state)
    is C(running), at most O(timeout) seconds.
  - Run it against a manager node, not the cluster's API virtual IP; every import call must go to the
    same node (see M(ncp.mp_to_policy.nsx_preflight)'s V(nsx_manager_not_vip) check).
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.nsx
attributes:
  check_mode:
    details: Reads the status and reports whether a start or stop would happen; nothing is started or stopped.
  diff_mode:
    support: full
    details: Returns the service's runtime state before and after.
options:
  state:
    description:
      - V(status) only reads the service status.
      - V(started) starts the coordinator if it is not running and waits until it runs.
      - V(stopped) stops it (after the last import, vendor step 8) and waits until it is stopped.
    type: str
    choices: [status, started, stopped]
    default: status
  timeout:
    description:
      - Seconds to wait for the coordinator to reach the wanted state after the start or stop.
    type: int
    default: 300
  poll_interval:
    description:
      - Seconds between two status reads while waiting.
    type: float
    default: 5
notes:
  - NSX versions without the node service API for the coordinator need the command on the manager
    (C(/etc/init.d/migration-coordinator start), or C(start service migration-coordinator) in nsxcli). This
    module then fails with NSX's error, which names the call.
seealso:
  - module: ncp.mp_to_policy.nsx_preflight
"""

EXAMPLES = r"""
- name: Start the migration coordinator on the manager used for the import
  ncp.mp_to_policy.nsx_migration_coordinator:
    nsx_manager: 10.0.0.11
    nsx_username: admin
    nsx_password: "{{ vault_nsx_password }}"
    state: started
    timeout: 600

- name: Is it running?
  ncp.mp_to_policy.nsx_migration_coordinator:
    nsx_manager: 10.0.0.11
  register: coordinator
"""

RETURN = r"""
runtime_state:
  description: The coordinator's C(runtime_state) at the end (C(running), C(stopped), ...).
  returned: always
  type: str
  sample: running
previous_state:
  description: The C(runtime_state) before the module acted.
  returned: always
  type: str
running:
  description: Whether the coordinator runs at the end.
  returned: always
  type: bool
status:
  description: NSX's status answer at the end (C(runtime_state), C(monitor_runtime_state), C(pids), C(health)).
  returned: always
  type: dict
waited:
  description: Seconds spent waiting for the wanted state.
  returned: always
  type: float
api_requests:
  description: HTTP requests made to NSX.
  returned: always
  type: int
"""

import time

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_import_gate import COORDINATOR_SERVICE, COORDINATOR_STATUS
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NsxModule
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError

ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["status", "started", "stopped"], default="status"),
    timeout=dict(type="int", default=300),
    poll_interval=dict(type="float", default=5.0),
)
WANTED = {"started": "running", "stopped": "stopped"}


def read_status(client):
    return client.get(COORDINATOR_STATUS)


def main():
    module = NsxModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    if params["timeout"] < 0 or params["poll_interval"] <= 0:
        module.fail_json(msg="timeout must be at least 0 and poll_interval more than 0")
    client = module.client
    try:
        status = read_status(client)
    except NsxApiError as exc:
        module.fail_nsx(exc)
    previous = status.get("runtime_state")
    wanted = WANTED.get(params["state"])
    changed = wanted is not None and previous != wanted
    result = dict(changed=changed, previous_state=previous, waited=0.0, diff=dict(before={"runtime_state": previous}, after={"runtime_state": previous}))
    if changed and not module.check_mode:
        action = "start" if wanted == "running" else "stop"
        started_at = time.monotonic()
        try:
            client.post(COORDINATOR_SERVICE, params={"action": action})
            status = read_status(client)
            while status.get("runtime_state") != wanted:
                waited = time.monotonic() - started_at
                if waited >= params["timeout"]:
                    result["waited"] = round(waited, 1)
                    module.fail_json(
                        msg="The migration coordinator on %s is %s, not %s, %d seconds after the %s request (timeout)"
                        % (client.manager, status.get("runtime_state"), wanted, waited, action),
                        runtime_state=status.get("runtime_state"),
                        running=status.get("runtime_state") == "running",
                        status=status,
                        api_requests=client.request_count,
                        **result,
                    )
                time.sleep(min(params["poll_interval"], max(0.0, params["timeout"] - waited)))
                status = read_status(client)
        except NsxApiError as exc:
            module.fail_nsx(exc, **result)
        result["waited"] = round(time.monotonic() - started_at, 1)
    state = status.get("runtime_state")
    if changed:
        result["diff"]["after"] = {"runtime_state": wanted if module.check_mode else state}
    module.exit_json(runtime_state=state, running=state == "running", status=status, api_requests=client.request_count, **result)


if __name__ == "__main__":
    main()
