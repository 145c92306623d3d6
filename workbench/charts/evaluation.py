"""Charts for stage 4: per-group metrics with intervals and the threshold; performance against energy.

Functions ``data -> alt.Chart`` on already aggregated tables (a few rows per
group), rendered offline as static SVG with vl-convert (:func:`to_svg`,
:func:`svg_widget`): no CDN, no JavaScript bundle, text escaped by vl-convert.
Labels come from the message catalogs through ``tr``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..i18n import Translator

WIDTH = 520
STATUS_COLOURS = {"pass": "#1e7b34", "fail": "#9b1c1c", "not_enough_evidence": "#8a6100"}


def group_metric(rows: pd.DataFrame, threshold: float | None = None, tr: Translator | None = None,
                 title: str = "") -> alt.Chart:
    """Points with interval bars per group (``group, value, lo, hi, n``), a rule at the threshold."""
    tr = tr or Translator()
    data = rows[["group", "value", "lo", "hi", "n"]].copy()
    base = alt.Chart(data, width=WIDTH, title=title)
    y = alt.Y("group:N", title=tr("evaluation.table.group"), sort=list(data["group"]))
    bars = base.mark_rule(strokeWidth=3, color="#6b6b6b").encode(
        y=y, x=alt.X("lo:Q", title=tr("evaluation.table.value"), scale=alt.Scale(domain=[0, 1])), x2="hi:Q")
    points = base.mark_circle(size=90, color="#0b5cad").encode(
        y=y, x="value:Q", tooltip=[alt.Tooltip("group:N"), alt.Tooltip("value:Q", format=".3f"),
                                   alt.Tooltip("lo:Q", format=".3f"), alt.Tooltip("hi:Q", format=".3f"), "n:Q"])
    layers = [bars, points]
    if threshold is not None:
        layers.append(alt.Chart(pd.DataFrame({"t": [float(threshold)]})).mark_rule(
            color="#9b1c1c", strokeDash=[6, 4], strokeWidth=2).encode(x="t:Q"))
    return alt.layer(*layers)


def performance_energy(candidates: pd.DataFrame, tr: Translator | None = None) -> alt.Chart:
    """One point per candidate (``title, kwh, accuracy, status``): energy (log scale) against accuracy.

    Candidates often sit on top of each other, so they are told apart by colour (named in the legend) and
    the result by shape, rather than by labels that would overlap.
    """
    tr = tr or Translator()
    data = candidates[["title", "kwh", "accuracy", "status"]].copy()
    data["kwh"] = data["kwh"].clip(lower=1e-9)
    data["result"] = data["status"].map(lambda s: tr(f"evaluation.status.{s}"))
    order = [tr(f"evaluation.status.{s}") for s in STATUS_COLOURS]
    return alt.Chart(data, width=WIDTH).mark_point(size=160, filled=True, opacity=0.85).encode(
        x=alt.X("kwh:Q", title=tr("evaluation.chart.energy"), scale=alt.Scale(type="log"),
                axis=alt.Axis(format=".0e", tickCount=5)),
        y=alt.Y("accuracy:Q", title=tr("evaluation.table.accuracy"), scale=alt.Scale(zero=False)),
        color=alt.Color("title:N", title=tr("evaluation.table.candidate"), scale=alt.Scale(scheme="dark2"),
                        legend=alt.Legend(labelLimit=320)),
        shape=alt.Shape("result:N", title=tr("evaluation.table.result"),
                        scale=alt.Scale(domain=order, range=["circle", "cross", "triangle-up"])),
        tooltip=["title:N", alt.Tooltip("kwh:Q", format=".2e"), alt.Tooltip("accuracy:Q", format=".3f"),
                 "result:N"])


def criteria_group_parts(result: dict, key: str, tr: Translator) -> list[tuple[str, pd.DataFrame, dict]]:
    """For each 'every group' criterion of a candidate's result: (title, its per-group rows, the criterion)."""
    groups = pd.DataFrame(result.get("by_group") or [],
                          columns=["attribute", "group", "metric", "label", "value", "lo", "hi", "n"])
    out = []
    for c in result.get("criteria", []):
        if c.get("scope") != "every_group":
            continue
        label = "" if c.get("label") is None else str(c["label"])
        part = groups[(groups["attribute"] == c["attribute"]) & (groups["metric"] == c["metric"])
                      & (groups["label"] == label)]
        if part.empty:
            continue
        title = tr("evaluation.chart.group_title", candidate=tr(f"evaluation.candidate.{key}.title"),
                   criterion=c["id"])
        out.append((title, part, c))
    return out


def criteria_group_charts(result: dict, key: str, tr: Translator, titled: bool = True) -> list[tuple[str, alt.Chart]]:
    """One per-group chart for each 'every group' criterion of a candidate's result: (title, chart)."""
    return [(title, group_metric(part, c["threshold"], tr, title if titled else ""))
            for title, part, c in criteria_group_parts(result, key, tr)]


def to_svg(chart: alt.Chart) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json())


def svg_widget(chart: alt.Chart, label: str = ""):
    import ipywidgets as w

    svg = to_svg(chart)
    return w.HTML(f'<figure role="img" aria-label="{_attr(label)}" style="margin:0;max-width:100%;overflow-x:auto">'
                  f"{svg}</figure>")


def _attr(text: str) -> str:
    from ..text import esc

    return esc(text)
