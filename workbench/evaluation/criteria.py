"""Each charter criterion checked on a candidate's metrics: pass, fail, or not enough evidence.

The rule (``rule="interval"``, the default) puts the burden of proof on the model:

- a group with fewer rows than the criterion's ``min_group_size``, or a metric
  that is undefined there, is **not enough evidence**: a point estimate on too
  few rows is never a pass;
- the point estimate on the wrong side of the threshold is a **fail**;
- the point estimate on the right side is a **pass** only when the whole
  interval is too (``lo >= threshold`` for "at least", ``hi <= threshold`` for
  "at most"); when the interval still reaches across the threshold, the data
  cannot yet tell, and the answer is **not enough evidence**.

``rule="point"`` drops the third condition (the minimum group size still holds);
a community that wants it says so, and the card names the rule used.

Scopes: ``overall``; ``every_group`` of an attribute (fails if any group with
enough rows fails; otherwise not enough evidence if any group is too small;
otherwise passes) and ``gap``, the largest difference between groups with
enough rows (at most the threshold), judged the same way.

Criteria may be :class:`workbench.purpose.charter.Criterion` objects or their
dicts (``criteria_document(...)["criteria"]``): only their fields are read.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import WorkbenchError
from .metrics import OVERALL, MetricReport

PASS, FAIL, INSUFFICIENT = "pass", "fail", "not_enough_evidence"
STATUSES = (PASS, FAIL, INSUFFICIENT)
RULES = ("interval", "point")
FOOTPRINT_ID = "footprint"


@dataclass
class CriterionResult:
    """The outcome of one criterion for one candidate; ``reason`` is a catalog key, ``params`` fill it."""

    id: str
    metric: str
    scope: str
    direction: str
    threshold: float
    status: str
    value: float | None = None
    lo: float | None = None
    hi: float | None = None
    n: int | None = None
    label: str | None = None
    attribute: str | None = None
    group: str | None = None
    min_group_size: int = 30
    reason: str = ""
    params: dict = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def to_dict(self) -> dict:
        return {k: _clean(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, raw: dict) -> CriterionResult:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in dict(raw).items() if k in names})


def _clean(value):
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _field(criterion, name, default=None):
    if isinstance(criterion, dict):
        return criterion.get(name, default)
    return getattr(criterion, name, default)


def _num(x) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def judge(value, lo, hi, direction: str, threshold: float, enough: bool, rule: str = "interval") -> tuple[str, str]:
    """(status, reason key) for one value against one threshold."""
    if not enough:
        return INSUFFICIENT, "evaluation.reason.too_few_rows"
    if value is None or not np.isfinite(value):
        return INSUFFICIENT, "evaluation.reason.undefined"
    at_least = direction == ">="
    if (value < threshold) if at_least else (value > threshold):
        return FAIL, "evaluation.reason.below" if at_least else "evaluation.reason.above"
    if rule == "point":
        return PASS, "evaluation.reason.meets"
    bound = lo if at_least else hi
    if bound is None or not np.isfinite(bound):
        return INSUFFICIENT, "evaluation.reason.no_interval"
    if (bound >= threshold) if at_least else (bound <= threshold):
        return PASS, "evaluation.reason.meets"
    return INSUFFICIENT, "evaluation.reason.interval_crosses"


def check(criterion, report: MetricReport, rule: str = "interval") -> CriterionResult:
    """Check one criterion against one candidate's :class:`MetricReport`."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}")
    metric, scope = str(_field(criterion, "metric")), str(_field(criterion, "scope", "overall"))
    direction, threshold = str(_field(criterion, "direction", ">=")), float(_field(criterion, "threshold"))
    label, attribute = _field(criterion, "label"), _field(criterion, "attribute")
    min_size = int(_field(criterion, "min_group_size", 30) or 1)
    cid = str(_field(criterion, "id", "") or "-".join(str(p) for p in (metric, label, scope, attribute) if p))
    out = CriterionResult(cid, metric, scope, direction, threshold, INSUFFICIENT, label=label, attribute=attribute,
                          min_group_size=min_size)
    table = report.table
    label_text = "" if label is None else str(label)
    if label is not None and label_text not in {str(x) for x in report.labels}:
        out.reason, out.params = "evaluation.reason.no_label", {"label": label_text}
        return out
    rows = table[(table["metric"] == metric) & (table["label"] == label_text)]
    if rows.empty:
        out.reason, out.params = "evaluation.reason.no_metric", {"metric": metric}
        return out
    if scope == "overall":
        r = rows[rows["attribute"] == OVERALL].iloc[0]
        out.status, out.reason = judge(r["value"], r["lo"], r["hi"], direction, threshold, r["n"] >= min_size, rule)
        out.value, out.lo, out.hi, out.n, out.group = _num(r["value"]), _num(r["lo"]), _num(r["hi"]), int(r["n"]), None
        out.params = {"n": int(r["n"]), "min": min_size}
        return out
    rows = rows[rows["attribute"] == attribute]
    if rows.empty:
        out.reason, out.params = "evaluation.reason.no_attribute", {"attribute": str(attribute)}
        return out
    per_group = []
    for r in rows.itertuples(index=False):  # one row per group of one attribute: a handful
        status, reason = judge(r.value, r.lo, r.hi, direction, threshold, r.n >= min_size, rule)
        per_group.append({"group": r.group, "value": _num(r.value), "lo": _num(r.lo), "hi": _num(r.hi), "n": int(r.n),
                          "status": status, "reason": reason})
    out.groups = per_group
    small = [g["group"] for g in per_group if g["n"] < min_size]
    eligible = [g for g in per_group if g["n"] >= min_size and g["value"] is not None]
    if scope == "every_group":
        worst_key = (lambda g: g["value"]) if direction == ">=" else (lambda g: -g["value"])
        failing = [g for g in per_group if g["status"] == FAIL]
        unsure = [g for g in per_group if g["status"] == INSUFFICIENT]
        if eligible:
            worst = min(eligible, key=worst_key)
            out.value, out.lo, out.hi, out.n, out.group = worst["value"], worst["lo"], worst["hi"], worst["n"], \
                worst["group"]
        if failing:
            worst = min(failing, key=worst_key)
            out.status, out.reason = FAIL, worst["reason"]
            out.value, out.lo, out.hi, out.n, out.group = worst["value"], worst["lo"], worst["hi"], worst["n"], \
                worst["group"]
            out.params = {"group": worst["group"]}
        elif unsure:
            out.status = INSUFFICIENT
            out.reason = "evaluation.reason.small_groups" if small else unsure[0]["reason"]
            out.params = {"groups": ", ".join(small or [g["group"] for g in unsure]), "min": min_size}
        else:
            out.status, out.reason, out.params = PASS, "evaluation.reason.meets", {}
        return out
    # gap: the largest difference between groups with enough rows
    if len(eligible) < 2:
        out.reason, out.params = "evaluation.reason.too_few_groups", {"min": min_size}
        return out
    low = min(eligible, key=lambda g: g["value"])
    high = max(eligible, key=lambda g: g["value"])
    out.value, out.n, out.group = high["value"] - low["value"], min(low["n"], high["n"]), f"{low['group']} – {high['group']}"
    lo, hi = report.gap_interval(metric, label, attribute, [g["group"] for g in eligible])
    out.lo, out.hi = _num(lo), _num(hi)
    status, reason = judge(out.value, out.lo, out.hi, "<=", threshold, True, rule)
    if status != FAIL and small:
        status, reason = INSUFFICIENT, "evaluation.reason.small_groups"
        out.params = {"groups": ", ".join(small), "min": min_size}
    out.status, out.reason = status, reason
    return out


def check_all(criteria, report: MetricReport, rule: str = "interval") -> list[CriterionResult]:
    return [check(c, report, rule) for c in criteria]


def check_footprint(total_kwh: float, budget_kwh: float | None) -> CriterionResult | None:
    """The charter's footprint budget as one more criterion (a measurement, no interval); None without a budget."""
    if budget_kwh is None:
        return None
    ok = total_kwh <= float(budget_kwh)
    return CriterionResult(FOOTPRINT_ID, "energy_kwh", "overall", "<=", float(budget_kwh), PASS if ok else FAIL,
                           value=float(total_kwh), reason="evaluation.reason.within_budget" if ok else
                           "evaluation.reason.over_budget", params={"budget": f"{float(budget_kwh):g}"})


def sentence(tr, c: dict) -> str:
    """A checked criterion in words (the charter's own sentence), or the footprint budget."""
    if c.get("id") == "footprint":
        return tr("evaluation.ui.footprint_criterion", budget=f"{float(c['threshold']):g}")
    try:
        from ..purpose.charter import Criterion

        return Criterion.from_dict(c).sentence(tr)
    except (WorkbenchError, KeyError, TypeError, ValueError):  # a criterion the charter cannot read: its id is clear
        return str(c.get("id", ""))


def candidate_status(result) -> str:
    """One candidate's overall outcome, the one definition every screen and document uses.

    ``failed`` when it did not run (it crashed, or was cancelled), ``pass`` when every criterion passed,
    ``fail`` when one failed, ``not_enough_evidence`` otherwise (no criteria, or one could not tell).
    ``result``: a folded run's candidate (dict) or a :class:`~.protocol.CandidateResult`.
    """
    get = result.get if isinstance(result, dict) else (lambda k, d=None: getattr(result, k, d))
    if get("status", "ok") != "ok":
        return "failed"
    statuses = [c["status"] if isinstance(c, dict) else c.status for c in (get("criteria") or [])]
    if not statuses:
        return INSUFFICIENT
    if all(s == PASS for s in statuses):
        return PASS
    return FAIL if FAIL in statuses else INSUFFICIENT
