"""A room of participants at once: statements, votes and consent from 20 processes.

Every submission a participant was told was saved is in the store afterwards,
and the hash chain verifies. (Full scale, 60 processes for a minute, is
benchmarks/bench_load.py; this is the suite's smaller, few-seconds version.)
"""

from __future__ import annotations

import random
import time

import pytest

from ._spawn import spawn_and_collect

PROCESSES = 20
SECONDS = 3.0


def _participant(url: str, idx: int, start, out) -> None:
    from workbench.consent import ledger
    from workbench.errors import NotSaved
    from workbench.purpose import deliberation as dl
    from workbench.store import EventStore

    rng = random.Random(idx)
    store = EventStore.open(url)
    acked = {"statements": [], "votes": [], "grants": [], "code": None, "refused": 0}
    start.wait()
    code = dl.join(store, "pt-BR")
    acked["code"] = code
    deadline = time.monotonic() + SECONDS
    n = 0
    while time.monotonic() < deadline:
        n += 1
        try:
            roll = rng.random()
            if roll < 0.25:
                sid = dl.add_statement(store, code, f"afirmação {idx}-{n} 🌱", "pt-BR")
                acked["statements"].append(sid)
            elif roll < 0.85:
                delib = dl.Deliberation.load(store)
                card = delib.next_card(code)
                if card is not None:
                    vote = rng.choice(["agree", "disagree", "pass"])
                    dl.cast_vote(store, code, card.id, vote, delib=delib)
                    acked["votes"].append((card.id, vote))
            else:
                contributor = f"c-{idx:02d}{n:04d}"
                ledger.give(store, contributor, {"train": rng.random() < 0.5, "evaluate": True}, method="paper",
                            witness="f-load", paper_ref=f"form {n}")
                acked["grants"].append(contributor)
        except NotSaved:
            acked["refused"] += 1
    store.close()
    out.put((idx, acked))


@pytest.mark.slow
def test_a_room_submitting_at_once_loses_nothing(project):

    from .consent_support import make_scope
    from .gates import publish

    publish(project.store, make_scope())
    results = spawn_and_collect(_participant, [(project.store.url, i) for i in range(PROCESSES)])

    from workbench.consent.ledger import ConsentLedger
    from workbench.purpose.deliberation import Deliberation

    delib = Deliberation.load(project.store)
    consent = ConsentLedger.load(project.store)
    texts = {s.id: s.text for s in delib.statements.values()}
    total = 0
    for idx, acked in results.items():
        code = acked["code"]
        assert code in delib.participants, f"participant {idx}'s join is missing"
        for sid in acked["statements"]:
            assert sid in texts, f"statement {sid} of participant {idx} is missing"
        mine = delib.votes_by(code)
        for sid, _vote in acked["votes"]:
            assert sid in mine, f"vote of {code} on {sid} is missing"
        for contributor in acked["grants"]:
            assert consent.permits(contributor, "evaluate"), f"consent of {contributor} is missing"
        assert acked["refused"] == 0
        total += len(acked["statements"]) + len(acked["votes"]) + len(acked["grants"])
    assert total > PROCESSES  # the room really did something
    result = project.store.verify()
    assert result.ok, result.sentence
