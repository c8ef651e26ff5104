"""Kubernetes ``Status`` failures, raised by the store and written by the server."""


class ApiError(Exception):
    """An API failure with its HTTP code and Kubernetes reason."""

    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def status(self):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            body["details"] = self.details
        return body


def not_found(res, name):
    details = {"name": name, "kind": res.plural}
    if res.group:
        details["group"] = res.group
    return ApiError(404, "NotFound", f'{res.qualified} "{name}" not found', details)


def already_exists(res, name):
    return ApiError(409, "AlreadyExists", f'{res.qualified} "{name}" already exists', {"name": name, "kind": res.plural})


def conflict(res, name):
    message = (
        f'Operation cannot be fulfilled on {res.qualified} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    return ApiError(409, "Conflict", message, {"name": name, "kind": res.plural})


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def invalid(res, name, message):
    return ApiError(422, "Invalid", f'{res.kind} "{name}" is invalid: {message}', {"name": name, "kind": res.kind})
