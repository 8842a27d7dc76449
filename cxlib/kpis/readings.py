"""The words of the KPI section: key message, summary statements and one reading per block.

Every text comes from the catalogue (``cxlib/texts/<lang>/kpis.yaml``), the
numbers from a :class:`cxlib.kpis.analysis.Baseline`; a reading is the one or
two sentences under a block's chart or table that say what it shows. The
tables themselves are in :mod:`cxlib.kpis.tables`, the charts in
:mod:`cxlib.kpis.plots`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cxlib import formatting as fmt
from cxlib.kpis import retention
from cxlib.kpis.body_facts import shown_shares
from cxlib.kpis.facts import early_churn_id, wave_fact_id
from cxlib.kpis.tables import item_label, value_text
from cxlib.kpis.value_at_risk import ValueAtRisk, customer_value, interval_words, money_words
from cxlib.report.summary import Light, Statement
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.kpis.analysis import Baseline


def _tx(key: str, lang: str, **values: object) -> str:
    return t(f"kpis.{key}", lang, **values)


def table_reading(base: Baseline, lang: str) -> str:
    """Under the baseline table: how many answers the next wave is expected to have."""
    if base.expected_n:
        return _tx("readings.table", lang, n_next=fmt.integer(base.expected_n, lang))
    return _tx("readings.table_no_n", lang)


def groups_reading(base: Baseline, lang: str, dimension: str | None = None) -> str:
    """Which groups of ``dimension`` (default: the charted one) differ in NPS from the rest."""
    dim = dimension or base.main_dimension()
    comp = base.comparisons[
        (base.comparisons["dimension"] == dim) & (base.comparisons["kpi"] == "nps")
    ]
    below = ", ".join(comp.loc[comp["direction"] < 0, "group"])
    above = ", ".join(comp.loc[comp["direction"] > 0, "group"])
    if not below and not above:
        return _tx("readings.groups_none", lang)
    return _tx("readings.groups_diff", lang, below=below or fmt.MISSING, above=above or fmt.MISSING)


def ppd_reading(base: Baseline, lang: str) -> str:
    """Shares of promoters and detractors and the NPS they make, as arithmetic that adds up.

    The shares are shown with one decimal and the NPS as their difference
    (computed from the shown shares, so the sentence's subtraction is exact),
    then rounded to the whole NPS the report shows elsewhere. Where one
    decimal would round to another whole number, two (or three) are shown.
    """
    e = base.experience["nps"]
    decimals, promoters, detractors = shown_shares(e)
    difference = (
        f"{fmt.number(float(promoters), decimals, lang)} − "
        f"{fmt.number(float(detractors), decimals, lang)} = "
        f"{fmt.signed(float(promoters - detractors), decimals, lang)}"
    )
    return _tx(
        "readings.ppd",
        lang,
        promoters=fmt.percent(float(promoters) / 100, decimals, lang),
        detractors=fmt.percent(float(detractors) / 100, decimals, lang),
        difference=difference,
        nps=fmt.signed(e.value, 0, lang),
    )


def trend_reading(base: Baseline, lang: str) -> str:
    """Range of the monthly NPS over the months with at least ``small_n`` answers, and the trend.

    Months with fewer answers are in the chart (marked) but not in the range:
    their NPS swings too much to be read as a level. With fewer than two such
    months the reading says so instead of giving a range.
    """
    nps = base.monthly[(base.monthly["kpi"] == "nps") & (base.monthly["n"] >= base.small_n)]
    trend = _tx(f"trend.{base.trends.get('nps', 'none')}", lang)
    if len(nps) < 2:
        return _tx("readings.trend_small", lang, small_n=base.small_n, trend=trend)
    return _tx(
        "readings.trend",
        lang,
        months=len(nps),
        small_n=base.small_n,
        low=fmt.signed(nps["value"].min(), 0, lang),
        high=fmt.signed(nps["value"].max(), 0, lang),
        trend=trend,
    )


def retention_reading(base: Baseline, lang: str) -> str:
    """Lost customers, churn and retention of the last year; early churn where n allows."""
    if base.yearly is None:
        raise ValueError("retention_reading needs the yearly retention (contractual clients)")
    last = base.yearly.iloc[-1]
    text = _tx(
        "readings.retention",
        lang,
        year=int(last["year"]),
        lost=fmt.integer(last["lost"], lang),
        start=fmt.integer(last["start"], lang),
        churn=fmt.percent(last["churn"], 1, lang),
        retention=fmt.percent(retention.shown_complement(last["churn"], 1), 1, lang),
        new=fmt.integer(last["new"], lang),
        lost_new=fmt.integer(last["lost_new"], lang),
    )
    for item in base.early:
        if item.n >= base.min_n:
            text += " " + _tx(
                "readings.early",
                lang,
                share=fmt.percent(item.share, 1, lang),
                months=item.months,
                lost=fmt.integer(item.lost, lang),
                n=fmt.integer(item.n, lang),
                first=fmt.date(item.first_start, lang),
                last=fmt.date(item.last_start, lang),
            )
    return text


def cohorts_reading(base: Baseline, lang: str) -> str:
    """The mean share still customer twelve months after the start, over the cohorts."""
    if base.cohorts is None:
        raise ValueError("cohorts_reading needs the cohort matrix (contractual clients)")
    share = base.cohorts[12].mean() if 12 in base.cohorts else np.nan
    return _tx("readings.cohorts", lang, share=fmt.percent(share, 0, lang))


def economics_reading(base: Baseline, lang: str) -> str:
    """ARPU, margin and CLV with the assumptions they rest on (contract or repurchase view)."""
    eco = base.economics
    if eco is None:
        raise ValueError("economics_reading needs the customer economics")

    def money(value: float) -> str:
        return value_text("arpu", value, lang, "€")

    if eco.model == "contractual":
        return _tx(
            "readings.economics_contract",
            lang,
            arpu=money(eco.arpu),
            margin=money(eco.margin),
            margin_rate=fmt.percent(eco.margin_rate, 0, lang),
            churn=fmt.percent(1 - eco.retention, 2, lang),
            clv=money(eco.clv_discounted),
            rate=fmt.percent(eco.discount_rate, 0, lang),
            simple=money(eco.clv_simple),
        )
    # the one customer value of the report (the purchase model's where fitted)
    one = customer_value(eco, base.customer_base)
    value = one.value if one is not None else eco.clv_discounted
    return _tx(
        "readings.economics_repurchase",
        lang,
        arpu=money(eco.arpu),
        retained=fmt.percent(eco.retention, 0, lang),
        rate=fmt.percent(eco.discount_rate, 0, lang),
        clv=money(value),
        one_time=fmt.percent(eco.one_time_share, 0, lang),
    )


def economics_note(base: Baseline, lang: str) -> str:
    """The note under the economics: periods, discount rate and margin rate of the CLV."""
    eco = base.economics
    if eco is None:
        raise ValueError("economics_note needs the customer economics")
    key = "periods" if eco.model == "contractual" else "periods_repurchase"
    return _tx(
        f"notes.{key}",
        lang,
        rate=fmt.percent(eco.discount_rate, 0, lang),
        margin_rate=fmt.percent(eco.margin_rate, 0, lang),
    )


def _risk_values(risk: ValueAtRisk, lang: str) -> dict[str, str]:
    """The formatted numbers of the euros at risk, for its reading and its statement."""
    low, high = interval_words(risk.interval.low, risk.interval.high, lang)
    return {
        "year": str(risk.year or ""),
        "lost": fmt.integer(risk.lost, lang),
        "of": fmt.integer(risk.of, lang),
        "clv": value_text("clv", risk.clv, lang, "€"),
        "value": money_words(risk.value, lang),
        "low": low,
        "high": high,
    }


def value_reading(base: Baseline, lang: str) -> str:
    """Euros at risk in plain words (with THE customer value; the cross-check is in the note)."""
    risk = base.value_at_risk
    if risk is None:
        raise ValueError("value_reading needs the euros at risk")
    if risk.lost == 0:
        return t("value.reading_none", lang)
    key = "reading_contract" if risk.model == "contractual" else "reading_repurchase"
    return t(f"value.{key}", lang, **_risk_values(risk, lang))


def value_cross_check(base: Baseline, lang: str) -> str:
    """The "simple" customer value, named as a cross-check of THE customer value."""
    risk = base.value_at_risk
    if risk is None:
        raise ValueError("value_cross_check needs the euros at risk")
    lifetime = risk.lifetime_years
    kind = (
        "contract"
        if risk.model == "contractual"
        else "model"
        if risk.basis == "model"
        else "repurchase"
    )
    return t(
        f"value.clv_{kind}",
        lang,
        simple=value_text("clv", risk.clv_simple, lang, "€"),
        clv=value_text("clv", risk.clv, lang, "€"),
        lifetime=fmt.number(lifetime, 0 if lifetime >= 10 else 1, lang),
        rate=fmt.percent(base.economics.discount_rate if base.economics else np.nan, 0, lang),
    )


def value_note(base: Baseline, lang: str) -> str:
    """The note under the euros at risk: formula, "lost", the interval and the cross-check."""
    risk = base.value_at_risk
    if risk is None:
        raise ValueError("value_note needs the euros at risk")
    key = "lost_contract" if risk.model == "contractual" else "lost_repurchase"
    return t(
        "value.note_model" if risk.basis == "model" else "value.note",
        lang,
        lost_definition=t(f"value.{key}", lang),
        cross_check=value_cross_check(base, lang),
    )


def revenue_reading(base: Baseline, lang: str) -> str:
    """With contracts: cancellations expected in the next 12 months and the margin at risk."""
    risk = base.revenue_at_risk
    if risk is None:
        raise ValueError("revenue_reading needs the revenue at risk")
    row = risk.frame.iloc[0]
    euros_low, euros_high = interval_words(row["euros_low"], row["euros_high"], lang)
    return t(
        "value.forecast_reading",
        lang,
        months=fmt.integer(risk.months, lang),
        expected=fmt.number(row["expected"], 1 if row["expected"] < 100 else 0, lang),
        low=fmt.number(row["low"], 1 if row["expected"] < 100 else 0, lang),
        high=fmt.number(row["high"], 1 if row["expected"] < 100 else 0, lang),
        active=fmt.integer(row["active"], lang),
        clv=value_text("clv", risk.clv, lang, "€"),
        value=money_words(row["euros"], lang),
        value_low=euros_low,
        value_high=euros_high,
    )


def value_statement(base: Baseline, lang: str) -> Statement | None:
    """The euros at risk for the management summary: a risk (amber), never green."""
    risk = base.value_at_risk
    if risk is None or risk.lost == 0:
        return None
    key = "statement_contract" if risk.model == "contractual" else "statement_repurchase"
    text = t(f"value.{key}", lang, **_risk_values(risk, lang))
    cited = ("kpi.lost_customers", "kpi.lost_of", "kpi.clv", "kpi.value_at_risk")
    return Statement(text, "amber", "kpi", "risk", cited)


def call_backs_reading(base: Baseline, lang: str) -> str:
    """How many customers to call back and why; the anonymous detractors where there are any."""
    from cxlib.voice.callbacks import CALL_BACK_FILE

    cb = base.call_backs
    if cb is None:
        raise ValueError("call_backs_reading needs the call-back list")
    if cb.customers == 0:
        text = t("voice.reading_none", lang, days=cb.window_days)
    else:
        text = t(
            "voice.reading",
            lang,
            customers=fmt.integer(cb.customers, lang),
            first=fmt.integer(cb.first_priority, lang),
            detractors=fmt.integer(cb.detractors - cb.detractors_anonymous, lang),
            days=cb.window_days,
            open=fmt.integer(cb.open_tickets, lang),
            complaints=fmt.integer(cb.complaints, lang),
            file=CALL_BACK_FILE,
        )
    if cb.detractors_anonymous:
        anonymous = fmt.integer(cb.detractors_anonymous, lang)
        text += " " + t(
            "voice.reading_anonymous",
            lang,
            anonymous=anonymous,
            all_detractors=fmt.integer(cb.detractors, lang),
            days=cb.window_days,
        )
    return text


def drivers_reading(base: Baseline, lang: str) -> str:
    """The strongest driver with its share of the explained recommendation score."""
    if base.drivers is None:
        return _tx("readings.drivers_none", lang)
    top = base.drivers.table.iloc[0]
    return _tx(
        "readings.drivers",
        lang,
        first=item_label(top["item"], lang),
        share=fmt.percent(top["share"] / 100, 0, lang),
        low=fmt.percent(top["share_low"] / 100, 0, lang),
        high=fmt.percent(top["share_high"] / 100, 0, lang),
    )


def warning_reading(base: Baseline, lang: str) -> str:
    """Customers with two or more signals in the latest month, of all customers."""
    w = base.warning
    if w is None:
        raise ValueError("warning_reading needs the early-warning signals")
    last = w.monthly.iloc[-1]
    return _tx(
        "readings.warning",
        lang,
        month=fmt.month(w.latest_month, lang),
        flagged=fmt.integer(len(w.flagged), lang),
        customers=fmt.integer(last["customers"], lang),
    )


def missing_text(base: Baseline, lang: str) -> str | None:
    """The note on missing answers per KPI and driver item; None when none are missing."""
    parts = [f"{k.upper()} {fmt.integer(v, lang)}" for k, v in base.missing.items() if v]
    if base.drivers is not None:
        d = base.drivers.table
        total = int(base.experience["nps"].n)
        parts += [
            f"{item_label(i, lang)} {fmt.integer(total - n, lang)}"
            for i, n in zip(d["item"], d["n"], strict=True)
            if total - n
        ]
    return _tx("notes.missing", lang, details=", ".join(parts)) if parts else None


def _retention_part(base: Baseline, lang: str, key: str) -> str:
    eco = base.economics
    if base.yearly is not None and len(base.yearly):
        last = base.yearly.iloc[-1]
        return _tx(key, lang, year=int(last["year"]), value=fmt.percent(last["retention"], 1, lang))
    if eco is not None and eco.model == "non_contractual":
        return _tx(
            "messages.key_repurchase",
            lang,
            value=fmt.percent(eco.repurchase_rate, 0, lang),
            days=eco.repurchase_window_days,
        )
    return _tx("messages.key_none", lang)


def key_message(base: Baseline, lang: str) -> str:
    """The section's key message (the heading's subtitle)."""
    retention = _retention_part(base, lang, "messages.key_retention")
    e = base.experience.get("nps")
    if e is None or base.reliability(e.n) == "none":
        return _tx("messages.key_no_survey", lang, retention=retention)
    return _tx(
        "messages.key",
        lang,
        nps=fmt.signed(e.value, 0, lang),
        low=fmt.signed(e.low, 0, lang),
        high=fmt.signed(e.high, 0, lang),
        n=fmt.integer(e.n, lang),
        retention=retention,
    )


#: Benchmarks of the summary's lights where the parameters set no target (a choice): NPS 0
#: (as many promoters as detractors), retention 90 %, repurchase 70 %; below a benchmark
#: without an interval the light is amber within the band, red further below.
BENCHMARKS = {"nps": 0.0, "retention": 90.0, "repurchase": 70.0}
AMBER_BANDS = {"retention": 10.0, "repurchase": 20.0}
#: KPIs whose change between survey waves can make a statement, headline first.
CHANGE_KPIS = ("nps", "csat")


def _target(base: Baseline, kpi: str) -> float:
    """The KPI's target from the parameters (in its unit, shares in %), else its benchmark."""
    rows = base.targets
    if len(rows) and "target" in rows:
        values = rows.loc[rows["kpi"] == kpi, "target"].dropna()
        if len(values):
            return float(values.iloc[0])
    return BENCHMARKS[kpi]


def interval_light(low: float, high: float, target: float) -> Light:
    """Green when the whole interval is at or above the target, red when below, else amber."""
    if low >= target:
        return "green"
    return "red" if high < target else "amber"


def value_light(value: float, target: float, band: float) -> Light:
    """Green at or above the target, amber up to ``band`` below it, red further below."""
    if value >= target:
        return "green"
    return "amber" if value >= target - band else "red"


@dataclass(frozen=True)
class WaveChange:
    """The largest significant change between survey waves of one headline KPI."""

    kpi: str
    wave: str
    value: float
    n: int
    #: The other waves together (n-weighted mean).
    rest: float
    #: −1 below the other waves, +1 above.
    direction: int
    #: The wave before the chosen one, where there is one.
    previous: float | None
    #: The latest wave (name, value), where it is not the chosen one.
    latest: tuple[str, float] | None
    is_latest: bool


def largest_change(base: Baseline) -> WaveChange | None:
    """The largest significant change between survey waves of a headline KPI, or None.

    From the section's own wave comparison (each wave against the other waves
    together, Holm-adjusted within the KPI: ``comparisons.different``): the
    first KPI of :data:`CHANGE_KPIS` with a significant wave, and of its
    significant waves the one furthest from the rest. Returns kpi, wave, value,
    n, rest (the other waves together), direction (−1/+1), previous and latest
    (wave, value) where they differ from the chosen wave, and whether the
    chosen wave is the latest.
    """
    comp = base.comparisons
    for kpi in CHANGE_KPIS:
        rows = comp[(comp["dimension"] == "wave") & (comp["kpi"] == kpi)]
        if not len(rows) or not rows["different"].any():
            continue
        rows = rows.sort_values("group", key=lambda g: g.astype(str))
        total, count = float((rows["value"] * rows["n"]).sum()), float(rows["n"].sum())
        rest = (total - rows["value"] * rows["n"]) / (count - rows["n"])
        gap = (rows["value"] - rest).abs().where(rows["different"])
        at = int(np.flatnonzero(rows.index == gap.idxmax())[0])
        chosen = rows.iloc[at]
        return WaveChange(
            kpi=kpi,
            wave=str(chosen["group"]),
            value=float(chosen["value"]),
            n=int(chosen["n"]),
            rest=float(rest.iloc[at]),
            direction=int(chosen["direction"]),
            previous=float(rows["value"].iloc[at - 1]) if at > 0 else None,
            latest=(str(rows["group"].iloc[-1]), float(rows["value"].iloc[-1]))
            if at < len(rows) - 1
            else None,
            is_latest=at == len(rows) - 1,
        )
    return None


def _kpi_value(kpi: str, value: float, lang: str) -> str:
    return fmt.signed(value, 0, lang) if kpi == "nps" else fmt.percent(value / 100, 0, lang)


def change_statement(base: Baseline, lang: str) -> Statement | None:
    """The largest significant change over time (:func:`largest_change`) as a statement.

    Light: a drop in the latest wave red, an earlier drop amber (it happened;
    check that its cause is handled), a rise grey (no target to judge it by).
    """
    change = largest_change(base)
    if change is None:
        return None
    kpi = change.kpi
    context = []
    if change.previous is not None:
        value = _kpi_value(kpi, change.previous, lang)
        context.append(_tx("messages.change_before", lang, value=value))
    if change.latest is not None:
        wave, last = change.latest
        value = _kpi_value(kpi, last, lang)
        context.append(_tx("messages.change_latest", lang, value=value, wave=wave))
    down = change.direction < 0
    text = _tx(
        "messages.statement_change",
        lang,
        kpi=_tx(f"messages.change_kpi.{kpi}", lang),
        wave=change.wave,
        value=_kpi_value(kpi, change.value, lang),
        n=fmt.integer(change.n, lang),
        direction=_tx(f"messages.change_{'below' if down else 'above'}", lang),
        rest=_kpi_value(kpi, change.rest, lang),
        context="; " + ", ".join(context) if context else "",
    )
    light: Light = ("red" if change.is_latest else "amber") if down else "grey"
    cited = [wave_fact_id(kpi, change.wave), f"kpi.{kpi}.wave_rest.{change.wave}"]
    waves = base.comparisons
    waves = waves[(waves["dimension"] == "wave") & (waves["kpi"] == kpi)]["group"].astype(str)
    cited += [wave_fact_id(kpi, w) for w in waves if w != change.wave]
    return Statement(text, light, "kpi", "change", tuple(cited))


def statements(base: Baseline, lang: str) -> list[Statement]:
    """Up to four management-summary statements, most important first.

    NPS (a figure against its target or :data:`BENCHMARKS`, by its interval:
    :func:`interval_light`), the euros at risk (:func:`value_statement`, a
    risk), the largest significant change between survey waves
    (:func:`change_statement`), then retention or repurchase (figures against
    their target or benchmark: :func:`value_light`).
    """
    out = []
    e = base.experience.get("nps")
    if e is not None and base.reliability(e.n) != "none":
        key = "statement_nps_small" if base.reliability(e.n) == "low" else "statement_nps"
        text = _tx(
            f"messages.{key}",
            lang,
            nps=fmt.signed(e.value, 0, lang),
            low=fmt.signed(e.low, 0, lang),
            high=fmt.signed(e.high, 0, lang),
            n=fmt.integer(e.n, lang),
        )
        light = interval_light(e.low, e.high, _target(base, "nps"))
        out.append(Statement(text, light, "kpi", "figure", ("kpi.nps",)))
    money = value_statement(base, lang)
    if money is not None:  # right after the NPS: the director's "what is it worth?"
        out.append(money)
    change = change_statement(base, lang)
    if change is not None:
        out.append(change)
    eco = base.economics
    if base.yearly is not None and len(base.yearly) and base.early:
        last = base.yearly.iloc[-1]
        early = base.early[-1]
        text = _tx(
            "messages.statement_retention",
            lang,
            year=int(last["year"]),
            value=fmt.percent(last["retention"], 1, lang),
            early=fmt.percent(early.share, 0, lang),
            months=early.months,
        )
        target = _target(base, "retention")
        light = value_light(100 * last["retention"], target, AMBER_BANDS["retention"])
        cited = [f"kpi.retention.{int(last['year'])}", f"rule.months.{early.months}"]
        if early.n:
            cited.append(early_churn_id(early.months))
        out.append(Statement(text, light, "kpi", "figure", tuple(cited)))
    elif eco is not None and eco.model == "non_contractual":
        r = eco.repurchase_rate
        text = _tx(
            "messages.statement_repurchase",
            lang,
            rate=fmt.percent(r, 0, lang),
            days=eco.repurchase_window_days,
            one_time=fmt.percent(eco.one_time_share, 0, lang),
        )
        target = _target(base, "repurchase")
        light = value_light(100 * r, target, AMBER_BANDS["repurchase"])
        repurchase = ("kpi.repurchase", "rule.repurchase_window", "kpi.one_time_buyers")
        out.append(Statement(text, light, "kpi", "figure", repurchase))
    return out
