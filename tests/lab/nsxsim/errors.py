"""NSX-shaped API errors.

Every failure the simulator reports to a client goes through ``NsxError`` so the body always has NSX's
shape: ``{httpStatus, error_code, module_name, error_message, details, related_errors}``.
"""

from http import HTTPStatus

COMMON = "common-services"
MIGRATION = "migration-coordinator"


class NsxError(Exception):
    """An error answered to the client in NSX's error body shape."""

    def __init__(self, status, error_code, message, module_name=COMMON, details="", related_errors=None, headers=None):
        super().__init__(message)
        self.status = int(status)
        self.error_code = error_code
        self.message = message
        self.module_name = module_name
        self.details = details
        self.related_errors = list(related_errors or [])
        self.headers = dict(headers or {})

    def body(self):
        return error_body(self.status, self.error_code, self.message, self.module_name, self.details, self.related_errors)


def error_body(status, error_code, message, module_name=COMMON, details="", related_errors=None):
    try:
        status_name = HTTPStatus(status).name
    except ValueError:
        status_name = str(status)
    body = {
        "httpStatus": status_name,
        "error_code": error_code,
        "module_name": module_name,
        "error_message": message,
        "related_errors": list(related_errors or []),
    }
    if details:
        body["details"] = details
    return body


def not_found(what):
    # NSXLIB maps 404 + error_code 202 to ResourceNotFound.
    return NsxError(404, 202, f"The requested object : {what} could not be found. Object identifiers are case sensitive.")


def unknown_uri(path):
    return NsxError(404, 202, f"The requested URI: {path} could not be found.")


def bad_request(message, error_code=255, module_name=COMMON, details=""):
    return NsxError(400, error_code, message, module_name, details)


def method_not_allowed(method, path):
    return NsxError(405, 405, f"Method {method} is not supported for the requested URI: {path}.")


def bad_credentials():
    # NSX answers 403 (not 401) with error_code 403 for bad or missing credentials (NSXLIB: InvalidCredentials).
    return NsxError(403, 403, "The credentials were incorrect or the account specified has been locked.")


def bad_xsrf():
    return NsxError(403, 98, "Bad XSRF token")


def stale_revision(kind, object_id):
    # The published API answers a stale _revision with 409 Conflict (some releases 412; clients treat both alike).
    return NsxError(409, 207, f"The object {kind}/{object_id} was modified by somebody else. Please retry with the latest _revision.")


def not_owner(principal, kind, create_user):
    # Real NSX text for principal-identity protected objects (400, error_code 289).
    return NsxError(
        400,
        289,
        f"Principal '{principal}' with role '[enterprise_admin]' attempts to delete or modify an object of type {kind} it doesn't own. "
        f"(createUser={create_user}, allowOverwrite=null)",
    )


def too_many_requests(message="Client API rate limit exceeded. Please try again later.", error_code=102):
    return NsxError(429, error_code, message)


def service_unavailable(message="The service is currently unavailable: client API concurrency limit exceeded.", error_code=503):
    return NsxError(503, error_code, message)


def transaction_aborted():
    # NSXLIB maps 500 + error_code 607 to APITransactionAborted (retry).
    return NsxError(500, 607, "The operation failed because the transaction was aborted. Please retry the operation.")


def internal_error(message="Internal server error. Please contact the administrator."):
    return NsxError(500, 100, message)


def coordinator_busy():
    return NsxError(400, 30722, "Migration coordinator backend is busy. Please try again after some time.", MIGRATION)


def coordinator_down():
    return NsxError(500, 30700, "Migration coordinator service is not running. Start it and retry.", MIGRATION)
