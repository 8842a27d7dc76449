"""A client's position among comparable clients: the comparison in the report.

From the portfolio's records a client's report gets its position among
*comparable* clients (:func:`benchmark`): the same business model and the same
size class (both are fixed choices in the parameter file; the free-text
industry is not used, because "Handwerk" and "Handwerk (Heizung)" would never
match). Each other client counts once, with its latest report. Figures are
shown only when at least :data:`MIN_COMPARABLE` *other* comparable clients
have the figure, and only as aggregates: rank ("better than 4 of 6"), median
and quartiles, rounded to a coarse grid (:data:`GRID`) so that no other
client's exact value appears; never a single other client's value, key or
industry.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

from cxlib.portfolio.records import KeyFigures, PortfolioRecord, latest

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Benchmark", "MetricPosition", "benchmark", "comparable", "position"]

#: A comparison is shown only with at least this many OTHER comparable clients.
MIN_COMPARABLE = 5
#: The comparable figures, their direction, and the grid the aggregates are rounded to.
METRICS = ("maturity_index", "nps", "churn_rate")
HIGHER_IS_BETTER = {"maturity_index": True, "nps": True, "churn_rate": False}
GRID = {"maturity_index": 5.0, "nps": 5.0, "churn_rate": 0.01}
#: How comparable clients are chosen (recorded in results.json).
CRITERIA = ("business_model", "size_class")


@dataclass(frozen=True)
class MetricPosition:
    """Where the client stands on one figure among the comparable clients.

    ``shown`` is False (and every aggregate None) when fewer than
    :data:`MIN_COMPARABLE` other comparable clients have the figure or the
    client has none. ``better_than`` counts others strictly worse; ``median``,
    ``q1`` and ``q3`` are rounded to :data:`GRID`.
    """

    metric: str
    value: float | None
    n_others: int
    shown: bool
    higher_is_better: bool
    better_than: int | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    grid: float | None = None


@dataclass(frozen=True)
class Benchmark:
    """The client's position among comparable clients (results.json ``benchmark``)."""

    #: True when at least one figure is shown.
    available: bool
    #: Other comparable clients in the portfolio (each counted once).
    n_comparable: int
    min_comparable: int
    business_model: str | None
    size_class: str | None
    positions: tuple[MetricPosition, ...]
    #: The latest comparable run used (the comparison depends on the portfolio's state);
    #: None without comparable clients.
    as_of: str | None
    criteria: tuple[str, ...] = CRITERIA
    #: Why there is no comparison: ``too_few`` (also before the portfolio's first
    #: run), ``off`` (switched off) or ``error`` (unreadable, logged in run.log);
    #: the report shows no block for ``off`` and ``error``.
    reason: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per figure: value, number of others, rank and rounded quartiles."""
        import pandas as pd

        return pd.DataFrame(
            [asdict(p) for p in self.positions],
            columns=[f.name for f in fields(MetricPosition)],
        )


def _grid(value: float, step: float) -> float:
    """``value`` rounded half up to a multiple of ``step`` (no float dust: 0.07, not 0.0700…1)."""
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return round(math.floor(value / step + 0.5) * step, decimals)


def _quantile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default method)."""
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def position(
    metric: str, value: float | None, others: list[float], min_comparable: int = MIN_COMPARABLE
) -> MetricPosition:
    """The client's position on ``metric`` among ``others`` (one value per other client)."""
    higher = HIGHER_IS_BETTER[metric]
    if value is None or len(others) < min_comparable:
        return MetricPosition(metric, value, len(others), False, higher)
    ordered = sorted(others)
    step = GRID[metric]
    better = sum(1 for o in others if (value > o if higher else value < o))
    return MetricPosition(
        metric,
        value,
        len(others),
        True,
        higher,
        better_than=better,
        median=_grid(_quantile(ordered, 0.5), step),
        q1=_grid(_quantile(ordered, 0.25), step),
        q3=_grid(_quantile(ordered, 0.75), step),
        grid=step,
    )


def comparable(
    records: list[PortfolioRecord],
    own_key: str,
    business_model: str | None,
    size_class: str | None,
) -> list[PortfolioRecord]:
    """Other clients' latest records with the same business model and size class."""
    return [
        r
        for r in latest(records)
        if r.client_key != own_key
        and r.business_model == business_model
        and r.size_class == size_class
    ]


def benchmark(
    records: list[PortfolioRecord],
    own_key: str,
    business_model: str | None,
    size_class: str | None,
    figures: KeyFigures,
    min_comparable: int = MIN_COMPARABLE,
    as_of: dt.datetime | None = None,
) -> Benchmark:
    """The client's position among comparable clients in ``records``.

    Comparable: same business model and same size class (a missing size class
    only matches a missing one); the client's own rows never count. A figure is
    compared only when at least ``min_comparable`` others have it.
    """
    group = comparable(records, own_key, business_model, size_class)
    positions = tuple(
        position(
            metric,
            getattr(figures, metric),
            [v for v in (getattr(r, metric) for r in group) if v is not None],
            min_comparable,
        )
        for metric in METRICS
    )
    available = any(p.shown for p in positions)
    return Benchmark(
        available=available,
        n_comparable=len(group),
        min_comparable=min_comparable,
        business_model=business_model,
        size_class=size_class,
        positions=positions,
        # the portfolio's state that was used (latest comparable run), not the clock:
        # an unchanged portfolio gives an unchanged results.json
        as_of=(
            as_of.isoformat(timespec="seconds")
            if as_of
            else max((r.run_at for r in group), default=None)
        ),
        reason=None if available else "too_few",
    )
