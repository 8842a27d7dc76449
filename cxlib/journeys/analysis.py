"""The journey analysis of one client: selection, evidence, 1-3-3 plan, checklist, data basis.

:func:`analyse` is the first of the section's two steps (numbers and tables,
no words); :func:`cxlib.journeys.view.section` words the result in one
language. Notebook ``02-journey-auswahl`` calls both.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxlib.io.loading import ClientData
from cxlib.io.overview import DataOverview, describe
from cxlib.journeys.checklist import Checklist, check
from cxlib.journeys.evidence import Evidence, collect, contradictions
from cxlib.journeys.journey_map import JourneyMap, build_map, comment_hits
from cxlib.journeys.levers import LeverLinks, link, load_levers
from cxlib.journeys.outer_loop import OuterLoop, outer_loop
from cxlib.journeys.plan import ActionPlan
from cxlib.journeys.plan import build as build_plan
from cxlib.journeys.plan_value import PlanValue, value_plan
from cxlib.journeys.selection import Selection, from_workshop, journey_id
from cxlib.kpis.analysis import economy
from cxlib.kpis.value_at_risk import value_at_risk
from cxlib.parameters.schema import ClientParameters
from cxlib.report.testing import TestFamily

#: The tables the journey section's data basis describes.
BASIS_TABLES = ("tickets",)


@dataclass(frozen=True)
class JourneyAnalysis:
    """Everything the journey section shows, for one client.

    ``selection`` and ``plan`` are None while no journey has been rated;
    ``overview`` describes the tables the evidence rests on (the data basis);
    ``map`` is the journey map (the section's first figure) and ``levers``
    links the surviving churn drivers, top churn reasons and top comment
    themes to the lever catalogue; ``loop`` is the outer feedback loop
    (recurring comment themes and the plan's pain points they belong to).
    """

    selection: Selection | None
    evidence: Evidence
    plan: ActionPlan | None
    checklist: Checklist
    overview: DataOverview
    map: JourneyMap
    levers: LeverLinks
    loop: OuterLoop
    #: the phase early churn is attributed to (``analysis.journey.early_churn_phase``)
    early_churn_phase: str | None = None
    #: the plan's value per year if its targets are reached (:mod:`cxlib.journeys.plan_value`)
    value: PlanValue | None = None


def analyse(
    params: ClientParameters, data: ClientData, tests: TestFamily | None = None
) -> JourneyAnalysis:
    """Run the journey rule, evidence, plan and checklist on one client's parameters and data.

    ``tests`` (the report's testing family) decides which churn drivers are
    linked to a lever: only those it confirms (without it, none).
    """
    workshop, options = params.workshop, params.analysis.journey
    contractual = params.business_model == "contractual"
    selection = from_workshop(workshop, options)
    evidence = collect(
        data,
        workshop,
        options,
        cutoff=params.cutoff,
        contractual=contractual,
        observation_start=params.analysis.observation_start,
        inactivity_days=params.analysis.survival.inactivity_days,
        min_n=params.analysis.min_n,
        small_n=params.analysis.small_n,
    )
    plan = None
    if selection is not None:
        evidence = contradictions(evidence, selection, options)
        plan = build_plan(
            workshop,
            journey_id(workshop, selection.selected),
            selection.selected,
            options,
            evidence,
            data.get("tickets"),
            warn=False,
            report_date=params.report_date,
            customers=data.get("customers") if contractual else None,
            cutoff=params.cutoff,
        )
    checklist = check(
        workshop,
        data,
        options,
        cutoff=params.cutoff,
        inactivity_days=params.analysis.survival.inactivity_days,
        min_n=params.analysis.min_n,
    )
    # the plan's value (the purchase models, the costly part for a big client) before what
    # waits for the testing family: a batch run computes that meanwhile in its main process
    value = _plan_value(params, data, plan)
    overview = describe(data, list(BASIS_TABLES), "journey")
    comments = comment_hits(params, data)
    journey_map = build_map(params, data, evidence, selection, plan, comments)
    answered, hits, codebook = comments
    loop = outer_loop(answered, hits, codebook, plan, params.analysis.min_n)
    own = options.levers
    catalogue = load_levers(params.resolve(own) if own else None)
    levers = link(catalogue, tests, data.get("customers"), journey_map.themes)
    return JourneyAnalysis(
        selection,
        evidence,
        plan,
        checklist,
        overview,
        journey_map,
        levers,
        loop,
        options.early_churn_phase,
        value,
    )


def _plan_value(
    params: ClientParameters, data: ClientData, plan: ActionPlan | None
) -> PlanValue | None:
    """The plan's value per year with THE customer value (the KPI section's, computed once)."""
    if plan is None or plan.measures.empty:
        return None
    eco, model = economy(params, data)
    risk = value_at_risk(eco, model)
    customers = model.customers if model is not None else None
    return value_plan(plan, data.get("customers"), params.cutoff, risk, customers)
