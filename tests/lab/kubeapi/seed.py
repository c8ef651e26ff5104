"""Filling a fresh cluster: nodes, and the objects of a manifest as ``kubectl apply -f`` would create them."""

import copy
import json

import yaml

from .errors import ApiError
from .resources import find, find_kind

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
NODES = find("", "v1", "nodes")


def last_applied_json(doc):
    """The annotation kubectl's client-side apply leaves: the applied document, compact, without itself."""
    clean = copy.deepcopy(doc)
    annotations = clean.get("metadata", {}).get("annotations") or {}
    annotations.pop(LAST_APPLIED, None)
    if not annotations and "annotations" in clean.get("metadata", {}):
        del clean["metadata"]["annotations"]
    return json.dumps(clean, separators=(",", ":"), sort_keys=True) + "\n"


def apply_documents(store, documents, manager="kubectl-client-side-apply"):
    """Create (or replace) each known object; returns the ``Kind/name`` of documents skipped as unknown kinds."""
    skipped = []
    ordered = sorted((d for d in documents if isinstance(d, dict)), key=lambda d: d.get("kind") != "Namespace")
    for doc in ordered:
        res = find_kind(doc.get("apiVersion", ""), doc.get("kind", ""))
        if res is None:
            skipped.append(f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}")
            continue
        obj = copy.deepcopy(doc)
        obj["metadata"].setdefault("annotations", {})[LAST_APPLIED] = last_applied_json(doc)
        namespace = obj["metadata"].get("namespace", "default") if res.namespaced else None
        current = store.find(res, namespace, obj["metadata"]["name"])
        if current is None:
            store.create(res, namespace, obj, manager)
        else:
            obj["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            store.replace(res, namespace, obj["metadata"]["name"], obj, current, manager)
    return skipped


def apply_manifest_text(store, text, manager="kubectl-client-side-apply"):
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise ApiError(400, "BadRequest", f"the manifest is not valid YAML: {exc}") from exc
    return apply_documents(store, documents, manager)


def seed_nodes(store, cluster, masters=1, workers=2):
    """Nodes named after the cluster; the DaemonSet runs one pod on each."""
    names = [(f"{cluster}-master-{i}", True) for i in range(masters)] + [(f"{cluster}-worker-{i}", False) for i in range(workers)]
    for name, master in names:
        if store.find(NODES, None, name) is not None:
            continue
        labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
        labels["node-role.kubernetes.io/control-plane" if master else "node-role.kubernetes.io/worker"] = ""
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}
        created = store.create(NODES, None, node, "kubelet")
        store.put_status(
            NODES,
            None,
            name,
            {
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
                "nodeInfo": {"kubeletVersion": "v1.31.4", "osImage": "Ubuntu 22.04.4 LTS", "containerRuntimeVersion": "containerd://1.7.22"},
            },
        )
        del created
