# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the importer (or ``tkgi``) in its own process group (one ``killpg`` at the timeout kills what it started too),
its output masked before it reaches the log file: no password reaches the disk."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import os
import re
import select
import signal
import subprocess
import time

MASK = "********"
# Seconds a process group gets between SIGTERM and SIGKILL on timeout.
KILL_GRACE = 5.0
# After the command exits, how long a child still holding the pipe may keep writing.
DRAIN_AFTER_EXIT = 1.0
READ_SIZE = 65536
# "password: x", "password=x", '"password": "x"' and the like, whatever the value is.
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)((?:password|passwd|passphrase|secret|token|api[_-]?key)[\w-]*[\"']?\s*[:=]\s*[\"']?)([^\s\"',;}]+)",
)

RunResult = collections.namedtuple("RunResult", "rc timed_out duration started_at ended_at pid")


def mask_secrets(text, secrets=()):
    """``text`` with every given secret and every ``password: value`` shaped value masked."""
    for secret in sorted((s for s in secrets if s and len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _SECRET_ASSIGNMENT.sub(lambda m: m.group(1) + (m.group(2) if m.group(2) == MASK else MASK), text)


def mask_argv(argv, secrets=()):
    return [mask_secrets(str(arg), secrets) for arg in argv]


class _MaskingWriter:
    """Writes lines to ``stream`` with secrets masked; holds back a partial line until complete."""

    def __init__(self, stream, secrets):
        self.stream = stream
        self.secrets = [s for s in secrets if s]
        # A secret may be split across reads; never flush a partial line shorter than this.
        self.hold = max([len(s.encode("utf-8")) for s in self.secrets] + [64])
        self.pending = b""

    def feed(self, data):
        self.pending += data
        if b"\n" in self.pending:
            complete, self.pending = self.pending.rsplit(b"\n", 1)
            self._write(complete + b"\n")
        if len(self.pending) > READ_SIZE:  # a very long line: flush all but a secret's length
            self._write(self.pending[: -self.hold])
            self.pending = self.pending[-self.hold :]

    def close(self):
        if self.pending:
            self._write(self.pending)
            self.pending = b""
        self.stream.flush()

    def _write(self, data):
        text = data.decode("utf-8", "replace")
        self.stream.write(mask_secrets(text, self.secrets).encode("utf-8"))
        self.stream.flush()


def run_command(argv, log_path, timeout, cwd=None, env=None, secrets=(), pass_fds=(), kill_grace=KILL_GRACE, clock=time.monotonic):
    """Run ``argv`` in its own process group, appending its masked output to ``log_path``; a :class:`RunResult`.

    At the timeout the group gets SIGTERM, then SIGKILL after ``kill_grace`` seconds; ``pass_fds`` (the lock) are inherited.
    """
    started_at = time.time()
    start = clock()
    deadline = start + float(timeout)
    with open(log_path, "ab") as log:
        os.chmod(log_path, 0o600)
        writer = _MaskingWriter(log, secrets)
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own session and process group, no controlling terminal
            pass_fds=tuple(pass_fds),
            close_fds=True,
        )
        timed_out = False
        try:
            timed_out = _pump(process, writer, deadline, clock)
            if timed_out:
                _signal_group(process.pid, signal.SIGTERM)
                _wait_exited(process.pid, clock() + kill_grace, clock)
            else:
                _drain(process, writer, clock() + DRAIN_AFTER_EXIT, clock)
        finally:
            # The leader is not reaped yet, so its group id cannot have been reused: kill
            # whatever of the group is left (children on timeout, stray ones otherwise).
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
            process.stdout.close()
            writer.close()
    return RunResult(process.returncode, timed_out, clock() - start, started_at, time.time(), process.pid)


def _exited(pid):
    """True once ``pid`` has exited, without reaping it (its group id stays reserved)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _wait_exited(pid, until, clock):
    while not _exited(pid) and clock() < until:
        time.sleep(0.05)


def _pump(process, writer, deadline, clock):
    """Copy output until the command exits (False) or the deadline passes (True)."""
    fd = process.stdout.fileno()
    while True:
        if _exited(process.pid):
            return False
        remaining = deadline - clock()
        if remaining <= 0:
            return True
        ready = select.select([fd], [], [], min(remaining, 0.2))[0]
        if not ready:
            continue
        data = os.read(fd, READ_SIZE)
        if data:
            writer.feed(data)
            continue
        # EOF: every writer closed the pipe; wait for the exit within the deadline.
        _wait_exited(process.pid, deadline, clock)
        return not _exited(process.pid)


def _drain(process, writer, until, clock):
    """Read what is left in the pipe, and what children still write, for a short while."""
    fd = process.stdout.fileno()
    while clock() < until:
        ready = select.select([fd], [], [], max(0.0, until - clock()))[0]
        if not ready:
            return
        data = os.read(fd, READ_SIZE)
        if not data:
            return
        writer.feed(data)


def _signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except OSError:  # the group is already gone
        pass


def tail_lines(path, lines=40, secrets=(), max_bytes=65536):
    """The last ``lines`` lines of ``path`` as a list, secrets masked again (belt and braces)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - max_bytes))
            data = handle.read()
    except (IOError, OSError):
        return []
    text = data.decode("utf-8", "replace")
    return [mask_secrets(line, secrets) for line in text.splitlines()[-lines:]]
