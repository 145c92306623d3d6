"""One plain sentence under every chart: what the chart says, for someone who does not read charts.

Each function takes the same aggregated table its chart takes (see ``charts/purpose.py``,
``curation.py``, ``evaluation.py``) and a ``Translator``, and returns one short sentence from the message
catalogs. The sentence is plain text and may quote participant text (a statement, a group's name, a
column, a model's title): show it with :func:`reading_html`, which escapes it. No Altair here; pandas
only through the tables passed in.
"""

from __future__ import annotations

import math

from ..i18n import Translator, format_number
from ..text import esc

MAJORITY = 0.5  # "most people agree" means more than half of the votes cast on the statement
NEAR = 0.05  # a group's share within 5 points of its reference share reads as "close"
QUOTE_CHARS = 90  # a statement quoted in a sentence is cut here (the full text is listed beside the chart)


def reading_html(sentence: str) -> str:
    """The sentence as HTML under a chart (escaped: it may quote participant text)."""
    return f'<p class="wb-reading">{esc(sentence)}</p>'


def _pct(value: float, tr: Translator) -> str:
    """A share as the language writes it (CLDR): ``12%`` in en and pt-BR, ``12 %`` in es."""
    from babel.numbers import format_percent

    return format_percent(float(value), locale=_locale(tr))


def _decimal(value: float, tr: Translator) -> str:
    """A value with two decimals and the language's separator: ``0.83`` in en, ``0,83`` in pt-BR and es."""
    return format_number(float(value), tr.language, decimals=2)


def _locale(tr: Translator) -> str:
    return tr.language.replace("-", "_")


def _count(value, tr: Translator) -> str:
    return format_number(int(value), tr.language)


def _quote(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# -- stage 1 -------------------------------------------------------------------------------------
def votes_reading(statements, tr: Translator) -> str:
    """``votes_per_statement``: the statement most people agree with, or that none has a majority yet."""
    voted = statements[statements["votes"] > 0] if len(statements) else statements
    if not len(voted):
        return tr("reading.votes.none")
    share = voted["agree"] / voted["votes"]
    best = voted.assign(_share=share).sort_values(["_share", "votes", "id"], ascending=[False, False, True]).iloc[0]
    if best["_share"] <= MAJORITY:
        return tr("reading.votes.no_majority")
    return tr("reading.votes.most_agree", text=_quote(best["text"]), share=_pct(best["_share"], tr),
              votes=_count(best["votes"], tr))


def consensus_reading(statements, tr: Translator) -> str:
    """``consensus_ranking``: the statement with the most agreement across groups."""
    if not len(statements) or not (statements["votes"] > 0).any():
        return tr("reading.votes.none")
    best = statements[statements["votes"] > 0].sort_values(["consensus", "id"], ascending=[False, True]).iloc[0]
    return tr("reading.consensus.best", text=_quote(best["text"]), value=_decimal(best["consensus"], tr))


def map_reading(participants, tr: Translator) -> str:
    """``opinion_map``: how many opinion groups, and the largest."""
    placed = participants[participants["clustered"] & participants["group"].notna()] if len(participants) else []
    if not len(placed):
        return tr("reading.map.none")
    sizes = placed["group"].value_counts()
    largest = sorted(sizes.items(), key=lambda kv: (-kv[1], str(kv[0])))[0]
    return tr("reading.map.groups", people=_count(len(placed), tr), groups=_count(len(sizes), tr), name=str(largest[0]),
              size=_count(largest[1], tr))


# -- stage 3 -------------------------------------------------------------------------------------
def waterfall_reading(steps, tr: Translator) -> str:
    """``waterfall``: rows kept of all rows, and the biggest loss."""
    raw = int(steps.loc[steps["step"] == "raw", "rows"].sum())
    kept = int(steps.loc[steps["step"] == "kept", "rows"].sum())
    losses = steps[~steps["step"].isin(["raw", "kept"]) & (steps["rows"] != 0)]
    if not len(losses):
        return tr("reading.waterfall.all_kept", raw=_count(raw, tr))
    worst = losses.assign(_n=losses["rows"].abs()).sort_values("_n", ascending=False).iloc[0]
    return tr.plural("reading.waterfall.kept", int(worst["_n"]), kept=_count(kept, tr), raw=_count(raw, tr),
                     reason=tr(f"curation.reason.{worst['step']}"), rows=_count(worst["_n"], tr))


def missing_reading(columns, tr: Translator) -> str:
    """``missing_values``: the column missing most, or that nothing is missing."""
    if not len(columns) or not (columns["missing"] > 0).any():
        return tr("reading.missing.none")
    worst = columns.sort_values(["missing_share", "column"], ascending=[False, True]).iloc[0]
    return tr("reading.missing.worst", column=str(worst["column"]), share=_pct(worst["missing_share"], tr))


def label_balance_reading(labels, tr: Translator) -> str:
    """``label_balance``: the most and the least common label."""
    if not len(labels):
        return tr("reading.labels.none")
    ordered = labels.sort_values(["count", "label"], ascending=[False, True])
    top, low = ordered.iloc[0], ordered.iloc[-1]
    if len(ordered) == 1:
        return tr("reading.labels.one", label=str(top["label"]))
    return tr("reading.labels.spread", label=str(top["label"]), share=_pct(top["share"], tr), least=str(low["label"]),
              least_share=_pct(low["share"], tr))


def representation_reading(groups, attribute: str, tr: Translator) -> str:
    """``representation``: the group furthest below its reference share, or the smallest group."""
    part = groups[groups["attribute"] == attribute]
    if not len(part):
        return tr("reading.groups.none", attribute=attribute)

    def name(g) -> str:
        return tr("curation.missing_value") if _missing(g) else str(g)

    with_ref = part[part["reference"].notna()]
    if len(with_ref):
        gaps = (with_ref["share"] - with_ref["reference"]).sort_values()
        row = with_ref.loc[gaps.index[0]]
        if gaps.iloc[0] < -NEAR:
            return tr("reading.groups.below", group=name(row["group"]), share=_pct(row["share"], tr),
                      reference=_pct(row["reference"], tr))
        return tr("reading.groups.close", attribute=attribute)
    row = part.sort_values(["share"]).iloc[0]
    return tr("reading.groups.smallest", group=name(row["group"]), share=_pct(row["share"], tr))


def text_lengths_reading(histogram, tr: Translator) -> str:
    """``text_lengths``: the commonest length band."""
    if not len(histogram) or not histogram["rows"].sum():
        return tr("reading.lengths.none")
    row = histogram.sort_values(["rows", "bin_start"], ascending=[False, True]).iloc[0]
    return tr("reading.lengths.most", low=_count(row["bin_start"], tr), high=_count(row["bin_end"], tr),
              share=_pct(row["rows"] / histogram["rows"].sum(), tr))


def pii_reading(pii, tr: Translator) -> str:
    """``pii_findings``: the commonest kind of personal data found, or none."""
    if not len(pii) or not pii["rows"].sum():
        return tr("reading.pii.none")
    by_kind = pii.groupby("kind")["rows"].sum().sort_values(ascending=False)
    return tr.plural("reading.pii.found", int(by_kind.iloc[0]), kind=tr(f"curation.pii.{by_kind.index[0]}"),
                     rows=_count(by_kind.iloc[0], tr))


def pay_reading(workers, floor: float | None, tr: Translator) -> str:
    """``pay_vs_floor``: how many are paid below the agreed floor."""
    paid = workers[workers["hours"] > 0]
    if not len(paid):
        return tr("reading.pay.none")
    if not floor:
        return tr.plural("reading.pay.no_floor", len(paid), workers=_count(len(paid), tr))
    below = int(paid["below_floor"].sum())
    if not below:
        return tr.plural("reading.pay.all_above", len(paid), workers=_count(len(paid), tr))
    return tr.plural("reading.pay.below", below, below=_count(below, tr), workers=_count(len(paid), tr))


# -- stage 4 -------------------------------------------------------------------------------------
def group_metric_reading(rows, threshold: float | None, tr: Translator, direction: str = ">=") -> str:
    """``group_metric``: the group that does worst, and whether every group meets the threshold."""
    if not len(rows):
        return tr("reading.metric.none")
    at_least = direction != "<="
    worst = rows.sort_values(["value", "group"], ascending=[at_least, True]).iloc[0]
    value = _decimal(worst["value"], tr)
    if threshold is None:
        return tr("reading.metric.worst", group=str(worst["group"]), value=value)
    ok = (rows["value"] >= threshold) if at_least else (rows["value"] <= threshold)
    key = "reading.metric.all_meet" if bool(ok.all()) else "reading.metric.misses"
    return tr(key, group=str(worst["group"]), value=value, threshold=_decimal(threshold, tr))


def performance_energy_reading(candidates, tr: Translator) -> str:
    """``performance_energy``: the model that passes every criterion and uses the least energy."""
    if not len(candidates):
        return tr("reading.models.none")
    passing = candidates[candidates["status"] == "pass"]
    if not len(passing):
        return tr("reading.models.none_pass")
    best = passing.sort_values(["kwh", "title"]).iloc[0]
    key = "reading.models.only" if len(passing) == 1 else "reading.models.least_energy"
    return tr(key, model=str(best["title"]), count=_count(len(passing), tr))


# -- consent -------------------------------------------------------------------------------------
def coverage_reading(frame, tr: Translator) -> str:
    """``consent.chart.coverage_chart``: the biggest drop since a use's peak, else the most and least permitted now.

    ``frame`` is the chart's table (at, use, permitted): people who permit each use at each time.
    """
    from ..consent.uses import USES

    if not len(frame):
        return tr("reading.coverage.none")

    def title(use: str) -> str:
        return tr(USES[use].title_key) if use in USES else str(use)

    now = frame[frame["at"] == frame["at"].max()].set_index("use")["permitted"]
    peak = frame.groupby("use")["permitted"].max()
    drops = sorted(((int(peak[u]) - int(n), title(u), u) for u, n in now.items()), key=lambda d: (-d[0], d[1]))
    if drops and drops[0][0] > 0:
        _, name, use = drops[0]
        return tr("reading.coverage.drop", use=name, now=_count(now[use], tr), peak=_count(peak[use], tr))
    ranked = sorted(((int(n), title(u)) for u, n in now.items()), key=lambda r: (-r[0], r[1]))
    (most, most_name), (least, least_name) = ranked[0], ranked[-1]
    if most == least:
        return tr.plural("reading.coverage.same", int(most), count=_count(most, tr))
    return tr("reading.coverage.spread", use=most_name, count=_count(most, tr), least=least_name,
              least_count=_count(least, tr))
