"""The risk list for the service team: active customers ranked by their churn probability.

One row per active customer in the Cox model's population (pseudonymous
customer number, tenure in months, probability of leaving within
``risk_horizon_months`` given the customer is still there today, and the
covariates that raise the customer's risk most against the average customer,
in words, only effects that survive the section's test correction; see
:func:`_factors`). It never appears in the report itself: the churn section
merges it with the closed loop's call-backs into the team's one list
(:mod:`cxlib.survival.team_list`), written beside the report.

The risks on that list (:func:`call_list`): the
``calls_per_week`` × ``call_weeks`` customers with the highest risk
(``analysis.survival``; by default 25 a week for 4 weeks, until the plan's
check date), highest first, each with the week to call them in; the
customers beyond the team's capacity are counted in the report's note, not
listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.survival.cox import OTHER
from cxlib.survival.table import DAYS_PER_MONTH, DAYS_PER_WEEK
from cxlib.survival.wording import label
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.survival.analysis import SurvivalReport

__all__ = ["active_customers", "call_list", "listed_customers", "risk_list"]


def risk_list(report: SurvivalReport, lang: str = "de") -> pd.DataFrame:
    """Active customers in the model's window: churn probability and top risk factors.

    Probability of leaving within ``risk_horizon_months`` (capped at the
    model's follow-up window), given the customer is still there today;
    highest first. Without a model: the columns only.
    """
    columns = [t(f"survival.risk_{c}", lang) for c in ("id", "tenure", "factors")]
    if report.followup_days is None:
        head = t("survival.risk_probability", lang, months=report.risk_horizon_months)
    else:
        months = round(report.followup_days / DAYS_PER_MONTH)
        head = t("survival.risk_probability_window", lang, months=months)
    columns.insert(2, head)
    if report.model is None:
        return pd.DataFrame(columns=columns)
    active = active_customers(report)
    now = active["duration"].to_numpy()
    later = now + report.risk_horizon_months * DAYS_PER_MONTH / DAYS_PER_WEEK
    if report.followup_days is not None:
        later = np.minimum(later, np.ceil(report.followup_days / DAYS_PER_WEEK))
    times = np.unique(np.concatenate([now, later]))
    surv = report.model.predict_survival(active, times).to_numpy()
    pos_now, pos_later = np.searchsorted(times, now), np.searchsorted(times, later)
    rows = np.arange(len(active))
    prob = 1.0 - surv[rows, pos_later] / surv[rows, pos_now]
    factors = _factors(report, active, lang)
    out = pd.DataFrame(
        {
            columns[0]: active["customer_id"].to_numpy(),
            columns[1]: np.round(now * DAYS_PER_WEEK / DAYS_PER_MONTH, 1),
            columns[2]: np.round(prob, 4),
            columns[3]: factors,
        }
    )
    return out.sort_values(columns[2], ascending=False, kind="stable").reset_index(drop=True)


def active_customers(report: SurvivalReport) -> pd.DataFrame:
    """The rows of the model's population still active within its follow-up window."""
    frame = report.model_frame
    active = frame[~frame["event"].astype(bool)]
    if report.followup_days is not None:
        active = active[active["duration"] * DAYS_PER_WEEK < report.followup_days]
    return active


def listed_customers(report: SurvivalReport) -> int:
    """How many customers the call list holds: the capacity, at most all active customers."""
    if report.model is None:
        return 0
    return min(len(active_customers(report)), report.calls_per_week * report.call_weeks)


def call_list(risks: pd.DataFrame, report: SurvivalReport, lang: str = "de") -> pd.DataFrame:
    """The risk list cut to the team's capacity, with the week to call each customer in.

    ``risks`` is :func:`risk_list` (highest risk first); the first
    ``calls_per_week`` customers are week 1, the next week 2, and so on for
    ``call_weeks`` weeks (:func:`listed_customers` rows).
    """
    listed = risks.head(listed_customers(report)).copy()
    week = np.arange(len(listed)) // report.calls_per_week + 1
    listed.insert(0, t("survival.risk_week", lang), week)
    return listed.reset_index(drop=True)


def _factors(report: SurvivalReport, active: pd.DataFrame, lang: str) -> np.ndarray:
    """Each customer's top ``risk_factors`` covariates that raise the risk, in words.

    A covariate's contribution is Σ coef × (x − mean of the model's population)
    over its model columns that are findings of the section's test family
    (:mod:`cxlib.survival.claims`: Holm, relevant, enough churns): how much it
    raises the customer's log-hazard against the average customer. Centring
    lets the reference level speak too: a customer who came via the reference
    channel has all its dummies 0, yet that raises the risk when every other
    channel has a lower hazard. A level whose own effect is no finding counts
    nothing (nothing is known about it). Named with the customer's own level
    ('Gewinnungskanal „Vergleichsportal“'); only raising ones, strongest first;
    a customer without any gets the note that the risk follows from the tenure.
    """
    model = report.model
    assert model is not None
    design = model.design
    columns = list(design.columns)
    findings = np.array([report.claims.is_finding("cox", c) for c in columns])
    coef = np.where(findings, model.hazard_ratios["coef"].to_numpy(), 0.0)
    mean = design.matrix(report.model_frame).mean(axis=0)
    contrib = (design.matrix(active) - mean) * coef
    covariates = [*design.levels, *design.numeric]
    owner = [c.partition(": ")[0] for c in columns]
    per_covariate = (
        np.column_stack(
            [
                contrib[:, [i for i, o in enumerate(owner) if o == name]].sum(axis=1)
                for name in covariates
            ]
        )
        if covariates
        else np.zeros((len(active), 0))
    )
    names = np.empty((len(active), len(covariates)), dtype=object)
    for k, name in enumerate(covariates):
        if name in design.levels:
            kept = design.levels[name]  # a level merged into OTHER is named so
            values = active[name].astype("string").fillna(OTHER)
            level_words = {
                v: label(report, f"{name}: {v if v in kept else OTHER}", lang)
                for v in values.unique()
            }
            names[:, k] = values.map(level_words).to_numpy(dtype=object)
            # a level whose own effect is no finding says nothing about this customer
            stated = {kept[0]} | {
                v for v in kept[1:] if report.claims.is_finding("cox", f"{name}: {v}")
            }
            level = values.where(values.isin(kept), OTHER)
            per_covariate[~level.isin(stated).to_numpy(), k] = 0.0
        else:
            names[:, k] = label(report, name, lang)
    order = np.argsort(-per_covariate, axis=1, kind="stable")[:, : report.risk_factors]
    raising = np.take_along_axis(per_covariate, order, axis=1) > 1e-12
    words = fmt.join_where(np.take_along_axis(names, order, axis=1), raising)
    words[words == ""] = t("survival.risk_no_factor", lang)  # the risk is the tenure's alone
    return words
