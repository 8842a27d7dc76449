"""The churn analysis in words: model columns, groups, reasons, hazard ratios, the median.

Every function takes the numbers of a :class:`~cxlib.survival.analysis.SurvivalReport`
and a language and returns plain text from the catalogue
(``cxlib/texts/<lang>/survival.yaml``); nothing here computes a figure. The
drivers' words are in :mod:`cxlib.survival.driver_wording`, the section's
readings in :mod:`cxlib.survival.readings`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib import formatting as fmt
from cxlib.survival.competing_risks import MISSING_REASON
from cxlib.survival.table import DAYS_PER_MONTH, EARLY_TICKET_GROUPS
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.survival.analysis import SurvivalReport
    from cxlib.survival.competing_risks import CumulativeIncidence

__all__ = [
    "driver_sentence",
    "group_label",
    "label",
    "median_text",
    "reasons_in_words",
    "share_text",
    "signal_label",
    "signal_sentence",
    "signal_when",
]


def share_text(share: float, lang: str = "de") -> str:
    """A share as percent; one decimal below 10 % so that small shares do not read as 0 %."""
    return fmt.percent(share, 1 if share < 0.095 else 0, lang)


def label(report: SurvivalReport, column: str, lang: str) -> str:
    """A model column in words: 'Gewinnungskanal „Website“'."""
    name, _, level = column.partition(": ")
    words = t(f"survival.covariates.{name}", lang, n=report.early[0], days=report.early[1])
    return t("survival.quoted", lang, words=words, level=level) if level else words


def group_label(report: SurvivalReport, grouping: str, group: str, lang: str) -> str:
    """A group of a grouping in words (the early-ticket groups; other groups are data)."""
    if grouping != "early_tickets":
        return group
    key = "early_yes" if group == EARLY_TICKET_GROUPS[True] else "early_no"
    return t(f"survival.{key}", lang, n=report.early[0])


def reasons_in_words(report: SurvivalReport, lang: str) -> CumulativeIncidence | None:
    """The competing-risks estimate with churns without a reason named in ``lang``."""
    if report.reasons is None:
        return None
    return report.reasons.renamed({MISSING_REASON: t("survival.reason_missing", lang)})


def driver_sentence(report: SurvivalReport, column: str, lang: str) -> str:
    """One hazard ratio of the Cox model in plain words ("… kündigen 2,1-mal so häufig").

    A category level with a lower risk than the reference is turned round
    (the reference churns x-times as often), which reads more easily.
    """
    if report.model is None:
        raise ValueError("driver_sentence needs a fitted Cox model")
    row = report.model.hazard_ratios.loc[column]
    ref = report.reference(column)
    hr, low, high = row["hr"], row["low"], row["high"]
    name, _, level = column.partition(": ")
    who = label(report, column, lang)
    if ref and hr < 1:
        hr, low, high = 1 / hr, 1 / high, 1 / low
        who, ref = label(report, f"{name}: {ref}", lang), level
    values = {
        "who": who,
        "ref": ref or "",
        "hr": fmt.number(hr, 1, lang),
        "less": fmt.percent(1 - hr, 0, lang),
        "low": fmt.number(low, 1, lang),
        "high": fmt.number(high, 1, lang),
    }
    kind = "more_ref" if ref else ("more" if hr >= 1 else "less")
    return t(f"survival.driver_{kind}", lang, **values)


def signal_label(name: str, lang: str = "de") -> str:
    """An early-warning signal in words ('sinkende Nutzung')."""
    return t(f"kpis.signals.{name}", lang)


def signal_when(report: SurvivalReport, lang: str = "de") -> str:
    """When a signal counts: 'im Vormonat' or 'in den 2 Vormonaten'."""
    window = report.signals.window_months if report.signals is not None else 1
    key = "survival.signal_when_one" if window == 1 else "survival.signal_when_many"
    return t(key, lang, n=fmt.integer(window, lang))


def signal_sentence(report: SurvivalReport, name: str, lang: str = "de") -> str:
    """One hazard ratio of the signal model in plain words."""
    model = report.signals.model if report.signals is not None else None
    if model is None:
        raise ValueError("signal_sentence needs a fitted signal model")
    row = model.hazard_ratios.loc[name]
    return t(
        "survival.driver_signal",
        lang,
        signal=signal_label(name, lang),
        when=signal_when(report, lang),
        hr=fmt.number(row["hr"], 1, lang),
        low=fmt.number(row["low"], 1, lang),
        high=fmt.number(row["high"], 1, lang),
    )


def median_text(report: SurvivalReport, lang: str = "de") -> str:
    """The median lifetime, or "nicht erreicht" when S(t) stays above one half."""
    if report.overall.median is None:
        return t("survival.median_not_reached", lang)
    months = report.overall.median / DAYS_PER_MONTH
    return t("survival.months", lang, n=fmt.number(months, 0, lang))
