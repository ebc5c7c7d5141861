"""Plotly figures for the dashboard, built in Python and drawn by the locally served plotly.min.js.

Amounts become floats here, at the very edge: a chart's axis is the only place they are approximate.
"""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go

from recoup.core.money import to_decimal
from recoup.reporting.dashboard import Dashboard

BUCKET_COLOURS = ["#9aa5b1", "#f7c948", "#f0b429", "#de911d", "#d64545", "#a61b1b", "#780a0a", "#610404"]
FONT = dict(family="system-ui, -apple-system, Segoe UI, sans-serif", size=12, color="#1f2933")


def _layout(**extra) -> dict:
    return dict(
        margin=dict(l=50, r=10, t=10, b=40),
        font=FONT,
        paper_bgcolor="white",
        plot_bgcolor="white",
        legend=dict(orientation="h", y=-0.2),
        hovermode="x unified",
        **extra,
    )


def aging_over_time(board: Dashboard, weeks: int = 26) -> str:
    """Stacked bars: the open amount in each bucket, week by week, ending today."""
    by_day = {p.as_of: p for p in board.trend}
    days = [board.as_of - timedelta(weeks=w) for w in range(weeks, -1, -1)]
    points = [(d, by_day[d].buckets) for d in days if d in by_day]
    if not points and board.bucket_labels:
        points = [(board.as_of, dict(zip(board.bucket_labels, board.bucket_totals, strict=False)))]
    labels = board.bucket_labels or (list(points[-1][1]) if points else [])
    figure = go.Figure()
    for index, label in enumerate(labels):
        figure.add_bar(
            name=label,
            x=[d.isoformat() for d, _ in points],
            y=[float(to_decimal(buckets.get(label, 0), board.currency)) for _, buckets in points],
            marker_color=BUCKET_COLOURS[min(index, len(BUCKET_COLOURS) - 1)],
            hovertemplate="%{fullData.name}: %{y:,.2f}<extra></extra>",
        )
    figure.update_layout(**_layout(barmode="stack", yaxis=dict(title=board.currency, tickformat=",.0f")))
    return figure.to_json()


def collection_trend(board: Dashboard) -> str:
    """DSO and CEI day by day, from the snapshots."""
    x = [p.as_of.isoformat() for p in board.trend]
    figure = go.Figure()
    figure.add_scatter(
        name="DSO (days)",
        x=x,
        y=[_number(p.kpis.dso) for p in board.trend],
        mode="lines",
        line=dict(color="#2f6fdd", width=2),
    )
    figure.add_scatter(
        name="Best possible DSO",
        x=x,
        y=[_number(p.kpis.best_possible_dso) for p in board.trend],
        mode="lines",
        line=dict(color="#9aa5b1", width=1, dash="dot"),
    )
    figure.add_scatter(
        name="CEI (%)",
        x=x,
        y=[_number(p.kpis.cei) for p in board.trend],
        mode="lines",
        line=dict(color="#2f9e44", width=2),
        yaxis="y2",
    )
    figure.update_layout(
        **_layout(
            yaxis=dict(title="days", rangemode="tozero"),
            yaxis2=dict(title="CEI %", overlaying="y", side="right", range=[0, 100], dtick=25, showgrid=False),
        )
    )
    return figure.to_json()


def _number(value):
    return None if value is None else float(value)


def blocked_by_rule_chart(counts: list[tuple[str, int]], month: str) -> str:
    """Horizontal bars: how many contacts each rule blocked in the month, largest on top."""
    rules = [rule for rule, _ in counts][::-1]
    figure = go.Figure()
    figure.add_bar(
        x=[n for _, n in counts][::-1],
        y=rules,
        orientation="h",
        marker_color="#3e4c59",
        hovertemplate="%{y}: %{x:,} blocked<extra></extra>",
        name=f"Blocked in {month}",
    )
    layout = _layout(xaxis=dict(title="Contacts blocked", tickformat=",d"), showlegend=False)
    layout["hovermode"] = "closest"
    figure.update_layout(**layout, height=max(220, 28 * len(rules) + 80))
    return figure.to_json()


CHANNEL_COLOURS = {"email": "#1f6feb", "sms": "#7950f2", "letter": "#de911d", "call": "#0b6e4f"}


def ladder_chart(ladder, example_due) -> str:
    """The ladder on a day axis (the due date is day 0): a marker per send, repeats included, with the date
    each would go out for an invoice due on ``example_due``."""
    figure = go.Figure()
    # Labels alternate above and below the axis, in day order, so neighbours do not overlap.
    ordered = sorted(ladder.offsets, key=lambda entry: entry[3])
    above = {(step.key, attempt): i % 2 == 0 for i, (step, _, attempt, _) in enumerate(ordered)}
    for channel, colour in CHANNEL_COLOURS.items():
        points = [(step, attempt, day) for step, _, attempt, day in ordered if step.channel == channel]
        if not points:
            continue
        figure.add_scatter(
            name=channel,
            x=[day for _, _, day in points],
            y=[0] * len(points),
            mode="markers+text",
            marker=dict(size=14, color=colour, symbol="circle"),
            text=[step.title + (f" #{attempt + 1}" if attempt else "") for step, attempt, _ in points],
            textposition=["top center" if above[(s.key, a)] else "bottom center" for s, a, _ in points],
            customdata=[(example_due + timedelta(days=day)).strftime("%d %b %Y") for _, _, day in points],
            hovertemplate="day %{x:+d} · %{text} · sent %{customdata}<extra>%{fullData.name}</extra>",
        )
    figure.add_vline(x=0, line_dash="dash", line_color="#616e7c", annotation_text="due date")
    figure.update_layout(
        **_layout(
            height=170,
            yaxis=dict(visible=False, range=[-1, 2]),
            xaxis=dict(title="days from the due date", zeroline=False),
        )
    )
    figure.update_layout(hovermode="closest", margin=dict(l=20, r=20, t=10, b=40))
    return figure.to_json()
