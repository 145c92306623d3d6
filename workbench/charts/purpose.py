"""Charts for stage 1: ``data -> alt.Chart`` functions, aggregated first, rendered offline.

Offline rendering: :func:`to_svg` turns a chart into static SVG with
``vl-convert`` (no browser, no CDN); :func:`svg_widget` wraps it in an
``ipywidgets.HTML`` for Voila and JupyterLab. Measured here (vl-convert 1.9,
altair 6.3, 2 busy CPUs): ~1-4 s for the first chart in a kernel (the Vega
engine starts), ~0.1-0.2 s for each one after, ~6-20 KB of SVG per chart, and
nothing shipped to the browser but the SVG. Importing Altair itself costs ~3 s
in a fresh kernel, more than half of it jsonschema building rfc3987 grammars. vl-convert escapes text, so statements typed by
participants appear as text inside the SVG. These charts need no interaction,
so SVG is the lighter choice than the ``jupyter`` renderer (~0.9 MB of JS per kernel).

Every label comes from the message catalogs: pass a ``tr`` (``Translator``).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..i18n import Translator

GROUP_COLOURS = ["#0b5cad", "#d95f02", "#1b9e77", "#7570b3", "#e7298a"]
VOTE_COLOURS = ["#1e7b34", "#9b1c1c", "#8c8c8c"]
WIDTH = 560
# Aggregate before charting: no chart gets more rows than Altair accepts (5,000), whatever the conversation's size.
MAX_ROWS = 5_000
MAP_POINTS = 1_000  # up to this many participants, one dot each; above, dots for cells of a grid, sized by count
MAP_CELLS = 4_000  # grid cells over all groups (the map's rows stay under MAX_ROWS)
MAX_BARS = 60  # statements in the votes chart: the most voted ones, when there are more


def _label(row) -> str:
    # Statements are labelled by id: the texts are listed beside the charts, and vl-convert measures
    # every label's text (a chart of 14 full statements took ~1.7 s to render here, with ids ~0.13 s).
    return f"#{row['id']}"


def votes_per_statement(statements: pd.DataFrame, tr: Translator | None = None) -> alt.Chart:
    """Stacked agree / disagree / pass counts per statement (one row per statement in, 3 per statement out).

    With more than :data:`MAX_BARS` statements, the :data:`MAX_BARS` most voted ones (in id order).
    """
    tr = tr or Translator()
    if len(statements) > MAX_BARS:
        top = statements.assign(_n=statements["agree"] + statements["disagree"] + statements["pass"])
        statements = top.nlargest(MAX_BARS, ["_n"], keep="first").sort_values("id").drop(columns="_n")
    names = {"agree": tr("purpose.vote.agree"), "disagree": tr("purpose.vote.disagree"),
             "pass": tr("purpose.vote.pass")}
    data = statements.assign(label=statements.apply(_label, axis=1) if len(statements) else [])
    long = data.melt(id_vars=["id", "label"], value_vars=["agree", "disagree", "pass"], var_name="vote",
                     value_name="count")
    long["vote"] = long["vote"].map(names)
    order = list(names.values())
    return alt.Chart(long, width=WIDTH).mark_bar().encode(
        y=alt.Y("label:N", title=tr("purpose.chart.statement"), sort=list(data["label"])),
        x=alt.X("sum(count):Q", title=tr("purpose.chart.votes")),
        color=alt.Color("vote:N", title=tr("purpose.chart.vote"), sort=order,
                        scale=alt.Scale(domain=order, range=VOTE_COLOURS)),
        order=alt.Order("vote_order:Q"),
        tooltip=["label:N", "vote:N", "count:Q"],
    ).transform_calculate(vote_order=f"indexof({order!r}, datum.vote)")


def map_cells(data: pd.DataFrame, cells: int = MAP_CELLS) -> pd.DataFrame:
    """Participants (x, y, group) counted per cell of a square grid, per group: x, y (the cell's centre),
    group, count. At most ``cells`` rows in all, whatever the number of participants (vectorised)."""
    groups = max(1, data["group"].nunique())
    side = max(2, int((cells / groups) ** 0.5))
    out = data[["group"]].copy()
    for axis in ("x", "y"):
        lo, hi = float(data[axis].min()), float(data[axis].max())
        step = (hi - lo) / side or 1.0
        index = ((data[axis] - lo) / step).clip(0, side - 1).astype(int)
        out[axis] = lo + (index + 0.5) * step
    return out.groupby(["x", "y", "group"], as_index=False, sort=True).size().rename(columns={"size": "count"})


def opinion_map(participants: pd.DataFrame, tr: Translator | None = None) -> alt.Chart:
    """Participants placed in the 2-component PCA space, coloured by opinion group (codes are not shown).

    Above :data:`MAP_POINTS` participants, one dot per cell of a grid (per group), its area the number of
    people in it (:func:`map_cells`): the chart's rows stay under Altair's 5,000 at any size.
    """
    tr = tr or Translator()
    data = participants.loc[participants["clustered"], ["x", "y", "group"]].copy()
    data["group"] = data["group"].fillna("-").astype(str)
    x = alt.X("x:Q", title=tr("purpose.chart.axis1"))
    y = alt.Y("y:Q", title=tr("purpose.chart.axis2"))
    color = alt.Color("group:N", title=tr("purpose.chart.group"), scale=alt.Scale(range=GROUP_COLOURS))
    if len(data) <= MAP_POINTS:
        return alt.Chart(data, width=WIDTH, height=360).mark_circle(size=120, opacity=0.8).encode(x=x, y=y,
                                                                                                   color=color)
    cells = map_cells(data)
    return alt.Chart(cells, width=WIDTH, height=360).mark_circle(opacity=0.7).encode(
        x=x, y=y, color=color,
        size=alt.Size("count:Q", title=tr("purpose.chart.people"), scale=alt.Scale(range=[20, 400])),
    )


def consensus_ranking(statements: pd.DataFrame, tr: Translator | None = None, top: int = 15) -> alt.Chart:
    """The statements with the highest group-informed consensus, best first."""
    tr = tr or Translator()
    data = statements.sort_values(["consensus", "id"], ascending=[False, True]).head(top)
    data = data.assign(label=data.apply(_label, axis=1) if len(data) else [])[["label", "consensus"]]
    return alt.Chart(data, width=WIDTH).mark_bar(color="#0b5cad").encode(
        y=alt.Y("label:N", title=tr("purpose.chart.statement"), sort=list(data["label"])),
        x=alt.X("consensus:Q", title=tr("purpose.chart.consensus"), scale=alt.Scale(domain=[0, 1])),
        tooltip=["label:N", alt.Tooltip("consensus:Q", format=".2f")],
    )


def to_svg(chart: alt.Chart) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json())


def svg_widget(chart: alt.Chart, title: str = ""):
    """The chart as static SVG in an ``ipywidgets.HTML`` (title escaped; the SVG is vl-convert's own)."""
    import ipywidgets as w

    from ..text import esc

    head = f"<h3>{esc(title)}</h3>" if title else ""
    out = w.HTML(f'{head}<div class="wb-chart" style="overflow-x:auto">{to_svg(chart)}</div>')
    out.layout = w.Layout(width="100%")
    return out
