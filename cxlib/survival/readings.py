"""Reading aids of the churn section: one plain sentence (or a short note) per display.

Each function takes the analysis (:class:`~cxlib.survival.analysis.SurvivalReport`)
and a language and says in words what a chart or table shows: how churn is
defined, the 12-month figure, which groups differ, which drivers are
secured, what the Cox model and the signal model rest on, and the most
frequent churn reason. Given a :class:`~cxlib.survival.analysis.SurvivalUnavailable`,
:func:`definition_note` says what is missing for an analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cxlib import formatting as fmt
from cxlib.survival.table import DAYS_PER_MONTH
from cxlib.survival.wording import (
    driver_sentence,
    group_label,
    label,
    median_text,
    reasons_in_words,
    signal_when,
)
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.survival.analysis import SurvivalReport, SurvivalResult

__all__ = [
    "definition_note",
    "forest_reading",
    "group_reading",
    "horizon_reading",
    "model_note",
    "p_text",
    "reasons_reading",
    "signals_note",
]


def p_text(p: float, lang: str) -> str:
    """A p-value with three decimals; '< 0,001' below that."""
    if p < 0.001:
        return "<\u00a00,001" if lang == "de" else "<\u00a00.001"
    return fmt.number(p, 3, lang)


def definition_note(result: SurvivalResult, lang: str = "de") -> str:
    """How churn and tenure are defined for this client (incl. delayed entry).

    Without an analysis: what is missing for one and what to deliver.
    """
    if not result.available:
        cutoff = fmt.date(result.cutoff, lang)
        return t(f"survival.unavailable.{result.reason}.note", lang, cutoff=cutoff)
    data = result.data
    if data.definition == "non_contractual":
        text = t(
            "survival.definition_noncontractual",
            lang,
            days=fmt.integer(data.inactivity_days, lang),
            cutoff=fmt.date(data.cutoff, lang),
        )
    else:
        text = t("survival.definition_contractual", lang, cutoff=fmt.date(data.cutoff, lang))
    if data.left_truncated:
        text += " " + t(
            "survival.definition_truncated",
            lang,
            n=fmt.integer(data.left_truncated, lang),
            start=fmt.date(data.window_start, lang),
        )
    return text


def horizon_reading(report: SurvivalReport, lang: str = "de") -> str:
    """One sentence on the 12-month figure and the median."""
    twelve = 12 * DAYS_PER_MONTH
    return t(
        "survival.horizon_reading",
        lang,
        share=fmt.percent(report.overall.survival_at(twelve), 0, lang),
        median=median_text(report, lang),
        rmst=fmt.number(report.overall.rmst(twelve) / DAYS_PER_MONTH, 1, lang),
    )


def group_reading(report: SurvivalReport, lang: str = "de") -> str:
    """The log-rank result of the shown grouping: the worst and the best group, and p."""
    name = report.best_grouping
    if name is None:
        raise ValueError("group_reading needs at least one grouping with a log-rank test")
    test = report.tests[name]
    curves = report.groups[name].curves
    shares: dict[str, float] = {}
    months = 12
    for months in (12, 24, 6, 36, 60, 3):
        shares = {k: c.survival_at(months * DAYS_PER_MONTH) for k, c in curves.items()}
        shares = {k: v for k, v in shares.items() if pd.notna(v)}
        if len(shares) >= 2 and max(shares.values()) - min(shares.values()) >= 0.01:
            break
    key = "group_reading" if test.significant else "group_reading_ns"
    grouping = t(f"survival.groupings.{name}", lang)
    if not shares:
        return t(f"survival.{key}_short", lang, grouping=grouping)
    worst, best = min(shares, key=shares.__getitem__), max(shares, key=shares.__getitem__)
    return t(
        f"survival.{key}",
        lang,
        grouping=grouping,
        worst=group_label(report, name, worst, lang),
        worst_share=fmt.percent(shares[worst], 0, lang),
        best=group_label(report, name, best, lang),
        best_share=fmt.percent(shares[best], 0, lang),
        p=p_text(test.p, lang),
        months=fmt.integer(months, lang),
    )


def forest_reading(report: SurvivalReport, lang: str = "de") -> str:
    """The significant drivers in plain words, or that none is statistically secured."""
    drivers = report.significant_drivers(3)
    if drivers.empty:
        return t("survival.no_driver", lang)
    return " ".join(driver_sentence(report, c, lang) for c in drivers.index)


def model_note(report: SurvivalReport, lang: str = "de") -> str:
    """What the model covers (population, follow-up, churns, concordance, PH check)."""
    m = report.model
    if m is None:
        raise ValueError("model_note needs a fitted Cox model (see report.model_note)")
    text = t(
        "survival.model_basis",
        lang,
        n=fmt.integer(m.n, lang),
        churns=fmt.integer(m.n_events, lang),
        c=fmt.number(m.concordance, 2, lang),
    )
    if report.followup_days is not None:
        text += " " + t(
            "survival.model_followup",
            lang,
            months=fmt.integer(round(report.followup_days / DAYS_PER_MONTH), lang),
        )
    if report.model_note:
        text += " " + t(report.model_note, lang)
    violated = list(m.ph_test.index[m.ph_test["violated"]])
    if violated:
        factors = ", ".join(label(report, c, lang) for c in violated)
        text += " " + t("survival.ph_violated", lang, factors=factors)
    else:
        text += " " + t("survival.ph_ok", lang)
    return text


def reasons_reading(report: SurvivalReport, lang: str = "de") -> str:
    """The most frequent churn reason after 24 months (competing risks)."""
    reasons = reasons_in_words(report, lang)
    if reasons is None:
        raise ValueError("reasons_reading needs recorded churn reasons")
    at = reasons.at(24 * DAYS_PER_MONTH)
    top = at.idxmax()
    return t("survival.reasons_reading", lang, reason=top, share=fmt.percent(at[top], 1, lang))


def signals_note(report: SurvivalReport, lang: str = "de") -> str | None:
    """How the early-warning signals enter the model (one sentence), or why they do not."""
    sm = report.signals
    if sm is None:
        return None
    if sm.model is None:
        note = sm.note or "survival.signals_none"  # a skipped model always says why
        if note != "survival.signals_few":
            return t(note, lang)
        return t(
            note,
            lang,
            churns=fmt.integer(sm.churns, lang),
            min=fmt.integer(report.small_n, lang),
        )
    text = t(
        "survival.signals_design",
        lang,
        first=fmt.month(sm.first_month, lang),
        last=fmt.month(sm.last_month, lang),
        when=signal_when(report, lang),
        n=fmt.integer(sm.customers, lang),
        churns=fmt.integer(sm.churns, lang),
    )
    if sm.note:
        text += " " + t(sm.note, lang)
    return text
