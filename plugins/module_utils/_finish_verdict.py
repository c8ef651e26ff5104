# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""finish.yml's verdict (vendor step 8): each cluster imported and running NCP in Policy mode, by its journal, its NCP
configuration and NSX's promotion state."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _true(value):
    """Ansible's ``bool`` of a value that went through a template (True, 'True', 'yes', '1', ...)."""
    return str(value).lower() in ("true", "1", "yes", "on")


def problems(answer, nsx, fail_on_unpromoted=False):
    """Why the cluster is not finished (empty when it is). ``answer``: what its import master said (the finish role's
    ``cluster`` entry point); ``nsx``: its promotion state (nsx_promotion_status's ``tagged``, ``unpromoted``)."""
    found = []
    setting, started = answer.get("policy_nsxapi"), answer.get("started_mode")
    if answer.get("config_error"):
        found.append("NCP configuration not readable: %s" % answer["config_error"])
    elif not _true(setting):
        found.append("NCP is configured for MP mode (policy_nsxapi = %s)" % (setting or "unset"))
    if answer.get("journal_error"):
        found.append("journal not readable: %s" % answer["journal_error"])
    elif _true(answer.get("journal_exists")):
        if not _true(answer.get("imported")):
            found.append("the journal records no successful cluster import (last state: %s)" % (answer.get("current_state") or "none"))
        if started != "policy":
            found.append("the journal records no start of NCP in Policy mode (started in: %s)" % (started or "not started"))
    elif nsx["tagged"] == 0 or nsx["unpromoted"] > 0:
        found.append("no migration journal, and NSX shows %s of %s NCP-tagged MP objects unpromoted" % (nsx["unpromoted"], nsx["tagged"]))
    left_behind = (answer.get("left_behind_message") or "").strip()
    found += [left_behind] if left_behind else []
    if fail_on_unpromoted and nsx["unpromoted"] > 0 and _true(answer.get("journal_exists")):
        found.append("%s NCP-tagged MP object(s) not promoted to Policy" % nsx["unpromoted"])
    return found


def verify_clusters(answers, names, nsx_clusters, fail_on_unpromoted=False):
    """One verdict per cluster of ``names``, in that order: its import master's answer (``answers``: one per cluster that
    answered) with ``policy_mode``, NSX's counts, ``problems`` and ``ok``."""
    verdicts = []
    for name in names:
        unanswered = dict(name=name, platform="unknown", import_master=None, journal_exists=False, imported=False, current_state=None)
        unanswered.update(started_mode=None, config_error="no import master of this cluster answered", policy_nsxapi="", left_behind=[])
        answer = next((a for a in answers if a.get("name") == name), dict(unanswered, journal_error="", left_behind_message=""))
        nsx = next((c for c in nsx_clusters if c.get("name") == name), {"tagged": 0, "unpromoted": 0})
        found = problems(answer, nsx, _true(fail_on_unpromoted))
        counts = dict((key, nsx.get(key)) for key in ("tagged", "unpromoted", "unpromoted_by_type", "unpromoted_objects"))
        verdicts.append(dict(answer, policy_mode=_true(answer.get("policy_nsxapi")), problems=found, ok=not found, **counts))
    return verdicts
