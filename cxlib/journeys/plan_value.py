"""What the 1-3-3 plan is worth per year if its measures reach their targets.

For the managing director's question "what is it worth?" (issue 17). Only a
measure whose KPI converts honestly into customers kept is valued in euros:

* ``monthly_churn`` (a monthly cancellation rate, overall or of one group,
  :mod:`cxlib.journeys.churn_rate`): customers kept per year =
  (baseline − target) in percentage points / 100 × 12 months × the group's
  customers active at the cut-off;
* ``early_churn`` (the share of new customers lost in their first months,
  :mod:`cxlib.kpis.retention`): customers kept per year =
  (baseline − target) / 100 × the new customers of the last 12 months
  before the cut-off (customers table's ``start_date``).

Each kept customer is worth THE customer value of the report (fact
``kpi.clv``, :func:`cxlib.kpis.value_at_risk.customer_value`): the same
definition as the euros at risk, so that "what churn costs" and "what the
plan wins back" are one calculation in two directions. Assumptions (printed
under the plan): the target holds for one year from the check date; the
customers the KPI applies to stay as many as today; a kept customer brings
the report's customer value (future contribution margin, discounted as in
the KPI section, so the euros are not discounted again); the measure's
costs are not subtracted.

A measure whose KPI is a satisfaction score, a recommendation score, a
ticket count or any other figure is **not valued** (``not_convertible``):
these data hold no honest link from that KPI to customers kept, and a
made-up conversion would look like a finding. Also not valued, each with its
reason: no baseline or target (``incomplete``), no customer value in the
data (``no_value``), no customers the KPI applies to (``no_customers``), a
target that is not better than the baseline (``no_gain``).

Interval (95 %): that of the customer value (kept × its bounds); baseline
and target are taken as given (the baseline's own interval is a fact of the
plan table's baseline where it comes from the data). All measures share the
one customer value, so the plan's total interval is the sum of the bounds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from cxlib.journeys.churn_rate import monthly_churn
from cxlib.journeys.plan import ActionPlan
from cxlib.kpis.facts import clv_fact
from cxlib.kpis.value_at_risk import ValueAtRisk
from cxlib.report.facts import Fact, bounded

#: The KPIs that convert into customers kept, and the periods per year of each.
VALUED = {"monthly_churn": 12, "early_churn": 1}

Status = Literal["valued", "not_convertible", "incomplete", "no_value", "no_customers", "no_gain"]


@dataclass(frozen=True)
class MeasureValue:
    """One measure's value per year, or why it has none (``status``, module notes).

    ``affected``: the customers the KPI applies to in a year (the group's
    active customers, or the new customers of a year); ``change``: baseline
    − target in percentage points; ``periods``: 12 for a monthly rate, 1 for
    early churn; ``kept`` = change / 100 × periods × affected; ``value`` =
    kept × the customer value, with ``low``/``high`` from its interval.
    """

    number: int
    text: str
    kpi: str
    metric: str | None
    status: Status
    affected: int = 0
    change: float = float("nan")
    periods: int = 1
    kept: float = float("nan")
    value: float = float("nan")
    low: float = float("nan")
    high: float = float("nan")


@dataclass(frozen=True)
class PlanValue:
    """The plan's measures valued (see the module notes), with the customer value used."""

    measures: tuple[MeasureValue, ...]
    #: THE customer value's figures (None without one: then no measure is valued)
    risk: ValueAtRisk | None
    #: the purchase model's customers (the n of ``kpi.clv`` without contracts), else None
    model_customers: int | None = None

    @property
    def valued(self) -> tuple[MeasureValue, ...]:
        """The measures with a value in euros."""
        return tuple(m for m in self.measures if m.status == "valued")

    @property
    def kept(self) -> float:
        """Customers kept per year by the valued measures together."""
        return self._sum("kept")

    @property
    def total(self) -> float:
        """The valued measures' euros per year together (NaN without any)."""
        return self._sum("value")

    @property
    def total_low(self) -> float:
        """Lower bound of the total (all share one customer value: the bounds add up)."""
        return self._sum("low")

    @property
    def total_high(self) -> float:
        """Upper bound of the total."""
        return self._sum("high")

    def _sum(self, field: str) -> float:
        """``field`` of the valued measures added up (NaN without any)."""
        if not self.valued:
            return float("nan")
        return float(sum(getattr(m, field) for m in self.valued))

    def to_frame(self) -> pd.DataFrame:
        """One row per measure: number, metric, status, affected, change, kept, value, bounds."""
        return pd.DataFrame([m.__dict__ for m in self.measures])


def new_customers(customers: pd.DataFrame | None, cutoff: dt.date) -> int:
    """Customers whose relationship started in the 12 months up to the cut-off."""
    if customers is None or "start_date" not in customers:
        return 0
    start = pd.to_datetime(customers["start_date"])
    cut = pd.Timestamp(cutoff)
    return int(((start > cut - pd.DateOffset(years=1)) & (start <= cut)).sum())


def _affected(measure: pd.Series, customers: pd.DataFrame | None, cutoff: dt.date) -> int:
    if measure["metric"] == "early_churn":
        return new_customers(customers, cutoff)
    column, value = measure.get("group_column"), measure.get("group_value")
    has_group = isinstance(column, str)
    rate = monthly_churn(
        customers, cutoff, column if has_group else None, value if has_group else None
    )
    return 0 if rate is None else rate.active


def value_plan(
    plan: ActionPlan | None,
    customers: pd.DataFrame | None,
    cutoff: dt.date,
    risk: ValueAtRisk | None,
    model_customers: int | None = None,
) -> PlanValue | None:
    """Each measure of ``plan`` valued per year (module notes); None without measures.

    ``risk`` carries THE customer value (:func:`cxlib.kpis.value_at_risk.value_at_risk`);
    ``customers`` and ``cutoff`` give the customers each KPI applies to.
    """
    if plan is None or plan.measures.empty:
        return None
    out = []
    for number, (_, m) in enumerate(plan.measures.iterrows(), start=1):
        text, kpi = str(m["text"]), str(m["kpi"])
        metric = m["metric"] if isinstance(m["metric"], str) else None
        reason: Status | None = None
        if metric not in VALUED:
            reason = "not_convertible"
        elif pd.isna(m["baseline"]) or pd.isna(m["target"]):
            reason = "incomplete"
        elif risk is None or not np.isfinite(risk.clv):
            reason = "no_value"
        if reason is not None or metric is None or risk is None:
            out.append(MeasureValue(number, text, kpi, metric, reason or "not_convertible"))
            continue
        affected = _affected(m, customers, cutoff)
        change = float(m["baseline"]) - float(m["target"])
        periods = VALUED[metric]
        status: Status = "valued"
        if affected <= 0:
            status = "no_customers"
        elif change <= 0:
            status = "no_gain"
        kept = change / 100 * periods * affected
        interval = risk.clv_interval
        low = kept * interval.low if interval.exists else float("nan")
        high = kept * interval.high if interval.exists else float("nan")
        out.append(
            MeasureValue(
                number,
                text,
                kpi,
                metric,
                status,
                affected=affected,
                change=change,
                periods=periods,
                kept=kept if status == "valued" else float("nan"),
                value=kept * risk.clv if status == "valued" else float("nan"),
                low=low if status == "valued" else float("nan"),
                high=high if status == "valued" else float("nan"),
            )
        )
    return PlanValue(tuple(out), risk, model_customers)


def value_id(number: int | str, what: str) -> str:
    """The id of a measure's value figure (``plan.value.2.kept``; ``plan.value.total.value``)."""
    return f"plan.value.{number}.{what}"


def value_facts(value: PlanValue | None) -> list[Fact]:
    """The plan's value: per valued measure the customers, change, kept and euros; the total;
    the customer value (``kpi.clv``, the KPI section's fact) and the months of a year."""
    if value is None or value.risk is None or not value.valued:
        return []
    risk = value.risk
    out = [clv_fact(risk, value.model_customers)]
    out.append(Fact("plan.value.months", 12, "months", "plan.value_months", no_interval="rule"))
    for m in value.valued:
        out += [
            Fact(
                value_id(m.number, "affected"),
                m.affected,
                "count",
                f"plan.value_affected_{m.metric}",
                no_interval="count",
                sources=("customers",),
            ),
            Fact(
                value_id(m.number, "change"),
                m.change,
                "points",
                "plan.value_change",
                no_interval="input",
            ),
            Fact(
                value_id(m.number, "kept"),
                m.kept,
                "count",
                "plan.value_kept",
                no_interval="derived",
            ),
            bounded(
                value_id(m.number, "value"),
                m.value,
                "euro",
                "plan.value_euros",
                low=m.low,
                high=m.high,
                reason="too_few",
            ),
        ]
    out += [
        Fact(
            value_id("total", "kept"),
            value.kept,
            "count",
            "plan.value_kept_total",
            no_interval="derived",
        ),
        bounded(
            value_id("total", "value"),
            value.total,
            "euro",
            "plan.value_total",
            low=value.total_low,
            high=value.total_high,
            reason="too_few",
        ),
    ]
    return out
