"""The journey section's facts (:mod:`cxlib.report.facts`): ratings, journey map and levers.

The ratings (frequency, damage, feasibility, 1 to 5) are the workshop
participants' means: inputs, not estimates, so they carry no interval; n is
the number of raters. The journey map's numbers per phase (tickets, tickets
per 100 customers, CSAT, early churn, the top comment theme's share;
:mod:`cxlib.journeys.journey_map`) and the levers' churn reasons and comment
themes (:mod:`cxlib.journeys.levers`) are facts too: every number the map
and the lever table print is one of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib.journeys.journey_map import PER_CUSTOMERS
from cxlib.kpis.facts import early_churn_fact
from cxlib.kpis.intervals import share_interval
from cxlib.kpis.retention import EarlyChurn
from cxlib.report.facts import Fact, FactSheet

if TYPE_CHECKING:
    from cxlib.journeys.analysis import JourneyAnalysis

__all__ = ["RATINGS", "facts", "lever_id", "map_id", "rating_id"]

#: The rated criteria of the selection rule.
RATINGS = ("frequency", "damage", "feasibility")


def rating_id(journey: str, criterion: str) -> str:
    """The id of a journey's mean rating (``journey.rating.Geldphase.damage``)."""
    return f"journey.rating.{journey}.{criterion}"


def map_id(phase: str, what: str) -> str:
    """The id of a journey-map number (``journey.map.Onboarding.csat``); early churn has the
    report-wide id ``churn.early.<months>`` (:func:`cxlib.kpis.facts.early_churn_id`)."""
    return f"journey.map.{phase}.{what}"


def lever_id(kind: str, key: str) -> str:
    """The id of a lever finding's share (``journey.levers.reason.Umzug``)."""
    return f"journey.levers.{kind}.{key}"


def _share(fact_id: str, k: int, n: int, definition: str, population: str, source: str) -> Fact:
    """A share k/n with its Wilson interval."""
    interval = share_interval(k, n)
    return Fact(
        fact_id,
        k / n,
        "share",
        definition,
        n=n,
        low=interval.low,
        high=interval.high,
        population=population,
        sources=(source,),
    )


def map_facts(result: JourneyAnalysis) -> list[Fact]:
    """The journey map's numbers, per phase (None cells have no fact)."""
    out: list[Fact] = []
    months = None
    for cell in result.map.phases:
        phase = cell.phase
        if cell.tickets is not None:
            out.append(
                Fact(
                    map_id(phase, "tickets"),
                    cell.tickets,
                    "count",
                    "journey.map_tickets",
                    no_interval="count",
                    population=phase,
                    sources=("tickets",),
                )
            )
        per_100 = cell.tickets_per_100
        if per_100 is not None:
            out.append(
                Fact(
                    map_id(phase, "tickets_per_100"),
                    per_100,
                    "ratio",
                    "journey.map_tickets_per_100",
                    n=cell.customers,
                    no_interval="census",
                    population=phase,
                    sources=("tickets", "customers"),
                )
            )
        if cell.csat_n and cell.csat_top2 is not None and cell.csat_n >= result.map.min_n:
            out.append(
                _share(
                    map_id(phase, "csat"),
                    cell.csat_top2,
                    cell.csat_n,
                    "journey.map_csat",
                    phase,
                    "survey",
                )
            )
        if cell.early_churn_lost is not None and cell.early_churn_n and cell.early_churn_months:
            # the KPI section's definition and id (churn.early.<months>): one fact, one number
            months = cell.early_churn_months
            first, last = cell.early_churn_period or (None, None)
            counted = EarlyChurn(months, cell.early_churn_lost, cell.early_churn_n, first, last)
            out.append(early_churn_fact(counted))
        top = cell.top_theme
        if top is not None:
            out.append(
                _share(
                    map_id(phase, "top_theme"),
                    top.mentions,
                    top.n,
                    "journey.map_top_theme",
                    phase,
                    "survey",
                )
            )
    if result.map.phases:  # the map's row label and caption name the basis
        out.append(
            Fact(
                "journey.map.per_customers",
                PER_CUSTOMERS,
                "count",
                "journey.map_per_customers",
                no_interval="rule",
            )
        )
    if months is not None:
        out.append(
            Fact(
                "journey.map.early_churn_months",
                months,
                "months",
                "journey.map_early_churn_months",
                no_interval="rule",
            )
        )
    return out


def lever_facts(result: JourneyAnalysis) -> list[Fact]:
    """The shares of the churn reasons and comment themes linked to levers."""
    out: list[Fact] = []
    for finding in result.levers.findings:
        if finding.count is None or not finding.n:
            continue
        if finding.kind == "reason":
            out.append(
                Fact(
                    lever_id("reason", finding.key),
                    finding.count / finding.n,
                    "share",
                    "journey.lever_reason",
                    n=finding.n,
                    no_interval="census",
                    population=finding.key,
                    sources=("customers",),
                )
            )
        else:
            out.append(
                _share(
                    lever_id("theme", finding.key),
                    finding.count,
                    finding.n,
                    "journey.lever_theme",
                    finding.key,
                    "survey",
                )
            )
    return out


def loop_facts(result: JourneyAnalysis) -> list[Fact]:
    """The recurring themes' shares of negative comments and their half-years."""
    loop = result.loop
    out: list[Fact] = []
    for theme in loop.themes:
        out.append(
            _share(
                f"journey.loop.{theme.theme}.negative",
                theme.negative,
                theme.comments,
                "journey.loop_negative",
                theme.theme,
                "survey",
            )
        )
        out.append(
            Fact(
                f"journey.loop.{theme.theme}.periods",
                theme.periods,
                "count",
                "journey.loop_periods",
                no_interval="count",
                population=theme.theme,
                sources=("survey",),
            )
        )
    if loop.themes:
        out.append(
            Fact(
                "journey.loop.periods",
                loop.periods,
                "count",
                "journey.loop_all_periods",
                no_interval="count",
                sources=("survey",),
            )
        )
    return out


def facts(result: JourneyAnalysis) -> FactSheet:
    """The journey section's facts: ratings, the journey map's numbers, the levers' shares,
    the recurring themes of the outer loop."""
    sheet = FactSheet((*map_facts(result), *lever_facts(result), *loop_facts(result)))
    selection = result.selection
    if selection is None:
        return sheet
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
    return sheet.plus(out)
