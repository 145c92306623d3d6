"""Adding a CSV or TSV in streaming (issue 26): the same answers and events as the whole-file path, in bounded memory.

``workbench data add`` on a delimited file goes through :mod:`workbench.curation.stream`; the widgets still
read the bytes they were given (:func:`importer.inspect` / :func:`importer.add`). Both must agree: the same
refusal (catalog key) for a bad file, the same rows, columns and event payloads for a good one.
"""

from __future__ import annotations

import hashlib
import io
import tracemalloc

import pytest

from workbench.cli import run_cli
from workbench.curation import importer, stream
from workbench.curation.importer import ColumnMapping
from workbench.errors import WorkbenchError

from .consent_support import new_project
from .curation_support import MAPPING, ROWS, frame_csv

M = ColumnMapping("contributor_id", "label")


@pytest.fixture
def project(tmp_path):
    p = new_project(tmp_path)
    yield p
    p.close()


def _whole(data: bytes, name: str, mapping=M):
    """The whole-file path's answer: ("ok", rows, columns) or ("refused", key)."""
    try:
        preview = importer.inspect(data, name)
        return "ok", len(importer.check_mapping(preview, mapping)), preview.columns
    except WorkbenchError as exc:
        return "refused", exc.key


def _streamed(project, tmp_path, data: bytes, name: str, mapping=M):
    src = tmp_path / name
    src.write_bytes(data)
    try:
        ds = importer.add_file(project, src, mapping)
        return "ok", ds.rows, list(ds.columns)
    except WorkbenchError as exc:
        return "refused", exc.key


def _leftovers(project) -> list[str]:
    return sorted(p.name for p in project.data_dir.iterdir())


H = b"contributor_id,label,text\n"
SAME = {
    "plain": H + b"c-1,a,x\nc-2,b,y\n",
    "bom_crlf": b"\xef\xbb\xbf" + H.replace(b"\n", b"\r\n") + b"c-1,a,x\r\nc-2,b,y\r\n",
    "cr_only": H.replace(b"\n", b"\r") + b"c-1,a,x\r,b,y\rc-3,b,z\r",
    "blank_and_space_lines": H + b"\nc-1,a,x\n   \n\t\nc-2,b,y\n\n",
    "leading_blank_lines": b"\n\n" + H + b"c-1,a,x\nc-2,b,y\n",
    "short_rows": H + b"c-1,a\nc-2\n,b,z\n",
    "quoted_newlines": H + b'c-1,a,"two\nlines"\nc-2,b,"x, y"\n',
    "empty_cells_row": H + b"c-1,a,x\n,,\nc-2,b,y\n",
    "na_strings_in_target": H + b"c-1,a,x\nc-2,NA,y\nc-3,null,z\n",
    "no_trailing_newline": H + b"c-1,a,x\nc-2,b,y",
    "contributor_all_missing": H + b",a,x\nNA,b,y\n",
    "single_class": H + b"c-1,a,x\nc-2,a,y\nc-3,,z\n",
    "header_only": H,
    "empty": b"",
    "whitespace": b"  \n\n",
    "only_bom": b"\xef\xbb\xbf",
    "wider_row": H + b"c-1,a,x\nc-2,b,y,extra\n",
    "first_row_wider": H + b"c-1,a,x,extra\nc-2,b,y\n",
    "duplicate_columns": b"contributor_id,label,label\nc-1,a,b\n",
    "unnamed_column": b"contributor_id,,label\nc-1,x,a\n",
    "escape_in_header": b"contributor_id,label,te\x1bxt\nc-1,a,x\n",
    "no_such_column": b"id,label\nc-1,a\n",
    "latin1": "contributor_id,label,text\nc-1,a,ação\n".encode("latin-1"),
    "utf16": "contributor_id,label\nc-1,a\nc-2,b\n".encode("utf-16"),
    "utf32": "contributor_id,label\nc-1,a\nc-2,b\n".encode("utf-32"),
    "pdf": b"%PDF-1.4\n" + H,
    "nul": H + b"c-1,a\x00,x\nc-2,b,y\n",
    "unclosed_quote": H + b'c-1,a,"never closed\nc-2,b,y\n',
    "huge_header_cell": b'contributor_id,"' + b"h" * 300_000 + b'",label\nc-1,a,b\n',
}


@pytest.mark.parametrize("case", sorted(SAME))
def test_streaming_and_whole_file_paths_give_the_same_answer(project, tmp_path, case):
    data = SAME[case]
    whole = _whole(data, "messages.csv")
    assert _streamed(project, tmp_path, data, "messages.csv") == whole
    if whole[0] == "refused":
        assert _leftovers(project) == [] and project.store.events(kinds=[importer.RECEIVED]) == []


def test_a_tsv_streams_too(project, tmp_path):
    data = b"contributor_id\tlabel\ttext\nc-1\ta\tx, y\n\t\t\nc-2\tb\t\n"
    assert _streamed(project, tmp_path, data, "m.tsv") == _whole(data, "m.tsv") == ("ok", 3, ["contributor_id",
                                                                                              "label", "text"])


def test_the_events_are_the_ones_the_whole_file_path_logs(tmp_path):
    data = frame_csv(ROWS)
    src = tmp_path / "messages.csv"
    src.write_bytes(data)
    one, two = new_project(tmp_path, "one"), new_project(tmp_path, "two")
    try:
        importer.add_file(one, src, MAPPING)
        importer.add(two, importer.inspect(data, "messages.csv"), MAPPING, source="file messages.csv")
        got = [(e.kind, e.payload) for e in one.store.events(kinds=[importer.RECEIVED, importer.MAPPED])]
        want = [(e.kind, e.payload) for e in two.store.events(kinds=[importer.RECEIVED, importer.MAPPED])]
        assert got == want and len(got) == 2
        ds = importer.current(one.store)
        assert (one.data_dir / ds.file).read_bytes() == data and ds.sha256 == hashlib.sha256(data).hexdigest()
        assert len(importer.load_frame(one, ds)) == ds.rows == len(ROWS)
    finally:
        one.close()
        two.close()


def _big(rows: int, tail: bytes = b"") -> bytes:
    line = b"c-%06d,%s,the water truck is late again in our street today\n"
    return H + b"".join(line % (i, b"urgent" if i % 3 else b"routine") for i in range(rows)) + tail


def test_memory_stays_bounded_whatever_the_file_size(project, tmp_path):
    """A 20 MB file is added with a few MB of Python memory (the whole-file path held it several times)."""
    data = _big(300_000)
    src = tmp_path / "big.csv"
    src.write_bytes(data)
    del data
    tracemalloc.start()
    try:
        ds = importer.add_file(project, src, M)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ds.rows == 300_000
    assert src.stat().st_size > 19_000_000 and peak < 8_000_000, peak


def test_a_refusal_late_in_a_big_file_leaves_nothing(project, tmp_path):
    data = _big(100_000, tail=b"c-x,routine,one,too,many\n")
    src = tmp_path / "late.csv"
    src.write_bytes(data)
    with pytest.raises(WorkbenchError, match=r"line 100,002 has more fields than the header"):
        importer.add_file(project, src, M)
    assert _leftovers(project) == [] and project.store.events(kinds=[importer.RECEIVED]) == []


def test_a_nul_or_a_bad_byte_past_the_first_chunks_is_found_and_placed(project, tmp_path):
    data = _big(60_000)  # ~4 MB: several chunks
    src = tmp_path / "nul.csv"
    src.write_bytes(data + b"c-y,routine,a\x00b\n")
    with pytest.raises(WorkbenchError, match=r"holds a NUL byte on line 60,002"):
        importer.add_file(project, src, M)
    src.write_bytes(data + "c-y,routine,ação\n".encode("latin-1"))
    with pytest.raises(WorkbenchError) as err:
        importer.add_file(project, src, M)
    assert err.value.key == "curation.error.encoding"
    assert f"byte {len(data) + len('c-y,routine,a')} cannot be read" in err.value.sentence
    assert _leftovers(project) == []


def test_a_cell_past_the_cell_limit_is_refused(project, tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "MAX_CELL", 1000)
    src = tmp_path / "cell.csv"
    src.write_bytes(H + b"c-1,a,short\nc-2,b," + b"x" * 5000 + b"\n")
    with pytest.raises(WorkbenchError, match=r"line 3 has a cell longer than 1,000 characters"):
        importer.add_file(project, src, M)
    import csv

    assert csv.field_size_limit() == 131_072  # the module's setting is given back
    assert _leftovers(project) == []


def test_the_same_file_twice_keeps_one_untouched_raw_copy(project, tmp_path):
    src = tmp_path / "m.csv"
    src.write_bytes(frame_csv(ROWS))
    first = importer.add_file(project, src, MAPPING)
    raw = project.data_dir / first.file
    before = raw.stat().st_mtime_ns, raw.stat().st_ino
    importer.add_file(project, src, MAPPING)
    assert _leftovers(project) == [first.file]
    assert (raw.stat().st_mtime_ns, raw.stat().st_ino) == before


def test_the_preview_holds_only_the_first_rows():
    got = stream.scan(io.BytesIO(_big(1000)), io.BytesIO(), "p.csv", "csv", M, 10**9)
    assert got.rows == 1000 and len(got.frame) == stream.PREVIEW_ROWS
    assert list(got.frame.columns) == ["contributor_id", "label", "text"] and got.frame.iloc[0, 0] == "c-000000"


def test_the_cli_streams_a_csv_under_the_size_limit(project, tmp_path):
    src = tmp_path / "messages.csv"
    src.write_bytes(frame_csv(ROWS))
    code, out, err = run_cli(["data", "add", str(project.root), str(src), "--contributor-col", "contributor_id",
                              "--target", "label"])
    assert code == 0, err
    assert "Added messages.csv: 9 rows, 4 columns" in out
