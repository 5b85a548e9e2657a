"""Pure statistics used by the health dashboard. No database here: each function takes
plain numbers, so each is tested against answers worked out by hand."""

from collections.abc import Sequence
from statistics import median as _median


def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values."""
    return _median(values) if values else None


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values: 0 when everyone gives the same, towards
    1 when one gives everything. Mean absolute difference over twice the mean:
    G = sum_i sum_j |x_i - x_j| / (2 n^2 mean). 0 for no values or an all-zero list."""
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return 0.0
    ordered = sorted(values)
    # sum_i sum_j |x_i - x_j| = 2 * sum_i (2i - n - 1) x_(i), with i from 1 on sorted values
    weighted = sum((2 * i - n - 1) * x for i, x in enumerate(ordered, start=1))
    return (2 * weighted) / (2 * n * n * (total / n))


def top_share(values: Sequence[float], fraction: float = 0.1) -> float:
    """Share of the total given by the top `fraction` of contributors (at least one).
    0 for no values or an all-zero list."""
    total = sum(values)
    if not values or total == 0:
        return 0.0
    k = max(1, round(len(values) * fraction))
    return sum(sorted(values, reverse=True)[:k]) / total


def shares(counts: dict[str, int]) -> dict[str, float]:
    """Each count as a share of the total (0 when the total is 0)."""
    total = sum(counts.values())
    return {key: (value / total if total else 0.0) for key, value in counts.items()}
