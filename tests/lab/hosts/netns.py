"""Lab master hosts as real SSH hosts: one network namespace per master, sshd on the namespace's own address.

For each master: ``ip netns add``, a veth pair (controller side ``<subnet>.<i>.1/30``, namespace side
``<subnet>.<i>.2/30``), an ``sshd`` started inside the namespace listening on ``<subnet>.<i>.2:22`` with its own
host key and key-only root login for a client key generated here, and a port forwarder that makes the lab's
services (NSX simulator, Kubernetes APIs, all on the controller's 127.0.0.1) reachable on the namespace's own
127.0.0.1 (so URLs, kubeconfigs and certificates stay valid). Each user has its own address range so they
cannot collide: the fault suite (tests/faults) ``10.213``, ``python -m tests.lab up --ssh`` ``10.214``.

The hosts share the controller's filesystem, so each master's files are its lab host root; the directories
given as ``hidden`` (the controller's own files: the NSX CA and key) are covered by an empty tmpfs in the
sshd's mount namespace, so nothing run over SSH can read them. :meth:`NetnsHosts.cut` takes a master off the
network (``ip link set ... down`` inside its namespace); :meth:`NetnsHosts.close` (or :func:`close_recorded`
from another process, with :meth:`NetnsHosts.record`) stops every process and deletes every namespace made.

Needs root, ``ip`` (iproute2) and ``sshd`` (openssh-server); :func:`ensure_packages` installs the Debian
packages when they are missing (``make test``, ``make test-faults`` and ``make demo DEMO_SSH=1`` call it).
"""

import contextlib
import fcntl
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

FAULTS_SUBNET = "10.213"
LAB_SUBNET = "10.214"
SSHD = "/usr/sbin/sshd"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PACKAGES = ("openssh-server", "openssh-client", "iproute2")


def missing_tools():
    return [tool for tool in ("ip", "ssh", "ssh-keygen") if not shutil.which(tool)] + ([] if os.access(SSHD, os.X_OK) else ["sshd"])


def ensure_packages():
    """Install openssh-server / iproute2 from Debian when missing; returns a reason string when impossible."""
    if not missing_tools():
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return f"missing {', '.join(missing_tools())} and cannot install them (needs root and apt-get)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    done = subprocess.run(["apt-get", "install", "-y", "-q", *PACKAGES], capture_output=True, text=True, timeout=600, check=False, env=env)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, text=True, timeout=600, check=False, env=env)
        done = subprocess.run(["apt-get", "install", "-y", "-q", *PACKAGES], capture_output=True, text=True, timeout=600, check=False, env=env)
    if done.returncode != 0 or missing_tools():
        return f"apt-get install {' '.join(PACKAGES)} failed: {done.stderr.strip()[-500:]}"
    return None


def can_make_namespaces():
    """None when network namespaces can be made here, else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    name = f"ncpf-probe-{os.getpid()}"
    done = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"ip netns add failed: {done.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True, text=True, check=False)
    return None


def _ip(*args, netns=None):
    command = ["ip", *(["-n", netns] if netns else []), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()}")
    return done.stdout


class NetnsHost:
    def __init__(self, index, name, workdir, subnet, prefix):
        tag = f"{os.getpid() % 100000}{index}"
        self.name = name
        self.netns = f"ncp{prefix}-{tag}"
        self.veth_root, self.veth_ns = f"n{prefix}r{tag}", f"n{prefix}n{tag}"
        self.subnet = subnet
        self.place(index + 1)
        self.dir = os.path.join(workdir, name)
        self.pids = []

    def place(self, block):
        """The host's /30: ``<subnet>.<block>.0`` (controller side .1, namespace side .2)."""
        self.address = f"{self.subnet}.{block}.2"
        self.gateway = f"{self.subnet}.{block}.1"


# Two labs may start at once (two pytest workers, each with an SSH lab): each takes /30 blocks no other lab on this
# machine holds, chosen under a machine-wide lock, or the controller's route to an address reaches the other lab.
ADDRESS_LOCK = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ncp-netns-addresses.lock")


def _blocks_in_use(subnet):
    """The third octets of ``subnet`` that an interface of this machine's root namespace holds."""
    shown = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, check=False).stdout
    prefix = subnet + "."
    return {int(word[len(prefix) :].split(".")[0]) for word in shown.split() if word.startswith(prefix)}


class NetnsHosts:
    """Real SSH masters for a lab (see the module docstring); ``prefix`` (one letter) names the namespaces."""

    def __init__(self, workdir, host_names, ports, subnet=FAULTS_SUBNET, prefix="f", hidden=()):
        self.workdir = str(workdir)
        self.ports = sorted(set(int(p) for p in ports))
        self.subnet = subnet
        self.hosts = {name: NetnsHost(index, name, self.workdir, subnet, prefix) for index, name in enumerate(host_names)}
        self.key = os.path.join(self.workdir, "id_ed25519")
        self.hidden = [os.path.abspath(d) for d in hidden]
        self.made = []

    # ---- set-up --------------------------------------------------------------------------------------------
    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.key], check=True, capture_output=True)
        try:
            with open(ADDRESS_LOCK, "a", encoding="utf-8") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                free = iter(sorted(set(range(1, 255)) - _blocks_in_use(self.subnet)))
                for host in self.hosts.values():
                    host.place(next(free))
                    self._start_host(host)
            for host in self.hosts.values():
                self._wait_ssh(host)
        except BaseException:
            self.close()
            raise
        return self

    def _start_host(self, host):
        os.makedirs(host.dir, exist_ok=True)
        _ip("netns", "add", host.netns)
        self.made.append(host)
        _ip("link", "set", "lo", "up", netns=host.netns)
        _ip("link", "add", host.veth_root, "type", "veth", "peer", "name", host.veth_ns)
        _ip("link", "set", host.veth_ns, "netns", host.netns)
        _ip("addr", "add", f"{host.gateway}/30", "dev", host.veth_root)
        _ip("link", "set", host.veth_root, "up")
        _ip("addr", "add", f"{host.address}/30", "dev", host.veth_ns, netns=host.netns)
        _ip("link", "set", host.veth_ns, "up", netns=host.netns)
        host_key = os.path.join(host.dir, "ssh_host_ed25519_key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key], check=True, capture_output=True)
        shutil.copy(self.key + ".pub", os.path.join(host.dir, "authorized_keys"))
        config = os.path.join(host.dir, "sshd_config")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write(
                "\n".join(
                    [
                        f"ListenAddress {host.address}",
                        "Port 22",
                        f"HostKey {host_key}",
                        f"PidFile {os.path.join(host.dir, 'sshd.pid')}",
                        f"AuthorizedKeysFile {os.path.join(host.dir, 'authorized_keys')}",
                        "PermitRootLogin prohibit-password",
                        "PubkeyAuthentication yes",
                        "PasswordAuthentication no",
                        "KbdInteractiveAuthentication no",
                        "UsePAM no",
                        "StrictModes no",
                        "ClientAliveInterval 2",
                        "ClientAliveCountMax 3",
                        "Subsystem sftp internal-sftp",
                        "LogLevel ERROR",
                        "",
                    ]
                )
            )
        log = os.path.join(host.dir, "sshd.log")
        # ip netns exec gives the command its own mount namespace: the tmpfs mounts stay inside it.
        hide = "".join(f"mount -t tmpfs -o mode=0700,size=64k ncp-hidden {shlex.quote(d)} && " for d in self.hidden)
        sshd = subprocess.Popen(  # noqa: S603 - our own sshd in our own namespace
            ["ip", "netns", "exec", host.netns, "sh", "-c", f"{hide}exec {SSHD} -D -f {shlex.quote(config)} -E {shlex.quote(log)}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        host.pids.append(sshd.pid)
        forward = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.lab.hosts.netns_forward", host.netns, *map(str, self.ports)],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        host.pids.append(forward.pid)
        line = forward.stdout.readline()
        if not line.startswith(b"forwarding"):
            raise RuntimeError(f"the port forwarder for {host.netns} did not start: {line!r}")

    def _wait_ssh(self, host, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = subprocess.run(self.ssh_command(host.name, "true"), capture_output=True, text=True, timeout=30, check=False)
            if done.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"sshd of {host.name} ({host.address}) did not answer: {done.stderr.strip()}")

    # ---- use -----------------------------------------------------------------------------------------------
    def ssh_options(self):
        return [
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "ControlMaster=no",
            "-o",
            "ConnectTimeout=5",
            "-o",
            "ServerAliveInterval=2",
            "-o",
            "ServerAliveCountMax=3",
            "-o",
            "LogLevel=ERROR",
        ]

    def ssh_command(self, name, *command):
        return ["ssh", "-i", self.key, *self.ssh_options(), f"root@{self.hosts[name].address}", *command]

    def inventory_vars(self, name):
        """Host vars that make Ansible reach this master over SSH (key auth, no connection sharing; pipelining,
        so module arguments travel on the SSH channel and are never written to the master's disk)."""
        return {
            "ansible_connection": "ssh",
            "ansible_host": self.hosts[name].address,
            "ansible_user": "root",
            "ansible_ssh_private_key_file": self.key,
            "ansible_ssh_common_args": " ".join(self.ssh_options()),
            "ansible_ssh_pipelining": True,
        }

    def record(self):
        """What :func:`close_recorded` needs to stop these hosts from another process (JSON-serialisable)."""
        return {
            "workdir": self.workdir,
            "key": self.key,
            "hosts": {h.name: {"netns": h.netns, "veth_root": h.veth_root, "address": h.address, "pids": h.pids} for h in self.made},
        }

    def cut(self, name):
        """Take the master off the network: its interface goes down inside its namespace."""
        host = self.hosts[name]
        _ip("link", "set", host.veth_ns, "down", netns=host.netns)

    # ---- tear-down -----------------------------------------------------------------------------------------
    def close(self):
        for host in reversed(self.made):
            _remove_host(host.netns, host.veth_root, host.pids)
        self.made = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.close()


def _remove_host(netns, veth_root, own_pids):
    """Kill the processes we started for a host and every process left in its namespace; delete both links."""
    pids = set(own_pids)
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        pids.update(int(p) for p in _ip("netns", "pids", netns).split())
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for pid in own_pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, 0)
    with contextlib.suppress(RuntimeError):
        _ip("link", "del", veth_root)
    with contextlib.suppress(RuntimeError):
        _ip("netns", "del", netns)


def close_recorded(record):
    """Stop the hosts of a :meth:`NetnsHosts.record` (``python -m tests.lab down`` of an SSH lab)."""
    for host in (record or {}).get("hosts", {}).values():
        _remove_host(host["netns"], host["veth_root"], host["pids"])


def port_open(address, port, timeout=1.0):
    with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=timeout):
        return True
    return False
