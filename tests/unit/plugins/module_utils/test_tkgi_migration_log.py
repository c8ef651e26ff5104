"""Reading the importer's exit code of a TKGI promotion from the migration log (only what this attempt wrote)."""

import os

import pytest

from ansible_collections.ncp.mp_to_policy.plugins.module_utils import _tkgi_migration_log as tl

REGEX = tl.compile_exit_code_regex(tl.DEFAULT_EXIT_CODE_REGEX)


@pytest.mark.parametrize(
    "line, rc",
    [
        ("MP to Policy migration finished, exit code 1", 1),
        ("exit_code: 2", 2),
        ("Exit code = 0", 0),
        ("2026-12-04 INFO importer exit-code 1 (see above)", 1),
    ],
)
def test_default_regex_reads_the_usual_shapes(tmp_path, line, rc):
    log = tmp_path / "mp_to_policy_importer.log"
    log.write_text("INFO start\n%s\n" % line)
    assert tl.read_exit_code(str(tmp_path / "*.log"), {}, REGEX) == (rc, str(log), None)


def test_last_line_of_the_new_text_wins_and_old_text_is_skipped(tmp_path):
    log = tmp_path / "m.log"
    log.write_text("exit code 0\n")
    before = tl.log_offsets(str(tmp_path / "*.log"))
    assert before == {str(log): len("exit code 0\n")}
    with open(str(log), "a") as handle:
        handle.write("retrying\nexit code 2\nexit code 1\n")
    assert tl.read_exit_code(str(tmp_path / "*.log"), before, REGEX).rc == 1


def test_an_old_exit_code_line_alone_is_no_result(tmp_path):
    log = tmp_path / "m.log"
    log.write_text("exit code 0\n")
    before = tl.log_offsets(str(tmp_path / "*.log"))
    reading = tl.read_exit_code(str(tmp_path / "*.log"), before, REGEX)
    assert reading.rc is None and "was written during this promotion" in reading.problem


def test_new_text_without_an_exit_code_line_is_no_result(tmp_path):
    log = tmp_path / "m.log"
    log.write_text("exit code 0\n")
    before = tl.log_offsets(str(tmp_path / "*.log"))
    with open(str(log), "a") as handle:
        handle.write("Traceback (most recent call last):\n")
    reading = tl.read_exit_code(str(tmp_path / "*.log"), before, REGEX)
    assert (reading.rc, reading.log_file) == (None, str(log)) and "has no exit code line" in reading.problem


def test_a_rotated_log_is_read_from_its_start(tmp_path):
    log = tmp_path / "m.log"
    log.write_text("x" * 100 + "\nexit code 0\n")
    before = tl.log_offsets(str(tmp_path / "*.log"))
    log.write_text("exit code 1\n")  # shorter than before: replaced
    assert tl.read_exit_code(str(tmp_path / "*.log"), before, REGEX).rc == 1


def test_the_newest_file_that_grew_decides(tmp_path):
    old, new = tmp_path / "a.log", tmp_path / "b.log"
    old.write_text("exit code 0\n")
    new.write_text("exit code 2\n")
    os.utime(str(old), (1, 1))
    assert tl.read_exit_code(str(tmp_path / "*.log"), {}, REGEX) == (2, str(new), None)


def test_no_file_is_no_result(tmp_path):
    reading = tl.read_exit_code(str(tmp_path / "*.log"), {}, REGEX)
    assert reading.rc is None and reading.log_file is None and "no migration log matches" in reading.problem


def test_an_unreadable_log_is_no_result(tmp_path):
    log = tmp_path / "m.log"
    log.mkdir()  # a directory where the log should be: open() fails
    reading = tl.read_exit_code(str(tmp_path / "*.log"), {}, REGEX)
    assert reading.rc is None and "cannot be read" in reading.problem


@pytest.mark.parametrize("text, message", [("exit code (", "not a valid regular expression"), (r"exit code \d+", "must have a group")])
def test_bad_regex_is_refused_by_name(text, message):
    with pytest.raises(tl.MigrationLogError, match=message) as exc:
        tl.compile_exit_code_regex(text)
    assert "tkgi_exit_code_regex" in str(exc.value)
