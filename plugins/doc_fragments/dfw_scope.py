# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The DFW scope options of nsx_preflight, nsx_dfw_order and nsx_dfw_refactor (argument spec: _dfw_scope.DFW_SCOPE_ARGSPEC).
    DOCUMENTATION = r"""
options:
  clusters:
    description:
      - Names of the clusters to import, as in the C(ncp/cluster) tag NCP puts on its objects
        (the value of C([coe] cluster) in ncp.ini).
    type: list
    elements: str
    required: true
  ncp_principal_identities:
    description:
      - Principal identity names whose objects count as NCP-created.
      - By default they are derived from the C(_create_user) of the protected DFW sections
        tagged with the clusters.
    type: list
    elements: str
  firewall_markers:
    description:
      - IDs of the admin marker sections named in ncp.ini (C(top_firewall_section_marker),
        C(bottom_firewall_section_marker)). They bound NCP's range; a marker is never a blocker
        (never reported, never moved).
      - Sections tagged C(ncp/fw_sect_marker) are markers too.
    type: dict
    suboptions:
      top:
        description: ID of the top marker section.
        type: str
      bottom:
        description: ID of the bottom marker section.
        type: str
  max_concurrency:
    description:
      - Most DFW rule listings read at once (the only calls made concurrently), so the most API
        calls in flight. NSX's own limit, C(client_api_concurrency_limit), is 40 by default.
    type: int
    default: 10
"""
