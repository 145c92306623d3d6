"""Helpers shared by the curation tests: a small project with a published scope, a dataset and consent."""

from __future__ import annotations

import io

import pandas as pd

from workbench.consent import ledger as L
from workbench.curation import importer

from .consent_support import make_scope, new_project
from .gates import publish

PAPER = {"method": "paper", "witness": "f-ana", "paper_ref": "folder A, form 1"}  # a facilitator's record
MAPPING = importer.ColumnMapping("contributor_id", "label", ("hood",), "text")


def frame_csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    pd.DataFrame(rows).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


ROWS = [
    {"contributor_id": "c-ok", "hood": "A", "text": "call me on +55 11 91234 5678", "label": "urgent"},
    {"contributor_id": "c-ok", "hood": "A", "text": "clinic hours?", "label": "information"},
    {"contributor_id": "", "hood": "B", "text": "no id", "label": "routine"},
    {"contributor_id": "c-none", "hood": "B", "text": "never asked", "label": "routine"},
    {"contributor_id": "c-refused", "hood": "B", "text": "said no", "label": "urgent"},
    {"contributor_id": "c-withdrew", "hood": "A", "text": "changed mind", "label": "routine"},
    {"contributor_id": "c-old", "hood": "A", "text": "long ago", "label": "information"},
    {"contributor_id": "c-evalonly", "hood": "B", "text": "test only", "label": "urgent"},
    {"contributor_id": "c-ok", "hood": "A", "text": "clinic hours?", "label": "information"},
]


def curation_project(tmp_path, rows=ROWS, mapping=MAPPING, name="p", store_url="sqlite:///store.db"):
    """A project with a published scope (train/evaluate chosen, 24-month expiry), consent events and the dataset."""
    p = new_project(tmp_path, name, store_url)
    publish(p.store, make_scope())
    s = p.store
    L.give(s, "c-ok", {"train": True, "evaluate": True}, **PAPER, at="2026-01-10")
    L.refuse(s, "c-refused", **PAPER, at="2026-01-10")
    L.give(s, "c-withdrew", {"train": True, "evaluate": True}, **PAPER, at="2026-01-10")
    L.withdraw(s, "c-withdrew", ["train"], **PAPER, at="2026-02-10")
    L.give(s, "c-old", {"train": True, "evaluate": True}, **PAPER, at="2023-01-10")  # expired after 24 months
    L.give(s, "c-evalonly", {"train": False, "evaluate": True}, **PAPER, at="2026-01-10")
    preview = importer.inspect(frame_csv(rows), "messages.csv")
    ds = importer.add(p, preview, mapping)
    return p, ds
