"""``workbench store move``: a laptop project's log moves to PostgreSQL (and back) with nothing lost.

Against a real throwaway PostgreSQL server (tests/_pg.py); the demo (120 messages: statements,
votes, consent, curation, evaluation; ~490 events) is built once and copied per test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa

import workbench
from workbench.cli import run_cli
from workbench.errors import WorkbenchError
from workbench.store import EventStore
from workbench.store.move import copy_log

from ._pg import fresh_schema_url

AT = "2026-06-30T12:00:00+00:00"


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory):
    from workbench.demo import build_demo

    path = tmp_path_factory.mktemp("move-demo") / "demo"
    build_demo(path, n=120).close()
    return path


@pytest.fixture
def demo(built_demo, tmp_path):
    path = tmp_path / "demo"
    shutil.copytree(built_demo, path)
    return path


def _events(url_or_project):
    if isinstance(url_or_project, str):
        with EventStore.open(url_or_project) as store:
            return store.events(), store.head()
    with workbench.open(url_or_project) as p:
        return p.store.events(), p.store.head()


def _reads(path) -> dict:
    """What the apps read from the log: deliberation analysis, consent per contributor, curated counts."""
    from workbench.consent.ledger import ConsentLedger
    from workbench.curation import importer
    from workbench.curation.actions import CurationLog
    from workbench.curation.enforce import enforce
    from workbench.purpose.analysis import analyse_store

    with workbench.open(path) as p:
        analysis = analyse_store(p.store, seed=0)
        ledger = ConsentLedger.load(p.store)
        ds = importer.current(p.store)
        frame = importer.load_frame(p, ds)
        ids = frame[ds.mapping.contributor]
        mask, reason = ledger.permitted_mask(ids, "train", AT)
        curated = enforce(frame, ds, ledger, "train", AT, CurationLog.load(p.store).active(ds.sha256))
        return {
            "counts": analysis.counts,
            "table": analysis.statements[["id", "agree", "disagree", "pass"]].to_dict("records"),
            "groups": [(g.name, g.members) for g in analysis.groups],
            "mask": mask.tolist(),
            "reason": [str(x) for x in reason],
            "curated": curated.counts,
            "stages": [(s.stage.key, s.status, s.events) for s in p.stages()],
        }


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tables(url) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_sqlite_to_postgresql_and_back_keeps_every_event_hash_and_read(demo, pg_url, tmp_path):
    cfg = demo / "workbench.toml"
    cfg.write_text("# our co-op's settings\n" + cfg.read_text("utf-8") + "\n[datawork]\nminimum_hourly = 12.5\n",
                   encoding="utf-8")
    before_events, before_head = _events(demo)
    assert len(before_events) > 300 and {"vote.cast", "statement.added", "consent.granted",
                                         "curation.excluded"} <= {e.kind for e in before_events}
    before_reads = _reads(demo)
    store_db = demo / "store.db"
    db_sha = _sha(store_db)

    url = fresh_schema_url(pg_url)
    code, out, err = run_cli(["store", "move", str(demo), "--to", url])
    assert code == 0, err
    assert f"Moved {len(before_events)} events" in out and before_head[1][:12] in out
    assert str(store_db) in out and "no longer used" in out

    text = cfg.read_text("utf-8")
    assert text.startswith("# our co-op's settings\n") and "minimum_hourly = 12.5" in text
    import tomllib

    assert tomllib.loads(text)["store"]["url"] == url
    assert _events(url) == (before_events, before_head)  # seq, ts, actor, kind, payload, prev_hash, hash
    assert _reads(demo) == before_reads
    with workbench.open(demo) as p:
        assert p.store.dialect == "postgresql" and p.store.head() == before_head
        p.store.append("statement.added", {"text": "written after the move"}, actor="facilitator")
        after_head = p.store.head()
    code, out, err = run_cli(["verify", str(demo)])
    assert code == 0 and out.startswith(f"OK: {len(before_events) + 1} events"), err
    # the old file is left exactly as it was, and no longer written
    assert _sha(store_db) == db_sha
    assert _events(f"sqlite:///{store_db}") == (before_events, before_head)

    # and back to a new SQLite file in the folder (PostgreSQL -> SQLite is the same code)
    code, out, err = run_cli(["store", "move", str(demo), "--to", "sqlite:///moved-back.db"])
    assert code == 0, err
    assert tomllib.loads(cfg.read_text("utf-8"))["store"]["url"] == "sqlite:///moved-back.db"
    events, head = _events(demo)
    assert head == after_head and events[:-1] == before_events
    assert run_cli(["verify", str(demo)])[0] == 0
    assert _events(url)[1] == after_head  # the PostgreSQL copy stays as it was


def test_moved_project_reads_the_same_in_the_apps(demo, pg_url):
    before = _reads(demo)
    assert before["counts"]["votes"] > 100 and any(before["mask"]) and not all(before["mask"])
    assert before["curated"]["kept"] > 0 and before["curated"]["withdrawn"] > 0 and len(before["groups"]) >= 2
    code, _out, err = run_cli(["store", "move", str(demo), "--to", fresh_schema_url(pg_url)])
    assert code == 0, err
    assert _reads(demo) == before


def _refused(demo, target, source_ok=True):
    cfg = demo / "workbench.toml"
    cfg_sha, db_sha = _sha(cfg), _sha(demo / "store.db")
    code, out, err = run_cli(["store", "move", str(demo), "--to", target])
    assert code == 2 and out == "", (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert _sha(cfg) == cfg_sha and _sha(demo / "store.db") == db_sha  # nothing changed at the source
    assert run_cli(["verify", str(demo)])[0] == (0 if source_ok else 1)
    return err


def test_refuses_an_unreachable_target(demo):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = _refused(demo, f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
    assert "Cannot reach" in err and "Check the server" in err


def test_refuses_a_target_that_holds_a_log_and_leaves_it_alone(demo, pg_url, tmp_path):
    url = fresh_schema_url(pg_url)
    with workbench.init(tmp_path / "other", "Other co-op", ["en"], store_url=url) as other:
        other.store.append("statement.added", {"text": "theirs"}, actor="p1")
        theirs = other.store.events()
        other_id = other.config.id
    err = _refused(demo, url)
    assert "already holds" in err and other_id in err
    assert _events(url)[0] == theirs
    # an empty events table someone made by hand counts too
    bare = fresh_schema_url(pg_url)
    engine = sa.create_engine(bare)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE events (id integer)"))
    engine.dispose()
    assert "already holds" in _refused(demo, bare)
    assert _tables(bare) == {"events"}


def test_refuses_the_same_store_and_an_existing_file(demo, tmp_path):
    assert "already at" in _refused(demo, "sqlite:///store.db")
    assert "already at" in _refused(demo, f"sqlite:///{demo / 'store.db'}")
    other = tmp_path / "taken.db"
    other.write_bytes(b"someone's file")
    assert "already exists" in _refused(demo, f"sqlite:///{other}")
    assert other.read_bytes() == b"someone's file"
    assert "not a store URL" in _refused(demo, "not a url")


def test_refuses_a_tampered_source(built_demo, tmp_path, pg_url):
    demo = tmp_path / "tampered"
    shutil.copytree(built_demo, demo)
    with sqlite3.connect(demo / "store.db") as db:
        db.execute("UPDATE events SET payload = replace(payload, 'a', 'e') WHERE seq = 40")
    db.close()
    url = fresh_schema_url(pg_url)
    err = _refused(demo, url, source_ok=False)
    assert "does not verify" in err and "event 40" in err
    assert _tables(url) == set()


def test_refuses_while_a_workshop_has_the_project_open(demo, pg_url):
    kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (demo / ".workbench" / "presence").mkdir(parents=True, exist_ok=True)
        (demo / ".workbench" / "presence" / f"{kernel.pid}.json").write_text(
            f'{{"app": "purpose", "role": "participant", "language": "es", "pid": {kernel.pid}, '
            f'"since": {time.time()}}}', encoding="utf-8")
        url = fresh_schema_url(pg_url)
        err = _refused(demo, url)
        assert "being served" in err and "Stop 'workbench serve'" in err
        assert _tables(url) == set()
    finally:
        kernel.kill()
        kernel.wait()
    assert run_cli(["store", "move", str(demo), "--to", url])[0] == 0  # the kernel is gone: it moves


def test_refuses_while_workbench_serve_runs_even_before_any_app_opened(demo, pg_url):
    """An idle server (no app kernel yet, only spares) is still serving: a JupyterLab or CLI writer could follow."""
    import json

    from workbench import presence

    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    mark = demo / presence.SERVING_FILE
    try:
        mark.write_text(json.dumps({"pid": server.pid, "started": presence._started(server.pid)}), encoding="utf-8")
        url = fresh_schema_url(pg_url)
        err = _refused(demo, url)
        assert "being served" in err and f"process {server.pid}" in err
        assert _tables(url) == set()
    finally:
        server.kill()
        server.wait()
    # the server is gone: its stale mark is removed and the move goes ahead
    assert run_cli(["store", "move", str(demo), "--to", url])[0] == 0
    assert not mark.exists()


def test_the_serving_mark_lives_as_long_as_the_block_and_a_reused_pid_is_not_a_server(tmp_path):
    import json

    from workbench import presence

    (tmp_path / ".workbench").mkdir()
    with presence.serving(tmp_path, "http://x/login") as mark:
        assert presence.served_by(tmp_path)["pid"] == os.getpid()
        data = json.loads(mark.read_text())
        mark.write_text(json.dumps({**data, "started": "1"}))  # same pid, another process's start time
        assert presence.served_by(tmp_path) is None and not mark.exists()
    assert presence.served_by(tmp_path) is None


def test_a_target_that_refuses_the_write_gets_nothing(demo, pg_url):
    """A role that may not create tables in the schema: the copy fails inside its transaction."""
    url = fresh_schema_url(pg_url)
    schema = url.rsplit("%3D", 1)[1]
    role = f"mover_{schema}"
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(sa.text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
    engine.dispose()
    limited = url.replace("postgres@", f"{role}@", 1)
    err = _refused(demo, limited)
    assert "Cannot write the log" in err and "Nothing was moved" in err
    assert _tables(url) == set()


def test_writers_wait_while_the_log_is_copied(demo, pg_url):
    """The source is held still: an append started mid-move lands only after the move is done."""
    url = fresh_schema_url(pg_url)
    landed: list = []
    started = threading.Event()

    def writer():
        with EventStore.open(f"sqlite:///{demo / 'store.db'}") as store:
            started.set()
            landed.append(store.append("statement.added", {"text": "late"}, actor="p9"))

    thread = threading.Thread(target=writer)
    seen_mid_move: list = []

    def then(result):
        thread.start()
        started.wait(10)
        time.sleep(0.5)
        seen_mid_move.append(list(landed))

    with workbench.open(demo) as p:
        result = copy_log(p.store, url, then=then)
    thread.join(30)
    assert seen_mid_move == [[]]  # held back during the move
    assert landed and landed[0].seq == result.count + 1  # then written (to the old file, after)
    assert _events(url)[1] == (result.head_seq, result.head_hash)


def test_a_failure_after_the_copy_removes_it(demo, pg_url):
    url = fresh_schema_url(pg_url)

    def then(result):
        raise WorkbenchError("The config could not be written.")

    with workbench.open(demo) as p, pytest.raises(WorkbenchError, match="config could not"):
        copy_log(p.store, url, then=then)
    assert _tables(url) == set()
    with workbench.open(demo) as p, pytest.raises(WorkbenchError, match="config could not"):
        copy_log(p.store, f"sqlite:///{demo / 'copy.db'}", then=then)
    assert sorted(x.name for x in demo.iterdir() if x.name.startswith("copy.db")) == []


def test_help_and_no_action():
    code, out, _ = run_cli(["store", "move", "--help"])
    assert code == 0 and "--to URL" in out
    code, _, err = run_cli(["store"])
    assert code == 2 and "needs an action" in err
