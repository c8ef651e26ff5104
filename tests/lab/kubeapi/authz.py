"""Authorization of the lab cluster: every request is allowed unless the lab denies its verb on its resource.

``POST /_lab/rbac {"denied": ["patch deployments/scale", "update configmaps"]}`` (``VERB RESOURCE[/SUBRESOURCE]``)
stands for RBAC rules that lack those rights. A denied request is answered like kube-apiserver's authorizer does:
403 ``Forbidden`` with ``<resource>.<group> "<name>" is forbidden: User "..." cannot <verb> resource "<resource>"
... in API group "<group>" in the namespace "<ns>"`` (Kubernetes API reference, "Authorization overview: Review
your request attributes"). ``POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`` answers the same
question for ``kubectl auth can-i`` (SelfSubjectAccessReview v1: ``spec.resourceAttributes`` in,
``status.allowed`` / ``status.reason`` out).
"""

import json

from .errors import ApiError, bad_request

USER = "lab-user"
REVIEW_PATH = ["apis", "authorization.k8s.io", "v1", "selfsubjectaccessreviews"]


def request_verb(method, name, query):
    """The Kubernetes verb of an HTTP request on a resource (API reference: "Determine the request verb")."""
    if method == "GET":
        if (query.get("watch") or [""])[0] in ("1", "true"):
            return "watch"
        return "get" if name else "list"
    if method == "DELETE":
        return "delete" if name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())


def _key(verb, resource, subresource):
    return f"{verb} {resource}/{subresource}" if subresource else f"{verb} {resource}"


def allowed(store, verb, resource, subresource=None):
    return _key(verb, resource, subresource) not in store.denied


def check(store, verb, res, namespace, name, subresource):
    """Raise the authorizer's 403 when the lab denies this request."""
    if allowed(store, verb, res.plural, subresource):
        return
    qualified = f"{res.plural}.{res.group}" if res.group else res.plural
    what = f'{qualified} "{name}"' if name else qualified
    resource = f"{res.plural}/{subresource}" if subresource else res.plural
    where = f' in the namespace "{namespace}"' if namespace else ""
    message = f'{what} is forbidden: User "{USER}" cannot {verb} resource "{resource}" in API group "{res.group}"{where}'
    raise ApiError(403, "Forbidden", message, {"name": name or "", "group": res.group, "kind": res.plural})


# kubectl's typed clients send built-in kinds as protobuf: the envelope is "k8s\0" + runtime.Unknown {1 typeMeta,
# 2 raw, ...}; raw is SelfSubjectAccessReview {1 metadata, 2 spec {1 resourceAttributes {1 namespace, 2 verb,
# 3 group, 4 version, 5 resource, 6 subresource, 7 name}}} (k8s.io/api/authorization/v1/generated.proto).
PROTOBUF_MAGIC = b"k8s\x00"
RESOURCE_ATTRIBUTE_FIELDS = {1: "namespace", 2: "verb", 3: "group", 4: "version", 5: "resource", 6: "subresource", 7: "name"}


def _varint(data, pos):
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _fields(data):
    """{field number: bytes} of a protobuf message's length-delimited fields (the only kind needed here)."""
    found, pos = {}, 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 2:
            length, pos = _varint(data, pos)
            found[number] = data[pos : pos + length]
            pos += length
        elif wire == 0:
            _value, pos = _varint(data, pos)
        else:
            raise bad_request(f"unsupported protobuf wire type {wire}")
    return found


def _review_from_protobuf(body):
    try:
        review = _fields(_fields(body[len(PROTOBUF_MAGIC) :]).get(2, b""))
        attributes = _fields(_fields(review.get(2, b"")).get(1, b""))
    except IndexError as exc:
        raise bad_request("truncated protobuf body") from exc
    return {"spec": {"resourceAttributes": {RESOURCE_ATTRIBUTE_FIELDS[n]: v.decode() for n, v in attributes.items() if n in RESOURCE_ATTRIBUTE_FIELDS}}}


def review(store, body):
    """A SelfSubjectAccessReview (JSON or kubectl's protobuf): the object back, as JSON, with its status filled in."""
    if (body or b"").startswith(PROTOBUF_MAGIC):
        data = _review_from_protobuf(body)
    else:
        try:
            data = json.loads(body or b"{}")
        except ValueError as exc:
            raise bad_request(f"invalid JSON: {exc}") from exc
    attributes = ((data.get("spec") or {}).get("resourceAttributes")) or {}
    if not attributes.get("verb") or not attributes.get("resource"):
        raise bad_request("spec.resourceAttributes.verb and .resource are required")
    ok = allowed(store, attributes["verb"], attributes["resource"], attributes.get("subresource") or None)
    status = {"allowed": ok}  # RBAC gives no reason for a denial (kubectl prints a bare "no")
    return 201, {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "metadata": {}, "spec": data.get("spec") or {}, "status": status}
