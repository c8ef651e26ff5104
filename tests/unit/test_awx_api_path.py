"""The README's AAP 2.5 claim, with the real awx.awx modules (the release extensions/awx/requirements.yml pins):
they call the controller's API under ``/api/v2/`` (AWX), and under ``/api/controller/v2/`` - the AAP 2.5 platform
gateway's path - when CONTROLLER_OPTIONAL_API_URLPATTERN_PREFIX says so; without it, a gateway answers 404.

The modules run against tests/awx_api_standin.py, a recording HTTP stand-in of the controller's API, creating the
collection's "NSX Manager" credential type from extensions/awx/controller/credential_types.yml as
configure_controller.yml does, twice (the second run changes nothing). `make awx-collection` extracts awx.awx from
the `ansible` package on PyPI (the release that bundles the pinned awx.awx) and passes it in NCP_AWX_COLLECTIONS.
"""

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests import awx_controller as awx
from tests.awx_api_standin import ControllerApi

COLLECTIONS = os.environ.get("NCP_AWX_COLLECTIONS", "")
TOKEN = "test-token-0123"

PLAYBOOK = """
- name: The collection's credential types, as configure_controller.yml creates them
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Credential types
      awx.awx.credential_type:
        name: "{{ item.name }}"
        description: "{{ item.description }}"
        kind: "{{ item.kind }}"
        inputs: "{{ item.inputs }}"
        injectors: "{{ item.injectors }}"
        state: present
      # Read as text, as configure_controller.yml does: the injector templates are for the controller to render.
      loop: "{{ (lookup('ansible.builtin.file', data_file) | from_yaml).ncp_awx_credential_types }}"
"""


def pinned_awx_version():
    with open(os.path.join(awx.AWX_DIR, "requirements.yml"), encoding="utf-8") as handle:
        (pin,) = [c["version"] for c in yaml.safe_load(handle)["collections"] if c["name"] == "awx.awx"]
    return pin.lstrip("=")


def run_module(tmp_path, api, prefix):
    playbook = tmp_path / "credential_types.yml"
    playbook.write_text(PLAYBOOK)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, CONTROLLER_HOST=api.url, CONTROLLER_OAUTH_TOKEN=TOKEN, ANSIBLE_NOCOLOR="1")
    env.pop("CONTROLLER_OPTIONAL_API_URLPATTERN_PREFIX", None)
    if prefix:
        env["CONTROLLER_OPTIONAL_API_URLPATTERN_PREFIX"] = prefix
    command = [os.path.join(awx.BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook)]
    command += ["-e", "data_file=" + os.path.join(awx.DATA_DIR, "credential_types.yml"), "-e", "ansible_python_interpreter=" + sys.executable]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=120)


def recap(stdout, field):
    return int(stdout.split("PLAY RECAP", 1)[1].split(field + "=", 1)[1].split()[0])


@pytest.fixture
def real_awx():
    if not COLLECTIONS:
        pytest.skip("NCP_AWX_COLLECTIONS unset: run through `make unit` / `make test` (make awx-collection)")
    with open(os.path.join(COLLECTIONS, "ansible_collections", "awx", "awx", "MANIFEST.json"), encoding="utf-8") as handle:
        version = json.load(handle)["collection_info"]["version"]
    assert version == pinned_awx_version()


@pytest.mark.parametrize(
    "base, prefix",
    [("/api/", None), ("/api/controller/", "/api/controller/")],
    ids=["awx-default-path", "aap-2.5-gateway-with-prefix"],
)
def test_awx_modules_use_the_controller_api_path(real_awx, tmp_path, base, prefix):
    with ControllerApi(base) as api:
        first = run_module(tmp_path, api, prefix)
        assert first.returncode == 0, first.stdout + first.stderr
        assert recap(first.stdout, "changed") == 1
        second = run_module(tmp_path, api, prefix)
        assert second.returncode == 0, second.stdout + second.stderr
        assert recap(second.stdout, "changed") == 0
    assert api.requests and all(r["path"].startswith(base + "v2/") for r in api.requests), api.requests
    assert {r["authorization"] for r in api.requests} == {"Bearer " + TOKEN}
    (created,) = api.objects["credential_types"].values()
    (expected,) = awx.credential_types()
    assert created["name"] == expected["name"] and created["inputs"] == expected["inputs"] and created["injectors"] == expected["injectors"]
    assert sum(r["method"] == "POST" for r in api.requests) == 1


def test_a_gateway_without_the_prefix_is_not_found(real_awx, tmp_path):
    """Why the README tells AAP 2.5 users to set the prefix: awx.awx's default path is not the gateway's."""
    with ControllerApi("/api/controller/") as api:
        run = run_module(tmp_path, api, None)
    assert run.returncode != 0
    assert "could not be found" in run.stdout or "404" in run.stdout, run.stdout
    assert api.requests and all(r["path"].startswith("/api/v2/") for r in api.requests), api.requests
    assert api.objects.get("credential_types", {}) == {}
