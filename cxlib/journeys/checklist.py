"""The seed's 8-symptom checklist and its five early-warning signals (seed 003).

Symptoms are answered in the workshop (``workshop.symptoms``: true, false or
empty). The five early-warning signals (sinkende Nutzung, wiederkehrende
Tickets, längere Zahlungsziele, häufige Rückfragen, stiller Rückzug) are
checked in the data on the customer-month flags of
:mod:`cxlib.kpis.early_warning`, the same flags its monthly table counts and
the churn section's signal model uses (one definition per signal; without a
``signals`` table the ticket signal is flagged on the months of running
contracts). A signal "shows" when it was counted at all and leavers showed it
in the month before leaving at least ``signal_ratio`` times as often as all
other customer-months (:func:`cxlib.kpis.early_warning.visibility`); a
signal never counted does not show. Without contracts, silent withdrawal is
the share of last year's buyers who have gone quiet (``silent_quiet``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.io.customer_codes import customer_codes, dates_by_code
from cxlib.kpis import early_warning as ew
from cxlib.kpis.early_warning import (
    EarlyWarning,
    client_warning,
    customer_months,
    early_warning,
    visibility,
)
from cxlib.parameters.schema import SYMPTOMS, JourneyOptions, Workshop
from cxlib.texts import t

if TYPE_CHECKING:
    from IPython.display import HTML

    from cxlib.io.loading import ClientData

#: The seed's five signals, as :mod:`cxlib.kpis.early_warning` names and flags them.
SIGNALS = ew.SIGNALS


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
        """The early-warning signals with what the data shows (and on how many cases)."""
        rows = []
        for _, row in self.signals.iterrows():
            values = {
                "flagged": fmt.integer(row.get("flagged"), lang),
                "leavers": fmt.integer(row.get("leavers"), lang),
                "leavers_flagged": fmt.integer(row.get("leavers_flagged"), lang),
                "share": fmt.percent(row.get("share_leavers"), 0, lang),
                "other": fmt.percent(row.get("share_other"), 1, lang),
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
    status: str,
    detail: str = "",
    n: int | None = None,
    **values: float,
) -> dict[str, object]:
    return {"n": n, "key": key, "status": status, "detail": detail or key, **values}


def _warning(data: ClientData, customers: pd.DataFrame | None) -> EarlyWarning | None:
    """The early-warning flags the KPI section counts (a ticket grid without a signals table)."""
    signals, tickets = data.get("signals"), data.get("tickets")
    tickets = tickets if tickets is not None and len(tickets) else None
    if signals is not None and len(signals) and customers is data.get("customers"):
        return client_warning(data)  # the KPI section's flags, computed once
    if signals is not None and len(signals):
        return early_warning(signals, tickets, customers)
    if tickets is None or customers is None or "start_date" not in customers:
        return None
    grid = customer_months(customers, tickets["opened"].min(), tickets["opened"].max())
    return early_warning(grid, tickets, customers) if len(grid) else None


def _signal_rows(
    warning: EarlyWarning | None, customers: pd.DataFrame | None, threshold: float
) -> dict[str, dict[str, object]]:
    """One checklist row per signal the flags cover: shown when leavers show it ≥ threshold×."""
    if warning is None:
        return {}
    table = visibility(warning, customers)
    out = {}
    for key, row in table.iterrows():
        values = {
            "flagged": int(row["flagged"]),
            "leavers": int(row["leavers"]),
            "leavers_flagged": int(row["leavers_flagged"]),
            "share_leavers": float(row["share_leavers"]),
            "share_other": float(row["share_other"]),
            "ratio": float(row["ratio"]),
        }
        if row["flagged"] == 0:
            status, detail = "not_shown", "never"
        elif np.isnan(row["ratio"]):
            status, detail = "no_data", ""
        else:
            status = "shown" if row["ratio"] >= threshold else "not_shown"
            detail = "flagged"
        out[str(key)] = _row(str(key), status, detail, int(row["leavers"]), **values)
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

    A counted signal resting on fewer than ``min_n`` leavers is "too_few" (no
    verdict); a signal never counted is "not_shown" whatever the number of leavers.
    """
    answers = workshop.symptoms
    symptoms = pd.DataFrame(
        {"key": list(SYMPTOMS), "answer": [getattr(answers, k) for k in SYMPTOMS]}
    )
    symptoms["answer"] = symptoms["answer"].astype("object")
    customers = data.get("customers")
    found = _signal_rows(_warning(data, customers), customers, options.signal_ratio)
    rows = [found.get(key, _row(key, "no_data")) for key in SIGNALS]
    transactions = data.get("transactions")
    if rows[-1]["status"] == "no_data" and transactions is not None and cutoff is not None:
        # non-contractual: buyers of the year before who have gone quiet
        cut = pd.Timestamp(cutoff)
        quiet_from = cut - pd.Timedelta(days=inactivity_days)
        (codes,), numbers = customer_codes(transactions["customer_id"])
        latest = dates_by_code(codes, transactions["date"], len(numbers))
        last = pd.Series(latest[~np.isnat(latest)])  # each buyer's last purchase
        active_before = last[last >= quiet_from - pd.Timedelta(days=365)]
        share = float((active_before < quiet_from).mean()) if len(active_before) else np.nan
        status = "no_data" if np.isnan(share) else ("shown" if share >= 0.25 else "not_shown")
        rows[-1] = _row("silent", status, "silent_quiet", len(active_before), share_leavers=share)
    order = {k: i for i, k in enumerate(SIGNALS)}
    signals = pd.DataFrame(rows).sort_values("key", key=lambda s: s.map(order))
    counts = pd.to_numeric(signals["n"], errors="coerce").fillna(0)
    counted = signals["status"].isin(["shown", "not_shown"]) & (signals["detail"] != "never")
    few = counted & (counts < min_n)
    signals.loc[few, "status"] = "too_few"
    return Checklist(symptoms, signals.reset_index(drop=True))
