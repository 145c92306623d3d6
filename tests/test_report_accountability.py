"""The report shows the community's decisions, the model in use, concerns, monitoring and benefits (issue 20).

Built once on the demo co-op (every gate decided, the adoption by phones, a monitoring batch that puts Campo
Verde under review, an upheld model concern with shared words, a resolved process concern with unshared
words, benefits promised and partly delivered); written with ``workbench report DIR -o FILE``.
"""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest

from workbench.cli import run_cli

UNSHARED = "The assembly was at a time I work."
SHARED = "Meus recados urgentes de Campo Verde ficaram esperando dias."


def _section(html: str, name: str) -> str:
    found = re.search(rf'<section class="part" id="{name}">(.*?)</section>', html, re.S)
    assert found, name
    return found.group(1)


def _text(fragment: str) -> str:
    """What a reader sees: tags out, entities decoded, spaces tidied."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from workbench.demo import build_demo

    root = tmp_path_factory.mktemp("acc") / "demo"
    build_demo(root).close()
    return root


@pytest.fixture(scope="module")
def report(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "report.html"
    code, stdout, err = run_cli(["report", str(demo), "-o", str(out), "--language", "en"])
    assert code == 0, err
    return out.read_text("utf-8")


def test_the_decisions_are_shown_with_their_counts_rule_and_method(report):
    part = _section(report, "decisions")
    rows = re.findall(r'<tr class="[^"]*" data-decision="([^"]+)" data-status="([^"]+)">(.*?)</tr>', part, re.S)
    seen = {_text(r[2]).split(":")[0].strip(): (r[1], _text(r[2])) for r in rows}
    assert set(seen) == {"Charter", "Consent scope", "Curated dataset", "Adopting a model"}
    assert all(status == "agreed" for status, _ in seen.values())
    assert "20 for, 1 against, 2 abstain, 23 present" in seen["Charter"][1]
    assert "Hands counted in the room" in seen["Charter"][1]
    scope = seen["Consent scope"][1]
    assert "17 for, 1 against, 1 abstain, 19 present" in scope and "two thirds in favour; quorum: 13 present" in scope
    assert "Agreed: training and evaluation each by choice" in scope  # the outcome as recorded
    adopt = seen["Adopting a model"][1]
    assert "15 for, 1 against, 1 abstain, 17 present" in adopt and "Members' phones" in adopt
    assert "Member register: 25 member(s), 2 steward(s)" in _text(part)
    assert "OVERRIDE" not in part and "data-overrides" not in part


def test_the_model_in_use_is_under_review_with_the_group_criterion_and_values(report):
    part = _section(report, "model_in_use")
    assert 'data-state="under_review"' in part
    text = _text(part)
    assert re.search(r"tfidf_naive_bayes \(evaluation [0-9a-f]{12}\), in use since \d{4}-\d\d-\d\d, is under review", text)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", part, re.S) if "Campo Verde" in r)
    assert "neighbourhood: Campo Verde" in _text(row) and "0.40 (0.29–0.52)" in _text(row) and "230" in _text(row)
    assert "The recall of “urgent” is at least 0.7 in every group of neighbourhood" in _text(row)
    assert re.search(r"Concern cn-[0-9a-f]+, upheld on \d{4}-\d\d-\d\d\. Response: Monitoring confirms it", text)
    assert SHARED not in part  # a reason's words are never shown here, shared or not


def test_concerns_show_counts_responses_and_only_shared_words(report):
    part = _section(report, "concerns")
    text = _text(part)
    assert "2 concern(s): 0 received, 0 acknowledged, 1 resolved, 1 upheld." in text
    assert re.search(r"The model 1 How we work 1", text)
    assert "The next assembly is on a Saturday morning." in text  # the response to the unshared concern
    assert SHARED in text
    assert UNSHARED not in report
    # Without a server address the report names the app's path on the workshop's server, and draws no QR.
    assert "/voila/render/concern.ipynb?lang=en" in text and "<svg" not in part


def test_monitoring_and_benefits_show_their_numbers(report):
    mon = _section(report, "monitoring")
    assert 'data-under-review="1"' in mon
    text = _text(mon)
    assert "Under review: 1 group(s) fell below a criterion with enough evidence." in text
    assert "Batch 2026-" in text and "1912 rows, 1264 kept, 648 left out, 1208 with a known outcome" in text
    assert len(re.findall(r'<tr data-status="below">', mon)) == 1
    assert "Training: " in text and "(4 candidates trained)" in text
    assert "1,912 predictions come from a model whose energy was never measured." in text
    assert re.search(r"Within the charter's budget of 0\.50 kWh \([\d.e-]+% used\)\.", text)
    ben = _text(_section(report, "benefits"))
    assert re.search(r"2 promise\(s\): 0 fully delivered, 0 overdue, as of \d{4}-\d\d-\d\d\.", ben)
    assert "Promised: 1,200.00 BRL. Delivered: 400.00 BRL." in ben
    assert "Partly delivered 1,200.00 BRL 400.00 BRL Campo Verde, Morro Alto" in ben
    assert "Nothing delivered yet" in ben


def test_no_member_code_appears_anywhere(report, demo):
    from workbench.decisions import Register
    from workbench.project import Project

    with Project.open(demo) as p:
        codes = list(Register.load(p.store).roles)
        voters = {e.actor for e in p.store.events(kinds=["decision.vote"])}
    assert len(codes) == 25 and voters <= set(codes)
    lowered = report.lower()
    assert not [c for c in codes if c.lower() in lowered]


def test_an_override_shows_escaped_and_marked_in_the_report_language(demo, tmp_path):
    from workbench.decisions import override
    from workbench.project import Project
    from workbench.runs.report import build_report

    copy = tmp_path / "demo"
    shutil.copytree(demo, copy)
    reason = '<script>alert("x")</script> The clinic closed; the old model had to stop at once.'
    with Project.open(copy) as p:
        d = override(p.store, "retire", {"hash": "a" * 64, "label": "tfidf_naive_bayes"}, reason,
                     title="Retire <b>now</b>")
    html = build_report(copy, language="es", url="http://10.0.0.2:8866/login?code=WORKSHOPSECRET")
    assert "<script" not in html and "<b>now" not in html
    part = _section(html, "decisions")
    assert 'data-overrides="1"' in part
    row = re.search(rf'<tr class="override" data-decision="{d.id}" data-status="override">(.*?)</tr>', part, re.S)
    assert row, part
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in row.group(1)
    text = _text(row.group(1))
    assert "Retirar el modelo : Retire <b>now</b>" in text
    assert f"ANULACIÓN, sin voto de la comunidad. El motivo de la persona facilitadora: {reason}" in text
    assert "Anulación de una persona facilitadora" in text  # the method column
    # The concern app's address comes from the server's join link without its workshop code, with a QR code.
    concerns = _section(html, "concerns")
    assert '<a href="http://10.0.0.2:8866/voila/render/concern.ipynb?lang=es">' in concerns
    assert concerns.count("<svg") == 1 and "WORKSHOPSECRET" not in html
    assert "Las decisiones de la comunidad" in html and "Inquietudes" in html


def test_the_cli_prints_the_concern_link_and_qr_for_the_server_it_is_given(demo, tmp_path):
    out = tmp_path / "r.html"
    code, _stdout, err = run_cli(["report", str(demo), "-o", str(out), "--language", "pt-BR",
                                  "--server", "http://192.168.1.10:8866"])
    assert code == 0, err
    part = _section(out.read_text("utf-8"), "concerns")
    assert "http://192.168.1.10:8866/voila/render/concern.ipynb?lang=pt-BR" in part and part.count("<svg") == 1
