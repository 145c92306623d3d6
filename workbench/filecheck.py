"""What an uploaded file really is, before a reader trusts its name.

Shared by the dataset importer and the paper-consent importer, so both refuse
the same hostile files with the same sentence:

- :func:`binary_kind`: the file's magic bytes name it (a PDF, an image, an
  archive) when it is not text at all;
- :func:`looks_utf16`: UTF-16 text (with or without a byte-order mark), which
  decodes as "UTF-8" full of NUL bytes and would otherwise read as garbage;
- :func:`check_unpacked_size`: a zip container (``.xlsx``) whose members would
  unpack to more than a limit, checked from the zip's directory before any
  member is decompressed (a zip bomb renamed ``.xlsx`` is a few hundred
  kilobytes that unpack to gigabytes).
"""

from __future__ import annotations

import io
import zipfile

from .errors import WorkbenchError

SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a zip archive (an Excel or Word file?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc)"),
    (b"PAR1", "a Parquet file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
)


def binary_kind(data: bytes) -> str | None:
    """``"a PDF document"`` and the like when the first bytes say what the file is, else None."""
    head = bytes(data[:16])
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    return None


def looks_utf16(data: bytes) -> bool:
    """True for UTF-16 text: a UTF-16 byte-order mark, or NUL in every other byte of mostly-ASCII text."""
    head = bytes(data[:4096])
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    pairs = len(head) // 2
    if pairs < 2:
        return False
    even_nul = head[0:pairs * 2:2].count(0)
    odd_nul = head[1:pairs * 2:2].count(0)
    return max(even_nul, odd_nul) >= 0.6 * pairs and min(even_nul, odd_nul) <= 0.05 * pairs


def check_unpacked_size(data: bytes, name: str, limit: int, *, key: str, fix: str) -> None:
    """Refuse a zip container whose members would unpack to more than ``limit`` bytes (not a zip: no-op).

    The sizes come from the zip's central directory; Python's zip reader never
    returns more than a member's declared size, so the check bounds the work.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(max(0, info.file_size) for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return  # not a readable zip: the format's own reader says so
    if total > limit:
        raise WorkbenchError(
            f"{name!r} unpacks to {_mb(total)}, more than the {_mb(limit)} the workbench reads from one file "
            f"({len(data):,} bytes packed).", fix, key=key, name=name, size=_mb(total), limit=_mb(limit))


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.0f} MB" if n >= 10_000_000 else f"{n / 1_000_000:,.1f} MB"
