"""``workbench monitor``: add, status, energy and server-energy in-process (run_cli), on a monitored demo copy."""

from __future__ import annotations

import json
import shutil

import pytest

from workbench.cli import run_cli

from .test_monitoring import build_monitored_demo


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    return build_monitored_demo(tmp_path_factory.mktemp("monitor-cli") / "demo")


@pytest.fixture
def demo_dir(demo_root, tmp_path):
    path = tmp_path / "demo"
    shutil.copytree(demo_root, path, ignore=shutil.ignore_patterns("*.writelock"))
    return path


def _batch(demo_dir, path):
    import workbench
    from workbench.demo.monitoring import demo_batch

    with workbench.open(demo_dir) as project:
        return demo_batch(project, path)


def test_monitor_add_then_status_says_what_is_under_review(demo_dir, tmp_path):
    batch = _batch(demo_dir, tmp_path / "b.csv")
    code, out, err = run_cli(["monitor", "status", str(demo_dir)])
    assert code == 0, err
    assert "no batches of outcomes yet" in out
    code, out, err = run_cli(["monitor", "add", str(demo_dir), str(batch)])
    assert code == 0, err
    assert "batch added (event" in out and "dropped (no consent to monitoring)" in out
    assert "UNDER REVIEW: recall-urgent-every_group-neighbourhood [neighbourhood: Campo Verde]" in out
    code, out, err = run_cli(["monitor", "status", str(demo_dir)])
    assert code == 0, err
    flagged = [line for line in out.splitlines() if "UNDER REVIEW" in line]
    assert len(flagged) == 1 and "Campo Verde" in flagged[0]
    assert "under review: 1 group(s)" in out
    code, out, err = run_cli(["monitor", "status", str(demo_dir), "--json"])
    assert code == 0, err
    st = json.loads(out)
    assert [r["group"] for r in st["under_review"]] == ["Campo Verde"] and len(st["batches"]) == 1
    # the same file again: one line, exit 2, nothing logged
    code, out, err = run_cli(["monitor", "add", str(demo_dir), str(batch)])
    assert code == 2 and err.count("\n") == 1 and "already added" in err


def test_monitor_add_refuses_a_missing_column_and_checks_consent_as_of_a_date(demo_dir, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,contributor_id,prediction\n2026-11-01,c-0001,urgent\n", encoding="utf-8")
    code, _out, err = run_cli(["monitor", "add", str(demo_dir), str(bad)])
    assert code == 2 and "has no column 'outcome'" in err and err.count("\n") == 1
    batch = _batch(demo_dir, tmp_path / "b.csv")
    code, _out, err = run_cli(["monitor", "add", str(demo_dir), str(batch), "--as-of", "2020-01-01"])
    assert code == 2 and "after the batch's time 2020-01-01" in err
    code, _out, err = run_cli(["monitor"])
    assert code == 2


def test_monitor_energy_and_server_energy_add_up_against_the_budget(demo_dir, tmp_path):
    code, out, err = run_cli(["monitor", "add", str(demo_dir), str(_batch(demo_dir, tmp_path / "b.csv"))])
    assert code == 0, err
    code, out, err = run_cli(["monitor", "energy", str(demo_dir), "--no-measure"])
    assert code == 0, err
    assert "of a model never measured" in out and "budget:     0.5 kWh" in out
    code, out, err = run_cli(["monitor", "server-energy", str(demo_dir), "0.75", "--note", "plug meter, 30 days"])
    assert code == 0, err
    assert "server energy recorded" in out and "server:     0.75 kWh (1 records)" in out and "OVER" in out
    code, _out, err = run_cli(["monitor", "server-energy", str(demo_dir), "lots"])
    assert code == 2 and "must be a number of kWh" in err
    code, out, err = run_cli(["monitor", "energy", str(demo_dir), "--predictions", "200"])
    assert code == 0, err
    assert "inference measured (event" in out and "per 1,000 predictions" in out
    assert "of a model never measured" not in out
    code, _out, err = run_cli(["monitor", "energy", str(demo_dir), "--predictions", "0"])
    assert code == 2 and "whole number from 1" in err
