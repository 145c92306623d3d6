"""Adding a CSV or TSV file in streaming (issue 26): memory stays small whatever the file's size.

``workbench data add`` reads a delimited file once, a megabyte at a time. Each chunk is hashed
(sha256) and written to a temporary file in ``data/`` while the csv module parses the same bytes as
UTF-8 text and checks them: a regular file within ``[limits] data_file_mb``, not binary, not UTF-16/32,
no NUL byte, the header (names, count, controls, duplicates), the mapped columns exist, no row wider than
its header, no cell longer than :data:`MAX_CELL`. The rows are counted as pandas counts them (blank lines
and lines of spaces or tabs skipped; short rows kept, their missing cells empty), the target must have two
classes and the contributor column a value. Only when every check passed is the temporary file renamed
to ``data/<sha256>.<ext>`` (an existing file with that hash is the same bytes and is left alone) and the
same two events as :func:`workbench.curation.importer.add` appended, with the same payloads.

A refusal at any point removes the temporary file: nothing is half-written, no event is logged.
Other formats (Excel, Parquet, JSON Lines) keep the whole-file path in :mod:`importer`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from .._atomic import atomic_pending
from ..filecheck import open_regular_file, too_big
from .importer import (
    EXTENSIONS,
    ColumnMapping,
    Dataset,
    _check_header,
    _empty,
    _err,
    _not_a_table,
    _not_utf8,
    check_text_start,
    detect_format,
    log_added,
)

CHUNK = 1 << 20
MAX_CELL = 50_000_000  # characters in one cell (a 5 MB message is fine; a 1 GB "cell" is not a table)
HEADER_FIELD = 131_072  # the csv module's default limit, for the header: a column name of megabytes is refused
PREVIEW_ROWS = 20
STREAMED = ("csv", "tsv")
try:  # the strings pandas reads as missing, so "single class" and "empty contributor column" agree with it
    from pandas._libs.parsers import STR_NA_VALUES as _NA
except ImportError:  # pragma: no cover - a pandas without the private name
    _NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
           "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
NA = frozenset(_NA)


@dataclass
class Streamed:
    """A delimited file read and checked in one pass: what the events record, and its first rows."""

    name: str
    format: str
    sha256: str
    bytes: int
    rows: int
    columns: list[str]
    head: list[list[str]] = field(default_factory=list)

    @property
    def file(self) -> str:
        return f"{self.sha256}.{EXTENSIONS[self.format]}"

    @property
    def frame(self):
        """The first :data:`PREVIEW_ROWS` rows as a DataFrame of text (a preview, never the whole file)."""
        import pandas as pd

        width = len(self.columns)
        return pd.DataFrame([r + [None] * (width - len(r)) for r in self.head], columns=self.columns, dtype="str")


class _Tee(io.RawIOBase):
    """Reads the source, and on the way hashes each chunk, writes it out and refuses NUL bytes and excess size."""

    def __init__(self, src, out, name: str, limit: int):
        self.src, self.out, self.name, self.limit = src, out, name, limit
        self.sha = hashlib.sha256()
        self.size = self.lines = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.src.read(len(buffer))
        if not data:
            return 0
        self.size += len(data)
        if self.size > self.limit:  # the file grew after its size was checked
            raise too_big(self.name, self.limit)
        nul = data.find(b"\x00")
        if nul >= 0:
            line = self.lines + data.count(b"\n", 0, nul) + 1
            raise _not_a_table(self.name, f"it holds a NUL byte on line {line:,}, so it is not text")
        self.lines += data.count(b"\n")
        self.sha.update(data)
        try:
            self.out.write(data)
        except OSError as exc:
            raise _err(f"Cannot write the file into {Path(self.out.name).parent} ({exc.strerror}).",
                       "Check the disk space and the folder's permissions.", "curation.error.write") from None
        buffer[:len(data)] = data
        return len(data)


class _End:
    """The last item of the csv reader's lines: notes that the text has ended (a row after it was never closed)."""

    done = False

    def __iter__(self):
        return self

    def __next__(self):
        self.done = True
        raise StopIteration


def _blank(row: list[str], sep: str) -> bool:
    """A line pandas skips: empty, or only spaces (and tabs, when the tab is not the separator)."""
    return not row or (len(row) == 1 and row[0] != "" and not row[0].strip(" " if sep == "\t" else " \t"))


def scan(src, out, name: str, fmt: str, mapping: ColumnMapping, limit: int) -> Streamed:
    """Read ``src`` (a binary file) once: copy it to ``out``, hash it, check it and ``mapping``; or refuse."""
    sep = "\t" if fmt == "tsv" else ","
    check_text_start(src.read(4096), name)
    src.seek(0)
    tee = _Tee(src, out, name, limit)
    text = io.TextIOWrapper(io.BufferedReader(tee, CHUNK), encoding="utf-8-sig", newline="")
    text._CHUNK_SIZE = CHUNK  # decode a megabyte at a time (8 KB by default)
    end = _End()
    reader = csv.reader(itertools.chain(text, end), delimiter=sep)
    saved = csv.field_size_limit()
    try:
        csv.field_size_limit(HEADER_FIELD)
        header = _header(reader, name, sep)
        columns = [c.strip() for c in header]
        mapping.check(columns)
        csv.field_size_limit(MAX_CELL)
        rows, head_rows, single = _body(reader, end, name, sep, columns, mapping)
    except UnicodeDecodeError:
        raise _decode_error(src, name) from None
    finally:
        csv.field_size_limit(saved)
    if rows == 0:
        raise _err(f"{name!r} has column names but no rows.", "Add the rows, or choose the file that has them.",
                   "curation.error.header_only", name=name)
    if single is not None:
        raise single
    return Streamed(name, fmt, tee.sha.hexdigest(), tee.size, rows, columns, head_rows)


def _header(reader, name: str, sep: str) -> list[str]:
    try:
        for row in reader:
            if not _blank(row, sep):
                _check_header(row, name)
                return row
    except csv.Error:  # e.g. a quoted "column name" of megabytes
        raise _not_a_table(name, "its first row is not a row of column names") from None
    raise _empty(name)


def _body(reader, end: _End, name: str, sep: str, columns: list[str], mapping: ColumnMapping):
    """Count the rows and check each one; the target's first two classes and whether any contributor is given."""
    width = len(columns)
    ci = columns.index(mapping.contributor)
    ti = columns.index(mapping.target) if mapping.target else None
    rows, head, classes, contributor = 0, [], {}, False
    try:
        for row in reader:
            if end.done:  # a row the csv module gave only at the end of the file: it ends inside quotes
                raise _not_a_table(name, f"a quote opened on or before line {reader.line_num:,} is never closed")
            n = len(row)
            if n > width:
                raise _not_a_table(name, f"line {reader.line_num:,} has more fields than the header")
            if n <= 1 and _blank(row, sep):
                continue
            rows += 1
            if rows <= PREVIEW_ROWS:
                head.append(row)
            if not contributor and ci < n and row[ci] not in NA:
                contributor = True
            if ti is not None and len(classes) < 2 and ti < n and row[ti] not in NA:
                classes.setdefault(row[ti], None)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _not_a_table(name, f"line {reader.line_num:,} has a cell longer than {MAX_CELL:,} characters")
        raise _not_a_table(name, f"line {reader.line_num:,} cannot be read ({exc})") from None
    single = None
    if ti is not None and len(classes) < 2:
        only = next(iter(classes), "")
        single = _err(f"The target column {mapping.target!r} has a single class" + (f" ({only!r})" if only else "")
                      + ", so there is nothing to learn or to check.",
                      "Choose the column that holds the labels, or add rows of the other classes.",
                      "curation.error.single_class", column=mapping.target, value=only)
    elif rows and not contributor:
        single = _err(f"The contributor column {mapping.contributor!r} is empty.",
                      "Choose the column that holds the contributors' codes.", "curation.error.contributor_empty",
                      column=mapping.contributor)
    return rows, head, single


def _decode_error(src, name: str):
    """Where the file stops being UTF-8 (read again in chunks, only on this path) and what it looks like."""
    import codecs

    src.seek(0)
    sample = src.read(200_000)
    src.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    offset = 0
    while True:
        chunk = src.read(CHUNK)
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            return _not_utf8(name, offset - pending + exc.start, sample)
        if not chunk:
            return _not_utf8(name, offset, sample)  # not reached: the text reader found a bad byte
        offset += len(chunk)


def add_streamed(project, path, mapping: ColumnMapping, actor: str = "facilitator") -> Dataset:
    """``workbench data add`` for a CSV or TSV file: checked, stored and logged in one streaming pass."""
    path = Path(path)
    name = path.name
    fmt = detect_format(name)
    limit = project.config.limits.data_file_mb * 1_000_000
    data_dir = Path(project.data_dir)
    with open_regular_file(path, limit, what="data file") as src, atomic_pending(data_dir) as pending:
        with open(pending.tmp, "wb") as out:
            got = scan(src, out, name, fmt, mapping, limit)
        target = data_dir / got.file
        created = not (target.is_file() and _sha256(target) == got.sha256)
        pending.target = target if created else None  # the same bytes are already there: never touch a raw file
    return log_added(project, got.file, got.sha256, got.bytes, got.rows, got.format, got.columns, got.name,
                     f"file {name}", mapping, actor, target if created else None)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
