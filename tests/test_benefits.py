"""The benefits ledger (issue 20): promises, deliveries, overdue, refusals, the summary's arithmetic, the CLI;
and data-worker cards (issue, verify, reissue revokes, wrong codes refused and counted)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from workbench.benefits import BenefitsLedger, card_summary, deliver, promise, summary, withdraw
from workbench.benefits import worker_cards as wc
from workbench.cli import run_cli
from workbench.consent import cards
from workbench.curation import datawork
from workbench.errors import WorkbenchError
from workbench.i18n import catalog
from workbench.limits import CODE_LIMITS, Limiter, TooManyTries

from .consent_support import new_project


@pytest.fixture
def store(tmp_path, backend_url):
    p = new_project(tmp_path, store_url=backend_url)
    yield p.store
    p.close()


def money(store, amount="500", due="2026-03-01", groups="fishers, weavers", **kw):
    return promise(store, "Training days paid to the groups", "money", amount=amount, currency="BRL",
                   to_groups=groups, due=due, **kw).payload["id"]


def refused(store, key: str, fn, *args, **kwargs) -> WorkbenchError:
    before = store.count()
    with pytest.raises(WorkbenchError) as err:
        fn(store, *args, **kwargs)
    assert err.value.key == key, (err.value.key, err.value.sentence)
    sentence = err.value.sentence
    assert "\n" not in sentence and sentence.endswith("."), sentence
    assert all(key in catalog(lang) for lang in ("en", "pt-BR", "es")), key
    assert store.count() == before, "a refusal wrote something"
    return err.value


# -- promises and deliveries ----------------------------------------------------------------------
def test_a_promise_is_recorded_with_its_groups_and_source(store):
    ev = promise(store, "Access to the model for the co-op", "access", to_groups=["weavers", " weavers", "fishers"],
                 source="scope", source_ref="scope v3 1a2b3c")
    p = ev.payload
    assert ev.kind == "benefit.promised" and p["id"].startswith("bp-")
    assert p["to_groups"] == ["weavers", "fishers"] and p["amount"] is None and p["currency"] is None
    assert p["source"] == "scope" and p["source_ref"] == "scope v3 1a2b3c" and p["due"] is None
    led = BenefitsLedger.load(store)
    assert led.get(p["id"]).kind == "access" and not led.get(p["id"]).fully_delivered


def test_deliveries_sum_per_currency_and_overdue_follows_the_due_date(store):
    pid = money(store, amount="500")
    deliver(store, pid, "First training day", amount="0.1", on="2026-02-01", to_groups="fishers")
    deliver(store, pid, "Second", amount="0.2", currency="brl", on="2026-02-10")  # the promise's groups
    s = summary(store, today="2026-04-01")
    row = s["promises"][0]
    assert row["promised"] == {"BRL": 500.0} and row["delivered"] == {"BRL": 0.3}  # decimals: not 0.30000000000000004
    assert row["deliveries"] == 2 and row["last_delivery"] == "2026-02-10"
    assert row["overdue"] and row["status"] == "overdue"
    assert row["groups_reached"] == ["fishers", "weavers"] and row["groups_waiting"] == []
    # before the due date it is in progress, not overdue
    early = summary(store, today="2026-02-15")["promises"][0]
    assert not early["overdue"] and early["status"] == "in_progress"
    deliver(store, pid, "The rest", amount="499.7", on="2026-03-20", to_groups=["weavers"])
    done = summary(store, today="2026-04-01")
    assert done["promises"][0]["status"] == "delivered" and not done["promises"][0]["overdue"]
    assert done["totals"]["delivered"] == {"BRL": 500.0} and done["totals"]["delivered_fully"] == 1


def test_totals_add_live_promises_per_currency_and_leave_withdrawn_ones_out(store):
    a = money(store, amount="500", due="2026-01-01")
    b = promise(store, "Seed fund", "money", amount="120.50", currency="USD", to_groups="youth").payload["id"]
    c = money(store, amount="1000", groups="elders")
    svc = promise(store, "Workshop on the results", "service", to_groups="elders", due="2026-05-01").payload["id"]
    deliver(store, a, "Paid", amount="200", on="2026-01-10")
    deliver(store, b, "Paid in full", amount="120.5", on="2026-02-10", evidence_ref="receipt 17")
    withdraw(store, c, "Recorded twice by mistake")
    s = summary(store, today="2026-06-01")
    t = s["totals"]
    assert t["promises"] == 3 and t["withdrawn"] == 1 and t["deliveries"] == 2
    assert t["promised"] == {"BRL": 500.0, "USD": 120.5} and t["delivered"] == {"BRL": 200.0, "USD": 120.5}
    assert t["overdue"] == 2  # a (200 of 500 BRL) and the workshop (nothing delivered); b is done
    assert t["delivered_fully"] == 1 and t["groups_reached"] == ["fishers", "weavers", "youth"]
    by_id = {r["id"]: r for r in s["promises"]}
    assert by_id[c]["status"] == "withdrawn" and not by_id[c]["overdue"]
    assert by_id[svc]["status"] == "overdue" and by_id[svc]["groups_waiting"] == ["elders"]
    # a service is delivered by a delivery without an amount
    deliver(store, svc, "Workshop held in the school", on="2026-05-20")
    assert summary(store, today="2026-06-01")["totals"]["overdue"] == 1
    events = store.events(kinds=["benefit.withdrawn"])
    assert len(events) == 1 and BenefitsLedger.load(store).get(c).withdrawn  # stays in the log


def test_card_summary_is_small_and_matches_the_summary(store):
    a = money(store, amount="300", due="2026-01-01")
    deliver(store, a, "Paid", amount="300", on="2026-01-02")
    for i in range(14):
        promise(store, f"Access {i}", "access", to_groups="weavers")
    card = card_summary(store, today="2026-06-01")
    assert card["promises"] == 15 and card["delivered_fully"] == 1 and card["overdue"] == 0
    assert card["promised"] == {"BRL": 300.0} and card["delivered"] == {"BRL": 300.0}
    assert len(card["items"]) == 12 and card["more"] == 3 and card["items"][0]["status"] == "delivered"
    assert set(card["items"][0]) == {"what", "kind", "source", "due", "status", "promised", "delivered",
                                     "groups_reached"}
    assert len(json.dumps(card)) < 4000


# -- refusals -------------------------------------------------------------------------------------
def test_promise_refusals(store):
    refused(store, "benefits.error.negative", promise, "Fund", "money", amount="-5", currency="BRL", to_groups="a")
    refused(store, "benefits.error.amount", promise, "Fund", "money", amount="lots", currency="BRL", to_groups="a")
    refused(store, "benefits.error.amount", promise, "Fund", "money", amount="nan", currency="BRL", to_groups="a")
    refused(store, "benefits.error.no_currency", promise, "Fund", "money", amount="5", to_groups="a")
    refused(store, "curation.work.error.currency", promise, "Fund", "money", amount="5", currency="R$",
            to_groups="a")
    refused(store, "curation.work.error.currency", promise, "Fund", "money", amount="5", currency="DEM",
            to_groups="a")
    refused(store, "benefits.error.kind", promise, "Fund", "gift", to_groups="a")
    refused(store, "benefits.error.source", promise, "Fund", "money", to_groups="a", source="rumour")
    refused(store, "benefits.error.no_what", promise, "  ", "money", to_groups="a")
    refused(store, "error.text_too_long", promise, "x" * 301, "money", to_groups="a")
    refused(store, "error.control_char", promise, "Fund\u202e", "money", to_groups="a")
    refused(store, "benefits.error.no_groups", promise, "Fund", "money", to_groups=" , ")
    refused(store, "curation.work.error.date", promise, "Fund", "money", to_groups="a", due="next spring")


@pytest.mark.parametrize("group", ["ana@example.org", "@ana", "+55 21 99999-1234", "(021) 3333 4444",
                                   "5521999991234"])
def test_groups_that_look_like_a_persons_contact_are_refused(store, group):
    e = refused(store, "benefits.error.group", promise, "Fund", "money", to_groups=["weavers", group])
    assert "looks like a person's contact" in e.sentence


@pytest.mark.parametrize("group", ["weavers", "2026 cohort", "fishers of the north shore", "grupo 12",
                                   "mulheres-da-feira"])
def test_group_labels_are_accepted(store, group):
    assert promise(store, "Fund", "other", to_groups=[group]).payload["to_groups"] == [group]


def test_delivery_refusals(store):
    pid = money(store)
    refused(store, "benefits.error.unknown_promise", deliver, "bp-00000000", "Paid", on="2026-01-01")
    refused(store, "benefits.error.other_currency", deliver, pid, "Paid", amount="10", currency="USD",
            on="2026-01-01")
    refused(store, "benefits.error.negative", deliver, pid, "Paid", amount="-10", on="2026-01-01")
    tomorrow = (datawork.latest_today() + timedelta(days=1)).isoformat()
    e = refused(store, "benefits.error.future", deliver, pid, "Paid", amount="10", on=tomorrow)
    assert e.params == {"value": tomorrow}
    refused(store, "benefits.error.group", deliver, pid, "Paid", on="2026-01-01", to_groups="ana@example.org")
    refused(store, "benefits.error.no_what", deliver, pid, "", on="2026-01-01")
    svc = promise(store, "Workshop", "service", to_groups="elders").payload["id"]
    refused(store, "benefits.error.no_currency", deliver, svc, "Paid the hall", amount="30", on="2026-01-01")
    withdraw(store, pid, "A mistake")
    refused(store, "benefits.error.withdrawn", deliver, pid, "Paid", amount="10", on="2026-01-01")
    refused(store, "benefits.error.withdrawn", withdraw, pid, "Again")
    refused(store, "benefits.error.no_reason", withdraw, svc, " ")
    refused(store, "benefits.error.unknown_promise", withdraw, "bp-nope", "why")


# -- the CLI --------------------------------------------------------------------------------------
def test_cli_promise_deliver_list(tmp_path):
    p = new_project(tmp_path)
    root = str(p.root)
    p.close()
    code, out, err = run_cli(["benefits", "promise", root, "--what", "Training days", "--kind", "money",
                              "--amount", "500", "--currency", "BRL", "--groups", "fishers,weavers",
                              "--due", "2026-03-01"])
    assert code == 0 and err == "", err
    pid = out.split()[-1].rstrip(".")
    assert pid.startswith("bp-")
    code, out, err = run_cli(["benefits", "deliver", root, pid, "--what", "Day one", "--amount", "200",
                              "--date", "2026-02-01", "--groups", "fishers", "--evidence", "minutes 2026-02-01"])
    assert code == 0 and pid in out, err
    code, out, err = run_cli(["benefits", "deliver", root, pid, "--what", "x", "--amount", "5", "--currency", "USD",
                              "--date", "2026-02-01"])
    assert code == 2 and out == "" and err.count("\n") == 1 and "in USD but the promise is in BRL" in err
    code, out, err = run_cli(["benefits", "promise", root, "--what", "x", "--kind", "money", "--groups",
                              "maria@example.org"])
    assert code == 2 and "looks like a person's contact" in err
    # a terminal escape in a promise is refused, and the refusal does not carry it to the terminal
    code, out, err = run_cli(["benefits", "promise", root, "--what", "Access \x1b[2J for all", "--kind", "access",
                              "--groups", "g"])
    assert code == 2 and "control character" in err and "\x1b" not in err
    run_cli(["benefits", "promise", root, "--what", "Access | for all", "--kind", "access", "--groups", "g"])
    code, out, err = run_cli(["benefits", "list", root])
    assert code == 0 and "\x1b" not in out
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["id", "what", "kind", "due"]
    row = next(line for line in lines if line.startswith(pid))
    assert "500.00 BRL" in row and "200.00 BRL" in row and "overdue" in row and "fishers" in row
    assert "2 promise(s)" in out and "1 overdue" in out
    code, out, _ = run_cli(["benefits", "list", root, "--json"])
    assert code == 0 and json.loads(out)["totals"]["delivered"] == {"BRL": 200.0}
    code, out, err = run_cli(["benefits", "withdraw", root, pid, "--reason", "A mistake"])
    assert code == 0 and "stays in the log" in out
    assert json.loads(run_cli(["benefits", "list", root, "--json"])[1])["totals"]["withdrawn"] == 1


# -- data-worker cards ----------------------------------------------------------------------------
def test_a_worker_card_is_issued_once_and_the_log_keeps_only_its_digest(store):
    issued = wc.issue(store, "w-07")
    assert cards.normalise(issued.code) is not None and cards.CODE_CHARS * 5 >= 60
    logged = json.dumps([e.payload for e in store.events()])
    assert issued.code not in logged and issued.code.replace("-", "") not in logged
    ev = store.events(kinds=[wc.ISSUED])[-1]
    assert ev.payload["worker"] == "w-07" and ev.payload["code_digest"] == cards.code_digest(issued.code)
    assert ev.payload["digest"] == cards.DIGEST_METHOD and ev.payload["reason"] == "first"
    assert issued.code not in repr(issued)
    assert wc.verify_worker_card(store, issued.code.lower().replace("-", " ")) == "w-07"
    # a contributor card's code is no worker card, and the other way round
    contributor = cards.issue(store, "c-0001")
    with pytest.raises(WorkbenchError) as err:
        wc.verify_worker_card(store, contributor.code)
    assert err.value.key == "mywork.card.unknown"
    assert cards.verify(store, issued.code) is None
    # entries are untouched by card events
    datawork.record(store, "labelling", "w-07", hours=2, pay=40, currency="BRL", on="2026-03-01")
    assert [e["worker"] for e in datawork.entries_of(store.events(prefix="datawork."))] == ["w-07"]


def test_reissue_needs_a_witness_and_revokes_the_old_card(store):
    first = wc.issue(store, "w-07")
    refused(store, "mywork.card.reissue_needs_witness", wc.issue, "w-07")
    second = wc.issue(store, "w-07", witness="facilitator-2")
    assert second.card.replaces == first.card.card_id and second.card.reason == "reissue"
    reg = wc.WorkerCardRegister.load(store)
    assert reg.live("w-07").card_id == second.card.card_id and reg.cards[first.card.card_id].revoked
    assert reg.holders == ["w-07"]
    with pytest.raises(WorkbenchError) as err:
        wc.verify_worker_card(store, first.code)
    assert err.value.key == "mywork.card.unknown"
    assert wc.verify_worker_card(store, second.code) == "w-07"
    wc.revoke(store, "w-07", witness="facilitator-2")
    assert wc.verify(store, second.code) is None
    refused(store, "mywork.card.none_to_revoke", wc.revoke, "w-07")
    refused(store, "curation.work.error.worker", wc.issue, "Maria Silva")


@pytest.mark.parametrize(("typed", "key"), [("", "mywork.card.bad_shape"), ("w-07", "mywork.card.bad_shape"),
                                            ("rio-coral-4821", "mywork.card.participant_code"),
                                            ("7K3M-9QXD-2B4F", "mywork.card.unknown"),
                                            ("7K3M\x00-9QXD-2B4F", "mywork.card.bad_shape")])
def test_wrong_codes_are_refused_in_one_sentence_and_counted(store, tmp_path, typed, key):
    wc.issue(store, "w-07")
    limiter = Limiter(None, tmp_path / "limits.db")
    with pytest.raises(WorkbenchError) as err:
        wc.verify_worker_card(store, typed, limiter=limiter, keys=["addr:10.0.0.9"])
    assert err.value.key == key and "\n" not in err.value.sentence
    assert all(key in catalog(lang) for lang in ("en", "pt-BR", "es"))
    assert limiter._connect().execute("SELECT count(*) FROM tries WHERE key='addr:10.0.0.9'").fetchone()[0] == 1


def test_too_many_wrong_codes_lock_even_the_right_one(store, tmp_path):
    good = wc.issue(store, "w-07").code
    limiter = Limiter(None, tmp_path / "limits.db")
    keys = ["addr:10.0.0.9", "kernel:k1"]
    for _ in range(CODE_LIMITS[0][0]):
        with pytest.raises(WorkbenchError) as err:
            wc.verify_worker_card(store, cards.new_code(), limiter=limiter, keys=keys)
        assert err.value.key == "mywork.card.unknown"
    with pytest.raises(TooManyTries):
        wc.verify_worker_card(store, good, limiter=limiter, keys=keys)
    assert wc.verify_worker_card(store, good, limiter=limiter, keys=["addr:10.0.0.10"]) == "w-07"


def test_cli_worker_card_prints_the_code_once(tmp_path):
    p = new_project(tmp_path)
    root = str(p.root)
    p.close()
    code, out, err = run_cli(["benefits", "worker-card", root, "w-07"])
    assert code == 0, err
    typed = next(line.strip() for line in out.splitlines() if cards.normalise(line.strip()))
    import workbench

    with workbench.open(root) as project:
        assert wc.verify_worker_card(project.store, typed) == "w-07"
        assert typed not in json.dumps([e.payload for e in project.store.events()])
    code, out, err = run_cli(["benefits", "worker-card", root, "w-07"])
    assert code == 2 and "already has a worker card" in err
    code, out, err = run_cli(["benefits", "worker-card", root, "w-07", "--witness", "facilitator-2"])
    assert code == 0 and "replaces the old one" in out
    with workbench.open(root) as project, pytest.raises(WorkbenchError):
        wc.verify_worker_card(project.store, typed)
