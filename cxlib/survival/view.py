"""The churn section of the report: the analysis in one language, block by block.

:func:`section` turns the result of :func:`cxlib.survival.analysis.analyse`
into a :class:`~cxlib.report.section.Section` with id ``survival``:

* ``key_message`` (heading subtitle) and ``statements`` (management summary)
  from :mod:`cxlib.survival.statements`;
* ``blocks`` in report order (:data:`BLOCKS`): ``definition`` (how churn is
  defined), ``curve`` (the overall Verbleibkurve), ``horizon`` (survival at
  the horizons), ``group`` (curves of the grouping that differs most),
  ``logrank`` (all groupings' tests), ``model`` (the Cox model: forest plot,
  readings, table, note), ``reasons`` (competing risks), ``drivers`` (the
  ranked churn drivers and the signal model) and ``risk`` (where the risk list
  is); each is built when shown and shows nothing when it does not apply;
* ``figures`` for ``results.json``: the analysis' numbers, the churn reasons
  under the names the report uses;
* ``exports``: the team's one list (:data:`~cxlib.survival.team_list.TEAM_LIST_FILE`):
  the closed loop's call-backs and the highest churn risks merged
  (:mod:`cxlib.survival.team_list`), which :meth:`cxlib.workbook.Workbook.record`
  writes beside the report.

Without an analysis (:class:`~cxlib.survival.analysis.SurvivalUnavailable`)
the ``definition`` block says what is missing, every other block shows
nothing, and there is no statement; the team's list then holds the call-backs
alone (where there are survey scores or tickets).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from cxlib import formatting as fmt
from cxlib.report import blocks as display
from cxlib.report.facts import FactSheet
from cxlib.report.section import Block, Section
from cxlib.survival import plots
from cxlib.survival.body_facts import risk_list_fact
from cxlib.survival.claims import HR_CAP, contrast
from cxlib.survival.driver_wording import drivers_journey_sentence, drivers_similar
from cxlib.survival.facts import facts, forest_more
from cxlib.survival.html_tables import cox_table, drivers_table, horizon_table, logrank_table
from cxlib.survival.readings import (
    conversion_reading,
    definition_note,
    forest_reading,
    group_reading,
    horizon_reading,
    model_note,
    projection_reading,
    reasons_reading,
    sensitivity_reading,
    signals_note,
)
from cxlib.survival.risk_list import active_customers, call_list, risk_list
from cxlib.survival.statements import key_message, statements
from cxlib.survival.table import DAYS_PER_MONTH
from cxlib.survival.team_list import TEAM_LIST_FILE, TeamList, team_facts, team_list
from cxlib.survival.wording import capped, group_label, label, reasons_in_words, signal_label
from cxlib.texts import t

if TYPE_CHECKING:
    import pandas as pd
    from IPython.display import HTML
    from matplotlib.axes import Axes

    from cxlib.survival.analysis import SurvivalReport, SurvivalResult

__all__ = ["BLOCKS", "section"]

#: The section's blocks in report order.
BLOCKS = (
    "definition",
    "curve",
    "horizon",
    "group",
    "logrank",
    "model",
    "reasons",
    "drivers",
    "risk",
)


def section(result: SurvivalResult, lang: str = "de") -> Section:
    """The churn section of ``result`` in ``lang`` (see the module docstring)."""
    definition = partial(_definition_block, result, lang)
    if not result.available:
        blocks: dict[str, Block] = {name: _nothing for name in BLOCKS}
        alone = _team(result, None, lang)  # no risk model: no risks on the list
        return Section(
            "survival",
            key_message(result, lang),
            {**blocks, "definition": definition},
            figures=result.figures(),
            exports={} if alone is None else {TEAM_LIST_FILE: alone.frame(lang)},
            facts=FactSheet(() if alone is None else tuple(team_facts(alone))),
        )
    risks = call_list(risk_list(result, lang), result, lang) if result.model is not None else None
    team = _team(result, risks, lang)
    builders = {
        "curve": _curve_block,
        "horizon": _horizon_block,
        "group": _group_block,
        "logrank": _logrank_block,
        "model": _model_block,
        "reasons": _reasons_block,
        "drivers": _drivers_block,
    }
    blocks = {"definition": definition}
    blocks.update({name: partial(build, result, lang) for name, build in builders.items()})
    blocks["risk"] = partial(_risk_block, result, team, lang)
    sheet = facts(result).plus([] if risks is None else [risk_list_fact(risks)])
    return Section(
        "survival",
        key_message(result, lang),
        blocks,
        statements=tuple(statements(result, lang)),
        figures=_figures(result, lang),
        exports={} if team is None else {TEAM_LIST_FILE: team.frame(lang)},
        facts=sheet if team is None else sheet.plus(team_facts(team)),
    )


def _figures(report: SurvivalReport, lang: str) -> dict[str, object]:
    """The analysis' figures; churns without a recorded reason named in ``lang``."""
    figures = report.figures()
    reasons = reasons_in_words(report, lang)
    if reasons is not None:
        figures["reasons_24_months"] = reasons.at(24 * DAYS_PER_MONTH).to_dict()
    return figures


def _nothing() -> tuple[object, ...]:
    return ()


def _join(*parts: HTML | str) -> tuple[HTML]:
    """Several display snippets as one HTML output (each already escaped)."""
    from IPython.display import HTML

    text = "".join(str(p.data) if hasattr(p, "data") else str(p) for p in parts)
    return (HTML(text),)


def _figure(ax: Axes, title: str, finding: str, lang: str) -> HTML:
    """The chart with an alt text that states its finding (its reading), not just the title."""
    return display.figure(ax.figure, alt=display.chart_alt(title, finding, lang))


def _definition_block(result: SurvivalResult, lang: str) -> tuple[HTML, ...]:
    """How churn is defined for this client, or what is missing for an analysis.

    Without contracts also the one-time buyers (first to second purchase) and how
    early churn moves with the inactivity period.
    """
    note = display.note(definition_note(result, lang), lang=lang)
    if not result.available:
        return (note,)
    extra = [conversion_reading(result, lang), sensitivity_reading(result, lang)]
    readings = [display.reading(text, lang) for text in extra if text]
    return _join(note, *readings) if readings else (note,)


def _curve_block(report: SurvivalReport, lang: str) -> tuple[HTML]:
    """The overall Verbleibkurve with numbers at risk and its reading.

    With contracts also the sBG projection beyond the observed range (dashed) and
    its reading (:mod:`cxlib.survival.projection`).
    """
    title = t("survival.curve_title", lang)
    labelled = {t("survival.all_customers", lang): report.overall}
    projection = report.projection
    extend = None
    if projection is not None:
        extend = float(projection.curve["month"].max()) * DAYS_PER_MONTH / report.unit_days
    ax = plots.km_curves(
        labelled,
        lang=lang,
        unit_days=report.unit_days,
        unit_key=report.time_unit,
        extend_to=extend,
    )
    reading = t("survival.curve_reading", lang)
    if projection is not None:
        c = projection.curve
        plots.projection_curve(
            ax,
            c["month"].to_numpy(),
            c["survival"].to_numpy(),
            c["low"].to_numpy(),
            c["high"].to_numpy(),
            t("survival.projection_label", lang),
            unit_days=report.unit_days,
        )
        reading = f"{reading} {projection_reading(report, lang)}"
    return _join(
        display.subheading(title),
        _figure(ax, title, reading, lang),
        display.reading(reading, lang),
    )


def _horizon_block(report: SurvivalReport, lang: str) -> tuple[HTML]:
    """The horizon reading; the table (the curve's values at 3, 6, 12, 24 months with
    intervals) is for checking it: in the appendix."""
    title = t("survival.horizon_title", lang)
    return _join(
        display.subheading(title),
        display.reading(horizon_reading(report, lang), lang),
        display.appendix(title, horizon_table(report, lang), lang=lang),
    )


def _group_block(report: SurvivalReport, lang: str) -> tuple[HTML, ...]:
    """Curves of the grouping with the clearest difference, small groups marked."""
    name = report.best_grouping
    if name is None:
        return ()
    found = contrast(report.groups[name])
    pair = {found.worst, found.best} if found is not None else set()
    curves, bands = {}, set()
    for group, curve in report.groups[name].curves.items():
        words = group_label(report, name, group, lang)
        if curve.n < report.small_n:
            words = f"{words} – {display.small_n_text(curve.n, lang)}"
        curves[words] = curve
        if group in pair:  # the band only where the reading compares: four bands hide the curves
            bands.add(words)
    title = t("survival.group_title", lang, grouping=t(f"survival.groupings.{name}", lang))
    ax = plots.km_curves(
        curves, lang=lang, unit_days=report.unit_days, unit_key=report.time_unit, bands=bands
    )
    reading = group_reading(report, lang)
    return _join(
        display.subheading(title),
        _figure(ax, title, reading, lang),
        display.reading(reading, lang),
    )


def _logrank_block(report: SurvivalReport, lang: str) -> tuple[HTML, ...]:
    """All groupings' log-rank tests and what "statistisch gesichert" means."""
    if not report.tests:
        return ()
    # for checking the groups' curves (whose reading states the verdict): in the appendix
    return _join(
        display.appendix(
            t("survival.logrank_title", lang),
            logrank_table(report, lang),
            display.reading(t("survival.logrank_reading", lang), lang),
            lang=lang,
        )
    )


def _model_block(report: SurvivalReport, lang: str) -> tuple[HTML]:
    """Forest plot, plain-language readings, hazard-ratio table and the model note."""
    title = display.subheading(t("survival.forest_title", lang))
    if report.model is None:
        note = report.model_note or "survival.model_none"  # no model always comes with a note
        return _join(title, display.note(t(note, lang), lang=lang))

    def words(column: str) -> str:
        return label(report, column, lang)

    secured = {x.name for x in report.claims.findings("cox")}

    def row(column: str) -> str:  # a yes/no column reads "Kunden mit …" like its comparison
        return (
            words(column) if ": " in column else t("survival.drivers_who", lang, who=words(column))
        )

    ax = plots.forest(
        report.model.hazard_ratios,
        lang=lang,
        labels=row,
        secured=secured,
        columns=report.forest_columns(),
        compared=partial(_versus, report, lang),
        cap=HR_CAP,
    )
    reading = t("survival.forest_reading_prefix", lang) + " " + forest_reading(report, lang)
    more = forest_more(report)
    if more:
        reading += " " + t("survival.forest_more", lang, n=fmt.integer(more, lang))
    violated = report.model.ph_test["violated"].any()
    table_title = t("survival.model_table_title", lang)
    return _join(
        title,
        _figure(ax, t("survival.forest_title", lang), forest_reading(report, lang), lang),
        display.reading(reading, lang),
        display.note(model_note(report, lang), kind="warning" if violated else "info", lang=lang),
        display.appendix(
            table_title,
            cox_table(
                report.model,
                lang,
                labels=words,
                claims=report.claims,
                compared=partial(_compared, report, lang),
            ),
            lang=lang,
        ),
    )


def _versus(report: SurvivalReport, lang: str, column: str) -> str:
    """A forest-plot row's comparison group: 'im Vergleich zu Kunden mit „Website“'."""
    reference = report.reference(column)
    if reference is None:
        return t("survival.versus_rest", lang)
    return t("survival.versus_level", lang, level=reference)


def _compared(report: SurvivalReport, lang: str, column: str) -> str:
    """The comparison group of a model column in words: its reference level or 'the rest'."""
    reference = report.reference(column)
    if reference is None:
        return t("survival.compared_rest", lang)
    return t("survival.compared_level", lang, level=reference)


def _reasons_block(report: SurvivalReport, lang: str) -> tuple[HTML, ...]:
    """Cumulative incidence per churn reason (competing risks), if reasons are recorded."""
    reasons = reasons_in_words(report, lang)
    if reasons is None:
        return ()
    title = t("survival.reasons_title", lang)
    reading = reasons_reading(report, lang)
    chart = plots.incidence(reasons, lang=lang, max_time=report.overall.shown_until())
    return _join(
        display.subheading(title),
        _figure(chart, title, reading, lang),
        display.reading(reading, lang),
    )


def _drivers_block(report: SurvivalReport, lang: str) -> tuple[HTML]:
    """The three most important drivers linked to journey and signals, and the signal model."""
    parts: list[HTML | str] = [display.subheading(t("survival.drivers_title", lang))]
    top = report.top_drivers(3)
    if top:
        parts.append(drivers_table(report, lang))
        extra = [drivers_similar(report, lang), drivers_journey_sentence(report, lang)]
        reading = " ".join([t("survival.drivers_reading", lang), *(x for x in extra if x)])
        parts.append(display.reading(reading, lang))
        # no list of the drivers in sentences under it: the table and the forest plot's
        # reading say the same (one sentence per effect there), the print is shorter
        method = t("survival.drivers_method", lang)
        if any(d.source == "signals" for d in top):
            method += " " + t("survival.drivers_method_signals", lang)
        # how the ranking is computed is for checking it: in the appendix
        title = t("survival.drivers_method_title", lang)
        parts.append(display.appendix(title, display.note(method, lang=lang), lang=lang))
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
    note = signals_note(report, lang)
    sm = report.signals
    if sm is not None and sm.model is not None:
        table = cox_table(
            sm.model,
            lang,
            labels=lambda c: signal_label(c, lang),
            claims=report.claims,
            kind="signals",
            compared=lambda _: t("survival.compared_no_signal", lang),
        )
        # how the signals enter the model goes with their table into the appendix
        design = display.note(note, lang=lang) if note else ""
        title = t("survival.signals_title", lang)
        parts.append(display.appendix(title, table, design, lang=lang))
        note = None
    if any(capped(d.hr) for d in top):
        cap = fmt.integer(HR_CAP, lang)
        parts.append(display.note(t("survival.capped_note", lang, cap=cap), lang=lang))
    if note:  # why there is no signal model
        parts.append(display.note(note, lang=lang))
    return _join(*parts)


def _team(result: SurvivalResult, risks: pd.DataFrame | None, lang: str) -> TeamList | None:
    """The team's one list of call-backs, ``risks`` and early warnings (None: nobody to call)."""
    if risks is None and result.call_backs is None and result.warning is None:
        return None
    return team_list(
        result.call_backs, risks, result.calls_per_week, result.codebook, lang, result.warning
    )


def _risk_block(result: SurvivalReport, team: TeamList | None, lang: str) -> tuple[HTML]:
    """Where the team's one list is (it is an export, never shown): who is on it and why,
    the capacity it is planned with, or why there is none."""
    if team is None:
        return (display.note(t("survival.risk_note_empty", lang), lang=lang),)
    values = {
        "file": TEAM_LIST_FILE,
        "customers": fmt.integer(team.customers, lang),
        "call_backs": fmt.integer(team.call_backs, lang),
        "risks": fmt.integer(team.churn_risks, lang),
        "both": fmt.integer(team.both, lang),
        "signals": fmt.integer(team.warnings, lang),
        "weeks": fmt.integer(team.weeks, lang),
        "per_week": fmt.integer(result.calls_per_week, lang),
        "call_weeks": fmt.integer(result.call_weeks, lang),
        "active": fmt.integer(len(active_customers(result)), lang),
    }
    if result.model is None:
        text = t("survival.risk_note_none", lang, **values)
        if team.signal_names:
            text += " " + t("survival.risk_note_signals", lang, signals=values["signals"])
        return (display.note(text, lang=lang),)
    warnings = ""
    if team.signal_names:
        warnings = " " + t("survival.risk_note_signals", lang, signals=values["signals"])
    return (display.note(t("survival.risk_note", lang, **values, warnings=warnings), lang=lang),)
