# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The options of nsx_mp_import's tkgi driver (module_utils/_mp_import_tkgi.py); argument spec in plugins/modules/nsx_mp_import.py.
    DOCUMENTATION = r"""
options:
  tkgi_migration_log:
    description:
      - With O(driver=tkgi), the path (a glob) of the importer's migration log on this host, the cluster's control-plane VM, where the module runs. Its
        location is B(UNCONFIRMED) (not published by TKGI); set it to where your release writes the log. Only what the files gain during this promotion is
        read, so an earlier attempt's exit code is never taken for this one's. An empty value is refused, since tkgi's own exit code is not the importer's.
    type: str
    default: /var/vcap/sys/log/ncp/mp_to_policy_importer*.log
  tkgi_exit_code_regex:
    description:
      - With O(driver=tkgi), the regular expression of the migration log's line that gives the importer's exit code; its first group captures the code. The
        last match wins.
      - "The line's wording is B(UNCONFIRMED) (not published by TKGI). The default matches C(exit code 1), C(exit_code: 1), C(Exit code = 1) and the like."
    type: str
    default: '(?i)\bexit[ _-]?code\b\W{0,3}(-?\d+)'
"""
