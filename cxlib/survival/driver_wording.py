"""The churn drivers in words: who is at risk, in which journey, caught by which signal.

Each driver (:class:`~cxlib.survival.drivers.Driver`) is read from its risk
side. The same words come in two forms: in a sentence (the management
summary, the list under the drivers table) and, with ``cell=True``, short
for a cell of the drivers table under its heading 'Kunden mit …'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib.survival.wording import (
    driver_sentence,
    label,
    share_text,
    signal_label,
    signal_when,
)
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.survival.analysis import SurvivalReport
    from cxlib.survival.drivers import Driver

__all__ = [
    "driver_link",
    "driver_signal",
    "driver_text",
    "driver_who",
    "drivers_journey_sentence",
    "drivers_similar",
    "drivers_statement",
]

#: Text keys of a driver's words: in a sentence (False) and in the drivers table (True).
_DRIVER_KEYS = {
    False: {
        "with": "survival.drivers_who",
        "without": "survival.drivers_who_without",
        "signal_who": "survival.drivers_who_signal",
        "no_phase": "survival.drivers_no_phase",
        "phase_only": "survival.drivers_phase_only",
        "journey": "survival.drivers_journey",
        "chosen": "survival.drivers_journey_chosen",
        "itself": "survival.drivers_signal_itself",
        "no_signal": "survival.drivers_signal_none",
        "signal": "survival.drivers_signal",
    },
    True: {
        "with": "survival.drivers_cell_with",
        "without": "survival.drivers_cell_without",
        "signal_who": "survival.drivers_cell_signal",
        "no_phase": "survival.drivers_cell_no_phase",
        "phase_only": "survival.drivers_cell_phase_only",
        "journey": "survival.drivers_cell_journey",
        "chosen": "survival.drivers_cell_chosen",
        "itself": "survival.drivers_cell_itself",
        "no_signal": "survival.drivers_cell_none",
        "signal": "survival.drivers_cell_signal_name",
    },
}


def driver_who(
    report: SurvivalReport, driver: Driver, lang: str = "de", *, cell: bool = False
) -> str:
    """The risk side of a driver in words ('Kunden mit Gewinnungskanal „Website“')."""
    keys = _DRIVER_KEYS[cell]
    if driver.source == "signals":
        return t(
            keys["signal_who"],
            lang,
            signal=signal_label(driver.covariate, lang),
            when=signal_when(report, lang),
        )
    if driver.risk_level is not None:
        level = label(report, f"{driver.covariate}: {driver.risk_level}", lang)
        return t(keys["with"], lang, who=level)
    key = keys["without"] if driver.turned else keys["with"]
    return t(key, lang, who=label(report, driver.column, lang))


def driver_link(driver: Driver, lang: str = "de", *, cell: bool = False) -> str:
    """Journey (phase) of a driver in words, '(gewählt)' for the chosen journey."""
    keys = _DRIVER_KEYS[cell]
    if driver.phase is None:
        return t(keys["no_phase"], lang)
    if driver.journey is None:
        return t(keys["phase_only"], lang, phase=driver.phase)
    key = keys["chosen"] if driver.chosen else keys["journey"]
    return t(key, lang, journey=driver.journey, phase=driver.phase)


def driver_signal(driver: Driver, lang: str = "de", *, cell: bool = False) -> str:
    """The early-warning signal that catches a driver early, in words."""
    keys = _DRIVER_KEYS[cell]
    if driver.source == "signals":
        return t(keys["itself"], lang)
    if driver.signal is None:
        return t(keys["no_signal"], lang)
    return t(keys["signal"], lang, signal=signal_label(driver.signal, lang))


def driver_text(report: SurvivalReport, driver: Driver, lang: str = "de") -> str:
    """A driver as one line: hazard reading · who · journey · early-warning signal."""
    sentence = driver_sentence(report, driver, lang)
    share = t(
        f"survival.drivers_share_{driver.unit}",
        lang,
        share=share_text(driver.share_exposed, lang),
    )
    parts = [sentence.rstrip("."), share, driver_link(driver, lang)]
    parts.append(driver_signal(driver, lang))
    return " · ".join(parts) + "."


def drivers_journey_sentence(report: SurvivalReport, lang: str = "de") -> str | None:
    """Which of the top drivers belong to the chosen journey (None without a choice)."""
    journey = report.drivers.selected_journey if report.drivers is not None else None
    top = report.top_drivers(3)
    if not journey or not top:
        return None
    mine = [driver_who(report, d, lang) for d in top if d.chosen]
    if mine:
        return t("survival.drivers_in_journey", lang, journey=journey, who="; ".join(mine))
    return t("survival.drivers_not_in_journey", lang, journey=journey)


def drivers_similar(report: SurvivalReport, lang: str = "de") -> str | None:
    """Which of the top drivers are of similar size (ranges overlap), or None.

    The ranking orders them, but where their ranges of the share of churns
    overlap the order is not secured: say so instead of calling one the largest.
    """
    if report.drivers is None:
        return None
    runs = report.drivers.similar(3)
    if not runs:
        return None
    groups = [
        t("survival.drivers_and", lang, first=", ".join(who[:-1]), last=who[-1])
        for who in ([driver_who(report, d, lang) for d in run] for run in runs)
    ]
    return t("survival.drivers_similar", lang, groups="; ".join(groups))


def drivers_statement(report: SurvivalReport, lang: str = "de") -> str | None:
    """The top drivers with their share of churns, which are of similar size, and the journey."""
    top = report.top_drivers(3)
    if not top:
        return None
    items = "; ".join(
        t(
            "survival.drivers_item",
            lang,
            who=driver_who(report, d, lang),
            share=share_text(d.attributable_low, lang),
        )
        for d in top
    )
    parts: list[str | None] = [t("survival.drivers_statement", lang, items=items)]
    parts += [drivers_similar(report, lang), drivers_journey_sentence(report, lang)]
    return " ".join(p for p in parts if p)
