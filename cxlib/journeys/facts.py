"""The journey section's facts (:mod:`cxlib.report.facts`): the workshop's ratings of each journey.

The ratings (frequency, damage, feasibility, 1 to 5) are the workshop
participants' means: inputs, not estimates, so they carry no interval; n is
the number of raters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib.report.facts import Fact, FactSheet

if TYPE_CHECKING:
    from cxlib.journeys.analysis import JourneyAnalysis

__all__ = ["RATINGS", "facts", "rating_id"]

#: The rated criteria of the selection rule.
RATINGS = ("frequency", "damage", "feasibility")


def rating_id(journey: str, criterion: str) -> str:
    """The id of a journey's mean rating (``journey.rating.Geldphase.damage``)."""
    return f"journey.rating.{journey}.{criterion}"


def facts(result: JourneyAnalysis) -> FactSheet:
    """The journey section's facts: each journey's mean ratings."""
    selection = result.selection
    if selection is None:
        return FactSheet()
    out = [
        Fact(
            rating_id(str(row["journey"]), criterion),
            float(row[criterion]),
            "score",
            f"journey.{criterion}",
            n=int(row["raters"]),
            no_interval="input",
            population=str(row["journey"]),
            sources=("workshop",),
        )
        for _, row in selection.ranking.iterrows()
        for criterion in RATINGS
        if row[criterion] == row[criterion]  # rated (not NaN)
    ]
    return FactSheet(tuple(out))
