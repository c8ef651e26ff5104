"""Invariant 8 end to end: run nsx_mp_import from ansible-playbook -vvv with an importer that prints the
password, and look for the password in every process's argv while it runs, the log file, the journal,
the task result and Ansible's own output."""

import json
import os
import shutil
import subprocess
import sys
import time

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "importer")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
SECRET = "Playbook-S3cret-pw-42"

PLAYBOOK = """
- hosts: master
  gather_facts: false
  vars_files: [secret.yml]
  tasks:
    - name: Import the cluster
      ncp.mp_to_policy.nsx_mp_import:
        scope: cluster
        cluster: c1
        importer_path: "{importer}"
        state_dir: "{state}"
        nsx_manager: 127.0.0.1:9
        nsx_username: admin
        nsx_password: "{{{{ nsx_pw }}}}"
        host_id: master-1
        config:
          fake: {{leak: true, sleep: 1.5}}
      register: imported
    - name: Show the result
      ansible.builtin.debug:
        var: imported
"""


def cmdlines():
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    yield pid, handle.read()
            except OSError:
                continue


def test_password_appears_nowhere(tmp_path):
    importer = tmp_path / "importer" / "mp_to_policy_importer.py"
    importer.parent.mkdir()
    shutil.copy(os.path.join(FIXTURES, "fake_importer.py"), str(importer))
    state = tmp_path / "state"
    (tmp_path / "secret.yml").write_text("nsx_pw: %s\n" % SECRET)
    (tmp_path / "play.yml").write_text(PLAYBOOK.format(importer=importer, state=state))
    (tmp_path / "inventory.yml").write_text(
        "all:\n  hosts:\n    master:\n      ansible_connection: local\n      ansible_python_interpreter: %s\n" % sys.executable
    )
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"),
        ANSIBLE_REMOTE_TEMP=str(tmp_path / "ansible-remote"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    env.pop("NSX_PASSWORD", None)
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    process = subprocess.Popen(
        [playbook, "-vvv", "-i", "inventory.yml", "play.yml"], cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    saw_importer_running = False
    while process.poll() is None:
        for pid, cmdline in cmdlines():
            assert SECRET.encode() not in cmdline, "password on the command line of pid %s" % pid
            saw_importer_running = saw_importer_running or str(importer).encode() in cmdline
        time.sleep(0.05)
    output = process.stdout.read().decode()
    assert process.returncode == 0, output
    assert saw_importer_running
    assert '"outcome": "imported"' in output and "password=********" in output
    assert SECRET not in output
    for root, _dirs, files in os.walk(str(state)):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                assert SECRET.encode() not in handle.read(), name
    seen = json.loads((importer.parent / "seen.json").read_text())
    assert seen["got_password"] and SECRET not in json.dumps(seen["env"]) and SECRET not in seen["cmdline"]
    assert SECRET not in (importer.parent / "config.yaml").read_text()
