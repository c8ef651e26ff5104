"""Offline stand-in for ansible-test's pip bootstrap script (get-pip).

ansible-test downloads ``get-pip-<version>.py`` from a host that is not reachable here and
caches it as ``~/.ansible/test/cache/get_pip_<version>.py``. ``make`` writes this file there
instead, with WHEEL set to a pip wheel fetched from the package index. It runs pip straight
from that wheel and installs the wheel itself, keeping pip's own configuration (index,
certificates) intact. get-pip's private flags are dropped: pip does not know them.
"""

import sys

WHEEL = "@WHEEL@"
GET_PIP_ONLY_FLAGS = {"--no-setuptools", "--no-wheel"}


def main():
    sys.path.insert(0, WHEEL)
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    args = []
    for arg in sys.argv[1:]:
        if arg in GET_PIP_ONLY_FLAGS:
            continue
        if arg.startswith("pip=="):
            arg = WHEEL
        args.append(arg)
    return pip_main(["install"] + args)


if __name__ == "__main__":
    sys.exit(main())
