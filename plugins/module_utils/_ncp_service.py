# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stopping NCP until it is really gone, and starting it only in the expected mode (invariants 4 to 6): the nsx-ncp
Deployment (kubectl) or the ncp monit job (TKGI)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._kubectl import KubectlError
from ansible_collections.ncp.mp_to_policy.plugins.module_utils.ncp_ini import IniError, NcpIni

TRUE_WORDS = ("true", "yes", "on", "1")


class NcpServiceError(Exception):
    def __init__(self, message, **details):
        super(NcpServiceError, self).__init__(message)
        self.message = message
        self.details = details


def mode_of_ini(text, where):
    """``policy`` or ``mp`` from ncp.ini's [nsx_v3] policy_nsxapi (unset means MP mode)."""
    try:
        value = NcpIni(text).get("nsx_v3", "policy_nsxapi")
    except IniError as exc:
        raise NcpServiceError("cannot read policy_nsxapi from %s: %s" % (where, exc), path=where)
    return "policy" if value is not None and value.strip().lower() in TRUE_WORDS else "mp"


def refuse_other_mode(mode, expect_mode, source):
    """Start nothing when ncp.ini (``source``) sets another mode than the migration expects."""
    if expect_mode and mode is not None and mode != expect_mode:
        message = "refusing to start NCP: %s says %s mode, the migration expects %s mode" % (source, mode, expect_mode)
        raise NcpServiceError(message, mode=mode, expected_mode=expect_mode)


# Longest single watch between two reads: a watch that never delivers its event (a proxy that holds it open)
# costs at most this much once; a slow but healthy wait just starts another watch.
WATCH_SLICE = 5.0


def wait_until(predicate, timeout, poll_interval, clock=time.monotonic, sleep=time.sleep, watch=None, check_first=True):
    """Check ``predicate`` (returns (done, state)) until done or ``timeout`` seconds; return (done, state).

    Between checks ``watch(seconds)`` (False: it cannot watch, poll from then on) or a sleep of ``poll_interval``.
    ``check_first=False`` waits once first: right after a change, a check only costs a kubectl run.
    """
    deadline = clock() + timeout
    waited = check_first
    while True:
        if waited:
            done, state = predicate()
            if done or clock() >= deadline:
                return done, state
        waited = True
        left = max(0.0, deadline - clock())
        if watch is not None:
            began = clock()
            slice_seconds = min(WATCH_SLICE, left)
            if watch(slice_seconds) or clock() - began >= slice_seconds:
                continue
            watch = None  # failed at once: this kubectl or API cannot watch; poll from now on
        sleep(min(poll_interval, left))


class KubernetesNcp:
    def __init__(self, kubectl, namespace="nsx-system", deployment="nsx-ncp", configmap="nsx-ncp-config", key="ncp.ini", watch=True):
        self.kubectl = kubectl
        self.namespace = namespace
        self.deployment = deployment
        self.watch = watch
        self.configmap = configmap
        self.key = key

    def _get(self, kind, name):
        try:
            return self.kubectl.get(kind, name, self.namespace)
        except KubectlError as exc:
            raise NcpServiceError("cannot read %s %s/%s: %s" % (kind, self.namespace, name, exc.message), kind=kind, name=name)

    def read_deployment(self):
        return self._get("deployment", self.deployment)

    def selector(self, deployment):
        labels = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        if not labels:
            raise NcpServiceError("deployment %s/%s has no spec.selector.matchLabels to find its pods" % (self.namespace, self.deployment))
        return ",".join("%s=%s" % item for item in sorted(labels.items()))

    def pods(self, deployment):
        try:
            answer = self.kubectl.run_json(["get", "pods", "-n", self.namespace, "-l", self.selector(deployment)])
        except KubectlError as exc:
            raise NcpServiceError("cannot list NCP pods in %s: %s" % (self.namespace, exc.message))
        return answer.get("items") or []

    def mode(self):
        configmap = self._get("configmap", self.configmap)
        text = (configmap.get("data") or {}).get(self.key)
        where = "ConfigMap %s/%s key %s" % (self.namespace, self.configmap, self.key)
        if text is None:
            raise NcpServiceError("%s is missing" % where)
        return mode_of_ini(text, where)

    def scale(self, replicas):
        try:
            self.kubectl.run(["scale", "deployment", self.deployment, "-n", self.namespace, "--replicas=%d" % replicas])
        except KubectlError as exc:
            raise NcpServiceError("cannot scale %s/%s to %d: %s" % (self.namespace, self.deployment, replicas, exc.message))

    def watcher(self, condition, target):
        """A ``watch`` for wait_until, ``kubectl wait``, or None; it only shortens the wait (the pods are read after it)."""
        if not self.watch:
            return None

        def watch(seconds):
            try:
                self.kubectl.run(["wait", "--for=%s" % condition] + target + ["-n", self.namespace, "--timeout=%.1fs" % seconds])
            except KubectlError:
                return False
            return True

        return watch

    def stop(self, timeout, poll_interval, check_mode=False):
        deployment = self.read_deployment()
        replicas = int((deployment.get("spec") or {}).get("replicas") or 0)
        # At 0 replicas, pods still terminating are the only change left to wait for.
        changed = replicas != 0 or bool(self.pods(deployment))
        result = {"previous_replicas": replicas, "replicas": 0, "changed": changed}
        if check_mode or not changed:
            return result
        if replicas != 0:
            self.scale(0)

        def gone():
            left = self.pods(deployment)
            return not left, [pod["metadata"]["name"] for pod in left]

        # Pods scaled away just now are still terminating: watch first, then one read confirms.
        watch = self.watcher("delete", ["pod", "-l", self.selector(deployment)])
        done, left = wait_until(gone, timeout, poll_interval, watch=watch, check_first=replicas == 0)
        if not done:
            # Not confirmed stopped: nothing may be imported, so put NCP back as it was rather than
            # leave the cluster at 0 replicas with nobody recording it.
            restored = None
            if replicas:
                try:
                    self.scale(replicas)
                    restored = replicas
                except NcpServiceError:
                    pass
            back = "scaled back to %d replica(s)" % restored if restored else "scaling back FAILED - check the Deployment"
            message = "NCP pods still exist %ds after scaling %s/%s to 0: %s; %s" % (timeout, self.namespace, self.deployment, ", ".join(left), back)
            raise NcpServiceError(message, pods=left, previous_replicas=replicas, restored_replicas=restored)
        return result

    def start(self, replicas, expect_mode, timeout, poll_interval, check_mode=False):
        mode = self.mode()
        refuse_other_mode(mode, expect_mode, "its ConfigMap")
        deployment = self.read_deployment()
        current = int((deployment.get("spec") or {}).get("replicas") or 0)
        result = {"previous_replicas": current, "replicas": replicas, "mode": mode, "changed": current != replicas}
        if check_mode:
            return result
        if current != replicas:
            self.scale(replicas)

        def ready():
            pods = [pod for pod in self.pods(deployment) if not pod["metadata"].get("deletionTimestamp")]
            ready_pods = [pod for pod in pods if _pod_ready(pod)]
            return len(ready_pods) >= replicas, [pod["metadata"]["name"] for pod in pods if not _pod_ready(pod)]

        watch = self.watcher("jsonpath={.status.readyReplicas}=%d" % replicas, ["deployment/%s" % self.deployment])
        # From 0 replicas no pod can be Ready yet: watch first, then one read confirms.
        done, waiting = wait_until(ready, timeout, poll_interval, watch=watch, check_first=current != 0)
        if not done:
            raise NcpServiceError(
                "NCP did not become Ready within %ds after scaling %s/%s to %d (not ready: %s)"
                % (timeout, self.namespace, self.deployment, replicas, ", ".join(waiting) or "no pod yet"),
                pods=waiting,
            )
        return result


def _pod_ready(pod):
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


# TKGI: monit on each master.
_MONIT_LINE = re.compile(r"^\s*(?:Process\s+)?['\"]?(?P<name>[\w.-]+)['\"]?\s{2,}(?P<status>.+?)\s*$")


def monit_status(summary, service):
    """The status monit's summary gives ``service``, lower case (e.g. running, not monitored)."""
    for line in summary.splitlines():
        line = line.replace("\u2502", " ").replace("|", " ")
        match = _MONIT_LINE.match(line)
        if match and match.group("name") == service:
            return re.split(r"\s{2,}", match.group("status").strip())[0].lower()
    return None


class MonitNcp:
    def __init__(self, run, monit="monit", service="ncp", ncp_ini_path=None):
        self.run = run
        self.monit = monit
        self.service = service
        self.ncp_ini_path = ncp_ini_path

    def status(self):
        rc, out, err = self.run([self.monit, "summary"])
        if rc != 0:
            raise NcpServiceError("%s summary failed (rc %s): %s" % (self.monit, rc, (err or out).strip()))
        status = monit_status(out, self.service)
        if status is None:
            raise NcpServiceError("monit knows no service %r on this master" % self.service)
        return status

    def _switch(self, verb, wanted, timeout, poll_interval, result):
        """``monit <verb>``, then wait until monit reports one of ``wanted``; ``result`` with the status reached."""
        rc, out, err = self.run([self.monit, verb, self.service])
        if rc != 0:
            raise NcpServiceError("%s %s %s failed (rc %s): %s" % (self.monit, verb, self.service, rc, (err or out).strip()))

        def probe():
            status = self.status()
            return status in wanted, status

        done, status = wait_until(probe, timeout, poll_interval)
        if not done:
            reports = "still reports" if verb == "stop" else "reports"
            raise NcpServiceError("monit %s %s as %r %ds after 'monit %s'" % (reports, self.service, status, timeout, verb), monit_status=status)
        result["monit_status"] = status
        return result

    def mode(self):
        if not self.ncp_ini_path:
            return None
        try:
            with open(self.ncp_ini_path, "rb") as handle:
                text = handle.read().decode("utf-8")
        except (IOError, OSError, UnicodeDecodeError) as exc:
            raise NcpServiceError("cannot read %s: %s" % (self.ncp_ini_path, exc), path=self.ncp_ini_path)
        return mode_of_ini(text, self.ncp_ini_path)

    def stop(self, timeout, poll_interval, check_mode=False):
        status = self.status()
        result = {"changed": status != "not monitored", "monit_status": status}
        if check_mode or status == "not monitored":
            return result
        return self._switch("stop", ("not monitored",), timeout, poll_interval, result)

    def start(self, expect_mode, timeout, poll_interval, check_mode=False):
        mode = self.mode()
        refuse_other_mode(mode, expect_mode, self.ncp_ini_path)
        status = self.status()
        result = {"changed": status not in ("running", "ok"), "monit_status": status, "mode": mode}
        if check_mode or not result["changed"]:
            return result
        return self._switch("start", ("running", "ok"), timeout, poll_interval, result)
