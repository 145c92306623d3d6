"""Importing paper consent records from CSV or Excel.

Columns (header row required, any order, case-insensitive):

- ``contributor_id``: the person's code;
- ``date``: when they decided, ``YYYY-MM-DD``;
- ``choices``: the uses they said yes to, separated by ``;`` (``train;evaluate``); ``refused`` when they
  declined the whole form; ``withdrawn`` (everything) or ``withdrawn:train;evaluate`` for a withdrawal;
- ``method``: ``paper`` (default) or ``spoken``; ``witness``: who saw the person decide (required: a
  paper or spoken decision is recorded by a facilitator, never proved by a contributor id alone);
- ``paper_ref`` (optional): where the signed form or the note is kept; default ``<file> row <n>``.

Every imported event says so in the ledger: the importing facilitator as actor, ``proof`` ``witness``,
the ``witness`` and the ``paper_ref``.

:func:`read_records` checks every row and reports each bad one with its row number (the header is row 1,
as a spreadsheet shows it) and a reason; :func:`apply` writes nothing from a file with bad rows unless the
facilitator asks for the good rows only, and then writes them in one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WorkbenchError
from ..filecheck import (
    binary_kind,
    check_sheet_dimensions,
    check_unpacked_size,
    read_regular_file,
    unicode_width,
)
from ..text import free_text, snippet
from . import _time
from .ledger import (
    GRANTED,
    REFUSED_KIND,
    WITHDRAWN_KIND,
    ConsentLedger,
    Receipt,
    code_digest,
    grant_payload,
    new_receipt_code,
    refuse_payload,
    withdraw_payload,
)
from .scope import ScopeHistory, ScopeVersion
from .uses import USES

_log = logging.getLogger(__name__)
_log.addHandler(logging.NullHandler())  # the app decides where records go (the CLI: errors.log), never stderr

COLUMNS = ("contributor_id", "date", "choices", "method", "witness", "paper_ref")
REQUIRED = ("contributor_id", "date", "choices")
IMPORT_METHODS = ("paper", "spoken")
MAX_CELL_CHARS = 100_000  # Python's csv reader refuses longer cells (its field_size_limit is 131,072)
MAX_EXCEL_UNPACKED = 50_000_000  # bytes a records workbook may unpack to (a zip bomb unpacks to gigabytes)
MAX_FILE_BYTES = 10_000_000  # a records file read whole: far more than MAX_ROWS rows of paper decisions
MAX_ROWS = 20_000  # rows in one file (~150 MB and 2 s to check and write); a workshop's stack of forms is hundreds
MAX_COLUMNS = 50  # the records have six columns; a sheet reaching past this is not a records sheet
EARLIEST = "2000-01-01"  # no paper consent to this project predates the workbench's scopes by decades


@dataclass(frozen=True)
class RowError:
    """A bad row: its number, a catalog key for the reason (``consent.import.*``) and its parameters."""

    row: int
    key: str
    params: dict = field(default_factory=dict)
    sentence: str = ""


@dataclass(frozen=True)
class GoodRow:
    row: int
    kind: str
    payload: dict


@dataclass
class ImportReport:
    source: str
    sha256: str
    good: list[GoodRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        lines = [f"{self.source}: {len(self.good)} good rows, {len(self.errors)} bad rows."]
        lines += [f"  row {e.row}: {e.sentence}" for e in self.errors]
        return "\n".join(lines)


def _decode_lines(raw: bytes) -> list[tuple[int, str | None]]:
    """Split bytes into physical lines and decode each alone, so one badly encoded row does not hide the rest."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    out = []
    for number, line in enumerate(raw.splitlines(), start=1):
        try:
            out.append((number, line.decode("utf-8")))
        except UnicodeDecodeError:
            out.append((number, None))
    return out


def _rows_from_csv(raw: bytes, name: str, max_rows: int = MAX_ROWS) -> tuple[list[str], list[tuple[int, list[str] | None]]]:
    width = unicode_width(raw)
    if width or b"\x00" in raw:  # the whole file: a NUL past the first 64 KB is not text either
        raise WorkbenchError(f"{name!r} is not UTF-8 text" + (f" (it is {width})" if width else "") + ".",
                             "Save it as 'CSV UTF-8' and import it again.", key="consent.import.file_not_utf8")
    _check_row_count(raw.count(b"\n") or raw.count(b"\r"), name, max_rows)
    lines = _decode_lines(raw)
    if not lines or lines[0][1] is None:
        raise WorkbenchError("The file's first row is not UTF-8 text, so its columns cannot be read.",
                             "Save it as 'CSV UTF-8' and import it again.", key="consent.import.file_not_utf8")
    sample = lines[0][1]
    delimiter = ";" if sample.count(";") > sample.count(",") and "choices" not in sample.split(",") else ","
    if len(sample) > MAX_CELL_CHARS:
        raise _not_a_table(name, "its first row is not a row of column names")
    header = next(csv.reader([sample], delimiter=delimiter))
    rows: list[tuple[int, list[str] | None]] = []
    for number, text in lines[1:]:
        if text is None:
            rows.append((number, None))
        elif len(text) > MAX_CELL_CHARS:
            rows.append((number, TOO_LONG))
        elif text.strip():
            rows.append((number, next(csv.reader([text], delimiter=delimiter))))
    return header, rows


TOO_LONG = ["\x00too long"]  # marks a row whose text is longer than any cell may be


def _check_row_count(rows: int, name: str, max_rows: int = MAX_ROWS) -> None:
    """Refuse a file of more than ``max_rows`` records (``[limits] consent_rows``) before its rows are split."""
    if rows > max_rows + 1:  # + the header
        raise WorkbenchError(f"{name!r} has {rows:,} rows; the workbench imports at most {max_rows:,} paper "
                             "records from one file.", "Split it into smaller files and import each.",
                             key="consent.import.too_many_rows", name=name, count=f"{rows:,}",
                             max=f"{max_rows:,}")


def _not_a_table(name: str, what: str) -> WorkbenchError:
    return WorkbenchError(f"{name!r} is not a CSV or Excel table ({what}).",
                          "Choose the file that holds the consent records (CSV UTF-8 or .xlsx).",
                          key="consent.import.not_a_table", name=name)


def _rows_from_excel(data: bytes, name: str, max_rows: int = MAX_ROWS) -> tuple[list[str], list[tuple[int, list[str] | None]]]:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise WorkbenchError("Reading Excel files needs the openpyxl package.",
                             "Install it (pip install openpyxl), or save the sheet as CSV UTF-8.",
                             key="consent.import.no_excel") from None
    import pandas as pd

    check_unpacked_size(data, name, MAX_EXCEL_UNPACKED, key="consent.import.too_big",
                        fix="Save the sheet as 'CSV UTF-8' and import that instead.")
    check_sheet_dimensions(data, name, max_rows=max_rows + 1, max_columns=MAX_COLUMNS,
                           key="consent.import.sheet_too_large",
                           fix="Delete the rows and columns past the records (or split the file) and import again.")
    try:
        frame = pd.read_excel(io.BytesIO(data), dtype=str, header=None, engine="openpyxl").fillna("")
    except Exception:  # noqa: BLE001 - a seam: openpyxl on untrusted bytes raises a dozen types
        _log.info("%r could not be read as a workbook", name, exc_info=True)
        kind = binary_kind(data)
        raise _not_a_table(name, f"it is {kind}" if kind and not data.startswith(b"PK") else
                           "it is not an Excel workbook") from None
    values = frame.to_numpy().tolist()
    if not values:
        return [], []
    return [str(v) for v in values[0]], [(i + 2, [str(v) for v in row]) for i, row in enumerate(values[1:])
                                         if any(str(v).strip() for v in row)]


def _err(row: int, key: str, sentence: str, **params) -> RowError:
    return RowError(row, key, params, sentence)


def read_records(data: bytes | str | Path, name: str = "", *, history: ScopeHistory,
                 ledger: ConsentLedger | None = None, now=None, max_rows: int = MAX_ROWS) -> ImportReport:
    """Check every row of a paper-records file against the latest published scope; writes nothing.

    ``max_rows``: the project's ``[limits] consent_rows``."""
    if isinstance(data, (str, Path)):
        path = Path(data)
        name = name or path.name
        # a regular file (never a FIFO, a device or a link), its size checked before a byte is read
        data = read_regular_file(path, MAX_FILE_BYTES, what="records file")
    version: ScopeVersion = history.require_latest()
    name = snippet(name or "upload", 120)
    if len(data) > MAX_FILE_BYTES:  # an upload: the widget's bytes
        raise WorkbenchError(f"{name!r} is {len(data):,} bytes, more than the {MAX_FILE_BYTES:,} the workbench "
                             "reads from one records file.", "Split it into smaller files and import each.",
                             key="consent.import.file_too_big", name=name, max=f"{MAX_FILE_BYTES:,}")
    report = ImportReport(name, hashlib.sha256(data).hexdigest())
    if not data.strip():
        raise WorkbenchError(f"{name!r} is empty.", "Choose the file that holds the consent records.",
                             key="consent.import.empty")
    is_excel = data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm"))
    kind = binary_kind(data)
    if kind and not is_excel:
        raise _not_a_table(name, f"it is {kind}")
    header, rows = _rows_from_excel(data, name, max_rows) if is_excel else _rows_from_csv(data, name, max_rows)
    columns = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise WorkbenchError(f"The file has no {', '.join(missing)} column.",
                             f"The header row must name: {', '.join(COLUMNS)} (method and paper_ref are optional).",
                             key="consent.import.missing_columns", columns=", ".join(missing))
    seen: dict[tuple, int] = {}
    existing = {_signature(r.contributor, r.at, r.kind, r.choices) for r in (ledger.receipts if ledger else ())}
    for number, cells in rows:
        if cells is None:
            report.errors.append(_err(number, "consent.import.not_utf8",
                                      "This row is not UTF-8 text; save the file as 'CSV UTF-8'."))
            continue
        if cells is TOO_LONG:
            report.errors.append(_err(number, "consent.import.cell_too_long",
                                      f"This row has a cell longer than {MAX_CELL_CHARS:,} characters.",
                                      max=f"{MAX_CELL_CHARS:,}"))
            continue
        if len(cells) > len(columns):
            report.errors.append(_err(number, "consent.import.too_many_cells",
                                      "This row has more cells than the header; is a comma missing quotes?"))
            continue
        rec = {c: (cells[i].strip() if i < len(cells) else "") for i, c in enumerate(columns)}
        result = _check_row(number, rec, version, now, name)
        if isinstance(result, RowError):
            report.errors.append(result)
            continue
        p = result.payload
        choices = p.get("choices") or dict.fromkeys(p.get("uses", ()), False)
        signature = _signature(p["contributor"], p["at"], result.kind.split(".", 1)[1], choices)
        if signature in seen:
            report.errors.append(_err(number, "consent.import.duplicate",
                                      f"This row repeats row {seen[signature]}.", first=seen[signature]))
            continue
        seen[signature] = number
        if signature in existing:
            report.errors.append(_err(number, "consent.import.already_recorded",
                                      "This decision is already in the ledger."))
            continue
        report.good.append(result)
    _withdrawals_after_grants(report, ledger)
    return report


def _withdrawals_after_grants(report: ImportReport, ledger: ConsentLedger | None) -> None:
    """A withdrawal dated before every grant of the same person (in the file or the ledger) is a wrong date:
    it would withdraw nothing and hide the grant's later use. Refused with its row number."""
    first_grant: dict[str, tuple[str, str]] = {}  # contributor -> (earliest grant time, where it is)
    for r in (ledger.receipts if ledger else ()):
        if r.kind == "granted" and (r.contributor not in first_grant or r.at < first_grant[r.contributor][0]):
            first_grant[r.contributor] = (str(r.at), "in the ledger")
    for row in report.good:
        p = row.payload
        if row.kind == GRANTED and (p["contributor"] not in first_grant or p["at"] < first_grant[p["contributor"]][0]):
            first_grant[p["contributor"]] = (p["at"], f"row {row.row}")
    kept = []
    for row in report.good:
        p = row.payload
        grant = first_grant.get(p["contributor"]) if row.kind == WITHDRAWN_KIND else None
        if grant is not None and p["at"] < grant[0]:
            report.errors.append(_err(row.row, "consent.import.withdrawn_before_grant",
                                      f"This withdrawal is dated {p['at'][:10]}, before the grant it withdraws "
                                      f"({grant[1]}, dated {grant[0][:10]}).", date=p["at"][:10],
                                      grant=grant[1], grant_date=grant[0][:10]))
        else:
            kept.append(row)
    report.good = kept
    report.errors.sort(key=lambda e: e.row)


def _signature(contributor: str, at: str, kind: str, choices) -> tuple:
    """What makes two records the same decision: person, day, kind and the uses named."""
    return contributor, str(at)[:10], kind, tuple(sorted(u for u, yes in dict(choices).items() if yes)) \
        if kind == "granted" else tuple(sorted(dict(choices)))


def _check_row(number: int, rec: dict, version: ScopeVersion, now, source: str = "") -> GoodRow | RowError:
    who = rec.get("contributor_id", "")
    if not who:
        return _err(number, "consent.import.empty_id", "The contributor id is empty.")
    method = (rec.get("method") or "paper").lower()
    if method not in IMPORT_METHODS:
        return _err(number, "consent.import.bad_method", f"{snippet(method)!r} is not paper or spoken.",
                    method=snippet(method))
    witness = rec.get("witness", "")
    if method == "spoken" and not witness:
        return _err(number, "consent.import.no_witness", "Spoken consent needs a witness.")
    good = _check_decision(number, rec, version, now, who, method, witness)
    if not isinstance(good, GoodRow):
        return good
    if not witness:  # a paper decision is a facilitator's record: someone saw the person decide
        return _err(number, "consent.import.witness_needed",
                    "This row has no witness: write who saw the person sign or say it.")
    paper_ref = rec.get("paper_ref", "") or f"{(source or 'upload')[:150]} row {number}"
    try:
        free_text(paper_ref, "The paper reference", 200)
    except WorkbenchError as exc:
        return _err(number, "consent.import.invalid", exc.sentence)
    good.payload.update({"proof": "witness", "paper_ref": " ".join(paper_ref.split())})
    return good


def _check_decision(number: int, rec: dict, version: ScopeVersion, now, who: str, method: str,
                    witness: str) -> GoodRow | RowError:
    text = rec.get("date", "")
    try:
        when = _time.to_datetime(text) if text else None
    except WorkbenchError:
        when = None
    if when is None:
        return _err(number, "consent.import.bad_date", f"{snippet(text)!r} is not a date like 2026-03-31.",
                    value=snippet(text))
    if when > _time.to_datetime(now) + _time.FUTURE_SKEW:
        return _err(number, "consent.import.future_date", f"The date {snippet(text)} is in the future.",
                    value=snippet(text))
    if when < _time.to_datetime(EARLIEST):
        return _err(number, "consent.import.too_early",
                    f"The date {snippet(text)} is before {EARLIEST}; no consent to this project is that old.",
                    value=snippet(text), earliest=EARLIEST)
    raw = rec.get("choices", "").strip()
    lowered = raw.lower()
    try:
        if lowered == "refused":
            return GoodRow(number, REFUSED_KIND,
                           refuse_payload(version, who, method=method, at=when, witness=witness))
        if lowered.startswith("withdrawn"):
            rest = raw.split(":", 1)[1] if ":" in raw else ""
            uses = _split_uses(rest) or None
            for u in uses or ():
                if u not in USES:
                    return _err(number, "consent.import.unknown_use", f"{u!r} is not a use.", use=u)
            return GoodRow(number, WITHDRAWN_KIND,
                           withdraw_payload(who, uses, method=method, at=when, witness=witness))
        uses = _split_uses(raw)
        if not uses:
            return _err(number, "consent.import.no_choices",
                        "The choices are empty; write the uses granted, or 'refused'.")
        for u in uses:
            if u not in USES:
                return _err(number, "consent.import.unknown_use", f"{u!r} is not a use.", use=u)
            if version.scope.uses[u] == "never":
                return _err(number, "consent.import.never_use",
                            f"The scope does not permit {u!r}: nobody can grant it.", use=u)
        choices = dict.fromkeys(uses, True)
        choices.update(dict.fromkeys(version.scope.always(), True))
        return GoodRow(number, GRANTED, grant_payload(version, who, choices, method=method, at=when,
                                                      witness=witness))
    except WorkbenchError as exc:
        if exc.key == "consent.error.bad_contributor":
            return _err(number, "consent.import.bad_id", f"{snippet(who)!r} is not a contributor code.",
                        value=snippet(who))
        return _err(number, "consent.import.invalid", exc.sentence)


def _split_uses(text: str) -> list[str]:
    parts = [p.strip().lower() for chunk in text.split(";") for p in chunk.split("|")]
    return list(dict.fromkeys(p for p in parts if p))


def apply(store, report: ImportReport, *, good_rows_only: bool = False, actor: str = "facilitator") -> list[Receipt]:
    """Write the report's good rows in one transaction; refuses a report with bad rows unless asked.

    Returns one receipt per row, with a fresh code to print for the person.
    """
    if report.errors and not good_rows_only:
        raise WorkbenchError(
            f"{report.source} has {len(report.errors)} bad rows, so nothing was imported.",
            "Fix them and import again, or choose to import only the good rows.",
            key="consent.import.refused_bad_rows", count=len(report.errors),
        )
    if not report.good:
        raise WorkbenchError("There are no good rows to import.", key="consent.import.nothing")
    items, codes = [], []
    for row in report.good:
        payload = dict(row.payload)
        code = new_receipt_code()
        payload["receipt_sha256"] = code_digest(code)
        payload["source"] = {"file": report.source, "sha256": report.sha256, "row": row.row}
        items.append((row.kind, payload, actor))
        codes.append(code)
    events = store.append_many(items)
    return [Receipt.from_event(ev, code) for ev, code in zip(events, codes, strict=True)]
