"""Importing paper consent records: every bad row named, nothing written unless asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workbench.consent import ledger as L
from workbench.consent import paper
from workbench.consent.scope import ScopeHistory
from workbench.errors import WorkbenchError

from .consent_support import make_scope, scoped_project  # noqa: F401

FUTURE = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()

GOOD = (
    "contributor_id,date,choices,method,witness,paper_ref\n"
    "c-1,2026-01-10,train;evaluate,paper,f-ana,folder A form 1\n"
    "c-2,2026-01-11,train,spoken,f-ana,\n"
    "c-3,2026-01-12,refused,paper,f-bia,\n"
    "c-1,2026-02-01,withdrawn:train,paper,f-ana,folder A form 9\n"
)


def read(project, data: bytes, name="records.csv"):
    return paper.read_records(data, name, history=ScopeHistory.load(project.store),
                              ledger=L.ConsentLedger.load(project.store))


def test_a_good_file_imports_in_one_go(project):
    report = read(project, GOOD.encode())
    assert report.ok and [g.row for g in report.good] == [2, 3, 4, 5]
    receipts = paper.apply(project.store, report)
    assert len(receipts) == 4 and all(r.code for r in receipts)
    led = L.ConsentLedger.load(project.store)
    assert led.permits("c-1", "evaluate", "2026-03-01") and not led.permits("c-1", "train", "2026-03-01")
    assert led.permits("c-1", "train", "2026-01-20")
    assert led.explain("c-3", "train", "2026-03-01") == L.REFUSED
    assert led.receipts[1].witness == "f-ana" and led.receipts[1].method == "spoken"
    ev, spoken = project.store.events(prefix="consent.")[:2]
    assert ev.actor == "facilitator" and ev.payload["source"]["row"] == 2
    # Facilitator-recorded paper consent says so: actor, witness, paper reference (default: file and row).
    assert ev.payload["proof"] == "witness" and ev.payload["witness"] == "f-ana"
    assert ev.payload["paper_ref"] == "folder A form 1" and spoken.payload["paper_ref"] == "records.csv row 3"
    # importing the same file again: every row is already recorded
    again = read(project, GOOD.encode())
    assert {e.key for e in again.errors} == {"consent.import.already_recorded"} and len(again.errors) == 4


def test_bad_rows_are_each_reported_and_nothing_is_written(project):
    data = (
        "contributor_id,date,choices,method,witness\n"
        "c-1,2026-01-10,train,paper,f-ana\n"          # 2 good
        "c-2,2026-01-10,fly,paper,f-ana\n"            # 3 unknown use
        f"c-3,{FUTURE},train,paper,f-ana\n"           # 4 future date
        ",2026-01-10,train,paper,f-ana\n"             # 5 empty id
        "c-1,2026-01-10,train,paper,f-ana\n"          # 6 duplicate of 2
        "c-5,2026-01-10,commercial,paper,f-ana\n"     # 7 never use
        "c-6,31/01/2026,train,paper,f-ana\n"          # 8 bad date
        "c-7,2026-01-10,train,spoken,\n"              # 9 spoken without witness
        "c 8,2026-01-10,train,paper,f-ana\n"          # 10 bad id
        "c-10,2026-01-10,train,paper,\n"              # 11 paper without witness
    ).encode() + "c-9,2026-01-10,train,papér,f-ana\n".encode("latin-1")  # 12 wrong encoding
    report = read(project, data)
    by_row = {e.row: e.key for e in report.errors}
    assert by_row == {
        3: "consent.import.unknown_use", 4: "consent.import.future_date", 5: "consent.import.empty_id",
        6: "consent.import.duplicate", 7: "consent.import.never_use", 8: "consent.import.bad_date",
        9: "consent.import.no_witness", 10: "consent.import.bad_id", 11: "consent.import.witness_needed",
        12: "consent.import.not_utf8",
    }
    assert [g.row for g in report.good] == [2]
    assert all(e.sentence for e in report.errors) and "row 6" in report.summary()
    with pytest.raises(WorkbenchError, match="10 bad rows, so nothing was imported"):
        paper.apply(project.store, report)
    assert not project.store.events(prefix="consent.")
    paper.apply(project.store, report, good_rows_only=True)
    assert [e.payload["contributor"] for e in project.store.events(prefix="consent.")] == ["c-1"]


def test_whole_file_problems_are_one_sentence(project):
    with pytest.raises(WorkbenchError, match="no choices column"):
        read(project, b"contributor_id,date\nc-1,2026-01-01\n")
    with pytest.raises(WorkbenchError, match="UTF-8"):
        read(project, "contributor_id,date,choices,método\n".encode("utf-16"))


def test_semicolon_separated_and_bom_files_are_read(project):
    data = "\ufeffcontributor_id;date;choices;witness\nc-1;2026-01-10;train|evaluate;f-ana\n".encode()
    report = read(project, data)
    assert report.ok and report.good[0].payload["choices"]["evaluate"] is True


def test_excel_needs_openpyxl_or_says_so(project):
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        with pytest.raises(WorkbenchError, match="openpyxl"):
            read(project, b"PK\x03\x04rest", "records.xlsx")
        return
    import io

    import pandas as pd

    buf = io.BytesIO()
    pd.DataFrame({"contributor_id": ["c-1", ""], "date": ["2026-01-10", "2026-01-10"],
                  "choices": ["train", "train"], "witness": ["f-ana", "f-ana"]}).to_excel(buf, index=False)
    report = read(project, buf.getvalue(), "records.xlsx")
    assert [g.row for g in report.good] == [2] and [e.row for e in report.errors] == [3]
