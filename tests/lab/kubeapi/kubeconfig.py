"""kubeconfig files for a lab cluster (token or basic auth; plain HTTP, or HTTPS with the lab CA or skip-verify)."""

import base64
import os

import yaml


def kubeconfig(cluster, url, token=None, username=None, password=None, ca_pem=None, insecure=False, namespace="nsx-system"):
    entry = {"server": url}
    if url.startswith("https://"):
        if ca_pem and not insecure:
            entry["certificate-authority-data"] = base64.b64encode(ca_pem.encode()).decode()
        else:
            entry["insecure-skip-tls-verify"] = True
    user = {}
    if token:
        user["token"] = token
    if username:
        user.update(username=username, password=password or "")
    context = f"{cluster}-admin@{cluster}"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": entry}],
        "users": [{"name": f"{cluster}-admin", "user": user}],
        "contexts": [{"name": context, "context": {"cluster": cluster, "user": f"{cluster}-admin", "namespace": namespace}}],
        "current-context": context,
        "preferences": {},
    }


def write_kubeconfig(path, config):
    """Write with mode 0600: it holds credentials."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
    return path
