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
bytes, for machines) and logs ``curation.snapshot``. That file is a record: it is
never neutralised or rewritten. People who open the rows in a spreadsheet get a
separate copy, :func:`spreadsheet_copy` (``workbench data export``, the curation
app's "save spreadsheet copy"): the recorded file is read back (its hash checked
against the log), every text cell that could start a formula gets a leading
quote (:mod:`workbench.spreadsheet`), and the copy is written atomically (UTF-8
with a byte-order mark for Excel, ``\\r\\n``), by default to
``artifacts/spreadsheets/<use>-<hash12>.csv``.

The canonical CSV ends rows with ``\\n`` and quotes cells with ``\\n``, ``,`` or
``"``, not cells with a bare ``\\r``; read it back with ``\\n`` as the only line
terminator (as :func:`read_recorded` does), not with a generic CSV reader.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from .._atomic import atomic_path
from ..errors import WorkbenchError
from ..spreadsheet import FORMULA_START, neutralise  # noqa: F401  (one rule; evaluation.protocol imports it here)
from ..store import canonical_json

SNAPSHOT = "curation.snapshot"
SPREADSHEETS = "spreadsheets"


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
        if _time.to_us(v.effective_at) <= t:
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
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
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


def export_csv(frame, path, *, force: bool = True) -> Path:
    """The kept rows for people to open in a spreadsheet: formulas neutralised, raw row numbers first."""
    from ..spreadsheet import neutralise_frame, write_csv

    return write_csv(neutralise_frame(frame.reset_index(names="row")), path, force=force)


def choose(store, use: str, content_hash: str | None = None) -> Snapshot:
    """The latest snapshot for ``use``, or the one whose content hash starts with ``content_hash``."""
    snaps = [s for s in history(store) if s.use == use]
    if content_hash:
        prefix = str(content_hash).strip().lower()
        snaps = [s for s in snaps if prefix and s.content_sha256.startswith(prefix)]
        if not snaps:
            raise WorkbenchError(f"There is no {use} snapshot with hash {content_hash}.",
                                 "See the hashes in the curation app or the datasheet.",
                                 key="curation.snapshot.error.no_hash", use=use, hash=str(content_hash))
    if not snaps:
        raise WorkbenchError(f"There is no snapshot for {use} yet.",
                             f"Take one first: workbench data snapshot DIR --use {use}.",
                             key="curation.snapshot.error.none", use=use)
    return snaps[-1]


def read_recorded(project, snap: Snapshot):
    """The recorded snapshot file as a table of text (header row first), its hash checked against the log."""
    import pandas as pd

    path = Path(project.artifacts_dir) / snap.file
    try:
        data = path.read_bytes()
    except OSError:
        raise WorkbenchError(f"The snapshot file artifacts/{snap.file} is missing.",
                             "Restore it from a backup, or take the snapshot again.",
                             key="curation.snapshot.error.missing", file=snap.file) from None
    if hashlib.sha256(data).hexdigest() != snap.content_sha256:
        raise WorkbenchError(f"artifacts/{snap.file} does not match the hash logged when it was taken.",
                             "Restore it from a backup, or take the snapshot again.",
                             key="curation.snapshot.error.changed", file=snap.file)
    return pd.read_csv(io.BytesIO(data), header=None, dtype=str, na_filter=False, lineterminator="\n",
                       encoding="utf-8")


def spreadsheet_path(project, snap: Snapshot) -> Path:
    return Path(project.artifacts_dir) / SPREADSHEETS / f"{snap.use}-{snap.content_sha256[:12]}.csv"


def spreadsheet_copy(project, use: str, out=None, *, content_hash: str | None = None,
                     force: bool = False) -> tuple[Snapshot, Path]:
    """Write a spreadsheet copy of a recorded snapshot (latest for ``use`` unless ``content_hash``).

    ``out`` defaults to ``artifacts/spreadsheets/<use>-<hash12>.csv`` (replaced freely: the same snapshot
    always gives the same copy). Any other existing file is replaced only with ``force``; a recorded
    snapshot file never is. The recorded snapshot and its hash are not touched.
    """
    from ..spreadsheet import neutralise_text_table, write_csv

    snap = choose(project.store, use, content_hash)
    if out is None:
        out, force = spreadsheet_path(project, snap), True
        out.parent.mkdir(parents=True, exist_ok=True)
    out = Path(out)
    if out.suffix.lower() != ".csv":
        raise WorkbenchError(f"The spreadsheet copy is a CSV file, but {out.name} does not end in .csv.",
                             "Name it like train.csv.", key="curation.snapshot.error.not_csv", name=out.name)
    records = {(Path(project.artifacts_dir) / s.file).resolve() for s in history(project.store) if s.file}
    if out.resolve() in records:
        raise WorkbenchError(f"{out} is a recorded snapshot and stays as it is.",
                             "Write the spreadsheet copy to another file.",
                             key="curation.snapshot.error.record", path=str(out))
    table = read_recorded(project, snap)
    return snap, write_csv(neutralise_text_table(table), out, force=force, header=False, bom=True,
                           all_text=True)
