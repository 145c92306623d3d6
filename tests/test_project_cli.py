"""The project folder and the CLI: init, open, verify, info, demo; one-line errors."""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import workbench
from workbench.cli import COMMANDS, run_cli
from workbench.errors import WorkbenchError


def _one_line_error(err: str, needle: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and needle in lines[0], err
    assert "Traceback" not in err


def test_init_makes_the_folder_layout(tmp_path):
    code, out, err = run_cli(["init", str(tmp_path / "p"), "--name", "Coop Ñandú", "--language", "pt-BR",
                              "--language", "es", "--country", "br"])
    assert code == 0, err
    root = tmp_path / "p"
    for name in ("workbench.toml", "store.db", "data", "artifacts", ".workbench/secrets.toml"):
        assert (root / name).exists(), name
    cfg = tomllib.loads((root / "workbench.toml").read_text())
    assert cfg["project"]["name"] == "Coop Ñandú"
    assert cfg["project"]["languages"] == ["pt-BR", "es"]
    assert cfg["project"]["country"] == "BR"
    assert stat.S_IMODE((root / ".workbench/secrets.toml").stat().st_mode) == 0o600
    assert "workshop code" in out
    p = workbench.open(root)
    assert p.config.default_language == "pt-BR"
    assert [e.kind for e in p.store.events()] == ["project.created"]
    codes = p.access_codes()
    assert len(codes.workshop) == 8 and len(codes.facilitator) == 12 and codes.workshop != codes.facilitator
    p.close()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["init", "{tmp}/p", "--name", "   "], "needs a name"),
        (["init", "{tmp}/p", "--name", "x", "--language", "tlh"], "no catalog for the language"),
        (["init", "{tmp}/p", "--name", "x", "--language", "<script>"], "is not a language tag"),
        (["init", "{tmp}/p"], "the following arguments are required: --name"),
        (["verify", "{tmp}"], "is not a Commons Workbench project"),
        (["verify", "{tmp}/absent"], "is not a folder"),
        (["info", "{tmp}"], "is not a Commons Workbench project"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(tmp_path, argv, needle):
    code, out, err = run_cli([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2
    _one_line_error(err, needle)


def test_init_refuses_a_non_empty_folder_and_leaves_it_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("ours")
    code, _, err = run_cli(["init", str(tmp_path), "--name", "x"])
    assert code == 2
    _one_line_error(err, "is not empty")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_store_that_is_not_a_workbench_store(sqlite_project):
    project = sqlite_project
    db = project.root / "store.db"
    project.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE something_else (x)")
    code, _, err = run_cli(["verify", str(project.root)])
    assert code == 2
    _one_line_error(err, "is not a Commons Workbench store")


def test_a_broken_config_is_named(sqlite_project):
    project = sqlite_project
    (project.root / "workbench.toml").write_text("[project\nname=")
    code, _, err = run_cli(["info", str(project.root)])
    assert code == 2
    _one_line_error(err, "is not valid TOML")


def test_verify_ok_and_tampered(sqlite_project):
    project = sqlite_project
    project.store.append_many([("vote.cast", {"v": i}, "p-1") for i in range(3)])
    code, out, _ = run_cli(["verify", str(project.root)])
    assert code == 0 and out.strip() == "OK: 4 events, hash chain intact."
    with sqlite3.connect(project.root / "store.db") as con:
        con.execute("UPDATE events SET actor = 'p-2' WHERE seq = 3")
    code, out, err = run_cli(["verify", str(project.root)])
    assert code == 1
    assert err.strip().startswith("FAILED at event 3:") and "vote.cast" in err


def test_every_command_has_help():
    for verb in COMMANDS:
        code, out, err = run_cli([verb, "--help"])
        assert code == 0 and "usage: workbench" in out and len(out) > 80, verb


def test_serve_refuses_a_port_in_use(project):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, _, err = run_cli(["serve", str(project.root), "--port", str(port), "--ip", "127.0.0.1", "--no-qr"])
    assert code == 2
    _one_line_error(err, f"Port {port} is already in use")


def test_demo_no_serve_builds_the_demo_project(tmp_path):
    code, out, err = run_cli(["demo", str(tmp_path / "demo"), "--no-serve"])
    assert code == 0, err
    p = workbench.open(tmp_path / "demo")
    assert p.name == "Vila Esperança Community Health Co-op"
    assert p.config.languages == ["en", "pt-BR", "es"]  # opens in English by default (--language changes it)
    assert p.store.verify().ok
    received = p.store.events(kinds=["data.received"])[0].payload
    raw = (p.data_dir / received["file"]).read_bytes()
    import hashlib

    assert hashlib.sha256(raw).hexdigest() == received["sha256"]
    p.close()
    # Running it again reuses the project instead of failing or wiping it.
    code, out, _ = run_cli(["demo", str(tmp_path / "demo"), "--no-serve"])
    assert code == 0 and "Using the demo project already" in out
    # The project status names consent drift of the adopted model.
    code, out, err = run_cli(["info", str(tmp_path / "demo")])
    assert code == 0, err
    assert "Consent drift: none" in out or "must be retrained" in out


def test_demo_language_and_a_busy_port_said_before_building(tmp_path):
    code, _out, err = run_cli(["demo", str(tmp_path / "pt"), "--no-serve", "--language", "pt-BR"])
    assert code == 0, err
    with workbench.open(tmp_path / "pt") as p:
        assert p.config.languages == ["pt-BR", "es", "en"]
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _out, err = run_cli(["demo", str(tmp_path / "never"), "--port", str(port), "--ip", "127.0.0.1"])
    assert code == 2 and f"Port {port} is already in use" in err
    assert not (tmp_path / "never").exists()  # nothing was built


def test_demo_data_is_seeded_and_messy():
    from workbench.demo.dataset import consent_plan, generate_rows

    a, b = generate_rows(seed=3), generate_rows(seed=3)
    assert a == b and a != generate_rows(seed=4)
    texts = [r["text"] for r in a]
    assert any(r["contributor_id"] == "" for r in a)
    assert any(r["age_band"] == "" for r in a)
    assert len({tuple(r.values()) for r in a}) < len(a)  # exact duplicates
    assert any("@" in t for t in texts) and any(any(ch.isdigit() for ch in t) for t in texts)
    choices = {c.choice for c in consent_plan(a)}
    assert {"no_record", "withdraws_later", "all"} <= choices


def test_workbench_open_in_python(project):
    again = workbench.open(str(project.root))
    assert again.name == "Test co-op" and again.store.count() == 1
    assert again.purpose_so_far() == "Sort messages by urgency."
    again.close()
    with pytest.raises(WorkbenchError):
        workbench.open(project.root / "nope")


def test_console_script_runs_without_traceback(tmp_path):
    exe = Path(sys.executable).with_name("workbench")
    result = subprocess.run([str(exe), "verify", str(tmp_path)], capture_output=True, text=True,
                            env={**os.environ, "WORKBENCH_DEBUG": ""})
    assert result.returncode == 2
    _one_line_error(result.stderr, "is not a Commons Workbench project")


def test_progress_shows_on_a_terminal_and_stays_quiet_when_piped(tmp_path):
    """Long verbs say what they are doing on a terminal (issue 24); piped, the output is the result alone."""
    import os
    import pty
    import subprocess
    import sys

    cmd = [sys.executable, "-c", "from workbench.cli import entry; entry()", "demo", "--no-serve"]
    piped = subprocess.run([*cmd, str(tmp_path / "piped")], capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0, piped.stderr
    assert "building the demo" not in piped.stderr + piped.stdout
    main, sub = pty.openpty()
    try:
        proc = subprocess.run([*cmd, str(tmp_path / "tty")], stdout=subprocess.PIPE, stderr=sub, timeout=300)
        os.close(sub)
        seen = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(main)
    assert proc.returncode == 0
    assert b"building the demo: purpose..." in seen and b"building the demo: evaluation..." in seen
