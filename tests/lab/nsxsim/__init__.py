"""NSX Manager simulator for the lab: the public NSX API of docs nsx-reference.md §2 with real in-memory state,
NSX auth, paging and error bodies, fault injection and a scale generator.

Start it with ``python -m tests.lab.nsxsim --port P`` (see ``--help`` and README.md) or, in pytest, with the
fixtures of ``tests.lab.nsxsim.testing``. In Python: ``start_simulator(...)`` returns a running ``SimulatorServer``.
"""

from .runner import start_simulator

__all__ = ["start_simulator"]
