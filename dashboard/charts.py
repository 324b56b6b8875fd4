"""Chart.js configurations for the dashboard's figures. Each chart draws figures that the page also
shows in a table (for screen readers and printing); static/js/dashboard-charts.js draws them."""

from __future__ import annotations

from dashboard.metrics import Dashboard

PALETTE = ["#005eb8", "#007f3b", "#ffb81c", "#da291c", "#330072", "#00a499", "#768692", "#ae2573"]


def bar(labels: list[str], label: str, data: list, *, horizontal: bool = False, unit: str = "") -> dict:
    return {
        "type": "bar",
        "labels": labels,
        "datasets": [{"label": label, "data": data, "backgroundColor": PALETTE[0]}],
        "horizontal": horizontal,
        "unit": unit,
    }


def charts_for(figures: Dashboard) -> dict[str, dict]:
    census, rtt, intervals = figures.census, figures.rtt, figures.intervals
    charts = {
        "chart-stages": bar(
            [s for s, _ in census.open_by_stage], "Open pathways", [n for _, n in census.open_by_stage]
        ),
        "chart-exits": bar(
            [e for e, _ in census.closed_by_exit],
            "Closed pathways",
            [n for _, n in census.closed_by_exit],
            horizontal=True,
        ),
        "chart-rtt": bar([b for b, _ in rtt.bands], "Pathways waiting", [n for _, n in rtt.bands]),
        "chart-cancellations": bar(
            [c for c, _ in census.cancellations], "On-the-day cancellations", [n for _, n in census.cancellations]
        ),
        "chart-intervals": {
            "type": "line",
            "labels": [intervals.month_label(m) for m in intervals.months],
            "datasets": [
                {
                    "label": interval.label,
                    "data": [
                        None if interval.by_month[m].median is None else round(interval.by_month[m].median, 1)
                        for m in intervals.months
                    ],
                    "borderColor": PALETTE[i % len(PALETTE)],
                    "backgroundColor": PALETTE[i % len(PALETTE)],
                    "spanGaps": True,
                }
                for i, interval in enumerate(intervals.intervals)
            ],
            "unit": "days",
        },
    }
    mri = figures.mri
    charts["chart-mri"] = bar(
        [f"Under {mri.standard_weeks} weeks", f"{mri.standard_weeks} weeks or more"],
        "Waiting for MRI review",
        [mri.within, mri.over],
    )
    quality = figures.consent_quality
    charts["chart-consent-quality"] = bar(
        [q.label for q in quality.criteria],
        "Share of procedures",
        [None if q.share is None else round(q.share, 1) for q in quality.criteria],
        horizontal=True,
        unit="% of procedures",
    )
    comp = figures.complications
    charts["chart-complications"] = bar(
        [f"{r.type} ({r.grade_system} {r.grade})" for r in comp.rows],
        "Per 100 procedures",
        [None if r.per_100 is None else round(r.per_100, 2) for r in comp.rows],
        horizontal=True,
        unit="per 100 procedures",
    )
    return charts
