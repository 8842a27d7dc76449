"""The journey section's facts (:mod:`cxlib.report.facts`): the workshop's ratings of each journey.

The ratings (frequency, damage, feasibility, 1 to 5) are the workshop
participants' means: inputs, not estimates, so they carry no interval; n is
the number of raters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cxlib.journeys.plan import needed_n
from cxlib.kpis.body_facts import survey_fact_id
from cxlib.kpis.facts import early_churn_fact, rule_fact
from cxlib.kpis.retention import EarlyChurn
from cxlib.report.facts import Fact, FactSheet, Unit

if TYPE_CHECKING:
    from cxlib.journeys.analysis import JourneyAnalysis

__all__ = ["RATINGS", "evidence_facts", "facts", "rating_id"]

#: The rated criteria of the selection rule.
RATINGS = ("frequency", "damage", "feasibility")


def rating_id(journey: str, criterion: str) -> str:
    """The id of a journey's mean rating (``journey.rating.Geldphase.damage``)."""
    return f"journey.rating.{journey}.{criterion}"


def facts(result: JourneyAnalysis) -> FactSheet:
    """The journey section's facts: each journey's mean ratings."""
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
    return FactSheet((*out, *evidence_facts(result)))


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
    out: list[Fact | None] = []
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


def _ticket_facts(result: JourneyAnalysis) -> list[Fact]:
    """Tickets and follow-up tickets per phase and per journey, with their shares."""
    evidence = result.evidence
    if evidence is None:
        return []
    tickets = ("tickets",)
    out = [
        rule_fact("rule.small_n", evidence.small_n, "count", "rule.small_n"),
        rule_fact("rule.min_n", evidence.min_n, "count", "rule.min_n"),
        Fact(
            "journey.tickets.total",
            int(evidence.tickets_total),
            "count",
            "journey.tickets_total",
            no_interval="count",
            sources=tickets,
        ),
    ]
    for row in evidence.phases.itertuples(index=False):
        p = str(row.phase)
        out += [
            Fact(
                f"journey.tickets.phase.{p}",
                int(row.tickets),
                "count",
                "journey.tickets",
                no_interval="count",
                population=p,
                sources=tickets,
            ),
            Fact(
                f"journey.repeat_tickets.phase.{p}",
                int(row.repeat_tickets),
                "count",
                "journey.repeat_tickets",
                no_interval="count",
                population=p,
                sources=tickets,
            ),
        ]
        if evidence.tickets_total:
            out.append(
                Fact(
                    f"journey.ticket_share.phase.{p}",
                    row.tickets / evidence.tickets_total,
                    "share",
                    "journey.ticket_share",
                    n=int(evidence.tickets_total),
                    no_interval="count",
                    population=p,
                    sources=tickets,
                )
            )
        if row.tickets:
            out.append(
                Fact(
                    f"journey.repeat_share.phase.{p}",
                    row.repeat_tickets / row.tickets,
                    "share",
                    "journey.repeat_share",
                    n=int(row.tickets),
                    no_interval="count",
                    population=p,
                    sources=tickets,
                )
            )
    for row in evidence.journeys.itertuples(index=False):
        j = str(row.journey)
        out += [
            Fact(
                f"journey.tickets.{j}",
                int(row.tickets),
                "count",
                "journey.tickets",
                no_interval="count",
                population=j,
                sources=tickets,
            ),
            Fact(
                f"journey.repeat_tickets.{j}",
                int(row.repeat_tickets),
                "count",
                "journey.repeat_tickets",
                no_interval="count",
                population=j,
                sources=tickets,
            ),
        ]
        if row.ticket_share == row.ticket_share:
            out.append(
                Fact(
                    f"journey.ticket_share.{j}",
                    float(row.ticket_share),
                    "share",
                    "journey.ticket_share",
                    n=int(evidence.tickets_total),
                    no_interval="count",
                    population=j,
                    sources=tickets,
                )
            )
        if row.repeat_share == row.repeat_share:
            out.append(
                Fact(
                    f"journey.repeat_share.{j}",
                    float(row.repeat_share),
                    "share",
                    "journey.repeat_share",
                    n=int(row.tickets),
                    no_interval="count",
                    population=j,
                    sources=tickets,
                )
            )
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
        out += [
            Fact(
                f"plan.measure.{number}.change",
                change,
                "points",
                "plan.change",
                no_interval="input",
            ),
            Fact(
                f"plan.measure.{number}.needed_n",
                needed_n(change, float(row["mdc"]), float(row["n"])),
                "count",
                "plan.needed_n",
                no_interval="derived",
            ),
        ]
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
