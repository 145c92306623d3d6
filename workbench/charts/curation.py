"""Charts for stage 3: ``data -> alt.Chart``, every input already aggregated (a few dozen rows at most).

Render offline with :func:`workbench.charts.purpose.to_svg` / ``svg_widget`` (static SVG from vl-convert:
no CDN, no JavaScript bundle per kernel). Every label comes from the message catalogs via ``tr``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..i18n import Translator

WIDTH = 520
KEPT_COLOUR, LOSS_COLOUR, TOTAL_COLOUR, FLAG_COLOUR, REF_COLOUR = "#1e7b34", "#9b1c1c", "#0b5cad", "#d95f02", "#333"


def waterfall(steps: pd.DataFrame, tr: Translator | None = None) -> alt.Chart:
    """Raw rows, each loss by reason, kept: ``steps`` is ``Curated.waterfall()`` (step, rows, start, end, kind)."""
    tr = tr or Translator()
    data = steps.assign(name=[tr(f"curation.reason.{s}") for s in steps["step"]],
                        amount=steps["rows"].abs(), low=steps[["start", "end"]].min(axis=1),
                        high=steps[["start", "end"]].max(axis=1))
    data["colour"] = data["step"].map(lambda s: "kept" if s == "kept" else "raw" if s == "raw" else "loss")
    order = list(data["name"])
    base = alt.Chart(data, width=WIDTH)
    bars = base.mark_bar().encode(
        y=alt.Y("name:N", sort=order, title=tr("curation.col.step")),
        x=alt.X("low:Q", title=tr("curation.col.rows")), x2="high:Q",
        color=alt.Color("colour:N", legend=None,
                        scale=alt.Scale(domain=["raw", "loss", "kept"], range=[TOTAL_COLOUR, LOSS_COLOUR, KEPT_COLOUR])),
        tooltip=[alt.Tooltip("name:N", title=tr("curation.col.step")),
                 alt.Tooltip("amount:Q", title=tr("curation.col.rows"))],
    )
    labels = base.mark_text(align="left", dx=4).encode(y=alt.Y("name:N", sort=order), x="high:Q",
                                                       text=alt.Text("amount:Q", format=","))
    return bars + labels


def missing_values(columns: pd.DataFrame, tr: Translator | None = None) -> alt.Chart:
    """Share of missing values per column (``Profile.column_table``)."""
    tr = tr or Translator()
    return alt.Chart(columns, width=WIDTH).mark_bar(color=TOTAL_COLOUR).encode(
        y=alt.Y("column:N", sort=list(columns["column"]), title=tr("curation.col.column")),
        x=alt.X("missing_share:Q", axis=alt.Axis(format="%"), title=tr("curation.col.missing"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=["column:N", "missing:Q", alt.Tooltip("missing_share:Q", format=".1%")],
    )


def label_balance(labels: pd.DataFrame, tr: Translator | None = None) -> alt.Chart:
    tr = tr or Translator()
    return alt.Chart(labels, width=WIDTH).mark_bar(color=TOTAL_COLOUR).encode(
        y=alt.Y("label:N", sort="-x", title=tr("curation.col.label")),
        x=alt.X("count:Q", title=tr("curation.col.count")),
        tooltip=["label:N", "count:Q", alt.Tooltip("share:Q", format=".1%")],
    )


def representation(groups: pd.DataFrame, attribute: str, min_size: int, tr: Translator | None = None) -> alt.Chart:
    """Share per group of one attribute (bars; small groups in orange) against reference shares (ticks)."""
    tr = tr or Translator()
    data = groups[groups["attribute"] == attribute].copy()
    data["name"] = data["group"].map(lambda g: tr("curation.missing_value") if g is None else str(g))
    data["flag"] = data["small"].map(lambda s: tr("curation.small_flag", size=min_size) if s else "")
    # "group" is drawn as "name"; dropped, since a missing group (None) reaches the JSON as NaN.
    data = data.drop(columns=["gap", "group"]).astype({"reference": object})
    data["reference"] = [None if v != v else float(v) for v in data["reference"]]  # JSON has no NaN
    order = list(data["name"])
    base = alt.Chart(data, width=WIDTH, title=attribute)
    bars = base.mark_bar().encode(
        y=alt.Y("name:N", sort=order, title=tr("curation.col.group")),
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title=tr("curation.col.share")),
        color=alt.condition("datum.small", alt.value(FLAG_COLOUR), alt.value(TOTAL_COLOUR)),
        tooltip=["name:N", "count:Q", alt.Tooltip("share:Q", format=".1%"),
                 alt.Tooltip("reference:Q", format=".1%"), "flag:N"],
    )
    ref = base.transform_filter("isValid(datum.reference)").mark_tick(color=REF_COLOUR, thickness=3, size=18).encode(
        y=alt.Y("name:N", sort=order), x="reference:Q")
    return bars + ref


def text_lengths(histogram: pd.DataFrame, tr: Translator | None = None) -> alt.Chart:
    """Histogram of characters per message (already binned: ``Profile.text_histogram``)."""
    tr = tr or Translator()
    return alt.Chart(histogram, width=WIDTH).mark_bar(color=TOTAL_COLOUR).encode(
        x=alt.X("bin_start:Q", bin="binned", title=tr("curation.chart.chars")), x2="bin_end:Q",
        y=alt.Y("rows:Q", title=tr("curation.col.rows")),
        tooltip=["bin_start:Q", "bin_end:Q", "rows:Q"],
    )


def pii_findings(pii: pd.DataFrame, tr: Translator | None = None) -> alt.Chart:
    """Rows with personal data per kind and column (``Profile.pii``)."""
    tr = tr or Translator()
    data = pii.assign(name=[tr(f"curation.pii.{k}") for k in pii["kind"]])
    return alt.Chart(data, width=WIDTH).mark_bar(color=LOSS_COLOUR).encode(
        y=alt.Y("name:N", sort="-x", title=tr("curation.col.kind")),
        x=alt.X("rows:Q", title=tr("curation.col.rows")),
        tooltip=["column:N", "name:N", "rows:Q"],
    )


def pay_vs_floor(workers: pd.DataFrame, floor: float | None, tr: Translator | None = None) -> alt.Chart:
    """Effective hourly pay per worker pseudonym, the agreed floor as a rule."""
    tr = tr or Translator()
    data = workers[workers["hours"] > 0][["worker", "hourly", "below_floor"]].copy()
    base = alt.Chart(data, width=WIDTH)
    bars = base.mark_bar().encode(
        y=alt.Y("worker:N", sort="x", title=tr("curation.col.worker")),
        x=alt.X("hourly:Q", title=tr("curation.col.hourly")),
        color=alt.condition("datum.below_floor", alt.value(LOSS_COLOUR), alt.value(KEPT_COLOUR)),
        tooltip=["worker:N", alt.Tooltip("hourly:Q", format=".2f")],
    )
    if not floor:
        return bars
    rule = alt.Chart(pd.DataFrame({"floor": [float(floor)]})).mark_rule(color=REF_COLOUR, strokeDash=[4, 3],
                                                                          size=2).encode(x="floor:Q")
    return bars + rule


def to_svg(chart: alt.Chart) -> str:
    """Static SVG from vl-convert: no CDN, no JavaScript in the page; text in the SVG is escaped."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json())
