"""Three communities from the demo generator with different scopes: export, verify, import, use checks, and a
federated evaluation whose result holds aggregates only and suppresses a tiny group.

- A ("Rio Claro") shares its model, forbids commercial use (NCU), lets each person choose about sharing data;
- B ("Serra Azul") forbids sharing models;
- C ("Lagoa Verde") requires its data to stay on its machine; it evaluates A's model on its own rows, and three of
  its messages come from a neighbourhood so small that it must be suppressed.

The communities are built once per process (:func:`communities`), quickly: the demo's rows, a published scope,
grants, the demo's curation, a charter agreed directly and one candidate evaluated (A only).
"""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import random
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from workbench.consent import ledger as L
from workbench.consent.scope import ALWAYS, CHOOSES, NEVER, Conditions, Scope
from workbench.demo.dataset import consent_plan, generate_rows, to_csv
from workbench.errors import WorkbenchError
from workbench.federation import catalog, keys, usecheck
from workbench.federation.bundle import export_bundle, plan_bundle
from workbench.federation.federated import federated_evaluate
from workbench.federation.verify import verify_bundle
from workbench.i18n import Translator
from workbench.project import Project
from workbench.purpose import charter as ch

from . import _pg
from .gates import publish

TINY = "Ilha Pequena"


def scope_a() -> Scope:
    return Scope(holder="Rio Claro co-op, on its own computer", contact="Wednesdays at the co-op",
                 uses={"train": CHOOSES, "evaluate": CHOOSES, "publish_aggregates": ALWAYS, "share_data": CHOOSES,
                       "share_models": CHOOSES, "commercial": NEVER},
                 conditions=Conditions(expiry_months=24, stays_on_machine=False), labels=("bc_provenance",))


def scope_b() -> Scope:
    return Scope(holder="Serra Azul co-op", contact="the co-op's office",
                 uses={"train": CHOOSES, "evaluate": CHOOSES, "publish_aggregates": ALWAYS, "share_models": NEVER,
                       "commercial": CHOOSES}, conditions=Conditions(stays_on_machine=True))


def scope_c() -> Scope:
    return Scope(holder="Lagoa Verde co-op", contact="the health post",
                 uses={"train": CHOOSES, "evaluate": CHOOSES, "publish_aggregates": ALWAYS, "share_data": CHOOSES,
                       "share_models": CHOOSES, "commercial": CHOOSES},
                 conditions=Conditions(stays_on_machine=True, collaboration_required=True,
                                       benefit_sharing="Results go first to our assembly."))


def _grants(project, rows, seed: int, share_data_every: int = 2) -> None:
    """Grants from the demo's consent plan; every ``share_data_every``-th 'all' person says no to sharing data."""
    version = publish(project.store, project_scope[project.config.name](), actor="facilitator")
    rng = random.Random(seed)
    now = datetime.now(UTC)
    items = []
    for i, intent in enumerate(consent_plan(rows, seed)):
        who, choice = intent.contributor_id, intent.choice
        at = now - timedelta(days=rng.randint(20, 200))
        if choice == "no_record":
            continue
        if choice == "refuses":
            items.append((L.REFUSED_KIND, L.refuse_payload(version, who, method="paper", at=at), "facilitator"))
            continue
        answers = dict.fromkeys(version.scope.choosable(), True) if choice != "evaluate_only" else {"evaluate": True}
        if "share_data" in answers and i % share_data_every == 0:
            answers["share_data"] = False
        items.append((L.GRANTED, L.grant_payload(version, who, answers, method="paper", at=at), "facilitator"))
        if choice == "withdraws_later":
            items.append((L.WITHDRAWN_KIND, L.withdraw_payload(who, None, method="paper",
                                                               at=at + timedelta(days=5)), "facilitator"))
    project.store.append_many(items)


project_scope = {"Rio Claro": scope_a, "Serra Azul": scope_b, "Lagoa Verde": scope_c}


def make_community(root: Path, name: str, seed: int, *, n: int = 300, model: bool = False, tiny: int = 0,
                   store_url: str = _pg.SQLITE_URL) -> Path:
    from workbench.demo import curation as demo_curation

    project = Project.init(root, name, ["en", "pt-BR"], "BR", "Urgent messages first.", store_url)
    rows = generate_rows(n=n, seed=seed, contributors=80)
    if tiny:  # a neighbourhood of a few messages, all from people who permit evaluation
        plan = {c.contributor_id: c.choice for c in consent_plan(rows, seed)}
        ok = [r for r in rows if plan.get(r["contributor_id"]) in ("all", "evaluate_only") and r["text"]
              and r["label"]]
        for r in ok[:tiny]:
            r["neighbourhood"] = TINY
    raw = to_csv(rows)
    digest = hashlib.sha256(raw).hexdigest()
    (project.data_dir / f"{digest}.csv").write_bytes(raw)
    project.store.append("data.received", {"file": f"{digest}.csv", "sha256": digest, "bytes": len(raw),
                                           "rows": len(rows), "source": f"demo generator, seed {seed}"}, "facilitator")
    _grants(project, rows, seed)
    demo_curation.build(project, rows, [])
    charter = ch.Charter(
        title=f"{name}: urgent first", problem=f"{name}'s urgent messages wait behind routine ones.",
        community=f"Residents of {name}.", intended_uses=[ch.Item("Order the promoters' queue by urgency.")],
        out_of_scope=[ch.Item("Never decide who gets care."), ch.Item("Never sell the messages.")],
        groups=["neighbourhood", "language"], footprint_kwh=1.0,
        criteria=[ch.Criterion("recall", 0.5, ">=", "overall", label="urgent"),
                  ch.Criterion("accuracy", 0.4, ">=", "every_group", attribute="neighbourhood", min_group_size=2)])
    attributes, labels = ch.project_columns(project)
    ch.save_draft(project.store, charter, "draft", attributes, labels)
    ch.record_decision(project.store, 10, 9, 0, 1, "two_thirds")
    if model:
        from workbench.evaluation.card import adopt
        from workbench.evaluation.footprint import EstimateMeter
        from workbench.evaluation.inputs import charter_criteria, from_project
        from workbench.evaluation.protocol import evaluate, load_runs

        from .gates import accept_dataset, agree_adoption

        accept_dataset(project)
        doc = charter_criteria(project)
        result = evaluate(from_project(project), ["tfidf_naive_bayes"], seed=1, criteria=doc["criteria"],
                          budget_kwh=doc["footprint_kwh"], store=project.store,
                          runs_dir=project.artifacts_dir / "runs", meter=EstimateMeter("BR"), n_boot=50)
        agree_adoption(project, result.run, "tfidf_naive_bayes")
        adopt(project, load_runs(project.store)[result.run], "tfidf_naive_bayes", "a test adopts it")
    if not keys.has_keys(project.root):  # adopting a model already made it (the decision is checkpointed)
        keys.init_keys(project)
    project.close()
    return root


@cache
def communities() -> dict[str, Path]:
    """A, B, C project folders and A's and B's bundles, built once per process.

    A keeps its store in its folder's SQLite file (a test copies its folder); B and C keep theirs on
    PostgreSQL when a server is up, so bundles travel between communities on different backends.
    """
    base = Path(tempfile.mkdtemp(prefix="wb-federation-"))
    atexit.register(shutil.rmtree, base, True)
    out = {"A": make_community(base / "a", "Rio Claro", 11, model=True),
           "B": make_community(base / "b", "Serra Azul", 12, store_url=_pg.once_store_url()),
           "C": make_community(base / "c", "Lagoa Verde", 13, tiny=3, store_url=_pg.once_store_url())}
    for name in ("A", "B"):
        with Project.open(out[name]) as p:
            export_bundle(p, base / f"{name.lower()}.zip")
        out[f"{name}.zip"] = base / f"{name.lower()}.zip"
    return out


@pytest.fixture(scope="module")
def folders():
    return communities()


def _zip_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


# -- export ----------------------------------------------------------------------------------------------------
def test_a_shares_its_model_and_says_what_it_keeps(folders):
    bundle = verify_bundle(folders["A.zip"])
    assert set(bundle.parts) == {"charter.json", "scope.json", "datasheet.md", "model_card.md", "evaluation.json",
                                 "datawork.json", "model/model.skops", "model/model_info.json", "checkpoint.json"}
    # The latest signed checkpoint of A's log travels with the bundle: a witness B and C can hold A to.
    cp = json.loads(bundle.read("checkpoint.json"))
    assert cp["project_id"] == bundle.community["id"] and cp["public_key"] == bundle.manifest["signer"]["public_key"]
    scope = bundle.json("scope.json")
    assert scope["mapping"]["commercial"]["duo"][0]["shorthand"] == "NCU"
    assert scope["labels_detail"][0]["code"] == "BC P"
    with Project.open(folders["A"]) as a:
        ev = a.store.events(kinds=["federation.bundle_exported"])[-1].payload
        assert ev["model"] is True and ev["rows"] == 0
        assert {w["part"]: w["reason"] for w in ev["withheld"]}["rows"] == "federation.reason.rows_not_asked"
        sentence = plan_bundle(a).sentence(Translator("en"))
    assert sentence.startswith("This will share: the charter (version 1)")
    assert "the trained model (tfidf_naive_bayes)" in sentence
    assert "This will not share:" in sentence and "the community's rows (not asked for" in sentence
    assert "the community's private signing key (never leaves this folder)" in sentence


def test_nothing_of_the_rows_leaves_by_default_and_the_private_key_never(folders):
    text = _zip_text(folders["A.zip"])
    raw = pd.read_csv(next((folders["A"] / "data").glob("*.csv")), dtype=str, keep_default_na=False)
    for value in raw["text"][raw["text"].str.len() > 25].head(200):
        assert value not in text
    assert not any(c in text for c in raw["contributor_id"].unique() if c)
    assert not any(m in text for m in raw["message_id"].head(50))
    pem = (folders["A"] / ".workbench" / keys.PRIVATE_NAME).read_bytes()
    body = b"".join(pem.splitlines()[1:-1])
    blob = folders["A.zip"].read_bytes()
    assert body not in blob and b"PRIVATE KEY" not in blob
    with zipfile.ZipFile(folders["A.zip"]) as zf:
        assert not [n for n in zf.namelist() if ".workbench" in n or n.endswith(".pem")]
    mode = (folders["A"] / ".workbench" / keys.PRIVATE_NAME).stat().st_mode & 0o777
    assert mode == 0o600


def test_b_forbids_sharing_models(folders):
    bundle = verify_bundle(folders["B.zip"])
    assert not any(p.startswith("model/") for p in bundle.parts)
    withheld = {w["part"]: w["reason"] for w in bundle.manifest["shares"]["withheld"]}
    assert withheld["model"] == "federation.reason.scope_forbids_models"


def test_rows_only_of_people_who_permit_sharing_data(folders, tmp_path):
    from workbench.consent.ledger import ConsentLedger

    with Project.open(folders["A"]) as a:
        done = export_bundle(a, tmp_path / "with-rows.zip", include_rows=True)
        ledger = ConsentLedger.load(a.store)
        raw = pd.read_csv(next(a.data_dir.glob("*.csv")), dtype=str, keep_default_na=False)
    bundle = verify_bundle(done.path)
    shared = pd.read_csv(io.BytesIO(bundle.read("data/rows.csv")), dtype=str, keep_default_na=False)
    assert "contributor_id" not in shared.columns and len(shared) == done.plan.rows > 0
    owners = raw.set_index("message_id")["contributor_id"]
    people = set(owners.loc[shared["message_id"]])
    assert all(ledger.permits(p, "share_data") for p in people)
    refusing = {c for c in owners.unique() if c and not ledger.permits(c, "share_data")}
    assert refusing and not people & refusing  # half of the 'all' people said no: none of their rows left
    with Project.open(folders["C"]) as c:  # C's data must stay on its machine: no rows, even when asked
        keys_plan = plan_bundle(c, include_rows=True)
    assert keys_plan.rows == 0
    assert {w.what: w.reason for w in keys_plan.withheld}["rows"] == "federation.reason.stays_on_machine"


# -- catalog and use checks -------------------------------------------------------------------------------------
def test_c_imports_a_and_b_and_checks_uses(folders):
    with Project.open(folders["C"]) as c:
        a = catalog.add_to_catalog(c, folders["A.zip"])
        b = catalog.add_to_catalog(c, folders["B.zip"])
        assert a.folder.is_relative_to(c.root / "catalog") and (a.folder / "model" / "model.skops").is_file()
        assert catalog.add_to_catalog(c, folders["A.zip"]).seq == a.seq  # adding twice changes nothing
        assert len(c.store.events(kinds=["federation.catalog_added"])) == 2
        rows = {e.id: e.summary() for e in catalog.entries(c)}
        assert rows[a.id]["model"] is True and rows[b.id]["model"] is False
        assert rows[a.id]["labels"] == ["bc_provenance"] and rows[a.id]["languages"] == ["en", "pt-BR"]
        assert rows[a.id]["criteria"] and rows[a.id]["footprint_kwh"] is not None
        assert rows[a.id]["uses"]["commercial"] == "never"
        commercial = usecheck.check_entry(c, a, usecheck.OurUse(commercial=True))
        assert commercial.answer == "no" and "federation.use.ncu" in commercial.reason_keys()
        fine = usecheck.check_entry(c, a, usecheck.OurUse(commercial=False))
        assert fine.answer == "yes", fine.to_dict()
        assert usecheck.our_use(c).commercial is None  # C's own scope lets people choose about commercial use
        unsure = usecheck.check_entry(c, catalog.find(c, "rio claro"))
        assert unsure.answer == "ask" and "federation.use.commercial_unknown" in unsure.reason_keys()
        refused = usecheck.check_entry(c, b, usecheck.OurUse(commercial=False))
        assert refused.answer == "no" and "federation.use.no_model_sharing" in refused.reason_keys()
        assert "Never sell the messages." in fine.their_out_of_scope


def test_a_changed_key_for_the_same_community_is_refused(folders, tmp_path):
    copy = tmp_path / "a-copy"
    shutil.copytree(folders["A"], copy)
    (copy / ".workbench" / keys.PRIVATE_NAME).unlink()
    with Project.open(copy) as impostor:
        keys.init_keys(impostor)
        export_bundle(impostor, tmp_path / "impostor.zip")
    with Project.open(folders["C"]) as c:
        catalog.add_to_catalog(c, folders["A.zip"])
        with pytest.raises(WorkbenchError, match="signed by another key") as err:
            catalog.add_to_catalog(c, tmp_path / "impostor.zip")
        assert err.value.key == "federation.error.key_changed"


def test_own_bundle_and_a_changed_catalog_copy(folders):
    with Project.open(folders["A"]) as a, pytest.raises(WorkbenchError, match="your own community"):
        catalog.add_to_catalog(a, folders["A.zip"])
    with Project.open(folders["C"]) as c:
        entry = catalog.add_to_catalog(c, folders["B.zip"])
        target = entry.folder / "charter.json"
        original = target.read_bytes()
        try:
            target.write_bytes(original.replace(b"Serra Azul", b"Serra Azux"))
            assert entry.intact() == (False, "charter.json")
        finally:
            target.write_bytes(original)
        assert catalog.find(c, entry.id).intact() == (True, "")


# -- federated evaluation ----------------------------------------------------------------------------------------
def test_federated_evaluation_leaves_aggregates_only_and_a_imports_it(folders, tmp_path):
    with Project.open(folders["C"]) as c:
        entry = catalog.add_to_catalog(c, folders["A.zip"])
        done = federated_evaluate(c, entry.id, tmp_path / "result.zip", n_boot=50)
        raw = pd.read_csv(next(c.data_dir.glob("*.csv")), dtype=str, keep_default_na=False)
        assert c.store.events(kinds=["federation.evaluated"])[-1].payload["rows"] == done.result["rows"]
    result = done.result
    metrics = pd.DataFrame(result["metrics"])
    # A suppressed group leaves without its numbers and without its name (a rare name is itself a fact).
    assert not (metrics["group"] == TINY).any() and TINY not in _zip_text(done.path)
    hidden = metrics[(metrics["attribute"] == "neighbourhood") & metrics["n"].isna()]
    assert hidden["suppressed"].all() and hidden["value"].isna().all() and hidden["group"].isna().all()
    by_group = hidden[hidden["metric"] == "accuracy"]
    assert len(by_group) >= 2  # the tiny group and, so it cannot be worked out by subtraction, one more
    shown = metrics[metrics["n"].notna()]
    assert (shown["n"] >= 10).all()
    assert result["suppressed_groups"] >= 2 and result["rows"] >= 10
    criterion = next(x for x in result["criteria"] if x["attribute"] == "neighbourhood")
    assert criterion["min_group_size"] == 10  # A's criterion said 2: the minimum for leaving wins
    assert all(g.get("n") is None or g["n"] >= 10 for g in criterion["groups"])
    text = _zip_text(done.path)
    for value in raw["text"][raw["text"].str.len() > 25].head(300):
        assert value not in text
    assert not any(x in text for x in raw["contributor_id"].unique() if x)
    assert not any(m in text for m in raw["message_id"])
    bundle = verify_bundle(done.path)
    assert bundle.kind == "evaluation-result" and set(bundle.parts) == {"result.json"}
    with Project.open(folders["A"]) as a:
        imported = catalog.add_to_catalog(a, done.path)
        assert imported["name"] == "Lagoa Verde"
        table = catalog.evaluated_by_markdown(a, Translator("en"))
        assert "Evaluated by 1 community" in table and "| Lagoa Verde |" in table
        written = (a.artifacts_dir / "federation" / "evaluated_by.md").read_text(encoding="utf-8")
        assert "| Lagoa Verde |" in written  # in A's first language
        # A's model card now carries the table too.
        from workbench.cli import run_cli

        code, _out, err = run_cli(["card", str(folders["A"]), "--language", "en"]) if "--language" in \
            run_cli(["card", "--help"])[1] else run_cli(["card", str(folders["A"])])
        assert code == 0, err
        cards = sorted(a.artifacts_dir.rglob("card.md"), key=lambda p: p.stat().st_mtime)
        card_md = cards[-1].read_text(encoding="utf-8")
        assert "| Lagoa Verde |" in card_md
        card_html = cards[-1].with_name("card.html").read_text(encoding="utf-8")
        assert "data-evaluated-by=\"1\"" in card_html and "Lagoa Verde" in card_html
    with Project.open(folders["B"]) as b, pytest.raises(WorkbenchError, match="another community's model"):
        catalog.add_to_catalog(b, done.path)


def test_federated_evaluation_refuses_a_bundle_without_a_model(folders, tmp_path):
    with Project.open(folders["C"]) as c:
        with pytest.raises(WorkbenchError, match="does not share a model"):
            federated_evaluate(c, folders["B.zip"], tmp_path / "r.zip")
        with pytest.raises(WorkbenchError, match="minimum group size"):
            federated_evaluate(c, folders["A.zip"], tmp_path / "r.zip", min_group_size=0)
    assert not (tmp_path / "r.zip").exists()


def test_manifest_and_model_info_agree(folders):
    bundle = verify_bundle(folders["A.zip"])
    info = bundle.json("model/model_info.json")
    assert info["sha256"] == bundle.parts["model/model.skops"]["sha256"]
    assert info["trained_on_people"] > 0 and info["consent_valid_until"]
    evaluation = bundle.json("evaluation.json")
    for row in evaluation["by_group"]:
        assert row[7] is None or row[7] >= 10
    assert json.loads(bundle.read("charter.json"))["status"] == "agreed"


def test_another_communitys_name_cannot_break_the_model_card():
    from workbench.evaluation.card import _env

    cell = _env(False).filters["mdcell"]
    assert cell("<img src=x onerror=alert(1)>|x\n| y") == "&lt;img src=x onerror=alert\\(1\\)&gt;\\|x \\| y"
    assert cell("[site](javascript:alert(1))") == "\\[site\\]\\(javascript\\:alert\\(1\\)\\)"


def test_a_hostile_bundle_cannot_ask_for_ids_or_texts_as_groups(folders, tmp_path):
    """A bundle whose charter names our id, text and contributor columns as groups gets none of their values.

    Signed with A's own key (A turned hostile, or a forged copy of a trusted community's bundle).
    """
    import json as _json

    with zipfile.ZipFile(folders["A.zip"]) as zf:
        manifest = _json.loads(zf.read("manifest.json"))
        parts = {e["path"]: (e["what"], zf.read(e["path"])) for e in manifest["parts"]}
    charter = _json.loads(parts["charter.json"][1])
    wanted = ["text", "contributor_id", "message_id", "date", "label", "neighbourhood"]
    charter.setdefault("criteria", {}).setdefault("criteria", []).extend(
        {"id": f"steal-{col}", "metric": "accuracy", "threshold": 0.0, "op": ">=", "scope": "every_group",
         "attribute": col, "min_group_size": 1} for col in wanted)
    parts["charter.json"] = (parts["charter.json"][0], _json.dumps(charter).encode())
    extra = {k: v for k, v in manifest.items() if k in ("shares", "provenance")}
    from workbench.federation import _format as F

    with Project.open(folders["A"]) as a:
        hostile, _ = F.write_signed(a, tmp_path / "hostile.zip", F.KIND_COMMONS, parts, extra)
    with Project.open(folders["C"]) as c:
        done = federated_evaluate(c, hostile, tmp_path / "result.zip", n_boot=20)
        raw = pd.read_csv(next(c.data_dir.glob("*.csv")), dtype=str, keep_default_na=False)
        mapping = snapshot_mapping(c)
    result = done.result
    assert set(result["refused_group_columns"]) >= {"text", "contributor_id", "message_id"}
    assert set(result["groups"]) <= set(mapping.groups)
    declared = {str(v) for g in mapping.groups for v in raw[g].unique()} if set(mapping.groups) <= set(raw.columns) \
        else set()
    names = {m["group"] for m in result["metrics"] if m["group"] is not None and m["attribute"] != "overall"}
    assert names <= declared | {"overall"}
    text = _zip_text(done.path)
    for value in raw["text"][raw["text"].str.len() > 25]:
        assert value not in text
    assert not any(x in text for x in raw["contributor_id"].unique() if x)
    assert not any(m in text for m in raw["message_id"])


def snapshot_mapping(project):
    from workbench.curation import snapshot

    _view, ds, _inputs, _digest, _data = snapshot.compute(project, "evaluate", None)
    return ds.mapping
