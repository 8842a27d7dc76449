"""The tables of the churn section, formatted for the report in its language.

Each function builds a small frame with headings from the catalogue and hands
it to :func:`cxlib.report.blocks.table` (escaped HTML, numbers in the
language's format): survival at the horizons, the log-rank tests, hazard
ratios of a Cox model (also :meth:`cxlib.survival.cox.CoxModel.summary`) and
the top churn drivers. Result types are imported for type checking only, so
that the models can use these tables without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from cxlib import formatting as fmt
from cxlib.report import blocks as display
from cxlib.survival.claims import HR_CAP
from cxlib.survival.driver_wording import driver_link, driver_signal, driver_who
from cxlib.survival.readings import p_text, verdict_text
from cxlib.survival.wording import capped, hr_interval, share_text
from cxlib.texts import t

if TYPE_CHECKING:
    from IPython.display import HTML

    from cxlib.survival.analysis import SurvivalReport
    from cxlib.survival.claims import Claims, Kind
    from cxlib.survival.cox import CoxModel

__all__ = ["cox_table", "drivers_table", "horizon_table", "logrank_table"]


def horizon_table(report: SurvivalReport, lang: str = "de") -> HTML:
    """Survival at the horizons with its 95 % interval and the numbers still observed."""
    h = report.horizon_frame()
    frame = pd.DataFrame(
        {
            t("survival.col_horizon", lang): [
                t("survival.months", lang, n=fmt.integer(m, lang)) for m in h["months"]
            ],
            t("survival.col_survival", lang): h["survival"],
            t("survival.col_interval", lang): [
                f"{fmt.percent(lo, 0, lang)} – {fmt.percent(hi, 0, lang)}"
                if pd.notna(lo)
                else fmt.MISSING
                for lo, hi in zip(h["low"], h["high"], strict=True)
            ],
            t("survival.col_rmst", lang): h["rmst_months"],
            t("survival.col_at_risk", lang): h["at_risk"],
        }
    )
    return display.table(frame, lang, percent=[t("survival.col_survival", lang)], decimals=1)


def logrank_table(report: SurvivalReport, lang: str = "de") -> HTML:
    """One row per grouping: groups, customers, chi-square, Holm-adjusted p and the verdict."""
    rows = []
    for name, test in sorted(report.tests.items(), key=lambda kv: -kv[1].statistic):
        claim = report.claims.get("logrank", name)
        rows.append(
            {
                t("survival.col_grouping", lang): t(f"survival.groupings.{name}", lang),
                t("survival.col_groups", lang): test.df + 1,
                t("survival.col_n", lang): fmt.integer(claim.n, lang) if claim else fmt.MISSING,
                t("survival.col_chi2", lang): test.statistic,
                t("survival.col_p_adjusted", lang): p_text(
                    claim.p_adjusted if claim else test.p, lang
                ),
                t("survival.col_verdict", lang): verdict_text(claim, lang, short=True),
            }
        )
    return display.table(pd.DataFrame(rows), lang, decimals=1)


def cox_table(
    model: CoxModel,
    lang: str = "de",
    labels: Callable[[str], str] | None = None,
    *,
    claims: Claims | None = None,
    kind: Kind = "cox",
    compared: Callable[[str], str] | None = None,
) -> HTML:
    """Hazard ratios with 95 % interval and p-value; ``labels`` turns columns into words.

    With the section's ``claims`` (``kind``: which model's tests) the p-value is
    the Holm-adjusted one and a last column gives the verdict; ``compared``
    names each column's comparison group. An interval never rounds onto 1.
    """
    hr = model.hazard_ratios
    names = [labels(c) if labels else c for c in hr.index]
    intervals = [hr_interval(lo, hi, lang, 2) for lo, hi in zip(hr["low"], hr["high"], strict=True)]
    columns: dict[str, object] = {t("survival.col_factor", lang): names}
    if compared is not None:
        columns[t("survival.col_compared", lang)] = [compared(c) for c in hr.index]
    columns[t("survival.col_hr", lang)] = hr["hr"].to_numpy()
    columns[t("survival.col_interval", lang)] = [f"{lo} – {hi}" for lo, hi in intervals]
    if claims is None:
        columns[t("survival.col_p", lang)] = [p_text(p, lang) for p in hr["p"]]
    else:
        tests = [claims.get(kind, c) for c in hr.index]
        columns[t("survival.col_p_adjusted", lang)] = [
            p_text(x.p_adjusted, lang) if x else fmt.MISSING for x in tests
        ]
        columns[t("survival.col_verdict", lang)] = [
            verdict_text(x, lang, short=True) for x in tests
        ]
    return display.table(pd.DataFrame(columns), lang, decimals=2)


def drivers_table(report: SurvivalReport, lang: str = "de", n: int = 3) -> HTML:
    """The top drivers, ranked: risk side, hazard ratio, who is affected, share of churns, links."""
    rows = []
    for d in report.top_drivers(n):
        rows.append(
            {
                t("survival.col_driver", lang): driver_who(report, d, lang, cell=True),
                t("survival.col_hr_interval", lang): _hr_cell(d.hr, d.low, d.high, lang),
                t("survival.col_exposed", lang): t(
                    f"survival.share_{d.unit}", lang, share=share_text(d.share_exposed, lang)
                ),
                t("survival.col_churn_share", lang): share_text(d.attributable_low, lang),
                t("survival.col_journey", lang): driver_link(d, lang, cell=True),
                t("survival.col_signal", lang): driver_signal(d, lang, cell=True),
            }
        )
    return display.table(pd.DataFrame(rows), lang)


def _hr_cell(hr: float, low: float, high: float, lang: str) -> str:
    """'2,1 (1,8–2,5)': a relative risk with its interval, never rounded onto 1.

    Above the cap only "> 10" (the exact value is in the appendix; see
    :data:`cxlib.survival.claims.HR_CAP`).
    """
    if capped(hr):
        return f"> {fmt.integer(HR_CAP, lang)}"
    lo, hi = hr_interval(low, high, lang)
    return f"{fmt.number(hr, 1, lang)} ({lo}–{hi})"
