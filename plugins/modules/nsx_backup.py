#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nsx_backup: take an NSX backup to the configured remote file server and prove it succeeded."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nsx_backup
short_description: Back up NSX to its remote file server and verify that this backup succeeded
version_added: "0.1.0"
description:
  - Checks that NSX has a remote backup target (C(remote_file_server) in
    C(GET /api/v1/cluster/backups/config)) and fails naming the missing setting when it has none.
    C(backup_enabled) only switches NSX's own schedule and is not required.
  - Starts a cluster backup (C(POST /api/v1/cluster?action=backup_to_remote)) and polls
    C(/api/v1/cluster/backups/status) and C(/api/v1/cluster/backups/history) every O(poll_interval)
    seconds until this backup appears in the history.
  - A history entry counts as this backup only when its C(backup_id) was not in the history before
    the request and it started no earlier than 120 seconds before the request (allowance for a clock
    difference between this host and NSX). An older backup, even a successful one, never counts.
  - When a backup is already running, the module waits for it to end (within O(timeout)) and then
    starts its own one, because the running one may predate the stop of NCP.
  - Fails with NSX's C(error_code) and C(error_message) when the backup ends unsuccessful, and when
    O(timeout) passes first.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.nsx
attributes:
  check_mode:
    details: Verifies the backup configuration and reads the backup status; starts no backup.
  diff_mode:
    support: none
options:
  wait:
    description:
      - Wait for the backup to finish and verify it in the backup history.
      - When false, the task returns right after NSX accepted the request, with RV(success) null.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait in all, for a backup already running and for this one.
    type: int
    default: 3600
  poll_interval:
    description: Seconds between two looks at the backup status and history.
    type: int
    default: 10
notes:
  - Times are returned as ISO 8601 UTC strings with milliseconds (RV(start_time), RV(end_time)) and as
    NSX reports them, milliseconds since the epoch (RV(start_time_ms), RV(end_time_ms)).
"""

EXAMPLES = r"""
- name: Back up NSX after NCP was stopped everywhere (strategy 1)
  ncp.mp_to_policy.nsx_backup:
    nsx_manager: nsx-mgr-01.example.com
    nsx_username: admin
    nsx_password: "{{ vault_nsx_password }}"
    timeout: 3600
    poll_interval: 15
  register: nsx_backup_result

- name: Only check that a backup target is configured
  ncp.mp_to_policy.nsx_backup:
    nsx_manager: nsx-mgr-01.example.com
  check_mode: true
"""

RETURN = r"""
backup_id:
  description: ID of the backup this task started; null in check mode and when NSX did not report it yet (O(wait=false)).
  returned: always
  type: str
  sample: 2b0a7b9e-4d8e-4c57-9d11-6a1c9f0e2a31
success:
  description: Whether NSX reports the backup successful; null in check mode and with O(wait=false).
  returned: always
  type: bool
  sample: true
start_time:
  description: When the backup started, ISO 8601 UTC (with O(wait=false), when it was requested).
  returned: always
  type: str
  sample: "2026-11-25T15:20:01.250Z"
end_time:
  description: When the backup ended, ISO 8601 UTC; null when not waited for.
  returned: always
  type: str
  sample: "2026-11-25T15:24:42.031Z"
start_time_ms:
  description: RV(start_time) as NSX reports it, milliseconds since the epoch.
  returned: when the backup was waited for
  type: int
  sample: 1795620001250
end_time_ms:
  description: RV(end_time) as NSX reports it, milliseconds since the epoch.
  returned: when the backup was waited for
  type: int
  sample: 1795620282031
waited_for:
  description: ID of a backup that was already running when asked and was waited for first; null when none.
  returned: unless check mode
  type: str
  sample: null
running:
  description: Whether a backup was running when checked.
  returned: in check mode
  type: bool
  sample: false
error_code:
  description: NSX's error code of a failed backup (or of a refused request).
  returned: on failure
  type: raw
  sample: BACKUP_SERVER_UNREACHABLE
error_message:
  description: NSX's message for a failed backup (or a refused request).
  returned: on failure
  type: str
  sample: Failed to connect to the remote file server.
changed:
  description: True when a backup was started (in check mode, when one would be).
  returned: always
  type: bool
api_requests:
  description: Number of HTTP requests sent to NSX.
  returned: always
  type: int
  sample: 12
"""

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_backup import BackupError, BackupRun
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._nsx_module import NsxModule
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import NsxApiError


def main():
    module = NsxModule(
        argument_spec=dict(
            wait=dict(type="bool", default=True),
            timeout=dict(type="int", default=3600),
            poll_interval=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    if module.params["timeout"] <= 0:
        module.fail_json(msg="timeout must be a positive number of seconds, not %d" % module.params["timeout"])
    if module.params["poll_interval"] <= 0:
        module.fail_json(msg="poll_interval must be a positive number of seconds, not %d" % module.params["poll_interval"])
    client = module.client
    run = BackupRun(client, timeout=module.params["timeout"], poll_interval=module.params["poll_interval"])
    try:
        result = run.run(wait=module.params["wait"], check_mode=module.check_mode)
    except BackupError as exc:
        details = dict(exc.details)
        details.setdefault("changed", run.requested_ms is not None)
        details["api_requests"] = client.request_count
        module.fail_json(msg=exc.message, **details)
    except NsxApiError as exc:
        module.fail_nsx(exc, changed=run.requested_ms is not None)
    result["api_requests"] = client.request_count
    module.exit_json(**result)


if __name__ == "__main__":
    main()
