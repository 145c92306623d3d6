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


def looks_utf32(data: bytes) -> bool:
    """True for UTF-32 text: a UTF-32 byte-order mark, or three NUL bytes in every four of mostly-ASCII text."""
    head = bytes(data[:4096])
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return True
    quads = len(head) // 4
    if quads < 2:
        return False
    for offset in (0, 3):  # little-endian: the character in byte 0; big-endian: in byte 3
        lanes = [head[i:quads * 4:4].count(0) for i in range(4)]
        text_lane = lanes[offset]
        if text_lane <= 0.05 * quads and all(lanes[i] >= 0.9 * quads for i in range(4) if i != offset):
            return True
    return False


def unicode_width(data: bytes) -> str | None:
    """``"UTF-32"`` or ``"UTF-16"`` when the bytes are that encoding of text (so not UTF-8), else None."""
    if looks_utf32(data):
        return "UTF-32"
    if looks_utf16(data):
        return "UTF-16"
    return None


def looks_utf16(data: bytes) -> bool:
    """True for UTF-16 text: a UTF-16 byte-order mark, or NUL in every other byte of mostly-ASCII text.

    UTF-32 (whose little-endian mark starts like UTF-16's) is not UTF-16: see :func:`looks_utf32`.
    """
    head = bytes(data[:4096])
    if looks_utf32(head):
        return False
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


# -- bounded reading (issue 26) -----------------------------------------------------------------------------
MAX_FILE_BYTES = 1_000_000_000  # one file read whole; a larger one is refused before any byte is read
MAX_SHEET_ROWS = 1_000_000
MAX_SHEET_COLUMNS = 5_000


def read_regular_file(path, limit: int = MAX_FILE_BYTES, *, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or a sentence; nothing read before the checks.

    A FIFO or a device (``/dev/zero``) would hang or fill memory: only regular files are read. A symbolic
    link is refused too, before its target is opened: a link named ``records.csv`` in a folder someone
    handed over can point at a key or a password file, and a refusal must never quote its target's
    content. The size is checked from ``stat`` first, and the read stops at ``limit + 1`` bytes whatever
    ``stat`` said (a file that grows while it is read); the file is opened with ``O_NONBLOCK`` and
    ``O_NOFOLLOW``, so a FIFO or link swapped in after the check neither hangs nor is followed.
    """
    from pathlib import Path

    with open_regular_file(path, limit, what=what) as fh:
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise WorkbenchError(f"Cannot read {_shown(str(path))} ({exc.strerror}).",
                                 "Check the path and its permissions.", key="file.error.unreadable",
                                 name=_shown(Path(path).name)) from None
    if len(data) > limit:
        raise too_big(Path(path).name, limit)
    return data


def too_big(name: str, limit: int) -> WorkbenchError:
    """The sentence for a file that turned out larger than ``limit`` bytes while it was read."""
    shown = _shown(name)
    return WorkbenchError(f"{shown!r} is larger than the {_mb(limit)} the workbench reads from one file.",
                          "Split it, or keep only the columns you need.", key="file.error.too_big",
                          name=shown, size=f"> {_mb(limit)}", limit=_mb(limit))


def open_regular_file(path, limit: int = MAX_FILE_BYTES, *, what: str = "file"):
    """An open binary file object for a regular file of at most ``limit`` bytes (by ``stat``), or a sentence.

    The checks of :func:`read_regular_file` without the read, for a caller that streams the file: it must
    still stop at ``limit`` bytes itself (:func:`too_big` gives the sentence), since a file can grow.
    """
    import os
    import stat
    from pathlib import Path

    path = Path(path)
    shown = _shown(path.name)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise WorkbenchError(f"There is no file at {_shown(str(path))}.", "Check the path.",
                             key="file.error.missing", name=shown) from None
    except OSError as exc:
        raise WorkbenchError(f"Cannot read {_shown(str(path))} ({exc.strerror}).", "Check the path and its permissions.",
                             key="file.error.unreadable", name=shown) from None
    if stat.S_ISLNK(st.st_mode):
        raise WorkbenchError(f"{shown!r} is a symbolic link to another file; the workbench reads only the file "
                             "itself.", f"Copy the {what} itself into place and give its path.",
                             key="file.error.symlink", name=shown)
    if not stat.S_ISREG(st.st_mode):
        raise WorkbenchError(f"{shown!r} is not a regular file (a folder, a pipe or a device).",
                             f"Give the path of the {what} itself.", key="file.error.not_regular", name=shown)
    if st.st_size > limit:
        raise WorkbenchError(f"{shown!r} is {_mb(st.st_size)}, more than the {_mb(limit)} the workbench reads "
                             "from one file.", "Split it, or keep only the columns you need.",
                             key="file.error.too_big", name=shown, size=_mb(st.st_size), limit=_mb(limit))
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise WorkbenchError(f"Cannot read {_shown(str(path))} ({exc.strerror}).", "Check the path and its permissions.",
                             key="file.error.unreadable", name=shown) from None
    fh = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped for a pipe after the check
        fh.close()
        raise WorkbenchError(f"{shown!r} is not a regular file (a folder, a pipe or a device).",
                             f"Give the path of the {what} itself.", key="file.error.not_regular", name=shown)
    return fh


def _shown(text: str) -> str:
    from .text import snippet

    return snippet(text, 120)


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def check_sheet_dimensions(data: bytes, name: str, *, max_rows: int = MAX_SHEET_ROWS,
                           max_columns: int = MAX_SHEET_COLUMNS, key: str, fix: str) -> None:
    """Refuse an .xlsx whose first sheet reaches past ``max_rows`` or ``max_columns``, before pandas expands it.

    The cell references are read from the sheet's XML as a stream (bounded memory), not from its
    ``<dimension>`` element, which a hostile file can leave out or understate: one cell at XFD1048576
    in a 5 KB file makes pandas build a table of 16,384 columns by a million rows.
    """
    import re
    import xml.etree.ElementTree as ET

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return  # not a zip: openpyxl says so
    with archive:
        sheets = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
        if not sheets:
            return
        first = min(sheets, key=lambda n: int(re.search(r"\d+", n.rsplit("/", 1)[1]).group()))
        ref_re = re.compile(r"([A-Z]{1,3})(\d{1,7})")
        max_r = max_c = 0
        try:
            with archive.open(first) as fh:
                head = fh.read(2048)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise WorkbenchError(f"{name!r} declares XML entities, which a spreadsheet never needs.",
                                     fix, key=key, name=name, size="?", limit="?")
            row_no = col_no = 0  # references are optional in OOXML: a row or cell without one follows the last
            with archive.open(first) as fh:
                for _event, elem in ET.iterparse(fh, events=("end",)):
                    tag = elem.tag.rsplit("}", 1)[-1]
                    if tag == "c":
                        m = ref_re.fullmatch(elem.get("r") or "")
                        col_no = _col_number(m.group(1)) if m else col_no + 1
                        max_c = max(max_c, col_no)
                        if m:
                            max_r = max(max_r, int(m.group(2)))
                    elif tag == "row":
                        r = elem.get("r")
                        row_no = int(r) if r and r.isdigit() else row_no + 1
                        max_r = max(max_r, row_no)
                        col_no = 0
                        elem.clear()
                    if max_c > max_columns or max_r > max_rows:
                        break
        except (ET.ParseError, zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError):
            return  # openpyxl's own reader gives the sentence
    if max_c > max_columns or max_r > max_rows:
        raise WorkbenchError(
            f"{name!r} reaches {'column ' + format(max_c, ',') if max_c > max_columns else 'row ' + format(max_r, ',')} "
            f"of its first sheet; the workbench reads at most {max_columns:,} columns and {max_rows:,} rows.",
            fix, key=key, name=name, size=f"{max_r:,} x {max_c:,}", limit=f"{max_rows:,} x {max_columns:,}")


def json_depth(body: bytes) -> int:
    """How deep a JSON text's brackets nest, counted without parsing it (brackets in strings skipped).

    ``json.loads`` recurses once per level: 100,000 levels overflow the stack (RecursionError, or worse),
    so a hostile manifest or model schema is measured first. ~30 ms a megabyte.
    """
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest
