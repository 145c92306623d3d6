"""Stage 3, data curation: the dataset as received, consent enforced row by row, the profile, the logged
curation actions, the deterministic snapshot, the datasheet, and the ledger of paid data work.

- :mod:`.importer`: read CSV / TSV / Excel / Parquet / JSON Lines, store the raw file by content hash,
  log the column mapping (``dataset.mapped``); every bad file is one sentence, nothing half-written.
- :mod:`.actions`: curation events (exclude, redact, drop / hash a column, correct labels, revert) and
  their fold :class:`~.actions.CurationLog`.
- :mod:`.enforce`: the curated view for a use at a time, with a reason for every excluded row.
- :mod:`.profile`: the vectorised profile; :mod:`.pii`: the configurable personal-data scanner.
- :mod:`.snapshot`: the curated snapshot and its content hash.
- :mod:`.datasheet`: Datasheets for Datasets, auto-filled plus the community's answers.
- :mod:`.datawork`: the ledger of paid data work, checked against the agreed hourly floor.

pandas is imported by the functions that need it, not at import time.
"""
