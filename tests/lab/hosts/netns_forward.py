"""``python -m tests.lab.hosts.netns_forward NETNS PORT...``: make the controller's 127.0.0.1:PORT services reachable
on 127.0.0.1:PORT inside network namespace NETNS (used by :mod:`tests.lab.hosts.netns`).

The listening sockets are created inside the namespace (``setns``), then the process returns to its own
namespace, so every connection accepted there is relayed to the same port on the controller's loopback.
Prints ``forwarding NETNS PORT...`` once listening; runs until killed.
"""

import ctypes
import os
import select
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def setns(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))


def listen_in(netns, ports):
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/var/run/netns/{netns}", os.O_RDONLY)
    try:
        setns(target)
        listeners = []
        for port in ports:
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", port))
            server.listen(64)
            listeners.append((server, port))
    finally:
        setns(own)
        os.close(own)
        os.close(target)
    return listeners


def relay(client, port):
    try:
        upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    pair = {client: upstream, upstream: client}
    try:
        while True:
            ready = select.select(list(pair), [], [], 600)[0]
            if not ready:
                return
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                pair[sock].sendall(data)
    except OSError:
        return
    finally:
        client.close()
        upstream.close()


def serve(server, port):
    while True:
        client, _address = server.accept()
        threading.Thread(target=relay, args=(client, port), daemon=True).start()


def main(argv):
    netns, ports = argv[0], [int(p) for p in argv[1:]]
    listeners = listen_in(netns, ports)
    threads = [threading.Thread(target=serve, args=pair, daemon=True) for pair in listeners]
    for thread in threads:
        thread.start()
    print(f"forwarding {netns} {' '.join(map(str, ports))}", flush=True)
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main(sys.argv[1:])
