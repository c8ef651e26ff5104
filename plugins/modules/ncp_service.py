#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ncp_service
short_description: Stop NCP until it is really gone, or start it in the expected mode
version_added: 0.1.0
description:
  - V(kubernetes) scales the C(nsx-ncp) Deployment to 0 and waits until no NCP pod is left (terminating pods included), or scales it back to
    O(replicas) and waits until the pods are Ready.
  - V(tkgi) runs C(monit stop ncp) / C(monit start ncp) on this master and waits for monit to report it not monitored / running. Run it on every
    master of a TKGI cluster.
  - With O(state=started) and O(expect_mode), the mode in ncp.ini (C(policy_nsxapi)) is read first, and NCP is not started at all when it differs.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
  - ncp.mp_to_policy.ncp_cluster
  - ncp.mp_to_policy.ncp_cluster.objects
attributes:
  check_mode:
    support: full
    details: Reads the current state and reports what would change; scales and stops nothing.
  diff_mode:
    support: none
options:
  state:
    description: V(stopped) or V(started).
    type: str
    choices: [stopped, started]
    required: true
  platform:
    description: How NCP runs.
    type: str
    choices: [kubernetes, tkgi]
    default: kubernetes
  replicas:
    description:
      - Replica count to start with (the count recorded when NCP was stopped). V(kubernetes) only.
    type: int
    default: 1
  expect_mode:
    description:
      - The mode NCP must start in, V(policy) (C(policy_nsxapi = True)) or V(mp). Checked before starting.
    type: str
    choices: [policy, mp]
  timeout:
    description: Seconds to wait for NCP to be gone or Ready.
    type: int
    default: 600
  poll_interval:
    description: Seconds between checks while waiting.
    type: float
    default: 2
  watch:
    description:
      - V(kubernetes) only. Wait with C(kubectl wait) first (C(--for=delete), or C(--for=jsonpath={.status.readyReplicas}=N) from kubectl 1.23),
        so the module returns as soon as the pods are gone or Ready instead of at the next poll. Each watch lasts at most 5 s and the pods are read
        after it all the same; a kubectl that cannot wait is not asked again and the pods are polled every O(poll_interval).
      - V(false) polls only.
    type: bool
    default: true
  monit:
    description: monit binary (TKGI).
    type: str
    default: monit
  monit_service:
    description: NCP's monit service name (TKGI).
    type: str
    default: ncp
  ncp_ini_path:
    description: The rendered ncp.ini on this master, read for O(expect_mode) (TKGI).
    type: path
  journal:
    description:
      - V(kubernetes) only. Journal the confirmed stop (C(ncp_stopped), with the replicas to start again with) or start (C(ncp_started) in
        O(expect_mode), which it then needs) in the cluster's journal on this master (M(ncp.mp_to_policy.ncp_journal)), in the same module run -
        one module start less per cluster inside the control-plane outage.
      - The journal is read before NCP is touched (this host must own it); nothing is journaled when the stop or the start fails. A journal that
        cannot be written after NCP was stopped or started fails the task, which says so.
    type: dict
    suboptions:
      cluster:
        description: The cluster's name.
        type: str
        required: true
      state_dir:
        description: The journal directory.
        type: path
        default: /var/lib/ncp-mp-to-policy
      host:
        description: This master's name in the journal; the host's name when not set.
        type: str
      new_stop:
        description:
          - O(state=stopped). V(true) for a stop after NCP was started again since the first stop - its time is recorded and the start, the
            quiesce and the backup are forgotten, as they must follow it. V(false) keeps the time of a stop already recorded (a re-run).
        type: bool
        default: false
"""

EXAMPLES = r"""
- name: Stop NCP
  ncp.mp_to_policy.ncp_service:
    state: stopped
    kubeconfig: /root/.kube/config
  register: ncp_stop

- name: Start NCP in Policy mode with the replicas it had
  ncp.mp_to_policy.ncp_service:
    state: started
    replicas: "{{ ncp_stop.previous_replicas }}"
    expect_mode: policy
    kubeconfig: /root/.kube/config

- name: Stop NCP and journal the confirmed stop in the same task
  ncp.mp_to_policy.ncp_service:
    state: stopped
    kubeconfig: /root/.kube/config
    journal:
      cluster: k8s-prod-1
  register: ncp_stop_journaled
"""

RETURN = r"""
previous_replicas:
  description: Replicas of the Deployment before the change (V(kubernetes)).
  returned: when platform is kubernetes
  type: int
replicas:
  description: Replicas after the change (V(kubernetes)).
  returned: when platform is kubernetes
  type: int
mode:
  description: The mode ncp.ini set NCP to when it was started, V(policy) or V(mp).
  returned: when state is started
  type: str
monit_status:
  description: What monit reported last (V(tkgi)).
  returned: when platform is tkgi
  type: str
at:
  description: When NCP was found stopped or started (ISO 8601 UTC).
  returned: success
  type: str
at_epoch:
  description: The same time in seconds since the epoch.
  returned: success
  type: float
journal:
  description:
    - The journal as this task left it (in check mode, as it would), as M(ncp.mp_to_policy.ncp_journal) returns it (C(journal), C(states), ...).
  returned: when O(journal) is given
  type: dict
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import journal as jr
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._kubectl import NCP_CLUSTER_ARGSPEC, Kubectl
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._ncp_service import KubernetesNcp, MonitNcp, NcpServiceError

ARGUMENT_SPEC = dict(
    NCP_CLUSTER_ARGSPEC,
    state=dict(type="str", choices=["stopped", "started"], required=True),
    platform=dict(type="str", choices=["kubernetes", "tkgi"], default="kubernetes"),
    replicas=dict(type="int", default=1),
    expect_mode=dict(type="str", choices=["policy", "mp"]),
    timeout=dict(type="int", default=600),
    poll_interval=dict(type="float", default=2.0),
    watch=dict(type="bool", default=True),
    monit=dict(type="str", default="monit"),
    monit_service=dict(type="str", default="ncp"),
    ncp_ini_path=dict(type="path"),
    journal=dict(type="dict", options=dict(jr.JOURNAL_OPTIONS, new_stop=dict(type="bool", default=False))),
)


def journal_host(module):
    """This master's name in the journal and the journal's states, once it may be written here (before NCP is touched)."""
    p, spec = module.params, module.params["journal"]
    if p["platform"] != "kubernetes":
        module.fail_json(msg="journal applies to platform kubernetes only: on TKGI every master stops NCP, journal once all confirmed")
    if p["state"] == "started" and not p["expect_mode"]:
        module.fail_json(msg="journal with state=started needs expect_mode (the mode journaled)")
    host = spec["host"] or jr.default_host()
    try:
        jr.validate_cluster_name(spec["cluster"])
        before = jr.load_for_host(spec["state_dir"], spec["cluster"], host)
    except jr.JournalOwnerError as exc:
        module.fail_json(msg="%s; NCP was left as it is" % exc, owner_host=exc.owner, path=exc.path)
    except jr.JournalError as exc:
        module.fail_json(msg="%s; NCP was left as it is" % exc)
    return host, before["states"]


def journal_result(module, host, result):
    """Journal the confirmed stop or start; the journal as ncp_journal describes it."""
    p, spec = module.params, module.params["journal"]
    marks, clear = jr.service_marks(p["state"], p["platform"], result.get("previous_replicas"), spec["new_stop"], p["expect_mode"])
    try:
        journal = jr.record_marks(spec["state_dir"], spec["cluster"], host, marks, clear, check_only=module.check_mode)
    except jr.JournalError as exc:
        module.fail_json(msg="NCP is %s, but the journal of %s could not be written: %s" % (p["state"], spec["cluster"], exc), **result)
    return jr.describe(journal, host)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    p = module.params
    if p["replicas"] < 1 and p["state"] == "started":
        module.fail_json(msg="replicas must be at least 1 to start NCP (got %d)" % p["replicas"])
    if p["timeout"] < 0 or p["poll_interval"] <= 0:
        module.fail_json(msg="timeout must be at least 0 and poll_interval above 0")

    host, states_before = journal_host(module) if p["journal"] else (None, None)

    def run(argv, data=None):
        return module.run_command(argv, data=data, binary_data=False)

    try:
        wait = (p["timeout"], p["poll_interval"], module.check_mode)
        if p["platform"] == "kubernetes":
            kubectl = Kubectl(binary=p["kubectl"], kubeconfig=p["kubeconfig"], context=p["context"], run_command=run)
            ncp = KubernetesNcp(kubectl, p["namespace"], p["deployment"], p["configmap"], p["configmap_key"], watch=p["watch"])
            start = (p["replicas"], p["expect_mode"])
        else:
            ncp = MonitNcp(run, p["monit"], p["monit_service"], p["ncp_ini_path"])
            start = (p["expect_mode"],)
        result = ncp.stop(*wait) if p["state"] == "stopped" else ncp.start(*(start + wait))
    except NcpServiceError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    now = time.time()
    result["at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    result["at_epoch"] = now
    if p["journal"]:
        result["journal"] = journal_result(module, host, result)
        result["changed"] = result["changed"] or result["journal"]["states"] != states_before
    module.exit_json(**result)


if __name__ == "__main__":
    main()
