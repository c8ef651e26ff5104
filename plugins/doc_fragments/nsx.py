# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Connection options shared by every module that talks to NSX (docs/architecture.md section 4).
    DOCUMENTATION = r"""
options:
  nsx_manager:
    description:
      - One NSX Manager node, as C(host) or C(host:port) (an C(https://) prefix is accepted).
      - Use a node address, not the cluster's API virtual IP; the import must talk to one node.
      - If not set, the environment variable E(NSX_MANAGER) is used.
    type: str
    required: true
  nsx_username:
    description:
      - NSX user name. Required unless O(nsx_client_cert) is given.
      - If not set, the environment variable E(NSX_USERNAME) is used.
    type: str
  nsx_password:
    description:
      - Password of O(nsx_username). Never logged or returned.
      - If not set, the environment variable E(NSX_PASSWORD) is used.
    type: str
  nsx_client_cert:
    description:
      - Path to a PEM client certificate (principal identity) for certificate authentication.
      - Used instead of a password when O(nsx_password) is not given.
      - If not set, the environment variable E(NSX_CLIENT_CERT) is used.
    type: path
  nsx_client_key:
    description:
      - Path to the PEM private key of O(nsx_client_cert), when it is not in the same file.
      - If not set, the environment variable E(NSX_CLIENT_KEY) is used.
    type: path
  nsx_auth:
    description:
      - How to authenticate with a user name and password.
      - V(session) logs in once (C(/api/session/create)) and sends the session cookie and
        XSRF token; it spares NSX a password check per call and re-logs in once when the
        session expires.
      - V(basic) sends HTTP Basic credentials on every call.
      - Ignored when certificate authentication is used.
    type: str
    choices: [session, basic]
    default: session
  validate_certs:
    description:
      - Verify the NSX Manager's TLS certificate. Turn off only in a lab.
      - If not set, the environment variable E(NSX_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA that signed the NSX Manager's certificate.
      - If not set, the environment variable E(NSX_CA_PATH) is used.
    type: path
  ca_content:
    description:
      - The PEM text of O(ca_path)'s file, read on the controller (the collection's playbooks send it this way, so a
        master reached over SSH needs no copy of the controller's files).
      - Written to a 0600 file in the module's private temporary directory for the module's run only, and used
        instead of O(ca_path).
    type: str
  nsx_client_cert_content:
    description:
      - The PEM text of O(nsx_client_cert), handled like O(ca_content) and used instead of O(nsx_client_cert).
    type: str
  nsx_client_key_content:
    description:
      - The PEM text of O(nsx_client_key), handled like O(ca_content) and used instead of O(nsx_client_key).
        Never logged or returned.
    type: str
  request_timeout:
    description:
      - Seconds to wait for NSX to answer one HTTP request.
    type: float
    default: 60
  retries:
    description:
      - How many times to resend a call NSX answered with 429, 503 or 500 with error_code 607,
        or that lost its connection, with exponential backoff and jitter (and NSX's
        C(Retry-After) when given).
    type: int
    default: 5
requirements:
  - requests
"""
