"""Consent enforced row by row: the curated view for one use at one time, every exclusion with a reason.

For a use (``train``, ``evaluate``, ``publish_examples``, ...) at a time *t*, a
row is kept exactly when its contributor permits that use at *t* (the consent
ledger's :meth:`~workbench.consent.ledger.ConsentLedger.permitted_mask`) and no
active curation action excludes it. Each excluded row gets the first reason
that applies, in this order (the steps of the waterfall chart):

``no_contributor`` (the row names nobody), ``no_record``, ``refused``,
``withdrawn``, ``expired``, ``never`` (the scope in force forbids the use to
everyone), ``excluded`` (a curation action); the rest are ``kept``.

Everything is vectorised: one factorisation of the contributor column, the
ledger folded per contributor in numpy, exclusion rules as boolean masks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NO_CONTRIBUTOR, EXCLUDED, KEPT = "no_contributor", "excluded", "kept"
CONSENT_REASONS = ("no_record", "refused", "withdrawn", "expired", "never")
REASONS = (NO_CONTRIBUTOR, *CONSENT_REASONS, EXCLUDED, KEPT)
RAW = "raw"
WATERFALL_STEPS = (RAW, *REASONS)


@dataclass
class Curated:
    """The result of :func:`enforce`."""

    use: str
    at: Any  # datetime (UTC)
    frame: Any  # the kept rows, transformed by the active actions; index = raw row numbers
    reason: Any  # categorical Series over every raw row (categories REASONS)
    actions: list

    @property
    def counts(self) -> dict[str, int]:
        """Rows per reason, every reason present (zeros included), in waterfall order."""
        vc = self.reason.value_counts()
        return {r: int(vc.get(r, 0)) for r in REASONS}

    def waterfall(self):
        """A DataFrame ``step, rows, start, end, kind`` for the waterfall: raw rows, then each loss, then kept."""
        import pandas as pd

        counts = self.counts
        total = len(self.reason)
        rows, level = [{"step": RAW, "rows": total, "start": 0, "end": total, "kind": "total"}], total
        for r in REASONS[:-1]:
            n = counts[r]
            rows.append({"step": r, "rows": -n, "start": level, "end": level - n, "kind": "loss"})
            level -= n
        rows.append({"step": KEPT, "rows": level, "start": 0, "end": level, "kind": "total"})
        return pd.DataFrame(rows, columns=["step", "rows", "start", "end", "kind"])


def consent_reasons(ids, ledger, use: str, at=None):
    """Per row: ``no_contributor`` for a missing id, else the ledger's reason (ok / no_record / ...)."""
    import numpy as np
    import pandas as pd

    text = ids
    missing = text.isna().to_numpy(dtype=bool, copy=True)
    if not pd.api.types.is_string_dtype(text.dtype) or pd.api.types.is_object_dtype(text.dtype):
        text = text.astype("str").mask(ids.isna())
    blank = text.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    missing |= blank
    _mask, reason = ledger.permitted_mask(text.mask(pd.Series(missing, index=text.index)), use, at)
    ledger_codes = reason.cat.codes.to_numpy()
    # map the ledger's categories onto ours; "ok" becomes "kept" (curation may still exclude the row)
    cats = list(reason.cat.categories)
    lookup = np.array([REASONS.index(KEPT if c == "ok" else c) for c in cats], dtype="int8")
    codes = lookup[ledger_codes]
    codes[missing] = REASONS.index(NO_CONTRIBUTOR)
    return codes


def enforce(frame, dataset, ledger, use: str, at=None, actions=()) -> Curated:
    """The curated view of ``frame`` (the raw table of ``dataset``) for ``use`` at ``at`` (default now)."""
    import numpy as np
    import pandas as pd

    from ..consent import _time
    from .actions import apply, exclusion_mask

    when = _time.to_datetime(at)
    actions = list(actions)
    codes = consent_reasons(frame[dataset.mapping.contributor], ledger, use, when)
    kept_code = REASONS.index(KEPT)
    excluded = exclusion_mask(frame, actions)
    codes = np.where((codes == kept_code) & excluded, np.int8(REASONS.index(EXCLUDED)), codes).astype("int8")
    reason = pd.Series(pd.Categorical.from_codes(codes, categories=list(REASONS)), index=frame.index, name="reason")
    keep = codes == kept_code
    kept = frame[keep]
    drop = [c for c in dataset.mapping.drop if c in kept.columns]
    if drop:
        kept = kept.drop(columns=drop)
    kept = apply(kept, dataset, actions)
    return Curated(use, when, kept, reason, actions)


def curated(project, use: str, at=None, dataset=None) -> Curated:
    """:func:`enforce` on the project's current dataset with its ledger and active curation actions."""
    from ..consent.ledger import ConsentLedger
    from .actions import CurationLog
    from .importer import load_frame, require_current

    ds = dataset or require_current(project.store)
    frame = load_frame(project, ds)
    ledger = ConsentLedger.load(project.store)
    return enforce(frame, ds, ledger, use, at, CurationLog.load(project.store).active(ds.sha256))
