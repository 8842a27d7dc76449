"""Tables and reading aids of the churn section, in the report's language.

Every function takes a :class:`~cxlib.survival.analysis.SurvivalReport` (or a
result of :mod:`cxlib.survival.curves` / :mod:`cxlib.survival.cox`) and returns display HTML
(escaped by :mod:`cxlib.report.blocks`) or one plain sentence. Given a
:class:`~cxlib.survival.analysis.SurvivalUnavailable`, :func:`definition_note`
says what is missing and every block shows nothing.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

import pandas as pd

from cxlib import formatting as fmt
from cxlib.report import blocks as display
from cxlib.survival.table import DAYS_PER_MONTH
from cxlib.texts import t


def horizon_table(report: Any, lang: str = "de") -> Any:
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


def horizon_reading(report: Any, lang: str = "de") -> str:
    """One sentence on the 12-month figure and the median."""
    twelve = 12 * DAYS_PER_MONTH
    return t(
        "survival.horizon_reading",
        lang,
        share=fmt.percent(report.overall.survival_at(twelve), 0, lang),
        median=report.median_text(lang),
        rmst=fmt.number(report.overall.rmst(twelve) / DAYS_PER_MONTH, 1, lang),
    )


def logrank_table(report: Any, lang: str = "de") -> Any:
    """One row per grouping: groups, chi-square, df, p and "gesichert"/"nicht gesichert"."""
    rows = []
    for name, test in sorted(report.tests.items(), key=lambda kv: -kv[1].statistic):
        rows.append(
            {
                t("survival.col_grouping", lang): t(f"survival.groupings.{name}", lang),
                t("survival.col_groups", lang): test.df + 1,
                t("survival.col_chi2", lang): test.statistic,
                t("survival.col_p", lang): _p_text(test.p, lang),
                t("survival.col_verdict", lang): t(
                    f"survival.{'secured' if test.significant else 'not_secured'}", lang
                ),
            }
        )
    return display.table(pd.DataFrame(rows), lang, decimals=1)


def _p_text(p: float, lang: str) -> str:
    return (
        "<\u00a00,001"
        if p < 0.001 and lang == "de"
        else "<\u00a00.001"
        if p < 0.001
        else (fmt.number(p, 3, lang))
    )


def group_reading(report: Any, lang: str = "de") -> str:
    """The log-rank result of the shown grouping, with the p-value in one German sentence."""
    name = report.best_grouping
    test = report.tests[name]
    curves = report.groups[name].curves
    shares, months = {}, 12
    for months in (12, 24, 6, 36, 60, 3):
        shares = {k: c.survival_at(months * DAYS_PER_MONTH) for k, c in curves.items()}
        shares = {k: v for k, v in shares.items() if pd.notna(v)}
        if len(shares) >= 2 and max(shares.values()) - min(shares.values()) >= 0.01:
            break
    key = "group_reading" if test.significant else "group_reading_ns"
    if not shares:
        return t(f"survival.{key}_short", lang, grouping=t(f"survival.groupings.{name}", lang))
    worst, best = min(shares, key=shares.get), max(shares, key=shares.get)
    return t(
        f"survival.{key}",
        lang,
        grouping=t(f"survival.groupings.{name}", lang),
        worst=worst,
        worst_share=fmt.percent(shares[worst], 0, lang),
        best=best,
        best_share=fmt.percent(shares[best], 0, lang),
        p=_p_text(test.p, lang),
        months=fmt.integer(months, lang),
    )


def cox_table(model: Any, lang: str = "de", labels: Any = None) -> Any:
    """Hazard ratios with 95 % interval and p-value; ``labels`` turns columns into words."""
    hr = model.hazard_ratios
    names = [labels(c) if labels else c for c in hr.index]
    frame = pd.DataFrame(
        {
            t("survival.col_factor", lang): names,
            t("survival.col_hr", lang): hr["hr"].to_numpy(),
            t("survival.col_interval", lang): [
                f"{fmt.number(lo, 2, lang)} – {fmt.number(hi, 2, lang)}"
                for lo, hi in zip(hr["low"], hr["high"], strict=True)
            ],
            t("survival.col_p", lang): [_p_text(p, lang) for p in hr["p"]],
        }
    )
    return display.table(frame, lang, decimals=2)


def forest_reading(report: Any, lang: str = "de") -> str:
    """The significant drivers in plain words, or that none is statistically secured."""
    drivers = report.significant_drivers(3)
    if drivers.empty:
        return t("survival.no_driver", lang)
    return " ".join(report.driver_sentence(c, lang) for c in drivers.index)


def model_note(report: Any, lang: str = "de") -> str:
    """What the model covers (population, follow-up, churns, concordance, PH check)."""
    m = report.model
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
        text += " " + t(
            "survival.ph_violated", lang, factors=", ".join(report.label(c, lang) for c in violated)
        )
    else:
        text += " " + t("survival.ph_ok", lang)
    return text


def definition_note(report: Any, lang: str = "de") -> str:
    """How churn and tenure are defined for this client (incl. delayed entry).

    Without an analysis: what is missing for one.
    """
    if not report.available:
        return report.note(lang)
    data = report.data
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


# --- blocks the notebook shows (heading, chart, reading) -------------------------------


def _needs_analysis(block: Callable[..., Any]) -> Callable[..., Any]:
    """A block that shows nothing when the report is a SurvivalUnavailable."""

    @functools.wraps(block)
    def shown(report: Any, *args: Any, **kwargs: Any) -> Any:
        return block(report, *args, **kwargs) if report.available else _join()

    return shown


def _join(*parts: Any) -> Any:
    """Several display snippets as one HTML object (each already escaped)."""
    from IPython.display import HTML

    return HTML("".join(str(p.data) if hasattr(p, "data") else str(p) for p in parts))


def _figure(ax: Any, alt: str) -> Any:
    return display.figure(ax.figure, alt=alt)


def _unit(report: Any) -> dict[str, Any]:
    """The curves' time axis from ``analysis.survival.time_unit`` (months, weeks, days)."""
    from cxlib.survival.analysis import UNIT_DAYS

    unit = getattr(report, "time_unit", "months")
    return {"unit_days": UNIT_DAYS[unit], "unit_key": unit}


@_needs_analysis
def curve_block(report: Any, lang: str = "de") -> Any:
    """The overall Verbleibkurve with numbers at risk and its reading."""
    title = t("survival.curve_title", lang)
    curve = report.overall
    labelled = {t("survival.all_customers", lang): curve}
    from cxlib.survival.plots import km_curves

    return _join(
        display.subheading(title),
        _figure(km_curves(labelled, lang=lang, **_unit(report)), title),
        display.reading(t("survival.curve_reading", lang), lang),
    )


@_needs_analysis
def horizon_block(report: Any, lang: str = "de") -> Any:
    """The horizon table and its reading."""
    return _join(
        display.subheading(t("survival.horizon_title", lang)),
        horizon_table(report, lang),
        display.reading(horizon_reading(report, lang), lang),
    )


@_needs_analysis
def group_block(report: Any, lang: str = "de") -> Any:
    """Curves of the grouping with the clearest difference, small groups marked."""
    from cxlib.survival.plots import km_curves

    name = report.best_grouping
    if name is None:
        return _join()
    curves = {}
    for label, curve in report.groups[name].curves.items():
        if curve.n < report.small_n:
            label = f"{label} – {display.small_n_text(curve.n, lang)}"
        curves[label] = curve
    title = t("survival.group_title", lang, grouping=t(f"survival.groupings.{name}", lang))
    return _join(
        display.subheading(title),
        _figure(km_curves(curves, lang=lang, **_unit(report)), title),
        display.reading(group_reading(report, lang), lang),
    )


@_needs_analysis
def logrank_block(report: Any, lang: str = "de") -> Any:
    """All groupings' log-rank tests and what "statistisch gesichert" means."""
    if not report.tests:
        return _join()
    return _join(
        display.subheading(t("survival.logrank_title", lang)),
        logrank_table(report, lang),
        display.reading(t("survival.logrank_reading", lang), lang),
    )


@_needs_analysis
def model_block(report: Any, lang: str = "de") -> Any:
    """Forest plot, plain-German readings, hazard-ratio table and the model note."""
    title = display.subheading(t("survival.forest_title", lang))
    if report.model is None:
        return _join(title, display.note(t(report.model_note, lang), lang=lang))
    from cxlib.survival.plots import forest

    def words(c: str) -> str:
        return report.label(c, lang)

    ax = forest(report.model.hazard_ratios, lang=lang, labels=words)
    reading = t("survival.forest_reading_prefix", lang) + " " + forest_reading(report, lang)
    violated = report.model.ph_test["violated"].any()
    return _join(
        title,
        _figure(ax, t("survival.forest_title", lang)),
        display.reading(reading, lang),
        cox_table(report.model, lang, labels=words),
        display.note(model_note(report, lang), kind="warning" if violated else "info", lang=lang),
    )


@_needs_analysis
def reasons_block(report: Any, lang: str = "de") -> Any:
    """Cumulative incidence per churn reason (competing risks), if reasons are recorded."""
    if report.reasons is None:
        return _join()
    title = t("survival.reasons_title", lang)
    return _join(
        display.subheading(title),
        _figure(report.reasons.plot(lang=lang), title),
        display.reading(report.reasons_reading(lang), lang),
    )


@_needs_analysis
def risk_block(report: Any, output_dir: Any, lang: str = "de") -> Any:
    """Write the risk list next to the report (if a run folder is set) and say where it is."""
    if report.model is None:
        return display.note(t("survival.risk_note_none", lang), lang=lang)
    risks = report.risk_list(lang)
    report.write_risk_list(output_dir, lang, risks)
    return display.note(t("survival.risk_note", lang, n=fmt.integer(len(risks), lang)), lang=lang)


# --- the most important churn drivers -------------------------------------------------


def drivers_table(report: Any, lang: str = "de", n: int = 3) -> Any:
    """The top drivers, ranked: risk side, hazard ratio, who is affected, share of churns, links."""
    from cxlib.survival.analysis import share_text

    rows = []
    for d in report.top_drivers(n):
        rows.append(
            {
                t("survival.col_driver", lang): report.driver_who(d, lang, cell=True),
                t("survival.col_hr_interval", lang): (
                    f"{fmt.number(d.hr, 1, lang)} "
                    f"({fmt.number(d.low, 1, lang)}–{fmt.number(d.high, 1, lang)})"
                ),
                t("survival.col_exposed", lang): t(
                    f"survival.share_{d.unit}", lang, share=share_text(d.share_exposed, lang)
                ),
                t("survival.col_churn_share", lang): share_text(d.attributable_low, lang),
                t("survival.col_journey", lang): report.driver_link(d, lang, cell=True),
                t("survival.col_signal", lang): report.driver_signal(d, lang, cell=True),
            }
        )
    return display.table(pd.DataFrame(rows), lang)


def signals_note(report: Any, lang: str = "de") -> str | None:
    """How the early-warning signals enter the model (one sentence), or why they do not."""
    sm = report.signals
    if sm is None:
        return None
    if sm.model is None and sm.note != "survival.signals_few":
        return t(sm.note, lang)
    if sm.model is None:
        return t(
            sm.note,
            lang,
            churns=fmt.integer(sm.churns, lang),
            min=fmt.integer(report.small_n, lang),
        )
    text = t(
        "survival.signals_design",
        lang,
        first=fmt.month(sm.first_month, lang),
        last=fmt.month(sm.last_month, lang),
        when=report.signal_when(lang),
        n=fmt.integer(sm.customers, lang),
        churns=fmt.integer(sm.churns, lang),
    )
    if sm.note:
        text += " " + t(sm.note, lang)
    return text


@_needs_analysis
def drivers_block(report: Any, lang: str = "de") -> Any:
    """The three most important drivers linked to journey and signals, and the signal model."""
    parts: list[Any] = [display.subheading(t("survival.drivers_title", lang))]
    top = report.top_drivers(3)
    if top:
        parts.append(drivers_table(report, lang))
        journey = report.drivers_journey_sentence(lang)
        reading = t("survival.drivers_reading", lang) + (f" {journey}" if journey else "")
        parts.append(display.reading(reading, lang))
        items = "".join(f"<li>{html.escape(report.driver_text(d, lang))}</li>" for d in top)
        parts.append(f'<ul class="cx-drivers">{items}</ul>')
        method = t("survival.drivers_method", lang)
        if any(d.source == "signals" for d in top):
            method += " " + t("survival.drivers_method_signals", lang)
        parts.append(display.note(method, lang=lang))
        model = report.model
        from_model = any(d.source == "model" for d in top)
        if from_model and model is not None and model.n_events < report.small_n:
            text = t(
                "survival.drivers_small_n",
                lang,
                churns=fmt.integer(model.n_events, lang),
                small=fmt.integer(report.small_n, lang),
            )
            parts.append(display.note(text, kind="warning", lang=lang))
    else:
        parts.append(display.note(t("survival.drivers_none", lang), lang=lang))
    sm = report.signals
    if sm is not None and sm.model is not None:
        parts.append(display.subheading(t("survival.signals_title", lang)))
        parts.append(cox_table(sm.model, lang, labels=lambda c: report.signal_label(c, lang)))
    note = signals_note(report, lang)
    if note:
        parts.append(display.note(note, lang=lang))
    return _join(*parts)
