"""Files written whole or not at all: one mechanism for every file the workbench writes in one go.

:func:`atomic_path` gives a hidden temporary file next to the target (``.<name>.<random>.partial``,
created with ``O_EXCL``, so two writers never share one); the caller writes it however it likes (bytes,
a csv writer, a zip file, joblib). When the block ends without an exception the file is flushed to disk
(fsync), renamed onto the target (``os.replace``, atomic on one file system) and the folder is flushed
too, so the rename itself survives a power cut (best effort: not every system can fsync a folder). On any
exception the temporary file is removed and the old target is left as it was.

The temporary file gets the permissions a plain ``open(path, "w")`` would give (0o666 less the umask),
or exactly ``mode`` when one is given (a secret: 0o600), set before anything is written into it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _new_temp(path: Path, mode: int | None) -> Path:
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, mode: int | None = None, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; on success it becomes ``path``, on failure it goes.

    ``durable=False`` skips both fsyncs: still whole or not at all for every reader, but a power cut may
    lose the write (for files that are only a courtesy, such as who is in the room right now).
    """
    path = Path(path)
    tmp = _new_temp(path, mode)
    try:
        if mode is not None:
            os.chmod(tmp, mode)  # exactly this, whatever the umask said
        yield tmp
        if durable:
            _fsync(tmp, os.O_RDONLY)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if not durable:
        return
    with contextlib.suppress(OSError):  # a folder cannot be opened or fsynced everywhere (Windows)
        _fsync(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))


def write_atomic(path: str | os.PathLike, data: bytes | str, mode: int | None = None, durable: bool = True) -> str:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all, making its folder; returns its sha256."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, mode, durable) as tmp:
        tmp.write_bytes(raw)
    return hashlib.sha256(raw).hexdigest()


class Pending:
    """A file being written whose name is known only at the end (a raw file named by its content hash).

    ``tmp`` is the temporary file to write; set ``target`` (a path in the same folder) before the block
    ends to keep it under that name, or leave it None to throw it away (the same bytes are already there).
    """

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.target: Path | None = None


@contextlib.contextmanager
def atomic_pending(folder: str | os.PathLike, stem: str = "incoming", durable: bool = True) -> Iterator[Pending]:
    """:func:`atomic_path` for a file named at the end: whole under ``pending.target``, or nothing at all."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pending = Pending(_new_temp(folder / stem, None))
    try:
        yield pending
        if pending.target is None:
            pending.tmp.unlink()
            return
        if Path(pending.target).parent.resolve() != folder.resolve():
            raise ValueError("an atomic rename stays in one folder")
        if durable:
            _fsync(pending.tmp, os.O_RDONLY)
        os.replace(pending.tmp, pending.target)
    except BaseException:
        with contextlib.suppress(OSError):
            pending.tmp.unlink()
        raise
    if durable:
        with contextlib.suppress(OSError):
            _fsync(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
