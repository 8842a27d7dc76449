"""The KPI section of the report: key message, blocks, summary statements, figures, exports.

:func:`section` turns a :class:`cxlib.kpis.analysis.Baseline` into the
:class:`cxlib.report.section.Section` ``kpi`` in one language. Its blocks, in
report order (each built when the notebook shows it; "nothing" = no output):

=============  ==================================================================
``table``      heading, the baseline table (one table per level), a reading on
               the next wave's size; for a client without a single figure only
               the note that there are no figures yet
``notes``      notes where they apply: no survey, small samples, missing
               answers, the NPS trademark; nothing when none applies
``ppd``        heading, promoter/passive/detractor chart, reading; nothing
               without an NPS on at least ``min_n`` answers
``groups``     the charted grouping (:meth:`Baseline.main_dimension`): heading,
               NPS interval chart, reading, table; nothing without NPS or grouping
``more_groups``  every other grouping: heading, table, reading; nothing without NPS
``trend``      heading, monthly NPS chart, reading; nothing with fewer than three
               months of ``min_n`` answers
``retention``  heading, yearly customer table, reading; nothing without contracts
``cohorts``    heading, cohort heat map, reading; nothing with fewer than three cohorts
``economics``  heading, reading, note on the CLV's assumptions; nothing without
               revenue data
``value_at_risk``  heading, reading (euros one year's lost customers take with
               them; simple vs discounted CLV), note on formula and interval;
               nothing without a lost count and a CLV
``customer_base``  clients without contracts: heading, reading (customers still
               active by the purchase model with interval, purchases in 12 months,
               customer value), reading on the probably lost and their revenue, table
               of the customer value per segment, method note; nothing without the
               model (contracts, no purchases, too few customers)
``drivers``    heading, driver chart, reading, table; nothing without key drivers
``warning``    heading, signal table, reading; nothing without early-warning signals
``call_backs``  heading, reading (how many to call back and why), note on the four
               steps of complaint recovery; nothing without survey scores and tickets
``themes``     heading, chart of the comment themes with intervals, reading, table by
               NPS group, table by phase, masked quotes, method note
               (:mod:`cxlib.voice.themes_view`); nothing without survey comments
=============  ==================================================================

For a client without any figure every block but ``table`` shows nothing.
The statements (NPS, then retention or repurchase) go to the management
summary (the euros at risk second, as a risk), :func:`figures` to
``results.json``. The section writes no file: the call-back list
(:data:`cxlib.voice.callbacks.CALL_BACK_FILE`) and the customers with early-warning
signals it counts are written by the churn section, merged with the highest churn
risks into the team's one list (:mod:`cxlib.survival.team_list`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.kpis import plots
from cxlib.kpis.facts import facts
from cxlib.kpis.readings import (
    call_backs_reading,
    cohorts_reading,
    drivers_reading,
    economics_note,
    economics_reading,
    groups_reading,
    key_message,
    missing_text,
    ppd_reading,
    retention_reading,
    revenue_reading,
    statements,
    table_reading,
    trend_reading,
    value_note,
    value_reading,
    warning_reading,
)
from cxlib.kpis.tables import (
    baseline_table,
    comparison_frame,
    drivers_frame,
    interval_methods,
    retention_frame,
    value_text,
    warning_frame,
)
from cxlib.kpis.value_at_risk import interval_words, money_words, round_money
from cxlib.report import blocks as display
from cxlib.report.section import Section
from cxlib.texts import t
from cxlib.voice.themes_view import comment_figures, themes_block

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from cxlib.kpis.analysis import Baseline

Items = list[object]


def _tx(key: str, lang: str, **values: object) -> str:
    return t(f"kpis.{key}", lang, **values)


def _head(key: str, lang: str, **values: object) -> object:
    return display.subheading(_tx(f"headings.{key}", lang, **values))


def _read(text: str, lang: str) -> object:
    return display.reading(text, lang)


def _detail(title: str, table: object, lang: str) -> object:
    """A detail table for the appendix; the section keeps its reading (and a pointer)."""
    return display.appendix(title, table, lang=lang)


def _chart(ax: Axes, title: str, finding: str, lang: str) -> object:
    """The chart as an inline image whose alt text states its finding (the figure is closed)."""
    return display.figure(ax.figure, alt=display.chart_alt(title, finding, lang))


def _has_nps(base: Baseline) -> bool:
    """An NPS on at least ``min_n`` answers: the survey blocks have something to show."""
    return "nps" in base.experience and base.reliability(base.experience["nps"].n) != "none"


def _table(base: Baseline, lang: str) -> Items:
    methods = interval_methods(base, lang)
    items: Items = [_head("table", lang), baseline_table(base, lang)]
    items.append(_read(table_reading(base, lang), lang))
    if methods:  # how the intervals are computed is for checking them: in the appendix
        note = display.note(methods, "info", lang)
        items.append(display.appendix(_tx("headings.intervals", lang), note, lang=lang))
    return items


def _notes(base: Baseline, lang: str) -> Items:
    notes: Items = []
    if not base.experience:
        notes.append(display.note(_tx("notes.no_survey", lang), "warning", lang))
    shown = base.comparisons[base.comparisons["dimension"] == base.main_dimension()]
    small = (base.to_frame()["reliability"] != "ok").any() or (shown["n"] < base.small_n).any()
    if small:
        text = _tx("notes.small_n", lang, small_n=base.small_n, min_n=base.min_n)
        notes.append(display.note(text, "warning", lang))
    missing = missing_text(base, lang)
    if missing:
        notes.append(display.note(missing, "info", lang))
    if "nps" in base.experience:
        notes.append(display.note(_tx("notes.trademark", lang), "info", lang))
    return notes


def _ppd(base: Baseline, lang: str) -> Items:
    if not _has_nps(base):
        return []
    reading = ppd_reading(base, lang)
    chart = _chart(plots.ppd_bars(base, lang=lang), _tx("headings.ppd", lang), reading, lang)
    return [_head("ppd", lang), chart, _read(reading, lang)]


def _groups(base: Baseline, lang: str) -> Items:
    dimension = base.main_dimension()
    if not _has_nps(base) or not dimension:
        return []
    name = _tx(f"dimensions.{dimension}", lang)
    title = _tx("headings.groups", lang, dimension=name)
    reading = groups_reading(base, lang)
    return [
        _head("groups", lang, dimension=name),
        _chart(plots.group_intervals(base, lang=lang), title, reading, lang),
        _read(reading, lang),
        _detail(title, display.table(comparison_frame(base, lang), lang), lang),
    ]


def _more_groups(base: Baseline, lang: str) -> Items:
    if not _has_nps(base):
        return []
    items: Items = []
    for key in sorted(set(base.comparisons["dimension"]) - {base.main_dimension()}):
        title = _tx("headings.groups", lang, dimension=_tx(f"dimensions.{key}", lang))
        items += [
            _head("groups", lang, dimension=_tx(f"dimensions.{key}", lang)),
            _read(groups_reading(base, lang, key), lang),
            _detail(title, display.table(comparison_frame(base, lang, key), lang), lang),
        ]
    return items


def _trend(base: Baseline, lang: str) -> Items:
    if not _has_nps(base):
        return []
    months = base.monthly[base.monthly["kpi"] == "nps"]
    if (months["n"] >= base.min_n).sum() < 3:
        return []
    reading = trend_reading(base, lang)
    chart = _chart(plots.trend(base, lang=lang), _tx("headings.trend", lang), reading, lang)
    return [_head("trend", lang), chart, _read(reading, lang)]


def _retention(base: Baseline, lang: str) -> Items:
    if base.yearly is None or not len(base.yearly):
        return []
    frame = retention_frame(base, lang)
    shares = list(frame.columns[-2:])
    table = display.table(frame, lang, percent=shares, decimals=dict.fromkeys(shares, 1))
    return [
        _head("retention", lang),
        _read(retention_reading(base, lang), lang),
        _detail(_tx("headings.retention", lang), table, lang),
    ]


def _cohorts(base: Baseline, lang: str) -> Items:
    if base.cohorts is None or len(base.cohorts) < 3:
        return []
    if base.cohort_median is not None and base.cohort_median < base.small_n:
        return [_head("cohorts", lang), display.note(_tx("notes.cohorts_small", lang), lang=lang)]
    reading = cohorts_reading(base, lang)
    title = _tx("headings.cohorts", lang)
    chart = _chart(plots.cohort_heatmap(base, lang=lang), title, reading, lang)
    # the reading states the finding; the chart, one row per start month, is detail
    return [_head("cohorts", lang), _read(reading, lang), display.appendix(title, chart, lang=lang)]


def _economics(base: Baseline, lang: str) -> Items:
    if base.economics is None:
        return []
    # how the values are computed is for checking them: in the appendix
    method = display.note(economics_note(base, lang), "info", lang)
    return [
        _head("economics", lang),
        _read(economics_reading(base, lang), lang),
        display.appendix(_tx("headings.economics_method", lang), method, lang=lang),
    ]


def _value_at_risk(base: Baseline, lang: str) -> Items:
    if base.value_at_risk is None:
        return []
    # the formula and the cross-check are for checking the euros: in the appendix
    method = display.note(value_note(base, lang), "info", lang)
    items: Items = [
        display.subheading(t("value.heading", lang)),
        _read(value_reading(base, lang), lang),
        display.appendix(t("value.method_heading", lang), method, lang=lang),
    ]
    return items + _revenue_at_risk(base, lang)


def _revenue_at_risk(base: Baseline, lang: str) -> Items:
    """With contracts: the cancellations expected in 12 months, priced, per segment."""
    risk = base.revenue_at_risk
    if risk is None:
        return []
    frame = risk.frame
    if len(frame) <= 2:  # one segment only: the sentence says it all
        frame = frame.iloc[:1]
    shown = pd.DataFrame(
        {
            t("value.forecast_columns.group", lang): [
                t("value.forecast_all", lang) if pd.isna(g) else g for g in frame["group"]
            ],
            t("value.forecast_columns.active", lang): frame["active"],
            t("value.forecast_columns.expected", lang): frame["expected"],
            t("value.forecast_columns.low", lang): frame["low"],
            t("value.forecast_columns.high", lang): frame["high"],
            t("value.forecast_columns.euros", lang): frame["euros"],
            t("value.forecast_columns.euros_low", lang): frame["euros_low"],
            t("value.forecast_columns.euros_high", lang): frame["euros_high"],
        }
    )
    decimals = {c: 1 for c in shown.columns[2:5]} | {c: 0 for c in shown.columns[5:]}
    title = t("value.forecast_caption", lang).rstrip(":")
    table = display.table(shown, lang, decimals=decimals)
    # the reading states the total; the split by segment is detail for the appendix
    return [_read(revenue_reading(base, lang), lang), display.appendix(title, table, lang=lang)]


def _customer_base(base: Baseline, lang: str) -> Items:
    model = base.customer_base
    if model is None:
        return []
    n = model.customers

    def money(value: float) -> str:
        return money_words(value, lang, 3)

    active, value, lost = model.active, model.value, model.lost_revenue
    text = t(
        "clv.reading",
        lang,
        customers=fmt.integer(n, lang),
        cutoff=fmt.date(model.cutoff, lang),
        active=fmt.integer(active.value, lang),
        share=fmt.percent(model.active_share, 0, lang),
        low=fmt.integer(active.low, lang),
        high=fmt.integer(active.high, lang),
        purchases=fmt.integer(round_money(model.purchases_year.value, 3), lang),
        # THE customer value (fact kpi.clv): shown as in the table and the cost of churn
        value=value_text("clv", value.value, lang, "€"),
        value_low=value_text("clv", value.low, lang, "€"),
        value_high=value_text("clv", value.high, lang, "€"),
        years=fmt.integer(model.horizon_years, lang),
    )
    if model.lost:
        low, high = interval_words(lost.low, lost.high, lang)
        gone = t(
            "clv.lost",
            lang,
            lost=fmt.integer(model.lost, lang),
            revenue=money(lost.value),
            low=low,
            high=high,
        )
    else:
        gone = t("clv.lost_none", lang)
    items: Items = [display.subheading(t("clv.heading", lang))]
    if model.small:
        items.append(
            display.note(t("clv.small", lang, customers=fmt.integer(n, lang)), "warning", lang)
        )
    items.append(_read(f"{text} {gone}", lang))
    if len(model.segments):
        # two narrow tables (one wide table would make the printed page shrink to fit)
        value_columns = ["segment", "customers", "active", "value", "low", "high", "total"]
        lost_columns = ["segment", "lost", "lost_revenue", "lost_low", "lost_high"]
        for key, columns in (("segments", value_columns), ("segments_lost", lost_columns)):
            frame = model.segments[columns].rename(
                columns={c: t(f"clv.columns.{c}", lang) for c in columns}
            )
            table = display.table(frame, lang, decimals=0)
            items.append(_detail(t(f"clv.{key}", lang), table, lang))
    else:
        items.append(display.note(t("clv.segments_missing", lang), "info", lang))
    note = t(
        "clv.note",
        lang,
        repeat=fmt.integer(model.repeat_buyers, lang),
        customers=fmt.integer(n, lang),
        margin=fmt.percent(model.margin_rate, 0, lang),
        years=fmt.integer(model.horizon_years, lang),
        discount=fmt.percent(model.discount_rate, 0, lang),
    )
    if model.equal_dropout:
        note = f"{note} {t('clv.equal_dropout', lang)}"
    items.append(display.note(note, "info", lang))
    return items


def _call_backs(base: Baseline, lang: str) -> Items:
    if base.call_backs is None:
        return []
    return [
        display.subheading(t("voice.heading", lang)),
        _read(call_backs_reading(base, lang), lang),
        display.note(t("voice.note", lang), "info", lang),
    ]


def _themes(base: Baseline, lang: str) -> Items:
    return themes_block(base.themes, lang)


def _drivers(base: Baseline, lang: str) -> Items:
    if base.drivers is None:
        return []
    reading = drivers_reading(base, lang)
    title = _tx("headings.drivers", lang)
    return [
        _head("drivers", lang),
        _chart(plots.driver_quadrant(base, lang=lang), title, reading, lang),
        _read(reading, lang),
        _detail(title, display.table(drivers_frame(base, lang), lang), lang),
    ]


def _warning(base: Baseline, lang: str) -> Items:
    if base.warning is None:
        return []
    return [
        _head("warning", lang),
        _read(warning_reading(base, lang), lang),
        _detail(
            _tx("headings.warning", lang), display.table(warning_frame(base, lang), lang), lang
        ),
    ]


#: The section's blocks in report order (see the module docstring).
BLOCKS: dict[str, Callable[[Baseline, str], Items]] = {
    "table": _table,
    "notes": _notes,
    "ppd": _ppd,
    "groups": _groups,
    "more_groups": _more_groups,
    "trend": _trend,
    "retention": _retention,
    "cohorts": _cohorts,
    "economics": _economics,
    "value_at_risk": _value_at_risk,
    "customer_base": _customer_base,
    "drivers": _drivers,
    "warning": _warning,
    "call_backs": _call_backs,
    "themes": _themes,
}


def _no_figures(lang: str) -> Items:
    return [display.note(_tx("notes.no_figures", lang), lang=lang)]


def _nothing() -> Items:
    return []


def figures(base: Baseline) -> dict[str, object]:
    """The section's key figures for ``results.json`` (JSON-ready numbers, no words)."""
    frame = base.to_frame().replace({np.nan: None})
    out: dict[str, object] = {"baseline": frame.to_dict(orient="records")}
    if "nps" in base.experience:
        e = base.experience["nps"]
        out["nps"] = {
            "value": e.value,
            "low": e.low,
            "high": e.high,
            "n": e.n,
            "promoters": e.promoter_share,
            "passives": e.passive_share,
            "detractors": e.detractor_share,
        }
    out["comparisons"] = base.comparisons.replace({np.nan: None}).to_dict(orient="records")
    if base.drivers is not None:
        out["drivers"] = base.drivers.table.to_dict(orient="records")
    if base.warning is not None:
        out["early_warning"] = {
            "latest_month": base.warning.latest_month,
            "two_or_more_signals": len(base.warning.flagged),
        }
    if base.early:
        out["early_churn"] = [{"months": e.months, "lost": e.lost, "n": e.n} for e in base.early]
    risk = base.value_at_risk
    if risk is not None:
        out["value_at_risk"] = {
            "euros": risk.value,
            "low": risk.interval.low if risk.interval.exists else None,
            "high": risk.interval.high if risk.interval.exists else None,
            "lost": risk.lost,
            "of": risk.of,
            "year": risk.year,
            "clv": risk.clv,
            "clv_simple": risk.clv_simple if np.isfinite(risk.clv_simple) else None,
        }
    model = base.customer_base
    if model is not None:
        out["customer_base"] = {
            "customers": model.customers,
            "repeat_buyers": model.repeat_buyers,
            "active": model.active.value,
            "active_low": model.active.low,
            "active_high": model.active.high,
            "purchases_year": model.purchases_year.value,
            "value": model.value.value,
            "value_low": model.value.low,
            "value_high": model.value.high,
            "lost": model.lost,
            "lost_revenue": model.lost_revenue.value,
            "lost_revenue_low": model.lost_revenue.low,
            "lost_revenue_high": model.lost_revenue.high,
            "horizon_years": model.horizon_years,
            "params": model.params,
            "segments": model.segments.to_dict(orient="records"),
        }
    cb = base.call_backs
    if cb is not None:
        out["call_backs"] = {
            "customers": cb.customers,
            "priority_1": cb.first_priority,
            "detractors": cb.detractors,
            "detractors_without_id": cb.detractors_anonymous,
            "open_tickets": cb.open_tickets,
            "complaints": cb.complaints,
            "window_days": cb.window_days,
        }
    if base.themes is not None:
        out["comment_themes"] = comment_figures(base.themes)
    return out


def section(result: Baseline, lang: str) -> Section:
    """The KPI section of one client's report in ``lang`` (``de`` or ``en``)."""
    if result.to_frame().empty:  # a new client without data: one note instead of the parts
        blocks = {
            name: partial(_no_figures, lang) if name == "table" else _nothing for name in BLOCKS
        }
    else:
        blocks = {name: partial(build, result, lang) for name, build in BLOCKS.items()}
    return Section(
        "kpi",
        key_message(result, lang),
        blocks,
        statements=tuple(statements(result, lang)),
        figures=figures(result),
        facts=facts(result),
    )
