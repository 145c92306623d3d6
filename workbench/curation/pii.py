"""A configurable scanner for personal data in free text: e-mail addresses, phone numbers, national ids.

Patterns cover the international forms (e-mail, phones written with a ``+``
country code) and the national ids of Brazil (CPF, CNPJ, numeric or alphanumeric), Argentina (DNI,
CUIT/CUIL), Mexico (CURP, RFC), Colombia (cédula de ciudadanía) and Chile (RUT),
plus phone numbers as people write them locally. Where an id has a check digit
(CPF, CNPJ, CUIT, CURP, RFC, RUT) a match counts only when the digit is right
(python-stdnum checks it), so a random number in a message is not reported as a person's id. DNI and
cédula have no check digit: they are found only next to their name ("DNI",
"C.C.", "cédula") or in their dotted form, to keep false alarms down.

Scanning is vectorised: one combined regular expression over the whole column
with pandas' string methods (RE2 via pyarrow where available), then each
pattern only on the rows that matched anything, then check digits only on the
candidate matches. The patterns are written so both RE2 and Python's ``re``
accept them (no look-arounds).

Configurable: ``Scanner(patterns)``; ``Scanner.default().without("phone_local")``;
``.with_pattern(Pattern("ticket", r"TCK-\\d{6}"))``; or from a project's
``workbench.toml``::

    [curation.pii]
    disable = ["phone_local"]
    [curation.pii.extra]
    ticket = "TCK-\\\\d{6}"
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stdnum.ar import cuit
from stdnum.br import cnpj, cpf
from stdnum.cl import rut
from stdnum.mx import curp, rfc

from ..errors import WorkbenchError


# -- check digits (python-stdnum) ----------------------------------------------------------------
# Thin wrappers: a match is a candidate id; stdnum says whether its check digits (and, for CURP and RFC,
# its date and components) are right. Two rules of ours stay on top, both about what people type:
# an all-equal CPF (111.111.111-11 passes its check digits) is a placeholder, not a person's id, and a
# CURP may carry "X" as its sex letter (RENAPO's non-binary marker), which stdnum does not know yet.
def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _repeated(text: str) -> bool:
    d = _digits(text)
    return bool(d) and d == d[0] * len(d)


def valid_cpf(text: str) -> bool:
    """Brazil CPF: 11 digits, two mod-11 check digits; all-equal digits are invalid."""
    return cpf.is_valid(text) and not _repeated(text)


def valid_cnpj(text: str) -> bool:
    """Brazil CNPJ: 14 characters (digits, or letters and digits in the first 12 since July 2026), two mod-11
    check digits over each character's ASCII code minus 48 (python-stdnum >= 2.2; its letters are upper case)."""
    return cnpj.is_valid(text.upper())


def valid_cuit(text: str) -> bool:
    """Argentina CUIT/CUIL: 11 digits, a known type prefix and a mod-11 check digit."""
    return cuit.is_valid(text)


def valid_rut(text: str) -> bool:
    """Chile RUT/RUN: 7-8 body digits and a mod-11 verifier (0-9 or K)."""
    return rut.is_valid(text)


def valid_curp(text: str) -> bool:
    """Mexico CURP: 18 characters, a real birth date, a state, and a check digit over the first 17."""
    s = text.strip().upper()
    if len(s) == 18 and s[10] == "X":  # checked as "H" for the components, the check digit on the real text
        return curp.is_valid(f"{s[:10]}H{s[11:]}", validate_check_digits=False) and curp.calc_check_digit(s) == s[-1]
    return curp.is_valid(s)


def valid_rfc(text: str) -> bool:
    """Mexico RFC: 12 (companies) or 13 (people) characters, a real date; the last is a mod-11 check digit."""
    s = text.strip().upper()
    return len(s) in (12, 13) and rfc.is_valid(s, validate_check_digits=True)


def _digit_count(low: int, high: int) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        return low <= len(_digits(text)) <= high

    return check


# -- patterns -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pattern:
    """One kind of personal data: a regular expression, an optional validator, the tag it is redacted to."""

    name: str
    regex: str
    validate: Callable[[str], bool] | None = None
    tag: str = ""
    flags: int = 0

    def __post_init__(self):
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", self.name):
            raise WorkbenchError(f"{self.name!r} is not a pattern name.", "Use lower-case letters, digits and _.",
                                 key="curation.error.pattern_name", name=str(self.name))
        try:
            re.compile(self.regex)
        except re.error as exc:
            raise WorkbenchError(f"The pattern {self.name!r} is not a valid regular expression ({exc}).",
                                 "Fix it in workbench.toml.", key="curation.error.pattern_regex", name=self.name)
        if not self.tag:
            object.__setattr__(self, "tag", f"[{self.name.upper()}]")

    @property
    def compiled(self) -> re.Pattern:
        return _compile(self.regex)


def _compile(regex: str) -> re.Pattern:
    return re.compile(regex)


DEFAULT_PATTERNS: tuple[Pattern, ...] = (
    Pattern("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", tag="[EMAIL]"),
    # Since July 2026 the first 12 characters may be letters (people type them in either case); the last two
    # are always check digits (Receita Federal: each character's ASCII code minus 48, stdnum's cnpj).
    Pattern("br_cnpj", r"\b[0-9A-Za-z]{2}\.?[0-9A-Za-z]{3}\.?[0-9A-Za-z]{3}/?[0-9A-Za-z]{4}-?\d{2}\b", valid_cnpj,
            "[CNPJ]"),
    Pattern("br_cpf", r"\b\d{3}\.?\d{3}\.?\d{3}-?\d{2}\b", valid_cpf, "[CPF]"),
    Pattern("ar_cuit", r"\b(?:20|23|24|27|30|33|34)-?\d{8}-?\d\b", valid_cuit, "[CUIT]"),
    Pattern("cl_rut", r"\b\d{1,2}\.?\d{3}\.?\d{3}-[0-9kK]\b", valid_rut, "[RUT]"),
    Pattern("mx_curp", r"\b[A-Z][AEIOUX][A-Z]{2}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[HMX]"
            r"(?:AS|BC|BS|CC|CL|CM|CS|CH|DF|DG|GT|GR|HG|JC|MC|MN|MS|NT|NL|OC|PL|QT|QR|SP|SL|SR|TC|TS|TL|VZ|YN|ZS|NE)"
            r"[B-DF-HJ-NP-TV-Z]{3}[A-Z0-9]\d\b", valid_curp, "[CURP]"),
    Pattern("mx_rfc", r"\b[A-Z&]{3,4}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[A-Z0-9]{2}[0-9A]\b",
            valid_rfc, "[RFC]"),
    Pattern("co_cedula", r"(?i:\bc[ée]dula(?: de ciudadan[íi]a)?|\bc\.\s?c\.|\bcc\b)[ :#nNoº°.]*\d{1,3}(?:\.?\d{3}){2,3}\b",
            tag="[CEDULA]"),
    Pattern("ar_dni", r"(?i:\bd\.?n\.?i\.?)[ :#nº°.]*\d{1,2}\.?\d{3}\.?\d{3}\b|\b\d{1,2}\.\d{3}\.\d{3}\b",
            tag="[DNI]"),
    Pattern("phone_intl", r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,5}(?:[ .-]?\d{2,5}){1,4}\b",
            _digit_count(8, 15), "[PHONE]"),
    Pattern("phone_local", r"(?:\(\d{2,3}\)\s?|\b\d{2,3}[ .-])?\b9?\d{4}[ .-]?\d{4}\b", _digit_count(8, 12),
            "[PHONE]"),
)


@dataclass(frozen=True)
class Scanner:
    """An ordered set of patterns; earlier patterns win where matches overlap when redacting."""

    patterns: tuple[Pattern, ...] = field(default_factory=lambda: DEFAULT_PATTERNS)

    @classmethod
    def default(cls) -> Scanner:
        return cls(DEFAULT_PATTERNS)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.patterns)

    def without(self, *names: str) -> Scanner:
        unknown = set(names) - set(self.names)
        if unknown:
            raise WorkbenchError(f"There is no pattern {sorted(unknown)[0]!r}.", f"Use one of: {', '.join(self.names)}.",
                                 key="curation.error.unknown_pattern", name=sorted(unknown)[0])
        return Scanner(tuple(p for p in self.patterns if p.name not in names))

    def with_pattern(self, pattern: Pattern) -> Scanner:
        return Scanner((*[p for p in self.patterns if p.name != pattern.name], pattern))

    def only(self, names: Iterable[str] | None) -> Scanner:
        if names is None:
            return self
        wanted = list(names)
        for n in wanted:
            if n not in self.names:
                raise WorkbenchError(f"There is no pattern {n!r}.", f"Use one of: {', '.join(self.names)}.",
                                     key="curation.error.unknown_pattern", name=n)
        return Scanner(tuple(p for p in self.patterns if p.name in wanted))

    # -- finding ------------------------------------------------------------------------------------
    def _combined(self) -> str:
        return "|".join(f"(?:{p.regex})" for p in self.patterns)

    def _scan(self, series):
        """(found, positions, redacted): the work shared by :meth:`find` and :meth:`redact`.

        Patterns run in order on the rows that matched the combined expression; each pattern's
        (validated) matches are replaced by its tag before the next runs, so a CNPJ is not also
        reported as a DNI, nor a CUIT as a phone number.
        """
        import numpy as np
        import pandas as pd

        text = _text(series)
        found = np.zeros((len(series), len(self.patterns)), dtype=bool)
        empty = np.empty(0, dtype="int64")
        if not len(text) or not self.patterns:
            return found, empty, []
        candidate = _contains(text, self._combined())
        pos = np.flatnonzero(candidate)
        if not len(pos):
            return found, empty, []
        sub = pd.Series(text.iloc[pos].to_numpy(dtype=object), dtype=object)
        for j, p in enumerate(self.patterns):
            hit = _contains(sub, p.regex)
            if not hit.any():
                continue
            rx, idx = p.compiled, np.flatnonzero(hit)
            if p.validate is None:
                sub.iloc[idx] = [rx.sub(p.tag, s) for s in sub.iloc[idx]]
            else:
                seen = np.zeros(len(idx), dtype=bool)
                values = []
                for k, s in enumerate(sub.iloc[idx]):
                    def repl(m, k=k, check=p.validate, tag=p.tag, seen=seen):
                        if check(m.group(0)):
                            seen[k] = True
                            return tag
                        return m.group(0)

                    values.append(rx.sub(repl, s))
                sub.iloc[idx] = values
                idx = idx[seen]
            found[pos[idx], j] = True
        return found, pos, list(sub)

    def find(self, series):
        """A boolean DataFrame (rows x pattern names): which rows hold which kind of personal data."""
        import pandas as pd

        found, _pos, _sub = self._scan(series)
        return pd.DataFrame(found, index=series.index, columns=list(self.names))

    def summary(self, frame, columns: Iterable[str], factorized=None):
        """Rows with findings per (column, kind): a long DataFrame ``column, kind, rows``.

        Each column of strings is factorised first and only its distinct values are scanned; each
        value's findings count once per row holding it (the same counts as scanning every row, since
        a row's findings depend on its text alone). ``factorized`` maps a column to ``(codes,
        uniques)`` already computed (the profile's), so it is not hashed again.
        """
        import numpy as np
        import pandas as pd

        factorized = factorized or {}
        rows = []
        for col in columns:
            series = frame[col]
            pair = factorized.get(col)
            if pair is None and pd.api.types.is_string_dtype(series):
                pair = pd.factorize(series, use_na_sentinel=True)
            if pair is None:
                counts = self._scan(series)[0].sum(axis=0)
            else:
                codes, uniques = np.asarray(pair[0]), pair[1]
                per_value = np.bincount(codes[codes >= 0], minlength=len(uniques)).astype("int64")
                found = self._scan(pd.Series(uniques))[0]
                counts = per_value @ found.astype("int64") if len(uniques) else np.zeros(len(self.patterns), dtype="int64")
            rows += [{"column": col, "kind": k, "rows": int(v)} for k, v in zip(self.names, counts, strict=True) if v]
        return pd.DataFrame(rows, columns=["column", "kind", "rows"]).astype({"rows": "int64"})

    def redact(self, series, kinds: Iterable[str] | None = None):
        """The text with every (validated) match of ``kinds`` (default all) replaced by its tag."""
        import numpy as np

        found, pos, sub = self.only(kinds)._scan(series)
        changed = found.any(axis=1)[pos] if len(pos) else np.zeros(0, dtype=bool)
        if not changed.any():
            return series
        out = series.astype(object)
        rows = pos[changed]
        out.iloc[rows] = np.asarray(sub, dtype=object)[changed]
        return out.astype(series.dtype) if str(series.dtype) in ("str", "string") else out

    # -- configuration ------------------------------------------------------------------------------
    @classmethod
    def for_project(cls, project) -> Scanner:
        """The default patterns, adjusted by ``[curation.pii]`` in the project's workbench.toml."""
        scanner = cls.default()
        path = Path(project.root) / "workbench.toml"
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            return scanner
        cfg = raw.get("curation", {}).get("pii", {})
        disable = [str(x) for x in cfg.get("disable", [])]
        if disable:
            scanner = scanner.without(*disable)
        for name, regex in dict(cfg.get("extra", {})).items():
            scanner = scanner.with_pattern(Pattern(str(name), str(regex)))
        return scanner


# -- the scan the curation app shows: raw file against curated view, cached by content hash ---------
@dataclass(frozen=True)
class CuratedScan:
    """Personal data found in the raw file and left in the curated view of ``use``.

    ``raw`` and ``left`` are :meth:`Scanner.summary` tables (``column, kind, rows``); ``content_sha256`` is the
    curated view's content hash (:func:`workbench.curation.snapshot.content_hash`, what a snapshot taken now
    would be named by).
    """

    use: str
    content_sha256: str
    columns: tuple[str, ...]
    raw: Any
    left: Any

    def table(self):
        """One row per (column, kind) found in the raw file: ``column, kind, raw_rows, left_rows``."""
        left = {(r.column, r.kind): int(r.rows) for r in self.left.itertuples()}
        out = self.raw.rename(columns={"rows": "raw_rows"})
        return out.assign(left_rows=[left.get((c, k), 0) for c, k in zip(out["column"], out["kind"], strict=True)]
                          ).astype({"left_rows": "int64"})


def scannable_columns(dataset) -> list[str]:
    """The columns a person could have written personal data in: the text column and every column the mapping
    does not name (the contributor, target, group and dropped columns are not scanned)."""
    used = dataset.mapping.used()
    return [c for c in (dataset.mapping.text, *[c for c in dataset.columns if c not in used]) if c]


_SCANS: OrderedDict = OrderedDict()
_SCANS_LOCK = threading.Lock()
SCAN_CACHE_SIZE = 32


def _cached_summary(scanner: Scanner, digest: str, frame, columns: tuple[str, ...]):
    """``scanner.summary(frame, columns)``, remembered by (scanner, content hash, columns) in this process."""
    key = (scanner, digest, columns)
    with _SCANS_LOCK:
        hit = _SCANS.get(key)
        if hit is not None:
            _SCANS.move_to_end(key)
            return hit.copy()
    found = scanner.summary(frame, [c for c in columns if c in frame.columns])
    with _SCANS_LOCK:
        _SCANS[key] = found
        while len(_SCANS) > SCAN_CACHE_SIZE:
            _SCANS.popitem(last=False)
    return found.copy()


def scan_curated(project, use: str, at=None, scanner: Scanner | None = None) -> CuratedScan:
    """Personal data in the current dataset's raw file and in its curated view for ``use`` at ``at`` (default
    now), with the project's scanner (:meth:`Scanner.for_project`) unless ``scanner`` is given.

    Each scan is cached in this process by the content hash of what was scanned (the raw file's hash; the
    curated view's snapshot content hash), so re-drawing a view whose data did not change does not scan again,
    while a new consent, exclusion or redaction changes the hash and so the findings.
    """
    from .enforce import curated
    from .importer import load_frame, require_current
    from .snapshot import content_hash

    ds = require_current(project.store)
    scanner = scanner or Scanner.for_project(project)
    columns = tuple(scannable_columns(ds))
    kept = curated(project, use, at, ds).frame
    digest = content_hash(kept)
    raw = _cached_summary(scanner, f"raw:{ds.sha256}", load_frame(project, ds), columns)  # load_frame is cached
    left = _cached_summary(scanner, digest, kept, columns)
    return CuratedScan(use, digest, columns, raw, left)


def _contains(series, regex: str):
    """Which values match ``regex`` anywhere: RE2 through pyarrow when available (10-20x faster than
    pandas' fallback to Python's ``re`` for patterns with ``\\d`` or ``\\b``), else pandas."""
    import numpy as np

    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is optional
        return series.str.contains(regex, regex=True, na=False).to_numpy(dtype=bool)
    arr = series.array
    values = pa.array(arr) if hasattr(arr, "__arrow_array__") else pa.array(series.to_numpy(dtype=object),
                                                                            type=pa.large_string(), from_pandas=True)
    out = pc.match_substring_regex(values, regex)
    return np.asarray(out.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _text(series):
    import pandas as pd

    if isinstance(series.dtype, pd.StringDtype) or str(series.dtype) == "str":
        return series
    return series.astype("str").mask(series.isna())
