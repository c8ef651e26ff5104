"""Building one lab master host's filesystem root.

HOST_ROOT/
  etc/ncp/ncp-ubuntu.yaml                      the NCP manifest the cluster was deployed from (kubernetes)
  var/vcap/jobs/ncp/config/ncp.ini             NCP's rendered config (tkgi; path UNCONFIRMED)
  var/vcap/monit/ncp.json                      NCP process state for the monit stand-in (tkgi)
  var/vcap/sys/log/ncp/mp_to_policy_importer.log  the importer's migration log a promotion writes (tkgi; path UNCONFIRMED)
  opt/ncp/mp_to_policy_import/                 importer stand-in + config.yaml + user-spec.yaml
  etc/ncp/nsx-credentials.yaml                 NSX user/password (0600; config.yaml points at it; not on an SSH
                                               lab's masters, where each run brings the credentials and the CA)
  var/lib/ncp-mp-to-policy/                    the collection's state dir
  bin/                                         kubectl (link), monit and tkgi stand-ins (tkgi)
"""

import json
import os
import shutil
import stat
import sys

import yaml

from .manifest import render_manifest, render_ncp_ini, render_tkgi_manifest

HERE = os.path.dirname(os.path.abspath(__file__))
IMPORTER_SOURCE = os.path.join(os.path.dirname(HERE), "importer", "mp_to_policy_importer.py")


def _write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)
    return path


def _install_script(source, target, python):
    """Copy a stand-in script with its shebang pointing at the lab's Python (it needs PyYAML)."""
    with open(source, encoding="utf-8") as handle:
        lines = handle.read().splitlines(keepends=True)
    lines[0] = f"#!{python}\n"
    _write(target, "".join(lines), 0o755)
    return target


def build_host(
    root,
    cluster,
    platform,
    kubeconfig,
    nsx,
    shared=None,
    user_spec=None,
    kubectl=None,
    python=None,
    manifest_text=None,
    nsx_secrets=True,
    tkgi_api=None,
    run_ledger=None,
):
    """Create the host root; ``nsx`` has url, username, password, ca_file. Returns the paths as a dict.
    ``run_ledger``: the lab's importer run ledger directory (config.yaml ``lab_run_ledger``).
    ``nsx_secrets=False``: no NSX password nor CA path on the host (an SSH master: the run brings both). A TKGI
    promotion is run by the TKGI API with its own NSX credentials, not the run's: ``tkgi_api`` (a dict with
    ``credentials_file`` and ``ca_file``, outside every host root) stands for that VM's files."""
    python = python or sys.executable
    root = os.path.abspath(root)
    paths = {
        "root": root,
        "bin": os.path.join(root, "bin"),
        "state_dir": os.path.join(root, "var", "lib", "ncp-mp-to-policy"),
        "importer_dir": os.path.join(root, "opt", "ncp", "mp_to_policy_import"),
        "kubeconfig": kubeconfig,
    }
    paths["importer_path"] = os.path.join(paths["importer_dir"], "mp_to_policy_importer.py")
    os.makedirs(paths["state_dir"], exist_ok=True)
    os.makedirs(paths["bin"], exist_ok=True)
    kubectl = kubectl or shutil.which("kubectl", path=os.path.dirname(python)) or shutil.which("kubectl")
    if kubectl:
        link = os.path.join(paths["bin"], "kubectl")
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(kubectl, link)
    paths["kubectl"] = os.path.join(paths["bin"], "kubectl")
    nsx_host = nsx["url"].split("://", 1)[-1]
    if platform == "tkgi":
        paths["ncp_ini"] = _write(os.path.join(root, "var", "vcap", "jobs", "ncp", "config", "ncp.ini"), render_ncp_ini(cluster, nsx_host, shared))
        paths["monit_state"] = _write(
            os.path.join(root, "var", "vcap", "monit", "ncp.json"),
            json.dumps({"action": "start", "action_at": 0, "stop_seconds": 1.0, "start_seconds": 1.0, "starts": []}),
        )
        paths["monit"] = _install_script(os.path.join(HERE, "monit_standin.py"), os.path.join(paths["bin"], "monit"), python)
        paths["tkgi"] = _install_script(os.path.join(HERE, "tkgi_standin.py"), os.path.join(paths["bin"], "tkgi"), python)
        # Where the tkgi stand-in writes the importer's migration log (tkgi_standin.MIGRATION_LOG; path UNCONFIRMED).
        paths["tkgi_migration_log"] = os.path.join(root, "var", "vcap", "sys", "log", "ncp", "mp_to_policy_importer*.log")
        paths["manifest_path"] = _write(os.path.join(root, "etc", "ncp", "ncp-tkgi.yaml"), manifest_text or render_tkgi_manifest(cluster))
    else:
        paths["manifest_path"] = _write(os.path.join(root, "etc", "ncp", "ncp-ubuntu.yaml"), manifest_text or render_manifest(cluster, nsx_host, shared))
    _install_script(IMPORTER_SOURCE, paths["importer_path"], python)
    credentials = ca_file = None
    if platform == "tkgi" and tkgi_api:
        credentials, ca_file = tkgi_api["credentials_file"], tkgi_api["ca_file"]
    elif nsx_secrets:
        ca_file = nsx.get("ca_file")
        credentials = _write(
            os.path.join(root, "etc", "ncp", "nsx-credentials.yaml"), yaml.safe_dump({"nsx_username": nsx["username"], "nsx_password": nsx["password"]}), 0o600
        )
    config = {
        "nsx_manager": nsx["url"],
        "credentials_file": credentials,
        "ca_file": ca_file,
        "insecure": not nsx.get("ca_file") and nsx["url"].startswith("https"),
        "cluster": cluster,
        "kubeconfig": kubeconfig,
        "kubectl": paths["kubectl"],
        "kubectl_cache_dir": os.path.join(root, "var", "cache", "kubectl"),
        "rollback_imported_resources": False,
        "poll_interval": 0.05,
    }
    if run_ledger:
        config["lab_run_ledger"] = run_ledger
    paths["importer_config"] = _write(os.path.join(paths["importer_dir"], "config.yaml"), yaml.safe_dump(config, sort_keys=False), 0o600)
    paths["user_spec"] = _write(os.path.join(paths["importer_dir"], "user-spec.yaml"), yaml.safe_dump(user_spec or {"shared_resources": {}}, sort_keys=False))
    os.chmod(paths["importer_dir"], stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    return paths
