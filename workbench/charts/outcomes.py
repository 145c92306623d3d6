"""Phone-sized charts for the outcomes app, each with the one plain sentence that reads it.

Functions take the facts of :mod:`workbench.outcomes` (a few rows: uses, groups), build an Altair
chart narrow enough for a 375 px phone, and :func:`phone_svg` renders it offline with vl-convert as
an SVG that shrinks to its box (no sideways scrolling). Readings (``*_reading``) return one sentence
from the catalogs; show it with :func:`workbench.charts.readings.reading_html`, which escapes it.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

from ..i18n import Translator
from .readings import _count, _decimal, _pct

WIDTH = 230  # plot width; with axis labels the SVG stays under ~330 px
STATUS_COLOURS = {"pass": "#1e7b34", "fail": "#9b1c1c", "not_enough_evidence": "#8a6100"}
CONSENT_COLOURS = {"ok": "#1e7b34", "refused": "#9b1c1c", "withdrawn": "#b45309", "expired": "#6b6b6b",
                   "no_record": "#c9c9c9"}
THIN_COLOUR, FULL_COLOUR = "#b45309", "#0b5cad"
LABEL_LIMIT = 120
LOWER_IS_BETTER = ("false_negative_rate", "false_positive_rate")


def phone_svg(chart: alt.Chart) -> str:
    """Static SVG (vl-convert, offline) that scales down to the width of its box, never wider."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(chart.to_json())
    match = re.match(r'(<svg[^>]*?) width="([\d.]+)" height="([\d.]+)"', svg)
    if match:
        head, width, _height = match.groups()
        svg = (f'{head} width="100%" style="max-width:{width}px;height:auto;display:block"'
               + svg[match.end():])
    return svg


# -- consent --------------------------------------------------------------------------------------
def consent_frame(consent: dict, tr: Translator) -> pd.DataFrame:
    """(use, answer, people, order) for the uses people could decide on (not those the community forbids)."""
    from ..consent.uses import USES

    rows = []
    for u in consent["uses"]:
        if u["never"]:
            continue
        title = tr(USES[u["use"]].title_key) if u["use"] in USES else str(u["use"])
        for i, answer in enumerate(CONSENT_COLOURS):
            rows.append({"use": title, "answer": tr(f"outcomes.consent.{answer}"), "people": int(u[answer]),
                         "order": i})
    return pd.DataFrame(rows, columns=["use", "answer", "people", "order"])


def consent_chart(frame: pd.DataFrame, tr: Translator) -> alt.Chart:
    """One stacked bar per use: how many people allow it, said no, withdrew, let it end, did not answer."""
    domain = [tr(f"outcomes.consent.{a}") for a in CONSENT_COLOURS]
    return alt.Chart(frame, width=WIDTH).mark_bar().encode(
        y=alt.Y("use:N", title=None, sort=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        x=alt.X("people:Q", title=tr("outcomes.chart.people"), stack="zero"),
        color=alt.Color("answer:N", title=None, scale=alt.Scale(domain=domain, range=list(CONSENT_COLOURS.values())),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=150)),
        order=alt.Order("order:Q"),
        tooltip=["use:N", "answer:N", "people:Q"])


def consent_reading(consent: dict, tr: Translator) -> str:
    """The use most people allow and the one fewest allow, out of everyone who decided."""
    from ..consent.uses import USES

    open_uses = [u for u in consent["uses"] if not u["never"]]
    if not open_uses:
        return tr("outcomes.reading.consent_none")
    ranked = sorted(open_uses, key=lambda u: (-u["ok"], u["use"]))
    most, least = ranked[0], ranked[-1]

    def title(u) -> str:
        return tr(USES[u["use"]].title_key) if u["use"] in USES else str(u["use"])

    people = _count(consent["people"], tr)
    if most["ok"] == least["ok"]:
        return tr("outcomes.reading.consent_same", count=_count(most["ok"], tr), people=people)
    return tr("outcomes.reading.consent_spread", use=title(most), count=_count(most["ok"], tr), people=people,
              least=title(least), least_count=_count(least["ok"], tr))


# -- representation -------------------------------------------------------------------------------
def _group_name(group, tr: Translator) -> str:
    return tr("curation.missing_value") if group is None else str(group)


def representation_frame(groups: list[dict], attribute: str, tr: Translator) -> pd.DataFrame:
    part = [g for g in groups if g["attribute"] == attribute]
    return pd.DataFrame([{"name": _group_name(g["group"], tr), "count": g["count"], "thin": bool(g["thin"]),
                          "min_size": g["min_size"]} for g in part], columns=["name", "count", "thin", "min_size"])


def representation_chart(frame: pd.DataFrame, attribute: str, tr: Translator) -> alt.Chart:
    """Rows per group (thin groups in orange), a dashed rule at the minimum group size."""
    y = alt.Y("name:N", sort=list(frame["name"]), title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    bars = alt.Chart(frame, width=WIDTH, title=attribute).mark_bar().encode(
        y=y, x=alt.X("count:Q", title=tr("outcomes.chart.rows")),
        color=alt.condition("datum.thin", alt.value(THIN_COLOUR), alt.value(FULL_COLOUR)),
        tooltip=["name:N", "count:Q"])
    size = int(frame["min_size"].max()) if len(frame) else 0
    rule = alt.Chart(pd.DataFrame({"size": [size]})).mark_rule(color="#1d1d1d", strokeDash=[5, 3], strokeWidth=2
                                                               ).encode(x="size:Q")
    return alt.layer(bars, rule)


def representation_reading(groups: list[dict], attribute: str, tr: Translator) -> str:
    """Which groups of ``attribute`` are thin, or the smallest when none is."""
    part = [g for g in groups if g["attribute"] == attribute and g["group"] is not None]
    if not part:
        return tr("reading.groups.none", attribute=attribute)
    thin = [g for g in part if g["thin"]]
    size = _count(part[0]["min_size"], tr)
    if thin:
        names = ", ".join(f"{g['group']} ({_count(g['count'], tr)})" for g in thin)
        return tr("outcomes.reading.thin", attribute=attribute, size=size, groups=names)
    smallest = min(part, key=lambda g: (g["count"], str(g["group"])))
    return tr("outcomes.reading.not_thin", attribute=attribute, size=size, group=str(smallest["group"]),
              count=_count(smallest["count"], tr))


# -- results --------------------------------------------------------------------------------------
def groups_frame(criterion: dict, tr: Translator) -> pd.DataFrame:
    rows = [{"name": str(g.get("group")), "value": g.get("value"), "lo": g.get("lo"), "hi": g.get("hi"),
             "n": g.get("n"), "status": g.get("status", ""),
             "result": tr(f"evaluation.status.{g.get('status')}") if g.get("status") in STATUS_COLOURS else ""}
            for g in criterion.get("groups", [])]
    return pd.DataFrame(rows, columns=["name", "value", "lo", "hi", "n", "status", "result"])


def groups_chart(frame: pd.DataFrame, criterion: dict, tr: Translator) -> alt.Chart:
    """Each group's value with its range (the interval), coloured by its result; the threshold as a rule."""
    data = frame.dropna(subset=["value"])
    domain = [tr(f"evaluation.status.{s}") for s in STATUS_COLOURS]
    y = alt.Y("name:N", sort=list(data["name"]), title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    x = alt.X("lo:Q", title=tr("evaluation.table.value"), scale=alt.Scale(domain=[0, 1]))
    base = alt.Chart(data, width=WIDTH)
    ranges = base.mark_rule(strokeWidth=3, color="#6b6b6b").encode(y=y, x=x, x2="hi:Q")
    points = base.mark_point(size=110, filled=True, opacity=1).encode(
        y=y, x="value:Q",
        color=alt.Color("result:N", title=None, scale=alt.Scale(domain=domain, range=list(STATUS_COLOURS.values())),
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=220)),
        shape=alt.Shape("result:N", scale=alt.Scale(domain=domain, range=["circle", "cross", "triangle-up"]),
                        legend=None),
        tooltip=["name:N", alt.Tooltip("value:Q", format=".2f"), alt.Tooltip("lo:Q", format=".2f"),
                 alt.Tooltip("hi:Q", format=".2f"), "n:Q", "result:N"])
    layers = [ranges, points]
    if criterion.get("scope") == "every_group" and criterion.get("threshold") is not None:
        layers.append(alt.Chart(pd.DataFrame({"t": [float(criterion["threshold"])]})).mark_rule(
            color="#9b1c1c", strokeDash=[6, 4], strokeWidth=2).encode(x="t:Q"))
    return alt.layer(*layers)


def groups_reading(criterion: dict, tr: Translator) -> str:
    """How many groups could not tell, else the group doing worst against the threshold."""
    groups = [g for g in criterion.get("groups", []) if g.get("value") is not None]
    if not groups:
        return tr("reading.metric.none")
    unsure = [g for g in groups if g.get("status") == "not_enough_evidence"]
    # higher is better, except for error rates (for a gap the direction is the gap's, not the metric's)
    at_least = criterion.get("metric") not in LOWER_IS_BETTER
    worst = sorted(groups, key=lambda g: ((g["value"] if at_least else -g["value"]), str(g.get("group"))))[0]
    value = _decimal(worst["value"], tr)
    if criterion.get("scope") == "gap" and criterion.get("value") is not None:
        return tr("outcomes.reading.gap", gap=_decimal(criterion["value"], tr), group=str(worst.get("group")),
                  value=value)
    if len(unsure) == len(groups):
        return tr("outcomes.reading.all_unsure", count=_count(len(groups), tr))
    if unsure:
        return tr("outcomes.reading.some_unsure", group=str(worst.get("group")), value=value,
                  unsure=_count(len(unsure), tr), count=_count(len(groups), tr))
    return tr("outcomes.reading.worst", group=str(worst.get("group")), value=value)


def share(value: float, tr: Translator) -> str:
    """A share in the language's way (12% / 12 %)."""
    return _pct(value, tr)
