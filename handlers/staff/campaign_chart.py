"""The /campaign_stats chart: cumulative purchases of recipients and of the control group, day by day."""

from __future__ import annotations

import io
from dataclasses import dataclass

RECIPIENTS_COLOUR = "#2e7d32"
HOLDOUT_COLOUR = "#9e9e9e"


@dataclass(frozen=True)
class ChartLabels:
    title: str
    recipients: str
    holdout: str
    days: str


def cumulative_chart(cumulative: list[tuple[float, float]], labels: ChartLabels) -> bytes:
    """A PNG, drawn with the Agg canvas directly (no pyplot state), so it is safe to render in a worker thread.

    matplotlib (and numpy under it) is imported here, when a chart is first drawn: loaded at start-up it would cost
    every process about 40 MB for a report a manager asks for now and then."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    days = list(range(len(cumulative) + 1))
    recipients = [0.0, *(point[0] for point in cumulative)]
    holdout = [0.0, *(point[1] for point in cumulative)]
    axes.plot(days, recipients, color=RECIPIENTS_COLOUR, linewidth=2.5, marker="o", label=labels.recipients)
    axes.plot(days, holdout, color=HOLDOUT_COLOUR, linewidth=2.5, marker="o", linestyle="--", label=labels.holdout)
    axes.fill_between(days, holdout, recipients, color=RECIPIENTS_COLOUR, alpha=0.08)
    axes.set_title(labels.title)
    axes.set_xlabel(labels.days)
    axes.set_xlim(0, max(1, len(cumulative)))
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
