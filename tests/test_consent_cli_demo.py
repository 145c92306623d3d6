"""The consent CLI and the demo project's consent stage."""

from __future__ import annotations

import json

import pytest

from workbench.cli import run_cli
from workbench.consent import ledger as L
from workbench.consent.scope import ScopeHistory
from workbench.demo import build_demo
from workbench.demo.dataset import consent_plan, generate_rows

from .consent_support import make_scope, new_project
from .gates import publish


@pytest.fixture(scope="module")
def demo(tmp_path_factory, once_store_url):
    path = tmp_path_factory.mktemp("consent-demo") / "demo"
    build_demo(path, store_url=once_store_url()).close()  # heavy: once, on PostgreSQL when a server is up
    return path


def test_demo_has_a_scope_forms_and_a_ledger_that_follows_the_plan(demo):
    import workbench

    with workbench.open(demo) as p:
        history = ScopeHistory.load(p.store)
        scope = history.latest.scope
        assert scope.uses["train"] == scope.uses["evaluate"] == scope.uses["share_models"] == "chooses"
        assert scope.uses["commercial"] == scope.uses["share_data"] == "never"
        assert scope.conditions.expiry_months == 24 and scope.conditions.stays_on_machine
        assert "bc_provenance" in scope.labels
        forms = sorted(x.name for x in (p.artifacts_dir / "consent").iterdir())
        for lang in ("en", "pt-BR", "es"):
            assert any(name.endswith(f".{lang}.md") for name in forms)
        led = L.ConsentLedger.load(p.store)
        plan = {i.contributor_id: i.choice for i in consent_plan(generate_rows(), seed=7)}
        kinds = {}
        for r in led.receipts:
            kinds.setdefault(r.contributor, []).append(r.kind)
        for who, choice in plan.items():
            got = kinds.get(who, [])
            expected = {"no_record": [], "refuses": ["refused"], "all": ["granted"], "evaluate_only": ["granted"],
                        "withdraws_later": ["granted", "withdrawn"]}[choice]
            assert got == expected, (who, choice, got)
            if choice == "evaluate_only":
                assert led.status(who, "train") == "refused"
        statuses = {led.status(who, "train") for who in plan}
        assert {"given", "refused", "withdrawn", "expired", "none"} <= statuses
        assert {r.method for r in led.receipts} == {"app", "paper", "spoken"}
        assert p.store.verify().ok


def test_cli_scope_status_forms(demo, tmp_path):
    code, out, err = run_cli(["consent", "scope", str(demo)])
    assert code == 0, err
    exported = json.loads(out)
    assert exported["version"] == 1 and exported["mapping"]["commercial"]["duo"][0]["id"] == "DUO:0000046"
    code, out, _ = run_cli(["consent", "scope", str(demo), "--out", str(tmp_path / "s.json")])
    assert code == 0 and json.loads((tmp_path / "s.json").read_text())["hash"] == exported["hash"]
    code, out, _ = run_cli(["consent", "status", str(demo)])
    assert code == 0 and "train" in out and "withdrawn" in out
    code, out, _ = run_cli(["consent", "status", str(demo), "--contributor", "c-0001", "--at", "2020-01-01"])
    assert code == 0 and "no_record" in out
    code, out, _ = run_cli(["consent", "forms", str(demo)])
    assert code == 0 and "form-v1-" in out
    code, _, err = run_cli(["consent", "scope", str(demo), "--version", "9"])
    assert code == 2 and err.startswith("error: There is no scope version 9.")
    code, _, err = run_cli(["consent"])
    assert code == 2 and "needs an action" in err


def test_cli_import_refuses_bad_rows_then_imports_good_ones(tmp_path, backend_url):
    with new_project(tmp_path, store_url=backend_url) as p:
        publish(p.store, make_scope())
    f = tmp_path / "paper.csv"
    f.write_text("contributor_id,date,choices,witness\nc-1,2026-01-10,train,f-ana\nc-2,2026-01-10,fly,f-ana\n",
                 encoding="utf-8")
    code, out, err = run_cli(["consent", "import", str(tmp_path / "p"), str(f)])
    assert code == 2 and "row 3" in out and "nothing was imported" in err
    code, out, err = run_cli(["consent", "import", str(tmp_path / "p"), str(f), "--good-rows-only"])
    assert code == 0 and "Imported 1 records" in out and "c-1" in out


def test_cli_without_a_scope_says_how(tmp_path):
    new_project(tmp_path).close()
    code, _, err = run_cli(["consent", "scope", str(tmp_path / "p")])
    assert code == 2 and "has not published" in err
