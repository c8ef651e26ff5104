#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ncp_report
short_description: Write a preflight or migration report as JSON and Markdown
version_added: 0.1.0
description:
  - Writes C(<dest>/<kind>-report.json) and C(<kind>-report.md) atomically from O(data), and returns the
    Markdown so a play can print it.
extends_documentation_fragment:
  - ncp.mp_to_policy.common
attributes:
  check_mode:
    details: Check mode writes nothing and reports whether the files would change.
  diff_mode:
    support: none
options:
  dest:
    description: The report directory; created when missing.
    type: path
    required: true
  kind:
    description: Which report O(data) is.
    type: str
    choices: [preflight, migration]
    required: true
  data:
    description: The report, in the shape docs/architecture.md section 4 gives for the migration report.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the migration report
  ncp.mp_to_policy.ncp_report:
    dest: ./ncp-migration-report
    kind: migration
    data: "{{ ncp_migration_report }}"
"""

RETURN = r"""
json_file:
  description: Path of the JSON report.
  returned: always
  type: str
markdown_file:
  description: Path of the Markdown report.
  returned: always
  type: str
markdown:
  description: The Markdown report.
  returned: always
  type: str
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._atomic_file import atomic_write, read_bytes
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._report_render import render_migration, render_preflight

RENDERERS = {"preflight": render_preflight, "migration": render_migration}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            kind=dict(type="str", choices=["preflight", "migration"], required=True),
            data=dict(type="dict", required=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    name = "%s-report" % p["kind"]
    markdown = RENDERERS[p["kind"]](p["data"])
    files = {
        os.path.join(p["dest"], name + ".json"): (json.dumps(p["data"], indent=2, sort_keys=True) + "\n").encode("utf-8"),
        os.path.join(p["dest"], name + ".md"): markdown.encode("utf-8"),
    }
    changed = False
    for path, content in files.items():
        try:
            current = read_bytes(path) if os.path.exists(path) else None
        except (IOError, OSError) as exc:
            module.fail_json(msg="cannot read %s: %s" % (path, exc), path=path)
        if current == content:
            continue
        changed = True
        if module.check_mode:
            continue
        try:
            if not os.path.isdir(p["dest"]):
                os.makedirs(p["dest"])
            atomic_write(path, content)
        except (IOError, OSError) as exc:
            module.fail_json(msg="cannot write the report %s: %s" % (path, exc), path=path)
    paths = sorted(files)
    module.exit_json(changed=changed, json_file=paths[0], markdown_file=paths[1], markdown=markdown)


if __name__ == "__main__":
    main()
