"""The model card and the commons bundle show what the community decided and what came of it (issue 20):
every gate decision with its counts (an override as an override), the model's status, the concerns (only
shared words), monitoring in use and the benefits promised and delivered; never who voted how, never a
member's code."""

from __future__ import annotations

import shutil
import zipfile

import pytest

import workbench
from workbench.decisions import DecisionLog, Register, override, subjects
from workbench.evaluation import card, lifecycle
from workbench.evaluation.lifecycle import retire

UNSHARED = "The assembly was at a time I work."
SHARED = "Meus recados urgentes de Campo Verde ficaram esperando dias."
HOSTILE = "Emergency stop <script>alert('x')</script> urgent messages are missed"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from workbench.demo import build_demo

    root = tmp_path_factory.mktemp("accountability") / "demo"
    build_demo(root, n=400).close()
    return root


@pytest.fixture
def copy(demo, tmp_path):
    """A copy of the demo a test may change."""
    target = tmp_path / "demo"
    shutil.copytree(demo, target)
    return target


def _card(project, language="en", base_url=None):
    run = lifecycle.adopted_run(project.store, retired=True)  # the one rule for the adopted model (issue 23)
    ctx = card.context(project, run, run["card"]["candidate"], language, base_url=base_url)
    return ctx, card.render_markdown(ctx), card.render_html(ctx)


def test_the_card_shows_decisions_status_concerns_monitoring_and_benefits(demo):
    with workbench.open(demo) as p:
        ctx, md, html = _card(p)
        log = DecisionLog.load(p.store)
        adopted = lifecycle.adoptions(p.store)[-1]["community_decision"]
        readme = card.readme(ctx)
    assert {d.gate for d in log.decisions.values()} >= {"scope", "dataset", "adopt"}
    for d in log.decisions.values():  # each gate decision, with its counts, rule and method
        counts = f"{d.in_favour} in favour, {d.against} against, {d.abstain} abstained, of {d.present} present"
        assert counts in md and counts in html, d.id
        assert f'data-decision="{d.id}"' in html and f"`{d.id}`" in md
    assert "members' votes on their phones" in md and "counted hands in the room" in md
    assert "Rule: two thirds in favour" in html
    # The adoption's own decision is named next to the model details (before the intended use).
    assert f'data-adoption="{adopted}"' in html
    assert 0 < md.index(f"The community's decision {adopted}") < md.index("## Intended use")
    # Status: under review, because Campo Verde fell below a criterion in use and a model concern was upheld.
    assert 'data-model-status="under_review"' in html and "Under review:" in md
    assert "1 upheld concern(s) about the model since it was adopted." in md
    assert "For Campo Verde:" in md and "with enough evidence" in html
    # Concerns: counts by status and by what they are about, the responses, only the shared words.
    assert '<span data-concern-status="upheld">Upheld 1</span>' in html
    assert '<span data-concern-status="resolved">Resolved 1</span>' in html
    assert "How we work 1" in md and "The model 1" in md
    assert "The next assembly is on a Saturday morning." in md
    assert SHARED in html and SHARED in md
    for text in (md, html, readme):
        assert UNSHARED not in text
    # Where to raise one: on the workshop server, relative, said so.
    assert 'href="voila/render/concern.ipynb?lang=en"' in html and "on the workshop server" in md
    # Monitoring in use and the whole life's energy against the charter's budget.
    assert "Monitoring in use" in md and "1520 rows, 1040 kept" in md
    assert "Under review: 1 group(s) fell below a criterion with enough evidence." in html
    assert "Within the charter's budget of 0.5 kWh" in md
    # Benefits: promised vs delivered.
    assert "Promised: 1,200.00 BRL. Delivered so far: 400.00 BRL." in md
    assert 'data-benefit-status="in_progress"' in html and "nothing delivered yet" in html
    # The Hugging Face README still carries its metadata block, then the card.
    assert readme.startswith("---\n") and "model-index" in readme and "## Community decisions" in readme
    assert "[evaluation.card" not in md and "[evaluation.card" not in html


def test_the_card_speaks_the_projects_languages_and_gives_a_qr_for_a_server_address(demo):
    with workbench.open(demo) as p:
        _ctx, md, html = _card(p, "pt-BR", base_url="http://10.0.0.2:8866")
        _ctx, md_es, _html = _card(p, "es")
    assert "## Decisões da comunidade" in md and "Em revisão:" in md and "votos dos membros nos seus celulares" in md
    assert "## Decisiones de la comunidad" in md_es and "## Inquietudes" in md_es
    assert 'href="http://10.0.0.2:8866/voila/render/concern.ipynb?lang=pt-BR"' in html
    assert '<div class="wb-qr"' in html and "<svg" in html.split('<div class="wb-qr"')[1][:400]
    assert "servidor da oficina" not in md  # an address a phone can open needs no such note
    assert UNSHARED not in md and "[evaluation.card" not in md


def test_an_override_shows_as_an_override_escaped_and_the_retired_model_as_retired(copy):
    with workbench.open(copy) as p:
        d = override(p.store, "retire", subjects.for_gate(p, "retire"), HOSTILE)
        retire(p, "Stopped at once; the assembly meets on Saturday.", decision=d.id)
        _ctx, md, html = _card(p)
    assert d.status == "override"
    item = html.split(f'data-decision="{d.id}"')[1].split("</li>")[0]
    assert 'data-status="override"' in item and 'class="warn"' in item
    assert "Override by a facilitator, without the community&#39;s vote." in item
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in item
    assert "<script>" not in html
    line = next(x for x in md.splitlines() if d.id in x)
    assert "**⚠ Override by a facilitator, without the community's vote.**" in line
    assert "&lt;script&gt;" in line and "<script>" not in md
    assert 'data-model-status="retired"' in html and "Retired: the community decided" in md


def test_the_bundle_carries_the_decisions_with_the_override_flagged_and_no_member_codes(copy, tmp_path):
    from workbench.federation import keys
    from workbench.federation.bundle import export_bundle, plan_bundle
    from workbench.federation.verify import verify_bundle
    from workbench.i18n import Translator

    with workbench.open(copy) as p:
        d = override(p.store, "retire", subjects.for_gate(p, "retire"), HOSTILE)
        codes = list(Register.load(p.store).roles)
        if not keys.has_keys(p.root):
            keys.init_keys(p)
        sentence = plan_bundle(p).sentence(Translator("en"))
        out = export_bundle(p, tmp_path / "commons.zip")
    assert "the community's decisions (4, of which 1 by a facilitator's override" in sentence
    bundle = verify_bundle(out.path)  # the signed manifest carries it, and still verifies
    acc = bundle.manifest["accountability"]
    flagged = {x["id"]: x for x in acc["decisions"]}
    assert flagged[d.id]["override"] is True and flagged[d.id]["status"] == "override"
    assert flagged[d.id]["method"] == "override" and flagged[d.id]["reason"] == HOSTILE
    assert acc["overrides"] == [d.id]
    adopt = next(x for x in acc["decisions"] if x["gate"] == "adopt")
    assert adopt["override"] is False and adopt["method"] == "phones" and adopt["in_favour"] > 0
    assert all("votes" not in x for x in acc["decisions"])
    assert acc["model_status"]["state"] == "under review"
    assert acc["concerns"]["by_status"]["upheld"] == 1 and acc["concerns"]["total"] == 2
    assert [s["text"] for s in acc["concerns"]["shared"]] == [SHARED]
    assert any(r["group"] == "Campo Verde" for r in acc["monitoring"]["under_review"])
    assert acc["benefits"]["promised"] == {"BRL": 1200.0} and acc["benefits"]["delivered"] == {"BRL": 400.0}
    with zipfile.ZipFile(out.path) as zf:
        text = "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    assert codes and not [c for c in codes if c in text]  # no member's code, anywhere in the bundle
    assert UNSHARED not in text


def test_sections_with_nothing_yet_say_so(demo, sqlite_project):
    from workbench.i18n import Translator

    with workbench.open(demo) as p:
        ctx, _md, _html = _card(p)
    # The same card, with the accountability of a project where nothing was decided, raised, monitored or promised.
    ctx = {**ctx, "acc": card.accountability(sqlite_project, ctx["run"], ctx["candidate"], Translator("en"))}
    md, html = card.render_markdown(ctx), card.render_html(ctx)
    for text in (md, html):
        assert "No community decision is recorded in this project." in text
        assert "No concern has been raised." in text and "voila/render/concern.ipynb?lang=en" in text
        assert "No batch of outcomes has been added yet." in text
        assert "No benefit has been promised yet." in text
        assert "Not in use: since then the community adopted another model." in text
        assert "The community's decision d-" not in text and "[evaluation.card" not in text


def test_monitoring_numbers_leave_only_when_aggregates_may_and_never_for_small_groups(demo):
    from workbench.federation.bundle import MIN_GROUP, _suppress_rows, accountability_doc

    with workbench.open(demo) as p:
        kept = accountability_doc(p, aggregates=False)
        shared = accountability_doc(p)
    assert kept["monitoring"] == {"withheld": "federation.reason.no_aggregates"}
    assert kept["decisions"] == shared["decisions"] and kept["concerns"]["total"] == 2  # governance always travels
    assert shared["monitoring"]["latest"] and shared["monitoring"]["under_review"][0]["group"] == "Campo Verde"
    small = _suppress_rows([{"group": "x", "value": 0.5, "lo": 0.1, "hi": 0.9, "n": MIN_GROUP - 1}])[0]
    assert small["value"] is None and small["n"] is None and small["suppressed"] is True
