"""The three kinds of NSX account and what ``_protection`` says to each of them.

NSX computes ``_protection`` for the client that reads an object (official API reference,
ManagedResource ``_protection``; nsx-reference.md sections 3 and 5): ``PROTECTED`` = this reader may
not modify it, ``NOT_PROTECTED`` = it may, ``REQUIRE_OVERRIDE`` = a superuser that may modify it only
with ``X-Allow-Overwrite: true``. The inventory stores whether a principal identity created the
object (stored value ``REQUIRE_OVERRIDE``); every answer is rewritten here for its reader.
"""

from .errors import NsxError

SUPERUSER = "superuser"
READ_ONLY = "read_only"
PRINCIPAL = "principal"  # a principal identity, by client certificate (NCP)
PROTECTED_BY_IDENTITY = "REQUIRE_OVERRIDE"  # the stored marker
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# POSTs a read-only account may send: they change nothing (UNCONFIRMED for list_with_rules).
READ_ONLY_POSTS = ("/api/session/destroy",)


def protection_for(stored, create_user, reader, role):
    """``_protection`` as NSX shows an object to ``reader`` (of kind ``role``)."""
    if role == READ_ONLY:
        return "PROTECTED"
    if stored != PROTECTED_BY_IDENTITY or reader == create_user:
        return "NOT_PROTECTED"
    return "PROTECTED" if role == PRINCIPAL else "REQUIRE_OVERRIDE"


def reader_view(body, principal, role):
    """``body`` with every ``_protection`` rewritten for this reader (stored objects are not touched)."""
    if isinstance(body, list):
        return [reader_view(item, principal, role) for item in body]
    if not isinstance(body, dict):
        return body
    view = {}
    for key, value in body.items():
        if isinstance(value, (dict, list)):
            value = reader_view(value, principal, role)
        view[key] = value
    if "_protection" in view:
        view["_protection"] = protection_for(body["_protection"], body.get("_create_user"), principal, role)
    return view


def check_may_write(request):
    """A read-only account may read only (NSX role ``auditor``)."""
    if request.role != READ_ONLY or request.method in READ_METHODS or request.path in READ_ONLY_POSTS:
        return
    if request.method == "POST" and request.query.get("action") == "list_with_rules":
        return
    # UNCONFIRMED error_code: NSX-V answers 403 with error_code 254 ("User is not authorized ...");
    # any 403 other than 98 / 403 serves, since those two mean "log in again" to clients.
    raise NsxError(403, 254, f"User '{request.principal}' is not authorized to perform {request.method} on {request.path}: the account has a read-only role.")
