"""The project report: one self-contained HTML file that opens without a network.

Sections: the charter, the deliberation, consent (scope and coverage), the
datasheet, the evaluation with its charts, the model card, the community's
decisions, the model in use, monitoring, concerns, benefits (see
:mod:`.accountability`), the data work, and the run's manifest. Everything is in the one file: inline CSS (readable on a
phone, printable), charts as static SVG rendered here by vl-convert, no
``<script>``, no external ``<link>``, ``src`` or ``href``.

Escaping: the report template autoescapes every value. The charter, datasheet
and model card are rendered by their own autoescaping templates and only their
``<body>`` is kept (headings shifted two levels down); SVG text is escaped by
vl-convert. Text typed by a community therefore always shows as text.

With a run (a folder under ``artifacts/runs/``, by default the latest that
finished), the report shows what the run found, with the project's log read as
at the run's ledger head and consent as at its ``as_of``; without one it shows
the project as it stands now. Headings and fixed sentences come from the
message catalogs (``report.*`` and the stages' keys).
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from .._atomic import write_atomic
from ..errors import WorkbenchError
from ..i18n import Translator
from . import accountability as acc
from . import manifest as mf

_log = logging.getLogger(__name__)
_log.addHandler(logging.NullHandler())  # the app decides where records go (the CLI: errors.log), never stderr

TEMPLATES = Path(__file__).parent / "templates"
REPORT_NAME = "report.html"
SECTIONS = ("charter", "deliberation", "consent", "datasheet", "evaluation", "model_card", "decisions",
            "model_in_use", "monitoring", "concerns", "benefits", "datawork", "manifest")
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)
_HEADING = re.compile(r"<(/?)h([1-6])\b", re.I)
_PAIRED = re.compile(r"<(script|style|iframe|object)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_LONE = re.compile(r"</?(script|style|link|iframe|object|embed|base|meta)\b[^>]*>", re.I)


@cache
def _env():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _num
    env.filters["sci"] = lambda v: "—" if v is None else f"{float(v):.2e}"
    env.filters["short"] = lambda v: str(v or "")[:12]
    return env


def _num(value, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{float(value):.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # never "-0.000"


def _strip(text: str) -> str:
    """Without active or external elements (scripts, styles, frames, links)."""
    return _LONE.sub("", _PAIRED.sub("", text))


def embed(document: str) -> str:
    """The ``<body>`` of one of the stages' own (autoescaped) HTML documents, headings two levels down."""
    import markupsafe

    found = _BODY.search(document)
    body = found.group(1) if found else document
    body = _strip(body)  # the stages' documents hold none; never let one through
    body = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 2)}", body)
    return markupsafe.Markup(body)


def svg(chart) -> str:
    """A chart as static SVG (vl-convert, offline), made to shrink on narrow screens."""
    import markupsafe
    import vl_convert as vlc

    text = vlc.vegalite_to_svg(chart.to_json())
    text = _strip(text)
    return markupsafe.Markup(text)


# -- finding the run ------------------------------------------------------------------------------
def find_run(root: Path, run: str | os.PathLike | None) -> Path | None:
    """The run folder: as given (a folder or a run id), else the latest run whose status is ok."""
    from .run import list_runs

    if run:
        candidate = Path(run)
        if not candidate.is_dir():
            candidate = root / "artifacts" / "runs" / str(run)
        if not (candidate / mf.MANIFEST).is_file():
            raise WorkbenchError(f"{run} is not a run of this project (it has no {mf.MANIFEST}).",
                                 "Pass a folder under artifacts/runs/, or run 'workbench run' first.")
        return candidate.absolute()
    done = [m for m in list_runs(root) if m.get("status") == "ok" and (Path(m["folder"]) / mf.RESULTS).is_file()]
    return Path(done[-1]["folder"]) if done else None


# -- the sections ---------------------------------------------------------------------------------
def _charter(project, tr):
    from ..purpose.charter import CharterHistory
    from ..purpose.render import render_html

    history = CharterHistory.load(project.store)
    version = history.latest_agreed() or history.latest
    if version is None:
        return None
    return {"version": version.version, "agreed": version.agreed, "hash": version.charter.hash(),
            "html": embed(render_html(version, project.name, tr.language))}


def _deliberation(project, tr):
    from ..purpose.deliberation import Deliberation

    delib = Deliberation.load(project.store)
    if not delib.statements:
        return None
    from ..purpose.analysis import analyse

    analysis = analyse(delib, seed=0)
    summary = analysis.summary(top=5)
    chart = reading = None
    table = analysis.statements
    if len(table) and int(table["votes"].sum()):
        from ..charts import purpose as charts
        from ..charts.readings import consensus_reading

        chart = svg(charts.consensus_ranking(table, tr, top=10))
        reading = consensus_reading(table, tr)
    return {"summary": summary, "chart": chart, "reading": reading,
            "notes": [tr(key, **params) for key, params in summary["notes"]]}


def _consent(project, tr, at, contributors):
    from ..consent.chart import coverage_chart, coverage_frame
    from ..consent.form import ConsentForm
    from ..consent.ledger import REASONS, ConsentLedger
    from ..consent.scope import ScopeHistory
    from .manifest import scope_in_force

    chosen = scope_in_force(project.store, at)
    if not chosen:
        return None
    version = next(v for v in ScopeHistory.load(project.store).versions if v.hash == chosen["hash"])
    form = ConsentForm(version, tr.language, project.name)
    ledger = ConsentLedger.load(project.store)
    uses = [{"use": u, "title": tr(f"consent.use.{u}.title"), "choice": tr(f"consent.choice.{c}")}
            for u, c in version.scope.uses.items()]
    coverage = ledger.coverage(at, contributors) if contributors is not None else ledger.coverage(at)
    offered = set(version.scope.offered())
    rows = [{"title": tr(f"consent.use.{r['use']}.title"), **{k: int(r[k]) for k in REASONS}}
            for r in coverage.to_dict(orient="records") if r["use"] in offered]
    chart = reading = None
    frame = coverage_frame(ledger, points=12, end=at)
    if len(frame):
        from ..charts.readings import coverage_reading

        shown = frame[frame["use"].isin(offered)]
        chart = svg(coverage_chart(shown, tr.language).properties(width=520))
        reading = coverage_reading(shown, tr)
    reasons = [(r, tr("curation.reason.kept" if r == "ok" else f"curation.reason.{r}")) for r in REASONS]
    return {"version": version.version, "hash": version.hash, "published": version.published_at[:10],
            "uses": uses, "conditions": form.conditions(), "labels": form.labels(), "coverage": rows,
            "reasons": reasons, "chart": chart, "reading": reading, "people": len(ledger.contributors)}


def _datasheet(project, tr, at):
    from ..curation.importer import current

    if current(project.store) is None:
        return None
    from ..charts import curation as charts
    from ..charts.readings import waterfall_reading
    from ..curation import datasheet
    from ..curation.enforce import curated

    ctx = datasheet.context(project, tr.language, at)
    steps = curated(project, "train", at).waterfall()
    return {"html": embed(datasheet.render_html(ctx)), "chart": svg(charts.waterfall(steps, tr)),
            "reading": waterfall_reading(steps, tr), "facts": ctx["f"]}


def _evaluation(project, tr, results, card_key=None):
    from ..evaluation.protocol import load_runs
    from .pipeline import overall_status

    run = (results or {}).get("evaluation")
    if run is None and results is None:
        done = [r for r in load_runs(project.store).values() if r["status"] == "completed"]
        run = done[-1] if done else None
    if run is None:
        return None
    import pandas as pd

    from ..charts import evaluation as charts
    from ..charts import readings as rd

    rows = []
    for key, r in run["candidates"].items():
        fp = r.get("footprint") or {}
        rows.append({"key": key, "title": tr(f"evaluation.candidate.{key}.title"), "status": overall_status(r),
                     "accuracy": ((r.get("overall") or {}).get("accuracy", {}).get("") or [None])[0],
                     "kwh": fp.get("total_kwh"), "bytes": fp.get("model_bytes"), "error": r.get("error", ""),
                     "criteria": {c["id"]: c["status"] for c in r.get("criteria", [])}})
    criteria_ids = list(dict.fromkeys(cid for row in rows for cid in row["criteria"]))
    rec = run.get("recommendation") or {}
    charts_out = []
    ok = pd.DataFrame([r for r in rows if r["status"] != "failed" and r["accuracy"] is not None])
    if len(ok):
        table = ok.assign(kwh=ok["kwh"].fillna(0.0))
        charts_out.append((tr("evaluation.chart.energy_title"), svg(charts.performance_energy(table, tr)),
                           rd.performance_energy_reading(table, tr)))
    ran = sorted((r for r in rows if r["status"] != "failed"), key=lambda r: -(r["accuracy"] or 0))
    key = rec.get("candidate") or (card_key if card_key in run["candidates"] else None)
    key = key or (ran[0]["key"] if ran else None)  # the group charts: recommended, else adopted, else best
    if key:
        for title, part, c in charts.criteria_group_parts(run["candidates"][key], key, tr):
            # A group under the criterion's minimum size is flagged where it is named, as on the card.
            size = int(c.get("min_group_size") or 0)
            part = part.assign(lo=part["lo"].clip(0, 1), hi=part["hi"].clip(0, 1), group=[
                f"{g} ⚠ {tr('evaluation.card.small_flag', size=size)}" if n is not None and n < size else g
                for g, n in zip(part["group"], part["n"], strict=True)])
            charts_out.append((title, svg(charts.group_metric(part, c["threshold"], tr)),
                               rd.group_metric_reading(part, c["threshold"], tr, c.get("direction", ">="))))
    from ..evaluation.card import split_sentence

    return {"run": run, "rows": rows, "criteria_ids": criteria_ids, "charts": charts_out,
            "recommendation": tr(rec["reason"], **(rec.get("params") or {})) if rec.get("reason") else "",
            "baseline_passes": bool(rec.get("baseline_passes")),
            "plan": split_sentence(tr, run["started"]),  # the split as the run recorded it
            "n_train": run["started"].get("n_train"), "n_test": run["started"].get("n_test")}


def _model_card(project, tr, results, folder):
    from ..evaluation import card

    links = None
    if results is not None:
        info = (results.get("cards") or {}).get("model_card") or {}
        candidate, run = info.get("candidate"), results.get("evaluation")
        if not candidate or not run:
            return None
        from .pipeline import RunContext, model_drift

        ctx = RunContext(project, datetime.now(UTC), folder, run=run)
        drift = model_drift(ctx, candidate)
        why = info.get("why") or "recommended"
        sheet = Path(folder) / "cards" / "datasheet.md" if folder else None
        if sheet is not None and sheet.is_file():  # the datasheet this run wrote, as the run's own card links it
            import hashlib

            links = {"datasheet": {"hash": hashlib.sha256(sheet.read_bytes()).hexdigest(), "file": "cards/datasheet.md"}}
    else:
        from ..evaluation import drift as drift_mod
        from ..evaluation.lifecycle import adopted_run

        run = adopted_run(project.store, retired=True)
        if run is None:
            return None
        candidate, why = run["card"]["candidate"], "adopted"
        try:
            drift = drift_mod.for_run(project, run, candidate)
        except WorkbenchError:
            drift = None
    ctx = card.context(project, run, candidate, tr.language, drift, links=links)
    return {"candidate": candidate, "title": tr(f"evaluation.candidate.{candidate}.title"),
            "why": tr(f"report.card.{why}", candidate=tr(f"evaluation.candidate.{candidate}.title")),
            "html": embed(card.render_html(ctx))}


def _datawork(project, tr, at):
    from ..curation import datawork

    checks = datawork.check(project, today=at.date())
    s = checks.summary
    if not s["entries"]:
        return None
    from ..charts import curation as charts
    from ..charts.readings import pay_reading

    workers = checks.workers.to_dict(orient="records")
    chart = reading = None
    if (checks.workers["hours"] > 0).any():
        chart = svg(charts.pay_vs_floor(checks.workers, s["hourly_floor"], tr))
        reading = pay_reading(checks.workers, s["hourly_floor"], tr)
    return {"s": s, "workers": workers, "chart": chart, "reading": reading,
            "tasks": [(tr(f"curation.work.task.{k}"), v) for k, v in sorted(s["by_task"].items())]}


def _guard(step):
    """A section that cannot be built says so in the report instead of losing the whole report."""
    try:
        return step(), ""
    except WorkbenchError as exc:
        return None, exc.sentence
    except Exception as exc:  # noqa: BLE001 - a seam: each section calls a stage; a bug in one keeps the rest
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        _log.error("the report's section %s failed", getattr(step, "__name__", step), exc_info=True)
        return None, f"{type(exc).__name__}: {exc}"


# -- the report -----------------------------------------------------------------------------------
def build_report(project=None, run=None, language: str | None = None, url: str | None = None) -> str:
    """The report as one HTML string (see the module's docstring); ``url``: the workshop server's address,
    for the link and QR code to the concern app (default: the ``workbench serve`` serving it, if any)."""
    from .. import __version__
    from ..project import Project
    from .pinned import pinned_project
    from .pipeline import DEFAULT_PROJECT

    path = Path(project or os.environ.get("WORKBENCH_PROJECT") or DEFAULT_PROJECT)
    with Project.open(path) as probe:
        root, default_language = probe.root, probe.config.default_language
    folder = find_run(root, run)
    manifest = mf.read(folder) if folder else None
    results = None
    if folder and (folder / mf.RESULTS).is_file():
        results = json.loads((folder / mf.RESULTS).read_text(encoding="utf-8"))
    seq = (manifest or {}).get("inputs", {}).get("ledger", {}).get("seq")
    at = datetime.fromisoformat(results["as_of"]) if results else datetime.now(UTC)
    lang = language or (results or {}).get("language") or default_language
    from ..i18n import normalise_language

    tr = Translator(normalise_language(lang))
    p = pinned_project(root, seq)
    try:
        contributors = None
        from ..curation.importer import current, load_frame

        ds = current(p.store)
        if ds is not None:
            frame = load_frame(p, ds)
            contributors = frame[ds.mapping.contributor].dropna().astype("str").unique()
        sections: dict = {}
        problems: dict = {}
        steps = (
            ("charter", lambda: _charter(p, tr)),
            ("deliberation", lambda: _deliberation(p, tr)),
            ("consent", lambda: _consent(p, tr, at, contributors)),
            ("datasheet", lambda: _datasheet(p, tr, at)),
            ("model_card", lambda: _model_card(p, tr, results, folder)),
            ("evaluation", lambda: _evaluation(p, tr, results, (sections["model_card"] or {}).get("candidate"))),
            ("decisions", lambda: acc.decisions(p, tr)),
            ("model_in_use", lambda: acc.model_in_use(p, tr)),
            ("monitoring", lambda: acc.monitoring(p, tr)),
            ("concerns", lambda: acc.concerns(p, tr, url)),
            ("benefits", lambda: acc.benefits(p, tr, at)),
            ("datawork", lambda: _datawork(p, tr, at)),
        )
        for name, step in steps:
            sections[name], problems[name] = _guard(step)
        head = p.store.head()
        context = {
            "tr": tr, "language": tr.language, "project": p.name, "sections": SECTIONS, "s": sections,
            "problems": problems, "manifest": manifest, "results": results, "at": at.isoformat(timespec="seconds"),
            "head": head, "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "version": __version__,
            "manifest_json": json.dumps(manifest, indent=2, ensure_ascii=False) if manifest else "",
            "money": acc.money,
        }
        return _env().get_template("report.html.j2").render(**context)
    finally:
        p.close()


def write_report(project=None, run=None, output=None, language: str | None = None, url: str | None = None) -> Path:
    """Write the report; by default to ``report.html`` in the run folder, else ``artifacts/report.html``."""
    from ..project import Project

    path = Path(project or os.environ.get("WORKBENCH_PROJECT") or "demo-project")
    html_text = build_report(path, run, language, url)
    if output:
        target = Path(output)
    else:
        with Project.open(path) as probe:
            root = probe.root
        folder = find_run(root, run) if run else None
        target = (folder / REPORT_NAME) if folder else root / "artifacts" / REPORT_NAME
    write_atomic(target, html_text)
    return target.absolute()
