"""The survival table: one row per customer with entry, duration and churn.

Contractual clients: tenure runs from ``start_date`` to ``end_date`` (churn)
or to the data cut-off (censored; an end after the cut-off is not yet
observed). Customers who started before the data window
(``analysis.observation_start``) enter late, at their tenure on that day
(delayed entry / left truncation), because customers who left before the
window are missing from the export.

Non-contractual clients (no end date): the curves describe the customers who
came back, from their second purchase occasion (several records of one
customer on one day are one occasion). One-time buyers are not in the curves
(:attr:`SurvivalData.one_time_buyers`): whether a first-time buyer comes back
is the conversion from first to second purchase, a figure of its own
(:func:`cxlib.kpis.retention.first_to_second`). Under the rule below every
one-time buyer would be lost on the day of their only purchase, and the curve
would drop by their share at month 0 (Café Bohnenglück: 29 %), read as churn
of customers who never became regulars. Counting from the first purchase with
only the customers who came back would overstate survival (nobody can be lost
before the second purchase), hence the second purchase as day 1; the early
churn of every section counts the same way (:func:`cxlib.kpis.retention.early_churn`).
Churn is defined as no purchase for
``analysis.survival.inactivity_days`` (N) days after the last purchase; the
customer counts as lost on the day of the last purchase. A loss on day t can
only be seen once N quiet days have passed, t + N ≤ cut-off, so the last day
on which a loss is observable is cut-off − N (:attr:`SurvivalData.last_observable`).
Customers whose last purchase lies on or before that day are lost then; all
others bought after it, so they were not lost by that day, and are censored
there (at cut-off − N, measured from their second purchase), never at their last
purchase: at risk up to the last purchase, they would sit in the risk sets
where no loss can be seen yet, the hazard there would be diluted and the
curve would flatten at the end (survival overestimated: CDNOW with N = 180,
S(12 months) 0.227 instead of 0.201, all customers from their first
purchase). Customers whose second purchase came after cut-off − N add nothing
to the curves (:attr:`SurvivalData.too_recent`).
Durations count the start day as day 1.

Covariates for the Cox model come from the customer table (segment, product,
channel, region) and from tickets: ``early_tickets`` is True for a customer
with at least ``early_ticket_min`` tickets in the first ``early_ticket_days``
days (unknown when the ticket export does not cover that period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.io.customer_codes import join_on_customer
from cxlib.io.loading import ClientData
from cxlib.kpis.retention import purchase_occasions
from cxlib.parameters.schema import ClientParameters
from cxlib.survival.errors import (
    AllEventsError,
    DurationError,
    NoCustomersError,
    NoEventsError,
    SurvivalError,
)

__all__ = ["DAYS_PER_MONTH", "SurvivalData", "build_survival_table"]

#: Average month length in days (365.25 / 12).
DAYS_PER_MONTH = 30.4375
#: Days per week (the Cox model of the churn section counts tenure in whole weeks).
DAYS_PER_WEEK = 7.0
#: Group labels of the early-ticket grouping (language-neutral), early trouble first.
EARLY_TICKET_GROUPS = {True: "yes", False: "no"}


@dataclass(frozen=True)
class SurvivalData:
    """The survival table and how it was built.

    ``frame`` columns: ``customer_id``, ``start_date``, ``entry`` and
    ``duration`` (days), ``event`` (bool), ``reason`` (churn reason or
    missing), ``new`` (started inside the window) and the covariates.
    """

    frame: pd.DataFrame
    definition: str  # "contractual" or "non_contractual"
    cutoff: dt.date
    window_start: dt.date
    inactivity_days: int | None
    left_truncated: int
    excluded: int
    #: Without contracts: customers whose second purchase came after :attr:`last_observable`.
    too_recent: int = 0
    #: Without contracts: customers with one purchase occasion only (not in the curves).
    one_time_buyers: int = 0

    @property
    def last_observable(self) -> dt.date:
        """The last day on which a loss can be seen: the cut-off, less the inactivity period."""
        return self.cutoff - dt.timedelta(days=self.inactivity_days or 0)

    @property
    def n(self) -> int:
        """Customers in the analysis."""
        return len(self.frame)

    @property
    def n_events(self) -> int:
        """Churns observed."""
        return int(self.frame["event"].sum())

    def to_frame(self) -> pd.DataFrame:
        """The survival table (a copy)."""
        return self.frame.copy()


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.days.astype(float)


def _early_tickets(
    customers: pd.DataFrame,
    tickets: pd.DataFrame | None,
    cutoff: pd.Timestamp,
    days: int,
    minimum: int,
) -> pd.Series:
    """≥ ``minimum`` tickets in the first ``days`` days; NA where the export does not cover them."""
    out = pd.Series(pd.NA, index=customers.index, dtype="boolean")
    if tickets is None or tickets.empty or "opened" not in tickets:
        return out
    first = tickets["opened"].min()
    start = customers.set_index("customer_id")["start_date"]
    merged = tickets[["customer_id", "opened"]].join(start.rename("start"), on="customer_id")
    early = merged[(merged["opened"] - merged["start"]).dt.days.between(0, days - 1)]
    counts = early.groupby("customer_id", observed=True).size()
    n = customers["customer_id"].map(counts).fillna(0)
    covered = (customers["start_date"] >= first) & (
        customers["start_date"] + pd.Timedelta(days=days) <= cutoff
    )
    out[covered] = (n[covered] >= minimum).to_numpy()
    return out


def build_survival_table(params: ClientParameters, data: ClientData) -> SurvivalData:
    """One row per customer with entry, duration, churn and covariates.

    Raises :class:`~cxlib.survival.errors.SurvivalError` subclasses with a plain
    German message when the data cannot carry a survival analysis (no
    customers, end before start, no churn at all, every customer churned).
    """
    options = params.analysis.survival
    customers = data.get("customers")
    contractual = params.business_model == "contractual"
    if customers is None or customers.empty:
        raise NoCustomersError(
            "Für die Verbleibanalyse fehlt die Kundentabelle (customers) in den Parametern."
            if contractual
            else "Für die Verbleibanalyse fehlen die Käufe (data.transactions: Kundennummer, "
            "Kaufdatum); die Kunden werden daraus abgeleitet."
        )
    cutoff = pd.Timestamp(params.cutoff)
    c = customers[customers["start_date"].notna() & (customers["start_date"] <= cutoff)].copy()
    excluded = len(customers) - len(c)
    window = pd.Timestamp(params.analysis.observation_start or c["start_date"].min())
    if contractual:
        if "end_date" not in c:
            c["end_date"] = pd.NaT
        bad = c["end_date"].notna() & (c["end_date"] < c["start_date"])
        if bad.any():
            ids = ", ".join(c.loc[bad, "customer_id"].astype(str).head(5))
            raise DurationError(
                f"{int(bad.sum())} Kunden haben ein Vertragsende vor dem Vertragsbeginn "
                f"(z. B. Kundennummer {ids}). Bitte die Kundendaten korrigieren."
            )
        before = c["end_date"].notna() & (c["end_date"] <= window)
        excluded += int(before.sum())
        c = c[~before]
        event = c["end_date"].notna() & (c["end_date"] <= cutoff)
        stop = c["end_date"].where(event, cutoff)
        duration = _days(stop, c["start_date"])
        zero = duration <= 0
        if zero.any():  # ended (or cut off) on the start day: lost on day 1
            duration = duration.where(~zero, 1.0)
        reason = c.get("churn_reason", pd.Series(pd.NA, index=c.index)).where(event)
        inactivity = None
        too_recent = one_time = 0
        latest = cutoff
    else:
        sales = data.get("transactions")
        if sales is None or sales.empty:
            raise SurvivalError(
                "Nicht-vertragliches Geschäftsmodell: Für die Verbleibanalyse werden die Käufe "
                "(transactions) gebraucht."
            )
        inactivity = options.inactivity_days
        dates = sales["date"]
        latest = dates.where(dates <= cutoff).max()  # (a mask would copy the index)
        span = join_on_customer(c[["customer_id"]], purchase_occasions(sales, cutoff))
        second, last = span["second"], span["last"]
        known = last.notna()
        excluded += int((~known).sum())
        once = known & second.isna()  # one-time buyers: their own figure (first_to_second)
        one_time = int(once.sum())
        keep = known & ~once
        c, last, start = c[keep].copy(), last[keep], second[keep]
        c["start_date"] = start  # the curve's day 1: the second purchase occasion
        observable = cutoff - pd.Timedelta(days=inactivity)
        recent = start > observable  # no loss of theirs can be seen yet
        too_recent = int(recent.sum())
        c, last, start = c[~recent].copy(), last[~recent], start[~recent]
        event = last <= observable
        duration = _days(last.where(event, observable), start) + 1.0
        reason = pd.Series(pd.NA, index=c.index, dtype="string")
    entry = _days(pd.Series(window, index=c.index), c["start_date"]).clip(lower=0)
    entry = entry.where(entry < duration, duration - 1.0)
    frame = pd.DataFrame(
        {
            "customer_id": c["customer_id"].astype(str),
            "start_date": c["start_date"],
            "entry": entry,
            "duration": duration,
            "event": event.astype(bool),
            "reason": reason.astype("string"),
            "new": c["start_date"] >= window,
        }
    )
    for name in ("segment", "product", "channel", "region"):
        if name in c and c[name].notna().any():  # loaded text stays Arrow text (no copy)
            text = isinstance(c[name].dtype, pd.StringDtype)
            frame[name] = c[name] if text else c[name].astype("string")
    frame["early_tickets"] = _early_tickets(
        c, data.get("tickets"), cutoff, options.early_ticket_days, options.early_ticket_min
    )
    if frame["early_tickets"].isna().all():
        frame = frame.drop(columns="early_tickets")
    frame = frame.reset_index(drop=True)
    if frame.empty and too_recent:
        raise SurvivalError(
            f"Alle {too_recent} Kunden haben erst nach dem "
            f"{cutoff - pd.Timedelta(days=inactivity or 0):%d.%m.%Y} (Datenstand minus "
            f"{inactivity} Tage) zum zweiten Mal gekauft; ob einer von ihnen abgewandert ist, "
            "lässt sich noch nicht sehen. Die Käufe reichen nicht weit genug zurück, oder "
            "analysis.survival.inactivity_days ist für den Kaufrhythmus zu lang."
        )
    if frame.empty and one_time:
        raise SurvivalError(
            f"Alle {one_time} Kunden mit Käufen haben nur an einem Tag gekauft; wie lange "
            "wiederkehrende Kunden bleiben, lässt sich so nicht schätzen. Die Quote der "
            "Erstkäufer, die ein zweites Mal kaufen, steht trotzdem im Bericht."
        )
    if frame.empty:
        raise SurvivalError("Keine Kunden im Datenfenster für die Verbleibanalyse.")
    if not frame["event"].any() and not contractual:
        raise NoEventsError(
            f"Bis zum {cutoff - pd.Timedelta(days=inactivity or 0):%d.%m.%Y} (Datenstand "
            f"{cutoff:%d.%m.%Y} minus {inactivity} Tage) war kein Kunde {inactivity} Tage ohne "
            "Kauf; nach der Regel ist noch niemand abgewandert. Meist reichen die Käufe nicht "
            "weit genug zurück, oder analysis.survival.inactivity_days ist für den Kaufrhythmus "
            "zu lang."
        )
    if not frame["event"].any():
        raise NoEventsError(
            "In den Kundendaten gibt es bis zum Stichtag keine einzige Kündigung; eine "
            "Verbleibanalyse ist so nicht möglich. Enthält der Export das Vertragsende?"
        )
    if frame["event"].all() and not contractual:
        raise AllEventsError(
            f"Kein Kunde hat in den {inactivity} Tagen vor dem Datenstand "
            f"{cutoff:%d.%m.%Y} gekauft (letzter Kauf in den Daten: {latest:%d.%m.%Y}); nach der "
            "Regel wären damit alle abgewandert. Meist ist der Datenstand falsch: "
            "analysis.data_cutoff auf den Tag des Exports setzen (ohne ihn gilt der letzte Tag "
            "in den Daten). Sonst passt "
            "analysis.survival.inactivity_days nicht zum Kaufrhythmus."
        )
    if frame["event"].all():
        raise AllEventsError(
            "Alle Kunden in den Daten haben gekündigt. Das spricht für einen Export nur der "
            "gekündigten Verträge: Bitte auch die aktiven Kunden exportieren."
        )
    return SurvivalData(
        frame=frame,
        definition="contractual" if contractual else "non_contractual",
        cutoff=cutoff.date(),
        window_start=window.date(),
        inactivity_days=inactivity,
        left_truncated=int((frame["entry"] > 0).sum()),
        excluded=excluded,
        too_recent=too_recent,
        one_time_buyers=one_time,
    )


def cox_population(table: SurvivalData, followup_days: float | None) -> pd.DataFrame:
    """The rows for the Cox model: follow-up capped at ``followup_days`` (None: no cap).

    Rows that entered at or after the cap are left out; churn after the cap
    counts as censored at the cap.
    """
    frame = table.frame
    if followup_days is None:
        return frame.copy()
    frame = frame[frame["entry"] < followup_days].copy()
    late = frame["duration"] > followup_days
    frame.loc[late, "event"] = False
    frame.loc[late, "duration"] = float(followup_days)
    return frame


def months(days: float | np.ndarray) -> float | np.ndarray:
    """Days as months (30.4375 days each)."""
    return days / DAYS_PER_MONTH
