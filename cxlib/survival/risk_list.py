"""The risk list for the service team: active customers ranked by their churn probability.

One row per active customer in the Cox model's population (pseudonymous
customer number, tenure in months, probability of leaving within
``risk_horizon_months`` given the customer is still there today, and the
model columns that raise the customer's risk most, in words). The churn
section hands it to :meth:`cxlib.workbook.Workbook.record` as the export
:data:`RISK_LIST_FILE`, written beside the report as an Excel-friendly CSV;
it never appears in the report itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.survival.table import DAYS_PER_MONTH, DAYS_PER_WEEK
from cxlib.survival.wording import label
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.survival.analysis import SurvivalReport

__all__ = ["RISK_LIST_FILE", "risk_list"]

#: File name of the risk list beside the report (the same in every language).
RISK_LIST_FILE = "risikoliste.csv"


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
    frame = report.model_frame
    active = frame[~frame["event"].astype(bool)]
    if report.followup_days is not None:
        active = active[active["duration"] * DAYS_PER_WEEK < report.followup_days]
    now = active["duration"].to_numpy()
    later = now + report.risk_horizon_months * DAYS_PER_MONTH / DAYS_PER_WEEK
    if report.followup_days is not None:
        later = np.minimum(later, np.ceil(report.followup_days / DAYS_PER_WEEK))
    times = np.unique(np.concatenate([now, later]))
    surv = report.model.predict_survival(active, times).to_numpy()
    pos_now, pos_later = np.searchsorted(times, now), np.searchsorted(times, later)
    rows = np.arange(len(active))
    prob = 1.0 - surv[rows, pos_later] / surv[rows, pos_now]
    coef = report.model.hazard_ratios["coef"].to_numpy()
    contrib = report.model.design.matrix(active) * coef
    order = np.argsort(-contrib, axis=1)[:, : report.risk_factors]
    names = np.array([label(report, c, lang) for c in report.model.design.columns], dtype=object)
    raising = np.take_along_axis(contrib, order, axis=1) > 0  # strongest first
    factors = fmt.join_where(names[order], raising)
    out = pd.DataFrame(
        {
            columns[0]: active["customer_id"].to_numpy(),
            columns[1]: np.round(now * DAYS_PER_WEEK / DAYS_PER_MONTH, 1),
            columns[2]: np.round(prob, 4),
            columns[3]: factors,
        }
    )
    return out.sort_values(columns[2], ascending=False, kind="stable").reset_index(drop=True)
