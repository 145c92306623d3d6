"""Consent coverage over time: how many people permit each use (withdrawals and expiries show as drops).

``coverage_frame`` folds the ledger at regular times; ``coverage_chart`` turns that small table into an
Altair chart (one line per use); ``chart_svg`` renders it offline with vl-convert, so a facilitator's
screen needs no CDN. Aggregated before charting: the table has (times x uses) rows, never one per person.
"""

from __future__ import annotations

from datetime import timedelta

from ..i18n import Translator
from . import _time
from .ledger import ConsentLedger
from .uses import USES


def coverage_frame(ledger: ConsentLedger, points: int = 24, end=None):
    """(at, use, permitted) at ``points`` evenly spaced times from the first decision to ``end`` (now)."""
    import pandas as pd

    end_dt = _time.to_datetime(end)
    times = sorted(_time.to_datetime(r.at) for r in ledger.receipts)
    if not times:
        return pd.DataFrame(columns=["at", "use", "permitted"])
    start = min(times[0], end_dt)
    step = max((end_dt - start) / max(points - 1, 1), timedelta(seconds=1))
    when = [start + step * i for i in range(points)]
    return ledger.coverage_over_time(when)


def coverage_chart(frame, language: str = "en"):
    import altair as alt

    tr = Translator(language)
    data = frame.assign(use_title=[tr(USES[u].title_key) for u in frame["use"]])
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("at:T", title=tr("consent.chart.at")),
            y=alt.Y("permitted:Q", title=tr("consent.chart.permitted")),
            color=alt.Color("use_title:N", title=tr("consent.chart.use")),
            tooltip=["use_title:N", "at:T", "permitted:Q"],
        )
        .properties(width="container", height=260)
    )


def chart_svg(chart) -> str:
    """Static SVG, rendered locally (no network)."""
    import vl_convert as vlc

    spec = chart.properties(width=560).to_dict()
    return vlc.vegalite_to_svg(spec)
