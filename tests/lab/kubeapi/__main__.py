"""``python -m tests.lab.kubeapi``: serve one lab cluster's Kubernetes API on 127.0.0.1.

On first start (no state file yet) the cluster is seeded with nodes and the objects of
``--manifest`` (as ``kubectl apply -f`` would leave them); later starts resume the state file.
"""

import argparse
import os
import signal
import sys
import threading

from .cluster import build_server, build_store
from .kubeconfig import kubeconfig, write_kubeconfig


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.lab.kubeapi", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--state", required=True, help="JSON state file (created, or resumed when it exists)")
    parser.add_argument("--cluster", default="lab", help="cluster name (node names, kubeconfig names)")
    parser.add_argument("--manifest", help="YAML manifest to seed a new cluster with (e.g. the NCP manifest)")
    parser.add_argument("--namespace", action="append", default=[], help="extra namespace to create on seeding (repeatable)")
    parser.add_argument("--token", help="bearer token the server accepts (default: env LAB_KUBE_TOKEN)")
    parser.add_argument("--username", help="basic-auth user the server accepts")
    parser.add_argument("--password-env", default="LAB_KUBE_PASSWORD", help="environment variable holding the basic-auth password")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a self-signed CA written to CERTDIR/ca.pem")
    parser.add_argument("--certdir", help="directory for the TLS CA and certificate (with --tls)")
    parser.add_argument("--insecure-kubeconfig", action="store_true", help="with --tls: kubeconfig skips certificate checks instead of trusting the CA")
    parser.add_argument("--kubeconfig", help="write a kubeconfig for this cluster here")
    parser.add_argument("--masters", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--termination-delay", type=float, help="seconds a deleted pod stays Terminating")
    parser.add_argument("--start-delay", type=float, help="seconds before a new pod runs")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)
    if args.tls and not args.certdir:
        parser.error("--tls needs --certdir")
    return args


def main(argv=None):
    args = parse_args(argv)
    manifest_text = None
    if args.manifest:
        try:
            with open(args.manifest, encoding="utf-8") as handle:
                manifest_text = handle.read()
        except OSError as exc:
            print(f"kubeapi: cannot read manifest: {exc}", file=sys.stderr)
            return 2
    settings = {}
    if args.termination_delay is not None:
        settings["pod_termination_delay"] = args.termination_delay
    if args.start_delay is not None:
        settings["pod_start_delay"] = args.start_delay
    token = args.token or os.environ.get("LAB_KUBE_TOKEN")
    password = os.environ.get(args.password_env) if args.username else None
    try:
        store = build_store(args.state, args.cluster, manifest_text, args.masters, args.workers, settings, args.namespace)
        server, ca_pem = build_server(store, args.port, token, args.username, password, args.certdir if args.tls else None, args.cluster, args.verbose)
    except OSError as exc:
        print(f"kubeapi: cannot start: {exc}", file=sys.stderr)
        return 2
    if args.kubeconfig:
        write_kubeconfig(args.kubeconfig, kubeconfig(args.cluster, server.url, token, args.username, password, ca_pem, args.insecure_kubeconfig))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    print(f"Kubernetes API of cluster {args.cluster} listening on {server.url}", flush=True)
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    server.stop()
    store.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
