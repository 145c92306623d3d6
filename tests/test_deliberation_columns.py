"""The fold holds votes as columns (issue 21, export at 10x the largest conversation): it must read exactly as
the list of Vote objects it replaced, count the same votes (last per pair, merges, the author's implicit
agreement, hidden statements out, incremental folds), and the Pol.is export written from the columns must be
the rows ``csv.writer`` writes, cell for cell, whatever the datetime texts hold."""

from __future__ import annotations

import csv
import io
import random

import numpy as np

from workbench.purpose import deliberation as dl
from workbench.purpose.export import _Texts, _VoteRows, export_polis, polis_tables
from workbench.spreadsheet import neutralise


def _events_votes(store) -> list[tuple]:
    """The accepted vote.cast events of ``store`` as Vote fields, read from the log directly (no fold)."""
    statements, polis_ids, out = set(), {}, []
    for ev in store.events(kinds=dl.KINDS):
        origin = ev.payload.get("polis") if ev.actor == dl.FACILITATOR_ACTOR else None
        origin = origin if isinstance(origin, dict) else None
        if ev.kind == "statement.added":
            statements.add(ev.seq)
            if origin is not None and isinstance(origin.get("id"), int):
                polis_ids.setdefault(origin["id"], ev.seq)
        elif ev.kind == "vote.cast":
            if origin is None:
                voter, sid = ev.actor, ev.payload.get("statement")
            else:
                voter, sid = str(ev.payload.get("code") or ev.actor), polis_ids.get(ev.payload.get("comment"))
            value = dl.VOTES.get(ev.payload.get("vote"))
            if sid in statements and value is not None:
                out.append((voter, sid, value, ev.seq, ev.ts, False, origin))
    return out


def _fields(vote: dl.Vote) -> tuple:
    return (vote.voter, vote.statement, vote.value, vote.seq, vote.ts, vote.implicit, vote.origin)


def _reference_votes(delib: dl.Deliberation) -> dict:
    """The vote that counts per (participant, visible statement), computed the plain way over Vote objects."""
    latest = {}
    for vote in delib.votes_cast:
        latest[(vote.voter, vote.statement)] = vote
    out, rank = {}, {}

    def offer(key, vote, level):
        if key not in rank or (level, vote.seq) > rank[key]:
            rank[key], out[key] = (level, vote.seq), vote

    for st in delib.statements.values():
        if st.author in delib.participants and not st.seed and st.origin is None:
            tgt = delib.target(st.id)
            offer((st.author, tgt), dl.Vote(st.author, tgt, 1, st.id, st.ts, implicit=True), 0)
    for (voter, sid), vote in latest.items():
        tgt = delib.target(sid)
        offer((voter, tgt), vote, 2 if tgt == sid else 1)
    visible = {s.id for s in delib.visible_statements()}
    return {k: _fields(v) for k, v in out.items() if k[1] in visible}


def _conversation(store, rng: random.Random) -> list[int]:
    """Joins, seed and own statements, repeated votes, a merge, a hide and a show, and imported-shaped votes
    whose Pol.is times hold odd text (a formula start, a comma and quotes, non-ASCII, no datetime at all)."""
    codes = [dl.join(store) for _ in range(12)]
    sids = [dl.seed_statement(store, f"Seed {i}") for i in range(2)]
    sids += [dl.add_statement(store, codes[i], f"Mine {i}") for i in range(5)]
    for _ in range(150):
        sid = rng.choice([s for s in sids if dl.current(store).statements[s].visible])
        dl.cast_vote(store, rng.choice(codes), sid, rng.choice(list(dl.VOTES)))
    quiet = dl.join(store)
    dl.add_statement(store, quiet, "Nobody votes on this one, not even its author")
    dl.merge(store, sids[3], sids[4])
    dl.hide(store, sids[5])
    store.append_many([
        ("statement.added", {"text": "Imported", "author": "polis-1", "topic": "other",
                             "polis": {"id": 900, "ts": 1500000000000, "datetime": "x", "moderated": 1}},
         dl.FACILITATOR_ACTOR),
        ("participant.joined", {"code": "polis-1", "polis": {"id": 1}}, dl.FACILITATOR_ACTOR),
        *[("vote.cast", {"code": "polis-1", "comment": 900, "vote": vote, "polis": origin}, dl.FACILITATOR_ACTOR)
          for vote, origin in [("agree", {"ts": 1500000000100, "datetime": '=odd, "time"'}),
                               ("disagree", {"ts": 1500000000200}),
                               ("pass", {"ts": 1500000000300, "datetime": "Mon Jul 17 02:17:32 WIB 2017"}),
                               ("agree", {"ts": 1500000000400, "datetime": "Mon Jul 17 02:17:32 WIB 2017", "n": 1}),
                               ("agree", {"ts": "not a time", "datetime": "ignored"})]],
        ("vote.cast", {"code": codes[0], "comment": 900, "vote": "agree",
                       "polis": {"ts": 1500000000500, "datetime": "Dom Jul 17 ação"}}, dl.FACILITATOR_ACTOR),
    ])
    for _ in range(40):
        sid = rng.choice([s for s in sids if dl.current(store).statements[s].visible])
        dl.cast_vote(store, rng.choice(codes), sid, rng.choice(list(dl.VOTES)))
    dl.show(store, sids[5])
    return codes


def test_the_columns_read_as_the_votes_of_the_log_and_count_the_same(project):
    store = project.store
    codes = _conversation(store, random.Random(3))
    delib = dl.Deliberation.load(store)
    logged = _events_votes(store)
    assert len(delib.votes_cast) == len(logged) == len(list(delib.votes_cast))
    assert [_fields(v) for v in delib.votes_cast] == logged  # origins too, as Pol.is recorded them
    assert _fields(delib.votes_cast[-1]) == logged[-1] and _fields(delib.votes_cast[0]) == logged[0]
    assert delib.votes_cast.voters() == {v[0] for v in logged}
    counted = delib.votes()
    assert {k: _fields(v) for k, v in counted.items()} == _reference_votes(delib)
    assert list(counted) == list(delib.vote_values())
    assert delib.vote_values() == {k: v.value for k, v in counted.items()}
    assert any(v.implicit for v in counted.values()), "the author's own agreement is counted"
    for code in codes:
        assert delib.votes_by(code) == {sid: v.value for (c, sid), v in counted.items() if c == code}

    # folded in pieces, with reads in between (the process's shared fold): the same columns and counts
    events = list(store.events(kinds=dl.KINDS))
    pieces = dl.Deliberation()
    for cut in (len(events) // 4, len(events) // 2, len(events)):
        pieces.apply(events[:cut])
        pieces.votes()
    assert [_fields(v) for v in pieces.votes_cast] == logged
    assert {k: _fields(v) for k, v in pieces.votes().items()} == _reference_votes(delib)

    # a conversation built by hand (no log): appended Votes are counted as folded ones
    by_hand = dl.Deliberation(statements=dict(delib.statements), participants=dict(delib.participants))
    for vote in delib.votes_cast:
        by_hand.votes_cast.append(vote)
    assert by_hand.vote_values() == delib.vote_values()


def test_the_export_from_columns_writes_what_csv_writer_writes(project, tmp_path):
    store = project.store
    _conversation(store, random.Random(5))
    delib = dl.Deliberation.load(store)
    export_polis(delib, tmp_path)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header, rows, _text = polis_tables(delib)["votes.csv"]
    writer.writerow(header)
    writer.writerows(rows)
    written = (tmp_path / "votes.csv").read_text(encoding="utf-8")
    assert written == buf.getvalue()
    assert "'=odd" in written and '"\'=odd, ""time"""' in written  # neutralised, then quoted as csv quotes
    assert "Dom Jul 17 ação" in written


def test_vote_rows_in_blocks_match_csv_writer_for_any_text():
    rng = random.Random(0)
    alphabet = 'ab ,"\r\n\t=+-@x\x7f\u00e9\u00a0\x00'
    for trial in range(24):
        pool = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(1, 30))]
        if trial % 3 == 1:  # every text one length (as Pol.is writes datetimes): rows of the buffer itself
            pool = [f"Mon Jul 17 02:17:{i:02d} WIB 2017" for i in range(60)]
        n = rng.choice([0, 1, 7, _VoteRows.CHUNK, _VoteRows.CHUNK + 1, 3 * _VoteRows.CHUNK - 5])
        texts = [rng.choice(pool) for _ in range(n)]
        encoded = [t.encode("utf-8") for t in texts]
        size = np.array([len(e) for e in encoded], np.int64)
        order = np.array(rng.sample(range(n), n), np.int64)  # rows sorted unlike the buffer, as after the sort
        start = (np.cumsum(size) - size)[order] if n else size
        cols = [np.array([rng.choice(choices) for _ in range(n)], np.int64)
                for choices in ([0, 5, 1500232652930, -7, 10**15], range(-3, 5000), [-1, 0, 9, 10, 123456], [-1, 0, 1])]

        joined = b"".join(encoded)

        def rows(cols=cols, buf=joined, start=start, size=size[order]):
            return _VoteRows(cols[0], _Texts(np.frombuffer(buf, np.uint8), start, size), *cols[1:])

        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows())
        assert "".join(rows().csv_chunks()) == buf.getvalue(), trial
        assert [r[1] for r in rows()] == [neutralise(texts[i]) for i in order.tolist()]
