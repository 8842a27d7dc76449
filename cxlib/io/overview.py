"""Data overview: what each table holds (rows, period, segments, gaps).

This is the first look at a client's data in every section, and the basis of
the management summary's "Datenbasis" statement. It computes counts only; no
statistics are estimated here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cxlib import formatting as fmt
from cxlib.io.tables import TABLES
from cxlib.report.facts import Fact
from cxlib.texts import t

#: The date column that defines each table's period.
PERIOD_COLUMNS = {
    "customers": "start_date",
    "transactions": "date",
    "survey": "date",
    "tickets": "opened",
    "signals": "month",
}
#: Category columns worth counting per table, in display order.
CATEGORY_COLUMNS = {
    "customers": ("segment", "product", "channel", "region", "churn_reason"),
    "transactions": ("store", "category"),
    "survey": ("wave", "phase", "segment"),
    "tickets": ("category", "phase", "channel"),
    "maturity": ("department", "wave"),
    "signals": (),
}
TOP_CATEGORIES = 6


@dataclass(frozen=True)
class TableOverview:
    """Counts describing one canonical table.

    ``monthly`` holds the number of rows per calendar month of the period
    column (empty when the table has none); ``categories`` the most frequent
    values of each category column with their counts; ``missing`` the empty
    cells per column.
    """

    table: str
    rows: int
    period_start: pd.Timestamp | None
    period_end: pd.Timestamp | None
    categories: dict[str, tuple[tuple[str, int], ...]]
    missing: dict[str, int]
    monthly: pd.Series = field(repr=False)
    distinct: dict[str, int] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Tidy counts: one row per (column, value) with its count."""
        rows = [{"table": self.table, "column": "", "value": "rows", "count": self.rows}]
        for column, counts in self.categories.items():
            rows += [
                {"table": self.table, "column": column, "value": value, "count": count}
                for value, count in counts
            ]
        for column, count in self.missing.items():
            rows.append({"table": self.table, "column": column, "value": "missing", "count": count})
        return pd.DataFrame(rows)


def describe_table(name: str, frame: pd.DataFrame) -> TableOverview:
    """Count rows, period, top categories and missing cells of one table."""
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}")
    period_column = PERIOD_COLUMNS.get(name)
    monthly = pd.Series(dtype="int64")
    start = end = None
    if period_column and period_column in frame and frame[period_column].notna().any():
        dates = frame[period_column].dropna()
        start, end = dates.min(), dates.max()
        months = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
        monthly = pd.Series(months.astype("datetime64[ns]"), name=dates.name).value_counts()
        monthly = monthly.sort_index()
        monthly.index = pd.DatetimeIndex(monthly.index)  # first day of each month
    categories = {}
    for column in CATEGORY_COLUMNS.get(name, ()):
        if column in frame:
            counts = frame[column].value_counts(dropna=True).head(TOP_CATEGORIES)
            categories[column] = tuple((str(k), int(v)) for k, v in counts.items())
    missing = {c: int(frame[c].isna().sum()) for c in frame.columns if frame[c].isna().any()}
    distinct = {}
    for column in ("customer_id", "respondent", "department", "item"):
        if column in frame:
            distinct[column] = int(frame[column].nunique())
    return TableOverview(name, len(frame), start, end, categories, missing, monthly, distinct)


@dataclass(frozen=True)
class DataOverview:
    """The overview of the tables one report section rests on."""

    section: str
    tables: tuple[TableOverview, ...]

    def __bool__(self) -> bool:
        return bool(self.tables)

    def table(self, name: str) -> TableOverview | None:
        """The overview of table ``name``, or None when it is not there."""
        return next((o for o in self.tables if o.table == name), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per table: rows, period, distinct customers, missing cells."""
        return pd.DataFrame(
            [
                {
                    "table": o.table,
                    "rows": o.rows,
                    "period_start": o.period_start,
                    "period_end": o.period_end,
                    "customers": o.distinct.get("customer_id"),
                    "missing_cells": sum(o.missing.values()),
                }
                for o in self.tables
            ],
            columns=["table", "rows", "period_start", "period_end", "customers", "missing_cells"],
        )

    def facts(self) -> list[Fact]:
        """The counts this overview shows, as facts (:mod:`cxlib.report.facts`).

        Ids name the table (``data.tickets.rows``), so that two sections
        showing the same table state one fact. Counts carry no interval; a
        value's share of its table's rows is a count too.
        """
        out: list[Fact] = []
        for o in self.tables:
            sources, prefix = (o.table,), f"data.{o.table}"
            counts = {
                f"{prefix}.rows": (o.rows, "data.rows"),
                f"{prefix}.missing": (sum(o.missing.values()), "data.missing"),
            }
            if "customer_id" in o.distinct:
                counts[f"{prefix}.customers"] = (o.distinct["customer_id"], "data.customers")
            for column, values in o.categories.items():
                for value, count in values:
                    counts[f"{prefix}.{column}.{value}"] = (count, "data.value_rows")
            out += [
                Fact(i, int(v), "count", d, no_interval="count", sources=sources)
                for i, (v, d) in counts.items()
            ]
            out += [
                Fact(
                    f"{prefix}.{column}.{value}.share",
                    count / (o.rows or 1),
                    "share",
                    "data.value_share",
                    n=o.rows,
                    no_interval="count",
                    sources=sources,
                )
                for column, values in o.categories.items()
                for value, count in values
            ]
        return out

    def summary_frame(self, lang: str = "de") -> pd.DataFrame:
        """The overview as a frame with column labels in ``lang``."""
        frame = self.to_frame()
        return pd.DataFrame(
            {
                t("overview.col_table", lang): [t(f"tables.{n}", lang) for n in frame["table"]],
                t("overview.col_rows", lang): frame["rows"].astype("Int64"),
                t("overview.col_period", lang): [
                    period_text(s, e, lang)
                    for s, e in zip(frame["period_start"], frame["period_end"], strict=True)
                ],
                t("overview.col_customers", lang): frame["customers"].astype("Int64"),
                t("overview.col_missing", lang): frame["missing_cells"].astype("Int64"),
            }
        )

    def summary(self, lang: str = "de"):
        """The overview as a formatted table to display (``_repr_html_``)."""
        from cxlib.report import blocks as display

        if not self.tables:
            return display.note(t("overview.no_data", lang), lang=lang)
        return display.table(self.summary_frame(lang), lang, decimals=0)

    def categories_frame(self, lang: str = "de") -> pd.DataFrame:
        """The most frequent values of the category columns, one row per value."""
        rows = []
        for o in self.tables:
            for column, counts in o.categories.items():
                total = o.rows or 1
                for value, count in counts:
                    rows.append(
                        {
                            t("overview.col_table", lang): t(f"tables.{o.table}", lang),
                            t("overview.col_feature", lang): t(f"columns.{column}", lang),
                            t("overview.col_value", lang): value,
                            t("overview.col_rows", lang): count,
                            t("overview.col_share", lang): count / total,
                        }
                    )
        return pd.DataFrame(rows)

    def categories(self, lang: str = "de", *, caption: bool = True):
        """The most frequent values as a formatted table to display (None without any).

        Without data :meth:`summary` has said so already. ``caption=False`` leaves
        out the table's caption (where a heading above it names it already).
        """
        from cxlib.report import blocks as display

        frame = self.categories_frame(lang)
        if frame.empty:
            return None
        return display.table(
            frame,
            lang,
            decimals=0,
            percent=[t("overview.col_share", lang)],
            caption=t("overview.categories_title", lang) if caption else None,
        )

    def key_message(self, lang: str = "de") -> str:
        """One sentence: what data the section rests on, or that there is none."""
        if not self.tables:
            return t("overview.no_data", lang)
        parts = [_count_text(o, lang) for o in self.tables]
        starts = [o.period_start for o in self.tables if o.period_start is not None]
        ends = [o.period_end for o in self.tables if o.period_end is not None]
        text = t("overview.basis", lang, parts=", ".join(parts))
        if starts:
            text += " " + t(
                "overview.period_sentence", lang, period=period_text(min(starts), max(ends), lang)
            )
        return text

    def plot(self, ax=None, lang: str = "de"):
        """Rows per month for each dated table (one line per table); returns the Axes."""
        from cxlib.report.charts import monthly_counts

        series = {o.table: o.monthly for o in self.tables if len(o.monthly)}
        return monthly_counts(series, ax=ax, lang=lang)

    def reading(self, lang: str = "de"):
        """The plain-language reading of :meth:`plot` to display under it."""
        from cxlib.report import blocks as display

        return display.reading(t("overview.monthly_reading", lang), lang)


def _count_text(overview: TableOverview, lang: str) -> str:
    n = fmt.integer(overview.rows, lang)
    if overview.table == "maturity" and "respondent" in overview.distinct:
        return t(
            "overview.count_maturity",
            lang,
            n=n,
            people=fmt.integer(overview.distinct["respondent"], lang),
            departments=fmt.integer(overview.distinct.get("department", 0), lang),
        )
    return t("overview.count_of", lang, n=n, table=t(f"tables.{overview.table}", lang))


def period_text(start, end, lang: str = "de") -> str:
    """'01.01.2023 – 31.12.2025', or a dash when there is no period."""
    if start is None or pd.isna(start):
        return fmt.MISSING
    return f"{fmt.date(start, lang)} – {fmt.date(end, lang)}"


def describe(data, tables: list[str], section: str) -> DataOverview:
    """Overview of the given tables of a client's data (tables not loaded are left out)."""
    overviews = []
    for name in tables:
        frame = data.get(name)
        if frame is not None:
            overviews.append(describe_table(name, frame))
    return DataOverview(section, tuple(overviews))
