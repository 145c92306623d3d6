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

Cost: the vote rows are read from the fold's vote objects in a few C-level passes (no Python loop per vote),
sorted once (numpy ``lexsort``) and counted with numpy; then the participants x comments table Pol.is's
format itself holds. What still grows a little faster than the votes is the CPU cache: each pass touches one
Python object per vote, and 10x as many no longer fit in it (benchmarks/bench_polis_scale.py).
"""

from __future__ import annotations

import csv
import gc
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from operator import attrgetter, itemgetter
from pathlib import Path

from ..spreadsheet import FORMULA_START, neutralise  # noqa: F401  (the one rule, shared by every export)
from .deliberation import Deliberation

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


def _write(path: Path, header: list | None, rows, text: tuple[int, ...]) -> Path:
    """Write a table; the cells of the ``text`` columns (the only ones that can hold text) are neutralised."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        if header is not None:
            writer.writerow([neutralise(h) for h in header])
        if text:
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

    The rows of ``votes.csv`` come as an iterator, read once (each row is made as it is written, so a large
    conversation does not hold them all at once). Python's cycle collector is paused meanwhile: the rows are
    tens of thousands of small objects without cycles, and its passes over them made a 10x conversation take
    ~15-25x the time (measured here).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _tables(delib, groups, summary)
    finally:
        if enabled:
            gc.enable()


def _vote_columns(delib: Deliberation, cid: dict[int, int], pid: dict[str, int]):
    """Every vote row as columns (comment id, voter id, log order, timestamp ms, datetime text, vote).

    The author's agreement with their own statement is a row too, Pol.is's way. One pass in Python over the
    log's vote objects to read them; everything after is vectorised (numpy, pandas' hash tables).
    """
    import numpy as np
    import pandas as pd

    own = [st for st in delib.statements.values()
           if st.author in delib.participants and not st.seed and st.origin is None]
    cast = delib.votes_cast
    statement = np.fromiter(map(attrgetter("statement"), cast), np.int64, len(cast))
    order = np.fromiter(map(attrgetter("seq"), cast), np.int64, len(cast))
    value = np.fromiter(map(attrgetter("value"), cast), np.int64, len(cast))
    voters = list(map(attrgetter("voter"), cast))
    ts = list(map(attrgetter("ts"), cast))
    origins = list(map(attrgetter("origin"), cast))
    if own:
        statement = np.concatenate([statement, np.array([st.id for st in own], np.int64)])
        order = np.concatenate([order, np.array([st.id for st in own], np.int64)])
        value = np.concatenate([value, np.ones(len(own), np.int64)])
        voters += [st.author for st in own]
        ts += [st.ts for st in own]
        origins += [None] * len(own)
    n = len(statement)
    # Pol.is's own times where an imported vote carries them; the log's time (UTC) otherwise.
    ms = np.zeros(n, np.int64)
    text = np.empty(n, dtype=object)
    try:  # an imported conversation: every row has Pol.is's integer timestamp and datetime text (C-level maps)
        stamps = np.array(list(map(itemgetter("ts"), origins)))
        texts = list(map(itemgetter("datetime"), origins))
        every = stamps.dtype.kind == "i" and set(map(type, texts)) <= {str}
    except (TypeError, KeyError):  # some row without Pol.is's times (None has no items)
        every = False
    if every:
        ms[:], text[:] = stamps, texts
        imported = np.ones(n, bool)
    else:
        stamped = [o.get("ts") if o is not None else None for o in origins]
        imported = np.fromiter((isinstance(t, int) for t in stamped), bool, n)
        if imported.any():
            where = np.flatnonzero(imported)
            ms[where] = [stamped[i] for i in where]
            text[where] = [str(origins[i].get("datetime", "")) for i in where]
    if not imported.all():
        where = np.flatnonzero(~imported)
        ns = pd.to_datetime(pd.Series([ts[i] for i in where]), utc=True, format="ISO8601").to_numpy("datetime64[ns]")
        ms[where] = ns.astype(np.int64) // 1_000_000  # whole milliseconds, floored as _ms floors
        seconds, back = np.unique(ms[where] // 1000, return_inverse=True)  # the text has whole seconds
        names = np.array([polis_datetime(datetime.fromtimestamp(int(s), UTC).isoformat()) for s in seconds],
                         dtype=object)
        text[where] = names[back.reshape(-1)]
    # Ids: Pol.is's comment id of each statement, and each voter's participant id (-1 for none).
    keys = np.fromiter(cid.keys(), np.int64, len(cid))
    vals = np.fromiter(cid.values(), np.int64, len(cid))
    rank = np.argsort(keys)
    comment = vals[rank][np.searchsorted(keys[rank], statement)] if n else statement
    known = defaultdict(lambda: -1, pid)  # a voter who never joined: -1
    voter = np.fromiter(map(known.__getitem__, voters), np.int64, n)
    # By comment and voter as Pol.is orders votes.csv, and within a pair in log order (imported votes were
    # logged in Pol.is's time order): the pair's last row is the vote that counts, as in the fold.
    sort = np.lexsort((order, voter, comment))
    return comment[sort], voter[sort], ms[sort], text[sort], value[sort]


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
    comment, voter, ms, text, value = _vote_columns(delib, cid, pid)

    agrees: dict[int, int] = {}
    disagrees: dict[int, int] = {}
    if len(comment):
        ids, start = np.unique(comment, return_index=True)
        agrees = dict(zip(ids.tolist(), np.add.reduceat(value == 1, start).tolist(), strict=True))
        disagrees = dict(zip(ids.tolist(), np.add.reduceat(value == -1, start).tolist(), strict=True))
    risky = {t: neutralise(t) for t in set(text.tolist()) if neutralise(t) != t}
    texts = [risky.get(t, t) for t in text.tolist()] if risky else text.tolist()
    votes = zip(ms.tolist(), texts, comment.tolist(), voter.tolist(), value.tolist(), strict=True)  # one pass

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
