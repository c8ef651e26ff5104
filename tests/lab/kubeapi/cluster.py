"""Putting one lab cluster together: store (fresh or resumed from its state file), seed, server."""

import os

from .seed import apply_manifest_text, seed_nodes
from .server import Auth, KubeApiServer
from .store import Store
from .tls import make_certificates, server_context


def build_store(state_file=None, cluster="lab", manifest_text=None, masters=1, workers=2, settings=None, namespaces=()):
    """A store resumed from ``state_file`` when it exists, else seeded with nodes, namespaces and the manifest."""
    resumed = bool(state_file and os.path.exists(state_file))
    store = Store(state_file)
    if settings:
        store.settings.update(settings)
    if not resumed:
        seed_nodes(store, cluster, masters, workers)
        if manifest_text:
            apply_manifest_text(store, manifest_text)
        if namespaces:
            documents = "".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n" for ns in namespaces)
            apply_manifest_text(store, documents, manager="kubectl-create")
    store.save()
    return store


def build_server(store, port=0, token=None, username=None, password=None, certdir=None, cluster="lab", verbose=False):
    """The server; with ``certdir`` it serves HTTPS and returns the CA PEM text too.

    Credentials are only checked over HTTPS: kubectl never sends them over plain HTTP.
    """
    ca_pem = None
    context = None
    auth = Auth()
    if certdir:
        ca_pem = make_certificates(certdir, cluster)
        context = server_context(certdir)
        auth = Auth(token, username, password)
    server = KubeApiServer(store, port=port, auth=auth, ssl_context=context, verbose=verbose)
    return server, ca_pem
