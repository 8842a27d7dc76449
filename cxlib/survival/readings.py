"""Reading aids of the churn section: one plain sentence (or a short note) per display.

Each function takes the analysis (:class:`~cxlib.survival.analysis.SurvivalReport`)
and a language and says in words what a chart or table shows: how churn is
defined, the 12-month figure, which groups differ, which drivers are
secured, what the Cox model and the signal model rest on, and the most
frequent churn reason. Given a :class:`~cxlib.survival.analysis.SurvivalUnavailable`,
:func:`definition_note` says what is missing for an analysis.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from cxlib import formatting as fmt
from cxlib.survival.claims import MIN_EVENTS, MIN_SHARE_GAP, Test, contrast
from cxlib.survival.table import DAYS_PER_MONTH
from cxlib.survival.wording import (
    driver_sentence,
    group_label,
    label,
    level_sentence,
    median_text,
    reasons_in_words,
    signal_when,
)
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.survival.analysis import SurvivalReport, SurvivalResult
    from cxlib.survival.drivers import Driver

__all__ = [
    "conversion_reading",
    "definition_note",
    "forest_reading",
    "group_reading",
    "horizon_reading",
    "model_note",
    "p_text",
    "reasons_reading",
    "sensitivity_reading",
    "signals_note",
    "verdict_text",
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
            seen_until=fmt.date(data.last_observable, lang),
        )
        if data.too_recent:
            text += " " + t(
                "survival.definition_too_recent",
                lang,
                n=fmt.integer(data.too_recent, lang),
                seen_until=fmt.date(data.last_observable, lang),
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


def conversion_reading(report: SurvivalReport, lang: str = "de") -> str | None:
    """Without contracts: the one-time buyers as their own figure (first to second purchase)."""
    c = report.conversion
    if c is None or not c.n:
        return None
    until = report.data.cutoff - dt.timedelta(days=c.window_days)
    return t(
        "survival.conversion_reading",
        lang,
        share=fmt.percent(c.share, 0, lang),
        rest=fmt.percent(1 - c.share, 0, lang),
        days=fmt.integer(c.window_days, lang),
        low=fmt.percent(c.interval.low, 0, lang),
        high=fmt.percent(c.interval.high, 0, lang),
        n=fmt.integer(c.n, lang),
        until=fmt.date(until, lang),
    )


def sensitivity_reading(report: SurvivalReport, lang: str = "de", months: int = 6) -> str | None:
    """Without contracts: early churn under other inactivity periods, each with its n."""
    if not report.sensitivity:
        return None
    items = []
    for days, counted in report.sensitivity:
        values = {"days": fmt.integer(days, lang), "n": fmt.integer(counted.n, lang)}
        if not counted.n:
            items.append(t("survival.sensitivity_item_none", lang, **values))
            continue
        chosen = days == report.data.inactivity_days
        key = "survival.sensitivity_item_chosen" if chosen else "survival.sensitivity_item"
        items.append(t(key, lang, share=fmt.percent(counted.share, 0, lang), **values))
    joined = "; ".join(items)
    return t("survival.sensitivity_reading", lang, months=fmt.integer(months, lang), items=joined)


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


def verdict_text(test: Test | None, lang: str = "de", *, short: bool = False) -> str:
    """What a test of the family allows to say: a finding or "kein Hinweis … (n = …)".

    ``short``: the words for a table cell (without the p-value); otherwise the
    words of the group reading, with n and the Holm-adjusted p-value.
    """
    if test is None:
        return t("survival.verdict_short.no_evidence" if short else "survival.verdict_none", lang)
    values = {
        "n": fmt.integer(test.n, lang),
        "p": p_text(test.p_adjusted, lang),
        "min": fmt.integer(MIN_EVENTS, lang),
        "gap": fmt.integer(round(MIN_SHARE_GAP * 100), lang),
    }
    kind = "verdict_short" if short else "verdict_logrank"
    return t(f"survival.{kind}.{test.verdict}", lang, **values)


def group_reading(report: SurvivalReport, lang: str = "de") -> str:
    """The log-rank result of the shown grouping: the compared groups' shares and the verdict.

    The groups are those the family's test compares (:func:`cxlib.survival.claims.contrast`:
    at least 10 churns each, read at the first horizon at which two are observed).
    """
    name = report.best_grouping
    if name is None:
        return t("survival.verdict_none", lang)
    found = contrast(report.groups[name])
    verdict = verdict_text(report.claims.get("logrank", name), lang)
    grouping = t(f"survival.groupings.{name}", lang)
    if found is None:
        return t("survival.group_reading_short", lang, grouping=grouping, verdict=verdict)
    worst, best = found.worst, found.best
    return t(
        "survival.group_reading",
        lang,
        grouping=grouping,
        worst=group_label(report, name, worst, lang),
        worst_share=fmt.percent(found.shares[worst], 0, lang),
        best=group_label(report, name, best, lang),
        best_share=fmt.percent(found.shares[best], 0, lang),
        months=fmt.integer(found.months, lang),
        verdict=verdict,
    )


def forest_reading(report: SurvivalReport, lang: str = "de") -> str:
    """The model's findings in plain words, and for the other covariates "kein Hinweis".

    One sentence per covariate with a finding: its driver (the same comparison
    and number as in the drivers table), then other levels of it that are
    findings with a risk side of their own (against the named reference); the
    covariates without a finding in one sentence with the model's n.
    """
    model = report.model
    if model is None:
        return t("survival.verdict_none", lang)
    drivers = report.drivers.drivers if report.drivers is not None else ()
    stated = [d for d in drivers if d.source == "model"]
    sentences = []
    for d in stated:
        sentences.append(driver_sentence(report, d, lang))
        sentences += [level_sentence(report, c, lang) for c in _other_risks(report, d)]
    names = [*model.design.levels, *model.design.numeric]
    rest = [n for n in names if n not in {d.covariate for d in stated}]
    if rest:
        words = [t(f"survival.groupings.{n}", lang) for n in rest]
        joined = (
            words[0]
            if len(words) == 1
            else t("survival.drivers_and", lang, first=", ".join(words[:-1]), last=words[-1])
        )
        sentences.append(
            t("survival.no_evidence_covariates", lang, who=joined, n=fmt.integer(model.n, lang))
        )
    return " ".join(sentences)


def _other_risks(report: SurvivalReport, driver: Driver) -> list[str]:
    """Further findings of a driver's covariate with a risk side of their own.

    Levels that churn more than the reference (their own risk side, against
    the named reference); a comparison with the driver's risk side again would
    give that group a second number, so it is left to the table.
    """
    if driver.comparison is None or report.model is None:
        return []
    hr = report.model.hazard_ratios
    own = driver.risk_level or driver.column.partition(": ")[2]
    return [
        x.name
        for x in report.claims.findings("cox")
        if x.name.partition(": ")[0] == driver.covariate
        and x.name.partition(": ")[2] != own
        and hr.loc[x.name, "hr"] > 1
    ]


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


def projection_reading(report: SurvivalReport, lang: str = "de") -> str:
    """With contracts: the sBG projection in plain words (facts ``survival.sbg.*``).

    Empty without a projection. A plain warning when it rests on fewer than
    ``small_n`` cancellations.
    """
    from cxlib.survival.projection import HORIZONS, YEARS

    p = report.projection
    if p is None:
        return ""
    short, long = HORIZONS
    first, later = YEARS
    values: dict[str, str] = {
        "observed": fmt.integer(p.observed_months, lang),
        "churns": fmt.integer(p.churns, lang),
        "short": fmt.integer(short // 12, lang),
        "long": fmt.integer(long // 12, lang),
        "first": fmt.integer(first, lang),
        "later": fmt.integer(later, lang),
    }
    for key, months in (("s", short), ("l", long)):
        value, low, high = p.at(months)
        values |= {
            f"{key}_share": fmt.percent(value, 0, lang),
            f"{key}_low": fmt.percent(low, 0, lang),
            f"{key}_high": fmt.percent(high, 0, lang),
        }
    for key, year in (("c1", first), ("c5", later)):
        value, low, high = p.year_churn[year]
        values |= {
            key: fmt.percent(value, 1, lang),
            f"{key}_low": fmt.percent(low, 1, lang),
            f"{key}_high": fmt.percent(high, 1, lang),
        }
    text = t("survival.projection_reading", lang, **values)
    if p.churns < report.small_n:
        text += " " + t("survival.projection_small", lang, **values)
    return text
