"""The controllers of the lab cluster: Deployment and DaemonSet pods that start, become Ready and terminate.

A pod "starts" when its containers would: it then reads the ConfigMaps it mounts, so an NCP pod
records the ncp.ini (and so the ``policy_nsxapi`` mode) it started with. Scaled-away or deleted pods
stay ``Terminating`` for the grace delay before they are gone.
"""

import hashlib
import json
import random
import string
import threading
import time

from . import ncpini
from .resources import find
from .selectors import match_labels_selector, parse_label_selector
from .timeutil import now_rfc3339

# The controller passes when the store or the lab's settings/faults changed, or a pod timer fell due, never
# sooner than TICK_SECONDS after the last pass; it looks again at least every IDLE_SECONDS, and passes only if
# something changed. An idle lab cluster costs next to no CPU (the benchmarks run 20 of them on 2 cores).
TICK_SECONDS = 0.05
IDLE_SECONDS = 0.5
NCP_INI_KEY = "ncp.ini"
ANNOTATION_MODE = "lab.ncp-migration/policy-nsxapi"
ANNOTATION_INI_SHA = "lab.ncp-migration/ncp-ini-sha256"
PODS = find("", "v1", "pods")
DEPLOYMENTS = find("apps", "v1", "deployments")
DAEMONSETS = find("apps", "v1", "daemonsets")
CONFIGMAPS = find("", "v1", "configmaps")
NODES = find("", "v1", "nodes")


def template_hash(template):
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]


def _suffix(length=5):
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=length))


def _condition(kind, ok, reason=None):
    entry = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None, "lastTransitionTime": now_rfc3339()}
    if reason:
        entry["reason"] = reason
    return entry


class Controller:
    """Runs a reconcile loop in a daemon thread until ``stop()``."""

    def __init__(self, store):
        self.store = store
        self.timers = {}  # (namespace, pod) -> {"start": t, "ready": t, "delete": t} (monotonic)
        self._deadlines = []  # timer times not yet passed by a pass
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kubeapi-controller", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        with self.store.changed:
            self.store.changed.notify_all()
        self._thread.join(timeout=5)

    def _run(self):
        seen = None
        while not self._stop.wait(TICK_SECONDS):
            with self.store.changed:
                now = time.monotonic()
                if self._inputs() != seen or any(when <= now for when in self._deadlines):
                    # Taken before the pass: its own writes (a pod Ready) call for one more pass (the
                    # Deployment's status); a pass that writes nothing leaves the controller idle.
                    seen = self._inputs()
                    self.reconcile(now)
                    self._deadlines = [when for when in self._deadlines if when > now]
                if self._stop.is_set():
                    return
                if self._inputs() == seen:
                    upcoming = min(self._deadlines, default=now + IDLE_SECONDS)
                    self.store.changed.wait(timeout=min(max(upcoming - time.monotonic(), 0.0), IDLE_SECONDS))

    def _inputs(self):
        """What a pass depends on besides the clock: the objects, the settings and the faults."""
        return (self.store.resource_version, sorted(self.store.settings.items()), sorted(self.store.faults.items()))

    def _set_timer(self, timer, name, when):
        timer[name] = when
        self._deadlines.append(when)
        return when

    # ---- one pass --------------------------------------------------------------------------------
    def reconcile(self, now):
        deployments = self.store.items(DEPLOYMENTS)
        daemonsets = self.store.items(DAEMONSETS)
        owners = {d["metadata"]["uid"] for d in deployments + daemonsets}
        for deployment in deployments:
            self._deployment(deployment, now)
        for daemonset in daemonsets:
            self._daemonset(daemonset, now)
        pods = self.store.items(PODS)
        for pod in pods:
            refs = pod["metadata"].get("ownerReferences") or []
            if refs and refs[0].get("uid") not in owners:
                self._terminate(pod, now)  # garbage collection of pods whose owner is gone
            self._advance(pod, now)

    def _owned_pods(self, owner):
        selector = parse_label_selector(match_labels_selector(owner["spec"].get("selector", {}).get("matchLabels")))
        uid = owner["metadata"]["uid"]
        pods = self.store.items(
            PODS,
            owner["metadata"]["namespace"],
            lambda p: selector(p["metadata"].get("labels")) and any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or []),
        )
        return pods

    def _new_pod(self, owner, owner_kind, name, node, extra_labels, now):
        template = owner["spec"].get("template", {})
        meta = template.get("metadata", {})
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": owner["metadata"]["namespace"],
                "labels": {**meta.get("labels", {}), **extra_labels},
                "annotations": dict(meta.get("annotations", {})),
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": owner_kind,
                        "name": owner_kind_name(owner, owner_kind),
                        "uid": owner["metadata"]["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {**template.get("spec", {}), "nodeName": node},
            "status": {
                "phase": "Pending",
                "conditions": [_condition("PodScheduled", True)],
                "containerStatuses": [
                    {
                        "name": c.get("name"),
                        "image": c.get("image"),
                        "ready": False,
                        "started": False,
                        "restartCount": 0,
                        "state": {"waiting": {"reason": "ContainerCreating"}},
                    }
                    for c in template.get("spec", {}).get("containers", [])
                ],
                "hostIP": "10.0.0.10",
                "qosClass": "BestEffort",
            },
        }
        pod["metadata"]["annotations"] = pod["metadata"]["annotations"] or {}
        created = self.store.create(PODS, owner["metadata"]["namespace"], pod, manager="kube-controller-manager")
        self._set_timer(self.timers.setdefault((created["metadata"]["namespace"], name), {}), "start", now + self.store.settings["pod_start_delay"])
        return created

    def _node_names(self):
        nodes = self.store.items(NODES)
        return [n["metadata"]["name"] for n in nodes] or ["lab-node-0"]

    def _deployment(self, deployment, now):
        desired = deployment["spec"].get("replicas", 1)
        current_hash = template_hash(deployment["spec"].get("template", {}))
        pods = self._owned_pods(deployment)
        alive = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        current = [p for p in alive if p["metadata"].get("labels", {}).get("pod-template-hash") == current_hash]
        for pod in alive:
            if pod not in current:
                self._terminate(pod, now)
        for pod in sorted(current, key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)[: max(len(current) - desired, 0)]:
            self._terminate(pod, now)
            current.remove(pod)
        recreate = deployment["spec"].get("strategy", {}).get("type") == "Recreate"
        old_left = any(p["metadata"].get("labels", {}).get("pod-template-hash") != current_hash for p in pods)
        nodes = self._node_names()
        while len(current) < desired and not (recreate and old_left):
            name = f"{deployment['metadata']['name']}-{current_hash[:10]}-{_suffix()}"
            current.append(self._new_pod(deployment, "ReplicaSet", name, nodes[len(current) % len(nodes)], {"pod-template-hash": current_hash}, now))
        pods = self._owned_pods(deployment)
        alive = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        updated = [p for p in alive if p["metadata"].get("labels", {}).get("pod-template-hash") == current_hash]
        ready = [p for p in alive if _is_ready(p)]
        available = [p for p in updated if _is_ready(p)]
        status = dict(deployment.get("status") or {})
        complete = len(updated) == desired and len(available) == desired and len(alive) == desired
        status.update(
            observedGeneration=deployment["metadata"].get("generation", 1),
            replicas=len(alive),
            updatedReplicas=len(updated),
            readyReplicas=len(ready),
            availableReplicas=len(available),
            unavailableReplicas=max(desired - len(available), 0),
            terminatingReplicas=len(pods) - len(alive),
        )
        status["conditions"] = _keep_transitions(
            status.get("conditions", []),
            [
                ("Available", len(available) >= desired, "MinimumReplicasAvailable" if len(available) >= desired else "MinimumReplicasUnavailable"),
                ("Progressing", True, "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated"),
            ],
        )
        for key in ("readyReplicas", "availableReplicas", "unavailableReplicas", "updatedReplicas", "terminatingReplicas"):
            if not status[key]:
                status.pop(key)  # Kubernetes omits zero counters
        self.store.put_status(DEPLOYMENTS, deployment["metadata"]["namespace"], deployment["metadata"]["name"], status)

    def _daemonset(self, daemonset, now):
        current_hash = template_hash(daemonset["spec"].get("template", {}))
        pods = self._owned_pods(daemonset)
        alive = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        by_node = {}
        for pod in alive:
            if pod["metadata"].get("labels", {}).get("controller-revision-hash") != current_hash or pod["spec"].get("nodeName") in by_node:
                self._terminate(pod, now)
            else:
                by_node[pod["spec"].get("nodeName")] = pod
        nodes = self._node_names()
        for node in nodes:
            terminating_here = any(p["spec"].get("nodeName") == node and p["metadata"].get("deletionTimestamp") for p in pods)
            if node not in by_node and not terminating_here:
                name = f"{daemonset['metadata']['name']}-{_suffix()}"
                by_node[node] = self._new_pod(daemonset, "DaemonSet", name, node, {"controller-revision-hash": current_hash}, now)
        ready = sum(1 for p in by_node.values() if _is_ready(p))
        status = {
            "observedGeneration": daemonset["metadata"].get("generation", 1),
            "desiredNumberScheduled": len(nodes),
            "currentNumberScheduled": len(by_node),
            "updatedNumberScheduled": len(by_node),
            "numberReady": ready,
            "numberAvailable": ready,
            "numberMisscheduled": 0,
        }
        if len(nodes) - ready:
            status["numberUnavailable"] = len(nodes) - ready
        self.store.put_status(DAEMONSETS, daemonset["metadata"]["namespace"], daemonset["metadata"]["name"], status)

    # ---- pod lifecycle ---------------------------------------------------------------------------
    def _terminate(self, pod, now):
        if pod["metadata"].get("deletionTimestamp"):
            return
        self.store.delete(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])
        timer = self.timers.setdefault((pod["metadata"]["namespace"], pod["metadata"]["name"]), {})
        self._set_timer(timer, "delete", now + self.store.settings["pod_termination_delay"])

    def _advance(self, pod, now):
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        timer = self.timers.setdefault(key, {})
        if pod["metadata"].get("deletionTimestamp"):
            if self.store.faults.get("pods_never_terminate"):
                return
            if "delete" not in timer:
                self._set_timer(timer, "delete", now + self.store.settings["pod_termination_delay"])
            if now >= timer["delete"]:
                self.store.remove(PODS, *key)
                self.timers.pop(key, None)
            return
        phase = pod.get("status", {}).get("phase")
        if phase == "Pending" and "start" not in timer:
            self._set_timer(timer, "start", now + self.store.settings["pod_start_delay"])
        if phase == "Pending" and now >= timer["start"]:
            self._start(pod, now, timer)
        elif phase == "Running" and not _is_ready(pod) and now >= timer.get("ready", now):
            if pod["metadata"].get("annotations", {}).get(ANNOTATION_MODE) and self.store.faults.get("ncp_never_ready"):
                return
            self._set_ready(pod, True)

    def _start(self, pod, now, timer):
        """Container start: read the mounted ConfigMaps (a missing one keeps the pod in ContainerCreating)."""
        ini_text = None
        for volume in pod["spec"].get("volumes", []) or []:
            name = (volume.get("configMap") or {}).get("name")
            if not name:
                continue
            configmap = self.store.find(CONFIGMAPS, pod["metadata"]["namespace"], name)
            if configmap is None:
                return
            if NCP_INI_KEY in (configmap.get("data") or {}) and any(c.get("name") == "nsx-ncp" for c in pod["spec"].get("containers", [])):
                ini_text = configmap["data"][NCP_INI_KEY]
        started = now_rfc3339()
        status = pod["status"]
        status.update(phase="Running", startTime=started, podIP=f"10.244.0.{random.randint(2, 250)}")
        status["conditions"] = [
            _condition("PodScheduled", True),
            _condition("Initialized", True),
            _condition("ContainersReady", False),
            _condition("Ready", False),
        ]
        for container in status.get("containerStatuses", []):
            container.update(started=True, state={"running": {"startedAt": started}})
        if ini_text is not None:
            mode = ncpini.policy_nsxapi(ini_text)
            pod["metadata"].setdefault("annotations", {}).update({ANNOTATION_MODE: str(mode), ANNOTATION_INI_SHA: ncpini.digest(ini_text)})
            self.store.ncp_starts.append(
                {
                    "pod": pod["metadata"]["name"],
                    "namespace": pod["metadata"]["namespace"],
                    "node": pod["spec"].get("nodeName"),
                    "started_at": started,
                    "policy_nsxapi": mode,
                    "ncp_ini": ini_text,
                }
            )
        self._set_timer(timer, "ready", now + self.store.settings["pod_ready_delay"])
        self.store.put_object(PODS, pod)

    def _set_ready(self, pod, ready):
        for condition in pod["status"]["conditions"]:
            if condition["type"] in ("Ready", "ContainersReady"):
                condition.update(status="True" if ready else "False", lastTransitionTime=now_rfc3339())
        for container in pod["status"].get("containerStatuses", []):
            container["ready"] = ready
        self.store.put_object(PODS, pod)


def owner_kind_name(owner, owner_kind):
    if owner_kind == "ReplicaSet":
        return f"{owner['metadata']['name']}-{template_hash(owner['spec'].get('template', {}))}"
    return owner["metadata"]["name"]


def _is_ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in pod.get("status", {}).get("conditions", []))


def _keep_transitions(old_conditions, wanted):
    """Conditions as wanted, keeping the old timestamps of those whose status did not change."""
    old = {c["type"]: c for c in old_conditions}
    result = []
    for kind, ok, reason in wanted:
        status = "True" if ok else "False"
        previous = old.get(kind)
        if previous and previous.get("status") == status and previous.get("reason") == reason:
            result.append(previous)
        else:
            stamp = now_rfc3339()
            result.append({"type": kind, "status": status, "reason": reason, "message": reason, "lastUpdateTime": stamp, "lastTransitionTime": stamp})
    return result
