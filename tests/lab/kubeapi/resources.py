"""The API resources the lab cluster serves, and the discovery documents built from them."""

from dataclasses import dataclass, field

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
SERVER_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.4",
    "gitCommit": "lab",
    "gitTreeState": "clean",
    "buildDate": "2025-01-01T00:00:00Z",
    "goVersion": "go1.22.10",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@dataclass(frozen=True)
class Resource:
    """One REST resource: where it lives and what kubectl is told about it."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple = ()
    subresources: tuple = field(default=())
    generation: bool = False  # spec changes bump metadata.generation

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self):
        """How Kubernetes names the resource in error messages (``deployments.apps``)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


RESOURCES = [
    Resource("", "v1", "Namespace", "namespaces", False, ("ns",), ("status",)),
    Resource("", "v1", "Node", "nodes", False, ("no",), ("status",)),
    Resource("", "v1", "ConfigMap", "configmaps", True, ("cm",)),
    Resource("", "v1", "ServiceAccount", "serviceaccounts", True, ("sa",)),
    Resource("", "v1", "Pod", "pods", True, ("po",), ("status",)),
    Resource("apps", "v1", "Deployment", "deployments", True, ("deploy",), ("status", "scale"), True),
    Resource("apps", "v1", "DaemonSet", "daemonsets", True, ("ds",), ("status",), True),
    # Stored and served (kubectl apply / get / delete), never enforced: the lab records an admission policy, it does not
    # evaluate its CEL (tests/lab/README.md). admissionregistration.k8s.io/v1 is GA since Kubernetes 1.30.
    Resource("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", False, (), ("status",), True),
    Resource("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", False, (), (), True),
]
BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
BY_KIND = {(r.api_version, r.kind): r for r in RESOURCES}
GROUP_VERSIONS = sorted({(r.group, r.version) for r in RESOURCES})


def find(group, version, plural):
    return BY_PATH.get((group, version, plural))


def find_kind(api_version, kind):
    return BY_KIND.get((api_version, kind))


def api_versions(server_address):
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def api_group(group):
    versions = [{"groupVersion": f"{g}/{v}", "version": v} for g, v in GROUP_VERSIONS if g == group]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": versions, "preferredVersion": versions[0]}


def api_group_list():
    groups = sorted({group for group, _version in GROUP_VERSIONS if group})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [api_group(g) for g in groups]}


def api_resource_list(group, version):
    """The legacy (non-aggregated) discovery document of one group version; None when unknown."""
    if (group, version) not in GROUP_VERSIONS:
        return None
    entries = []
    for res in RESOURCES:
        if (res.group, res.version) != (group, version):
            continue
        entry = {
            "name": res.plural,
            "singularName": res.kind.lower(),
            "namespaced": res.namespaced,
            "kind": res.kind,
            "verbs": VERBS,
            "shortNames": list(res.short_names),
        }
        if res.group == "apps" or res.kind == "Pod":
            entry["categories"] = ["all"]
        entries.append(entry)
        for sub in res.subresources:
            sub_entry = {"name": f"{res.plural}/{sub}", "singularName": "", "namespaced": res.namespaced, "verbs": ["get", "patch", "update"]}
            if sub == "scale":
                sub_entry.update(group="autoscaling", version="v1", kind="Scale")
            else:
                sub_entry["kind"] = res.kind
            entries.append(sub_entry)
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}
