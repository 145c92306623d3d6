"""What a data-work entry must be (issue 10): one day's work (more than zero and at most 24 hours, or whole
items), pay written (0 = unpaid), no date or payment in the future, a currency in use. Each refusal is one
sentence with a catalog key and writes nothing; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from workbench.curation import datawork
from workbench.errors import WorkbenchError
from workbench.i18n import catalog

from .consent_support import new_project

GOOD = {"task": "labelling", "worker": "w-07", "hours": "2", "items": None, "pay": "50", "currency": "BRL",
        "on": "2026-03-10", "paid_on": None}


@pytest.fixture
def store(tmp_path, backend_url):
    p = new_project(tmp_path, store_url=backend_url)
    yield p.store
    p.close()


def record(store, **changes):
    args = GOOD | changes
    return datawork.record(store, args.pop("task"), args.pop("worker"), **args)


def refused(store, key: str, words: str, **changes) -> WorkbenchError:
    before = store.count()
    with pytest.raises(WorkbenchError) as err:
        record(store, **changes)
    assert err.value.key == key, err.value.key
    assert words in err.value.sentence and "\n" not in err.value.sentence
    assert key in catalog("en") and key in catalog("pt-BR") and key in catalog("es")
    assert store.count() == before, "a refused entry wrote something"
    assert store.verify().ok
    return err.value


def test_latest_today_is_the_day_somewhere_on_earth():
    now = datetime.now(UTC)
    assert now.date() <= datawork.latest_today() <= (now + timedelta(days=1)).date()
    assert date.today() <= datawork.latest_today()


def test_dates_in_the_future_are_refused_today_is_not(store):
    tomorrow_everywhere = (datawork.latest_today() + timedelta(days=1)).isoformat()
    e = refused(store, "curation.work.error.future", f"The date {tomorrow_everywhere} is in the future",
                on=tomorrow_everywhere)
    assert e.params == {"value": tomorrow_everywhere}
    refused(store, "curation.work.error.future", "is in the future", on=date(2999, 1, 1))
    refused(store, "curation.work.error.paid_future", "The payment date", paid_on=tomorrow_everywhere)
    today = date.today()
    ev = record(store, on=today, paid_on=today)
    assert ev.payload["date"] == ev.payload["paid_on"] == today.isoformat()


def test_a_payment_in_the_future_cannot_be_marked(store):
    entry = record(store).payload["id"]
    before = store.count()
    later = datawork.latest_today() + timedelta(days=3)
    with pytest.raises(WorkbenchError) as err:
        datawork.mark_paid(store, entry, later)
    assert err.value.key == "curation.work.error.paid_future" and store.count() == before
    datawork.mark_paid(store, entry, "2026-03-20")
    assert datawork.entries_of(store.events(prefix="datawork."))[0]["paid_on"] == "2026-03-20"


@pytest.mark.parametrize("hours,ok", [("24", True), ("23.75", True), ("24.01", False), ("25", False),
                                      ("744", False), ("100000", False)])
def test_an_entry_is_one_day_at_most_24_hours(store, hours, ok):
    if ok:
        assert record(store, hours=hours).payload["hours"] == float(hours)
    else:
        refused(store, "curation.work.error.hours", "more than one day has", hours=hours)


def test_zero_and_negative_amounts(store):
    refused(store, "curation.work.error.amount", "Record the hours worked or the number of items", hours="0")
    refused(store, "curation.work.error.amount", "Record the hours", hours="0", items="0")
    refused(store, "curation.work.error.number", "must be zero or more", hours="-1")
    refused(store, "curation.work.error.number", "must be zero or more", hours=None, items="-4")
    refused(store, "curation.work.error.items", "is not a whole number of items", hours=None, items="2.5")
    by_items = record(store, hours="0", items="40").payload  # zero hours counts as not given
    assert by_items["hours"] is None and by_items["items"] == 40


def test_pay_must_be_written_zero_is_unpaid_work(store, tmp_path):
    for empty in ("", "   ", None):
        refused(store, "curation.work.error.no_pay", "The pay is missing", pay=empty)
    refused(store, "curation.work.error.number", "must be zero or more", pay="-0.01")
    refused(store, "curation.work.error.number", "is not a number", pay="fifty")
    volunteer = record(store, worker="w-08", pay="0").payload
    assert volunteer["pay"] == 0.0


def test_pay_zero_is_flagged_by_the_checks(tmp_path):
    p = new_project(tmp_path)
    datawork.set_terms(p.store, 25, "BRL")
    record(p.store, worker="w-08", pay="0")
    c = datawork.check(p, today=date(2026, 6, 30))
    assert c.summary["unpaid_entries"] == 1 and c.workers.set_index("worker").loc["w-08", "unpaid_entries"] == 1
    p.close()


@pytest.mark.parametrize("code", ["XYZ", "ABC", "XXX", "XTS", "DEM", "R$", "BR", "BRLL", "=1+", ""])
def test_currencies_not_in_use_are_refused(store, code):
    refused(store, "curation.work.error.currency", "is not a currency code", currency=code)


@pytest.mark.parametrize("code", ["BRL", "brl", " ARS ", "MXN", "CLP", "COP", "PEN", "USD", "EUR", "XOF"])
def test_currencies_in_use_are_accepted(store, code):
    assert record(store, currency=code).payload["currency"] == code.strip().upper()


def test_a_currency_counts_on_the_day_of_the_work(store):
    assert record(store, currency="DEM", on="1998-06-01").payload["currency"] == "DEM"  # before the euro
    refused(store, "curation.work.error.currency", "is not a currency code in use", currency="DEM",
            on="2026-03-10")


def test_the_floor_needs_a_currency_in_use(store):
    before = store.count()
    with pytest.raises(WorkbenchError) as err:
        datawork.set_terms(store, 25, "ZZZ")
    assert err.value.key == "curation.work.error.currency" and store.count() == before
    assert datawork.set_terms(store, 25, "eur").payload["currency"] == "EUR"


def test_refusals_in_the_app_write_nothing_and_say_the_sentence(tmp_path):
    from workbench.ui.curation.datawork import DataWorkView

    p = new_project(tmp_path)
    view = DataWorkView(p, "facilitator", "pt-BR", charts=False)
    before = p.store.count()
    view.work_worker.value, view.work_hours.value, view.work_pay.value = "w-07", "2", "40"
    view.work_currency.value = "BRL"
    view.work_date.value = datawork.latest_today() + timedelta(days=2)
    view.work_add.click()
    assert "wb-error" in view.status.value and "está no futuro" in view.status.value
    view.work_date.value, view.work_hours.value = date(2026, 3, 10), "30"
    view.work_add.click()
    assert "mais do que um dia tem" in view.status.value
    view.work_hours.value, view.work_pay.value = "8", ""
    view.work_add.click()
    assert "Falta o pagamento" in view.status.value
    view.work_pay.value, view.work_currency.value = "40", "XYZ"
    view.work_add.click()
    assert "não é um código de moeda" in view.status.value
    assert p.store.count() == before and p.store.verify().ok
    view.work_currency.value = "BRL"
    view.work_add.click()
    assert "wb-ok" in view.status.value and p.store.count() == before + 1
    p.close()
