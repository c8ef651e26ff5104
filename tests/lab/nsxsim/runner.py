"""Build and start a simulator from the options the CLI and the pytest fixtures share."""

import os
import tempfile

from .generator import generate, parse_spec
from .server import SimulatorServer
from .settings import Settings
from .simulator import Simulator
from .tlscerts import DEFAULT_CLIENT_CN, ensure_certs, server_context


def start_simulator(
    port=0,
    username=None,
    password=None,
    tls=False,
    certdir=None,
    scenario=None,
    generate_spec=None,
    settings=None,
    client_cn=DEFAULT_CLIENT_CN,
    background=True,
):
    """A started (``background``) or ready-to-serve SimulatorServer.

    ``scenario`` is a file path or already-parsed data; ``generate_spec`` a generator spec (applied before the
    scenario's own inventory); ``settings`` a mapping of setting overrides applied last. With ``tls`` the lab PKI
    is written to ``certdir`` (a new temporary directory if None) and its paths are in ``server.certs``.
    """
    sim = Simulator(Settings(), tls=tls)
    if generate_spec:
        generate(sim.inventory, parse_spec(generate_spec))
    if isinstance(scenario, dict):
        sim.load_scenario(scenario)
    elif scenario:
        sim.load_scenario_file(scenario)
    sim.settings.update(settings or {})
    if username:
        sim.settings.username = username
    if password:
        sim.settings.password = password
    certs = None
    context = None
    if tls:
        certs = ensure_certs(certdir or tempfile.mkdtemp(prefix="nsxsim-certs-"), client_cn)
        context = server_context(certs)
    server = SimulatorServer(sim, port=port, tls_context=context)
    server.certs = certs
    if certs:
        sim.tls_certdir = os.path.dirname(certs["ca.pem"])
    if background:
        server.start()
    return server
