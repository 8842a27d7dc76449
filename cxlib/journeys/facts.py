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

import numpy as np
import pandas as pd

from cxlib.journeys.journey_map import PER_CUSTOMERS
from cxlib.journeys.plan import needed_n
from cxlib.journeys.plan_value import value_facts
from cxlib.kpis.body_facts import survey_fact_id
from cxlib.kpis.facts import early_churn_fact, rule_fact
from cxlib.kpis.intervals import share_interval
from cxlib.kpis.retention import EarlyChurn
from cxlib.report.facts import Fact, FactSheet, Unit

if TYPE_CHECKING:
    from cxlib.journeys.analysis import JourneyAnalysis

__all__ = ["RATINGS", "evidence_facts", "facts", "lever_id", "map_id", "rating_id"]

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
        for _, row in (selection.ranking.iterrows() if selection is not None else ())
        for criterion in RATINGS
        if row[criterion] == row[criterion]  # rated (not NaN)
    ]
    return sheet.plus(out, evidence_facts(result), value_facts(result.value))


def evidence_facts(result: JourneyAnalysis) -> list[Fact]:
    """Every figure of the evidence, plan and checklist tables and of the data basis."""
    out = _ranking_facts(result) + _survey_facts(result) + _ticket_facts(result)
    out += _plan_facts(result) + _checklist_facts(result) + result.overview.facts()
    return out


def _ranking_facts(result: JourneyAnalysis) -> list[Fact]:
    """The selection rule's score, sum and rank and the range of each rating."""
    if result.selection is None:
        return []
    out: list[Fact] = []
    workshop = ("workshop",)
    for row in result.selection.ranking.itertuples(index=False):
        j = str(row.journey)
        out += [
            Fact(
                f"journey.score.{j}",
                float(row.product),
                "score",
                "journey.score",
                n=int(row.raters),
                no_interval="input",
                population=j,
                sources=workshop,
            ),
            Fact(
                f"journey.sum.{j}",
                float(row.sum),
                "score",
                "journey.sum",
                n=int(row.raters),
                no_interval="input",
                population=j,
                sources=workshop,
            ),
        ]
        if not pd.isna(row.rank):
            out.append(
                Fact(
                    f"journey.rank.{j}",
                    int(row.rank),
                    "count",
                    "journey.rank",
                    no_interval="rule",
                    population=j,
                )
            )
        for criterion in RATINGS:
            for side in ("min", "max"):
                value = getattr(row, f"{criterion}_{side}")
                if value == value:
                    out.append(
                        Fact(
                            f"{rating_id(j, criterion)}.{side}",
                            float(value),
                            "score",
                            f"journey.rating_{side}",
                            no_interval="input",
                            population=j,
                            sources=workshop,
                        )
                    )
    return out


def _estimate(fact_id: str, row: object, kpi: str, population: str) -> Fact | None:
    """A survey KPI of a phase or journey with its interval (or the reason it has none)."""
    n = getattr(row, f"{kpi}_n", None)
    value = getattr(row, kpi, None)
    if n is None or value is None or not n or value != value:
        return None
    unit: Unit = {"nps": "points", "csat": "share", "ces": "score"}[kpi]  # type: ignore[assignment]
    low, high = getattr(row, f"{kpi}_low"), getattr(row, f"{kpi}_high")
    interval = low == low and high == high
    return Fact(
        fact_id,
        float(value),
        unit,
        f"kpi.{kpi}",
        n=int(n),
        low=float(low) if interval else None,
        high=float(high) if interval else None,
        no_interval=None if interval else "too_few",
        population=population,
        sources=("survey",),
    )


def _survey_facts(result: JourneyAnalysis) -> list[Fact]:
    """NPS, CSAT and CES per phase (the KPI section's ids) and per candidate journey."""
    evidence = result.evidence
    if evidence is None:
        return []
    out: list[Fact | None] = [
        rule_fact("rule.small_n", evidence.small_n, "count", "rule.small_n"),
        rule_fact("rule.min_n", evidence.min_n, "count", "rule.min_n"),
    ]
    for kpi in ("nps", "csat", "ces"):
        out += [
            _estimate(survey_fact_id(kpi, "phase", str(row.phase)), row, kpi, str(row.phase))
            for row in evidence.phases.itertuples(index=False)
        ]
        out += [
            _estimate(f"journey.{kpi}.{row.journey}", row, kpi, str(row.journey))
            for row in evidence.journeys.itertuples(index=False)
        ]
    for row in evidence.churn.itertuples(index=False):
        if row.n:
            out.append(
                early_churn_fact(
                    EarlyChurn(
                        int(row.months), int(row.lost), int(row.n), row.first_start, row.last_start
                    )
                )
            )
    return [fact for fact in out if fact is not None]


def _ticket_group(
    key: str,
    population: str,
    counts: tuple[int, int],
    shares: tuple[float, float],
    total: int,
) -> list[Fact]:
    """Tickets and follow-up tickets of one phase or journey (``key``: ``phase.<p>`` or the
    journey), and their shares of all tickets and of its tickets where those are known.

    ``counts`` is (tickets, follow-up tickets), ``shares`` (share of all ``total``
    tickets, follow-up share of its tickets), NaN where there is none.
    """
    tickets, repeats = counts
    ticket_share, repeat_share = shares

    def fact(what: str, value: float, unit: Unit, n: int | None = None) -> Fact:
        return Fact(
            f"journey.{what}.{key}",
            value,
            unit,
            f"journey.{what}",
            n=n,
            no_interval="count",
            population=population,
            sources=("tickets",),
        )

    out = [fact("tickets", tickets, "count"), fact("repeat_tickets", repeats, "count")]
    if ticket_share == ticket_share:
        out.append(fact("ticket_share", ticket_share, "share", total))
    if repeat_share == repeat_share:
        out.append(fact("repeat_share", repeat_share, "share", tickets))
    return out


def _ticket_facts(result: JourneyAnalysis) -> list[Fact]:
    """Tickets and follow-up tickets per phase and per journey, with their shares."""
    evidence = result.evidence
    if evidence is None or not evidence.tickets_total:  # no ticket data: no ticket figures
        return []
    total = int(evidence.tickets_total)
    out = [
        Fact(
            "journey.tickets.total",
            total,
            "count",
            "journey.tickets_total",
            no_interval="count",
            sources=("tickets",),
        ),
    ]
    for row in evidence.phases.itertuples(index=False):
        p = str(row.phase)
        counts = (int(row.tickets), int(row.repeat_tickets))
        shares = (
            row.tickets / evidence.tickets_total,
            row.repeat_tickets / row.tickets if row.tickets else float("nan"),
        )
        out += _ticket_group(f"phase.{p}", p, counts, shares, total)
    for row in evidence.journeys.itertuples(index=False):
        j = str(row.journey)
        counts = (int(row.tickets), int(row.repeat_tickets))
        shares = (float(row.ticket_share), float(row.repeat_share))
        out += _ticket_group(j, j, counts, shares, total)
    return out


def _plan_facts(result: JourneyAnalysis) -> list[Fact]:
    """The pain points' ticket counts and each measure's baseline, target and detectable change."""
    plan = result.plan
    if plan is None:
        return []
    tickets = ("tickets",)
    out: list[Fact] = []
    for row in plan.pain_points.itertuples(index=False):
        p = str(row.text)
        for column in ("tickets", "repeat_tickets", "tickets_elsewhere"):
            value = getattr(row, column)
            if value == value and value is not None:
                out.append(
                    Fact(
                        f"plan.pain.{row.order}.{column}",
                        int(value),
                        "count",
                        f"plan.{column}",
                        no_interval="count",
                        population=p,
                        sources=tickets,
                    )
                )
    for number, row in enumerate(plan.measures.itertuples(index=False), start=1):
        baseline, target, n, mdc = row.baseline, row.target, row.n, row.mdc
        if baseline is not None and baseline == baseline:
            source = "data" if row.baseline_source == "data" else "input"
            out.append(
                Fact(
                    f"plan.measure.{number}.baseline",
                    float(baseline),
                    "score",
                    "plan.baseline",
                    n=int(n) if n == n and n is not None else None,
                    no_interval="derived" if source == "data" else "input",
                )
            )
        if target is not None and target == target:
            out.append(
                Fact(
                    f"plan.measure.{number}.target",
                    float(target),
                    "score",
                    "plan.target",
                    no_interval="input",
                    sources=("workshop",),
                )
            )
        if mdc is not None and mdc == mdc:
            out.append(
                Fact(
                    f"plan.measure.{number}.detectable",
                    float(mdc),
                    "points",
                    "plan.detectable",
                    no_interval="derived",
                )
            )
    for _, row in plan.undetectable().iterrows():
        number = int(plan.measures.index.get_loc(row.name)) + 1
        change = abs(float(row["target"]) - float(row["baseline"]))
        out.append(
            Fact(
                f"plan.measure.{number}.change",
                change,
                "points",
                "plan.change",
                no_interval="input",
            )
        )
        if row["metric"] == "monthly_churn":
            if np.isfinite(row["needed_months"]):
                out.append(
                    Fact(
                        f"plan.measure.{number}.needed_months",
                        float(row["needed_months"]),
                        "months",
                        "plan.needed_months",
                        no_interval="derived",
                    )
                )
            continue
        out.append(
            Fact(
                f"plan.measure.{number}.needed_n",
                needed_n(change, float(row["mdc"]), float(row["n"])),
                "count",
                "plan.needed_n",
                no_interval="derived",
            )
        )
    weeks = plan.check_weeks()
    if weeks is not None:
        out += [
            Fact(
                f"plan.check_weeks.{side}", value, "count", "plan.check_weeks", no_interval="input"
            )
            for side, value in zip(("first", "last"), weeks, strict=True)
        ]
    return out


def _checklist_facts(result: JourneyAnalysis) -> list[Fact]:
    """Symptoms that apply and the early-warning signals as counted."""
    checklist = result.checklist
    if checklist is None:
        return []
    status = (
        checklist.signals["status"] if "status" in checklist.signals else pd.Series(dtype=object)
    )
    out = [
        Fact(
            "checklist.symptoms",
            len(checklist.symptoms),
            "count",
            "checklist.symptoms",
            no_interval="rule",
        ),
        Fact(
            "checklist.applies",
            checklist.applies,
            "count",
            "checklist.applies",
            no_interval="input",
            sources=("workshop",),
        ),
        Fact(
            "checklist.answered",
            checklist.answered,
            "count",
            "checklist.answered",
            no_interval="input",
            sources=("workshop",),
        ),
        Fact(
            "checklist.signals.shown",
            int((status == "shown").sum()),
            "count",
            "checklist.signals_shown",
            no_interval="count",
        ),
        Fact(
            "checklist.signals.checked",
            int(status.isin(["shown", "not_shown"]).sum()),
            "count",
            "checklist.signals_checked",
            no_interval="count",
        ),
    ]
    for row in checklist.signals.itertuples(index=False):
        key = str(row.key)
        columns: tuple[tuple[str, Unit, str], ...] = (
            ("flagged", "count", "checklist.flagged"),
            ("leavers", "count", "checklist.leavers"),
            ("leavers_flagged", "count", "checklist.leavers_flagged"),
            ("share_leavers", "share", "checklist.share_leavers"),
            ("share_other", "share", "checklist.share_other"),
        )
        for column, unit, definition in columns:
            value = getattr(row, column, None)
            if value is not None and value == value:
                out.append(
                    Fact(
                        f"checklist.signal.{key}.{column}",
                        float(value),
                        unit,
                        definition,
                        no_interval="count",
                        sources=("signals",),
                    )
                )
    return out
