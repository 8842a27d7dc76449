"""The data cut-off of a client: the day of the last data, and how old it is at the report date.

Without ``analysis.data_cutoff`` the cut-off is the last date in the client's
data (:func:`latest_date`: the latest date of any date column of the files
read, never after the report date: a planned contract end is not data), not
the report date: a shop whose export ends in June would otherwise count every
customer as lost who did not buy between June and the report date.
:func:`settle_cutoff` fills it in once, after loading, for a run and for
``cxwb validate``.

:func:`data_age` says how far the data lie before the report date. When the
cut-off lies more than :data:`STALE_DAYS` before the report date, or the last
data more than :data:`STALE_DAYS` before the given cut-off, the report and
``cxwb validate`` warn: every figure describes the time of the data, not the
report date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from cxlib import formatting as fmt
from cxlib.io.loading import ClientData
from cxlib.io.tables import TABLES
from cxlib.parameters.schema import ClientParameters
from cxlib.report.facts import Fact
from cxlib.texts import t

__all__ = ["STALE_DAYS", "DataAge", "data_age", "latest_date", "settle_cutoff", "stale_text"]

#: Data older than this (days before the report date, or the last data before the
#: given cut-off) get a warning: half a year of a purchase rhythm is not seen.
STALE_DAYS = 183


def latest_date(data: ClientData, until: dt.date | None = None) -> dt.date | None:
    """The last date in the tables read (or derived), at most ``until``; None without dates."""
    latest: pd.Timestamp | None = None
    bound = pd.Timestamp(until) if until is not None else None
    for name, spec in TABLES.items():
        frame = data.get(name)
        if frame is None or frame.empty:
            continue
        for column in spec.columns:
            if column.kind != "date" or column.name not in frame:
                continue
            values = frame[column.name]
            if bound is not None:
                values = values.where(values <= bound)  # (a mask would copy the index)
            top = values.max()
            if pd.notna(top) and (latest is None or top > latest):
                latest = top
    return None if latest is None else latest.date()


def settle_cutoff(params: ClientParameters, data: ClientData) -> ClientParameters:
    """``params`` with ``analysis.data_cutoff`` set: as given, else the last date in the data.

    Without any date in the data the report date stays the cut-off.
    """
    if params.analysis.data_cutoff is not None:
        return params
    latest = latest_date(data, params.report_date)
    if latest is None:
        return params
    analysis = params.analysis.model_copy(update={"data_cutoff": latest})
    settled = params.model_copy(update={"analysis": analysis})
    return settled


@dataclass(frozen=True)
class DataAge:
    """How old the data are at the report date.

    ``cutoff`` is the cut-off the analyses use, ``latest`` the last date in the
    data (None without dates); ``stale`` is True when the cut-off lies more than
    :data:`STALE_DAYS` before the report date or the last data more than that
    before the cut-off.
    """

    report_date: dt.date
    cutoff: dt.date
    latest: dt.date | None

    @property
    def days_before_report(self) -> int:
        """Days from the cut-off to the report date."""
        return (self.report_date - self.cutoff).days

    @property
    def quiet_days(self) -> int:
        """Days from the last data to the cut-off (0 without dates)."""
        return 0 if self.latest is None else (self.cutoff - self.latest).days

    @property
    def stale(self) -> bool:
        """The data end far before the report date or before the given cut-off."""
        return max(self.days_before_report, self.quiet_days) > STALE_DAYS


def data_age(params: ClientParameters, data: ClientData) -> DataAge:
    """The report date, the cut-off and the last date in the data of one client."""
    return DataAge(params.report_date, params.cutoff, latest_date(data, params.cutoff))


def _span(days: int) -> tuple[Literal["months", "years"], int]:
    """A span of days as the report says it: whole months, from two years on whole years."""
    months = round(days / 30.4375)
    return ("years", round(days / 365.25)) if months >= 24 else ("months", months)


def _age(days: int, lang: str) -> str:
    """A span of days in words (:func:`_span`)."""
    unit, n = _span(days)
    return t(f"summary.age.{unit}.{fmt.plural(n, lang)}", lang, n=fmt.integer(n, lang))


def age_fact(age: DataAge) -> Fact | None:
    """The age the stale-data warning states, as a fact (None when the data are not old)."""
    if not age.stale:
        return None
    quiet = age.latest is not None and age.quiet_days > STALE_DAYS
    unit, n = _span(age.quiet_days if quiet else age.days_before_report)
    return Fact("quality.data_age", n, unit, "quality.data_age", no_interval="count")


def stale_text(age: DataAge, lang: str = "de") -> str | None:
    """The warning about old data (report and ``cxwb validate``), or None when they are not old."""
    if not age.stale:
        return None
    if age.latest is not None and age.quiet_days > STALE_DAYS:
        return t(
            "summary.stale_cutoff",
            lang,
            latest=fmt.date(age.latest, lang),
            cutoff=fmt.date(age.cutoff, lang),
            age=_age(age.quiet_days, lang),
        )
    return t(
        "summary.stale_report",
        lang,
        cutoff=fmt.date(age.cutoff, lang),
        report_date=fmt.date(age.report_date, lang),
        age=_age(age.days_before_report, lang),
    )
