"""Arithmetic shared by the dashboard's figures: percentiles and percentages."""

from __future__ import annotations

import math


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks: the same as PostgreSQL's percentile_cont."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def share(part: int, whole: int) -> float | None:
    """Percentage, or None when there is nothing to divide (never a made-up 0% or 100%)."""
    return None if not whole else 100.0 * part / whole
