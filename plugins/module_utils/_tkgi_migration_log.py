# -*- coding: utf-8 -*-
# Copyright: contributors to ncp.mp_to_policy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the importer's exit code of a TKGI promotion from the migration log on the control-plane VM.

TKGI's documented 0/1/2 is the importer's, not the CLI's (vendor-facts 1.3, 1.8, 6.2). The log's path and line are
UNCONFIRMED options; only what the log gained during this attempt counts. importer_outcome says what the code means.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import glob
import os
import re

# UNCONFIRMED: the path and the line are not published; the lab's tkgi stand-in writes this file and this line.
DEFAULT_LOG_GLOB = "/var/vcap/sys/log/ncp/mp_to_policy_importer*.log"
DEFAULT_EXIT_CODE_REGEX = r"(?i)\bexit[ _-]?code\b\W{0,3}(-?\d+)"
MAX_READ = 4 * 1024 * 1024

# rc: the importer's exit code (None when the log does not tell); log_file: where it was read (or the newest file
# looked at); problem: why there is no rc, for the operator.
LogReading = collections.namedtuple("LogReading", "rc log_file problem")


class MigrationLogError(Exception):
    """A log glob or exit code regex that cannot be used."""


def compile_exit_code_regex(text):
    """The compiled regex; it must have one group, the exit code."""
    try:
        regex = re.compile(text)
    except re.error as exc:
        raise MigrationLogError("tkgi_exit_code_regex is not a valid regular expression: %s" % exc)
    if regex.groups < 1:
        raise MigrationLogError("tkgi_exit_code_regex must have a group that captures the exit code: %s" % text)
    return regex


def log_offsets(log_glob):
    """{path: size} of the files the glob matches now: what an attempt's reading skips."""
    offsets = {}
    for path in glob.glob(log_glob):
        try:
            offsets[path] = os.path.getsize(path)
        except OSError:
            continue
    return offsets


def _new_text(path, offset):
    """What ``path`` gained since it was ``offset`` bytes long (all of it when it shrank: rotated or replaced)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(offset if offset <= size else 0, size - MAX_READ))
        return handle.read().decode("utf-8", "replace")


def read_exit_code(log_glob, before, regex):
    """The last match of ``regex`` (group 1) in the newest file of ``log_glob`` that gained text since ``before``
    (:func:`log_offsets`); otherwise ``rc`` None and a ``problem``."""
    paths = glob.glob(log_glob)
    if not paths:
        return LogReading(None, None, "no migration log matches %s on this host" % log_glob)
    dated = []
    for path in paths:
        try:
            dated.append((os.path.getmtime(path), path))
        except OSError:
            continue
    unreadable = []
    grown = None
    for _mtime, path in sorted(dated, reverse=True):
        try:
            text = _new_text(path, before.get(path, 0))
        except (IOError, OSError) as exc:
            unreadable.append("%s (%s)" % (path, exc.strerror or exc))
            continue
        if not text:
            continue
        grown = grown or path
        codes = regex.findall(text)
        if codes:
            last = codes[-1]
            return LogReading(int(last[0] if isinstance(last, tuple) else last), path, None)
    if unreadable:
        return LogReading(None, unreadable[0].split(" ")[0], "the migration log cannot be read: %s" % "; ".join(unreadable))
    if grown is None:
        return LogReading(None, sorted(dated)[-1][1] if dated else None, "no migration log matching %s was written during this promotion" % log_glob)
    return LogReading(None, grown, "the migration log %s has no exit code line (%s) from this promotion" % (grown, regex.pattern))
