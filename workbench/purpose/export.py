"""The conversation in Pol.is's export format, safe to open in a spreadsheet.

Four CSV files with Pol.is's names, columns and meanings (as in ``../shared/data/polis/``):

- ``comments.csv``: timestamp, datetime, comment-id, author-id, agrees, disagrees, moderated, comment-body.
  ``agrees`` / ``disagrees`` count every vote row on the comment, as Pol.is counts them (a changed vote
  counts twice); ``moderated`` is Pol.is's -1 (moderated out: hidden or merged), 1 (accepted: a seed, a
  statement a facilitator showed again, or imported as accepted) or 0 (not yet moderated).
- ``votes.csv``: timestamp, datetime, comment-id, voter-id, vote: every vote row (1 agree, -1 disagree,
  0 pass), ordered by comment, voter and time as Pol.is orders them. A participant's agreement with their
  own statement is a row at the statement's time, as Pol.is records it.
- ``participants-votes.csv``: participant, [xid,] group-id, n-comments, n-votes, n-agree, n-disagree,
  then one column per comment not moderated out with the last vote (empty when unseen). One row per
  participant who voted; ``group-id`` is an integer from 0, empty for someone in no group.
- ``summary.csv``: topic, url, views, voters, voters-in-conv, commenters, comments, groups,
  conversation-description (key, value rows, no header).

Times: ``timestamp`` is milliseconds since 1970 and ``datetime`` Pol.is's text (``Mon Jul 17 16:10:15 UTC
2017``); an imported event keeps what Pol.is wrote (payload ``"polis"``), the workbench's own events
give their log time, in UTC.

Ids: an imported conversation keeps Pol.is's comment and participant ids. The workbench's own statements
are numbered by their log sequence number (the id the facilitator sees), participants 0, 1, 2, ... in the
order they joined (after the largest imported id), and a statement by the facilitators has author -1.
Participant codes are credentials (whoever knows one can vote with it), so they never appear.

Any text cell that starts with ``= + - @``, a tab or a carriage return is prefixed with ``'`` so a
spreadsheet shows it as text. An imported conversation's licence and attribution go with it:
``attribution.txt`` beside the CSV files.

Cost: the fold holds the votes as columns (:class:`~.deliberation.VoteColumns`, imported datetimes as UTF-8
bytes side by side), so the export copies them into numpy, sorts once (a stable argsort on comment and voter)
and counts with numpy; ``votes.csv`` is then made in numpy blocks of 8,192 rows (digits and text bytes side
by side, :func:`_csv_lines`), with no Python object per vote. Only what Pol.is's format holds per
participant and comment (the participants x comments table) is made in Python. Measured at 1x and 10x the
brexit-consensus conversation in benchmarks/bench_polis_scale.py (``--export-only``).
"""

from __future__ import annotations

import csv
import gc
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..spreadsheet import FORMULA_START, neutralise  # noqa: F401  (the one rule, shared by every export)
from .deliberation import NO_TIME, Deliberation

FILES = ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def _ms(ts: str) -> int:
    """A log time as Pol.is's ``timestamp``: whole milliseconds since 1970 (exact, no float rounding)."""
    return (datetime.fromisoformat(ts) - _EPOCH) // _MS


def polis_datetime(ts: str) -> str:
    """A log time as Pol.is writes its ``datetime`` column (English names, whatever the locale), in UTC."""
    t = datetime.fromisoformat(ts).astimezone(UTC)
    return f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t.day:02d} {t:%H:%M:%S} UTC {t.year}"


def _when(ts: str, origin: dict | None) -> tuple[int, str]:
    if origin is not None and isinstance(origin.get("ts"), int):
        return origin["ts"], str(origin.get("datetime", ""))
    return _ms(ts), polis_datetime(ts)


# A text cell that neither neutralise (no formula start) nor csv.writer (no quoting) changes.
_PLAIN = re.compile(r'[^,"\r\n\s=+\-@]([^,"\r\n]*[^,"\r\n\s])?')


def _csv_cell(text: str) -> str:
    """One text cell neutralised, then exactly as ``csv.writer`` writes it (quoted only when it must be)."""
    if _PLAIN.fullmatch(text):
        return text
    text = neutralise(text)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([text, 0])
    return buf.getvalue()[:-3]  # without ",0\n"


def _int_field(values):
    """Integers as CSV text: a uint8 matrix of ASCII digits (a ``-`` before a negative one), right-aligned."""
    import numpy as np

    v = np.asarray(values, np.int64)
    mag = np.abs(v)
    width = len(str(int(mag.max(initial=0))))
    digits = np.ones(len(v), np.int64)
    for k in range(1, width):
        digits += mag >= 10**k
    out = np.zeros((len(v), width + 1), np.uint8)
    for j in range(width, 0, -1):
        out[:, j] = mag % 10 + 48
        mag //= 10
    negative = np.flatnonzero(v < 0)
    out[negative, width - digits[negative]] = 45  # "-" just before the first digit
    return out, digits + (v < 0), True


def _csv_lines(fields) -> bytes:
    """CSV rows from columns given as ``(uint8 matrix (rows, width), length of each cell, right-aligned)``:
    each cell's bytes, a comma between cells, a newline after each row. Pure numpy, no object per row: the
    matrix of every row's bytes with padding, kept where a cell has a byte (row-major order is the file's)."""
    import numpy as np

    n = len(fields[0][1])
    width = sum(m.shape[1] for m, _length, _right in fields) + len(fields)
    out = np.empty((n, width), np.uint8)
    keep = np.empty((n, width), bool)
    col = 0
    for i, (m, length, right) in enumerate(fields):
        w = m.shape[1]
        out[:, col:col + w] = m
        pos = np.arange(w)
        keep[:, col:col + w] = pos >= w - length[:, None] if right else pos < length[:, None]
        col += w
        out[:, col] = 10 if i == len(fields) - 1 else 44  # "\n" or ","
        keep[:, col] = True
        col += 1
    return out[keep].tobytes()


_UNQUOTED = re.compile(rb'[\x00-\x1f\x7f,"]')  # bytes that make csv.writer quote a cell (or are controls)


class _Texts:
    """One text per vote row as UTF-8 bytes side by side in one array (``buf[start:start + length]``), not a
    Python string each."""

    def __init__(self, buf, start, length) -> None:
        self.buf, self.start, self.length = buf, start, length
        self._fixed = None

    def strings(self) -> list[str]:
        raw = self.buf.tobytes()
        return [raw[a:a + n].decode("utf-8", "surrogatepass")
                for a, n in zip(self.start.tolist(), self.length.tolist(), strict=True)]

    def as_cells(self) -> _Texts:
        """The same texts neutralised and as ``csv.writer`` writes them, checked in bulk: only a text that is
        not plain (a comma, a quote, a control character, a formula start, a space or a non-ASCII byte at
        either end) goes through :func:`_csv_cell`."""
        import numpy as np

        buf, start, length = self.buf, self.start, self.length
        if not len(start):
            return self
        padded = np.concatenate([buf, np.zeros(1, np.uint8)])  # so an empty text's first byte can be read
        first, last = padded[start], padded[np.maximum(start + length - 1, 0)]
        odd = (length > 0) & (np.isin(first, list(b" =+-@")) | (first > 126) | (last == 32) | (last > 126))
        if _UNQUOTED.search(buf.tobytes()):  # a comma, quote or control byte somewhere: find whose it is
            bad = np.concatenate([[0], np.cumsum((buf == 44) | (buf == 34) | (buf < 32) | (buf == 127))])
            odd |= bad[start + length] > bad[start]
        if not odd.any():
            return self
        start, length = start.copy(), length.copy()
        raw, made, extra = buf.tobytes(), {}, []
        at = len(buf)
        for i in np.flatnonzero(odd).tolist():
            text = raw[start[i]:start[i] + length[i]]
            if text not in made:
                cell = _csv_cell(text.decode("utf-8", "surrogatepass")).encode("utf-8", "surrogatepass")
                made[text] = (at, len(cell))
                extra.append(cell)
                at += len(cell)
            start[i], length[i] = made[text]
        return _Texts(np.concatenate([buf, np.frombuffer(b"".join(extra), np.uint8)]), start, length)

    def matrix(self, part: slice):
        """The texts of rows ``part`` as a uint8 matrix, left-aligned, and their lengths (for :func:`_csv_lines`).

        Texts of one length laid end to end (Pol.is writes every datetime alike) are rows of the buffer itself.
        """
        import numpy as np

        start, length = self.start[part], self.length[part]
        if self._fixed is None:
            size = int(self.length[0]) if len(self.length) else 0
            same = size > 0 and len(self.buf) % size == 0 and bool((self.length == size).all()
                                                                     and (self.start % size == 0).all())
            self._fixed = self.buf.reshape(-1, size) if same else False
        if self._fixed is not False:
            return self._fixed[start // self._fixed.shape[1]], length, False
        width = int(length.max(initial=0))
        at = np.minimum(start[:, None] + np.arange(width), max(len(self.buf) - 1, 0))
        return (self.buf[at] if len(self.buf) else np.zeros(at.shape, np.uint8)), length, False


class _VoteRows:
    """The rows of ``votes.csv``: an iterator of ``[timestamp, datetime, comment-id, voter-id, vote]`` (read
    once, the datetime neutralised), and :meth:`csv_chunks`, the same rows as CSV text made in bulk (what
    :func:`export_polis` writes).

    Every column is an integer but the datetime, held as bytes side by side (:class:`_Texts`); the rows are
    made a block at a time in numpy (:func:`_csv_lines`), without a Python object per row or per cell: a
    str per row or per datetime (``csv.writer``, ``str.format``) made 10x the votes cost 11-13x the time
    here, as those objects outgrow the CPU cache (benchmarks/bench_polis_scale.py).
    """

    CHUNK = 8192

    def __init__(self, ms, texts: _Texts, comment, voter, value) -> None:
        self._cols = (ms, texts, comment, voter, value)
        self._rows = None

    def __iter__(self):
        return self

    def __next__(self):
        if self._rows is None:
            ms, texts, comment, voter, value = self._cols
            cells = [neutralise(t) for t in texts.strings()]
            self._rows = zip(ms.tolist(), cells, comment.tolist(), voter.tolist(), value.tolist(), strict=True)
        return next(self._rows)

    def csv_chunks(self):
        ms, texts, comment, voter, value = self._cols
        cells = texts.as_cells()
        for i in range(0, len(ms), self.CHUNK):
            part = slice(i, i + self.CHUNK)
            yield _csv_lines([_int_field(ms[part]), cells.matrix(part), _int_field(comment[part]),
                              _int_field(voter[part]), _int_field(value[part])]).decode("utf-8", "surrogatepass")


def _write(path: Path, header: list | None, rows, text: tuple[int, ...]) -> Path:
    """Write a table; the cells of the ``text`` columns (the only ones that can hold text) are neutralised."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        if header is not None:
            writer.writerow([neutralise(h) for h in header])
        if isinstance(rows, _VoteRows):
            for chunk in rows.csv_chunks():
                fh.write(chunk)
        elif text:
            for row in rows:
                row = list(row)
                for i in text:
                    row[i] = neutralise(row[i])
                writer.writerow(row)
        else:
            writer.writerows(rows)
    return path


def _group_ids(groups: dict | None) -> dict[str, int]:
    """Participant code -> integer group id from 0 (names such as "A", "B" become 0, 1 in their order)."""
    if not groups:
        return {}
    values = list(groups.values())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return dict(groups)
    order = {name: i for i, name in enumerate(sorted({str(v) for v in values}))}
    return {code: order[str(v)] for code, v in groups.items()}


def _participant_ids(delib: Deliberation) -> dict[str, int]:
    imported = {code: info["polis"]["id"] for code, info in delib.participants.items()
                if isinstance(info.get("polis"), dict) and isinstance(info["polis"].get("id"), int)}
    start = max(imported.values(), default=-1) + 1
    own = sorted((c for c in delib.participants if c not in imported), key=lambda c: delib.participants[c]["seq"])
    return {**imported, **{code: start + i for i, code in enumerate(own)}}


def _comment_ids(delib: Deliberation) -> dict[int, int]:
    out = {st.id: st.origin["id"] for st in delib.statements.values()
           if st.origin is not None and isinstance(st.origin.get("id"), int)}
    taken = set(out.values())
    nxt = max(taken, default=-1) + 1
    for st in sorted(delib.statements.values(), key=lambda s: s.id):
        if st.id in out:
            continue
        if st.id in taken:  # a sequence number that is also an imported Pol.is id: the next free id
            while nxt in taken:
                nxt += 1
            out[st.id] = nxt
        else:
            out[st.id] = st.id
        taken.add(out[st.id])
    return out


def polis_tables(delib: Deliberation, groups: dict | None = None, summary: dict | None = None) -> dict:
    """The four tables as ``{file name: (header or None, rows, text columns)}``: one pass over the vote rows.

    The rows of ``votes.csv`` come as an iterator, read once (each row is made as it is read, so a large
    conversation does not hold them all at once); :func:`export_polis` writes the same rows from columns
    instead (``_VoteRows.csv_chunks``). Python's cycle collector is paused meanwhile: the other tables are
    thousands of small objects without cycles, and its passes over them made a 10x conversation take
    ~15-25x the time (measured here).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _tables(delib, groups, summary)
    finally:
        if enabled:
            gc.enable()


def _column(values):
    """A copy of one of the fold's :class:`~.deliberation.VoteColumns` arrays as numpy (one memory copy, read-only).

    Copied with ``tobytes`` rather than viewed: a view would pin the array, and a fold catching up in another
    thread could then not grow it.
    """
    import numpy as np

    return np.frombuffer(values.tobytes(), values.typecode)


def _vote_columns(delib: Deliberation, cid: dict[int, int], pid: dict[str, int]):
    """Every vote row as columns (comment id, voter id, timestamp ms, datetime texts, vote), in Pol.is's order.

    The author's agreement with their own statement is a row too, Pol.is's way. The fold already holds the
    votes as columns (:class:`~.deliberation.VoteColumns`): they are copied into numpy as they are, and only
    what is per participant, per statement or per distinct time is touched in Python.
    """
    import numpy as np
    import pandas as pd

    cols = delib.votes_cast
    own = [st for st in delib.statements.values()
           if st.author in delib.participants and not st.seed and st.origin is None]
    k, n_cast = len(own), len(cols)
    n = k + n_cast
    # The author's implicit rows first: within a (comment, voter) pair they precede every vote (a statement
    # is logged before anyone votes on it), so the rows stay in log order within each pair.
    statement = np.concatenate([np.array([st.id for st in own], np.int64), _column(cols.statement)])
    value = np.concatenate([np.ones(k, np.int64), _column(cols.value).astype(np.int64)])
    # Ids: each voter's participant id (-1 for one who never joined), Pol.is's comment id of each statement.
    code_ids = np.fromiter((pid.get(c, -1) for c in cols.codes), np.int64, len(cols.codes))
    voter = np.concatenate([np.fromiter((pid.get(st.author, -1) for st in own), np.int64, k),
                            code_ids[_column(cols.voter)]])
    keys = np.fromiter(cid.keys(), np.int64, len(cid))
    vals = np.fromiter(cid.values(), np.int64, len(cid))
    rank = np.argsort(keys)
    comment = vals[rank][np.searchsorted(keys[rank], statement)] if n else statement
    # Times: Pol.is's own where an imported vote carries them (its text as the fold holds it, UTF-8 bytes side
    # by side); the log's time (UTC) otherwise.
    ms = np.zeros(n, np.int64)
    ms[k:] = _column(cols.polis_ms)
    end = _column(cols.text_end)
    start = np.zeros(n, np.int64)
    length = np.zeros(n, np.int64)
    start[k + 1:] = end[:-1]
    length[k:] = end - start[k:]
    imported = ms != NO_TIME
    imported[:k] = False
    extra: list[str] = []  # texts the fold does not hold as bytes
    extra_ix = np.zeros(n, np.int64)
    for row, origin in cols.origins.items():  # a "polis" of another shape: read as the export always read it
        stamp = origin.get("ts")
        if isinstance(stamp, int) and not isinstance(stamp, bool):
            ms[k + row], imported[k + row] = stamp, True
            extra_ix[k + row] = len(extra)
            extra.append(str(origin.get("datetime", "")))
    odd = np.zeros(n, bool)
    odd[[k + row for row in cols.origins]] = True
    if not imported.all():
        where = np.flatnonzero(~imported)
        stamps = [own[i].ts if i < k else cols.ts[i - k] for i in where.tolist()]
        ns = pd.to_datetime(pd.Series(stamps), utc=True, format="ISO8601").to_numpy("datetime64[ns]")
        ms[where] = ns.astype(np.int64) // 1_000_000  # whole milliseconds, floored as _ms floors
        seconds, back = np.unique(ms[where] // 1000, return_inverse=True)  # the text has whole seconds
        extra_ix[where] = len(extra) + back.reshape(-1)
        extra += [polis_datetime(datetime.fromtimestamp(int(x), UTC).isoformat()) for x in seconds.tolist()]
        odd[where] = True
    buf = np.frombuffer(bytes(cols.text_bytes), np.uint8)
    if extra:
        encoded = [t.encode("utf-8", "surrogatepass") for t in extra]
        sizes = np.fromiter(map(len, encoded), np.int64, len(encoded))
        where = np.flatnonzero(odd)
        start[where] = len(buf) + (np.cumsum(sizes) - sizes)[extra_ix[where]]
        length[where] = sizes[extra_ix[where]]
        buf = np.concatenate([buf, np.frombuffer(b"".join(encoded), np.uint8)])
    # By comment and voter as Pol.is orders votes.csv, and within a pair in log order (imported votes were
    # logged in Pol.is's time order): the pair's last row is the vote that counts, as in the fold. The
    # implicit rows come first and the votes in log order, so a stable sort on (comment, voter) keeps it.
    pair = comment * (int(voter.max(initial=-1)) + 2) + (voter + 1)
    sort = np.argsort(pair, kind="stable")
    return comment[sort], voter[sort], ms[sort], _Texts(buf, start[sort], length[sort]), value[sort]


def _tables(delib: Deliberation, groups: dict | None, summary: dict | None) -> dict:
    import numpy as np

    pid = _participant_ids(delib)
    cid = _comment_ids(delib)
    gid = _group_ids(groups)

    def who(code: str) -> int:
        return pid.get(code, -1)

    authored: dict[int, int] = {}
    for st in delib.statements.values():
        author = who(st.author)
        authored[author] = authored.get(author, 0) + 1
    comment, voter, ms, texts, value = _vote_columns(delib, cid, pid)

    agrees: dict[int, int] = {}
    disagrees: dict[int, int] = {}
    if len(comment):
        ids, start = np.unique(comment, return_index=True)
        agrees = dict(zip(ids.tolist(), np.add.reduceat(value == 1, start).tolist(), strict=True))
        disagrees = dict(zip(ids.tolist(), np.add.reduceat(value == -1, start).tolist(), strict=True))
    votes = _VoteRows(ms, texts, comment, voter, value)

    statements = sorted(delib.statements.values(), key=lambda s: cid[s.id])
    comments = []
    for st in statements:
        when_ms, when_text = _when(st.ts, st.origin)
        moderated = -1 if not st.visible else 1 if (st.seed or st.accepted) else 0
        comments.append([when_ms, when_text, cid[st.id], who(st.author), agrees.get(cid[st.id], 0),
                         disagrees.get(cid[st.id], 0), moderated, st.text])

    # participants-votes.csv: each voter's last vote per comment (the last row of each comment-voter run).
    columns = [cid[s.id] for s in statements if s.visible]  # ascending, as ``statements`` is
    last = np.ones(len(comment), bool)
    if len(comment):
        last[:-1] = (comment[1:] != comment[:-1]) | (voter[1:] != voter[:-1])
    last &= voter >= 0
    lc, lp, lv = comment[last], voter[last], value[last]
    ids, row = np.unique(lp, return_inverse=True)
    row = row.reshape(-1)
    n_votes = np.bincount(row, minlength=len(ids))
    n_agree = np.bincount(row, weights=lv == 1, minlength=len(ids)).astype(np.int64)
    n_disagree = np.bincount(row, weights=lv == -1, minlength=len(ids)).astype(np.int64)
    cols = np.asarray(columns, np.int64)
    col = np.searchsorted(cols, lc)
    shown = col < len(cols)
    shown[shown] = cols[col[shown]] == lc[shown]
    grid = np.full((len(ids), len(cols)), 2, np.int8)  # 2: unseen
    grid[row[shown], col[shown]] = lv[shown]
    cells = grid.astype(object)
    cells[grid == 2] = ""
    xid = bool(delib.imported and delib.imported.get("xid"))
    code_of = {n: code for code, n in pid.items()}
    people = []
    for p, n, a, d, mine in zip(ids.tolist(), n_votes.tolist(), n_agree.tolist(), n_disagree.tolist(),
                                cells.tolist(), strict=True):
        code = code_of.get(p, "")
        info = delib.participants.get(code, {}).get("polis") or {}
        head = [p, str(info.get("xid", ""))] if xid else [p]
        people.append([*head, gid.get(code, ""), authored.get(p, 0), n, a, d, *mine])
    header = ["participant", *(["xid"] if xid else []), "group-id", "n-comments", "n-votes", "n-agree",
              "n-disagree", *columns]

    imported = (delib.imported or {}).get("summary") or {}
    summary = {**(summary or {})}
    try:
        views = int(imported.get("views", 0))
    except (TypeError, ValueError):
        views = 0
    own = sum(1 for info in delib.participants.values() if "polis" not in info)
    facts = [
        ("topic", imported.get("topic") or summary.get("topic", "")),
        ("url", imported.get("url") or summary.get("url", "")),
        ("views", max(views, len(delib.participants) - own) + own if imported else len(delib.participants)),
        ("voters", len(people)),
        ("voters-in-conv", len(people)),  # as in Pol.is's published exports, where it equals voters
        ("commenters", len({who(s.author) for s in statements})),
        ("comments", len(columns)),
        ("groups", len(set(gid.values()))),
        ("conversation-description", imported.get("conversation-description") or summary.get("description", "")),
    ]
    return {  # name: (header, rows, the columns that hold text)
        "comments.csv": (["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated",
                          "comment-body"], comments, (1, 7)),
        "votes.csv": (["timestamp", "datetime", "comment-id", "voter-id", "vote"], votes, ()),  # neutralised above
        "participants-votes.csv": (header, people, (1,) if xid else ()),
        "summary.csv": (None, [[k, v] for k, v in facts], (1,)),
    }


def export_polis(delib: Deliberation, folder: str | Path, groups: dict | None = None,
                 summary: dict | None = None) -> list[Path]:
    """Write the four files into ``folder``.

    ``groups`` maps participant codes to group ids (integers from 0, or names, numbered in their sorted
    order); ``summary`` may give ``topic``, ``url`` and ``description`` for a conversation that was not
    imported. Returns the paths (and ``attribution.txt`` last for an imported conversation).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = polis_tables(delib, groups, summary)
    paths = [_write(folder / name, *tables[name]) for name in FILES]
    if delib.imported:
        info = delib.imported
        text = (f"Imported from a Pol.is export ({info.get('source', '')}).\n"
                f"Licence: {info.get('licence', '')}\n{info.get('attribution', '')}\n"
                f"{(info.get('summary') or {}).get('url', '')}\n")
        path = folder / "attribution.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def export_project(project, folder: str | Path | None = None) -> list[Path]:
    """Export a project's deliberation to ``artifacts/deliberation/`` (or ``folder``), with opinion groups."""
    from .analysis import analyse

    delib = Deliberation.load(project.store)
    result = analyse(delib)
    groups = {code: i for i, g in enumerate(result.groups) for code in g.members}
    return export_polis(delib, folder or Path(project.artifacts_dir) / "deliberation", groups,
                        {"topic": project.purpose_so_far() or project.name})
