"""The curated snapshot: a deterministic function of what it is made from, named by its content hash.

Inputs: the raw file's hash, the consent ledger's state for the use at the
time (digested as the sorted (contributor, reason) pairs of the contributors
in the data), the scope version in force at that time, and the active curation
events (their hashes, in log order). The snapshot is the kept rows, with their
raw row numbers in a ``row`` column first, then the remaining columns in file
order, written as canonical CSV (UTF-8, ``\\n``, minimal quoting, missing
values empty, numbers as pandas writes them). Its SHA-256 is the content hash:
the same inputs always give the same bytes and so the same hash.

:func:`take` writes ``artifacts/snapshots/<use>-<hash12>.csv`` (the canonical
bytes, for machines; a spreadsheet export neutralises formulas separately, see
:func:`export_csv`) and logs ``curation.snapshot``.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from ..store import canonical_json

SNAPSHOT = "curation.snapshot"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Snapshot:
    use: str
    at: str
    content_sha256: str
    inputs_sha256: str
    inputs: dict
    rows: int
    columns: tuple[str, ...]
    counts: dict
    file: str = ""
    seq: int = 0

    @classmethod
    def from_event(cls, ev) -> Snapshot:
        p = ev.payload
        return cls(p["use"], p["at"], p["content_sha256"], p["inputs_sha256"], p["inputs"], int(p["rows"]),
                   tuple(p["columns"]), dict(p["counts"]), p.get("file", ""), ev.seq)


def canonical_bytes(frame) -> bytes:
    """The kept rows as canonical CSV bytes (``row`` = raw row number first)."""
    out = frame.reset_index(names="row") if "row" not in frame.columns else frame.reset_index(drop=True)
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n", na_rep="", float_format="%.17g")
    return buf.getvalue().encode("utf-8")


def content_hash(frame) -> str:
    return hashlib.sha256(canonical_bytes(frame)).hexdigest()


def _consent_digest(view, dataset, frame_ids) -> str:
    """Hash of the sorted (contributor, consent reason) pairs: the ledger's state as it bears on this data."""
    import pandas as pd

    pairs = pd.DataFrame({"c": frame_ids.astype("str").fillna(""), "r": view.reason.astype("str")})
    consent_only = pairs["r"].where(pairs["r"] != "excluded", "kept")  # curation is hashed separately
    pairs = pairs.assign(r=consent_only).drop_duplicates().sort_values(["c", "r"], kind="mergesort")
    text = "\n".join(pairs["c"] + "\t" + pairs["r"])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _scope_in_force(store, at) -> dict:
    """(version, hash) of the scope published last at or before ``at``; empty when none."""
    from ..consent import _time
    from ..consent.scope import ScopeHistory

    t = _time.to_us(at)
    chosen = {}
    for v in ScopeHistory.load(store).versions:
        if _time.to_us(v.published_at) <= t:
            chosen = {"version": v.version, "hash": v.hash}
    return chosen


def inputs_of(project, view, dataset, frame) -> dict:
    from ..consent import _time

    return {
        "raw_sha256": dataset.sha256,
        "mapping": dataset.mapping.to_dict(),
        "use": view.use,
        "at": _time.iso(view.at),
        "consent_sha256": _consent_digest(view, dataset, frame[dataset.mapping.contributor]),
        "scope": _scope_in_force(project.store, view.at),
        "actions": [a.hash for a in view.actions],
    }


def compute(project, use: str, at=None):
    """(view, inputs, content hash, canonical bytes) without writing anything."""
    from .enforce import curated
    from .importer import load_frame, require_current

    ds = require_current(project.store)
    view = curated(project, use, at, ds)
    frame = load_frame(project, ds)
    data = canonical_bytes(view.frame)
    return view, ds, inputs_of(project, view, ds, frame), hashlib.sha256(data).hexdigest(), data


def take(project, use: str, at=None, actor: str = "facilitator") -> Snapshot:
    """Make the snapshot for ``use`` at ``at`` (default now), write it, log it, return it."""
    view, _ds, inputs, digest, data = compute(project, use, at)
    folder = Path(project.artifacts_dir) / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{use}-{digest[:12]}.csv"
    target = folder / name
    if not target.is_file():
        tmp = target.with_name(f".{name}.{os.getpid()}.partial")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    payload = {"use": use, "at": inputs["at"], "content_sha256": digest,
               "inputs_sha256": hashlib.sha256(canonical_json(inputs).encode()).hexdigest(), "inputs": inputs,
               "rows": len(view.frame), "columns": ["row", *map(str, view.frame.columns)], "counts": view.counts,
               "file": f"snapshots/{name}"}
    return Snapshot.from_event(project.store.append(SNAPSHOT, payload, actor))


def history(store) -> list[Snapshot]:
    return [Snapshot.from_event(ev) for ev in store.events(kinds=[SNAPSHOT])]


def latest(store, use: str | None = None) -> Snapshot | None:
    snaps = [s for s in history(store) if use is None or s.use == use]
    return snaps[-1] if snaps else None


def neutralise(value):
    """A cell as a spreadsheet will show it: text that could start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_csv(frame, path) -> Path:
    """The kept rows for people to open in a spreadsheet: formulas neutralised, raw row numbers first."""
    out = frame.reset_index(names="row")
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("str", "string"):
            s = out[col].astype(object)
            risky = s.astype("str").str.startswith(FORMULA_START, na=False) & s.notna()
            if risky.any():
                out[col] = s.where(~risky, "'" + s.astype("str"))
    path = Path(path)
    out.rename(columns=lambda c: neutralise(str(c))).to_csv(path, index=False, lineterminator="\n")
    return path
