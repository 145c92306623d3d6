"""The outcomes app (participants, on a phone): what the community agreed, who the data represents, how each
model did for each group, what was decided and why, the model card's summary, and the votes open to phones.

``OutcomesView(project, role, language)``; controls are attributes for tests:
``language_switch`` (ToggleButtons), the sections ``charter``, ``consent``, ``representation``, ``results``,
``decisions``, ``card``, ``votes`` (HTML, empty until their stage has something; ``sections`` maps the
names of :data:`workbench.outcomes.SECTIONS` to them), ``nothing`` (shown while no section is), and the
vote form: ``vote_decision`` (Dropdown), ``vote_code`` (Text, the member's participant code),
``vote_choice`` (ToggleButtons: agree / disagree / abstain), ``vote_send`` (Button), ``vote_status``. A code
that is not a voting member's counts as a wrong try in the shared limiter (``limiter``, keyed by ``keys()``).
Facts come from :func:`workbench.outcomes.gather`; nothing here computes a result. Charts are static
SVG, drawn lazily (pandas and Altair are imported only when there is a chart to draw).
"""

from __future__ import annotations

import ipywidgets as w

from .. import apps
from ..errors import WorkbenchError
from ..text import bdi, esc
from ._base import View, app_language, refusal_text
from .icons import ICON_STYLE
from .kit import card, language_label, note

LOCAL_STYLE = """
<style>
.wb-app .wb-out ul { margin: 0.2em 0 0.4em; padding-left: 1.2em; }
.wb-app .wb-out li { margin: 0.15em 0; overflow-wrap: anywhere; }
.wb-app .wb-out h3 { font-size: 1.05em; margin: 0.6em 0 0.2em; overflow-wrap: anywhere; }
.wb-app .wb-out figure { margin: 6px 0 0; max-width: 100%; overflow: hidden; }
.wb-app .wb-out .wb-reading { margin: 0.2em 0 0.6em; }
.wb-app .wb-out summary { display: list-item; min-height: 44px; padding: 10px 0; line-height: 24px; cursor: pointer; }
.wb-app .wb-out td, .wb-app .wb-out th { overflow-wrap: anywhere; }
.wb-app .wb-pass { color: #0f4d1f; font-weight: 600; }
.wb-app .wb-fail, .wb-app .wb-failed { color: #9b1c1c; font-weight: 600; }
.wb-app .wb-not_enough_evidence { color: #5c4100; font-weight: 600; }
.wb-app .wb-thin { color: #92400e; font-weight: 600; }
.wb-app .wb-override { border-color: #9b1c1c; border-width: 2px; }
.wb-app .wb-labelled { flex-wrap: wrap; width: 100%; }
.wb-app .wb-labelled > label.widget-label { width: 100%; max-width: 100%; text-align: left; white-space: normal;
  overflow: visible; font-size: 17px; margin: 0 0 4px 0; }
.wb-app .wb-labelled > input, .wb-app .wb-labelled > select { flex: 1 1 100%; }
</style>
"""
STATUS_ICON = {"pass": "✔", "fail": "✘", "not_enough_evidence": "?", "failed": "✘"}
POLL_SECONDS = 10.0
WRONG_CODE = ("decisions.error.not_voter",)  # refusals that count as a guessed code
RESULT_KEYS = {"agreed": "agreed", "not agreed": "not_agreed", "no quorum": "no_quorum"}  # a result -> its key


def _h2(text: str, section: str) -> str:
    return f'<h2 id="wb-out-{section}">{esc(text)}</h2>'


def _items(texts) -> str:
    return "<ul>" + "".join(f"<li>{bdi(t)}</li>" for t in texts) + "</ul>"


class OutcomesView(View):
    def __init__(self, project, role: str = apps.PARTICIPANT, language: str | None = None, *, charts: bool = True):

        if role not in apps.ROLES:
            raise WorkbenchError(f"{role!r} is not a role.", f"Use one of: {', '.join(apps.ROLES)}.")
        super().__init__(app_language(project, language))
        self.project = project
        self.role = role
        self.charts = charts  # tests of the words can skip drawing
        self._chrome(ICON_STYLE, LOCAL_STYLE)
        self.language_label = self.kit.html()
        self.nothing = w.HTML()
        self.charter, self.consent, self.representation = w.HTML(), w.HTML(), w.HTML()
        self.results, self.decisions, self.card, self.votes = w.HTML(), w.HTML(), w.HTML(), w.HTML()
        self.sections = {"charter": self.charter, "consent": self.consent, "representation": self.representation,
                         "results": self.results, "decisions": self.decisions, "card": self.card,
                         "votes": self.votes}
        for name, box in self.sections.items():
            box.add_class("wb-out")
            box.add_class(f"wb-out-{name}")
        self.vote_decision = self.kit.field(w.Dropdown())
        self.vote_code = self.kit.field()
        self.vote_choice = w.ToggleButtons(options=[("", c) for c in ("agree", "disagree", "abstain")], value=None,
                                           layout=self.kit.full, style={"button_width": "auto"})
        self.vote_send = self.kit.tall("primary", height="52px", big=False)
        self.vote_status = w.HTML()
        self.vote_send.on_click(self._on_vote)
        self.vote_box = w.VBox([self.votes, self.vote_decision, self.vote_code, self.vote_choice, self.vote_send,
                                self.vote_status], layout=w.Layout(width="100%"))
        self.widget.children = [self.style, self.header, self.language_label, self.language_switch, self.nothing,
                                self.charter, self.consent, self.representation, self.results, self.decisions,
                                self.card, self.vote_box]
        from ..limits import for_project
        from .context import client_keys

        self.limiter = for_project(project.root)  # a typed code is a credential: wrong ones are counted
        self.keys = client_keys
        self.facts = None
        self._seq = None
        self._svgs: dict = {}
        self.render()

    # -- state ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the facts when the log has grown."""
        from ..outcomes import gather

        seq = self.project.store.head()[0]
        if self.facts is None or seq != self._seq:
            self.facts, self._seq, self._svgs = gather(self.project), seq, {}

    def poll(self) -> None:
        if self.project.store.head()[0] != self._seq:
            self.render()

    # -- actions ----------------------------------------------------------------------------------
    def _on_vote(self, _button=None) -> None:
        from ..outcomes import vote

        tr = self.tr
        if not self.vote_decision.value or not self.vote_choice.value:
            self.vote_status.value = note(tr("outcomes.vote.choose"))
            return
        wrong: list[WorkbenchError] = []

        def cast() -> bool:
            try:
                vote(self.project.store, self.vote_decision.value, self.vote_code.value, self.vote_choice.value)
            except WorkbenchError as exc:
                if exc.key not in WRONG_CODE:
                    raise
                wrong.append(exc)  # a guessed code: counted by the limiter
                return False
            return True

        try:
            self.limiter.attempt(self.keys(), cast)
        except WorkbenchError as exc:
            wrong.append(exc)
        if wrong:
            self.vote_status.value = note(refusal_text(tr, wrong[0]))
            return
        self.vote_code.value = ""
        self.vote_choice.value = None
        self.render()
        self.vote_status.value = note(tr("outcomes.vote.recorded"), ok=True)

    # -- rendering --------------------------------------------------------------------------------
    def render(self) -> None:
        tr = self.tr
        self.refresh()
        f = self.facts
        self.header.value = (f'<p class="wb-muted">{esc(tr("app.name"))} · {bdi(self.project.name)}</p>'
                             f'<h1>{esc(tr("app.outcomes.title"))}</h1><p>{esc(tr("outcomes.intro"))}</p>')
        self.language_label.value = language_label(tr)
        self.language_switch.tooltip = tr("welcome.language_label")
        shown = f.sections
        self.nothing.value = "" if shown else card(tr("outcomes.nothing_yet"))
        self.charter.value = self._charter(f.charter) if f.charter else ""
        self.consent.value = self._consent(f.consent) if f.consent else ""
        self.representation.value = self._representation(f.representation) if f.representation else ""
        self.results.value = self._results(f.results, f.card) if f.results else ""
        self.decisions.value = self._decisions(f.decisions) if f.decisions else ""
        self.card.value = self._card(f.card) if f.card else ""
        self._render_votes(f.open_votes)

    def _chart(self, key, build) -> str:
        """An SVG (cached for this state of the log and language) with its reading; '' when charts are off."""
        if not self.charts:
            return ""
        cache_key = (key, self.language)
        if cache_key not in self._svgs:
            from ..charts import outcomes as oc
            from ..charts.readings import reading_html

            try:
                chart, label, sentence = build(oc)
                self._svgs[cache_key] = (f'<figure role="img" aria-label="{esc(label)}">{oc.phone_svg(chart)}'
                                         f"</figure>{reading_html(sentence)}")
            except (ImportError, ValueError):  # vl-convert missing or refusing the spec: the words are the record
                self._svgs[cache_key] = f'<p class="wb-error" role="status">{esc(self.tr("error.chart_failed"))}</p>'
        return self._svgs[cache_key]

    def _charter(self, c: dict) -> str:
        tr = self.tr
        d = c["decision"]
        parts = [_h2(tr("outcomes.charter.heading"), "charter"), '<div class="wb-card">',
                 f"<h3>{bdi(c['title'])}</h3>",
                 f"<p><strong>{esc(tr('outcomes.charter.problem'))}</strong> {bdi(c['problem'])}</p>",
                 f"<p><strong>{esc(tr('outcomes.charter.community'))}</strong> {bdi(c['community'])}</p>",
                 f"<p><strong>{esc(tr('outcomes.charter.uses'))}</strong></p>{_items(c['intended_uses'])}",
                 f"<p><strong>{esc(tr('outcomes.charter.red_lines'))}</strong></p>{_items(c['out_of_scope'])}",
                 f"<p><strong>{esc(tr('outcomes.charter.criteria'))}</strong></p>",
                 "<ul>" + "".join(f"<li>{esc(cr.sentence(tr))}</li>" for cr in c["criteria"]) + "</ul>"]
        if c["footprint_kwh"] is not None:
            parts.append(f"<p>{esc(tr('outcomes.charter.budget', kwh=self._num(c['footprint_kwh'])))}</p>")
        if d:
            parts.append(f'<p class="wb-muted">{esc(self._counts("outcomes.charter.agreed", d, version=c["version"]))}</p>')
        parts.append("</div>")
        return "".join(parts)

    def _counts(self, key: str, d: dict, **extra) -> str:
        tr = self.tr
        rule = d.get("rule") or ""
        rule_text = tr(f"purpose.charter.rule.{rule}") if tr.has(f"purpose.charter.rule.{rule}") else rule
        return tr(key, present=d.get("present") or 0, in_favour=d.get("in_favour") or 0,
                  against=d.get("against") or 0, abstain=d.get("abstain") or 0, rule=rule_text, **extra)

    def _num(self, value, decimals: int | None = None) -> str:
        from ..i18n import format_number

        return format_number(value, self.language, decimals)

    def _consent(self, c: dict) -> str:
        from ..consent.uses import USES

        tr = self.tr

        def title(use: str) -> str:
            return tr(USES[use].title_key) if use in USES else use

        lines = []
        for u in c["uses"]:
            if u["never"]:
                continue
            counts = " · ".join(tr(f"outcomes.consent.count.{a}", count=self._num(u[a]))
                                for a in ("ok", "refused", "withdrawn", "expired", "no_record") if u[a])
            lines.append(f'<li data-use="{esc(u["use"])}"><strong>{esc(title(u["use"]))}</strong>: {esc(counts)}</li>')
        never = [title(u["use"]) for u in c["uses"] if u["never"]]
        parts = [_h2(tr("outcomes.consent.heading"), "consent"),
                 f"<p>{esc(tr('outcomes.consent.people', count=self._num(c['people'])))}</p>",
                 f'<ul class="wb-consent-uses">{"".join(lines)}</ul>']
        if never:
            parts.append(f"<p>{esc(tr('outcomes.consent.never', uses=', '.join(never)))}</p>")
        parts.append(self._chart(("consent",), lambda oc: (
            oc.consent_chart(oc.consent_frame(c, tr), tr), tr("outcomes.consent.heading"), oc.consent_reading(c, tr))))
        return "".join(parts)

    def _representation(self, r: dict) -> str:
        tr = self.tr
        key = "outcomes.groups.rows_consented" if r["consented"] else "outcomes.groups.rows_raw"
        parts = [_h2(tr("outcomes.groups.heading"), "representation"), f"<p>{esc(tr(key, rows=self._num(r['rows'])))}</p>"]
        for attr in r["attributes"]:
            groups = [g for g in r["groups"] if g["attribute"] == attr]
            rows = "".join(
                f'<tr data-group="{esc(g["group"] or "")}" data-thin="{str(g["thin"]).lower()}">'
                f'<td>{bdi(tr("curation.missing_value") if g["group"] is None else g["group"])}</td>'
                f'<td>{esc(self._num(g["count"]))}</td>'
                f'<td>{esc(tr("outcomes.groups.thin", size=self._num(g["min_size"])) if g["thin"] else "")}</td></tr>' for g in groups)
            parts.append(f"<h3>{bdi(attr)}</h3><table><tr><th>{esc(tr('outcomes.groups.group'))}</th>"
                         f"<th>{esc(tr('outcomes.chart.rows'))}</th><th></th></tr>{rows}</table>")
            parts.append(self._chart(("groups", attr), lambda oc, attr=attr: (
                oc.representation_chart(oc.representation_frame(r["groups"], attr, tr), attr, tr),
                tr("outcomes.groups.chart", attribute=attr), oc.representation_reading(r["groups"], attr, tr))))
        return "".join(parts)

    def _status(self, status: str) -> str:
        key = f"evaluation.status.{status}" if status != "failed" else "evaluation.ui.failed"
        return (f'<span class="wb-{esc(status)}" data-status="{esc(status)}">{STATUS_ICON.get(status, "")} '
                f"{esc(self.tr(key))}</span>")

    def _interval(self, c: dict) -> str:
        if c.get("value") is None:
            return ""
        text = self._num(c["value"], 2)
        if c.get("lo") is not None and c.get("hi") is not None:
            text = self.tr("outcomes.results.range", value=text, lo=self._num(c["lo"], 2), hi=self._num(c["hi"], 2))
        return text

    def _results(self, res: dict, card: dict | None) -> str:
        from ..evaluation.criteria import sentence

        tr = self.tr
        parts = [_h2(tr("outcomes.results.heading"), "results"), f"<p>{esc(tr('outcomes.results.intro'))}</p>"]
        # the adopted model is featured only in the results of its own run
        featured = (card or {}).get("adopted") if (card or {}).get("run") == res.get("run") else None
        featured = featured or res.get("recommended")
        ran = [c for c in res["candidates"] if c["ran"]]
        if not featured and ran:
            featured = ran[0]["key"]
        for cand in res["candidates"]:
            title = tr(f"evaluation.candidate.{cand['key']}.title")
            items = []
            for c in cand["criteria"]:
                detail = self._interval(c) if c.get("id") != "footprint" else ""
                groups = ""
                if c.get("groups"):
                    rows = "".join(f"<tr><td>{bdi(g.get('group'))}</td><td>{esc(self._interval(g))}</td>"
                                   f"<td>{esc(self._num(g.get('n') or 0))}</td><td>{self._status(g.get('status', ''))}</td></tr>"
                                   for g in c["groups"])
                    groups = (f"<details><summary>{esc(tr('outcomes.results.per_group'))}</summary><table><tr>"
                              f"<th>{esc(tr('outcomes.groups.group'))}</th><th>{esc(tr('evaluation.table.value'))}</th>"
                              f"<th>{esc(tr('outcomes.chart.rows'))}</th><th>{esc(tr('evaluation.table.result'))}</th>"
                              f"</tr>{rows}</table></details>")
                items.append(f'<li data-criterion="{esc(c.get("id", ""))}">{esc(sentence(tr, c))}<br>'
                             f'{self._status(c.get("status", ""))} {esc(detail)}{groups}</li>')
            parts.append(f'<div class="wb-card" data-candidate="{esc(cand["key"])}"><h3>{esc(title)}</h3>'
                         f'<p>{self._status(cand["status"])}</p><ul>{"".join(items)}</ul></div>')
        feat = next((c for c in res["candidates"] if c["key"] == featured), None)
        if feat is not None:
            title = tr(f"evaluation.candidate.{feat['key']}.title")
            for c in feat["criteria"]:
                if c.get("scope") in ("every_group", "gap") and c.get("groups"):
                    label = tr("outcomes.results.chart", candidate=title, criterion=sentence(tr, c))
                    parts.append(f"<h3>{esc(label)}</h3>")
                    parts.append(self._chart(("results", feat["key"], c["id"]), lambda oc, c=c, label=label: (
                        oc.groups_chart(oc.groups_frame(c, tr), c, tr), label, oc.groups_reading(c, tr))))
        return "".join(parts)

    def _decisions(self, decisions: list[dict]) -> str:
        tr = self.tr
        cards = []
        for d in decisions:
            css, body = "wb-card", []
            if d["kind"] == "charter":
                head = tr("outcomes.decisions.charter", version=d.get("version") or "")
                body.append(esc(self._counts(f"outcomes.decisions.{_result_key(d['result'])}", d)))
                if d.get("why"):
                    body.append(f"{esc(tr('outcomes.decisions.why'))} {bdi(d['why'])}")
            elif d["kind"] == "gate":
                gate = tr(f"outcomes.gate.{d['gate']}") if tr.has(f"outcomes.gate.{d['gate']}") else str(d["gate"])
                head = f"{d['title']} ({gate})"
                if d.get("override"):
                    css += " wb-override"
                    body.append(f"<strong>{esc(tr('outcomes.decisions.override'))}</strong>")
                    body.append(f"{esc(tr('outcomes.decisions.reason'))} {bdi(d.get('why') or '')}")
                else:
                    body.append(esc(self._counts(f"outcomes.decisions.{_result_key(d['result'])}", d)))
                    if d.get("why"):
                        body.append(bdi(d["why"]))
            else:
                if d.get("candidate"):
                    head = tr("outcomes.decisions.adopted", model=tr(f"evaluation.candidate.{d['candidate']}.title"))
                else:
                    head = tr("outcomes.decisions.none_adopted")
                if d.get("why"):
                    body.append(f"{esc(tr('outcomes.decisions.reason'))} {bdi(d['why'])}")
            cards.append(f'<div class="{css}" data-decision="{esc(d["kind"])}" data-result="{esc(d.get("result", ""))}">'
                         f"<h3>{bdi(head)}</h3>" + "".join(f"<p>{b}</p>" for b in body) + "</div>")
        return _h2(tr("outcomes.decisions.heading"), "decisions") + "".join(cards)

    def _card(self, c: dict) -> str:
        tr = self.tr
        parts = [_h2(tr("outcomes.card.heading"), "card"), '<div class="wb-card">']
        if c.get("adopted"):
            model = tr(f"evaluation.candidate.{c['adopted']}.title")
            parts.append(f"<p>{esc(tr('outcomes.card.model', model=model))}</p>")
            if c.get("retired"):
                parts.append(f'<p data-status="retired"><strong>{esc(tr("evaluation.card.status.retired"))}</strong></p>')
            if c.get("criteria") is not None:
                parts.append(f"<p>{esc(tr('outcomes.card.checks', passed=c['passed'], count=c['criteria']))} "
                             f"{self._status(c['status'])}</p>")
            if c.get("accuracy") is not None:
                from ..charts.readings import _pct

                parts.append(f"<p>{esc(tr('outcomes.card.accuracy', share=_pct(c['accuracy'], tr)))}</p>")
            if c.get("ms_per_1000") is not None:
                parts.append(f"<p>{esc(tr('outcomes.card.speed', ms=self._num(c['ms_per_1000'], 0)))}</p>")
        else:
            parts.append(f"<p>{esc(tr('outcomes.card.none'))}</p>")
        if c.get("reason"):
            parts.append(f"<p>{esc(tr('outcomes.decisions.reason'))} {bdi(c['reason'])}</p>")
        parts.append(f"<p>{esc(self._energy(c))}</p></div>")
        return "".join(parts)

    def _energy(self, c: dict) -> str:
        tr = self.tr
        budget, used = c.get("budget_kwh"), c.get("kwh")
        if used is None:
            used = c.get("run_kwh")
        if budget is None:
            return tr("outcomes.card.energy_no_budget", kwh=_small(used, self.language))
        if used > budget:
            return tr("outcomes.card.energy_over", kwh=_small(used, self.language), budget=self._num(budget))
        if used < budget / 10_000:
            return tr("outcomes.card.energy_tiny", budget=self._num(budget))
        from ..charts.readings import _pct

        return tr("outcomes.card.energy_share", kwh=_small(used, self.language), budget=self._num(budget),
                  share=_pct(used / budget, tr))

    def _render_votes(self, votes: list[dict]) -> None:
        tr = self.tr
        self.vote_box.layout.display = "" if votes else "none"
        if not votes:
            self.votes.value = ""
            self.vote_decision.options = []
            return
        cards = "".join(f'<div class="wb-card" data-vote="{esc(v["id"])}"><h3>{bdi(v["title"])}</h3>'
                        f"<p>{bdi(v['explain'])}</p></div>" for v in votes)
        self.votes.value = (_h2(tr("outcomes.vote.heading"), "votes") + f"<p>{esc(tr('outcomes.vote.intro'))}</p>"
                            + cards)
        current = self.vote_decision.value
        self.vote_decision.options = [(v["title"], v["id"]) for v in votes]
        ids = [v["id"] for v in votes]
        self.vote_decision.value = current if current in ids else ids[0]
        self.vote_decision.description = tr("outcomes.vote.which")
        self.vote_code.description = tr("outcomes.vote.code")
        self.vote_choice.options = [(tr(f"outcomes.vote.{c}"), c) for c in ("agree", "disagree", "abstain")]
        self.vote_choice.value = None if self.vote_choice.value not in ("agree", "disagree", "abstain") \
            else self.vote_choice.value
        self.vote_send.description = tr("outcomes.vote.send")


def _result_key(result: str) -> str:
    return RESULT_KEYS.get(result, "not_agreed")


def _small(kwh, language: str) -> str:
    """An energy in kWh readable at any size: 0.5, 0.0012, 7.1e-09."""
    from ..i18n import format_number

    if kwh is None:
        return "—"
    value = float(kwh)
    if value == 0 or value >= 0.001:
        return format_number(value, language, 3 if value < 1 else 2)
    return f"{value:.1e}"


def app():
    """The Voila entry point: ``from workbench.ui.outcomes import app; app()``."""
    from .context import open_app_project

    project, ctx = open_app_project("outcomes")
    view = OutcomesView(project, ctx.role or apps.PARTICIPANT, ctx.language)
    view.start_polling(POLL_SECONDS)
    return view
