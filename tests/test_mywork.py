"""My data work (issue 20): a worker opens their own record with their card, and sees nobody else's."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

import pytest

from workbench import apps
from workbench.benefits import worker_cards as wc
from workbench.curation import datawork
from workbench.i18n import Translator, format_number
from workbench.limits import CODE_LIMITS
from workbench.ui.curation.mywork import MyWorkView

from .consent_support import new_project

HOSTILE_TASK = '<img src=x onerror="alert(1)">\u202e'


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("HTTP_X_WORKBENCH_CLIENT", f"10.1.0.{uuid.uuid4().int % 250}")
    monkeypatch.setenv("VOILA_KERNEL_ID", f"kernel-{uuid.uuid4().hex[:8]}")
    p = new_project(tmp_path)
    s = p.store
    datawork.set_terms(s, 20, "BRL", 30)
    datawork.record(s, "labelling", "w-07", hours=2, pay=30, currency="BRL", on="2026-03-01", paid_on="2026-03-05")
    datawork.record(s, "translation", "w-07", hours=4, pay=60, currency="BRL", on="2026-11-01")  # unpaid past 30 days
    datawork.record(s, "cleaning", "w-07", items=40, pay=0, currency="BRL", on="2026-05-01")  # unpaid work
    datawork.record(s, "labelling", "w-99", hours=1, pay=777, currency="BRL", on="2026-03-02", note="not yours")
    # an entry whose task did not come through datawork.record (an imported log): shown escaped
    s.append(datawork.RECORDED, {"id": "hostile-1", "task": HOSTILE_TASK, "worker": "w-07", "hours": 1.0,
                                 "items": None, "pay": 20.0, "currency": "BRL", "date": "2026-04-01",
                                 "paid_on": "2026-04-02", "note": ""}, "facilitator")
    yield p
    p.close()


def entries(view) -> list[str]:
    return re.findall(r'data-entry="([^"]+)"', view.record.value)


def open_with(view, code):
    view.code.value = code
    view.show.click()


def test_the_card_opens_only_the_workers_own_entries(project):
    code = wc.issue(project.store, "w-07").code
    other = wc.issue(project.store, "w-99").code
    view = MyWorkView(project, "en")
    assert view.worker is None and entries(view) == []
    assert view.code in view.widget.children and view.show in view.widget.children
    open_with(view, code.lower())
    assert view.worker == "w-07" and view.code.value == ""  # the code does not stay on the screen
    html = view.record.value
    mine = {e["id"] for e in datawork.entries_of(project.store.events(prefix="datawork.")) if e["worker"] == "w-07"}
    assert set(entries(view)) == mine and len(mine) == 4
    assert "777.00" not in html and "w-99" not in html and "not yours" not in html
    assert view.code not in view.widget.children and view.forget in view.widget.children
    # totals: 4 entries, 7 hours, 40 items, 110 BRL
    tr = Translator("en")
    assert tr("mywork.totals", entries=4, hours="7.0", items="40") in html
    assert "110.00 BRL" in html
    # late and missing payments are marked
    flags = dict(re.findall(r'data-entry="([^"]+)" data-flag="(\w+)"', html))
    assert sorted(flags.values()) == ["late", "paid", "paid", "unpaid"]
    assert 'data-late="1" data-unpaid="1"' in html
    assert tr("mywork.status.late") in html and tr("mywork.status.unpaid") in html
    # the concern app, about data work, in the person's language
    assert 'href="concern.ipynb?about=datawork&amp;lang=en"' in html and tr("mywork.concern") in html
    # closing the record, then the other worker's card shows theirs alone
    view.forget.click()
    assert view.worker is None and entries(view) == [] and view.code in view.widget.children
    open_with(view, other)
    assert view.worker == "w-99" and len(entries(view)) == 1 and "777" in view.record.value


def test_a_hostile_task_text_is_escaped(project):
    view = MyWorkView(project, "en")
    open_with(view, wc.issue(project.store, "w-07").code)
    html = view.record.value
    assert "hostile-1" in entries(view)
    assert "<img" not in html and "onerror=&quot;alert(1)&quot;" in html
    assert "<bdi>&lt;img src=x" in html  # isolated: its bidi override cannot turn the sentence around it


def test_pay_per_hour_is_checked_against_the_floor(project):
    view = MyWorkView(project, "en")
    open_with(view, wc.issue(project.store, "w-07").code)
    hourly = datawork.check(project).workers.set_index("worker").loc["w-07", "hourly"]
    assert round(hourly, 2) == round(110 / 7, 2)
    html = view.record.value
    assert 'data-below="1"' in html
    assert Translator("en")("mywork.hourly_below", hourly=format_number(hourly, "en", 2), floor="20.00",
                            currency="BRL") in html
    # a floor the worker's pay reaches
    datawork.set_terms(project.store, 15, "BRL", 30)
    view.render()
    assert 'data-below="0"' in view.record.value
    assert Translator("en")("mywork.hourly_ok", hourly=format_number(hourly, "en", 2), floor="15.00",
                            currency="BRL") in view.record.value


def test_a_wrong_code_shows_nothing_and_is_counted(project):
    wc.issue(project.store, "w-07")
    view = MyWorkView(project, "pt-BR")
    tr = Translator("pt-BR")
    for typed, key in (("7K3M-9QXD-2B4F", "mywork.card.unknown"), ("w-07", "mywork.card.bad_shape"),
                       ("rio-coral-4821", "mywork.card.participant_code")):
        open_with(view, typed)
        assert view.worker is None and entries(view) == []
        assert tr(key) in view.message.value and "w-07" not in view.message.value
    too_many = tr("error.too_many_tries", minutes=1)
    for _ in range(CODE_LIMITS[0][0] - 3):
        open_with(view, "7K3M-9QXD-2B4F")
        assert too_many not in view.message.value
    good = wc.issue(project.store, "w-07", witness="facilitator").code
    open_with(view, good)  # the limiter answers before the code is looked at
    assert view.worker is None and too_many in view.message.value


def test_the_app_speaks_the_persons_language(project):
    code = wc.issue(project.store, "w-07").code
    view = MyWorkView(project, "pt-BR")
    pt, es = Translator("pt-BR"), Translator("es")
    assert view.show.description == pt("mywork.show") != Translator("en")("mywork.show")
    open_with(view, code)
    assert pt("mywork.entries_heading") in view.record.value
    assert "lang=pt-BR" in view.record.value and "30,00 BRL" in view.record.value
    view.language_switch.value = "es"
    assert view.worker == "w-07" and es("mywork.entries_heading") in view.record.value
    assert "lang=es" in view.record.value and view.forget.description == es("mywork.forget")


def test_no_record_yet_and_no_floor_yet(tmp_path, monkeypatch):
    monkeypatch.setenv("VOILA_KERNEL_ID", f"kernel-{uuid.uuid4().hex[:8]}")
    p = new_project(tmp_path, "empty")
    try:
        view = MyWorkView(p, "en")
        open_with(view, wc.issue(p.store, "w-01").code)
        assert view.worker == "w-01" and Translator("en")("mywork.none") in view.record.value
        datawork.record(p.store, "labelling", "w-01", hours=1, pay=10, currency="BRL", on="2026-03-01")
        view.render()
        assert Translator("en")("mywork.no_floor") in view.record.value
    finally:
        p.close()


def test_registered_as_a_participant_app_that_imports_little():
    app = apps.by_key("mywork")
    assert app.notebook == "mywork.ipynb" and set(app.roles) == {apps.PARTICIPANT, apps.FACILITATOR}
    assert app.stage == "curation"
    code = "import sys, workbench.ui.curation.mywork; print(sorted(m for m in ('pandas', 'altair', 'sklearn') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
