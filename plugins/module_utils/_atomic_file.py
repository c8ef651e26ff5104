# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic file replacement that keeps mode and owner, with an optional timestamped backup.

A reader sees the old file or the new one, never a partial write: the data goes to a fsynced temporary file in the
same directory, with the original's mode and owner, renamed over the original; the directory is fsynced last.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import stat
import tempfile
import time


class AtomicWriteError(OSError):
    """A write that did not happen; the original file is unchanged."""


def read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def backup_file(path, now=None):
    """Copy ``path`` to ``<path>.<YYYYmmddTHHMMSS>[.N].bak`` beside it (same mode and owner); return that path."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now))
    target = "%s.%s.bak" % (path, stamp)
    counter = 1
    while os.path.lexists(target):
        target = "%s.%s.%d.bak" % (path, stamp, counter)
        counter += 1
    _write_replacing(target, read_bytes(path), os.stat(path))
    return target


def atomic_write(path, data, backup=False, now=None, mode=None):
    """Replace the file at ``path`` (symlinks followed) with ``data`` (bytes).

    Mode and owner come from the existing file; a new file gets the umask's mode. ``mode`` (e.g. 0o600 for a file
    that holds secrets) is set before the rename instead, so the file is never readable with another mode. Returns
    the backup's path when ``backup`` is true and the file existed, else None.
    """
    target = os.path.realpath(path)
    try:
        original = os.stat(target)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
        original = None
    backup = backup_file(target, now) if backup and original is not None else None
    _write_replacing(target, data, original, mode)
    return backup


def _write_replacing(target, data, original, mode=None):
    directory = os.path.dirname(target) or "."
    handle, temp = tempfile.mkstemp(prefix=".%s." % os.path.basename(target), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if original is not None:
            _copy_mode_and_owner(temp, original)
        if mode is not None:
            os.chmod(temp, mode)
        elif original is None:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.rename(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _copy_mode_and_owner(temp, original):
    os.chmod(temp, stat.S_IMODE(original.st_mode))
    current = os.stat(temp)
    if (current.st_uid, current.st_gid) == (original.st_uid, original.st_gid):
        return
    try:
        os.chown(temp, original.st_uid, original.st_gid)
    except OSError as exc:
        raise AtomicWriteError(
            exc.errno,
            "cannot keep the owner %d:%d of the file (running as uid %d): %s" % (original.st_uid, original.st_gid, os.getuid(), exc.strerror),
        )
    # chown may clear setuid/setgid bits: set the mode again.
    os.chmod(temp, stat.S_IMODE(original.st_mode))


def _fsync_directory(directory):
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:  # some filesystems refuse fsync on directories; the rename is done either way
        pass
    finally:
        os.close(descriptor)
