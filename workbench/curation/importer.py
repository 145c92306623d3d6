"""Adding a dataset: read the file, check it, store it raw by content hash, log its column mapping.

A facilitator gives a file (CSV, TSV, Excel, Parquet or JSON Lines) and says
which column is the contributor id, which is the target (label), which are the
groups the charter names, which holds free text, and which to drop.

Every bad file is refused with one sentence (a :class:`WorkbenchError` with a
catalog key) *before* anything is written: not a table, not UTF-8, empty,
header only, duplicate or empty column names, a mapped column that does not
exist, a target with a single class. Only then is the raw file written under
``data/<sha256>.<ext>`` (atomically; an existing file with that hash is the same
bytes and is left alone) and two events appended in one transaction:

- ``data.received`` ``{file, sha256, bytes, rows, format, original_name, source}``
- ``dataset.mapped`` ``{sha256, file, format, rows, columns, original_name, mapping}``

A later ``dataset.mapped`` for the same file changes the mapping; the latest
one names the project's current dataset.

:func:`add_file` (``workbench data add``) streams a CSV or TSV file instead of reading it whole: the same
checks and events in bounded memory (:mod:`workbench.curation.stream`).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .._atomic import atomic_path
from ..errors import WorkbenchError
from ..filecheck import binary_kind, check_sheet_dimensions, check_unpacked_size, read_regular_file, unicode_width
from ..text import first_refused, snippet

_log = logging.getLogger(__name__)
_log.addHandler(logging.NullHandler())  # the app decides where records go (the CLI: errors.log), never stderr

MAPPED, RECEIVED = "dataset.mapped", "data.received"
FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "csv", ".xlsx": "excel", ".xlsm": "excel",
           ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
EXTENSIONS = {"csv": "csv", "tsv": "tsv", "excel": "xlsx", "parquet": "parquet", "jsonl": "jsonl"}
MAX_COLUMN_NAME = 200
MAX_COLUMNS = 5_000  # a header of a million columns would take pandas minutes; no community table is that wide
MAX_EXCEL_UNPACKED = 200_000_000  # bytes an .xlsx may unpack to (a zip bomb renamed .xlsx unpacks to gigabytes)


def _err(message: str, fix: str, key: str, **params) -> WorkbenchError:
    return WorkbenchError(message, fix, key=key, **params)


# -- the mapping --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ColumnMapping:
    """Which column plays which part. Only ``contributor`` is required."""

    contributor: str
    target: str | None = None
    groups: tuple[str, ...] = ()
    text: str | None = None
    drop: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()  # columns that hold dates: never model inputs (a "2002" column is a number otherwise)

    def __post_init__(self):
        def clean(value):
            return str(value).strip() if value not in (None, "") else None

        object.__setattr__(self, "contributor", clean(self.contributor) or "")
        object.__setattr__(self, "target", clean(self.target))
        object.__setattr__(self, "text", clean(self.text))
        object.__setattr__(self, "groups", tuple(dict.fromkeys(g for g in map(clean, self.groups or ()) if g)))
        object.__setattr__(self, "drop", tuple(dict.fromkeys(d for d in map(clean, self.drop or ()) if d)))
        object.__setattr__(self, "dates", tuple(dict.fromkeys(d for d in map(clean, self.dates or ()) if d)))
        if not self.contributor:
            raise _err("The mapping needs the column that holds the contributor id.",
                       "Choose it: consent is checked row by row through it.", "curation.error.no_contributor_col")

    def used(self) -> list[str]:
        """Every column the mapping names, once, in a stable order."""
        cols = [self.contributor, self.target, *self.groups, self.text, *self.drop, *self.dates]
        return list(dict.fromkeys(c for c in cols if c))

    def string_columns(self) -> list[str]:
        return [c for c in (self.contributor, self.target, *self.groups, self.text) if c]

    def check(self, columns: Iterable[str]) -> ColumnMapping:
        known = list(columns)
        for col in self.used():
            if col not in known:
                shown = ", ".join(snippet(k) for k in known[:20]) + (f" (and {len(known) - 20:,} more)"
                                                                       if len(known) > 20 else "")
                raise _err(f"The file has no column {snippet(col)!r}.", f"Choose one of: {shown}.",
                           "curation.error.no_such_column", column=snippet(col), known=shown)
        kept = {self.contributor, self.target, self.text, *self.groups} - {None}
        clash = sorted(kept & set(self.drop))
        if clash:
            raise _err(f"The column {clash[0]!r} is both mapped and dropped.", "Drop it or map it, not both.",
                       "curation.error.mapped_and_dropped", column=clash[0])
        return self

    def to_dict(self) -> dict:
        out = {"contributor": self.contributor, "target": self.target, "groups": list(self.groups),
               "text": self.text, "drop": list(self.drop)}
        if self.dates:  # only when named: a mapping recorded before this field reads (and hashes) the same
            out["dates"] = list(self.dates)
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ColumnMapping:
        return cls(raw.get("contributor", ""), raw.get("target"), tuple(raw.get("groups") or ()),
                   raw.get("text"), tuple(raw.get("drop") or ()), tuple(raw.get("dates") or ()))


@dataclass(frozen=True)
class Dataset:
    """The project's current dataset: its raw file and mapping (from the latest ``dataset.mapped``)."""

    sha256: str
    file: str
    format: str
    rows: int
    columns: tuple[str, ...]
    mapping: ColumnMapping
    original_name: str = ""
    seq: int = 0
    event_hash: str = ""

    def path(self, project) -> Path:
        return Path(project.data_dir) / self.file

    @classmethod
    def from_event(cls, ev) -> Dataset:
        p = ev.payload
        return cls(p["sha256"], p["file"], p["format"], int(p["rows"]), tuple(p["columns"]),
                   ColumnMapping.from_dict(p["mapping"]), p.get("original_name", ""), ev.seq, ev.hash)


@dataclass
class Preview:
    """A file read and checked, not yet stored: what the mapping widgets offer."""

    data: bytes
    name: str
    format: str
    frame: Any  # pandas.DataFrame
    sha256: str = field(init=False)

    def __post_init__(self):
        self.sha256 = hashlib.sha256(self.data).hexdigest()

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    @property
    def file(self) -> str:
        return f"{self.sha256}.{EXTENSIONS[self.format]}"


# -- reading ------------------------------------------------------------------------------------
def detect_format(name: str) -> str:
    suffix = Path(str(name)).suffix.lower()
    if suffix not in FORMATS:
        raise _err(f"{Path(str(name)).name!r} is not a file type the workbench reads.",
                   "Save it as CSV, TSV, Excel (.xlsx), Parquet or JSON Lines (.jsonl).",
                   "curation.error.file_type", name=Path(str(name)).name)
    return FORMATS[suffix]


def check_text_start(data: bytes, name: str) -> None:
    """Refuse a file whose first bytes say it is binary, or UTF-16/UTF-32 text, with one sentence each."""
    kind = binary_kind(data)
    if kind:
        raise _not_a_table(name, f"it is {kind}")
    width = unicode_width(data)
    if width:
        raise _err(f"{name!r} is {width} text, not UTF-8.",
                   "Save it again as UTF-8 (in a spreadsheet: CSV UTF-8) and add it again.",
                   "curation.error.encoding", name=name, guess=width)


def _decode(data: bytes, name: str) -> str:
    check_text_start(data, name)
    nul = data.find(b"\x00")  # the whole file (memchr: ~0.1 s a GB), not only its start
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise _not_a_table(name, f"it holds a NUL byte on line {line:,}, so it is not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(name, exc.start, data[:200_000]) from None


def _not_utf8(name: str, start: int, sample: bytes) -> WorkbenchError:
    """The sentence for a file that is not UTF-8: the first byte that cannot be read, and a guess from ``sample``."""
    guess = ""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
        guess = best.encoding if best else ""
    except (ImportError, LookupError, ValueError):  # the guess is a courtesy (charset_normalizer may be absent)
        guess = ""
    return _err(f"{name!r} is not UTF-8 text (byte {start} cannot be read"
                + (f"; it looks like {guess}" if guess else "") + ").",
                "Save it again as UTF-8 (in a spreadsheet: CSV UTF-8) and add it again.",
                "curation.error.encoding", name=name, guess=guess or "?")


def _not_a_table(name: str, detail: str = "") -> WorkbenchError:
    return _err(f"{name!r} is not a table" + (f" ({detail})" if detail else "") + ".",
                "Check that it is the right file and that every row has the same columns.",
                "curation.error.not_a_table", name=name)


def _check_header(columns: list, name: str) -> None:
    if len(columns) > MAX_COLUMNS:
        raise _err(f"{name!r} has {len(columns):,} columns; the workbench reads at most {MAX_COLUMNS:,}.",
                   "Keep the columns the project needs (drop the others in a spreadsheet) and add it again.",
                   "curation.error.too_many_columns", name=name, count=f"{len(columns):,}", max=f"{MAX_COLUMNS:,}")
    seen: set[str] = set()
    for i, col in enumerate(columns):
        text = "" if col is None else str(col).strip()
        if not text or text.lower().startswith("unnamed:"):
            raise _err(f"Column {i + 1} of {name!r} has no name.", "Give every column a name in the first row.",
                       "curation.error.empty_column_name", name=name, number=i + 1)
        bad = first_refused(text)
        if bad is not None:  # an escape sequence in a header would be printed to a terminal by every command
            raise _err(f"Column {i + 1} of {name!r} has a control or invisible character (U+{ord(bad[1]):04X}) "
                       "in its name.", "Retype the column's name in the first row and add the file again.",
                       "curation.error.column_control", name=name, number=i + 1, char=f"U+{ord(bad[1]):04X}")
        if len(text) > MAX_COLUMN_NAME:
            raise _err(f"Column {i + 1} of {name!r} has a name longer than {MAX_COLUMN_NAME} characters.",
                       "Shorten it.", "curation.error.long_column_name", name=name, number=i + 1)
        if text in seen:
            raise _err(f"{name!r} has two columns named {text!r}.", "Rename one of them so each name is unique.",
                       "curation.error.duplicate_column", name=name, column=text)
        seen.add(text)


def _delimited(data: bytes, name: str, sep: str, string_columns: Iterable[str] = ()):
    import csv

    import pandas as pd

    text = _decode(data, name)
    if not text.strip():
        raise _empty(name)
    try:
        # newline="": a line may end in CRLF, LF or a lone CR (old Mac exports), as pandas reads them too
        first = next(csv.reader(io.StringIO(text, newline=""), delimiter=sep), [])
    except csv.Error:  # e.g. a quoted "column name" of megabytes
        raise _not_a_table(name, "its first row is not a row of column names")
    _check_header(first, name)
    dtype = {c: "str" for c in string_columns if c in first}
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=dtype or None, keep_default_na=True,
                            skip_blank_lines=True, on_bad_lines="error", engine="c")
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise _not_a_table(name, f"line {match.group(1)} has a different number of fields" if match else "")
    except (pd.errors.EmptyDataError, ValueError):
        raise _not_a_table(name)
    if not isinstance(frame.index, pd.RangeIndex):  # pandas made the extra leading fields an index
        raise _not_a_table(name, _longer_row(text, sep, len(first)))
    return frame


def _longer_row(text: str, sep: str, width: int) -> str:
    """Which line has more fields than the header (only on the error path: a loop over rows is fine)."""
    import csv

    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=sep), start=1):
            if len(row) > width:
                return f"line {number} has more fields than the header"
    except csv.Error:
        pass
    return "a row has more fields than the header"


def _empty(name: str) -> WorkbenchError:
    return _err(f"{name!r} is empty.", "Choose the file that holds the data.", "curation.error.empty", name=name)


def _excel(data: bytes, name: str, string_columns: Iterable[str] = ()):
    import pandas as pd

    try:
        import openpyxl
    except ImportError:  # pragma: no cover - install hint
        raise _err("Reading Excel files needs the openpyxl package.", "Install it: pip install openpyxl.",
                   "curation.error.needs_package", package="openpyxl")
    check_unpacked_size(data, name, MAX_EXCEL_UNPACKED, key="curation.error.too_big",
                        fix="Save the sheet as CSV or Parquet and add that instead.")
    check_sheet_dimensions(data, name, max_columns=MAX_COLUMNS, key="curation.error.sheet_too_large",
                           fix="Delete the empty rows and columns past the table (or save it as CSV) and add it again.")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a seam: openpyxl on untrusted bytes raises a dozen types
        _log.info("%r could not be opened as a workbook", name, exc_info=True)
        kind = binary_kind(data)
        raise _not_a_table(name, f"it is {kind}" if kind and not data.startswith(b"PK") else
                           "not an Excel workbook")
    try:
        sheet = book.worksheets[0]
        header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
    finally:
        book.close()
    if not header or all(h is None for h in header):
        raise _empty(name)
    header = list(header)
    while header and header[-1] is None:
        header.pop()
    _check_header(header, name)
    dtype = {c: "str" for c in string_columns if c in header}
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, engine="openpyxl", dtype=dtype or None)
    except Exception:  # noqa: BLE001 - a seam: a sheet that breaks after its header row, in openpyxl or pandas
        _log.info("the first sheet of %r could not be read", name, exc_info=True)
        raise _not_a_table(name, "its first sheet cannot be read")
    if frame.shape[1] > len(header):  # pandas named the extra cells "Unnamed: N": a row wider than its header
        extra = frame.iloc[:, len(header):]
        filled = extra.notna().any(axis=1)
        if filled.any():
            row = int(filled.to_numpy().argmax()) + 2  # + the header row, 1-based
            raise _err(f"Row {row} of {name!r} has more cells than its header has column names.",
                       "Give every column a name in the first row, or delete the extra cells.",
                       "curation.error.row_wider", name=name, row=row)
        frame = frame.iloc[:, :len(header)]
    return frame.dropna(how="all")


def _parquet(data: bytes, name: str, string_columns: Iterable[str] = ()):

    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - install hint
        raise _err("Reading Parquet files needs the pyarrow package.", "Install it: pip install pyarrow.",
                   "curation.error.needs_package", package="pyarrow")
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError, EOFError):  # ArrowInvalid; "Parquet magic bytes not found"
        raise _not_a_table(name, "not a Parquet file")
    _check_header(list(table.column_names), name)
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type) or pa.types.is_dictionary(f.type)
              and pa.types.is_nested(f.type.value_type)]
    if nested:
        raise _err(f"{name!r} has nested columns (lists, structs or maps): {', '.join(map(str, nested[:5]))}.",
                   "Flatten them into plain columns (one value per cell) and add the file again.",
                   "curation.error.nested_columns", name=name, columns=", ".join(map(str, nested[:5])))
    frame = table.to_pandas()
    for c in string_columns:
        if c in frame.columns:
            frame[c] = _as_str(frame[c])
    return frame


def _jsonl(data: bytes, name: str, string_columns: Iterable[str] = ()):
    import pandas as pd

    text = _decode(data, name)
    records, columns = [], {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pairs = json.loads(line, object_pairs_hook=lambda kv: kv)
        except json.JSONDecodeError:
            raise _not_a_table(name, f"line {number} is not JSON")
        except RecursionError:
            raise _not_a_table(name, f"line {number} nests too deeply")
        if isinstance(pairs, list) and pairs and not isinstance(pairs[0], tuple):
            raise _not_a_table(name, f"line {number} is a JSON array; JSON Lines has one object per line")
        if not isinstance(pairs, list):
            raise _not_a_table(name, f"line {number} is not a JSON object")
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise _err(f"{name!r} has two fields named {dup!r} on line {number}.",
                       "Rename one of them so each name is unique.", "curation.error.duplicate_column",
                       name=name, column=dup)
        row = {}
        for k, v in pairs:
            if isinstance(v, list) and v and isinstance(v[0], tuple):
                raise _not_a_table(name, f"line {number} has a nested object in {k!r}")
            row[k] = v
            columns.setdefault(k, None)
        records.append(row)
    if not records:
        raise _empty(name)
    _check_header(list(columns), name)
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for c in string_columns:
        if c in frame.columns:
            frame[c] = _as_str(frame[c])
    return frame


def _as_str(series):
    """Values as text, missing kept missing (ids like 0012 must not become numbers)."""
    import pandas as pd

    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
        return series
    out = series.astype("str")
    return out.mask(series.isna())


READERS = {"csv": lambda d, n, s: _delimited(d, n, ",", s), "tsv": lambda d, n, s: _delimited(d, n, "\t", s),
           "excel": _excel, "parquet": _parquet, "jsonl": _jsonl}


def read_table(data: bytes, name: str, fmt: str | None = None, string_columns: Iterable[str] = ()):
    """Read ``data`` (the bytes of a file called ``name``) into a DataFrame, or refuse with one sentence."""
    fmt = fmt or detect_format(name)
    if not data or not data.strip():
        raise _empty(name)
    frame = READERS[fmt](data, name, list(string_columns))
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[1] == 0:
        raise _not_a_table(name)
    if len(frame) == 0:
        raise _err(f"{name!r} has column names but no rows.", "Add the rows, or choose the file that has them.",
                   "curation.error.header_only", name=name)
    for c in string_columns:
        if c in frame.columns:
            frame[c] = _as_str(frame[c])
    return frame


def inspect(data: bytes, name: str) -> Preview:
    """Read and check a file without storing anything: the first step of adding it."""
    name = Path(str(name or "upload")).name
    fmt = detect_format(name)
    return Preview(bytes(data), name, fmt, read_table(data, name, fmt))


def check_mapping(preview: Preview, mapping: ColumnMapping):
    """The mapping against the file; the frame re-read with the mapped columns as text."""
    mapping.check(preview.columns)
    frame = read_table(preview.data, preview.name, preview.format, mapping.string_columns())
    if mapping.target:
        classes = frame[mapping.target].dropna().unique()
        if len(classes) < 2:
            only = str(classes[0]) if len(classes) else ""
            raise _err(f"The target column {mapping.target!r} has a single class" + (f" ({only!r})" if only else "")
                       + ", so there is nothing to learn or to check.",
                       "Choose the column that holds the labels, or add rows of the other classes.",
                       "curation.error.single_class", column=mapping.target, value=only)
    ids = frame[mapping.contributor]
    if ids.isna().all():
        raise _err(f"The contributor column {mapping.contributor!r} is empty.",
                   "Choose the column that holds the contributors' codes.", "curation.error.contributor_empty",
                   column=mapping.contributor)
    return frame


# The names a facilitator's file most often gives each part, most likely first (exact match only).
GUESSES = {"contributor": ("contributor_id", "contributor", "participant"), "target": ("label", "target"),
           "text": ("text", "message")}


def guess_mapping(preview: Preview) -> ColumnMapping:
    """A first mapping for ``preview``, for the facilitator to check: the contributor, target and text columns
    found by their usual names (:data:`GUESSES`); no groups and nothing dropped.

    The contributor falls back to the first column (it is required); target and text stay empty when no
    column has one of their names.
    """
    cols = preview.columns

    def first(part: str) -> str | None:
        return next((n for n in GUESSES[part] if n in cols), None)

    contributor = first("contributor") or (cols[0] if cols else "")
    return ColumnMapping(contributor, first("target"), (), first("text"))


def _write_raw(project, preview: Preview) -> tuple[Path, bool]:
    target = Path(project.data_dir) / preview.file
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == preview.sha256:
        return target, False  # the same bytes are already there: never touch a raw file
    try:
        with atomic_path(target) as tmp:
            tmp.write_bytes(preview.data)
    except OSError as exc:
        raise _err(f"Cannot write the file into {target.parent} ({exc.strerror}).",
                   "Check the disk space and the folder's permissions.", "curation.error.write")
    return target, True


def add(project, preview: Preview, mapping: ColumnMapping, actor: str = "facilitator",
        source: str = "") -> Dataset:
    """Store ``preview`` raw under ``data/`` and log it with ``mapping``; all of it or nothing."""
    frame = check_mapping(preview, mapping)
    target, created = _write_raw(project, preview)
    return log_added(project, preview.file, preview.sha256, len(preview.data), len(frame), preview.format,
                     preview.columns, preview.name, source, mapping, actor, target if created else None)


def log_added(project, file: str, sha256: str, size: int, rows: int, fmt: str, columns, original_name: str,
              source: str, mapping: ColumnMapping, actor: str, made: Path | None) -> Dataset:
    """Log a raw file stored under ``data/`` with its mapping (``received`` + ``mapped``, one transaction).
    ``made``: the file this add wrote, removed when the log refuses (a file already there is never touched)."""
    received = {"file": file, "sha256": sha256, "bytes": size, "rows": rows, "format": fmt,
                "original_name": original_name, "source": str(source)[:500]}
    mapped = {"sha256": sha256, "file": file, "format": fmt, "rows": rows, "columns": columns,
              "original_name": original_name, "mapping": mapping.to_dict()}
    try:
        events = project.store.append_many([(RECEIVED, received, actor), (MAPPED, mapped, actor)])
    except BaseException:
        if made is not None:
            made.unlink(missing_ok=True)
        raise
    return Dataset.from_event(events[1])


def add_file(project, path: str | os.PathLike, mapping: ColumnMapping, actor: str = "facilitator") -> Dataset:
    """``workbench data add``: read the file at ``path``, check it, store and log it."""
    path = Path(path)
    if FORMATS.get(Path(path.name).suffix.lower()) in ("csv", "tsv"):  # streamed: memory stays small (issue 26)
        from .stream import add_streamed

        return add_streamed(project, path, mapping, actor)
    limits = project.config.limits
    # A regular file, checked for size before it is read; an .xlsx's reach checked before it is expanded.
    data = read_regular_file(path, limits.data_file_mb * 1_000_000, what="data file")
    if Path(path.name).suffix.lower() in (".xlsx", ".xlsm"):
        check_unpacked_size(data, path.name, MAX_EXCEL_UNPACKED, key="curation.error.too_big",
                            fix="Save the sheet as CSV or Parquet and add that instead.")  # a zip bomb, before its XML
        check_sheet_dimensions(data, path.name, max_rows=limits.sheet_rows,
                               max_columns=min(limits.sheet_columns, MAX_COLUMNS), key="curation.error.sheet_too_large",
                               fix="Delete the empty rows and columns past the table (or save it as CSV), or raise "
                                   "[limits] in workbench.toml.")
    return add(project, inspect(data, path.name), mapping, actor, source=f"file {path.name}")


def remap(project, dataset: Dataset, mapping: ColumnMapping, actor: str = "facilitator") -> Dataset:
    """Change the mapping of a stored dataset (a new ``dataset.mapped`` event; the file stays as it is)."""
    preview = Preview(dataset.path(project).read_bytes(), dataset.original_name or dataset.file, dataset.format,
                      None)
    preview.frame = read_table(preview.data, preview.name, preview.format)
    return add(project, preview, mapping, actor, source="remapped")


def map_received(project, file: str, mapping: ColumnMapping, actor: str = "facilitator") -> Dataset:
    """Map a file already received under ``data/`` (the demo's, or one copied in by hand)."""
    path = Path(project.data_dir) / file
    data = path.read_bytes()
    preview = Preview(data, file, detect_format(file), None)
    preview.frame = read_table(data, file, preview.format)
    frame = check_mapping(preview, mapping)
    if preview.sha256 != path.stem:
        raise _err(f"{file} does not match its content hash: it was changed after it was received.",
                   "Restore it from a backup.", "curation.error.changed", file=file)
    payload = {"sha256": preview.sha256, "file": file, "format": preview.format, "rows": len(frame),
               "columns": preview.columns, "original_name": file, "mapping": mapping.to_dict()}
    return Dataset.from_event(project.store.append(MAPPED, payload, actor))


# -- the current dataset --------------------------------------------------------------------------
def current(store) -> Dataset | None:
    """The project's current dataset (latest ``dataset.mapped``), or None."""
    events = store.events(kinds=[MAPPED])
    return Dataset.from_event(events[-1]) if events else None


def require_current(store) -> Dataset:
    ds = current(store)
    if ds is None:
        raise _err("This project has no dataset yet.", "Add one in the curation app or with 'workbench data add'.",
                   "curation.error.no_dataset")
    return ds


def load_frame(project, dataset: Dataset):
    """The raw table of ``dataset`` (mapped columns as text), checked against its hash. Cached per file."""
    path = dataset.path(project)
    if not path.is_file():
        raise _err(f"The raw file {dataset.file} is missing from data/.", "Restore it from a backup.",
                   "curation.error.raw_missing", file=dataset.file)
    return _load(str(path), dataset.sha256, dataset.format, tuple(dataset.mapping.string_columns()),
                 path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load(path: str, sha256: str, fmt: str, string_columns: tuple[str, ...], _mtime: int):
    data = Path(path).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise _err(f"{Path(path).name} does not match its content hash: it was changed after it was received.",
                   "Restore it from a backup.", "curation.error.changed", file=Path(path).name)
    return read_table(data, Path(path).name, fmt, string_columns)
