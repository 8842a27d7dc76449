"""The facts behind the churn section's tables and readings (:mod:`cxlib.report.facts`).

:mod:`cxlib.survival.facts` holds the headline figures; this module adds every
other figure the section (and its tables in the appendix) prints: the
horizons of the overall curve, the log-rank tests, the hazard ratios of the
Cox and signal models with their Holm-adjusted p-values, the churn reasons,
the rules of the testing family and the counts of the survival table. All are
read from the :class:`~cxlib.survival.analysis.SurvivalReport`; nothing new is
estimated here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cxlib.report.facts import Fact, Unit, bounded
from cxlib.report.testing import ALPHA
from cxlib.survival.claims import HR_IRRELEVANT, MIN_EVENTS, MIN_SHARE_GAP, Kind, contrast
from cxlib.survival.table import DAYS_PER_MONTH

if TYPE_CHECKING:
    import pandas as pd

    from cxlib.survival.analysis import SurvivalReport
    from cxlib.survival.cox import CoxModel

__all__ = ["P_FLOOR", "body_facts", "risk_list_fact"]

#: p-values below this are printed as "< 0,001".
P_FLOOR = 0.001


def _finite(*values: object) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


def _fact(fact_id: str, value: float, unit: Unit, definition: str, **more: object) -> Fact:
    """A fact of the survival table (see :func:`cxlib.report.facts.bounded`)."""
    return bounded(fact_id, value, unit, definition, sources=("customers",), **more)  # type: ignore[arg-type]


def body_facts(report: SurvivalReport, known: set[str]) -> list[Fact]:
    """Every figure of the section's body that ``known`` (the headline ids) lacks."""
    found = (
        _rule_facts()
        + _table_facts(report)
        + _horizon_facts(report)
        + _contrast_facts(report)
        + _logrank_facts(report)
        + _model_facts(report)
        + _reason_facts(report)
    )
    out: dict[str, Fact] = {}
    for fact in found:
        if fact.id not in known:
            out.setdefault(fact.id, fact)
    return list(out.values())


def _rule_facts() -> list[Fact]:
    """The testing family's rules as the section's notes state them."""
    rules: list[tuple[str, float, Unit, str]] = [
        ("rule.hr_irrelevant.low", HR_IRRELEVANT[0], "ratio", "rule.hr_irrelevant"),
        ("rule.hr_irrelevant.high", HR_IRRELEVANT[1], "ratio", "rule.hr_irrelevant"),
        ("rule.min_events", MIN_EVENTS, "count", "rule.min_events"),
        ("rule.min_share_gap", MIN_SHARE_GAP, "share", "rule.min_share_gap"),
        ("rule.p_floor", P_FLOOR, "ratio", "rule.p_floor"),
        ("rule.alpha.per_100", round(ALPHA * 100), "count", "rule.alpha_per_100"),
        ("rule.per_100", 100, "count", "rule.per_100"),
        ("rule.concordance.chance", 0.5, "ratio", "rule.concordance_chance"),
        ("rule.concordance.perfect", 1, "ratio", "rule.concordance_perfect"),
    ]
    return [_fact(i, v, u, d, reason="rule") for i, v, u, d in rules]


def _table_facts(report: SurvivalReport) -> list[Fact]:
    """Customers and churns of the survival table, and the model's follow-up."""
    table = report.data
    out = [
        _fact("survival.customers", table.n, "count", "survival.customers"),
        _fact("survival.churns", table.n_events, "count", "survival.churns"),
    ]
    counts = {
        "survival.left_truncated": (table.left_truncated, "survival.left_truncated"),
        "survival.excluded": (table.excluded, "survival.excluded"),
        "survival.too_recent": (table.too_recent, "survival.too_recent"),
    }
    out += [_fact(i, int(v), "count", d) for i, (v, d) in counts.items() if v]
    ticket_min, ticket_days = report.early
    out += [
        _fact(
            "rule.early_ticket_days", ticket_days, "days", "rule.early_ticket_days", reason="input"
        ),
        _fact(
            "rule.early_ticket_min", ticket_min, "count", "rule.early_ticket_min", reason="input"
        ),
    ]
    out += [
        _fact(f"rule.inactivity_days.{days}", days, "days", "rule.inactivity_tried", reason="rule")
        for days, _ in report.sensitivity
    ]
    if report.followup_days:
        out.append(
            _fact(
                "survival.followup_months",
                report.followup_days / DAYS_PER_MONTH,
                "months",
                "survival.followup",
                reason="input",
            )
        )
    return out


def risk_list_fact(risks: pd.DataFrame) -> Fact:
    """The number of customers on the risk list (the list is a file beside the report)."""
    return _fact("survival.risk_list", len(risks), "count", "survival.risk_list")


def _horizon_facts(report: SurvivalReport) -> list[Fact]:
    """Share still a customer, restricted mean lifetime and customers at risk per horizon."""
    out: list[Fact] = []
    for row in report.horizon_frame().itertuples(index=False):
        m = int(row.months)
        prefix = f"survival.horizon.{m}"
        out += [
            _fact(
                f"{prefix}.survival",
                float(row.survival),
                "share",
                "survival.retained",
                n=report.overall.n,
                low=float(row.low) if _finite(row.low) else None,
                high=float(row.high) if _finite(row.high) else None,
                reason="too_few",
            ),
            _fact(
                f"{prefix}.rmst",
                float(row.rmst_months),
                "months",
                "survival.rmst",
                n=report.overall.n,
                reason="derived",
            ),
            _fact(f"{prefix}.at_risk", int(row.at_risk), "count", "survival.at_risk"),
            _fact(f"rule.months.{m}", m, "months", "rule.months", reason="rule"),
        ]
    return out


def _p_fact(kind: Kind, name: str, report: SurvivalReport) -> list[Fact]:
    """The Holm-adjusted p-value and n of one test of the section, if judged."""
    test = report.claims.get(kind, name)
    if test is None:
        return []
    prefix = f"survival.{kind}.{name}"
    return [
        _fact(f"{prefix}.p", test.p_adjusted, "ratio", "survival.p_adjusted", reason="derived"),
        _fact(f"{prefix}.n", test.n, "count", "survival.test_n"),
        _fact(f"{prefix}.events", test.events, "count", "survival.test_events"),
    ]


def _contrast_facts(report: SurvivalReport) -> list[Fact]:
    """Per grouping the compared groups' share still a customer at the horizon read."""
    out: list[Fact] = []
    for name, groups in report.groups.items():
        found = contrast(groups)
        if found is None:
            continue
        for group, share in found.shares.items():
            curve = groups.curves[group]
            low, high = curve.interval_at(found.months * DAYS_PER_MONTH)
            out.append(
                _fact(
                    f"survival.group.{name}.{group}.{found.months}",
                    share,
                    "share",
                    "survival.retained",
                    n=curve.n,
                    low=float(low) if _finite(low) else None,
                    high=float(high) if _finite(high) else None,
                    reason="too_few",
                    population=str(group),
                )
            )
        out.append(
            _fact(
                f"rule.months.{found.months}", found.months, "months", "rule.months", reason="rule"
            )
        )
    return out


def _logrank_facts(report: SurvivalReport) -> list[Fact]:
    """Per grouping: groups, chi-square, adjusted p; per group customers, churns, expected."""
    out: list[Fact] = []
    for name, test in report.tests.items():
        prefix = f"survival.logrank.{name}"
        out += [
            _fact(f"{prefix}.groups", test.df + 1, "count", "survival.logrank_groups"),
            _fact(f"{prefix}.chi2", test.statistic, "ratio", "survival.chi2", reason="derived"),
        ]
        out += _p_fact("logrank", name, report)
        for group, row in test.table.iterrows():
            for column in ("n", "observed"):
                if column in row and _finite(row[column]):
                    out.append(
                        _fact(
                            f"{prefix}.{group}.{column}",
                            int(row[column]),
                            "count",
                            f"survival.group_{column}",
                            population=str(group),
                        )
                    )
            if "expected" in row and _finite(row["expected"]):
                out.append(
                    _fact(
                        f"{prefix}.{group}.expected",
                        float(row["expected"]),
                        "count",
                        "survival.group_expected",
                        reason="derived",
                        population=str(group),
                    )
                )
    return out


def _hazard_facts(model: CoxModel, kind: Kind, report: SurvivalReport) -> list[Fact]:
    """Each model column's hazard ratio with interval, and its test."""
    out = [
        _fact(f"survival.{kind}.model.n", model.n, "count", "survival.model_n"),
        _fact(f"survival.{kind}.model.events", model.n_events, "count", "survival.model_events"),
        _fact(
            f"survival.{kind}.model.concordance",
            model.concordance,
            "ratio",
            "survival.concordance",
            n=model.n,
            reason="derived",
        ),
    ]
    for name, row in model.hazard_ratios.iterrows():
        out.append(
            _fact(
                f"survival.{kind}.{name}.hr",
                float(row["hr"]),
                "ratio",
                "survival.driver_hr",
                n=model.n,
                low=float(row["low"]),
                high=float(row["high"]),
                reason="too_few",
                population=str(name),
            )
        )
        out += _p_fact(kind, str(name), report)
    return out


def _model_facts(report: SurvivalReport) -> list[Fact]:
    """The Cox model of the customer features and the signal model."""
    out: list[Fact] = []
    if report.model is not None:
        out += _hazard_facts(report.model, "cox", report)
    if report.signals is not None and report.signals.model is not None:
        out += _hazard_facts(report.signals.model, "signals", report)
        out.append(
            _fact(
                "survival.signals.window_months",
                report.signals.window_months,
                "months",
                "survival.signal_window",
                reason="rule",
            )
        )
    return out


def _reason_facts(report: SurvivalReport) -> list[Fact]:
    """Churns per stated reason and each reason's cumulative incidence at the horizons."""
    reasons = report.reasons
    if reasons is None:
        return []
    out: list[Fact] = []
    for reason, count in reasons.counts.items():
        out.append(
            _fact(
                f"survival.reason.{reason}.churns",
                int(count),
                "count",
                "survival.reason_churns",
                population=str(reason),
            )
        )
        total = int(reasons.counts.sum())
        if total:
            out.append(
                _fact(
                    f"survival.reason.{reason}.share",
                    int(count) / total,
                    "share",
                    "survival.reason_share",
                    n=total,
                    population=str(reason),
                )
            )
    for m in report.horizons:
        for reason, value in reasons.at(m * DAYS_PER_MONTH).items():
            if _finite(value):
                out.append(
                    _fact(
                        f"survival.reason.{reason}.incidence.{m}",
                        float(value),
                        "share",
                        "survival.reason_incidence",
                        n=report.overall.n,
                        reason="derived",
                        population=str(reason),
                    )
                )
    return out
