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

NO_CONTRIBUTOR, EXCLUDED, KEPT = "no_contributor", "excluded", "kept"
CONSENT_REASONS = ("no_record", "refused", "withdrawn", "expired", "never")
REASONS = (NO_CONTRIBUTOR, *CONSENT_REASONS, EXCLUDED, KEPT)
RAW = "raw"
WATERFALL_STEPS = (RAW, *REASONS)


class Curated:
    """The result of :func:`enforce`: ``reason`` per raw row, ``counts``, ``waterfall()``, and ``frame``.

    ``frame`` (the kept rows with the active transforms applied) is built on first use: the waterfall and
    the counts need only the reasons.
    """

    def __init__(self, use: str, at, raw, dataset, reason, actions, contributor_codes=None):
        self.use, self.at, self.reason, self.actions = use, at, reason, list(actions)
        self._raw, self._dataset = raw, dataset
        self.contributor_codes = contributor_codes  # (codes, uniques) of the contributor column, for reuse
        self._frame = None

    @property
    def frame(self):
        if self._frame is None:
            from .actions import apply

            keep = (self.reason.cat.codes == REASONS.index(KEPT)).to_numpy()
            kept = self._raw[keep]
            drop = [c for c in self._dataset.mapping.drop if c in kept.columns]
            if drop:
                kept = kept.drop(columns=drop)
            self._frame = apply(kept, self._dataset, self.actions)
        return self._frame

    @property
    def counts(self) -> dict[str, int]:
        """Rows per reason, every reason present (zeros included), in waterfall order."""
        import numpy as np

        n = np.bincount(self.reason.cat.codes.to_numpy(), minlength=len(REASONS))
        return {r: int(n[i]) for i, r in enumerate(REASONS)}

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
    """Per row: ``no_contributor`` for a missing or blank id, else the ledger's reason; and the factorisation.

    The column is factorised once; blank ids are found among the distinct values, not the rows, and the
    ledger gets a categorical (so it does not factorise again). Returns ``(codes into REASONS, (codes,
    uniques))``, the latter the column's own factorisation (-1 for missing values only, blank ids keep
    their code), so the profile can reuse it as it is.
    """
    import numpy as np
    import pandas as pd

    raw, uniques = pd.factorize(ids, use_na_sentinel=True)
    raw = np.asarray(raw)
    text = pd.Index(uniques).astype("str")
    blank = np.asarray(text.str.strip() == "", dtype=bool)
    codes = np.where(blank[np.maximum(raw, 0)] & (raw >= 0), -1, raw) if blank.any() else raw
    missing = codes < 0
    cats = pd.Series(pd.Categorical.from_codes(codes, categories=text, validate=False), index=ids.index)
    _mask, reason = ledger.permitted_mask(cats, use, at)
    ledger_cats = list(reason.cat.categories)
    lookup = np.array([REASONS.index(KEPT if c == "ok" else c) for c in ledger_cats], dtype="int8")
    out = lookup[reason.cat.codes.to_numpy()]
    out[missing] = REASONS.index(NO_CONTRIBUTOR)
    return out, (raw, uniques)


def enforce(frame, dataset, ledger, use: str, at=None, actions=()) -> Curated:
    """The curated view of ``frame`` (the raw table of ``dataset``) for ``use`` at ``at`` (default now)."""
    import numpy as np
    import pandas as pd

    from ..consent import _time
    from .actions import exclusion_mask

    when = _time.to_datetime(at)
    actions = list(actions)
    codes, factorised = consent_reasons(frame[dataset.mapping.contributor], ledger, use, when)
    kept_code = REASONS.index(KEPT)
    excluded = exclusion_mask(frame, actions)
    codes = np.where((codes == kept_code) & excluded, np.int8(REASONS.index(EXCLUDED)), codes).astype("int8")
    reason = pd.Series(pd.Categorical.from_codes(codes, categories=list(REASONS)), index=frame.index, name="reason")
    return Curated(use, when, frame, dataset, reason, actions, factorised)


def curated(project, use: str, at=None, dataset=None) -> Curated:
    """:func:`enforce` on the project's current dataset with its ledger and active curation actions."""
    from ..consent.ledger import ConsentLedger
    from .actions import CurationLog
    from .importer import load_frame, require_current

    ds = dataset or require_current(project.store)
    frame = load_frame(project, ds)
    ledger = ConsentLedger.load(project.store)
    return enforce(frame, ds, ledger, use, at, CurationLog.load(project.store).active(ds.sha256))
