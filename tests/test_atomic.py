"""Files written whole or not at all (workbench._atomic): temp file in the same folder, fsync, replace,
fsync of the folder; on any failure the old file stays byte for byte and no temp file is left."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat

import pytest

from workbench import _atomic
from workbench._atomic import atomic_path, write_atomic
from workbench.evaluation import artifacts


@contextlib.contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode_of(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_atomic_writes_the_whole_content_and_returns_its_hash(tmp_path):
    data = "Cooperativa Ñandú\n" * 50_000
    target = tmp_path / "new" / "folder" / "notes.txt"
    digest = write_atomic(target, data)
    assert target.read_bytes() == data.encode("utf-8")
    assert digest == hashlib.sha256(data.encode("utf-8")).hexdigest()
    assert write_atomic(target, b"\x00\xff raw") == hashlib.sha256(b"\x00\xff raw").hexdigest()
    assert target.read_bytes() == b"\x00\xff raw"
    assert os.listdir(target.parent) == ["notes.txt"]
    assert artifacts.write_atomic is write_atomic, "evaluation.artifacts keeps its public name"


def test_an_exception_in_the_block_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "train.csv"
    target.write_bytes(b"old,bytes\r\n1,2\r\n")
    seen = []
    with pytest.raises(RuntimeError, match="disk gone"), atomic_path(target) as tmp:
        seen.append(tmp)
        with open(tmp, "w") as fh:
            fh.write("new,half\r\n")
            fh.flush()
            raise RuntimeError("disk gone")
    assert target.read_bytes() == b"old,bytes\r\n1,2\r\n"
    assert sorted(os.listdir(tmp_path)) == ["train.csv"]
    (tmp,) = seen
    assert tmp.parent == tmp_path and tmp.name.startswith(".train.csv.") and tmp.name.endswith(".partial")

    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:  # not only Exception
        tmp.write_bytes(b"interrupted")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old,bytes\r\n1,2\r\n" and os.listdir(tmp_path) == ["train.csv"]


def test_a_failed_rename_removes_the_temp_file(tmp_path):
    folder = tmp_path / "report.html"
    folder.mkdir()
    (folder / "inside").write_text("kept")
    with pytest.raises(OSError):
        write_atomic(folder, "<html></html>")
    assert sorted(os.listdir(tmp_path)) == ["report.html"] and (folder / "inside").read_text() == "kept"


def test_two_sequential_writes_leave_the_second_and_nothing_else(tmp_path):
    target = tmp_path / "manifest.json"
    write_atomic(target, '{"n": 1}\n')
    first = target.stat().st_ino
    write_atomic(target, '{"n": 2}\n')
    assert target.read_text() == '{"n": 2}\n'
    assert target.stat().st_ino != first, "a new file is renamed in, the old one is never written over"
    assert os.listdir(tmp_path) == ["manifest.json"]


def test_two_writers_at_once_never_share_a_temp_file(tmp_path):
    target = tmp_path / "presence.json"
    with atomic_path(target) as a, atomic_path(target) as b:
        assert a != b and a.exists() and b.exists()
        a.write_text("first")
        b.write_text("second")
    assert target.read_text() == "first", "the outer block ends last, so its file is the one that stays"
    assert os.listdir(tmp_path) == ["presence.json"]


def test_the_file_and_then_its_folder_are_flushed_to_disk(tmp_path, monkeypatch):
    calls = []
    real = os.fsync

    def fsync(fd):
        st = os.fstat(fd)
        calls.append((stat.S_ISDIR(st.st_mode), st.st_ino))
        real(fd)

    monkeypatch.setattr(_atomic.os, "fsync", fsync)
    target = tmp_path / "model.joblib"
    write_atomic(target, b"weights")
    assert calls == [(False, target.stat().st_ino), (True, tmp_path.stat().st_ino)]


def test_a_courtesy_file_is_replaced_whole_without_waiting_for_the_disk(tmp_path, monkeypatch):
    from workbench import presence

    calls = []
    monkeypatch.setattr(_atomic.os, "fsync", calls.append)
    monkeypatch.setattr(presence, "_mine", None)  # this test's record is not the test process's
    path = presence.announce(tmp_path, "purpose", "participant", "en")  # sixty of these when a room arrives
    presence.update_language(path, "es")
    assert calls == []
    assert json.loads(path.read_text())["language"] == "es"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_a_folder_that_cannot_be_fsynced_is_no_failure(tmp_path, monkeypatch):
    real = os.fsync

    def fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(22, "Invalid argument")
        real(fd)

    monkeypatch.setattr(_atomic.os, "fsync", fsync)
    write_atomic(tmp_path / "card.md", "# Card\n")
    assert (tmp_path / "card.md").read_text() == "# Card\n"


def test_a_plain_file_gets_the_usual_permissions_and_a_secret_exactly_600(tmp_path):
    plain, secret = tmp_path / "export.csv", tmp_path / "secrets.toml"
    with umask(0o022):
        write_atomic(plain, "a,b\r\n")
        assert mode_of(plain) == 0o644, "as open(path, 'w') would make it, not mkstemp's 0o600"
        secret.write_text("old")
        secret.chmod(0o644)
        write_atomic(secret, "cookie_secret = 'x'\n", mode=0o600)
        assert mode_of(secret) == 0o600 and secret.read_text() == "cookie_secret = 'x'\n"
    with umask(0o000):  # a loose umask does not widen a secret
        write_atomic(secret, "cookie_secret = 'y'\n", mode=0o600)
        assert mode_of(secret) == 0o600
    with umask(0o277):  # a strict one does not lock its writer out either
        write_atomic(secret, "cookie_secret = 'z'\n", mode=0o600)
        assert mode_of(secret) == 0o600 and secret.read_text() == "cookie_secret = 'z'\n"


def test_the_project_secrets_file_stays_private(tmp_path):
    from workbench.project import SECRETS_PATH, AccessCodes, _write_secrets

    with umask(0o000):
        _write_secrets(tmp_path, AccessCodes("ROOM-1", "FAC-1", "c" * 32))
        path = tmp_path / SECRETS_PATH
        assert mode_of(path) == 0o600 and "ROOM-1" in path.read_text()
        _write_secrets(tmp_path, AccessCodes("ROOM-2", "FAC-2", "d" * 32))
    assert mode_of(path) == 0o600 and "ROOM-2" in path.read_text() and "ROOM-1" not in path.read_text()
    assert os.listdir(path.parent) == ["secrets.toml"]


def test_a_streamed_spreadsheet_that_fails_midway_leaves_the_old_copy(tmp_path, monkeypatch):
    import pandas as pd

    from workbench.errors import WorkbenchError
    from workbench.spreadsheet import write_csv

    target = tmp_path / "copy.csv"
    target.write_bytes(b"keep me")

    def broken_to_csv(self, fh, **kwargs):
        fh.write("a,b\r\n1,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken_to_csv)
    with pytest.raises(WorkbenchError, match="No space left on device"):
        write_csv(pd.DataFrame({"a": [1], "b": [2]}), target, force=True)
    assert target.read_bytes() == b"keep me" and os.listdir(tmp_path) == ["copy.csv"]
