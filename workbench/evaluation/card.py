"""The model card: Markdown, HTML and the Hugging Face metadata block, linked by hash to what made it.

Sections follow *Model Cards for Model Reporting* (Mitchell et al., 2019):
model details, intended use, factors, metrics, evaluation data, training data,
quantitative analyses, ethical considerations, caveats and recommendations;
then the workbench's own: the criteria table, the footprint, the community's
labels, the decision, consent drift, and the hashes of the charter version,
consent scope version, datasheet and snapshots; and what the community decided
and saw since (:func:`accountability`): the adoption's own decision next to
the model details, the model's status (in use, under review and why, retired),
every gate decision with its counts, rule and method (an override marked as
one, with its reason), the concerns (counts, responses, only the words their
authors chose to share, and where to raise one), monitoring in use with the
whole life's energy against the budget, and the benefits promised and delivered.
Headings and fixed sentences
come from the message catalogs (the project's first language by default);
anything not known reads as a visible placeholder, never as nothing.

:func:`adopt` records the community's decision, copies the chosen model from
its run folder to ``artifacts/models/<run>-<candidate>/`` with ``card.md``,
``card.html`` and ``README.md`` (metadata block + card, the Hugging Face
layout), writes ``artifacts/model_card.md``/``.html``, and logs
``modelcard.written`` (which marks the stage done).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from ..errors import WorkbenchError
from ..i18n import Translator
from ..text import md_text
from . import candidates as cands
from .artifacts import sha256_file, write_atomic
from .choose import record_decision
from .criteria import PASS, candidate_status
from .criteria import sentence as criterion_sentence
from .metrics import OVERALL

TEMPLATES = Path(__file__).parent / "templates"
WRITTEN = "modelcard.written"
HF_TASK = {"type": "text-classification", "name": "Text classification"}


@dataclass
class CardData:
    """The Hugging Face metadata block (``model-index`` results and ``co2_eq_emissions``)."""

    model_name: str
    language: list[str]
    dataset_name: str
    metrics: list[dict] = field(default_factory=list)  # {type, value, name}
    co2_grams: float | None = None
    training_seconds: float | None = None
    location: str = ""
    hardware: str = ""
    estimated: bool = True
    tags: list[str] = field(default_factory=list)
    text: bool = True

    def to_dict(self) -> dict:
        task = HF_TASK if self.text else {"type": "tabular-classification", "name": "Tabular classification"}
        out = {"language": [x.split("-")[0] for x in self.language], "library_name": "sklearn",
               "tags": ["commons-workbench", "sklearn", *self.tags],
               "model-index": [{"name": self.model_name, "results": [{
                   "task": task, "dataset": {"name": self.dataset_name, "type": "community-curated"},
                   "metrics": self.metrics}]}]}
        if self.co2_grams is not None:
            out["co2_eq_emissions"] = {"emissions": round(self.co2_grams, 6), "source": "codecarbon" if not
                                       self.hardware.startswith("CPU time") else "estimate",
                                       "training_type": "fine-tuning" if "embeddings" in self.model_name else
                                       "pre-training", "geographical_location": self.location,
                                       "hardware_used": self.hardware or "CPU"}
        return out

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


@cache
def _env(autoescape: bool):
    import jinja2

    class Visible(jinja2.Undefined):  # an unknown field shows as a placeholder, not as nothing
        def __str__(self):
            return f"[{self._undefined_name or '?'}]"

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=autoescape,
                             undefined=Visible, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = _num
    # People's words (the charter, a decision's reason, another community's name) in Markdown: one line,
    # no HTML, no cell break, no link or image (workbench.text.md_text).
    env.filters["mdcell"] = md_text
    env.filters["md"] = md_text
    env.filters["sci"] = lambda v: "—" if v is None else f"{float(v):.2e}"
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * float(v):.1f}%"
    return env


def _num(value, digits: int = 3) -> str:
    if value is None:
        return "—"
    v = float(value)
    if v != v:
        return "—"
    if v != 0 and abs(v) < 10 ** -digits:
        return f"{v:.2e}"
    text = f"{v:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # never "-0.000"


def _end(value):
    """An interval end as recorded, clipped to [0, 1] (every card metric lies there; runs recorded before the
    metrics clipped their ends may hold -1e-17)."""
    return None if value is None else min(1.0, max(0.0, float(value)))


# -- the split, the intervals, the columns, the small groups: said as the run recorded them ---------------
_SPLIT_KEYS = {"StratifiedGroupKFold", "GroupKFold", "GroupShuffleSplit", "StratifiedKFold", "KFold"}


def split_sentence(tr, started: dict, quote=str) -> str:
    """How the rows were split, from the run's own record (``plan.split``); a run recorded before that field
    says what it recorded (method, folds) and that it did not record how the folds were made."""
    plan = started.get("plan") or {}
    sp = plan.get("split") or {}
    share = round(100 * float(sp.get("test_size") or plan.get("test_size") or 0.25))
    method = plan.get("method", "given")
    if not sp:
        if method == "given":
            return tr("evaluation.card.plan.given")
        return tr(f"evaluation.card.split.unrecorded.{method}", folds=plan.get("folds", 5), share=share)
    name = sp.get("splitter")
    params = {"folds": sp.get("folds") or plan.get("folds", 5), "share": share, "column": quote(sp.get("grouped_by") or ""),
              "people": sp.get("groups") or 0, "rows": sp.get("held_out") or 0}
    if name == "given":
        return tr("evaluation.card.plan.given")
    if name in _SPLIT_KEYS:
        return tr(f"evaluation.card.split.{name}", **params)
    return tr("evaluation.card.split.holdout" if sp.get("stratified") else "evaluation.card.split.holdout_plain",
              **params)


def interval_sentence(tr, started: dict) -> str:
    """The interval method, named with the run's own figures (replicates, level, seed)."""
    boot = int(started.get("n_boot", 1000) or 0)
    if not boot:
        return tr("evaluation.card.interval_none")
    level = round(100 * float(started.get("level") or 0.95))
    return tr("evaluation.card.interval_method", level=level, boot=boot, seed=(started.get("plan") or {}).get("seed", 0))


def columns(tr, started: dict) -> list[dict]:
    """Every column of the data with "used" or "left out, because ...": from the run's record (``columns``);
    a run recorded before that lists the columns its models read (``features``) and says no more."""
    out = []
    grouped = bool(((started.get("plan") or {}).get("split") or {}).get("grouped_by"))
    for n in started.get("columns") or []:
        why = n.get("why", "")
        if why == "contributor" and not grouped:  # the split did not group by person: say only why it is out
            why = "contributor_plain"
        if why == "input":
            key = f"evaluation.card.column.input_{n.get('as', 'categorical')}" if n.get("used", True) else \
                "evaluation.card.column.unread"
        else:
            key = f"evaluation.card.column.{why}"
        out.append({"column": n.get("column", ""), "used": bool(n.get("used")),
                    "text": tr(key) if tr.has(key) else why})
    return out


def min_sizes(started: dict, result: dict) -> dict[str, int]:
    """The charter's minimum group size for each attribute shown: the largest a criterion on it asks for, else
    the smallest any criterion asks for, else 30 (the metrics' default)."""
    crit = [c for c in [*(started.get("criteria") or []), *(result.get("criteria") or [])] if isinstance(c, dict)]
    sizes = [int(c["min_group_size"]) for c in crit if c.get("min_group_size")]
    default = min(sizes) if sizes else 30
    out: dict[str, int] = {}
    for c in crit:
        a, m = c.get("attribute"), c.get("min_group_size")
        if a and m:
            out[a] = max(out.get(a, 0), int(m))
    out[""] = default
    return out


def _read_columns(features: dict) -> str:
    cols = [*(features.get("categorical") or []), *(features.get("numeric") or []),
            *([features["text"]] if features.get("text") else [])]
    return ", ".join(map(str, cols)) or "—"


def _datasheet_link(project, started: dict) -> dict | None:
    """The datasheet written for the same rows as the run (its train snapshot), when the run's record has none."""
    want = ((started.get("provenance") or {}).get("snapshots") or {}).get("train", {}).get("content_sha256")
    if not want:
        return None
    for ev in reversed(project.store.events(kinds=["datasheet.written"])):
        if (ev.payload.get("snapshots") or {}).get("train") == want:
            return {"hash": ev.payload.get("md_sha256") or ev.hash, "file": "datasheet.md"}
    return None


def _charter(project):
    try:
        from ..purpose.charter import CharterHistory
    except ImportError:  # pragma: no cover
        return None
    history = CharterHistory.load(project.store)
    v = history.latest_agreed() or history.latest
    return v.charter if v else None


def _labels(project, tr) -> list[dict]:
    from ..consent.scope import ScopeHistory
    from ..consent.uses import LABELS

    v = ScopeHistory.load(project.store).latest
    if v is None:
        return []
    out = []
    for key in v.scope.labels:
        lb = LABELS.get(key)
        if lb is not None:
            out.append({"name": tr(lb.name_key) if tr.has(lb.name_key) else lb.name,
                        "explain": tr(lb.explain_key) if tr.has(lb.explain_key) else ""})
    return out


# The event the federation stage appends when it imports another community's result for one of our models
# (``workbench.federation.catalog.RESULT_IMPORTED``; a test keeps the two equal). The card reads it from the
# store, below both stages: the federation stage is a layer above this one and imports this module.
FEDERATED_RESULT = "federation.result_imported"


def federated_results(project) -> list[dict]:
    """The latest federated result from each community that evaluated one of our models (oldest first)."""
    latest: dict[str, dict] = {}
    for ev in project.store.events(kinds=[FEDERATED_RESULT]):
        latest[ev.payload["community"]] = {**ev.payload, "ts": ev.ts, "seq": ev.seq}
    return list(latest.values())


def _evaluated_by(project, tr) -> list[dict]:
    """Other communities' federated results for our models, if any."""
    out = []
    for r in federated_results(project):
        crit = ", ".join(f"{c.get('id')}: {tr('evaluation.status.' + str(c.get('status')))}"
                         for c in r.get("criteria", []))
        out.append({"name": str(r.get("name", "")), "rows": "—" if r.get("rows") is None else r["rows"],
                    "criteria": crit or "—"})
    return out


# -- what the community decided and saw since: decisions, status, concerns, monitoring, benefits (issue 20) --
def _decision(tr, d: dict) -> dict:
    """One decision as the card says it: counts, rule and method, never who voted how; an override as such."""
    status = d.get("status", "open")
    rule = tr(f"decisions.rule.{d.get('rule')}") if tr.has(f"decisions.rule.{d.get('rule')}") else str(d.get("rule"))
    if status == "override":
        result = tr("outcomes.decisions.override")
    elif status == "open":
        result = tr("evaluation.card.decision_open")
    else:
        result = tr(f"outcomes.decisions.{status.replace(' ', '_')}", rule=rule,
                    **{k: d.get(k, 0) for k in ("present", "in_favour", "against", "abstain")})
    method = d.get("method") or ""
    gate = d.get("gate", "")
    return {**d, "override": status == "override", "result_text": result,
            "gate_text": tr(f"outcomes.gate.{gate}") if tr.has(f"outcomes.gate.{gate}") else gate,
            "method_text": tr(f"evaluation.card.vote_method.{method}") if method in ("hands", "phones") else "",
            "date": str(d.get("closed_ts") or d.get("ts") or "")[:10]}


def _model_status(project, run: dict, candidate: str, tr) -> dict:
    """This card's model now: in use, under review (and why: counts, criterion and group; never a concern's
    words), retired, or not in use (another model was adopted since; adopting none keeps a model in use, see
    :mod:`.lifecycle`)."""
    from .lifecycle import RETIRED, status

    st = status(project)
    model = st.get("model") or {}
    mine = model.get("run") == run["run"] and model.get("candidate") == candidate
    if mine and st["state"] in ("in use", "under review"):
        state = st["state"]
    elif any(ev.payload.get("run") == run["run"] and ev.payload.get("candidate") == candidate
             for ev in project.store.events(kinds=[RETIRED])):
        state = "retired"
    else:
        state = "not in use"
    reasons = st["reasons"] if state == "under review" else []
    return {"state": state, "key": state.replace(" ", "_"),
            "concerns": sum(1 for r in reasons if r.get("source") == "concern"),
            "monitoring": [_below(tr, r) for r in reasons if r.get("source") == "monitoring"]}


def _below(tr, r: dict) -> dict:
    """A monitored group below a criterion with enough evidence: the template's sentence parameters."""
    return {"criterion": criterion_sentence(tr, {**r, "id": r.get("criterion")}),
            "group": r.get("group") if r.get("attribute") else tr("monitor.ui.everyone"),
            "value": _num(r.get("value"), 2), "lo": _num(r.get("lo"), 2), "hi": _num(r.get("hi"), 2),
            "n": r.get("n") or 0, "start": r.get("date_from") or "—", "end": r.get("date_to") or "—"}


def _concerns(project, language: str, base_url: str | None) -> dict:
    """Counts by status and by what they are about, the responses, the words of only those who chose to
    share them, and where to raise one (the concern app's link; a QR only for an address a phone can open)."""
    from ..concerns import ABOUT, STATUSES, concern_link, qr_svg, summary

    s = summary(project.store)
    url = concern_link(base_url or "", language)
    absolute = url.startswith(("http://", "https://"))
    return {"total": s["total"], "by_status": [(k, s["by_status"].get(k, 0)) for k in STATUSES],
            "by_about": [(k, s["by_about"].get(k, 0)) for k in ABOUT], "responses": s["responses"],
            "shared": s["shared"], "url": url if absolute else url.lstrip("/"), "on_server": not absolute,
            "qr": qr_svg(url) if absolute else ""}


def _footprint_lines(tr, f: dict) -> tuple[list[str], bool | None]:
    """The whole life's energy in sentences (catalog text and numbers only), and whether it is in budget."""
    def kwh(x) -> str:
        return "—" if x is None else f"{float(x):.4g}"

    lines = [tr("monitor.fp.training", kwh=kwh(f["training_kwh"]), candidates=f["candidates"]),
             tr("monitor.fp.evaluation", kwh=kwh(f["evaluation_kwh"])),
             tr("monitor.fp.inference", kwh=kwh(f["inference_kwh"]), predictions=f["predictions"])]
    if f["predictions_unmeasured"]:
        lines.append(tr("monitor.fp.unmeasured", count=f["predictions_unmeasured"]))
    lines += [tr("monitor.fp.server", kwh=kwh(f["server_kwh"])), tr("monitor.fp.total", kwh=kwh(f["total_kwh"]))]
    if f["budget_kwh"] is None:
        lines.append(tr("monitor.fp.no_budget"))
    else:
        lines.append(tr("monitor.fp.within" if f["within"] else "monitor.fp.over", budget=kwh(f["budget_kwh"]),
                        share=f"{(f['share_of_budget'] or 0) * 100:.1f}"))
    return lines, f["within"]


def _monitoring(project, run: dict, candidate: str, tr) -> dict:
    """The batches of outcomes from this model's use, what in them fell below a criterion with enough
    evidence, and the energy of the whole life against the charter's budget."""
    from ..monitoring import lifetime_footprint, status

    st = status(project)

    def ours(x) -> bool:
        m = x.get("model") or {}
        return m.get("run") == run["run"] and m.get("candidate") == candidate

    lines, within = _footprint_lines(tr, lifetime_footprint(project))
    return {"batches": [b for b in st["batches"] if ours(b)],
            "under_review": [_below(tr, r) for r in st["under_review"] if ours(r)],
            "footprint": lines, "within": within}


def _money(amounts: dict) -> str:
    return ", ".join(f"{float(v):,.2f} {cur}" for cur, v in sorted((amounts or {}).items())) or "—"


def _benefits(project) -> dict:
    from ..benefits import card_summary

    b = card_summary(project.store)
    items = [{**i, "promised_text": _money(i["promised"]), "delivered_text": _money(i["delivered"])}
             for i in b["items"]]
    return {**b, "promised_list": items, "promised_text": _money(b["promised"]), "delivered_text": _money(b["delivered"])}


def accountability(project, run: dict, candidate: str, tr, base_url: str | None = None) -> dict:
    """The card's community sections: every gate decision (the adoption's named), the model's status, the
    concerns, monitoring in use and the benefits promised and delivered."""
    from ..decisions import DecisionLog

    log = DecisionLog.load(project.store)
    decisions = [_decision(tr, d.to_dict()) for d in sorted(log.decisions.values(), key=lambda d: d.seq)]
    adopted_id = (run.get("decision") or {}).get("community_decision")
    adoption = next((d for d in decisions if d["id"] == adopted_id), None)
    return {"decisions": decisions, "adoption": adoption, "status": _model_status(project, run, candidate, tr),
            "concerns": _concerns(project, tr.language, base_url), "monitoring": _monitoring(project, run, candidate, tr),
            "benefits": _benefits(project)}


def context(project, run: dict, candidate: str, language: str | None = None, drift=None,
            links: dict | None = None, base_url: str | None = None) -> dict:
    """Everything the templates need, from the folded run (see :func:`.protocol.load_runs`).

    ``links``: documents the caller wrote with this card (a run's datasheet: ``{"datasheet": {hash, file}}``);
    they fill the card's "made from" links the run's record leaves empty. ``base_url``: the workshop
    server's address (``http://10.0.0.2:8866``), for the link and QR code where people raise a concern;
    without it the link is relative to the workshop server and the card says so.
    """
    tr = Translator(language or project.config.default_language)
    started = run["started"]
    result = run["candidates"][candidate]
    cand = cands.REGISTRY.get(candidate)
    fp = result.get("footprint", {})
    charter = _charter(project)
    criteria = []
    for c in result.get("criteria", []):
        small_group = bool(c.get("group") and c.get("n") is not None and c.get("min_group_size")
                           and c["n"] < c["min_group_size"])
        c = {**c, "small": small_group}
        if c.get("metric") != "footprint" and c.get("id") != "footprint":
            c["lo"], c["hi"] = _end(c.get("lo")), _end(c.get("hi"))
        criteria.append({**c, "sentence": criterion_sentence(tr, c), "status_text": tr(f"evaluation.status.{c['status']}"),
                         "reason_text": tr(c["reason"], **(c.get("params") or {}))
                         if c.get("reason") else "", "ok": c["status"] == PASS})
    minimum = min_sizes(started, result)

    def floor(attribute) -> int:
        return minimum.get(attribute, minimum[""])

    by_group = []
    for row in result.get("by_group", []):
        r = dict(zip(["attribute", "group", "metric", "label", "value", "lo", "hi", "n"], row, strict=True))
        r["lo"], r["hi"] = _end(r["lo"]), _end(r["hi"])
        r["min_size"] = floor(r["attribute"])
        r["small"] = r["n"] is not None and r["n"] < r["min_size"]
        by_group.append(r)
    sizes = {}
    for row in by_group:
        if row["metric"] == "accuracy":
            sizes.setdefault(row["attribute"], []).append((row["group"], row["n"], row["small"], row["min_size"]))
    overall = result.get("overall", {})
    others = []
    for key, r in run["candidates"].items():
        acc = (r.get("overall", {}).get("accuracy", {}).get("") or [None])[0]
        others.append({"key": key, "title": tr(f"evaluation.candidate.{key}.title"), "status": r.get("status"),
                       "passes": candidate_status(r) == PASS,  # the one definition (evaluation.criteria)
                       "kwh": (r.get("footprint") or {}).get("total_kwh"), "accuracy": acc,
                       "bytes": (r.get("footprint") or {}).get("model_bytes")})
    small = sorted({g["group"] for c in result.get("criteria", []) for g in c.get("groups", [])
                    if g.get("n", 0) < c.get("min_group_size", 0)})
    decision = run.get("decision") or {}
    rec = run.get("recommendation") or {}
    # The rule as it was when the run was recorded (the log is the truth): its own key and figures.
    recommendation = tr(rec["reason"], **(rec.get("params") or {})) if rec.get("reason") else ""
    prov = dict(started.get("provenance") or {})
    if (links or {}).get("datasheet"):  # a run that wrote its own datasheet links that one
        prov["datasheet"] = links["datasheet"]
    elif not prov.get("datasheet"):
        found = _datasheet_link(project, started)
        if found:
            prov["datasheet"] = found
    for key, value in (links or {}).items():
        if value and not prov.get(key):
            prov[key] = value
    model_file = (result.get("files") or {}).get("model", {})
    card = run.get("card") or {}
    if card.get("candidate") == candidate and card.get("model_file"):  # the adopted copy, not the run's scratch
        model_file = {"file": card["model_file"], "sha256": card.get("model_sha256"), "bytes": card.get("model_bytes")}
    data = CardData(
        model_name=f"{project.name} — {cand.title if cand else candidate}", language=project.config.languages,
        dataset_name=project.name, metrics=[
            {"type": m, "value": round(vals[""][0], 4), "name": tr(f"evaluation.metric.{m}")}
            for m, vals in overall.items() if "" in vals and vals[""][0] is not None],
        co2_grams=(fp.get("train_co2_kg") or 0) * 1000 if fp else None, training_seconds=fp.get("train_seconds"),
        location=started.get("country") or project.config.country, hardware=fp.get("hardware", ""),
        estimated=bool(fp.get("estimated", True)), text=bool(started.get("text")),
        tags=list(cand.tags) if cand else [])
    return {
        "tr": tr, "language": tr.language, "project": project.name, "run": run, "started": started,
        "candidate": candidate, "title": tr(f"evaluation.candidate.{candidate}.title"),
        "description": tr(f"evaluation.candidate.{candidate}.description"), "result": result,
        "criteria": criteria, "by_group": by_group, "sizes": sizes, "overall": overall, "others": others,
        "fp": fp, "budget": started.get("budget_kwh"), "charter": charter, "labels": _labels(project, tr),
        "evaluated_by": _evaluated_by(project, tr),
        "prov": prov, "decision": decision, "recommendation": recommendation, "drift": drift, "small": small, "model_file": model_file,
        "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "hf": data,
        "hf_yaml": data.to_yaml(), "plan": started.get("plan", {}), "rule": started.get("rule", "interval"),
        "passes_all": bool(result.get("criteria")) and all(c["status"] == PASS for c in result.get("criteria", [])),
        "OVERALL": OVERALL, "split": split_sentence(tr, started), "split_md": split_sentence(tr, started, md_text), "interval_method": interval_sentence(tr, started),
        "columns": columns(tr, started), "read_columns": _read_columns(started.get("features") or {}),
        "acc": accountability(project, run, candidate, tr, base_url),
    }


def render_markdown(ctx: dict) -> str:
    return _env(False).get_template("modelcard.md.j2").render(**ctx)


def render_html(ctx: dict) -> str:
    return _env(True).get_template("modelcard.html.j2").render(**ctx)


def readme(ctx: dict) -> str:
    """The Hugging Face layout: the YAML metadata block, then the card."""
    return f"---\n{ctx['hf_yaml']}---\n\n{render_markdown(ctx)}"


def write_card(project, run: dict, candidate: str, language: str | None = None, at=None,
               base_url: str | None = None) -> list[Path]:
    """(Re)write the card of the model adopted in ``run``, with the current consent drift, decisions,
    status, concerns, monitoring and benefits."""
    from . import drift as drift_mod

    folder = Path(project.artifacts_dir) / "models" / f"{run['run']}-{candidate}"
    try:
        drift = drift_mod.for_run(project, run, candidate, at)
    except WorkbenchError:
        drift = None
    ctx = context(project, run, candidate, language, drift, base_url=base_url)
    md, html_text = render_markdown(ctx), render_html(ctx)
    paths = [folder / "card.md", folder / "card.html", folder / "README.md",
             Path(project.artifacts_dir) / "model_card.md", Path(project.artifacts_dir) / "model_card.html"]
    for path, text in zip(paths, [md, html_text, readme(ctx), md, html_text], strict=True):
        write_atomic(path, text)
    return paths


def adopt(project, run: dict, candidate: str | None, reason: str = "", language: str | None = None,
          actor: str = "facilitator", decision: str | None = None) -> list[Path]:
    """Record the decision; when a candidate is adopted, save it with its card and log ``modelcard.written``."""
    from ..store.witness import checkpoint_now
    from .protocol import load_runs

    result = (run.get("candidates") or {}).get(candidate) if candidate is not None else None
    if result is not None and result.get("status") == "ok" and not (result.get("files") or {}).get("model"):
        # refused before the decision is logged: a decision without its saved model is no adoption (lifecycle)
        raise WorkbenchError("This run did not save its models, so there is nothing to adopt.",
                             "Run the evaluation from the app or the CLI, which save them.",
                             key="evaluation.error.no_model_file")
    record_decision(project.store, run, candidate, reason, actor, decision)
    if candidate is None:
        checkpoint_now(project, f"decision on evaluation {run['run']}: none adopted", actor)
        return []
    run = load_runs(project.store)[run["run"]]
    info = run["candidates"][candidate]["files"]["model"]
    from .artifacts import load_model, save_model

    src = Path(project.artifacts_dir) / "runs" / info["file"]
    model = load_model(src, sha256=info["sha256"])  # refused unless the logged hash matches
    folder = Path(project.artifacts_dir) / "models" / f"{run['run']}-{candidate}"
    target = save_model(model, folder, "model")
    run["candidates"][candidate]["files"]["model"] = {
        "file": str(target.relative_to(project.artifacts_dir)), "sha256": sha256_file(target),
        "bytes": target.stat().st_size}
    paths = write_card(project, run, candidate, language)
    rel = [str(p.relative_to(project.artifacts_dir)) for p in [target, *paths]]
    saved = run["candidates"][candidate]["files"]["model"]
    project.store.append(WRITTEN, {
        "run": run["run"], "candidate": candidate, "model_file": rel[0], "model_sha256": saved["sha256"],
        "model_bytes": saved["bytes"], "model_format": target.suffix.lstrip("."), "files": rel[1:], "card_sha256": sha256_file(paths[0]),
        "language": language or project.config.default_language}, actor=actor)
    checkpoint_now(project, f"decision on evaluation {run['run']}: {candidate} adopted", actor)
    return [target, *paths]
