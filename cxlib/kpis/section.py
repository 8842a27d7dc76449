"""The KPI section's display blocks: heading, chart or table, and reading per part.

:func:`block` returns the items one notebook cell shows; texts come from the
catalogue via :mod:`cxlib.kpis.readings`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cxlib import formatting as fmt
from cxlib.kpis.readings import (
    _tx,
    baseline_table,
    cohorts_reading,
    comparison_frame,
    drivers_frame,
    drivers_reading,
    economics_reading,
    groups_reading,
    missing_text,
    ppd_reading,
    retention_frame,
    retention_reading,
    trend_reading,
    warning_frame,
    warning_reading,
)
from cxlib.report import blocks as display

if TYPE_CHECKING:
    from cxlib.kpis.analysis import Baseline


def table_reading(base: Baseline, lang: str) -> str:
    if base.expected_n:
        return _tx("readings.table", lang, n_next=fmt.integer(base.expected_n, lang))
    return _tx("readings.table_no_n", lang)


def _figure(base: Baseline, kind: str, lang: str, heading: str) -> Any:
    return display.figure(base.plot(kind, lang=lang).figure, alt=heading)


def block(base: Baseline, name: str, params: Any, lang: str = "de") -> list[Any]:
    """The display items of one part of the section (empty when its data are missing).

    ``name``: table, notes, ppd, groups (the main grouping, charted), more_groups
    (every other grouping as a table: segment, wave, …), trend, retention, cohorts,
    economics, drivers, warning.
    """
    if base.to_frame().empty:  # a new client without data: one note instead of the parts
        return [display.note(_tx("notes.no_figures", lang), lang=lang)] if name == "table" else []
    head = lambda key, **v: display.subheading(_tx(f"headings.{key}", lang, **v))  # noqa: E731
    read = lambda text: display.reading(text, lang)  # noqa: E731
    has_nps = "nps" in base.experience and base.reliability(base.experience["nps"].n) != "none"
    if name == "table":
        return [head("table"), baseline_table(base, lang), read(table_reading(base, lang))]
    if name == "notes":
        notes = []
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
    if name == "ppd" and has_nps:
        title = _tx("headings.ppd", lang)
        return [head("ppd"), _figure(base, "ppd", lang, title), read(ppd_reading(base, lang))]
    if name == "groups" and has_nps and base.main_dimension():
        dim = _tx(f"dimensions.{base.main_dimension()}", lang)
        title = _tx("headings.groups", lang, dimension=dim)
        return [
            head("groups", dimension=dim),
            _figure(base, "groups", lang, title),
            read(groups_reading(base, lang)),
            display.table(comparison_frame(base, lang), lang),
        ]
    dims = sorted(set(base.comparisons["dimension"]) - {base.main_dimension()})
    if name == "more_groups" and has_nps:
        items: list[Any] = []
        for key in dims:  # segment, wave, … beside the charted main grouping
            items += [
                head("groups", dimension=_tx(f"dimensions.{key}", lang)),
                display.table(comparison_frame(base, lang, key), lang),
                read(groups_reading(base, lang, key)),
            ]
        return items
    months = base.monthly[base.monthly["kpi"] == "nps"] if has_nps else base.monthly
    if name == "trend" and has_nps and (months["n"] >= base.min_n).sum() >= 3:
        title = _tx("headings.trend", lang)
        return [head("trend"), _figure(base, "trend", lang, title), read(trend_reading(base, lang))]
    if name == "retention" and base.yearly is not None and len(base.yearly):
        frame = retention_frame(base, lang)
        shares = list(frame.columns[-2:])
        return [
            head("retention"),
            display.table(frame, lang, percent=shares, decimals=dict.fromkeys(shares, 1)),
            read(retention_reading(base, lang)),
        ]
    if name == "cohorts" and base.cohorts is not None and len(base.cohorts) >= 3:
        title = _tx("headings.cohorts", lang)
        return [
            head("cohorts"),
            _figure(base, "cohorts", lang, title),
            read(cohorts_reading(base, lang)),
        ]
    if name == "economics" and base.economics is not None:
        opts = params.analysis.kpi
        key = "periods" if base.economics.model == "contractual" else "periods_repurchase"
        note = _tx(
            f"notes.{key}",
            lang,
            rate=fmt.percent(opts.discount_rate, 0, lang),
            margin_rate=fmt.percent(opts.margin_rate, 0, lang),
        )
        return [
            head("economics"),
            read(economics_reading(base, params, lang)),
            display.note(note, "info", lang),
        ]
    if name == "drivers" and base.drivers is not None:
        title = _tx("headings.drivers", lang)
        items = [head("drivers"), _figure(base, "drivers", lang, title)]
        return [
            *items,
            read(drivers_reading(base, lang)),
            display.table(drivers_frame(base, lang), lang),
        ]
    if name == "warning" and base.warning is not None:
        return [
            head("warning"),
            display.table(warning_frame(base, lang), lang),
            read(warning_reading(base, lang)),
        ]
    return []
