"""The tables of the KPI section as display text: baseline, groups, retention, drivers, signals.

Each ``*_frame`` function turns part of a :class:`cxlib.kpis.analysis.Baseline`
into a table of formatted text in the run's language (column names from the
catalogue ``cxlib/texts/<lang>/kpis.yaml``), ready for
:func:`cxlib.report.blocks.table`. Figures on fewer than ``min_n`` answers are
never shown as numbers; below ``small_n`` they carry the "geringe
Aussagekraft (n = …)" marker. :func:`value_text` and :func:`kpi_name` write a
KPI's value and name the same way everywhere in the section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.kpis import retention
from cxlib.kpis.intervals import DRAWS
from cxlib.report import blocks as display
from cxlib.texts import t

if TYPE_CHECKING:
    from IPython.display import HTML

    from cxlib.kpis.analysis import Baseline


def _tx(key: str, lang: str, **values: object) -> str:
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
        key = "early_churn" if base.business_model == "contractual" else "early_churn_quiet"
        return _tx(f"names.{key}", lang, months=max(e.months for e in base.early))
    if kpi == "arpu":
        return _tx(f"names.arpu_{eco.arpu_period if eco else 'month'}", lang)
    if kpi == "repurchase":
        return _tx("names.repurchase", lang, days=eco.repurchase_window_days if eco else "")
    return _tx(f"names.{kpi}", lang)


def reliability_text(reliability: str, n: int, lang: str) -> str:
    """The reliability column: ok, the small-n marker, or "not shown" below min_n."""
    if reliability == "low":
        return display.small_n_text(n, lang)
    if reliability == "none":
        return _tx("reliability.none", lang, n=fmt.integer(n, lang))
    return _tx("reliability.ok", lang)


def _with_interval(
    kpi: str, value: float, low: float, high: float, lang: str, unit: str = "", reason: str = ""
) -> str:
    """The value with its interval in brackets, or with the reason it has none."""
    text = value_text(kpi, value, lang, unit)
    if np.isfinite(low) and np.isfinite(high):
        text += f" ({value_text(kpi, low, lang, unit)} – {value_text(kpi, high, lang, unit)})"
    elif reason:
        text += f" ({_tx('no_interval', lang, reason=_tx(f'reasons.{reason}', lang))})"
    return text


def interval_methods(base: Baseline, lang: str) -> str | None:
    """The note under the baseline table: how its intervals were computed (methods shown)."""
    frame = base.to_frame()
    if frame.empty or "method" not in frame:
        return None
    shown = frame.loc[frame["reliability"] != "none", "method"]
    methods = [m for m in ("wilson", "adjusted_wald", "t", "bootstrap") if (shown == m).any()]
    if not methods:
        return None
    parts = [_tx(f"methods.{m}", lang, draws=fmt.integer(DRAWS, lang)) for m in methods]
    return _tx("notes.intervals", lang, methods="; ".join(parts))


def _mdc_text(kpi: str, mdc: float, unit: str, lang: str) -> str:
    decimals = 2 if kpi == "ces" else 1
    # no variation in the data (a rate of 100 %): nothing to detect, never "± 0,0"
    if not np.isfinite(mdc) or round(mdc, decimals) == 0:
        return fmt.MISSING
    points = {"%": " %-Pkt." if lang == "de" else " pp", "": ""}.get(unit, "")
    if kpi == "nps":
        points = " Pkt." if lang == "de" else " pts"
    return "± " + fmt.number(mdc, decimals, lang) + points


def baseline_frame(base: Baseline, lang: str) -> pd.DataFrame:
    """The baseline table as display text (one row per KPI)."""
    rows = []
    for row in base.to_frame().itertuples(index=False):
        shown = row.reliability != "none"
        value = fmt.MISSING
        if shown:
            value = _with_interval(
                row.kpi, row.value, row.low, row.high, lang, row.unit, row.reason
            )
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


def baseline_table(base: Baseline, lang: str = "de") -> HTML:
    """The baseline table as report HTML: one table per level, the level as caption.

    A client without customer, survey or revenue data gets the note that
    there are no figures yet instead.
    """
    from IPython.display import HTML

    if base.to_frame().empty:
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
    """NPS and CSAT per group of the main dimension with the test result.

    Groups are sorted by value (NPS, else CSAT; best first), groups too small
    for a value last, so the table reads as a ranking, not an alphabet.
    """
    dim = dimension or base.main_dimension()
    comp = base.comparisons[base.comparisons["dimension"] == dim]

    def rank(part: pd.DataFrame) -> tuple[int, float]:
        for kpi in ("nps", "csat"):
            row = part[part["kpi"] == kpi]
            if len(row) and base.reliability(int(row["n"].iloc[0])) != "none":
                return 0, -float(row["value"].iloc[0])
        return 1, 0.0

    groups = sorted(comp.groupby("group", sort=False), key=lambda item: rank(item[1]))
    rows = []
    for group, part in groups:
        n = int(part["n"].max())
        record = {_tx("columns.group", lang): group, _tx("columns.n", lang): fmt.integer(n, lang)}
        for row in part.itertuples(index=False):
            name = "NPS" if row.kpi == "nps" else "CSAT"
            shown = base.reliability(row.n) != "none"
            value = _with_interval(row.kpi, row.value, row.low, row.high, lang)
            if np.isnan(row.p_adjusted):
                diff = "untested"
            else:
                diff = "above" if row.direction > 0 else "below" if row.direction < 0 else "none"
            record[f"{name} ({_tx('columns.interval', lang)})"] = value if shown else fmt.MISSING
            record[f"{name}: {_tx('columns.difference', lang)}"] = _tx(f"difference.{diff}", lang)
        record[_tx("columns.reliability", lang)] = reliability_text(base.reliability(n), n, lang)
        rows.append(record)
    return pd.DataFrame(rows)


def retention_frame(base: Baseline, lang: str) -> pd.DataFrame:
    """Customers at start, new, lost (of both) and at the end, churn and retention per year.

    The flows balance (start + new − lost − lost new = end) and retention is
    shown as 100 % minus the shown churn rate (one decimal), so the two add up.
    """
    y = base.yearly
    if y is None:
        raise ValueError("retention_frame needs the yearly retention (contractual clients)")
    return pd.DataFrame(
        {
            _tx("columns.year", lang): y["year"].astype(str),
            _tx("columns.start", lang): y["start"],
            _tx("columns.new", lang): y["new"],
            _tx("columns.lost", lang): y["lost"],
            _tx("columns.lost_new", lang): y["lost_new"],
            _tx("columns.end", lang): y["end"],
            kpi_name("churn", base, lang).rsplit(" ", 1)[0]: y["churn"],
            kpi_name("retention", base, lang).rsplit(" ", 1)[0]: [
                retention.shown_complement(c, 1) for c in y["churn"]
            ],
        }
    )


def item_label(item: str, lang: str = "de") -> str:
    """The reader's name of a driver question: ``item_puenktlichkeit`` → "Pünktlichkeit".

    From the label map (``kpis.item_names`` in the catalogue); a column the map does
    not know shows its own words, spaces for underscores (never the raw header).
    """
    key = str(item).removeprefix("item_")
    try:
        return t(f"kpis.item_names.{key}", lang)
    except KeyError:
        return key.replace("_", " ").strip().capitalize()


def drivers_frame(base: Baseline, lang: str) -> pd.DataFrame:
    """Per driver item: share of the explained score with its interval, mean rating."""
    if base.drivers is None:
        raise ValueError("drivers_frame needs the key-driver analysis (NPS answers with items)")
    d = base.drivers.table
    interval = [
        f"{fmt.percent(lo / 100, 0, lang)} – {fmt.percent(hi / 100, 0, lang)}"
        for lo, hi in zip(d["share_low"], d["share_high"], strict=True)
    ]
    return pd.DataFrame(
        {
            _tx("columns.item", lang): d["item"].map(lambda item: item_label(item, lang)),
            _tx("columns.share", lang): [fmt.percent(s / 100, 0, lang) for s in d["share"]],
            _tx("columns.interval", lang): interval,
            _tx("columns.performance", lang): [fmt.number(p, 2, lang) for p in d["performance"]],
        }
    )


def warning_frame(base: Baseline, lang: str) -> pd.DataFrame:
    """Customers per month showing each early-warning signal, and two or more of them."""
    w = base.warning
    if w is None:
        raise ValueError("warning_frame needs the early-warning signals")
    columns = [*w.available, "two_or_more"]
    frame = w.monthly[["month", "customers", *columns]].copy()
    frame["month"] = [fmt.month(m, lang) for m in frame["month"]]
    names = {s: _tx(f"signals.{s}", lang) for s in columns}
    names.update(month=_tx("columns.month", lang), customers=_tx("columns.customers", lang))
    return frame.rename(columns=names)
