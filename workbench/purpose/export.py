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

Cost: one pass over the vote rows plus the participants x comments table Pol.is's format itself holds
(benchmarks/bench_polis_scale.py).
"""

from __future__ import annotations

import csv
import gc
from datetime import UTC, datetime, timedelta
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

    Python's cycle collector is paused meanwhile: the rows are tens of thousands of small tuples without
    cycles, and its passes over them made a 10x conversation take ~15-25x the time (measured here).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _tables(delib, groups, summary)
    finally:
        if enabled:
            gc.enable()


def _tables(delib: Deliberation, groups: dict | None, summary: dict | None) -> dict:
    pid = _participant_ids(delib)
    cid = _comment_ids(delib)
    gid = _group_ids(groups)

    def who(code: str) -> int:
        return pid.get(code, -1)

    # Every vote row, Pol.is's way: the author's agreement with their own statement is a row too.
    # (comment id, voter id, log order, timestamp, datetime, vote): the first three are unique, so the rows
    # sort as plain tuples, by comment and voter as Pol.is orders votes.csv, and within a pair in log order
    # (imported votes were logged in Pol.is's time order): the pair's last row is the vote that counts, as
    # in the fold.
    rows: list[tuple] = []
    authored: dict[int, int] = {}
    for st in delib.statements.values():
        author = who(st.author)
        authored[author] = authored.get(author, 0) + 1
        if st.author in delib.participants and not st.seed and st.origin is None:
            rows.append((cid[st.id], author, st.id, *_when(st.ts, None), 1))
    for v in delib.votes_cast:
        origin = v.origin
        if origin is not None and isinstance(origin.get("ts"), int):
            rows.append((cid[v.statement], pid.get(v.voter, -1), v.seq, origin["ts"],
                         str(origin.get("datetime", "")), v.value))
        else:
            rows.append((cid[v.statement], pid.get(v.voter, -1), v.seq, _ms(v.ts), polis_datetime(v.ts), v.value))
    rows.sort()

    agrees: dict[int, int] = {}
    disagrees: dict[int, int] = {}
    last: dict[int, dict[int, int]] = {}  # voter -> comment -> the vote that counts (the pair's last row)
    for c, p, _order, _when_ms, _text, value in rows:
        if value == 1:
            agrees[c] = agrees.get(c, 0) + 1
        elif value == -1:
            disagrees[c] = disagrees.get(c, 0) + 1
        last.setdefault(p, {})[c] = value
    votes = [(ms, neutralise(text), c, p, value) for c, p, _order, ms, text, value in rows]

    statements = sorted(delib.statements.values(), key=lambda s: cid[s.id])
    comments = []
    for st in statements:
        ms, text = _when(st.ts, st.origin)
        moderated = -1 if not st.visible else 1 if (st.seed or st.accepted) else 0
        comments.append([ms, text, cid[st.id], who(st.author), agrees.get(cid[st.id], 0),
                         disagrees.get(cid[st.id], 0), moderated, st.text])

    columns = [cid[s.id] for s in statements if s.visible]
    xid = bool(delib.imported and delib.imported.get("xid"))
    code_of = {n: code for code, n in pid.items()}
    people = []
    for p in sorted(n for n in last if n >= 0):
        mine = last[p]
        values = mine.values()
        info = delib.participants.get(code_of.get(p, ""), {}).get("polis") or {}
        group = gid.get(code_of.get(p, ""), "")
        head = [p, str(info.get("xid", ""))] if xid else [p]
        people.append([*head, group, authored.get(p, 0), len(mine), sum(x == 1 for x in values),
                       sum(x == -1 for x in values), *[mine.get(c, "") for c in columns]])
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
