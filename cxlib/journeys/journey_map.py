"""The journey map: the seed's phases left to right, each with its evidence (numbers only).

For the first figure of the journey section (:mod:`cxlib.journeys.map_view`
draws it). Per phase of ``workshop.phases``, in their order:

* **tickets per 100 customers**: the phase's tickets (the evidence's phase
  assignment, :func:`cxlib.journeys.evidence.assign_phase`) over all customers
  of the customer table, times 100, for the whole ticket period;
* **satisfaction**: the CSAT top-2-box share (4 or 5 on 1-5) of the phase's
  survey answers, with n and a Wilson interval; fewer than ``min_n`` answers
  give no number;
* **early churn**: the evidence's early churn (new customers lost in their
  first months, the longest of ``early_churn_months``), shown only in
  ``early_churn_phase`` (the phase it is attributed to);
* **top comment theme**: the theme of the codebook named in the most of the
  phase's survey comments (masked, :mod:`cxlib.voice.coding`), with its
  share of those comments and a Wilson interval; below ``min_n`` comments
  none;
* **moments of truth**: the client's own (``workshop.moments_of_truth``),
  else the seed's for the method's standard phase names (texts
  ``journeys.map.moments``);
* the **focus journey**'s phases are marked, and the plan's pain points
  (numbered in plan order) sit in the phase they belong to: their own
  ``phase``, else the phase most of their ticket category's tickets fall
  into within the journey, else the journey's first phase.

A value of None means the data hold nothing for that cell; the map says so
and never fills a number in. The overall comment themes (all comments) are
kept too: the levers (:mod:`cxlib.journeys.levers`) link the top themes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from cxlib.journeys.evidence import Evidence, assign_phase

if TYPE_CHECKING:
    from cxlib.io.loading import ClientData
    from cxlib.journeys.plan import ActionPlan
    from cxlib.journeys.selection import Selection
    from cxlib.parameters.schema import ClientParameters
    from cxlib.voice.codebook import Codebook

#: The map counts tickets per this many customers.
PER_CUSTOMERS = 100

__all__ = ["PER_CUSTOMERS", "JourneyMap", "PhaseCell", "ThemeCount", "build_map", "comment_hits"]


@dataclass(frozen=True)
class ThemeCount:
    """A comment theme and how many of ``n`` comments name it."""

    theme: str
    mentions: int
    n: int
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def share(self) -> float:
        """mentions / n."""
        return self.mentions / self.n

    def label(self, lang: str = "de") -> str:
        """The theme's name in ``lang`` (its id without labels)."""
        return dict(self.labels).get(str(lang)[:2], self.theme)


@dataclass(frozen=True)
class PhaseCell:
    """One phase of the map; None where the data hold nothing (see the module docstring)."""

    phase: str
    tickets: int | None
    customers: int | None
    csat_top2: int | None
    csat_n: int
    early_churn_lost: int | None
    early_churn_n: int | None
    early_churn_months: int | None
    comments: int
    top_theme: ThemeCount | None
    focus: bool
    #: the plan's pain points in this phase: (number in the plan, text)
    pain_points: tuple[tuple[int, str], ...] = ()
    #: the start dates of the new customers counted for early churn
    early_churn_period: tuple[dt.date, dt.date] | None = None
    #: the client's moments of truth of this phase (``workshop.moments_of_truth``); None:
    #: the method's default text for the phase
    moments: str | None = None

    @property
    def tickets_per_100(self) -> float | None:
        """Tickets per 100 customers (None without tickets or customers)."""
        if self.tickets is None or not self.customers:
            return None
        return PER_CUSTOMERS * self.tickets / self.customers

    @property
    def csat(self) -> float | None:
        """CSAT top-2-box share (None without answers)."""
        return None if not self.csat_n or self.csat_top2 is None else self.csat_top2 / self.csat_n

    @property
    def early_churn(self) -> float | None:
        """Share of new customers lost early (None outside the early-churn phase)."""
        if self.early_churn_lost is None or not self.early_churn_n:
            return None
        return self.early_churn_lost / self.early_churn_n


@dataclass(frozen=True)
class JourneyMap:
    """The map's phases left to right, the focus journey and the overall comment themes."""

    phases: tuple[PhaseCell, ...]
    focus: str | None
    min_n: int = 10
    small_n: int = 30
    has_tickets: bool = False
    has_survey: bool = False
    has_comments: bool = False
    #: all comments, per theme (most named first), for the levers
    themes: tuple[ThemeCount, ...] = field(default_factory=tuple)
    comments: int = 0

    def to_frame(self) -> pd.DataFrame:
        """One row per phase with the map's numbers (None where there is no data)."""
        return pd.DataFrame(
            [
                {
                    "phase": c.phase,
                    "focus": c.focus,
                    "tickets": c.tickets,
                    "customers": c.customers,
                    "tickets_per_100": c.tickets_per_100,
                    "csat": c.csat,
                    "csat_n": c.csat_n,
                    "early_churn": c.early_churn,
                    "early_churn_n": c.early_churn_n,
                    "comments": c.comments,
                    "top_theme": c.top_theme.theme if c.top_theme else None,
                    "top_theme_share": c.top_theme.share if c.top_theme else None,
                    "pain_points": [number for number, _ in c.pain_points],
                }
                for c in self.phases
            ]
        )


def comment_hits(
    params: ClientParameters, data: ClientData
) -> tuple[pd.DataFrame, pd.DataFrame, Codebook]:
    """The survey answers with a comment, their themes (row, theme, tone) and the codebook.

    The KPI section's coding (:func:`cxlib.kpis.analysis.coded_comments`): masked
    before coding, the client's own codebook extending the default one, done
    once per data.
    """
    from cxlib.kpis.analysis import coded_comments

    coded = coded_comments(params, data)
    return coded.answered, coded.hits, coded.codebook


def _top(
    hits: pd.DataFrame, rows: pd.Index, labels: dict[str, tuple[tuple[str, str], ...]]
) -> list[ThemeCount]:
    """Themes named in the comments ``rows``, most comments first (ties: codebook order)."""
    n = len(rows)
    own = hits[hits["row"].isin(set(rows))]
    counts = own.groupby("theme")["row"].nunique()
    order = list(labels)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], order.index(str(kv[0]))))
    return [ThemeCount(str(k), int(v), n, labels.get(str(k), ())) for k, v in ranked if v > 0]


def _pain_phases(
    plan: ActionPlan | None,
    tickets: pd.DataFrame | None,
    phase: pd.Series | None,
    members: list[str],
) -> dict[str, list[tuple[int, str]]]:
    """The plan's pain points by the phase they belong to (module notes)."""
    out: dict[str, list[tuple[int, str]]] = {}
    if plan is None or not members:
        return out
    for number, (_, row) in enumerate(plan.pain_points.iterrows(), start=1):
        where = row.get("phase")
        if not isinstance(where, str) or where not in members:
            where = members[0]
            category = row.get("ticket_category")
            if tickets is not None and phase is not None and isinstance(category, str):
                inside = phase[(tickets["category"] == category) & phase.isin(members)]
                if len(inside):
                    where = str(inside.value_counts().index[0])
        out.setdefault(where, []).append((number, str(row["text"])))
    return out


def build_map(
    params: ClientParameters,
    data: ClientData,
    evidence: Evidence,
    selection: Selection | None,
    plan: ActionPlan | None,
    comments: tuple[pd.DataFrame, pd.DataFrame, Codebook] | None = None,
) -> JourneyMap:
    """The journey map of one client (module notes).

    ``comments`` is :func:`comment_hits` of the survey (coded here when not given).
    """
    workshop, options = params.workshop, params.analysis.journey
    min_n = params.analysis.min_n
    customers = data.get("customers")
    n_customers = len(customers) if customers is not None and len(customers) else None
    tickets = data.get("tickets")
    has_tickets = tickets is not None and len(tickets) > 0
    ticket_phase = assign_phase(tickets, workshop.phase_map, ("category",)) if has_tickets else None
    survey = data.get("survey")
    has_survey = survey is not None and len(survey) > 0
    survey_phase = assign_phase(survey, workshop.phase_map, ("touchpoint",)) if has_survey else None
    answered, hits, codebook = comments or comment_hits(params, data)
    labels = {theme.id: theme.labels for theme in codebook.themes}
    comment_phase = (
        assign_phase(answered, workshop.phase_map, ("touchpoint",))
        if len(answered)
        else pd.Series(dtype="object")
    )
    focus_name = selection.selected if selection is not None else None
    members: list[str] = next(
        (list(j.phases) for j in workshop.journeys if j.name == focus_name), []
    )
    pains = _pain_phases(plan, tickets if has_tickets else None, ticket_phase, members)
    churn = evidence.churn
    cells = []
    for phase in workshop.phases:
        tickets_in = None
        if has_tickets and ticket_phase is not None:
            tickets_in = int((ticket_phase == phase).sum())
        csat_top2, csat_n = None, 0
        if survey is not None and survey_phase is not None and "csat" in survey:
            scores = pd.to_numeric(survey.loc[survey_phase == phase, "csat"], errors="coerce")
            scores = scores.dropna()
            csat_n, csat_top2 = len(scores), int((scores >= 4).sum())
        lost = n_churn = months = period = None
        if phase == options.early_churn_phase and not churn.empty and churn.iloc[-1]["n"]:
            last = churn.iloc[-1]
            lost, n_churn, months = int(last["lost"]), int(last["n"]), int(last["months"])
            if last["first_start"] is not None and last["last_start"] is not None:
                period = (last["first_start"], last["last_start"])
        rows = comment_phase.index[comment_phase == phase]
        top = _top(hits, rows, labels) if len(rows) >= min_n else []
        cells.append(
            PhaseCell(
                phase=phase,
                tickets=tickets_in,
                customers=n_customers,
                csat_top2=csat_top2,
                csat_n=csat_n,
                early_churn_lost=lost,
                early_churn_n=n_churn,
                early_churn_months=months,
                comments=len(rows),
                top_theme=top[0] if top else None,
                focus=phase in members,
                pain_points=tuple(pains.get(phase, ())),
                early_churn_period=period,
                moments=workshop.moments_of_truth.get(phase),
            )
        )
    return JourneyMap(
        phases=tuple(cells),
        focus=focus_name,
        min_n=min_n,
        small_n=params.analysis.small_n,
        has_tickets=has_tickets,
        has_survey=has_survey,
        has_comments=len(answered) > 0,
        themes=tuple(_top(hits, answered.index, labels)) if len(answered) else (),
        comments=len(answered),
    )
