# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # What every module of the collection documents the same way: its authors, what the attributes
    # mean, and full check mode (every module has one: compute, compare, write nothing). Each module
    # still gives its check mode details and its diff_mode support, from what its code does; a
    # read-only module can take READ_ONLY for that.
    DOCUMENTATION = r"""
author:
  - ncp.mp_to_policy maintainers (@ncp-mp-to-policy)
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
"""

    # A module that only reads (extends_documentation_fragment: ncp.mp_to_policy.common.read_only).
    READ_ONLY = r"""
attributes:
  check_mode:
    details: Check mode and normal mode behave the same; nothing is ever written.
  diff_mode:
    support: none
"""

    # The journal option of ncp_mode_switch and ncp_originals (journal.JOURNAL_OPTIONS); each module describes its use.
    JOURNAL = r"""
options:
  journal:
    description: The cluster's journal on this master (M(ncp.mp_to_policy.ncp_journal)).
    type: dict
    suboptions:
      cluster:
        description: The cluster's name.
        type: str
        required: true
      state_dir:
        description: The journal directory.
        type: path
        default: /var/lib/ncp-mp-to-policy
      host:
        description: This master's name in the journal; the host's name when not set.
        type: str
"""
