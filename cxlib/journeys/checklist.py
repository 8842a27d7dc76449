"""The seed's 8-symptom checklist and its five early-warning signals (seed 003).

Symptoms are answered in the workshop (``workshop.symptoms``: true, false or
empty). The five early-warning signals (sinkende Nutzung, wiederkehrende
Tickets, längere Zahlungsziele, häufige Rückfragen, stiller Rückzug) are
checked in the data: a signal "shows" when leavers differ from stayers by at
least ``signal_ratio`` (or, for silent withdrawal, when most leavers left
without any contact before).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.journeys.evidence import assign_phase, repeat_flags
from cxlib.parameters.schema import SYMPTOMS, JourneyOptions, Workshop
from cxlib.texts import t

if TYPE_CHECKING:
    from IPython.display import HTML

    from cxlib.io.loading import ClientData

SIGNALS = ("usage", "repeat_tickets", "days_to_pay", "contacts", "silent")
#: Months before leaving that count as "just before leaving".
_WINDOW_DAYS = 180


@dataclass(frozen=True)
class Checklist:
    """Symptom answers and early-warning signals."""

    symptoms: pd.DataFrame
    signals: pd.DataFrame

    @property
    def applies(self) -> int:
        """How many of the eight symptoms apply."""
        return int((self.symptoms["answer"] == True).sum())  # noqa: E712

    @property
    def answered(self) -> int:
        """How many symptoms were answered (yes or no)."""
        return int(self.symptoms["answer"].notna().sum())

    def to_frame(self) -> pd.DataFrame:
        """Symptoms and signals stacked (kind, key, status, value)."""
        sym = self.symptoms.assign(kind="symptom")
        sig = self.signals.assign(kind="signal")
        return pd.concat([sym, sig], ignore_index=True)

    def symptom_table(self, lang: str = "de") -> pd.DataFrame:
        """The checklist as a display frame."""
        status = {True: "yes", False: "no"}
        return pd.DataFrame(
            {
                t("journeys.checklist.col.symptom", lang): [
                    t(f"journeys.symptom.{k}", lang) for k in self.symptoms["key"]
                ],
                t("journeys.checklist.col.applies", lang): [
                    t(f"journeys.checklist.{status.get(a, 'open')}", lang)
                    for a in self.symptoms["answer"]
                ],
            }
        )

    def signal_table(self, lang: str = "de") -> pd.DataFrame:
        """The early-warning signals with what the data shows."""
        rows = []
        for _, row in self.signals.iterrows():
            values = {
                "leavers": fmt.number(row["leavers"], 1, lang),
                "stayers": fmt.number(row["stayers"], 1, lang),
                "share": fmt.percent(row["leavers"], 0, lang),
                "ratio": fmt.number(row["ratio"], 1, lang),
                "other": fmt.percent(row["stayers"], 0, lang),
            }
            detail = (
                t(f"journeys.signal_detail.{row['detail']}", lang, **values)
                if row["status"] not in ("no_data", "too_few")
                else t(
                    f"journeys.signal_detail.{row['status']}", lang, n=fmt.integer(row["n"], lang)
                )
            )
            rows.append(
                {
                    t("journeys.checklist.col.signal", lang): t(
                        f"journeys.signal.{row['key']}", lang
                    ),
                    t("journeys.checklist.col.shown", lang): t(
                        f"journeys.checklist.{row['status']}", lang
                    ),
                    t("journeys.checklist.col.detail", lang): detail,
                }
            )
        return pd.DataFrame(rows)

    def summary(self, lang: str = "de") -> HTML:
        """Both tables as escaped HTML (symptoms first)."""
        from IPython.display import HTML

        from cxlib.report import blocks as display

        return HTML(
            display.table(self.symptom_table(lang), lang).data
            + display.table(self.signal_table(lang), lang).data
        )


def _row(
    key: str,
    leavers: float,
    stayers: float,
    ratio: float,
    shows: bool | None,
    detail: str = "",
    n: int | None = None,
) -> dict[str, object]:
    status = "no_data" if shows is None else ("shown" if shows else "not_shown")
    return {
        "n": n,
        "key": key,
        "status": status,
        "leavers": leavers,
        "stayers": stayers,
        "ratio": ratio,
        "detail": detail or key,
    }


def _monthly_signals(
    signals: pd.DataFrame | None, customers: pd.DataFrame | None, threshold: float
) -> list[dict[str, object]]:
    """Usage, days to pay and contacts: leavers' month of leaving vs stayers' months."""
    keys = ("usage", "days_to_pay", "contacts")
    if signals is None or customers is None or "end_date" not in customers:
        return [_row(k, np.nan, np.nan, np.nan, None) for k in keys]
    ends = customers.set_index("customer_id")["end_date"]
    frame = signals.sort_values(["customer_id", "month"]).copy()
    end = frame["customer_id"].map(ends)
    month_of_end = end.dt.to_period("M").dt.to_timestamp()
    leaver = end.notna() & (end >= frame["month"].min())
    last = leaver & (frame["month"] == month_of_end)
    stay = ~leaver
    out = []
    for key in keys:
        if key not in frame:
            out.append(_row(key, np.nan, np.nan, np.nan, None))
            continue
        values = frame[key].astype(float)
        if key == "usage":
            # relative to three months earlier, to take out the season
            earlier = frame.groupby("customer_id")[key].shift(3).astype(float)
            values = values / earlier.replace(0, np.nan)
            a, b = values[last].median(), values[stay].median()
            ratio = b / a if a and pd.notna(a) else np.nan
        else:
            a, b = values[last].mean(), values[stay].mean()
            ratio = a / b if b and pd.notna(b) else np.nan
        shows = None if pd.isna(ratio) or not last.any() else bool(ratio >= threshold)
        if key == "usage" and shows is not None:
            shows = bool(ratio >= 1 + (threshold - 1) / 4)  # a 11 % drop at ratio 1.5
        out.append(_row(key, a, b, ratio, shows, n=int(last.sum())))
    return out


def _ticket_signals(
    tickets: pd.DataFrame | None,
    customers: pd.DataFrame | None,
    repeat: pd.Series | None,
    threshold: float,
) -> list[dict[str, object]]:
    """Repeat tickets (leaver share among customers with vs without) and silent withdrawal."""
    if tickets is None or customers is None or "end_date" not in customers or repeat is None:
        return [_row(k, np.nan, np.nan, np.nan, None) for k in ("repeat_tickets", "silent")]
    left = customers["end_date"].notna()
    with_repeat = customers["customer_id"].isin(tickets.loc[repeat, "customer_id"])
    a = left[with_repeat].mean() if with_repeat.any() else np.nan
    b = left[~with_repeat].mean() if (~with_repeat).any() else np.nan
    ratio = a / b if b and pd.notna(b) and pd.notna(a) else np.nan
    shows = None if pd.isna(ratio) else bool(ratio >= threshold)
    out = [_row("repeat_tickets", a, b, ratio, shows, n=int((with_repeat & left).sum()))]
    # silent withdrawal: leavers without any ticket in the 180 days before leaving
    start = tickets["opened"].min()
    leavers = customers[left & (customers["end_date"] >= start + pd.Timedelta(days=_WINDOW_DAYS))]
    if leavers.empty:
        out.append(_row("silent", np.nan, np.nan, np.nan, None))
        return out
    joined = tickets[["customer_id", "opened"]].merge(
        leavers[["customer_id", "end_date"]], on="customer_id"
    )
    recent = joined[
        (joined["opened"] <= joined["end_date"])
        & (joined["opened"] > joined["end_date"] - pd.Timedelta(days=_WINDOW_DAYS))
    ]
    silent = 1 - leavers["customer_id"].isin(recent["customer_id"]).mean()
    out.append(_row("silent", silent, np.nan, np.nan, bool(silent >= 0.5), n=len(leavers)))
    return out


def check(
    workshop: Workshop,
    data: ClientData,
    options: JourneyOptions,
    *,
    cutoff: dt.date | str | None = None,
    inactivity_days: int = 180,
    min_n: int = 10,
) -> Checklist:
    """The symptom checklist from the workshop and the five signals from the data.

    A signal resting on fewer than ``min_n`` leavers is "too_few" (no verdict).
    """
    answers = workshop.symptoms
    symptoms = pd.DataFrame(
        {"key": list(SYMPTOMS), "answer": [getattr(answers, k) for k in SYMPTOMS]}
    )
    symptoms["answer"] = symptoms["answer"].astype("object")
    customers, tickets = data.get("customers"), data.get("tickets")
    repeat = None
    if tickets is not None and len(tickets):
        phase = assign_phase(tickets, workshop.phase_map, ("category",))
        repeat = repeat_flags(tickets, phase, options.repeat_window_days)
    else:
        tickets = None
    rows = _monthly_signals(data.get("signals"), customers, options.signal_ratio)
    repeated, silent = _ticket_signals(tickets, customers, repeat, options.signal_ratio)
    rows[1:1] = [repeated]
    transactions = data.get("transactions")
    if silent["status"] == "no_data" and transactions is not None and cutoff is not None:
        # non-contractual: buyers of the year before who have gone quiet
        cut = pd.Timestamp(cutoff)
        quiet_from = cut - pd.Timedelta(days=inactivity_days)
        last = transactions.groupby("customer_id")["date"].max()
        active_before = last[last >= quiet_from - pd.Timedelta(days=365)]
        share = float((active_before < quiet_from).mean()) if len(active_before) else np.nan
        shows = None if np.isnan(share) else bool(share >= 0.25)
        silent = _row("silent", share, np.nan, np.nan, shows, "silent_quiet", len(active_before))
    rows.append(silent)
    order = {k: i for i, k in enumerate(SIGNALS)}
    signals = pd.DataFrame(rows).sort_values("key", key=lambda s: s.map(order))
    counts = pd.to_numeric(signals["n"], errors="coerce").fillna(0)
    few = (signals["status"] != "no_data") & (counts < min_n)
    signals.loc[few, "status"] = "too_few"
    return Checklist(symptoms, signals.reset_index(drop=True))
