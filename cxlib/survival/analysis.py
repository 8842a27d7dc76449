"""The churn section of the report: all survival results of one client, and their words.

:func:`analyse` runs the whole analysis on a client's data (survival table,
Kaplan-Meier overall and per group, log-rank tests, the Cox model of early
churn, competing risks by churn reason, the time-varying model of the
early-warning signals (:mod:`cxlib.survival.signal_model`) and the ranked churn drivers
linked to the chosen journey (:mod:`cxlib.survival.drivers`)) and returns a frozen
:class:`SurvivalReport` whose methods give the notebook its tables, readings,
summary statements, ``results.json`` figures and the risk list. A client
without customer data, or without a single churn yet, gets a
:class:`SurvivalUnavailable` instead: the section then says what is missing
and the rest of the report is written as usual.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.exceptions import CXError
from cxlib.io.exports import write_excel_csv
from cxlib.report.summary import Statement
from cxlib.survival.competing_risks import CumulativeIncidence, cumulative_incidence
from cxlib.survival.cox import CoxModel, fit
from cxlib.survival.curves import KaplanMeier, KaplanMeierGroups, LogRank, kaplan_meier, logrank
from cxlib.survival.drivers import ChurnDrivers, Driver, rank_drivers
from cxlib.survival.errors import NoCustomersError, NoEventsError, SurvivalError
from cxlib.survival.signal_model import SignalModel, fit_signal_model
from cxlib.survival.table import DAYS_PER_MONTH, SurvivalData, build_survival_table, cox_population
from cxlib.texts import t

#: Traffic light of early churn (share lost in the first 6 months): a choice.
EARLY_CHURN_AMBER, EARLY_CHURN_RED = 0.05, 0.15
#: Events per model column the Cox model needs at least (rule of thumb).
EVENTS_PER_COLUMN = 10
DAYS_PER_WEEK = 7.0
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
#: Days per unit of SurvivalOptions.time_unit (the curves' time axis).
UNIT_DAYS = {"months": DAYS_PER_MONTH, "weeks": DAYS_PER_WEEK, "days": 1.0}


@dataclass(frozen=True)
class SurvivalUnavailable:
    """The churn section of a client whose data allow no survival analysis yet.

    ``reason`` is ``customers`` (no customers table) or ``events`` (not a
    single churn up to ``cutoff``). The section shows :meth:`note` in place of
    its charts, makes no summary statement and records ``available: false``.
    """

    reason: Literal["customers", "events"]
    cutoff: dt.date
    available: ClassVar[bool] = False

    def key_message(self, lang: str = "de") -> str:
        """The section's key message (heading subtitle): what cannot be said yet."""
        return t(f"survival.unavailable.{self.reason}.key_message", lang)

    def note(self, lang: str = "de") -> str:
        """What is missing and what to deliver."""
        cutoff = fmt.date(self.cutoff, lang)
        return t(f"survival.unavailable.{self.reason}.note", lang, cutoff=cutoff)

    def statements(self, lang: str = "de") -> list[Statement]:
        """No summary statement without an analysis."""
        return []

    def figures(self) -> dict[str, Any]:
        """``results.json``: that the analysis is missing, and why."""
        return {"available": False, "reason": self.reason}


@dataclass(frozen=True)
class SurvivalReport:
    """Everything the churn section shows, computed once."""

    available: ClassVar[bool] = True

    data: SurvivalData
    overall: KaplanMeier
    new: KaplanMeier | None
    groups: dict[str, KaplanMeierGroups]
    tests: dict[str, LogRank]
    model: CoxModel | None
    model_note: str | None
    model_frame: pd.DataFrame = field(repr=False)
    followup_days: float | None
    horizons: tuple[int, ...]
    small_n: int
    min_n: int
    risk_horizon_months: int
    risk_factors: int
    reasons: CumulativeIncidence | None = None
    early: tuple[int, int] = (2, 90)  # early tickets: minimum and days
    signals: SignalModel | None = None
    drivers: ChurnDrivers | None = None
    time_unit: str = "months"

    # --- figures -----------------------------------------------------------------
    @property
    def best_grouping(self) -> str | None:
        """The grouping whose curves differ most (largest log-rank statistic)."""
        if not self.tests:
            return None
        return max(self.tests, key=lambda name: self.tests[name].statistic)

    def early_churn(self, months: int = 6) -> float:
        """Share of new customers lost within ``months`` (all customers if none are new)."""
        curve = self.new or self.overall
        return 1.0 - curve.survival_at(months * DAYS_PER_MONTH)

    def horizon_frame(self) -> pd.DataFrame:
        """Survival, interval and numbers at risk at each horizon (months)."""
        rows = []
        for m in self.horizons:
            days = m * DAYS_PER_MONTH
            low, high = self.overall.interval_at(days)
            at = self.overall.table[self.overall.table["time"] >= days]["at_risk"]
            rows.append(
                {
                    "months": m,
                    "survival": self.overall.survival_at(days),
                    "low": low,
                    "high": high,
                    "at_risk": int(at.iloc[0]) if len(at) else 0,
                    "rmst_months": self.overall.rmst(days) / DAYS_PER_MONTH,
                }
            )
        return pd.DataFrame(rows)

    def significant_drivers(self, limit: int = 3) -> pd.DataFrame:
        """Significant hazard ratios (p < 0.05), strongest effects first."""
        if self.model is None:
            return pd.DataFrame(columns=["hr", "low", "high", "p"])
        hr = self.model.hazard_ratios
        hr = hr[hr["p"] < 0.05]
        return hr.loc[np.abs(np.log(hr["hr"])).sort_values(ascending=False).index].head(limit)

    def reasons_reading(self, lang: str = "de") -> str:
        """The most frequent churn reason after 24 months (competing risks)."""
        at = self.reasons.at(24 * DAYS_PER_MONTH)
        top = at.idxmax()
        return t("survival.reasons_reading", lang, reason=top, share=fmt.percent(at[top], 1, lang))

    def figures(self) -> dict[str, Any]:
        """Key figures for results.json (plain numbers)."""
        horizons = self.horizon_frame()
        out: dict[str, Any] = {
            "available": True,
            "definition": self.data.definition,
            "customers": self.data.n,
            "churns": self.data.n_events,
            "left_truncated": self.data.left_truncated,
            "inactivity_days": self.data.inactivity_days,
            "median_months": _months(self.overall.median),
            "median_reached": self.overall.median is not None,
            "early_churn_6_months": self.early_churn(6),
            "horizons": horizons.to_dict(orient="records"),
            "logrank": {
                k: {"statistic": v.statistic, "df": v.df, "p": v.p} for k, v in self.tests.items()
            },
        }
        if self.drivers is not None:
            out["drivers"] = self.drivers.to_frame().to_dict(orient="records")
            out["drivers_selected_journey"] = self.drivers.selected_journey
        if self.signals is not None:
            out["signals"] = _signal_figures(self.signals)
        if self.reasons is not None:
            out["reasons_24_months"] = self.reasons.at(24 * DAYS_PER_MONTH).to_dict()
        if self.model is not None:
            hr = self.model.hazard_ratios
            out["cox"] = {
                "n": self.model.n,
                "churns": self.model.n_events,
                "followup_months": _months(self.followup_days),
                "concordance": self.model.concordance,
                "ph_violated": list(self.model.ph_test.index[self.model.ph_test["violated"]]),
                "hazard_ratios": hr[["hr", "low", "high", "p"]].reset_index().to_dict("records"),
            }
        return out

    # --- words -------------------------------------------------------------------
    def label(self, column: str, lang: str) -> str:
        """A model column in words: 'Gewinnungskanal „Website“'."""
        name, _, level = column.partition(": ")
        words = t(f"survival.covariates.{name}", lang, n=self.early[0], days=self.early[1])
        return t("survival.quoted", lang, words=words, level=level) if level else words

    def reference(self, column: str) -> str | None:
        """The reference level of a categorical model column."""
        name, _, level = column.partition(": ")
        levels = self.model.design.levels.get(name) if self.model else None
        return levels[0] if levels and level else None

    def driver_sentence(self, column: str, lang: str) -> str:
        """One hazard ratio in plain words ("… kündigen 2,1-mal so häufig").

        A category level with a lower risk than the reference is turned round
        (the reference churns x-times as often), which reads more easily.
        """
        row = self.model.hazard_ratios.loc[column]
        ref = self.reference(column)
        hr, low, high = row["hr"], row["low"], row["high"]
        name, _, level = column.partition(": ")
        who = self.label(column, lang)
        if ref and hr < 1:
            hr, low, high = 1 / hr, 1 / high, 1 / low
            who, ref = self.label(f"{name}: {ref}", lang), level
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

    def headline_driver(self) -> str | None:
        """The driver for the key message: early trouble if secured, else the strongest."""
        drivers = self.significant_drivers(10)
        if "early_tickets" in drivers.index and drivers.loc["early_tickets", "hr"] > 1:
            return "early_tickets"
        return drivers.index[0] if len(drivers) else None

    # --- churn drivers: ranked, linked to the journey and the early-warning signals ----
    def top_drivers(self, n: int = 3) -> tuple[Driver, ...]:
        """The ``n`` most important secured drivers (see :mod:`cxlib.survival.drivers`)."""
        return self.drivers.top(n) if self.drivers is not None else ()

    def signal_label(self, name: str, lang: str = "de") -> str:
        """An early-warning signal in words ('sinkende Nutzung')."""
        return t(f"kpis.signals.{name}", lang)

    def signal_when(self, lang: str = "de") -> str:
        """When a signal counts: 'im Vormonat' or 'in den 2 Vormonaten'."""
        window = self.signals.window_months if self.signals is not None else 1
        key = "survival.signal_when_one" if window == 1 else "survival.signal_when_many"
        return t(key, lang, n=fmt.integer(window, lang))

    def signal_sentence(self, name: str, lang: str = "de") -> str:
        """One signal hazard ratio in plain words."""
        row = self.signals.model.hazard_ratios.loc[name]
        return t(
            "survival.driver_signal",
            lang,
            signal=self.signal_label(name, lang),
            when=self.signal_when(lang),
            hr=fmt.number(row["hr"], 1, lang),
            low=fmt.number(row["low"], 1, lang),
            high=fmt.number(row["high"], 1, lang),
        )

    def driver_who(self, driver: Driver, lang: str = "de", *, cell: bool = False) -> str:
        """The risk side of a driver in words ('Kunden mit Gewinnungskanal „Website“').

        ``cell``: the words for the drivers table, under its heading 'Kunden mit …'.
        """
        keys = _DRIVER_KEYS[cell]
        if driver.source == "signals":
            return t(
                keys["signal_who"],
                lang,
                signal=self.signal_label(driver.covariate, lang),
                when=self.signal_when(lang),
            )
        if driver.risk_level is not None:
            level = self.label(f"{driver.covariate}: {driver.risk_level}", lang)
            return t(keys["with"], lang, who=level)
        key = keys["without"] if driver.turned else keys["with"]
        return t(key, lang, who=self.label(driver.column, lang))

    def driver_link(self, driver: Driver, lang: str = "de", *, cell: bool = False) -> str:
        """Journey (phase) of a driver in words, '(gewählt)' for the chosen journey."""
        keys = _DRIVER_KEYS[cell]
        if driver.phase is None:
            return t(keys["no_phase"], lang)
        if driver.journey is None:
            return t(keys["phase_only"], lang, phase=driver.phase)
        key = keys["chosen"] if driver.chosen else keys["journey"]
        return t(key, lang, journey=driver.journey, phase=driver.phase)

    def driver_signal(self, driver: Driver, lang: str = "de", *, cell: bool = False) -> str:
        """The early-warning signal that catches a driver early, in words."""
        keys = _DRIVER_KEYS[cell]
        if driver.source == "signals":
            return t(keys["itself"], lang)
        if driver.signal is None:
            return t(keys["no_signal"], lang)
        return t(keys["signal"], lang, signal=self.signal_label(driver.signal, lang))

    def driver_text(self, driver: Driver, lang: str = "de") -> str:
        """A driver as one line: hazard reading · who · journey · early-warning signal."""
        sentence = (
            self.signal_sentence(driver.column, lang)
            if driver.source == "signals"
            else self.driver_sentence(driver.column, lang)
        )
        share = t(
            f"survival.drivers_share_{driver.unit}",
            lang,
            share=share_text(driver.share_exposed, lang),
        )
        parts = [sentence.rstrip("."), share, self.driver_link(driver, lang)]
        parts.append(self.driver_signal(driver, lang))
        return " · ".join(parts) + "."

    def drivers_statement(self, lang: str = "de") -> str | None:
        """The top drivers with their share of churns, and which belong to the chosen journey."""
        top = self.top_drivers(3)
        if not top:
            return None
        items = "; ".join(
            t(
                "survival.drivers_item",
                lang,
                who=self.driver_who(d, lang),
                share=share_text(d.attributable_low, lang),
            )
            for d in top
        )
        text = t("survival.drivers_statement", lang, items=items)
        journey = self.drivers_journey_sentence(lang)
        return f"{text} {journey}" if journey else text

    def drivers_journey_sentence(self, lang: str = "de") -> str | None:
        """Which of the top drivers belong to the chosen journey (None without a choice)."""
        journey = self.drivers.selected_journey if self.drivers is not None else None
        top = self.top_drivers(3)
        if not journey or not top:
            return None
        mine = [self.driver_who(d, lang) for d in top if d.chosen]
        if mine:
            return t("survival.drivers_in_journey", lang, journey=journey, who="; ".join(mine))
        return t("survival.drivers_not_in_journey", lang, journey=journey)

    def key_message(self, lang: str = "de") -> str:
        """The section's key message: early churn and the strongest driver."""
        text = t(
            "survival.key_early",
            lang,
            share=fmt.percent(self.early_churn(6), 0, lang),
            who=t(f"survival.who_{'new' if self.new else 'all'}", lang),
        )
        driver = self.headline_driver()
        if driver:
            text += " " + self.driver_sentence(driver, lang)
        return text

    def median_text(self, lang: str = "de") -> str:
        """The median lifetime, or "nicht erreicht" when S(t) stays above one half."""
        if self.overall.median is None:
            return t("survival.median_not_reached", lang)
        return t("survival.months", lang, n=fmt.number(_months(self.overall.median), 0, lang))

    def statements(self, lang: str = "de") -> list[Statement]:
        """The section's 1-2 summary statements, most important first."""
        early = self.early_churn(6)
        light = (
            "red"
            if early >= EARLY_CHURN_RED
            else "amber"
            if early >= EARLY_CHURN_AMBER
            else ("green")
        )
        first = Statement(
            t("survival.statement_title", lang) + ": " + self.key_message(lang), light, "survival"
        )
        twelve = 12 * DAYS_PER_MONTH
        low, high = self.overall.interval_at(twelve)
        second = t(
            "survival.statement_median",
            lang,
            median=self.median_text(lang),
            share=fmt.percent(self.overall.survival_at(twelve), 0, lang),
            low=fmt.percent(low, 0, lang),
            high=fmt.percent(high, 0, lang),
            n=fmt.integer(self.data.n, lang),
        )
        out = [first, Statement(second, "grey", "survival")]
        drivers = self.drivers_statement(lang)
        if drivers:
            out.append(Statement(drivers, "grey", "survival"))
        return out

    # --- risk list ---------------------------------------------------------------
    def risk_list(self, lang: str = "de") -> pd.DataFrame:
        """Active customers in the model's window: churn probability and top risk factors.

        Probability of leaving within ``risk_horizon_months`` (capped at the
        model's follow-up window), given the customer is still there today.
        """
        columns = [t(f"survival.risk_{c}", lang) for c in ("id", "tenure", "factors")]
        if self.followup_days is None:
            head = t("survival.risk_probability", lang, months=self.risk_horizon_months)
        else:
            months = round(self.followup_days / DAYS_PER_MONTH)
            head = t("survival.risk_probability_window", lang, months=months)
        columns.insert(2, head)
        if self.model is None:
            return pd.DataFrame(columns=columns)
        frame = self.model_frame
        active = frame[~frame["event"].astype(bool)]
        if self.followup_days is not None:
            active = active[active["duration"] * DAYS_PER_WEEK < self.followup_days]
        now = active["duration"].to_numpy()
        later = now + self.risk_horizon_months * DAYS_PER_MONTH / DAYS_PER_WEEK
        if self.followup_days is not None:
            later = np.minimum(later, np.ceil(self.followup_days / DAYS_PER_WEEK))
        times = np.unique(np.concatenate([now, later]))
        surv = self.model.predict_survival(active, times).to_numpy()
        pos_now, pos_later = np.searchsorted(times, now), np.searchsorted(times, later)
        rows = np.arange(len(active))
        prob = 1.0 - surv[rows, pos_later] / surv[rows, pos_now]
        coef = self.model.hazard_ratios["coef"].to_numpy()
        contrib = self.model.design.matrix(active) * coef
        order = np.argsort(-contrib, axis=1)[:, : self.risk_factors]
        names = np.array([self.label(c, lang) for c in self.model.design.columns], dtype=object)
        raising = np.take_along_axis(contrib, order, axis=1) > 0  # strongest first
        factors = fmt.join_where(names[order], raising)
        out = pd.DataFrame(
            {
                columns[0]: active["customer_id"].to_numpy(),
                columns[1]: np.round(now * DAYS_PER_WEEK / DAYS_PER_MONTH, 1),
                columns[2]: np.round(prob, 4),
                columns[3]: factors,
            }
        )
        return out.sort_values(columns[2], ascending=False, kind="stable").reset_index(drop=True)

    def write_risk_list(
        self, output_dir: str | Path | None, lang: str = "de", risks: pd.DataFrame | None = None
    ) -> Path | None:
        """Write the risk list as ``risikoliste.csv`` (Excel: ``;``, decimal comma, BOM).

        ``risks``: the :meth:`risk_list` if the caller has it already.
        """
        if not output_dir:
            return None
        risks = self.risk_list(lang) if risks is None else risks
        return write_excel_csv(risks, Path(output_dir) / "risikoliste.csv", lang)


def share_text(share: float, lang: str = "de") -> str:
    """A share as percent; one decimal below 10 % so that small shares do not read as 0 %."""
    return fmt.percent(share, 1 if share < 0.095 else 0, lang)


def _months(days: float | None) -> float | None:
    return (
        None
        if days is None or (isinstance(days, float) and math.isnan(days))
        else (days / DAYS_PER_MONTH)
    )


def _signal_figures(signals: SignalModel) -> dict[str, Any]:
    """The signal model for results.json (plain numbers; dates as ISO text)."""
    out: dict[str, Any] = {
        "note": signals.note,
        "window_months": signals.window_months,
        "first_month": None if signals.first_month is None else f"{signals.first_month:%Y-%m}",
        "last_month": None if signals.last_month is None else f"{signals.last_month:%Y-%m}",
        "customers": signals.customers,
        "churns": signals.churns,
        "episodes": len(signals.episodes),
    }
    if signals.model is not None:
        frame = signals.to_frame()
        keep = ["hr", "low", "high", "p", "share_months", "share_churns"]
        out["hazard_ratios"] = frame[keep].reset_index(names="signal").to_dict("records")
    return out


def _signal_model(params: Any, data: Any, table: SurvivalData) -> SignalModel | None:
    """The time-varying model of the early-warning signals (None when switched off)."""
    options = params.analysis.survival
    if not options.signal_covariates:
        return None
    signals = data.get("signals")
    if signals is None or signals.empty:
        return fit_signal_model(table, None, ())
    from cxlib.kpis.early_warning import early_warning

    warning = early_warning(signals, data.get("tickets"), data.get("customers"))
    return fit_signal_model(
        table,
        warning.flags,
        warning.available,
        window_months=options.signal_window_months,
        min_n=params.analysis.min_n,
        small_n=params.analysis.small_n,
    )


def _selected_journey(params: Any) -> str | None:
    """The chosen journey's name (None when the workshop rated none)."""
    from cxlib.journeys.selection import from_workshop

    try:
        selection = from_workshop(params.workshop, params.analysis.journey)
    except CXError:
        return None
    return selection.selected if selection is not None else None


def _weeks(frame: pd.DataFrame) -> pd.DataFrame:
    """Tenure in whole weeks (ties make the Efron fit fast; harmless for churn)."""
    out = frame.copy()
    out["duration"] = np.ceil(out["duration"] / DAYS_PER_WEEK)
    out["entry"] = np.floor(out["entry"] / DAYS_PER_WEEK)
    return out


def _model(
    table: SurvivalData,
    covariates: list[str],
    tests: dict[str, LogRank],
    followup: float | None,
    lang: str,
) -> tuple[CoxModel | None, str | None, pd.DataFrame, float | None]:
    """Fit the early-churn Cox model; fall back to the whole lifetime if too few churns."""
    frame = cox_population(table, followup)
    note = None
    if followup is not None and frame["event"].sum() < 2 * EVENTS_PER_COLUMN:
        frame, followup = cox_population(table, None), None
        note = "survival.model_whole"
    frame = _weeks(frame)
    usable = [c for c in covariates if c in frame.columns]
    usable = [c for c in usable if frame[c].isna().mean() <= 0.5]
    frame = frame.dropna(subset=usable)
    events = int(frame["event"].sum())
    ranked = sorted(usable, key=lambda c: -tests[c].statistic if c in tests else 0.0)
    chosen: list[str] = []
    for name in ranked:
        width = max(1, frame[name].nunique() - 1)
        used = sum(max(1, frame[c].nunique() - 1) for c in chosen)
        if used + width <= events / EVENTS_PER_COLUMN:
            chosen.append(name)
    if len(chosen) < len(usable):
        note = "survival.model_reduced"
    if not chosen:
        return None, "survival.model_none", frame, followup
    try:
        model = fit(frame, "duration", "event", chosen, entry="entry", strict=False)
    except SurvivalError:
        return None, "survival.model_none", frame, followup
    return model, note, frame, followup


def analyse(params: Any, data: Any, lang: str = "de") -> SurvivalReport | SurvivalUnavailable:
    """Run the whole churn analysis of one client (see the module docstring)."""
    try:
        table = build_survival_table(params, data)
    except NoCustomersError:
        return SurvivalUnavailable("customers", params.cutoff)
    except NoEventsError:
        return SurvivalUnavailable("events", params.cutoff)
    options = params.analysis.survival
    f = table.frame
    overall = kaplan_meier(f["duration"], f["event"], entry=f["entry"])
    new_rows = f[f["new"]]
    new = None
    if 0 < len(new_rows) < len(f) and new_rows["event"].any():
        new = kaplan_meier(new_rows["duration"], new_rows["event"])
    groups, tests = {}, {}
    min_n = params.analysis.min_n
    for name in options.group_by:
        if name not in f.columns:
            continue
        labels = f[name].astype("string")
        if name == "early_tickets":
            labels = (
                f[name]
                .map(
                    {
                        True: t("survival.early_yes", lang, n=options.early_ticket_min),
                        False: t("survival.early_no", lang, n=options.early_ticket_min),
                    }
                )
                .astype("string")
            )
        counts = labels.value_counts()
        labels = labels.where(labels.isin(counts[counts >= min_n].index))
        if labels.nunique() < 2:
            continue
        groups[name] = kaplan_meier(f["duration"], f["event"], entry=f["entry"], groups=labels)
        tests[name] = logrank(f["duration"], f["event"], labels, entry=f["entry"])
    followup = options.cox_followup_months * DAYS_PER_MONTH if options.cox_followup_months else None
    model, note, frame, followup = _model(table, list(options.covariates), tests, followup, lang)
    reasons = None
    if f.loc[f["event"], "reason"].notna().any():
        reasons = cumulative_incidence(
            f["duration"],
            f["event"],
            f["reason"],
            entry=f["entry"],
            missing_label=t("survival.reason_missing", lang),
        )
    signals = _signal_model(params, data, table)
    selected = _selected_journey(params)
    drivers = rank_drivers(model, frame, signals, params.workshop, selected)
    return SurvivalReport(
        signals=signals,
        drivers=drivers,
        time_unit=options.time_unit,
        reasons=reasons,
        early=(options.early_ticket_min, options.early_ticket_days),
        data=table,
        overall=overall,
        new=new,
        groups=groups,
        tests=tests,
        model=model,
        model_note=note,
        model_frame=frame,
        followup_days=followup,
        horizons=tuple(options.horizons_months),
        small_n=params.analysis.small_n,
        min_n=min_n,
        risk_horizon_months=options.risk_horizon_months,
        risk_factors=options.risk_factors,
    )
