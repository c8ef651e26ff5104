"""The Policy tree (``/infra/...``) that promoted MP objects appear in."""

import re
import time

from .clock import now_ms
from .errors import not_found

# Collections a Policy GET may list even when they are empty (everything the promotion can create, plus parents).
_COLLECTIONS = [
    r"/infra/tier-0s",
    r"/infra/tier-1s",
    r"/infra/tier-[01]s/[^/]+/locale-services",
    r"/infra/tier-[01]s/[^/]+/locale-services/[^/]+/interfaces",
    r"/infra/tier-1s/[^/]+/nat/[^/]+/nat-rules",
    r"/infra/segments",
    r"/infra/segments/[^/]+/ports",
    r"/infra/ip-blocks",
    r"/infra/ip-pools",
    r"/infra/ip-pools/[^/]+/ip-allocations",
    r"/infra/certificates",
    r"/infra/lb-services",
    r"/infra/lb-client-ssl-profiles",
    r"/infra/lb-virtual-servers",
    r"/infra/lb-pools",
    r"/infra/lb-monitor-profiles",
    r"/infra/lb-app-profiles",
    r"/infra/lb-persistence-profiles",
    r"/infra/metadata-proxies",
    r"/infra/dhcp-server-configs",
    r"/infra/spoofguard-profiles",
    r"/infra/mac-discovery-profiles",
    r"/infra/segment-security-profiles",
    r"/infra/qos-profiles",
    r"/infra/ip-discovery-profiles",
    r"/infra/domains",
    r"/infra/domains/[^/]+/groups",
    r"/infra/domains/[^/]+/security-policies",
    r"/infra/domains/[^/]+/security-policies/[^/]+/rules",
]
COLLECTION = re.compile("^(?:" + "|".join(_COLLECTIONS) + ")$")


def split(path):
    parent, _sep, object_id = path.rpartition("/")
    return parent, object_id


class PolicyTree:
    def __init__(self):
        self.objects = {}  # path -> object
        self.children = {}  # collection path -> {id: object}
        self.realized_at = {}  # path -> monotonic time realization completes
        self.serial = {}  # path -> creation order (ties of equal sequence numbers keep it)
        self._next_serial = 0

    def put(self, path, obj, realization_seconds=0.0):
        collection, object_id = split(path)
        obj["path"] = path
        obj["id"] = object_id
        obj["relative_path"] = object_id
        obj["parent_path"] = collection.rpartition("/")[0] or "/infra"
        obj.setdefault("marked_for_delete", False)
        obj.setdefault("overridden", False)
        obj.setdefault("_revision", 0)
        obj.setdefault("_create_time", now_ms())
        obj.setdefault("_last_modified_time", obj["_create_time"])
        obj.setdefault("_system_owned", False)
        if path not in self.serial:
            self._next_serial += 1
            self.serial[path] = self._next_serial
        self.objects[path] = obj
        self.children.setdefault(collection, {})[object_id] = obj
        self.realized_at[path] = time.monotonic() + realization_seconds
        return obj

    def get(self, path):
        try:
            return self.objects[path]
        except KeyError:
            raise not_found(path) from None

    def delete(self, path):
        """Delete an object and everything under it."""
        self.get(path)
        for child in [p for p in self.objects if p.startswith(path + "/")] + [path]:
            collection, object_id = split(child)
            self.objects.pop(child, None)
            self.realized_at.pop(child, None)
            self.serial.pop(child, None)
            siblings = self.children.get(collection, {})
            siblings.pop(object_id, None)

    def list(self, collection):
        if collection not in self.children and not COLLECTION.match(collection):
            raise not_found(collection)
        return list(self.children.get(collection, {}).values())

    def realization(self, path):
        self.get(path)
        return "SUCCESS" if time.monotonic() >= self.realized_at.get(path, 0) else "IN_PROGRESS"
