"""Files a test changes for a while and puts back: replaced atomically (a lab process reading one never sees it
half written), with the file's mode kept, and restored byte for byte afterwards."""

import contextlib
import os

import yaml


def replace_text(path, text):
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path + ".tmp", os.stat(path).st_mode & 0o7777)
    os.replace(path + ".tmp", path)


@contextlib.contextmanager
def edited_file(path, change):
    """``change(text) -> text`` applied to ``path`` for the ``with`` block."""
    with open(path, encoding="utf-8") as handle:
        original = handle.read()
    replace_text(path, change(original))
    try:
        yield
    finally:
        replace_text(path, original)


@contextlib.contextmanager
def edited_yaml(path, change):
    """``change(data)`` edits the YAML document of ``path`` in place, for the ``with`` block."""

    def edit(text):
        data = yaml.safe_load(text)
        change(data)
        return yaml.safe_dump(data, sort_keys=False)

    with edited_file(path, edit):
        yield
