"""The datasheet (Gebru et al., *Datasheets for Datasets*): auto-filled facts plus the community's answers.

Sections follow the paper: motivation, composition, collection process,
preprocessing / cleaning / labelling, uses, distribution, maintenance. Where
the workbench knows the answer it fills it in (counts, consent, exclusions,
groups, labels, curation actions, the data-work summary); the rest are the
community's written answers (``datasheet.answered`` ``{section, question, text,
language}``, the latest per question wins), in their language. Unanswered
questions show a visible placeholder. The document names the curated
snapshot's content hash it describes; writing it logs ``datasheet.written``
(which marks the curation stage done).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from ..errors import WorkbenchError
from ..i18n import Translator
from ..text import check_text, snippet

ANSWERED, WRITTEN = "datasheet.answered", "datasheet.written"
TEMPLATES = Path(__file__).parent / "templates"
SECTIONS: dict[str, tuple[str, ...]] = {
    "motivation": ("purpose", "creators", "funding"),
    "composition": ("instances", "sensitive", "missing_info"),
    "collection": ("how_collected", "who_involved", "notified"),
    "preprocessing": ("cleaning", "raw_kept"),
    "uses": ("tasks", "avoid"),
    "distribution": ("shared",),
    "maintenance": ("maintainer", "updates"),
}
MAX_ANSWER = 5000


def question_key(question: str) -> str:
    return f"curation.ds.q.{question}"


def section_key(section: str) -> str:
    return f"curation.ds.section.{section}"


def answer(store, section: str, question: str, text: str, language: str = "en", actor: str = "facilitator"):
    """Record the community's answer to one question (an empty text clears it)."""
    if section not in SECTIONS:
        raise WorkbenchError(f"{snippet(section)!r} is not a datasheet section.", f"Use one of: {', '.join(SECTIONS)}.",
                             key="curation.error.ds_section", section=snippet(section))
    if question not in SECTIONS[section]:
        raise WorkbenchError(f"{snippet(question)!r} is not a question of the section {section!r}.",
                             f"Use one of: {', '.join(SECTIONS[section])}.", key="curation.error.ds_question",
                             question=snippet(question))
    body = check_text(text or "", "The answer").strip()
    if len(body) > MAX_ANSWER:
        raise WorkbenchError(f"The answer is longer than {MAX_ANSWER} characters.", "Shorten it.",
                             key="curation.error.ds_too_long", limit=MAX_ANSWER)
    return store.append(ANSWERED, {"section": section, "question": question, "text": body,
                                   "language": str(language)}, actor)


def answers(store) -> dict[tuple[str, str], dict]:
    out: dict[tuple[str, str], dict] = {}
    for ev in store.events(kinds=[ANSWERED]):
        p = ev.payload
        if p["text"]:
            out[(p["section"], p["question"])] = {"text": p["text"], "language": p.get("language", ""),
                                                  "actor": ev.actor, "ts": ev.ts}
        else:
            out.pop((p["section"], p["question"]), None)
    return out


# -- what the workbench knows --------------------------------------------------------------------
def facts(project, uses: tuple[str, ...] = ("train", "evaluate"), at=None) -> dict:
    """Everything the datasheet can fill in by itself, as plain data."""
    from ..consent.ledger import ConsentLedger
    from ..consent.scope import ScopeHistory
    from . import datawork
    from .actions import CurationLog
    from .enforce import curated
    from .importer import load_frame, require_current
    from .profile import charter_groups, charter_min_group_size, profile, references
    from .snapshot import compute

    ds = require_current(project.store)
    frame = load_frame(project, ds)
    raw_profile = profile(frame, ds.mapping, references(project.store), charter_min_group_size(project.store))
    views = {}
    snapshots = {}
    for use in uses:
        view, _ds, inputs, digest, _data = compute(project, use, at)
        views[use] = {"raw": len(view.reason), **view.counts}
        snapshots[use] = {"content_sha256": digest, "rows": len(view.frame), "at": inputs["at"],
                          "scope": inputs.get("scope", {})}
    kept_profile = None
    if uses:
        kept = curated(project, uses[0], at, ds)
        kept_profile = profile(kept.frame, ds.mapping, references(project.store),
                               charter_min_group_size(project.store))
    log = CurationLog.load(project.store)
    history = ScopeHistory.load(project.store)
    scope = history.latest
    in_force = next((s["scope"] for s in snapshots.values() if "scope" in s), None)
    if in_force is not None:  # the scope the described rows were consented under (in force at ``at``), not the latest
        scope = next((v for v in history.versions if v.hash == in_force.get("hash")), None)
    ledger = ConsentLedger.load(project.store)
    contributors = frame[ds.mapping.contributor].dropna().astype("str").unique()
    work = datawork.check(project)
    charter = _charter(project.store)
    return {
        "project": project.name,
        "purpose": project.purpose_so_far(),
        "charter": charter,
        "dataset": {"file": ds.file, "sha256": ds.sha256, "format": ds.format, "rows": ds.rows,
                    "columns": list(ds.columns), "original_name": ds.original_name,
                    "mapping": ds.mapping.to_dict(), "contributors": int(len(contributors))},
        "profile": raw_profile.to_dict(),
        "kept_profile": kept_profile.to_dict() if kept_profile is not None else None,
        "groups_named_by_charter": charter_groups(project.store),
        "waterfall": views,
        "snapshots": snapshots,
        "actions": [{"kind": a.short, "what": a.describe(), "reason": a.reason, "actor": a.actor, "ts": a.ts[:19],
                     "active": a.active} for a in log.for_dataset(ds.sha256)],
        "scope": None if scope is None else {
            "version": scope.version, "hash": scope.hash, "uses": dict(scope.scope.uses),
            "stays_on_machine": scope.scope.conditions.stays_on_machine,
            "expiry_months": scope.scope.conditions.expiry_months,
            "labels": list(scope.scope.labels), "contact": scope.scope.contact, "holder": scope.scope.holder},
        "consent_coverage": ledger.coverage(at, contributors).to_dict(orient="records") if len(contributors) else [],
        "datawork": work.summary,
        "workers": work.workers.to_dict(orient="records"),
    }


def _charter(store) -> dict | None:
    """Adapter over the purpose stage's charter (none yet: None). A store that cannot be read or a charter
    of another shape is an error the caller sees, not a datasheet silently without its charter (issue 23)."""
    try:
        from ..purpose.charter import CharterHistory
    except ImportError:  # pragma: no cover - the purpose stage is part of the package
        return None
    history = CharterHistory.load(store)
    v = history.latest_agreed() or history.latest
    if v is None:
        return None
    c = v.charter
    return {"version": v.version, "agreed": v.agreed, "title": c.title, "problem": c.problem,
            "intended_uses": [i.text for i in c.intended_uses], "out_of_scope": [i.text for i in c.out_of_scope],
            "hash": c.hash()}


# -- rendering -------------------------------------------------------------------------------------
@cache
def _env(autoescape: bool):
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=autoescape,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["pct"] = lambda v: "" if v is None or v != v else f"{100 * float(v):.1f}%"
    env.filters["num"] = lambda v: "" if v is None or v != v else (f"{v:,.2f}" if isinstance(v, float) else f"{v:,}")
    env.filters["md"] = _md_cell
    return env


def _md_cell(value) -> str:
    """Text safe inside a Markdown table cell or paragraph: one line, no pipes, raw HTML, links or images
    (:func:`workbench.text.md_text`)."""
    from ..text import md_text

    return md_text(value)


def use_name(tr: Translator, use: str) -> str:
    """The consent stage's name for a use in ``tr``'s language (its catalog key), else the key itself."""
    key = f"consent.use.{use}.title"
    return tr(key) if tr.has(key) else use


def context(project, language: str | None = None, at=None) -> dict:
    from .enforce import WATERFALL_STEPS

    tr = Translator(language or project.config.default_language)
    known = facts(project, at=at)
    return {"tr": tr, "f": known, "sections": SECTIONS, "answers": answers(project.store),
            "use_name": lambda u: use_name(tr, u), "reasons": WATERFALL_STEPS,
            "placeholder": tr("curation.ds.placeholder"), "language": tr.language,
            "snapshot": known["snapshots"].get("train") or next(iter(known["snapshots"].values()), None)}


def render_markdown(ctx: dict) -> str:
    return _env(False).get_template("datasheet.md.j2").render(**ctx)


def render_html(ctx: dict) -> str:
    return _env(True).get_template("datasheet.html.j2").render(**ctx)


def write(project, language: str | None = None, folder=None, at=None, actor: str = "facilitator"):
    """Write ``datasheet.md`` and ``datasheet.html`` into ``artifacts/`` and log ``datasheet.written``."""
    from .snapshot import latest, take

    ctx = context(project, language, at)
    for use, snap in ctx["f"]["snapshots"].items():  # the hashes the datasheet names are logged snapshots
        last = latest(project.store, use)
        if last is None or last.content_sha256 != snap["content_sha256"]:
            take(project, use, at, actor)
    md, html_text = render_markdown(ctx), render_html(ctx)
    out = Path(folder) if folder else Path(project.artifacts_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "datasheet.md", out / "datasheet.html"]
    paths[0].write_text(md, encoding="utf-8")
    paths[1].write_text(html_text, encoding="utf-8")
    project.store.append(WRITTEN, {
        "language": ctx["language"], "files": [p.name for p in paths],
        "snapshots": {u: s["content_sha256"] for u, s in ctx["f"]["snapshots"].items()},
        "md_sha256": hashlib.sha256(md.encode()).hexdigest(),
        "html_sha256": hashlib.sha256(html_text.encode()).hexdigest()}, actor)
    return paths
