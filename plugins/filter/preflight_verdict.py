# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: preflight_verdict
short_description: Combine NSX and host preflight results into one verdict
version_added: 0.1.0
description:
  - Merges the findings of M(ncp.mp_to_policy.nsx_preflight) and of
    M(ncp.mp_to_policy.ncp_host_preflight) on each import master, adds an error for every
    import master that gave no answer, marks findings of waived checks, and says whether the
    import may start (docs/architecture.md section 3, invariant 1).
positional: nsx_result, host_results, waivers, controller
options:
  _input:
    description: The clusters in scope, as a dict of cluster name to import master (null when none could be chosen).
    type: dict
    required: true
  nsx_result:
    description: The registered result of M(ncp.mp_to_policy.nsx_preflight) (may be a failed one).
    type: dict
    required: true
  host_results:
    description: Per import master, the registered result of M(ncp.mp_to_policy.ncp_host_preflight), or null.
    type: dict
    required: true
  waivers:
    description:
      - Check IDs whose error findings do not block; they stay in the report, marked C(waived).
      - V(nsx_cluster_not_in_inventory) is never waived this way (only cluster by cluster, in C(ncp_clusters_known_gone)).
    type: list
    elements: str
  controller:
    description:
      - The run's own settings for the C(controller_forks) check, C({forks, masters}) - Ansible's forks and the
        masters the migration stops and starts at once. With fewer forks than masters the stop, the Policy-mode
        switch and the start run in waves, each adding to the downtime - a warning, it does not block.
      - Omitted or null, the check does not run.
    type: dict
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    verdict: "{{ {'c1': 'master-1'} | ncp.mp_to_policy.preflight_verdict(nsx_result, host_results, ['backup_configured']) }}"

- name: Decide, and warn when Ansible has fewer forks than masters
  ansible.builtin.set_fact:
    verdict: "{{ {'c1': 'master-1'} | ncp.mp_to_policy.preflight_verdict(nsx_result, host_results, [], {'forks': ansible_forks, 'masters': 3}) }}"
"""

RETURN = r"""
_value:
  description: C(passed), C(findings), C(summary), C(blocking) (the findings that block) and C(nsx_version).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._findings import NAMED_WAIVER_ONLY, finding, findings_unless, summarize


def forks_findings(forks, masters):
    """A warning when the migration would stop and start NCP in waves (fewer forks than masters)."""
    return findings_unless(
        "controller_forks",
        forks >= masters,
        "warning",
        "%d masters but Ansible runs %d forks: the migration would stop NCP, switch it to Policy mode and start it in %d waves,"
        " each adding to the control-plane downtime" % (masters, forks, -(-masters // forks)),
        "Run the migration with -f %d (forks = %d under [defaults] in ansible.cfg, ANSIBLE_FORKS, or the job template's Forks in AWX)." % (masters, masters),
    )


def preflight_verdict(masters, nsx_result, host_results, waivers=None, controller=None):
    waivers = set(waivers or [])
    findings = []
    checks_run = []
    if controller:
        try:
            forks, count = int(controller["forks"]), int(controller["masters"])
            if forks < 1 or count < 0:
                raise ValueError(forks)
        except (KeyError, TypeError, ValueError):
            raise AnsibleFilterError("preflight_verdict: controller must be {forks, masters} with whole numbers, got %r" % (controller,))
        checks_run.append("controller_forks")
        findings.extend(forks_findings(forks, count))
    nsx_result = nsx_result or {}
    if nsx_result.get("findings") is None:
        fix = "Fix the connection to the NSX Manager (address, credentials, CA) and run the preflight again."
        findings.append(finding("nsx_version", "error", "The NSX preflight did not complete: %s" % (nsx_result.get("msg") or "no result"), fix))
    else:
        findings.extend(nsx_result["findings"])
        checks_run.extend((nsx_result.get("summary") or {}).get("checks_run") or [])
    for cluster, host in sorted((masters or {}).items()):
        result = ((host_results or {}).get(host) or {}) if host else {}
        if result.get("findings") is not None:
            findings.extend(result["findings"])
            for check in (result.get("summary") or {}).get("checks_run") or []:
                if check not in checks_run:
                    checks_run.append(check)
        elif host:
            message = "The import master %s of cluster %s gave no preflight answer: %s" % (host, cluster, result.get("msg") or "unreachable")
            fix = "Make the master reachable (SSH, Python) and run the preflight again."
            findings.append(finding("import_master_reachable", "error", message, fix, cluster=cluster, object_type="Host", object_id=host))
        else:
            message = "No import master could be chosen for cluster %s (see the failed 'Choose the cluster's import master' task)" % cluster
            fix = "Make every master of the cluster reachable so its journal can be read, or fix ncp_import_master."
            findings.append(finding("import_master_reachable", "error", message, fix, cluster=cluster))
    # A cluster left running on the NSX is waived by its name (ncp_clusters_known_gone), never by the check ID.
    marked = [dict(item, waived=item["check"] in waivers and item["check"] not in NAMED_WAIVER_ONLY) for item in findings]
    blocking = [item for item in marked if item["severity"] == "error" and not item["waived"]]
    return {
        "passed": not blocking,
        "findings": marked,
        "blocking": blocking,
        "summary": summarize(marked, checks_run),
        "nsx_version": nsx_result.get("nsx_version"),
        "api_requests": nsx_result.get("api_requests"),
        "waived_checks": sorted(waivers),
    }


class FilterModule:
    def filters(self):
        return {"preflight_verdict": preflight_verdict}
