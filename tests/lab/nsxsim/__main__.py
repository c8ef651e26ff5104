"""Command line: ``python -m tests.lab.nsxsim --port P [--username U --password PW] [--tls --certdir DIR]
[--scenario FILE] [--generate SPEC]``."""

import argparse
import signal
import sys

from .runner import start_simulator
from .settings import DEFAULT_PASSWORD, DEFAULT_USERNAME


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tests.lab.nsxsim",
        description="NSX Manager simulator for the lab. Serves on 127.0.0.1 and prints 'NSX simulator listening on <URL>' when ready.",
        epilog=(
            f"Default credentials: username '{DEFAULT_USERNAME}', password '{DEFAULT_PASSWORD}' (HTTP Basic or "
            "POST /api/session/create). With --tls, DIR/ca.pem is the CA to trust and DIR/client.pem + DIR/client.key a client "
            "certificate (CN = principal identity) the simulator accepts. Lab controls live under /_lab (see README.md)."
        ),
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--username", default=None, help=f"API user (default {DEFAULT_USERNAME})")
    parser.add_argument("--password", default=None, help=f"API password (default {DEFAULT_PASSWORD})")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a lab CA written to --certdir")
    parser.add_argument("--certdir", default=None, help="where the lab PKI is written/reused (with --tls; default a temp dir)")
    parser.add_argument("--scenario", default=None, help="scenario YAML/JSON file (settings, inventory, faults)")
    parser.add_argument(
        "--generate", default=None, metavar="SPEC", help="generate an inventory: a YAML/JSON file or 'key=value,...' (e.g. clusters=20,rules=50000)"
    )
    parser.add_argument("--rate-limit", type=int, default=None, help="enable client_api_rate_limit (requests/s)")
    parser.add_argument("--concurrency-limit", type=int, default=None, help="enable client_api_concurrency_limit")
    parser.add_argument("--log-requests", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    if args.certdir and not args.tls:
        parser.error("--certdir needs --tls")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = {"log_requests": args.log_requests}
    if args.rate_limit is not None:
        settings.update(rate_limit_enabled=True, rate_limit=args.rate_limit)
    if args.concurrency_limit is not None:
        settings.update(concurrency_limit_enabled=True, concurrency_limit=args.concurrency_limit)
    try:
        server = start_simulator(
            port=args.port,
            username=args.username,
            password=args.password,
            tls=args.tls,
            certdir=args.certdir,
            scenario=args.scenario,
            generate_spec=args.generate,
            settings=settings,
            background=False,
        )
    except (OSError, ValueError) as exc:
        print(f"nsxsim: cannot start: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    print(f"NSX simulator listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
