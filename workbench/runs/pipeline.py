"""The steps of ``templates/pipeline.ipynb``: one call per cell, each returning a small table to show.

::

    run = start(project, as_of="2026-01-01", seed=0, candidates=["majority"])
    curate(run)          # the curated view for each use the scope offers, consent as it was at as_of
    evaluate(run)        # the candidates on the train / evaluate views, seeded, logged in memory
    check_criteria(run)  # per candidate and criterion: pass / fail / not enough evidence; the recommendation
    write_cards(run)     # charter, consent form, datasheet, model card into <run>/cards/
    finish(run)          # <run>/results.json

The project is opened read-only with its log pinned at one event
(:mod:`.pinned`): the run sees one state of the project from start to end and
adds nothing to the community's log. The evaluation's own events are folded
from memory; its models and metric tables go under ``<run>/evaluation/``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..errors import WorkbenchError
from .manifest import RESULTS
from .pinned import MemoryLog, pinned_project

DEFAULT_PROJECT = "demo-project"


@dataclass
class RunContext:
    project: object  # a Project whose store is a PinnedStore
    at: datetime
    folder: Path
    seed: int = 0
    candidates: list[str] = field(default_factory=list)
    language: str = "en"
    results: dict = field(default_factory=dict)
    run: dict | None = None  # the folded evaluation run

    def summary(self):
        import pandas as pd

        seq, head = self.project.store.head()
        return pd.DataFrame({"value": [self.project.name, self.at.isoformat(), self.seed,
                                       ", ".join(self.candidates) or "(default)", self.language, f"{seq} {head[:12]}",
                                       str(self.folder)]},
                            index=["project", "as_of", "seed", "candidates", "language", "ledger_head", "run_dir"])


def as_of_time(value) -> datetime:
    """``value`` (ISO text, date, datetime; empty: now) as UTC; a time in the future is refused."""
    from ..consent import _time

    if value in (None, ""):
        return datetime.now(UTC)
    at = _time.to_datetime(value)
    if at > datetime.now(UTC) + _time.FUTURE_SKEW:
        raise WorkbenchError(f"The as-of time {at.isoformat()} is in the future.",
                             "Pass a date that has passed (YYYY-MM-DD), or none for now.")
    return at


def candidate_list(value) -> list[str]:
    """``"a,b"``, ``["a", "b"]`` or nothing, as a list of keys."""
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return list(dict.fromkeys(str(x).strip() for x in items if str(x).strip()))


def start(project: str = "", as_of="", seed: int = 0, candidates=(), language: str = "", run_dir: str = "",
          ledger_seq: int = -1) -> RunContext:
    """Open ``project`` read-only (default: ``$WORKBENCH_PROJECT``, else ./demo-project) for a run."""
    from ..i18n import normalise_language

    path = project or os.environ.get("WORKBENCH_PROJECT") or DEFAULT_PROJECT
    at = as_of_time(as_of)
    p = pinned_project(path, None if ledger_seq is None or int(ledger_seq) < 0 else int(ledger_seq))
    if run_dir:
        folder = Path(run_dir)
    else:
        from .ids import new_run_id

        folder = Path(p.artifacts_dir) / "runs" / new_run_id()
    folder.mkdir(parents=True, exist_ok=True)
    lang = normalise_language(language) if language else p.config.default_language
    ctx = RunContext(p, at, folder.absolute(), int(seed), candidate_list(candidates), lang)
    ctx.results = {"as_of": at.isoformat(timespec="microseconds"), "seed": ctx.seed,
                   "candidates": ctx.candidates, "language": lang,
                   "ledger": dict(zip(("seq", "hash"), p.store.head(), strict=True)),
                   "snapshots": {}, "evaluation": None, "criteria": {}, "recommendation": None, "cards": {},
                   "adopted": _adopted(p)}
    return ctx


def _adopted(project) -> dict | None:
    """What the community adopted, as its log says (for comparison with the run's recommendation)."""
    from ..evaluation.lifecycle import adopted_run

    run = adopted_run(project.store, retired=True)
    if run is None:
        return None
    return {"run": run["run"], "candidate": run["card"]["candidate"],
            "reason": (run.get("decision") or {}).get("reason", "")}


def uses_to_curate(project, at) -> list[str]:
    """Every use the scope in force at ``at`` offers, and always ``train`` and ``evaluate``."""
    from ..consent.uses import USE_KEYS
    from .manifest import scope_in_force

    wanted = {"train", "evaluate"}
    scope = scope_in_force(project.store, at)
    if scope:
        from ..consent.scope import ScopeHistory

        version = next(v for v in ScopeHistory.load(project.store).versions if v.hash == scope["hash"])
        wanted |= set(version.scope.offered())
    return [u for u in USE_KEYS if u in wanted]


def curate(ctx: RunContext):
    """The curated view for each use at ``ctx.at``: rows kept and lost per reason, and the snapshot hash."""
    import hashlib

    import pandas as pd

    from ..curation import snapshot
    from ..store import canonical_json

    rows = []
    for use in uses_to_curate(ctx.project, ctx.at):
        view, _ds, inputs, digest, _data = snapshot.compute(ctx.project, use, ctx.at)
        ctx.results["snapshots"][use] = {
            "content_sha256": digest, "inputs_sha256": hashlib.sha256(canonical_json(inputs).encode()).hexdigest(),
            "rows": int(len(view.frame)), "raw": int(len(view.reason)), "counts": view.counts,
            "scope": inputs.get("scope", {}), "at": inputs["at"]}
        rows.append({"use": use, "raw": len(view.reason), **view.counts, "sha256": digest[:16]})
    return pd.DataFrame(rows).set_index("use")


def evaluate(ctx: RunContext):
    """Train and evaluate the candidates on the curated views at ``ctx.at`` (seeded); one row per candidate.

    :func:`workbench.evaluation.run.run_evaluation`, as every caller does, logged in memory (the run only reads the
    project); it refuses rows that changed since :func:`curate`.
    """
    import pandas as pd

    from ..evaluation.run import run_evaluation

    ran = run_evaluation(ctx.project, ctx.candidates, seed=ctx.seed, at=ctx.at, snapshots=ctx.results["snapshots"],
                         store=MemoryLog(), runs_dir=ctx.folder / "evaluation")
    ctx.run = ran.folded()
    ctx.results["evaluation"] = ctx.run
    ctx.results["candidates"] = ran.candidates
    table = []
    for key, r in ctx.run["candidates"].items():
        fp = r.get("footprint") or {}
        acc = ((r.get("overall") or {}).get("accuracy", {}).get("") or [None])[0]
        table.append({"candidate": key, "status": r.get("status"), "accuracy": acc, "kwh": fp.get("total_kwh"),
                      "model_bytes": fp.get("model_bytes"), "error": r.get("error", "")})
    return pd.DataFrame(table).set_index("candidate")


def overall_status(result: dict) -> str:
    """A candidate's overall outcome (:func:`workbench.evaluation.criteria.candidate_status`)."""
    from ..evaluation.criteria import candidate_status

    return candidate_status(result)


def check_criteria(ctx: RunContext):
    """Each candidate against each criterion of the charter (and the footprint budget), and the recommendation."""
    import pandas as pd

    if ctx.run is None:
        raise WorkbenchError("There is no evaluation to check.", "Run the evaluation cell first.")
    table = {}
    for key, r in ctx.run["candidates"].items():
        ctx.results["criteria"][key] = {c["id"]: c["status"] for c in r.get("criteria", [])}
        table[key] = {**ctx.results["criteria"][key], "overall": overall_status(r)}
    ctx.results["recommendation"] = ctx.run.get("recommendation")
    frame = pd.DataFrame(table).T
    frame.index.name = "candidate"
    rec = (ctx.run.get("recommendation") or {}).get("candidate")
    frame["recommended"] = [key == rec for key in frame.index]
    return frame


def card_candidate(ctx: RunContext) -> tuple[str | None, str]:
    """The model the card is about: the recommended one, else the community's adopted one if it ran here."""
    rec = (ctx.run.get("recommendation") or {}).get("candidate") if ctx.run else None
    if rec:
        return rec, "recommended"
    adopted = (ctx.results.get("adopted") or {}).get("candidate")
    if ctx.run and adopted and (ctx.run["candidates"].get(adopted) or {}).get("status") == "ok":
        return adopted, "adopted"
    return None, ""


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.name


def write_cards(ctx: RunContext):
    """The charter, the consent form of the scope in force, the datasheet at ``ctx.at`` and the model card."""
    import pandas as pd

    folder = ctx.folder / "cards"
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[str]] = {}
    links: dict[str, dict] = {}
    p, lang = ctx.project, ctx.language
    from ..purpose.charter import CharterHistory

    if CharterHistory.load(p.store).latest is not None:
        from ..purpose.render import write_charter

        _version, paths = write_charter(p, None, lang, folder)
        written["charter"] = [x.name for x in paths]
    from .manifest import scope_in_force

    scope = scope_in_force(p.store, ctx.at)
    if scope:
        from ..consent.form import write_forms

        paths = write_forms(p, scope["version"], [lang], folder / "consent")
        written["consent"] = [f"consent/{x.name}" for x in paths]
    from ..curation.importer import current

    if current(p.store) is not None:
        import hashlib

        from ..curation import datasheet

        dctx = datasheet.context(p, lang, ctx.at)
        sheet = datasheet.render_markdown(dctx)
        written["datasheet"] = [_write(folder / "datasheet.md", sheet),
                                _write(folder / "datasheet.html", datasheet.render_html(dctx))]
        # The model card links the datasheet this run wrote (the project's log, pinned, holds no later one).
        links["datasheet"] = {"hash": hashlib.sha256(sheet.encode()).hexdigest(), "file": "cards/datasheet.md"}
    candidate, why = card_candidate(ctx)
    if candidate:
        from ..evaluation import card

        cctx = card.context(p, ctx.run, candidate, lang, model_drift(ctx, candidate), links=links)
        written["model_card"] = [_write(folder / "model_card.md", card.render_markdown(cctx)),
                                 _write(folder / "model_card.html", card.render_html(cctx)),
                                 _write(folder / "README.md", card.readme(cctx))]
    ctx.results["cards"] = {"files": written, "model_card": {"candidate": candidate, "why": why}}
    return pd.DataFrame([{"card": k, "files": ", ".join(v)} for k, v in written.items()]).set_index("card")


def model_drift(ctx: RunContext, candidate: str):
    """Consent drift of the run's training rows: who permitted training at ``ctx.at`` and no longer does now."""
    import pandas as pd

    from ..consent.ledger import ConsentLedger
    from ..evaluation import drift

    info = (ctx.run["started"].get("files") or {}).get("training_rows")
    if not info:
        return None
    rows = pd.read_csv(ctx.folder / "evaluation" / info["file"], dtype=str, keep_default_na=False)
    if "contributor" not in rows.columns:
        return drift.Drift(ctx.run["run"], candidate, len(rows), 0, 0)
    ids = rows["contributor"].where(rows["contributor"] != "", None)
    affected, people, by_reason = drift.training_drift(ids, ConsentLedger.load(ctx.project.store), None)
    return drift.Drift(ctx.run["run"], candidate, len(rows), affected, people, by_reason)


def finish(ctx: RunContext) -> Path:
    """Write ``results.json`` (what the run found: snapshots, evaluation, criteria, recommendation, cards)."""
    path = ctx.folder / RESULTS
    path.write_text(json.dumps(ctx.results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path
