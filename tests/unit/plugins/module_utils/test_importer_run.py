"""Running the importer: own process group, timeout kills the whole group, masked log and tail."""

import os
import signal
import sys
import time

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils._importer_run import mask_argv, mask_secrets, run_command, tail_lines

SECRET = "Sup3r-Secret!pw"


def python(code):
    return [sys.executable, "-c", code]


def alive(pid):
    """True while ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("rc", [0, 1, 2, 137])
def test_exit_codes_are_returned(tmp_path, rc):
    result = run_command(python("import sys; print('hi'); sys.exit(%d)" % rc), str(tmp_path / "log"), timeout=10)
    assert result.rc == rc and not result.timed_out
    assert (tmp_path / "log").read_text() == "hi\n"


def test_killed_by_a_signal_is_a_negative_rc(tmp_path):
    result = run_command(python("import os, signal; os.kill(os.getpid(), signal.SIGKILL)"), str(tmp_path / "log"), timeout=10)
    assert result.rc == -signal.SIGKILL and not result.timed_out


def test_runs_in_its_own_process_group(tmp_path):
    code = "import os; print(os.getpgid(0) == os.getpid(), os.getsid(0) == os.getpid())"
    run_command(python(code), str(tmp_path / "log"), timeout=10)
    assert (tmp_path / "log").read_text() == "True True\n"


def test_timeout_kills_the_whole_process_group(tmp_path):
    pidfile = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])\n"
        "open(%r, 'w').write(str(child.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(600)\n" % str(pidfile)
    )
    start = time.monotonic()
    result = run_command(python(code), str(tmp_path / "log"), timeout=1.5, kill_grace=0.5)
    assert result.timed_out
    assert time.monotonic() - start < 6
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child), "a child of the timed-out command survived"
    assert not alive(result.pid)
    assert "started" in (tmp_path / "log").read_text()


def test_stray_children_of_a_finished_command_are_killed(tmp_path):
    pidfile = tmp_path / "child.pid"
    code = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], stdout=subprocess.DEVNULL)\n"
        "open(%r, 'w').write(str(child.pid))\n" % str(pidfile)
    )
    result = run_command(python(code), str(tmp_path / "log"), timeout=10)
    assert result.rc == 0
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_a_child_holding_the_pipe_does_not_block_the_run(tmp_path):
    code = "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); print('done')"
    start = time.monotonic()
    result = run_command(python(code), str(tmp_path / "log"), timeout=20)
    assert result.rc == 0 and time.monotonic() - start < 5


def test_secrets_never_reach_the_log(tmp_path):
    code = "import sys\nprint('login with %s ok')\nprint('password=hunter2-other')\nsys.stdout.write('no newline at the end %s')\n" % (SECRET, SECRET)
    run_command(python(code), str(tmp_path / "log"), timeout=10, secrets=[SECRET])
    text = (tmp_path / "log").read_text()
    assert SECRET not in text and "hunter2-other" not in text
    assert text.count("********") == 3
    assert oct(os.stat(tmp_path / "log").st_mode & 0o777) == "0o600"


def test_a_secret_split_across_reads_is_still_masked(tmp_path):
    # Written in two flushes with a pause, so the reader sees two chunks.
    code = "import sys, time\nsys.stdout.write('x' * 70000 + %r); sys.stdout.flush(); time.sleep(0.3)\nsys.stdout.write(%r + ' tail\\n')\n" % (
        SECRET[:5],
        SECRET[5:],
    )
    run_command(python(code), str(tmp_path / "log"), timeout=10, secrets=[SECRET])
    text = (tmp_path / "log").read_text()
    assert SECRET not in text and "******** tail" in text


def test_tail_masks_again_and_keeps_the_last_lines(tmp_path):
    log = tmp_path / "log"
    log.write_text("".join("line %d\n" % n for n in range(100)) + "pw is %s\n" % SECRET)
    tail = tail_lines(str(log), 3, secrets=[SECRET])
    assert tail == ["line 98", "line 99", "pw is ********"]
    assert tail_lines(str(tmp_path / "missing"), 3) == []


@pytest.mark.parametrize(
    "text, masked",
    [
        ("nsx_api_password: abc123xyz", "nsx_api_password: ********"),
        ('{"password": "abc123xyz"}', '{"password": "********"}'),
        ("PASSWORD=abc123xyz next", "PASSWORD=******** next"),
        ("X-XSRF-TOKEN: abcdef", "X-XSRF-TOKEN: ********"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_password_shaped_values_are_masked(text, masked):
    assert mask_secrets(text) == masked


def test_mask_argv():
    assert mask_argv(["imp.py", "--pw=%s" % SECRET], [SECRET]) == ["imp.py", "--pw=********"]


def test_a_missing_command_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        run_command(["/nonexistent/importer"], str(tmp_path / "log"), timeout=5)
