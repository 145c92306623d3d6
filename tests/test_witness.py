"""A rewritten tail (every later hash recomputed) passes the chain check but not its witnesses."""

from __future__ import annotations

import json
import sqlite3

import pytest

import workbench
from workbench.cli import run_cli
from workbench.store import event_hash, witness


def _rewrite_tail(db_path, from_seq: int, new_payload: str) -> None:
    """What someone holding the file can do: edit event ``from_seq`` and re-hash it and everything after."""
    con = sqlite3.connect(db_path)
    rows = con.execute("SELECT seq, ts, actor, kind, payload, prev_hash FROM events WHERE seq >= ? ORDER BY seq",
                       (from_seq,)).fetchall()
    prev = rows[0][5]
    for seq, ts, actor, kind, payload, _ in rows:
        if seq == from_seq:
            payload = new_payload
        h = event_hash(seq, ts, actor, kind, payload, prev)
        con.execute("UPDATE events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?", (payload, prev, h, seq))
        prev = h
    con.commit()
    con.close()


@pytest.fixture
def proj(tmp_path):
    path = tmp_path / "p"
    code, _, err = run_cli(["init", str(path), "--name", "Witnessed"])
    assert code == 0, err
    with workbench.open(path) as project:
        project.store.append_many([("vote.cast", {"statement": 1, "vote": "agree"}, f"p-{i}") for i in range(5)])
    return path


def test_a_rewritten_tail_passes_verify_but_not_the_checkpoint(proj):
    code, out, err = run_cli(["checkpoint", str(proj), "--reason", "end of day 1"])
    assert code == 0, err
    assert "Checkpoint written" in out
    with workbench.open(proj) as project:
        cp_seq = project.store.events(kinds=[witness.CHECKPOINTED])[-1].payload["seq"]
        project.store.append("vote.cast", {"statement": 1, "vote": "pass"}, "p-9")
    assert run_cli(["verify", str(proj), "--checkpoints"])[0] == 0

    _rewrite_tail(proj / "store.db", cp_seq - 2, '{"statement":1,"vote":"disagree"}')
    code, out, _ = run_cli(["verify", str(proj)])
    assert code == 0 and "OK" in out  # the chain alone cannot see it
    code, out, err = run_cli(["verify", str(proj), "--checkpoints"])
    assert code == 1
    assert f"FAILED at event {cp_seq}" in err and "rewritten" in err


def test_a_receipt_names_the_event_it_saw(proj, tmp_path):
    with workbench.open(proj) as project:
        ev = project.store.events()[3]
    receipt = witness.write_receipt_witness(tmp_path / "receipt.json", ev)
    assert run_cli(["verify", str(proj), "--receipt", str(receipt)])[0] == 0
    _rewrite_tail(proj / "store.db", ev.seq, '{"statement":1,"vote":"disagree"}')
    code, _, err = run_cli(["verify", str(proj), "--receipt", str(receipt)])
    assert code == 1 and f"FAILED at event {ev.seq}" in err


def test_a_cut_tail_is_caught_by_a_later_witness(proj):
    assert run_cli(["checkpoint", str(proj)])[0] == 0
    with workbench.open(proj) as project:
        seq, _ = project.store.head()
    con = sqlite3.connect(proj / "store.db")
    con.execute("DELETE FROM events WHERE seq >= ?", (seq - 2,))
    con.commit()
    con.close()
    code, _, err = run_cli(["verify", str(proj), "--checkpoints"])
    assert code == 1 and "events were removed" in err


def test_a_forged_checkpoint_is_refused(proj):
    assert run_cli(["checkpoint", str(proj)])[0] == 0
    path = next((proj / "artifacts" / "checkpoints").glob("*.json"))
    doc = json.loads(path.read_text())
    doc["hash"] = "0" * 64
    path.write_text(json.dumps(doc))
    code, _, err = run_cli(["verify", str(proj), "--checkpoints"])
    assert code == 2 and "signature that does not match" in err
    assert "Traceback" not in err


def test_a_consent_receipt_carries_the_log_head_and_verify_uses_it(proj, tmp_path):
    from workbench.consent.ledger import give

    from .consent_support import make_scope
    from .gates import publish

    with workbench.open(proj) as project:
        publish(project.store, make_scope())
        receipt = give(project.store, "c-0001", {"train": True, "evaluate": True}, at="2026-01-01", method="paper",
                       witness="f-ana", paper_ref="form 1")
        ev = project.store.events(kinds=["consent.granted"])[-1]
        record = receipt.record(holder="Co-op")
        assert record["log_head"] == {"seq": ev.seq, "hash": ev.hash}
        from workbench.consent.form import receipt_html

        assert ev.hash in receipt_html(receipt, "en", "Co-op")
    path = tmp_path / "kantara.json"
    path.write_text(json.dumps(record))
    assert run_cli(["verify", str(proj), "--receipt", str(path)])[0] == 0
    assert run_cli(["verify", str(proj), "--head", f"{ev.seq}:{ev.hash}"])[0] == 0
    _rewrite_tail(proj / "store.db", ev.seq - 1, '{"statement":1,"vote":"disagree"}')
    code, _, err = run_cli(["verify", str(proj), "--head", f"event {ev.seq}, {ev.hash}"])
    assert code == 1 and f"FAILED at event {ev.seq}" in err


def test_the_end_of_a_workshop_day_leaves_a_signed_checkpoint(tmp_path):
    """Stopping 'workbench serve' signs the head (the server's log says where): a witness per day."""
    from . import _server

    srv = _server.start_server(tmp_path, preheated_kernels=0)
    _server.stop_server(srv)
    files = sorted((srv.project_path / "artifacts" / "checkpoints").glob("*.json"))
    assert files, srv.log_text()[-2000:]
    assert "Checkpoint of the log" in srv.log_text()
    with workbench.open(srv.project_path) as project:
        assert witness.check(project.store, witness.project_checkpoints(project)).ok
        assert project.store.events(kinds=[witness.CHECKPOINTED])[-1].payload["reason"].startswith("end of a workshop")
