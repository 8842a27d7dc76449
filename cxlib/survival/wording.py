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
from cxlib.survival.claims import HR_CAP
from cxlib.survival.competing_risks import MISSING_REASON
from cxlib.survival.table import DAYS_PER_MONTH, EARLY_TICKET_GROUPS
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.survival.analysis import SurvivalReport
    from cxlib.survival.competing_risks import CumulativeIncidence
    from cxlib.survival.drivers import Driver

__all__ = [
    "capped",
    "driver_sentence",
    "group_label",
    "hr_interval",
    "label",
    "level_sentence",
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


def hr_interval(low: float, high: float, lang: str = "de", decimals: int = 1) -> tuple[str, str]:
    """The bounds of a hazard ratio's 95 % interval as text, never rounded onto 1.

    ``decimals`` (default one), more (up to three) when a bound on one side of 1
    would read as 1 (1.02 to 5.28 is "1,02 bis 5,28", not "1,0 bis 5,3", which
    reads as no effect). An interval that contains 1 keeps ``decimals``.
    """
    lo = hi = ""
    for places in range(decimals, max(decimals, 3) + 1):
        lo, hi = fmt.number(low, places, lang), fmt.number(high, places, lang)
        one = fmt.number(1.0, places, lang)
        if (low <= 1 <= high) or (lo != one and hi != one):
            break
    return lo, hi


def capped(hr: float) -> bool:
    """Whether a relative risk is written "mehr als 10-mal" (above :data:`HR_CAP`)."""
    return hr > HR_CAP


def _ratio_text(key: str, ratio: float, lang: str, **values: str) -> str:
    """A relative-risk sentence; above the cap its ``_capped`` form ("mehr als 10-mal")."""
    if capped(ratio):
        return t(f"{key}_capped", lang, cap=fmt.integer(HR_CAP, lang), **values)
    return t(key, lang, **values)


def driver_sentence(report: SurvivalReport, driver: Driver, lang: str = "de") -> str:
    """A driver in plain words ("… kündigen 2,1-mal so häufig wie Kunden mit „Website“").

    The relative risk is always the driver's own comparison, read from its risk
    side and against the group it names (:mod:`cxlib.survival.drivers`): the
    same pair and the same number wherever the section mentions the driver. A
    yes/no covariate whose risk is lower with it reads "… seltener als die übrigen".
    """
    if driver.source == "signals":
        return signal_sentence(report, driver, lang)
    low, high = hr_interval(driver.low, driver.high, lang)
    values = {
        "ref": driver.comparison or "",
        "hr": fmt.number(driver.hr, 1, lang),
        "low": low,
        "high": high,
    }
    if driver.comparison is not None:  # a category: its risk side against the named level
        column = driver.column
        if driver.risk_level is not None:
            column = f"{driver.covariate}: {driver.risk_level}"
        who = label(report, column, lang)
        return _ratio_text("survival.driver_more_ref", driver.hr, lang, who=who, **values)
    who = label(report, driver.column, lang)
    if not driver.turned:
        return _ratio_text("survival.driver_more", driver.hr, lang, who=who, **values)
    hr, lo, hi = 1 / driver.hr, 1 / driver.high, 1 / driver.low
    low, high = hr_interval(lo, hi, lang)
    values.update(hr=fmt.number(hr, 1, lang), less=fmt.percent(1 - hr, 0, lang), low=low, high=high)
    return t("survival.driver_less", lang, who=who, **values)


def level_sentence(report: SurvivalReport, column: str, lang: str = "de") -> str:
    """A category level that churns more than its reference, in words, against the reference."""
    if report.model is None:
        raise ValueError("level_sentence needs the Cox model")
    row = report.model.hazard_ratios.loc[column]
    low, high = hr_interval(float(row["low"]), float(row["high"]), lang)
    return _ratio_text(
        "survival.driver_more_ref",
        float(row["hr"]),
        lang,
        who=label(report, column, lang),
        ref=report.reference(column) or "",
        hr=fmt.number(float(row["hr"]), 1, lang),
        low=low,
        high=high,
    )


def signal_label(name: str, lang: str = "de") -> str:
    """An early-warning signal in words ('sinkende Nutzung')."""
    return t(f"kpis.signals.{name}", lang)


def signal_when(report: SurvivalReport, lang: str = "de") -> str:
    """When a signal counts: 'im Vormonat' or 'in den 2 Vormonaten'."""
    window = report.signals.window_months if report.signals is not None else 1
    key = "survival.signal_when_one" if window == 1 else "survival.signal_when_many"
    return t(key, lang, n=fmt.integer(window, lang))


def signal_sentence(report: SurvivalReport, driver: Driver, lang: str = "de") -> str:
    """A driver of the signal model in plain words (against customers without the signal)."""
    low, high = hr_interval(driver.low, driver.high, lang)
    return _ratio_text(
        "survival.driver_signal",
        driver.hr,
        lang,
        signal=signal_label(driver.covariate, lang),
        when=signal_when(report, lang),
        hr=fmt.number(driver.hr, 1, lang),
        low=low,
        high=high,
    )


def median_text(report: SurvivalReport, lang: str = "de") -> str:
    """The median lifetime, or "nicht erreicht" when S(t) stays above one half."""
    if report.overall.median is None:
        return t("survival.median_not_reached", lang)
    months = report.overall.median / DAYS_PER_MONTH
    return t("survival.months", lang, n=fmt.number(months, 0, lang))
