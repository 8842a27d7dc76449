"""The words of the KPI section: key message, summary statements and one reading per block.

Every text comes from the catalogue (``cxlib/texts/<lang>/kpis.yaml``), the
numbers from a :class:`cxlib.kpis.analysis.Baseline`; a reading is the one or
two sentences under a block's chart or table that say what it shows. The
tables themselves are in :mod:`cxlib.kpis.tables`, the charts in
:mod:`cxlib.kpis.plots`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import numpy as np

from cxlib import formatting as fmt
from cxlib.kpis import retention
from cxlib.kpis.tables import item_label, value_text
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


def _rounded(value: float, decimals: int) -> Decimal:
    """``value`` rounded half up as :mod:`cxlib.formatting` shows it."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def ppd_reading(base: Baseline, lang: str) -> str:
    """Shares of promoters and detractors and the NPS they make, as arithmetic that adds up.

    The shares are shown with one decimal and the NPS as their difference
    (computed from the shown shares, so the sentence's subtraction is exact),
    then rounded to the whole NPS the report shows elsewhere. Where one
    decimal would round to another whole number, two (or three) are shown.
    """
    e = base.experience["nps"]
    whole = _rounded(e.value, 0)
    for decimals in (1, 2, 3):
        promoters = _rounded(e.promoter_share, decimals)
        detractors = _rounded(e.detractor_share, decimals)
        if _rounded(float(promoters - detractors), 0) == whole:
            break
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
    return _tx(
        "readings.economics_repurchase",
        lang,
        arpu=money(eco.arpu),
        retained=fmt.percent(eco.retention, 0, lang),
        rate=fmt.percent(eco.discount_rate, 0, lang),
        clv=money(eco.clv_discounted),
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


def drivers_reading(base: Baseline, lang: str) -> str:
    """The strongest driver with its share of the explained recommendation score."""
    if base.drivers is None:
        return _tx("readings.drivers_none", lang)
    top = base.drivers.table.iloc[0]
    return _tx(
        "readings.drivers",
        lang,
        first=item_label(top["item"]),
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
            f"{item_label(i)} {fmt.integer(total - n, lang)}"
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


def statements(base: Baseline, lang: str) -> list[Statement]:
    """One or two management-summary statements: NPS first, then retention/repurchase."""
    out = []
    e = base.experience.get("nps")
    if e is not None and base.reliability(e.n) != "none":
        key = "statement_nps_small" if base.reliability(e.n) == "low" else "statement_nps"
        light: Light = "green" if e.low > 0 else "red" if e.high < 0 else "amber"
        text = _tx(
            f"messages.{key}",
            lang,
            nps=fmt.signed(e.value, 0, lang),
            low=fmt.signed(e.low, 0, lang),
            high=fmt.signed(e.high, 0, lang),
            n=fmt.integer(e.n, lang),
        )
        out.append(Statement(text, light, "kpi"))
    eco = base.economics
    if base.yearly is not None and len(base.yearly) and base.early:
        last = base.yearly.iloc[-1]
        early = base.early[-1]
        light = (
            "green" if last["retention"] >= 0.9 else "amber" if last["retention"] >= 0.8 else "red"
        )
        text = _tx(
            "messages.statement_retention",
            lang,
            year=int(last["year"]),
            value=fmt.percent(last["retention"], 1, lang),
            early=fmt.percent(early.share, 0, lang),
            months=early.months,
        )
        out.append(Statement(text, light, "kpi"))
    elif eco is not None and eco.model == "non_contractual":
        r = eco.repurchase_rate
        text = _tx(
            "messages.statement_repurchase",
            lang,
            rate=fmt.percent(r, 0, lang),
            days=eco.repurchase_window_days,
            one_time=fmt.percent(eco.one_time_share, 0, lang),
        )
        out.append(Statement(text, "green" if r >= 0.7 else "amber" if r >= 0.5 else "red", "kpi"))
    return out
