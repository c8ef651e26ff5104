"""Atomic replacement: mode and owner kept, backups beside the file, nothing half-written on failure."""

import errno
import os
import stat
import time

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _atomic_file as atomic_file
from ansible_collections.ncp.mp_to_policy.plugins.module_utils._atomic_file import AtomicWriteError, atomic_write, backup_file

NOW = 1764083640.0  # a fixed time for predictable backup names


def entries(directory):
    return sorted(os.listdir(directory))


def test_replaces_content_and_keeps_mode(tmp_path):
    target = tmp_path / "ncp.ini"
    target.write_bytes(b"[nsx_v3]\r\na = 1\r\n")
    os.chmod(target, 0o640)
    assert atomic_write(str(target), b"[nsx_v3]\r\na = 2\r\n") is None
    assert target.read_bytes() == b"[nsx_v3]\r\na = 2\r\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert entries(tmp_path) == ["ncp.ini"]  # no temporary file left behind


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")
def test_keeps_owner(tmp_path):
    target = tmp_path / "ncp.ini"
    target.write_bytes(b"old")
    os.chown(target, 1234, 2345)
    os.chmod(target, 0o2640)
    atomic_write(str(target), b"new")
    info = os.stat(target)
    assert (info.st_uid, info.st_gid) == (1234, 2345)
    assert stat.S_IMODE(info.st_mode) == 0o2640


def test_owner_that_cannot_be_kept_fails_and_leaves_the_file(tmp_path, monkeypatch):
    target = tmp_path / "ncp.ini"
    target.write_bytes(b"old")
    original = os.stat(target)

    def fake_stat(path, *args, **kwargs):
        info = os.stat_result(original)
        if str(path) == str(target):
            fields = list(info)
            fields[4] = original.st_uid + 1  # pretend another user owns it
            return os.stat_result(fields)
        return real_stat(path, *args, **kwargs)

    def refuse_chown(path, uid, gid):
        raise OSError(errno.EPERM, "Operation not permitted")

    real_stat = os.stat
    monkeypatch.setattr(atomic_file.os, "stat", fake_stat)
    monkeypatch.setattr(atomic_file.os, "chown", refuse_chown)
    with pytest.raises(AtomicWriteError) as info:
        atomic_write(str(target), b"new")
    assert "cannot keep the owner" in str(info.value)
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert entries(tmp_path) == ["ncp.ini"]


def test_failed_rename_leaves_original_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "ncp.ini"
    target.write_bytes(b"old")

    def broken_rename(src, dst):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(atomic_file.os, "rename", broken_rename)
    with pytest.raises(OSError):
        atomic_write(str(target), b"new")
    assert target.read_bytes() == b"old"
    assert entries(tmp_path) == ["ncp.ini"]


def test_backup_is_timestamped_copy_with_same_mode(tmp_path):
    target = tmp_path / "ncp.ini"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    backup = atomic_write(str(target), b"new", backup=True, now=NOW)
    assert backup == str(tmp_path / ("ncp.ini.%s.bak" % time.strftime("%Y%m%dT%H%M%S", time.localtime(NOW))))
    with open(backup, "rb") as handle:
        assert handle.read() == b"old"
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    assert target.read_bytes() == b"new"


def test_backup_names_stay_unique_within_one_second(tmp_path):
    target = tmp_path / "ncp.ini"
    target.write_bytes(b"v1")
    first = backup_file(str(target), NOW)
    second = backup_file(str(target), NOW)
    assert first != second
    assert second == first[: -len(".bak")] + ".1.bak"


def test_symlink_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.ini"
    real.write_bytes(b"old")
    link = tmp_path / "ncp.ini"
    link.symlink_to(real)
    atomic_write(str(link), b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


def test_new_file_gets_umask_mode(tmp_path):
    target = tmp_path / "new.ini"
    old_mask = os.umask(0o027)
    try:
        atomic_write(str(target), b"x", backup=True)
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert entries(tmp_path) == ["new.ini"]  # nothing to back up


@pytest.mark.parametrize("existing", [None, 0o644])
def test_a_secret_file_is_never_in_place_with_another_mode(tmp_path, monkeypatch, existing):
    """``mode`` is set on the temporary file before the rename: the file never appears readable by others."""
    target = tmp_path / "originals.json"
    if existing is not None:
        target.write_bytes(b"{}")
        os.chmod(target, existing)
    modes_at_rename = []
    real_rename = os.rename

    def rename(source, destination):
        modes_at_rename.append(stat.S_IMODE(os.stat(source).st_mode))
        real_rename(source, destination)

    monkeypatch.setattr(atomic_file.os, "rename", rename)
    old_umask = os.umask(0o022)
    try:
        atomic_write(str(target), b'{"password": "x"}', mode=0o600)
    finally:
        os.umask(old_umask)
    assert modes_at_rename == [0o600]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert target.read_bytes() == b'{"password": "x"}'
