"""Words and tables of the KPI section: the baseline table, readings, key message.

Every text comes from the catalogue (``cxlib/texts/<lang>/kpis.yaml``); the
numbers from a :class:`cxlib.kpis.analysis.Baseline`. Figures on fewer than
``min_n`` answers are never shown as numbers; below ``small_n`` they carry
the "geringe Aussagekraft (n = …)" marker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.report import blocks as display
from cxlib.report.summary import Statement
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.kpis.analysis import Baseline


def _tx(key: str, lang: str, **values: Any) -> str:
    return t(f"kpis.{key}", lang, **values)


def value_text(kpi: str, value: float, lang: str, unit: str = "") -> str:
    """A KPI value as the report writes it: +12 (NPS), 56,7 %, 4,74, 1.410 €."""
    if value is None or not np.isfinite(value):
        return fmt.MISSING
    if kpi == "nps":
        return fmt.signed(value, 0, lang)
    if kpi == "ces":
        return fmt.number(value, 2, lang)
    if unit == "€":
        return f"{fmt.number(value, 0 if abs(value) >= 100 else 2, lang)}\u00a0€"
    return fmt.percent(value / 100, 1, lang)


def kpi_name(kpi: str, base: Baseline, lang: str) -> str:
    """The KPI's display name, with year, months or window where it has one."""
    year = int(base.yearly["year"].iloc[-1]) if base.yearly is not None and len(base.yearly) else ""
    eco = base.economics
    if kpi in ("retention", "churn", "upsell"):
        return _tx(f"names.{kpi}", lang, year=year)
    if kpi == "early_churn":
        return _tx("names.early_churn", lang, months=max(e.months for e in base.early))
    if kpi == "arpu":
        return _tx(f"names.arpu_{eco.arpu_period if eco else 'month'}", lang)
    if kpi == "repurchase":
        return _tx("names.repurchase", lang, days=eco.repurchase_window_days if eco else "")
    return _tx(f"names.{kpi}", lang)


def reliability_text(reliability: str, n: int, lang: str) -> str:
    if reliability == "low":
        return display.small_n_text(n, lang)
    if reliability == "none":
        return _tx("reliability.none", lang, n=fmt.integer(n, lang))
    return _tx("reliability.ok", lang)


def _with_interval(
    kpi: str, value: float, low: float, high: float, lang: str, unit: str = ""
) -> str:
    text = value_text(kpi, value, lang, unit)
    if np.isfinite(low) and np.isfinite(high):
        text += f" ({value_text(kpi, low, lang, unit)} – {value_text(kpi, high, lang, unit)})"
    return text


def _mdc_text(kpi: str, mdc: float, unit: str, lang: str) -> str:
    if not np.isfinite(mdc):
        return fmt.MISSING
    points = {"%": " %-Pkt." if lang == "de" else " pp", "": ""}.get(unit, "")
    if kpi == "nps":
        points = " Pkt." if lang == "de" else " pts"
    return "± " + fmt.number(mdc, 2 if kpi == "ces" else 1, lang) + points


def baseline_frame(base: Baseline, lang: str) -> pd.DataFrame:
    """The baseline table as display text (one row per KPI)."""
    rows = []
    for row in base.to_frame().itertuples(index=False):
        shown = row.reliability != "none"
        value = fmt.MISSING
        if shown:
            value = _with_interval(row.kpi, row.value, row.low, row.high, lang, row.unit)
        rows.append(
            {
                _tx("columns.level", lang): _tx(f"levels.{row.level}", lang),
                _tx("columns.kpi", lang): kpi_name(row.kpi, base, lang),
                _tx("columns.value_interval", lang): value,
                _tx("columns.n", lang): fmt.integer(row.n, lang),
                _tx("columns.reliability", lang): reliability_text(row.reliability, row.n, lang),
                _tx("columns.trend", lang): _tx(f"trend.{row.trend}", lang),
                _tx("columns.target", lang): value_text(row.kpi, row.target, lang, row.unit),
                _tx("columns.mdc", lang): _mdc_text(row.kpi, row.mdc, row.unit, lang),
            }
        )
    return pd.DataFrame(rows)


def baseline_table(base: Baseline, lang: str = "de") -> Any:
    """The baseline table as report HTML: one table per level, the level as caption."""
    from IPython.display import HTML

    if base.to_frame().empty:  # a new client without customer, survey or revenue data
        return display.note(_tx("notes.no_figures", lang), lang=lang)
    frame = baseline_frame(base, lang)
    level = _tx("columns.level", lang)
    if base.to_frame()["target"].isna().all():  # no targets set: no empty column
        frame = frame.drop(columns=_tx("columns.target", lang))
    parts = [
        display.table(part.drop(columns=level), lang, caption=name).data
        for name, part in frame.groupby(level, sort=False)
    ]
    return HTML("".join(parts))


def comparison_frame(base: Baseline, lang: str, dimension: str | None = None) -> pd.DataFrame:
    """NPS and CSAT per group of the main dimension with the test result."""
    dim = dimension or base.main_dimension()
    comp = base.comparisons[base.comparisons["dimension"] == dim]
    rows = []
    for group, part in comp.groupby("group", sort=False):
        n = int(part["n"].max())
        record = {_tx("columns.group", lang): group, _tx("columns.n", lang): fmt.integer(n, lang)}
        for row in part.itertuples(index=False):
            name = "NPS" if row.kpi == "nps" else "CSAT"
            shown = base.reliability(row.n) != "none"
            value = _with_interval(row.kpi, row.value, row.low, row.high, lang)
            if np.isnan(row.p_holm):
                diff = "untested"
            else:
                diff = "above" if row.direction > 0 else "below" if row.direction < 0 else "none"
            record[f"{name} ({_tx('columns.interval', lang)})"] = value if shown else fmt.MISSING
            record[f"{name}: {_tx('columns.difference', lang)}"] = _tx(f"difference.{diff}", lang)
        record[_tx("columns.reliability", lang)] = reliability_text(base.reliability(n), n, lang)
        rows.append(record)
    return pd.DataFrame(rows)


def groups_reading(base: Baseline, lang: str, dimension: str | None = None) -> str:
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
    e = base.experience["nps"]
    return _tx(
        "readings.ppd",
        lang,
        promoters=fmt.percent(e.promoter_share / 100, 0, lang),
        detractors=fmt.percent(e.detractor_share / 100, 0, lang),
        nps=fmt.signed(e.value, 0, lang),
    )


def trend_reading(base: Baseline, lang: str) -> str:
    nps = base.monthly[(base.monthly["kpi"] == "nps") & (base.monthly["n"] >= base.min_n)]
    return _tx(
        "readings.trend",
        lang,
        low=fmt.signed(nps["value"].min(), 0, lang),
        high=fmt.signed(nps["value"].max(), 0, lang),
        trend=_tx(f"trend.{base.trends.get('nps', 'none')}", lang),
    )


def retention_frame(base: Baseline, lang: str) -> pd.DataFrame:
    y = base.yearly
    return pd.DataFrame(
        {
            _tx("columns.year", lang): y["year"].astype(str),
            _tx("columns.start", lang): y["start"],
            _tx("columns.new", lang): y["new"],
            _tx("columns.lost", lang): y["lost"],
            _tx("columns.end", lang): y["end"],
            kpi_name("churn", base, lang).rsplit(" ", 1)[0]: y["churn"],
            kpi_name("retention", base, lang).rsplit(" ", 1)[0]: y["retention"],
        }
    )


def retention_reading(base: Baseline, lang: str) -> str:
    last = base.yearly.iloc[-1]
    text = _tx(
        "readings.retention",
        lang,
        year=int(last["year"]),
        lost=fmt.integer(last["lost"], lang),
        start=fmt.integer(last["start"], lang),
        churn=fmt.percent(last["churn"], 1, lang),
        retention=fmt.percent(last["retention"], 1, lang),
    )
    for item in base.early:
        if item.n >= base.min_n:
            text += " " + _tx(
                "readings.early",
                lang,
                share=fmt.percent(item.share, 1, lang),
                months=item.months,
                n=fmt.integer(item.n, lang),
            )
    return text


def cohorts_reading(base: Baseline, lang: str) -> str:
    share = base.cohorts[12].mean() if 12 in base.cohorts else np.nan
    return _tx("readings.cohorts", lang, share=fmt.percent(share, 0, lang))


def economics_reading(base: Baseline, params: Any, lang: str) -> str:
    eco, opts = base.economics, params.analysis.kpi
    money = lambda v: value_text("arpu", v, lang, "€")  # noqa: E731
    if eco.model == "contractual":
        return _tx(
            "readings.economics_contract",
            lang,
            arpu=money(eco.arpu),
            margin=money(eco.margin),
            margin_rate=fmt.percent(opts.margin_rate, 0, lang),
            churn=fmt.percent(1 - eco.retention, 2, lang),
            clv=money(eco.clv_discounted),
            rate=fmt.percent(opts.discount_rate, 0, lang),
            simple=money(eco.clv_simple),
        )
    return _tx(
        "readings.economics_repurchase",
        lang,
        arpu=money(eco.arpu),
        retained=fmt.percent(eco.retention, 0, lang),
        rate=fmt.percent(opts.discount_rate, 0, lang),
        clv=money(eco.clv_discounted),
        one_time=fmt.percent(eco.one_time_share, 0, lang),
    )


def item_label(item: str) -> str:
    """``item_rechnung_verstaendlich`` → "Rechnung verstaendlich" (client's own item name)."""
    return str(item).removeprefix("item_").replace("_", " ").capitalize()


def drivers_frame(base: Baseline, lang: str) -> pd.DataFrame:
    d = base.drivers.table
    interval = [
        f"{fmt.percent(lo / 100, 0, lang)} – {fmt.percent(hi / 100, 0, lang)}"
        for lo, hi in zip(d["share_low"], d["share_high"], strict=True)
    ]
    return pd.DataFrame(
        {
            _tx("columns.item", lang): d["item"].map(item_label),
            _tx("columns.share", lang): [fmt.percent(s / 100, 0, lang) for s in d["share"]],
            _tx("columns.interval", lang): interval,
            _tx("columns.performance", lang): [fmt.number(p, 2, lang) for p in d["performance"]],
        }
    )


def drivers_reading(base: Baseline, lang: str) -> str:
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


def warning_frame(base: Baseline, lang: str) -> pd.DataFrame:
    w = base.warning
    columns = [*w.available, "two_or_more"]
    frame = w.monthly[["month", "customers", *columns]].copy()
    frame["month"] = [fmt.month(m, lang) for m in frame["month"]]
    names = {s: _tx(f"signals.{s}", lang) for s in columns}
    names.update(month=_tx("columns.month", lang), customers=_tx("columns.customers", lang))
    return frame.rename(columns=names)


def warning_reading(base: Baseline, lang: str) -> str:
    w = base.warning
    last = w.monthly.iloc[-1]
    return _tx(
        "readings.warning",
        lang,
        month=fmt.month(w.latest_month, lang),
        flagged=fmt.integer(len(w.flagged), lang),
        customers=fmt.integer(last["customers"], lang),
    )


def missing_text(base: Baseline, lang: str) -> str | None:
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
        light = "green" if e.low > 0 else "red" if e.high < 0 else "amber"
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


def figures(base: Baseline) -> dict[str, Any]:
    """Key figures for results.json (JSON-able)."""
    frame = base.to_frame().replace({np.nan: None})
    out: dict[str, Any] = {"baseline": frame.to_dict(orient="records")}
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
    return out
