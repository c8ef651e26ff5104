# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base of every module that talks to NSX: the shared argument spec and the client factory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.ncp.mp_to_policy.plugins.module_utils.nsx_client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    NsxApiError,
    NsxClient,
)

NSX_CONNECTION_ARGSPEC = dict(
    nsx_manager=dict(type="str", required=True, fallback=(env_fallback, ["NSX_MANAGER"])),
    nsx_username=dict(type="str", fallback=(env_fallback, ["NSX_USERNAME"])),
    nsx_password=dict(type="str", no_log=True, fallback=(env_fallback, ["NSX_PASSWORD"])),
    nsx_client_cert=dict(type="path", fallback=(env_fallback, ["NSX_CLIENT_CERT"])),
    nsx_client_key=dict(type="path", no_log=False, fallback=(env_fallback, ["NSX_CLIENT_KEY"])),
    nsx_auth=dict(type="str", choices=["session", "basic"], default="session"),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["NSX_VALIDATE_CERTS"])),
    ca_path=dict(type="path", fallback=(env_fallback, ["NSX_CA_PATH"])),
    # The same three files as PEM text, read on the controller: a master over SSH never needs the controller's files.
    ca_content=dict(type="str"),
    nsx_client_cert_content=dict(type="str"),
    nsx_client_key_content=dict(type="str", no_log=True),
    request_timeout=dict(type="float", default=60.0),
    retries=dict(type="int", default=5),
)


# (content option, the path option it stands for, file name in the module's temporary directory)
CONTENT_OPTIONS = (
    ("ca_content", "ca_path", "nsx-ca.pem"),
    ("nsx_client_cert_content", "nsx_client_cert", "nsx-client-cert.pem"),
    ("nsx_client_key_content", "nsx_client_key", "nsx-client-key.pem"),
)


def nsx_argument_spec(**module_options):
    """The connection options plus the module's own."""
    spec = dict(NSX_CONNECTION_ARGSPEC)
    spec.update(module_options)
    return spec


class NsxModule(AnsibleModule):
    """AnsibleModule with the NSX connection options, a lazily built client and NSX-aware failures."""

    def __init__(self, argument_spec, **kwargs):
        super(NsxModule, self).__init__(argument_spec=nsx_argument_spec(**argument_spec), **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        self._client = None
        self.materialize_pem_content()

    def materialize_pem_content(self):
        """Write each ``*_content`` option to a 0600 file in the module's private temporary directory and use it
        as the matching path option (content wins over a path). Ansible removes that directory when the module
        ends, failed or not, so nothing the controller sent stays on the host."""
        for content_key, path_key, name in CONTENT_OPTIONS:
            content = self.params.get(content_key)
            if not content:
                continue
            path = os.path.join(self.tmpdir, name)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(content if content.endswith("\n") else content + "\n")
            except (IOError, OSError) as exc:
                self.fail_json(msg="cannot write %s to %s: %s" % (content_key, path, exc), path=path)
            self.add_cleanup_file(path)  # removed by exit_json / fail_json; the directory at exit
            self.params[path_key] = path

    @property
    def client(self):
        if self._client is None:
            self._client = self.client_from_params(self.params)
        return self._client

    def client_from_params(self, params):
        password = params.get("nsx_password")
        if not password and not params.get("nsx_client_cert"):
            self.fail_json(msg="nsx_password (or NSX_PASSWORD) is required unless nsx_client_cert is given")
        if password and not params.get("nsx_username"):
            self.fail_json(msg="nsx_username (or NSX_USERNAME) is required with nsx_password")
        try:
            return NsxClient(
                params["nsx_manager"],
                username=params.get("nsx_username"),
                password=password,
                client_cert=params.get("nsx_client_cert"),
                client_key=params.get("nsx_client_key"),
                validate_certs=params.get("validate_certs"),
                ca_path=params.get("ca_path"),
                request_timeout=params.get("request_timeout"),
                retries=params.get("retries"),
                auth=params.get("nsx_auth") or "session",
            )
        except ValueError as exc:
            self.fail_json(msg=str(exc))
        except NsxApiError as exc:
            self.fail_nsx(exc)

    def fail_nsx(self, exc, **extra):
        """Fail with NSX's own error: message plus status, error_code, path and related errors."""
        result = exc.to_dict()
        result.update(extra)
        if self._client is not None:
            result.setdefault("api_requests", self._client.request_count)
        self.fail_json(msg=exc.message, **result)
