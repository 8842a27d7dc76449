"""The 1-3-3 action plan (seed 003): one journey, three pain points, three measures.

Pain points come from the workshop and are ranked by evidence: a pain
point's tickets are the tickets of the chosen journey (its phases, with the
evidence's phase assignment and period) that match the pain point's ticket
category and/or phase, so they are always a subset of the journey's tickets in
the evidence table; matching tickets in other phases are counted apart
(``tickets_elsewhere``) and named, not added. Each measure has an owner, a start, a check date
4-6 weeks later (``check_min_days``-``check_max_days``; anything else is an
issue naming the measure) and the KPI it should move, with its baseline from
the data where computable and the target. The plan is complete only with
exactly three pain points and three valid measures.

Plan dates are read against the report date, not the day the program runs:
the reading names the check dates in whole weeks after the report date, and
a measure that starts before the report date is an issue of the plan (its
dates would look overdue in the report), never silently shown.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.exceptions import CXWarning
from cxlib.journeys.churn_rate import ChurnRate, monthly_churn
from cxlib.journeys.evidence import Evidence, assign_phase, repeat_flags
from cxlib.parameters.schema import JourneyOptions, PainPoint, Workshop
from cxlib.texts import t

if TYPE_CHECKING:
    from IPython.display import HTML

PLAN_SIZE = 3
#: Two-sided 5 %, power 80 % (as the KPI section's "nachweisbar ab").
Z_MDC = 1.959963984540054 + 0.8416212335729143
#: Days of an average month (a check window counted in months).
DAYS_PER_MONTH = 365.25 / 12
#: Metrics that are shares; their baselines and targets are in percent (0-100).
PERCENT_METRICS = ("csat", "repeat_tickets", "ticket_share", "early_churn", "monthly_churn")


class PlanWarning(CXWarning):
    """The action plan is incomplete or a check date is outside 4-6 weeks."""


@dataclass(frozen=True)
class PlanIssue:
    """One problem of the plan: its kind and the values its text names (no words).

    ``kind`` is ``pains`` or ``measures`` (not three of them; ``n`` is how many),
    ``check`` (a check date outside the window; ``measure``, ``days``,
    ``low``, ``high``) or ``past`` (a start before the report date;
    ``measure``, ``start``, ``report_date`` as ISO dates); :meth:`text` words
    it in a language.
    """

    kind: Literal["pains", "measures", "check", "past"]
    values: tuple[tuple[str, str | int], ...]

    def text(self, lang: str = "de") -> str:
        """The issue as one sentence in ``lang``."""
        values = dict(self.values)
        for key in ("start", "report_date"):
            if key in values:
                values[key] = fmt.date(dt.date.fromisoformat(str(values[key])), lang)
        return t(f"journeys.plan.issue_{self.kind}", lang, **values)


@dataclass(frozen=True)
class ActionPlan:
    """Pain points and measures of the chosen journey, with the plan's problems."""

    journey: str
    pain_points: pd.DataFrame
    measures: pd.DataFrame
    issues: tuple[PlanIssue, ...]
    #: The report's date, the reference of the plan's dates (None: not known).
    report_date: dt.date | None = None

    @property
    def complete(self) -> bool:
        """Three pain points, three measures and no issue."""
        return (
            len(self.pain_points) == PLAN_SIZE
            and len(self.measures) == PLAN_SIZE
            and not self.issues
        )

    @property
    def last_check(self) -> dt.date | None:
        """The latest check date of the measures (None without measures)."""
        return None if self.measures.empty else self.measures["check_date"].max()

    def check_weeks(self) -> tuple[int, int] | None:
        """Earliest and latest check date in whole weeks after the report date.

        None without a report date or without measures.
        """
        if self.report_date is None or self.measures.empty:
            return None
        weeks = [(day - self.report_date).days // 7 for day in self.measures["check_date"]]
        return min(weeks), max(weeks)

    def reading(self, lang: str = "de") -> str:
        """The sentence under the plan: check dates against the report date, or what is missing."""
        if not self.complete:
            return t("journeys.plan.reading_incomplete", lang)
        date = fmt.date(self.last_check, lang)
        weeks = self.check_weeks()
        if self.report_date is None or weeks is None:
            return t("journeys.plan.reading_complete", lang, date=date)
        low, high = weeks
        count = t(f"journeys.plan.weeks.{fmt.plural(high, lang)}", lang, n=fmt.integer(high, lang))
        if low != high:
            count = t("journeys.plan.weeks_range", lang, low=fmt.integer(low, lang), high=count)
        return t(
            "journeys.plan.reading_dated",
            lang,
            weeks=count,
            report_date=fmt.date(self.report_date, lang),
            date=date,
        )

    def to_frame(self) -> pd.DataFrame:
        """The measures, tidy (dates, baseline, target, days to check)."""
        return self.measures.copy()

    def table(self, lang: str = "de") -> pd.DataFrame:
        """The printable plan: one row per measure.

        Owner, dates, KPI, baseline with its source (data with n, workshop, or
        none), target with its unit, and whether the next measurement of the
        same size could detect the planned change.
        """

        def c(key: str) -> str:
            return t(f"journeys.plan.col.{key}", lang)

        rows = []
        for i, (_, measure) in enumerate(self.measures.iterrows()):
            rows.append(
                {
                    c("measure"): f"{i + 1}. {measure['text']}",
                    c("owner"): measure["owner"],
                    c("dates"): _dates(measure["start"], measure["check_date"], lang),
                    c("kpi"): measure["kpi"],
                    c("baseline"): _baseline_text(measure, lang),
                    c("target"): _value(measure, "target", lang),
                    c("detectable"): _detectable_text(measure, lang),
                }
            )
        return pd.DataFrame(rows)

    def undetectable(self) -> pd.DataFrame:
        """Measures whose planned change is smaller than the next measurement can detect."""
        m = self.measures
        if m.empty:
            return m
        change = (m["target"] - m["baseline"]).abs()
        return m[m["mdc"].notna() & change.notna() & (change < m["mdc"])]

    def detection_texts(self, lang: str = "de") -> list[str]:
        """One warning per measure whose target change cannot be told from chance."""
        texts = []
        for _, m in self.undetectable().iterrows():
            change = abs(m["target"] - m["baseline"])
            if m["metric"] == "monthly_churn":
                number = int(self.measures.index.get_loc(m.name)) + 1
                texts.append(_rate_detection_text(m, number, lang))
                continue
            texts.append(
                t(
                    "journeys.plan.undetectable",
                    lang,
                    measure=m["text"],
                    change=fmt.number(change, 0, lang),
                    mdc=fmt.number(m["mdc"], 0, lang),
                    n=fmt.integer(m["n"], lang),
                    needed=fmt.integer(needed_n(change, m["mdc"], m["n"]), lang),
                    unit=t(f"journeys.plan.points.{_unit(m)}", lang),
                    unit_dat=t(f"journeys.plan.points_dat.{_unit(m)}", lang),
                    who_dat=t(f"journeys.plan.sample.{_sample(m)}_dat", lang),
                    who_acc=t(f"journeys.plan.sample.{_sample(m)}_acc", lang),
                )
            )
        return texts

    def issue_texts(self, lang: str = "de") -> list[str]:
        """The plan's problems, one sentence each, in ``lang``."""
        return [issue.text(lang) for issue in self.issues]

    def summary(self, lang: str = "de") -> HTML:
        """The plan as an escaped HTML table."""
        from cxlib.report import blocks as display

        return display.table(self.table(lang), lang)

    def pain_table(self, lang: str = "de") -> pd.DataFrame:
        """Pain points with their evidence, in evidence order."""

        def c(key: str) -> str:
            return t(f"journeys.plan.col.{key}", lang)

        return pd.DataFrame(
            {
                c("number"): [str(i + 1) for i in range(len(self.pain_points))],
                c("pain"): self.pain_points["text"],
                c("evidence"): [
                    _evidence_text(row, lang) for _, row in self.pain_points.iterrows()
                ],
            }
        )

    def statement_text(self, lang: str = "de") -> str:
        """'Nächste Schritte: drei Maßnahmen bis 15.03.2026.' (or what is missing)."""
        if self.complete:
            return t("journeys.plan.next", lang, date=fmt.date(self.last_check, lang))
        return t(
            "journeys.plan.incomplete",
            lang,
            pains=fmt.integer(len(self.pain_points), lang),
            measures=fmt.integer(len(self.measures), lang),
            issues=fmt.integer(len(self.issues), lang),
        )

    def to_dict(self, lang: str = "de") -> dict[str, object]:
        """Pain points, measures and issues (worded in ``lang``), ready for results.json."""
        return {
            "journey": self.journey,
            "complete": self.complete,
            "pain_points": self.pain_points.to_dict(orient="records"),
            "measures": self.measures.to_dict(orient="records"),
            "issues": self.issue_texts(lang),
        }


def _dates(start: dt.date, check: dt.date, lang: str) -> str:
    """'16.02. → 30.03.2026' (the year once when both dates share it)."""
    first = fmt.date(start, lang)
    if start.year == check.year:
        first = first[:-4] if lang == "de" else first[:-5]
    return f"{first} → {fmt.date(check, lang)}"


def _unit(measure: pd.Series) -> Literal["percent", "nps", "number"]:
    """How a measure's values read: percent (a share metric or a KPI "in %"), NPS, a number."""
    metric = measure.get("metric")
    if metric in PERCENT_METRICS or (metric is None and "%" in str(measure.get("kpi") or "")):
        return "percent"
    return "nps" if metric == "nps" else "number"


def _value(measure: pd.Series | None, column: str, lang: str) -> str:
    """A baseline or target with its unit ("63 %", "+12", "6,4")."""
    if measure is None or pd.isna(measure[column]):
        return fmt.MISSING

    # a monthly churn rate is about 1 %: two decimals ("0,99 % → 0,70 %")
    rate = measure.get("metric") == "monthly_churn"

    def shown(name: str) -> float:
        # a baseline from the data is an estimate: whole points, as in the KPI section
        number = float(measure[name])
        if rate:
            return float(np.floor(number * 100 + 0.5) / 100)
        return float(np.floor(number + 0.5)) if name == "baseline" and from_data else number

    from_data = measure.get("baseline_source") == "data"
    value = shown(column)
    # baseline and target with the same decimals ("6,4 → 5,0", not "6,4 → 5")
    pair = [shown(c) for c in ("baseline", "target") if c in measure and pd.notna(measure[c])]
    decimals = 0 if all(round(v, 6).is_integer() for v in pair) else 1
    decimals = 2 if rate else decimals
    unit = _unit(measure)
    if unit == "percent":
        return fmt.percent(value / 100, decimals, lang)
    if unit == "nps":
        return fmt.signed(value, 0, lang)
    return fmt.number(value, decimals, lang)


def shown_value(measure: pd.Series, column: str, lang: str = "de") -> str:
    """A measure's ``baseline`` or ``target`` as the plan table shows it ("0,99 %")."""
    return _value(measure, column, lang)


def _baseline_text(measure: pd.Series, lang: str) -> str:
    """'63 % (aus den Daten, n = 16 Antworten)', '13 % (aus dem Workshop)' or 'keine Daten …'."""
    source = measure.get("baseline_source")
    if source is None or pd.isna(measure["baseline"]):
        return t("journeys.plan.source.none", lang)
    value = _value(measure, "baseline", lang)
    if source == "data":
        n = measure.get("n")
        if n is not None and pd.notna(n):
            who = t(f"journeys.plan.source.counted.{_counted(measure)}", lang)
            return t(
                "journeys.plan.source.data_n", lang, value=value, n=fmt.integer(n, lang), who=who
            )
        return t("journeys.plan.source.data", lang, value=value)
    return t("journeys.plan.source.workshop", lang, value=value)


def _detectable_text(measure: pd.Series, lang: str) -> str:
    """Whether the planned change exceeds the smallest detectable change (or why unknown)."""
    mdc = measure.get("mdc")
    if mdc is None or pd.isna(mdc) or pd.isna(measure["target"]) or pd.isna(measure["baseline"]):
        return t("journeys.plan.detect.unknown", lang)
    unit = t(f"journeys.plan.points_dat.{_unit(measure)}", lang)
    key = "yes" if abs(measure["target"] - measure["baseline"]) >= mdc else "no"
    mdc_text = fmt.number(mdc, _decimals(measure), lang)
    return t(f"journeys.plan.detect.{key}", lang, mdc=mdc_text, unit=unit)


def _rate_detection_text(m: pd.Series, number: int, lang: str) -> str:
    """The warning for a monthly churn rate: the check window's months and the months it needs."""
    needed = m["needed_months"]
    key = "undetectable_rate" if np.isfinite(needed) else "undetectable_rate_never"
    return t(
        f"journeys.plan.{key}",
        lang,
        number=number,
        change=fmt.number(abs(m["target"] - m["baseline"]), 2, lang),
        mdc=fmt.number(m["mdc"], 2, lang),
        needed=fmt.integer(needed, lang) if np.isfinite(needed) else "",
    )


def _sample(measure: pd.Series) -> Literal["answers", "new_customers", "tickets"]:
    """What a measurement of the measure counts: survey answers, new customers or tickets."""
    metric = measure.get("metric")
    if metric in ("repeat_tickets", "ticket_share"):
        return "tickets"
    return "new_customers" if metric == "early_churn" else "answers"


def _counted(measure: pd.Series) -> str:
    """What a baseline's n counts: a monthly churn rate counts the customers at its start
    (not today's active ones, which the plan's value counts), the others their sample."""
    return "customers_start" if measure.get("metric") == "monthly_churn" else _sample(measure)


def _decimals(measure: pd.Series) -> int:
    """Decimals of a measure's changes: two for a monthly churn rate (about 1 %), else none."""
    return 2 if measure.get("metric") == "monthly_churn" else 0


def _evidence_text(row: pd.Series, lang: str) -> str:
    if pd.isna(row.get("tickets")):
        return t("journeys.plan.no_evidence", lang)
    key = "tickets_repeat" if row.get("repeat_tickets") else "tickets"
    text = t(
        f"journeys.plan.{key}",
        lang,
        n=fmt.integer(row["tickets"], lang),
        what=row["evidence_label"],
        repeat=fmt.integer(row.get("repeat_tickets") or 0, lang),
    )
    elsewhere = row.get("tickets_elsewhere")
    if elsewhere and pd.notna(elsewhere):
        text += " " + t("journeys.plan.tickets_elsewhere", lang, n=fmt.integer(elsewhere, lang))
    return text


def _pain_evidence(
    pain: PainPoint,
    tickets: pd.DataFrame | None,
    phase: pd.Series | None,
    repeat: pd.Series | None,
    members: tuple[str, ...],
) -> tuple[float, float, str | None, float]:
    """Tickets, repeat tickets, label and matching tickets outside the journey's phases."""
    if tickets is None or (pain.ticket_category is None and pain.phase is None):
        return np.nan, np.nan, None, np.nan
    mask = pd.Series(True, index=tickets.index)
    label = []
    if pain.ticket_category is not None and "category" in tickets:
        mask &= tickets["category"] == pain.ticket_category
        label.append(pain.ticket_category)
    if pain.phase is not None and phase is not None:
        mask &= phase == pain.phase
        label.append(pain.phase)
    mask = mask.fillna(False).astype(bool)
    inside = phase.isin(members).to_numpy() if phase is not None else np.zeros(len(mask), bool)
    elsewhere = int((mask & ~inside).sum())
    mask = mask & inside
    repeats = int((mask & repeat).sum()) if repeat is not None else 0
    return int(mask.sum()), repeats, " / ".join(label), elsewhere


def _baseline(metric: str | None, evidence_row: dict[str, Any], min_n: int) -> float:
    if metric is None or not evidence_row:
        return np.nan
    if metric in ("nps", "csat", "ces"):
        n = evidence_row.get(f"{metric}_n")
        value = evidence_row.get(metric)
        if n is None or pd.isna(n) or n < min_n or value is None:
            return np.nan
        score: float = value * 100 if metric in PERCENT_METRICS else value
        return score
    column = {"repeat_tickets": "repeat_share", "ticket_share": "ticket_share"}.get(metric, metric)
    value = evidence_row.get(column)
    return np.nan if value is None or pd.isna(value) else value * 100


#: the share and its n in an evidence row, per metric that is a share of counted cases
_SHARES = {
    "early_churn": ("early_churn", "early_churn_n"),
    "repeat_tickets": ("repeat_share", "tickets"),
    "ticket_share": ("ticket_share", "tickets_total"),
}


def _detectable(metric: str | None, evidence_row: dict[str, Any]) -> tuple[float, float]:
    """n of a baseline from the data and the smallest change the next measurement of that
    size can detect.

    MDC = (z₀.₉₇₅ + z₀.₈) · √(2σ²/n) in the metric's points (percentage points
    for CSAT), with σ² the per-answer variance (shares: p(1 − p); NPS:
    p + d − (p − d)²; CES: s²), the next measurement assumed as large as this one.
    The same for the shares of counted cases, σ² = p(1 − p): early churn (n the
    new customers observed long enough, the next cohort assumed as large), the
    share of follow-up tickets (n the tickets of the journey's phases) and the
    journey's share of all tickets (n all tickets, the row's ``tickets_total``), the next
    period assumed to bring as many tickets. No MDC for a share of 0 or 1 (its
    binomial variance of 0 would promise that any change shows).
    """
    if metric in _SHARES and evidence_row:
        share_key, n_key = _SHARES[metric]
        share = evidence_row.get(share_key)
        n = evidence_row.get(n_key)
        if n is None or share is None or pd.isna(n) or pd.isna(share) or n < 2:
            return np.nan, np.nan
        if not 0 < share < 1:
            return float(n), np.nan
        return float(n), float(Z_MDC * np.sqrt(2 * 100**2 * share * (1 - share) / n))
    if metric not in ("nps", "csat", "ces") or not evidence_row:
        return np.nan, np.nan
    n = evidence_row.get(f"{metric}_n")
    if n is None or pd.isna(n) or n < 2:
        return np.nan, np.nan
    if metric == "csat":
        share = evidence_row.get("csat")
        variance = np.nan if share is None else 100**2 * share * (1 - share)
    else:
        variance = evidence_row.get(f"{metric}_var", np.nan)
    if variance is None or pd.isna(variance):
        return float(n), np.nan
    return float(n), float(Z_MDC * np.sqrt(2 * variance / n))


def rate_detectable(rate: ChurnRate, days: int) -> tuple[float, float]:
    """Customer-months of a check window and the smallest change of a monthly churn rate it shows.

    The check counts the rate over the window from start to check date (at
    least one month) among the group's customers active today, W = active ×
    months, and compares it with the baseline's E customer-months:
    MDC = (z₀.₉₇₅ + z₀.₈) · 100 · √(p(1 − p)(1/E + 1/W)) in percentage points,
    p the baseline rate.
    """
    months = max(1.0, days / DAYS_PER_MONTH)
    window = rate.active * months
    p = rate.rate
    if not window or not rate.exposure or not 0 < p < 1:
        return window, np.nan
    return window, float(Z_MDC * 100 * np.sqrt(p * (1 - p) * (1 / rate.exposure + 1 / window)))


def rate_months_needed(rate: ChurnRate, change: float) -> float:
    """Months of the group's customers a check needs to detect ``change`` percentage points.

    Solves the MDC of :func:`rate_detectable` for the window; infinite when even
    an endless window cannot (the baseline's own uncertainty is larger than the change).
    """
    p = rate.rate
    spare = (abs(change) / (Z_MDC * 100)) ** 2 / (p * (1 - p)) - 1 / rate.exposure
    if spare <= 0 or not rate.active:
        return float("inf")
    return float(1 / spare / rate.active)


def needed_n(change: float, mdc: float, n: float) -> int:
    """Answers per measurement needed to detect ``change`` (MDC shrinks with 1/√n)."""
    return int(np.ceil(n * (mdc / abs(change)) ** 2))


def build(
    workshop: Workshop,
    journey_id: str | None,
    journey_name: str,
    options: JourneyOptions,
    evidence: Evidence | None = None,
    tickets: pd.DataFrame | None = None,
    lang: str = "de",
    warn: bool = True,
    report_date: dt.date | None = None,
    customers: pd.DataFrame | None = None,
    cutoff: dt.date | None = None,
) -> ActionPlan:
    """The 1-3-3 plan for the chosen journey.

    ``evidence`` supplies the KPI baselines; ``tickets`` ranks the pain points
    by their linked ticket category/phase; ``report_date`` is the reference
    of the plan's dates; ``customers`` and ``cutoff`` the baseline of a
    monthly churn rate (:mod:`cxlib.journeys.churn_rate`, clients with
    contracts). Problems (not three pain points or measures, a check date
    outside ``check_min_days``-``check_max_days``, a start before the report
    date) are listed in ``issues`` and, with ``warn``, issued as a
    :class:`PlanWarning` worded in ``lang`` (the plan itself holds no words).
    """
    issues: list[PlanIssue] = []
    phase = repeat = None
    if tickets is not None and len(tickets):
        phase = assign_phase(tickets, workshop.phase_map, ("category",))
        repeat = repeat_flags(tickets, phase, options.repeat_window_days)
    else:
        tickets = None
    pains = []
    members = next((tuple(j.phases) for j in workshop.journeys if j.id == journey_id), ())
    for order, pain in enumerate(p for p in workshop.pain_points if p.journey == journey_id):
        count, repeats, label, elsewhere = _pain_evidence(pain, tickets, phase, repeat, members)
        pains.append(
            {
                "text": pain.text,
                "order": order,
                "tickets": count,
                "repeat_tickets": repeats,
                "tickets_elsewhere": elsewhere,
                "evidence_label": label,
                "phase": pain.phase,
                "ticket_category": pain.ticket_category,
            }
        )
    pain_frame = pd.DataFrame(
        pains,
        columns=[
            "text",
            "order",
            "tickets",
            "repeat_tickets",
            "tickets_elsewhere",
            "evidence_label",
            "phase",
            "ticket_category",
        ],
    )
    if not pain_frame.empty:
        pain_frame = (
            pain_frame.assign(_has=pain_frame["tickets"].notna())
            .sort_values(["_has", "tickets", "order"], ascending=[False, False, True])
            .drop(columns="_has")
            .reset_index(drop=True)
        )
    if len(pain_frame) != PLAN_SIZE:
        issues.append(PlanIssue("pains", (("n", len(pain_frame)),)))
    pain_frame = pain_frame.head(PLAN_SIZE)

    row = evidence.for_journey(journey_name) if evidence is not None else {}
    min_n = evidence.min_n if evidence is not None else 10
    measures = []
    for measure in (m for m in workshop.measures if m.journey == journey_id):
        days = (measure.check_date - measure.start).days
        if not options.check_min_days <= days <= options.check_max_days:
            values = (
                ("measure", measure.text),
                ("days", days),
                ("low", options.check_min_days),
                ("high", options.check_max_days),
            )
            issues.append(PlanIssue("check", values))
        if report_date is not None and measure.start < report_date:
            past = (
                ("measure", measure.text),
                ("start", measure.start.isoformat()),
                ("report_date", report_date.isoformat()),
            )
            issues.append(PlanIssue("past", past))
        baseline = measure.baseline
        source = "parameter" if baseline is not None else None
        rate = None
        if measure.metric == "monthly_churn" and cutoff is not None:
            group = measure.group
            rate = monthly_churn(
                customers, cutoff, group.column if group else None, group.value if group else None
            )
        if baseline is None and rate is not None:
            baseline, source = rate.rate * 100, "data"
        elif baseline is None:
            baseline = _baseline(measure.metric, row, min_n)
            source = "data" if pd.notna(baseline) else None
        n, mdc = _detectable(measure.metric, row) if source == "data" else (np.nan, np.nan)
        needed_months = np.nan
        if rate is not None and source == "data":
            n = float(rate.n)
            _, mdc = rate_detectable(rate, days)
            if measure.target is not None and abs(measure.target - baseline) < mdc:
                needed_months = float(np.ceil(rate_months_needed(rate, measure.target - baseline)))
        measures.append(
            {
                "text": measure.text,
                "owner": measure.owner,
                "start": measure.start,
                "check_date": measure.check_date,
                "days": days,
                "kpi": measure.kpi,
                "metric": measure.metric,
                "baseline": baseline,
                "baseline_source": source,
                "target": measure.target,
                "n": n,
                "mdc": mdc,
                "needed_months": needed_months,
                "group_column": measure.group.column if measure.group else None,
                "group_value": measure.group.value if measure.group else None,
            }
        )
    measure_frame = pd.DataFrame(
        measures,
        columns=[
            "text",
            "owner",
            "start",
            "check_date",
            "days",
            "kpi",
            "metric",
            "baseline",
            "baseline_source",
            "target",
            "n",
            "mdc",
            "needed_months",
            "group_column",
            "group_value",
        ],
    )
    if len(measure_frame) != PLAN_SIZE:
        issues.append(PlanIssue("measures", (("n", len(measure_frame)),)))
    measure_frame = measure_frame.head(PLAN_SIZE)
    for issue in issues if warn else ():
        warnings.warn(issue.text(lang), PlanWarning, stacklevel=2)
    return ActionPlan(journey_name, pain_frame, measure_frame, tuple(issues), report_date)
