"""The evaluation protocol: which rows train, which test, in which order, logged as it goes.

Inputs are plain pandas (:class:`EvaluationData`): the rows permitted for
training, the rows permitted for evaluation (the curation stage's views; a row
may be in both, and the index is the row's identity), the target, the group
columns, an optional text column. The protocol never trains on a row outside
``train`` nor tests on one outside ``test``.

The plan (seeded, recorded):

- ``given``: train and test do not overlap: use them as they are;
- ``kfold`` (fewer than :data:`KFOLD_BELOW` evaluation rows): k-fold over the
  evaluation rows; fold i tests its rows with a model trained on the training
  rows outside fold i, so every evaluation row gets one prediction from a model
  that never saw it;
- ``holdout``: a share of the evaluation rows is held out; the model trains on
  the training rows outside it.

Folds are grouped by contributor when the data names that column (all of one
person's rows in one fold), stratified by class when every class has enough
rows, and neither otherwise: :func:`split` records which (``plan.split``, in
``evaluation.started``), and the card says that, not what was intended.

After the estimate, each candidate is fitted once more on all training rows:
that is the model the community may adopt (for ``given``, the one model is both).

Events: ``evaluation.started`` ``{run, seed, plan (with its split), snapshot, candidates, n_train,
n_test, labels, features, columns (every column, used or left out and why), criteria, rule, n_boot,
level, ...}``;
``evaluation.recorded`` per candidate ``{run, candidate, status, footprint,
criteria, overall, by_group, files}``; then ``evaluation.completed``
``{run, recommendation}`` or ``evaluation.cancelled`` ``{run, done}``.
Model fitting runs with one thread per library (``threadpoolctl``): on a shared
2-core workshop machine, OpenMP's default of one thread per core made a
gradient-boosting fit 25x slower under load.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import WorkbenchError
from . import candidates as cands
from .choose import Recommendation, recommend
from .criteria import CriterionResult, check_all, check_footprint
from .footprint import Footprint, default_meter, inference_ms_per_1000, model_size_bytes
from .metrics import DEFAULT_BOOT, DEFAULT_LEVEL, JOIN, OVERALL, MetricReport, group_metrics

_log = logging.getLogger(__name__)
_log.addHandler(logging.NullHandler())  # the app decides where records go (the CLI: errors.log), never stderr

STARTED, RECORDED = "evaluation.started", "evaluation.recorded"
COMPLETED, CANCELLED = "evaluation.completed", "evaluation.cancelled"
KFOLD_BELOW = 2000
FOLDS = 5
TEST_SIZE = 0.25
METHODS = ("auto", "given", "kfold", "holdout")


class Cancelled(WorkbenchError):
    """The facilitator stopped the run."""


@dataclass
class EvaluationData:
    """What a run needs, as plain pandas. Index labels identify rows across ``train`` and ``test``."""

    train: pd.DataFrame
    test: pd.DataFrame
    target: str
    groups: list[str] = field(default_factory=list)
    text: str | None = None
    features: list[str] | None = None  # tabular inputs; default: every other column not excluded
    contributor: str | None = None
    exclude: list[str] = field(default_factory=list)  # never inputs (ids, dates)
    snapshot: str = ""
    provenance: dict = field(default_factory=dict)
    # Every column with whether it is an input and why ({column, used, why}: see .inputs.column_notes);
    # default: worked out from the fields above.
    column_notes: list[dict] | None = None

    def notes(self) -> list[dict]:
        """Every column of the data, used or left out and why (recorded with the run, listed on the card)."""
        if self.column_notes is not None:
            return [dict(n) for n in self.column_notes]
        used = set(self.feature_columns())
        out = []
        for col in dict.fromkeys([*self.train.columns, *self.test.columns]):
            why = ("target" if col == self.target else "text" if col == self.text else
                   "contributor" if col == self.contributor else "group" if col in self.groups else
                   "input" if col in used else "dropped")
            out.append({"column": str(col), "used": why in ("input", "text"), "why": why})
        return out

    def feature_columns(self) -> list[str]:
        if self.features is not None:
            return list(self.features)
        skip = {self.target, self.text, self.contributor, *self.groups, *self.exclude}
        cols = list(dict.fromkeys([*self.train.columns, *self.test.columns]))
        return [c for c in cols if c not in skip]

    def spec(self) -> cands.FeatureSpec:
        cols = self.feature_columns()
        both = pd.concat([self.train[cols], self.test[cols]]) if cols else self.train.iloc[:, :0]
        return cands.FeatureSpec.infer(both, cols, self.text)

    def labels(self) -> list[str]:
        values = pd.concat([self.train[self.target], self.test[self.target]]).dropna().astype(str)
        return sorted(values.unique())

    def validate(self) -> EvaluationData:
        for name, frame in (("training", self.train), ("evaluation", self.test)):
            if self.target not in frame.columns:
                raise WorkbenchError(f"The {name} rows have no column {self.target!r} to predict.",
                                     "Name the target column in the dataset's mapping.",
                                     key="evaluation.error.no_target", column=self.target)
            for col in [*self.groups, *([self.text] if self.text else [])]:
                if col not in frame.columns:
                    raise WorkbenchError(f"The {name} rows have no column {col!r}.",
                                         "Check the charter's groups and the dataset's mapping.",
                                         key="evaluation.error.no_column", column=col)
            if not frame.index.is_unique:
                raise WorkbenchError(f"The {name} rows' ids are not unique.", "Give every row its own id.",
                                     key="evaluation.error.duplicate_ids")
        self.train = self.train[self.train[self.target].notna() & (self.train[self.target].astype(str) != "")]
        self.test = self.test[self.test[self.target].notna() & (self.test[self.target].astype(str) != "")]
        if len(self.train) < 10 or len(self.test) < 10:
            raise WorkbenchError(f"There are {len(self.train)} rows permitted for training and {len(self.test)} for "
                                 "evaluation; at least 10 of each are needed.",
                                 "Check consent and curation: which rows are permitted?",
                                 key="evaluation.error.too_few_rows", train=len(self.train), test=len(self.test))
        if self.train[self.target].astype(str).nunique() < 2:
            raise WorkbenchError("The training rows have a single class; there is nothing to learn.",
                                 key="evaluation.error.one_class")
        return self


@dataclass
class Plan:
    method: str
    seed: int
    folds: int = FOLDS
    test_size: float = TEST_SIZE
    # How the rows were actually split, set by :func:`split` (the log records it; the card says it):
    # {splitter, stratified, grouped_by, folds, test_size, groups, held_out}.
    split: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = {"method": self.method, "seed": self.seed, "folds": self.folds, "test_size": self.test_size}
        if self.split:
            out["split"] = dict(self.split)
        return out


def make_plan(data: EvaluationData, seed: int = 0, method: str = "auto", folds: int = FOLDS,
              test_size: float = TEST_SIZE) -> Plan:
    if method not in METHODS:
        raise WorkbenchError(f"{method!r} is not a way to split.", f"Use one of: {', '.join(METHODS)}.",
                             key="evaluation.error.method", method=str(method))
    if method == "auto":
        if not data.train.index.isin(data.test.index).any():
            method = "given"
        else:
            method = "kfold" if len(data.test) < KFOLD_BELOW else "holdout"
    return Plan(method, int(seed), int(folds), float(test_size))


def split(data: EvaluationData, plan: Plan) -> list[tuple[pd.Index, pd.Index]]:
    """(training row ids, test row ids) for each fold of the plan.

    When the data names its contributor column, folds are grouped by person: all of one
    person's rows are tested together, and none of them trains the model they test (their
    messages resemble each other, so mixing them would flatter every candidate).

    What was used is written to ``plan.split`` (``splitter``: the scikit-learn class, or ``given``;
    ``stratified``; ``grouped_by``: the contributor column or None; the actual ``folds``; ``test_size``;
    ``groups``: how many people; ``held_out``: rows held out), so the card describes the split as it was.
    """
    import warnings

    from sklearn.model_selection import (
        GroupKFold,
        GroupShuffleSplit,
        KFold,
        StratifiedGroupKFold,
        StratifiedKFold,
        train_test_split,
    )

    pool = data.test.index
    y = data.test[data.target].astype(str).to_numpy()
    if plan.method == "given":
        plan.split = {"splitter": "given", "stratified": False, "grouped_by": None, "folds": 1}
        return [(data.train.index.difference(pool), pool)]
    people = _people(data)
    smallest = int(pd.Series(y).value_counts().min())
    if people is not None and people.nunique() >= 2:
        who = people.reindex(pool).to_numpy()
        if plan.method == "kfold":
            k = max(2, min(plan.folds, int(pd.Series(who).nunique())))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "least populated class" on tiny classes
                splitter = (StratifiedGroupKFold(k, shuffle=True, random_state=plan.seed) if smallest >= k
                            else GroupKFold(k))
                folds = [pool[te] for _tr, te in splitter.split(np.zeros(len(y)), y, groups=who)]
            plan.split = {"splitter": type(splitter).__name__, "stratified": smallest >= k,
                          "grouped_by": data.contributor, "folds": k}
        else:
            gss = GroupShuffleSplit(n_splits=1, test_size=plan.test_size, random_state=plan.seed)
            folds = [pool[np.sort(te)] for _tr, te in gss.split(np.zeros(len(y)), y, groups=who)]
            plan.split = {"splitter": "GroupShuffleSplit", "stratified": False, "grouped_by": data.contributor,
                          "folds": 1, "test_size": plan.test_size, "held_out": int(len(folds[0]))}
        plan.split["groups"] = int(pd.Series(who).nunique())
        out = []
        for test_ids in folds:
            tested = set(people.reindex(test_ids))
            train_people = people.reindex(data.train.index)
            keep = ~train_people.isin(tested).to_numpy()
            out.append((data.train.index[keep].difference(test_ids), test_ids))
        return out
    if plan.method == "kfold":
        k = max(2, min(plan.folds, len(pool)))
        splitter = StratifiedKFold(k, shuffle=True, random_state=plan.seed) if smallest >= k else \
            KFold(k, shuffle=True, random_state=plan.seed)
        plan.split = {"splitter": type(splitter).__name__, "stratified": smallest >= k, "grouped_by": None,
                      "folds": k}
        return [(data.train.index.difference(pool[te]), pool[te]) for _tr, te in splitter.split(np.zeros(len(y)), y)]
    _rest, held = train_test_split(np.arange(len(pool)), test_size=plan.test_size, random_state=plan.seed,
                                   stratify=y if smallest >= 2 else None)
    held = pool[np.sort(held)]
    plan.split = {"splitter": "train_test_split", "stratified": smallest >= 2, "grouped_by": None, "folds": 1,
                  "test_size": plan.test_size, "held_out": int(len(held))}
    return [(data.train.index.difference(held), held)]


def _people(data: EvaluationData) -> pd.Series | None:
    """Contributor of every row (train and test), when the data names the column."""
    col = data.contributor
    if not col or col not in data.test.columns or col not in data.train.columns:
        return None
    both = pd.concat([data.train[col], data.test[col]])
    both = both[~both.index.duplicated()]
    return both.astype(str).fillna("")


@dataclass
class CandidateResult:
    key: str
    status: str = "ok"  # ok / failed
    error: str = ""
    predictions: pd.Series | None = None
    report: MetricReport | None = None
    footprint: Footprint = field(default_factory=Footprint)
    criteria: list[CriterionResult] = field(default_factory=list)
    model: object = None
    files: dict = field(default_factory=dict)

    @property
    def passes_all(self) -> bool:
        return bool(self.criteria) and all(c.passed for c in self.criteria)


@dataclass
class EvaluationRun:
    run: str
    plan: Plan
    spec: cands.FeatureSpec
    labels: list[str]
    results: dict[str, CandidateResult]
    recommendation: Recommendation | None
    status: str  # completed / cancelled
    snapshot: str = ""
    n_train: int = 0
    n_test: int = 0
    criteria: list[dict] = field(default_factory=list)
    rule: str = "interval"
    seconds: float = 0.0


def _column_notes(data: EvaluationData, spec: cands.FeatureSpec) -> list[dict]:
    """:meth:`EvaluationData.notes` with each input's kind as the models read it (numeric / categorical)."""
    notes = data.notes()
    for n in notes:
        if n["why"] == "input":
            n["as"] = "numeric" if n["column"] in spec.numeric else "categorical"
            n["used"] = n["column"] in spec.columns
    return notes


def _as_dicts(criteria) -> list[dict]:
    out = []
    for c in criteria or ():
        out.append(dict(c) if isinstance(c, dict) else c.to_dict() if hasattr(c, "to_dict") else vars(c))
    return out


def _compact(report: MetricReport, criteria: list[dict], groups: list[str]) -> tuple[dict, list[list]]:
    """Overall metrics {metric: {label: [value, lo, hi]}} and per-group rows of the metrics the criteria name."""
    t = report.table
    overall = {}
    for r in t[t["attribute"] == OVERALL].itertuples(index=False):
        overall.setdefault(r.metric, {})[r.label] = [_f(r.value), _f(r.lo), _f(r.hi)]
    wanted = {("accuracy", "")} | {(c["metric"], "" if c.get("label") is None else str(c["label"])) for c in criteria}
    sel = t[t["attribute"].isin(groups)]
    keys = list(zip(sel["metric"], sel["label"], strict=True))
    sel = sel[[k in wanted for k in keys]]
    rows = [[r.attribute, r.group, r.metric, r.label, _f(r.value), _f(r.lo), _f(r.hi), int(r.n)]
            for r in sel.itertuples(index=False)]
    return overall, rows


def _f(x):
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def evaluate(data: EvaluationData, candidates: Iterable[str] | None = None, *, seed: int = 0, method: str = "auto",
             criteria=(), budget_kwh: float | None = None, rule: str = "interval", meter=None,
             progress: Callable[[int, int, str, str], None] | None = None, cancel=None, n_boot: int = DEFAULT_BOOT,
             intersections: Iterable[Iterable[str]] = (), store=None, runs_dir: str | Path | None = None,
             actor: str = "facilitator", provenance: dict | None = None, country: str = "") -> EvaluationRun:
    """Train and evaluate ``candidates`` (default: every usable one); returns the run, logs it in ``store``.

    ``progress(done, total, candidate, step)`` is called after each step (``step``: fit / final / metrics / done);
    ``cancel`` is a ``threading.Event`` or a callable: once set, the run stops after the current step and is
    logged as cancelled. ``runs_dir`` (e.g. ``artifacts/runs``): where each candidate's metrics table and model
    and the list of training rows are written, their hashes logged.
    """
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    meter = meter or default_meter(country)
    if hasattr(meter, "warm_up"):
        meter.warm_up()
    data.validate()
    spec = data.spec()
    keys = list(dict.fromkeys(candidates or cands.usable(spec)))
    for key in keys:
        why = cands.get(key).unusable(spec)
        if why:
            raise WorkbenchError(f"The candidate {key} cannot run on this data ({why.rsplit('.', 1)[-1]}).",
                                 "Leave it out.", key="evaluation.error.unusable", candidate=key)
    if not keys:
        raise WorkbenchError("No candidate can run on this data.", key="evaluation.error.no_candidates")
    criteria = _as_dicts(criteria)
    intersections = [tuple(c) for c in intersections]
    columns = list(dict.fromkeys([*data.groups, *(a for combo in intersections for a in combo)]))
    for col in columns:
        if col not in data.test.columns:
            raise WorkbenchError(f"The evaluation rows have no column {col!r}.", "Check the attribute's name.",
                                 key="evaluation.error.no_column", column=col)
    plan = make_plan(data, seed, method)
    folds = split(data, plan)
    labels = data.labels()
    stop = cancel.is_set if hasattr(cancel, "is_set") else (cancel or (lambda: False))
    run_id = uuid.uuid4().hex[:12]
    folder = Path(runs_dir) / run_id if runs_dir else None
    files = {}
    if folder is not None:
        from .artifacts import write_atomic

        rows = pd.DataFrame({"row": data.train.index.astype(str)})
        if data.contributor and data.contributor in data.train.columns:
            rows["contributor"] = data.train[data.contributor].astype(str).to_numpy()
        files["training_rows"] = {"file": f"{run_id}/training_rows.csv",
                                  "sha256": write_atomic(folder / "training_rows.csv", rows.to_csv(index=False))}
    eval_ids = pd.Index(np.concatenate([np.asarray(te) for _tr, te in folds])) if folds else data.test.index
    if store is not None:
        store.append(STARTED, {
            "run": run_id, "seed": int(seed), "plan": plan.to_dict(), "snapshot": data.snapshot,
            "candidates": keys, "n_train": int(len(data.train)), "n_test": int(len(eval_ids)), "labels": labels,
            "target": data.target, "groups": list(data.groups), "text": data.text, "features": spec.to_dict(),
            "intersections": [list(c) for c in intersections], "criteria": criteria, "budget_kwh": budget_kwh,
            "rule": rule, "n_boot": int(n_boot), "level": DEFAULT_LEVEL, "columns": _column_notes(data, spec),
            "provenance": {**data.provenance, **(provenance or {})},
            "meter": meter.method, "country": country, "files": files}, actor=actor)
    total = len(keys) * (len(folds) + (0 if plan.method == "given" else 1) + 1)
    done = 0
    results: dict[str, CandidateResult] = {}
    status = "completed"
    y_all = data.test[data.target].astype(str)
    try:
        with threadpool_limits(1):
            for key in keys:
                if stop():
                    raise Cancelled("The evaluation was cancelled.", key="evaluation.cancelled")
                cand = cands.get(key)
                result = CandidateResult(key, footprint=Footprint(method=meter.method, country=country))
                fp = result.footprint
                predictions = pd.Series(index=eval_ids, dtype=object)
                try:
                    model = None
                    # One measurement per phase and candidate (each start/stop of the tracker costs ~0.05 s):
                    # training = every fold's fit and the final fit; evaluation = predictions and metrics.
                    fold_models = []
                    with meter.measure() as m:
                        for train_ids, _test_ids in folds:
                            train_rows = data.train.loc[train_ids]
                            model = cand.build(spec, plan.seed)
                            model.fit(train_rows, train_rows[data.target].astype(str))
                            fold_models.append(model)
                            done += 1
                            if progress:
                                progress(done, total, key, "fit")
                            if stop():
                                raise Cancelled("The evaluation was cancelled.", key="evaluation.cancelled")
                        if plan.method != "given":
                            model = cand.build(spec, plan.seed)
                            model.fit(data.train, data.train[data.target].astype(str))
                            done += 1
                            if progress:
                                progress(done, total, key, "final")
                    fp.add("train", m)
                    with meter.measure() as m:
                        for fold_model, (_train_ids, test_ids) in zip(fold_models, folds, strict=True):
                            predictions.loc[test_ids] = fold_model.predict(data.test.loc[test_ids])
                        del fold_models
                        report = group_metrics(y_all.loc[eval_ids], predictions, data.test.loc[eval_ids, columns],
                                               labels=labels, attributes=data.groups, intersections=intersections,
                                               n_boot=n_boot, seed=plan.seed,
                                               min_group_size=min([int(c.get("min_group_size") or 30)
                                                                   for c in criteria] or [30]))
                    fp.add("eval", m)
                    fp.model_bytes = model_size_bytes(model)
                    fp.inference_ms_per_1000 = inference_ms_per_1000(model, data.test.loc[eval_ids[:1000]])
                    fp.estimated, fp.hardware = bool(meter.estimated), str(meter.hardware)
                    result.model, result.report, result.predictions = model, report, predictions
                    result.criteria = check_all(criteria, report, rule)
                    budget = check_footprint(fp.total_kwh, budget_kwh)
                    if budget is not None:
                        result.criteria.append(budget)
                except Cancelled:
                    raise
                except Exception as exc:  # noqa: BLE001 - a seam: a plug-in candidate's fit; one failing stops no other
                    _log.error("evaluation %s: candidate %r failed", run_id, key, exc_info=True)
                    result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"[:500]
                done = max(done, (keys.index(key) + 1) * (total // len(keys)))
                results[key] = result
                _record(store, run_id, result, criteria, [*data.groups, *(JOIN.join(c) for c in intersections)],
                        folder, actor)
                if progress:
                    progress(done, total, key, "done")
    except (Cancelled, KeyboardInterrupt) as exc:  # Ctrl-C in the CLI cancels too, and is logged as such
        status = "cancelled"
        interrupted = isinstance(exc, KeyboardInterrupt)
    else:
        interrupted = False
    rec = recommend(list(results.values())) if status == "completed" else None
    if store is not None:
        if status == "completed":
            store.append(COMPLETED, {"run": run_id, "recommendation": rec.to_dict(),
                                     "seconds": round(time.perf_counter() - started, 3)}, actor=actor)
        else:
            store.append(CANCELLED, {"run": run_id, "done": list(results)}, actor=actor)
    if interrupted:
        raise KeyboardInterrupt
    return EvaluationRun(run_id, plan, spec, labels, results, rec, status, data.snapshot, len(data.train),
                         len(eval_ids), criteria, rule, time.perf_counter() - started)


def _record(store, run_id, result: CandidateResult, criteria, groups, folder, actor) -> None:
    if folder is not None and result.status == "ok":
        from ..curation.snapshot import neutralise
        from .artifacts import save_model, sha256_file, write_atomic

        # Group names and labels come from the data: a spreadsheet must show "=cmd" as text, not run it.
        table = result.report.table.map(neutralise)
        sha = write_atomic(folder / f"{result.key}-metrics.csv", table.to_csv(index=False))
        result.files["metrics"] = {"file": f"{run_id}/{result.key}-metrics.csv", "sha256": sha}
        path = save_model(result.model, folder, result.key, fmt="joblib")  # scratch copy; skops at adoption
        result.files["model"] = {"file": f"{run_id}/{path.name}", "sha256": sha256_file(path),
                                 "bytes": path.stat().st_size}
    if store is None:
        return
    payload = {"run": run_id, "candidate": result.key, "status": result.status, "error": result.error,
               "footprint": result.footprint.to_dict(), "criteria": [c.to_dict() for c in result.criteria],
               "files": result.files}
    if result.report is not None:
        payload["overall"], payload["by_group"] = _compact(result.report, criteria, list(groups))
    store.append(RECORDED, payload, actor=actor)


# -- the fold -----------------------------------------------------------------------------------
def runs(events) -> dict[str, dict]:
    """Every evaluation run folded from the log: ``{run id: {run, status, started, candidates, recommendation,
    decision, card}}`` in log order."""
    out: dict[str, dict] = {}
    for ev in events:
        p = ev.payload
        run = out.get(p.get("run", "")) if ev.kind != STARTED else None
        if ev.kind == STARTED:
            out[p["run"]] = {"run": p["run"], "status": "running", "started": p, "ts": ev.ts, "seq": ev.seq,
                             "candidates": {}, "recommendation": None, "decision": None, "card": None}
        elif run is None:
            continue
        elif ev.kind == RECORDED:
            run["candidates"][p["candidate"]] = p
        elif ev.kind == COMPLETED:
            run["status"], run["recommendation"] = "completed", p.get("recommendation")
        elif ev.kind == CANCELLED:
            run["status"] = "cancelled"
        elif ev.kind == "evaluation.decided":
            run["decision"] = {**p, "ts": ev.ts, "seq": ev.seq}
        elif ev.kind == "modelcard.written":
            run["card"] = {**p, "ts": ev.ts, "seq": ev.seq}
    return out


def load_runs(store) -> dict[str, dict]:
    events = store.events(prefix="evaluation.") + store.events(prefix="modelcard.")
    return runs(sorted(events, key=lambda e: e.seq))


def latest_run(store, completed: bool = False) -> dict | None:
    found = [r for r in load_runs(store).values() if not completed or r["status"] == "completed"]
    return found[-1] if found else None
