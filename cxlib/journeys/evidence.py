"""Evidence from the client's own data beside the workshop ratings, per journey phase.

Per phase: tickets and repeat tickets (reopened, or the same customer again in
the same phase within ``repeat_window_days``), survey scores (NPS, CSAT
top-2-box share, CES mean, each with its n) and, for the phase named in
``early_churn_phase``, early churn (customers leaving in their first months).
Rows without a phase are assigned through ``workshop.phase_map`` (ticket
category or survey touchpoint → phase). Per journey the figures are pooled
over its phases, and contradictions between ratings and data are flagged.
These are simple counts and means; the KPI section computes the intervals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.kpis import retention
from cxlib.kpis import survey as kpis
from cxlib.texts import t

if TYPE_CHECKING:
    from IPython.display import HTML

    from cxlib.io.loading import ClientData
    from cxlib.journeys.selection import Selection
    from cxlib.parameters.schema import JourneyOptions, Workshop


def assign_phase(
    frame: pd.DataFrame, phase_map: dict[str, str], keys: tuple[str, ...]
) -> pd.Series:
    """The phase of each row: its ``phase`` column, else the mapped category/touchpoint."""
    phase = frame["phase"].astype("object") if "phase" in frame else pd.Series(None, frame.index)
    for key in keys:
        if key in frame and phase_map:
            mapped = frame[key].astype("object").map(phase_map)
            phase = phase.where(phase.notna(), mapped)
    return phase


def repeat_flags(tickets: pd.DataFrame, phase: pd.Series, window_days: int) -> pd.Series:
    """True for a reopened ticket, or one after a ticket of the same customer and phase."""
    frame = pd.DataFrame(
        {"customer": tickets["customer_id"], "phase": phase, "opened": tickets["opened"]}
    ).sort_values(["customer", "phase", "opened"])
    gap = frame.groupby(["customer", "phase"], dropna=False, observed=True)["opened"].diff().dt.days
    repeat = (gap <= window_days).reindex(tickets.index).fillna(False)
    if "reopened" in tickets:
        repeat = repeat | tickets["reopened"].fillna(False).astype(bool)
    return repeat.astype(bool)


def survey_scores(frame: pd.DataFrame) -> dict[str, Any]:
    """NPS, CSAT top-2-box share (0-1) and CES mean, each with n and 95 % interval.

    Computed with the KPI section's estimators (:mod:`cxlib.kpis.survey`), so
    that a phase's NPS here is the same fact, with the same interval, as in the
    KPI section. ``nps_var`` and ``ces_var`` are per-answer variances (the
    action plan's detectable change).
    """
    out: dict[str, Any] = {}
    for kpi, estimate, scale in (
        ("nps", kpis.nps, 1.0),
        ("csat", kpis.csat, 0.01),
        ("ces", kpis.ces, 1.0),
    ):
        if kpi not in frame:
            continue
        scores = frame[kpi].dropna().astype(float)
        out[f"{kpi}_n"] = len(scores)
        found = estimate(scores) if len(scores) else None
        for suffix in ("", "_low", "_high"):
            value = getattr(found, suffix.lstrip("_") or "value") if found else np.nan
            out[f"{kpi}{suffix}"] = value * scale
    if out.get("nps_n"):
        answers = frame["nps"].dropna().astype(float)
        promoters, detractors = (answers >= 9).mean(), (answers <= 6).mean()
        out["nps_var"] = 100**2 * (promoters + detractors - (promoters - detractors) ** 2)
    elif "nps" in frame:
        out["nps_var"] = np.nan
    if "ces" in frame:
        ces = frame["ces"].dropna().astype(float)
        out["ces_var"] = ces.var(ddof=1) if len(ces) > 1 else np.nan
    return out


def early_churn(
    customers: pd.DataFrame | None,
    transactions: pd.DataFrame | None,
    months: list[int],
    cutoff: pd.Timestamp,
    contractual: bool,
    start: pd.Timestamp | None = None,
    inactivity_days: int = 180,
) -> pd.DataFrame:
    """Share of new customers who left in their first ``m`` months, per ``m``.

    The KPI section's definition (:func:`cxlib.kpis.retention.early_churn`):
    customers who started on or after ``start`` (else the first start date)
    and can be observed for ``m`` months (without contracts: ``m`` months plus
    ``inactivity_days``); lost = contract ended before the day ``m`` months
    after the start (without contracts: no purchase on or after that day).
    Columns: months, n, lost, share, first_start, last_start (the start dates
    counted, None when nobody is observable that long).
    """
    columns = ["months", "n", "lost", "share", "first_start", "last_start"]
    if customers is None or "start_date" not in customers or customers["start_date"].isna().all():
        return pd.DataFrame(columns=columns)
    if (contractual and "end_date" not in customers) or (not contractual and transactions is None):
        return pd.DataFrame(columns=columns)
    window = (start if start is not None else customers["start_date"].min()).date()
    rows = []
    for m in months:
        item = retention.early_churn(
            customers,
            window,
            pd.Timestamp(cutoff).date(),
            m,
            transactions=None if contractual else transactions,
            inactivity_days=None if contractual else inactivity_days,
        )
        rows.append(
            {
                "months": m,
                "n": item.n,
                "lost": item.lost,
                "share": item.share,
                "first_start": item.first_start,
                "last_start": item.last_start,
            }
        )
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class Evidence:
    """Data evidence per phase and per candidate journey, with contradictions."""

    phases: pd.DataFrame
    journeys: pd.DataFrame
    churn: pd.DataFrame
    contradictions: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    min_n: int = 10
    small_n: int = 30
    tickets_total: int = 0
    nps_all: float = np.nan

    def to_frame(self) -> pd.DataFrame:
        """Tidy per-journey evidence (one row per journey)."""
        return self.journeys.copy()

    def for_journey(self, name: str) -> dict[str, Any]:
        """The evidence row of one journey as a dict (empty if unknown), with the tickets of
        all phases (``tickets_total``, the n of its ``ticket_share``)."""
        rows = self.journeys[self.journeys["journey"] == name]
        return {} if rows.empty else {**rows.iloc[0].to_dict(), "tickets_total": self.tickets_total}

    def _score(self, value: float | None, n: float | None, kind: str, lang: str) -> str:
        if n is None or value is None or pd.isna(n) or n == 0 or pd.isna(value):
            return fmt.MISSING
        if n < self.min_n:
            return t("journeys.evidence.too_few", lang, n=fmt.integer(n, lang))
        text = {
            "nps": lambda: fmt.signed(value, 0, lang),
            "csat": lambda: fmt.percent(value, 0, lang),
            "ces": lambda: fmt.number(value, 1, lang),
        }[kind]()
        text += f" ({fmt.integer(n, lang)})"
        return text + (" *" if n < self.small_n else "")

    def table(self, lang: str = "de") -> pd.DataFrame:
        """Per-journey evidence as a display frame (scores with n; * = small n)."""

        def c(key: str) -> str:
            return t(f"journeys.evidence.col.{key}", lang)

        rows = []
        for _, row in self.journeys.iterrows():
            tickets = (
                f"{fmt.integer(row['tickets'], lang)} ({fmt.percent(row['ticket_share'], 0, lang)})"
                if self.tickets_total
                else fmt.MISSING
            )
            repeat = (
                f"{fmt.integer(row['repeat_tickets'], lang)} "
                f"({fmt.percent(row['repeat_share'], 0, lang)})"
                if row["tickets"]
                else fmt.MISSING
            )
            churn = fmt.MISSING
            if pd.notna(row.get("early_churn")):
                churn = t(
                    "journeys.evidence.churn_cell",
                    lang,
                    share=fmt.percent(row["early_churn"], 0, lang),
                    months=fmt.integer(row["early_churn_months"], lang),
                    n=fmt.integer(row["early_churn_n"], lang),
                )
            rows.append(
                {
                    c("journey"): f"{row['journey']} ({', '.join(row['phases'])})"
                    if row["phases"]
                    else row["journey"],
                    c("tickets"): tickets,
                    c("repeat"): repeat,
                    c("nps"): self._score(row.get("nps"), row.get("nps_n"), "nps", lang),
                    c("csat"): self._score(row.get("csat"), row.get("csat_n"), "csat", lang),
                    c("ces"): self._score(row.get("ces"), row.get("ces_n"), "ces", lang),
                    c("churn"): churn,
                }
            )
        frame = pd.DataFrame(rows)
        # columns without any data are left out
        keep = [col for col in frame.columns if (frame[col] != fmt.MISSING).any()]
        return frame[keep]

    def phase_table(self, lang: str = "de") -> pd.DataFrame:
        """Evidence per journey phase (tickets, repeat tickets, survey scores with n)."""

        def c(key: str) -> str:
            return t(f"journeys.evidence.col.{key}", lang)

        total = self.tickets_total
        rows = []
        for _, row in self.phases.iterrows():
            tickets, repeats = int(row["tickets"]), int(row["repeat_tickets"])
            rows.append(
                {
                    c("phase"): row["phase"],
                    c("tickets"): (
                        f"{fmt.integer(tickets, lang)} ({fmt.percent(tickets / total, 0, lang)})"
                        if total
                        else fmt.MISSING
                    ),
                    c("repeat"): (
                        f"{fmt.integer(repeats, lang)} ({fmt.percent(repeats / tickets, 0, lang)})"
                        if tickets
                        else fmt.MISSING
                    ),
                    c("nps"): self._score(row.get("nps"), row.get("nps_n"), "nps", lang),
                    c("csat"): self._score(row.get("csat"), row.get("csat_n"), "csat", lang),
                    c("ces"): self._score(row.get("ces"), row.get("ces_n"), "ces", lang),
                }
            )
        frame = pd.DataFrame(rows)
        keep = [col for col in frame.columns if (frame[col] != fmt.MISSING).any()]
        return frame[keep] if len(keep) > 1 else frame.iloc[0:0]

    def summary(self, lang: str = "de") -> HTML:
        """The evidence table as escaped HTML."""
        from cxlib.report import blocks as display

        return display.table(self.table(lang), lang)

    def contradiction_texts(self, lang: str = "de") -> list[str]:
        """One sentence per contradiction between a rating and the data."""
        out = []
        for item in self.contradictions:
            values = {
                "journey": item["journey"],
                "rating": fmt.number(item["rating"], 1, lang),
                "share": fmt.percent(item.get("share"), 0, lang),
                "nps": fmt.signed(item.get("nps"), 0, lang),
                "nps_all": fmt.signed(self.nps_all, 0, lang),
            }
            out.append(t(f"journeys.contradiction.{item['kind']}", lang, **values))
        return out


def collect(
    data: ClientData,
    workshop: Workshop,
    options: JourneyOptions,
    *,
    cutoff: dt.date | str,
    contractual: bool = True,
    observation_start: dt.date | None = None,
    inactivity_days: int = 180,
    min_n: int = 10,
    small_n: int = 30,
) -> Evidence:
    """Evidence per phase and per candidate journey from the client's tables.

    ``data`` is :class:`cxlib.io.loading.ClientData` (or anything with ``get``);
    ``workshop`` and ``options`` are the parameter file's ``workshop`` and
    ``analysis.journey``.
    """
    phases = list(workshop.phases)
    table = pd.DataFrame({"phase": phases})
    tickets = data.get("tickets")
    total = 0
    ticket_phase = repeat = None
    if tickets is not None and len(tickets):
        ticket_phase = assign_phase(tickets, workshop.phase_map, ("category",))
        repeat = repeat_flags(tickets, ticket_phase, options.repeat_window_days)
        total = len(tickets)
        counts = ticket_phase.value_counts()
        repeats = ticket_phase[repeat].value_counts()
        table["tickets"] = table["phase"].map(counts).fillna(0).astype(int)
        table["repeat_tickets"] = table["phase"].map(repeats).fillna(0).astype(int)
    else:
        table["tickets"] = 0
        table["repeat_tickets"] = 0
    survey = data.get("survey")
    survey_phase: pd.Series | None = None
    if survey is not None and len(survey):
        survey_phase = assign_phase(survey, workshop.phase_map, ("touchpoint",))
    cut = pd.Timestamp(cutoff)
    start = pd.Timestamp(observation_start) if observation_start else None
    churn = early_churn(
        data.get("customers"),
        data.get("transactions"),
        list(options.early_churn_months),
        cut,
        contractual,
        start,
        inactivity_days,
    )
    nps_all = survey_scores(survey).get("nps", np.nan) if survey is not None else np.nan

    rows = []
    for journey in workshop.journeys:
        members = list(journey.phases)
        row: dict[str, Any] = {"journey": journey.name, "journey_id": journey.id, "phases": members}
        in_phases = table["phase"].isin(members)
        row["tickets"] = int(table.loc[in_phases, "tickets"].sum())
        row["repeat_tickets"] = int(table.loc[in_phases, "repeat_tickets"].sum())
        row["ticket_share"] = row["tickets"] / total if total else np.nan
        row["repeat_share"] = row["repeat_tickets"] / row["tickets"] if row["tickets"] else np.nan
        if survey is not None and survey_phase is not None:
            row.update(survey_scores(survey[survey_phase.isin(members)]))
        if options.early_churn_phase in members and not churn.empty:
            last = churn.iloc[-1]
            row["early_churn"] = last["share"]
            row["early_churn_n"] = int(last["n"])
            row["early_churn_months"] = int(last["months"])
        rows.append(row)
    per_journey = pd.DataFrame(rows)
    if survey is not None and survey_phase is not None:
        for phase_row in table.itertuples():
            scores = survey_scores(survey[survey_phase == phase_row.phase])
            for key, value in scores.items():
                table.loc[phase_row.Index, key] = value
    return Evidence(
        phases=table,
        journeys=per_journey,
        churn=churn,
        contradictions=(),
        min_n=min_n,
        small_n=small_n,
        tickets_total=total,
        nps_all=nps_all,
    )


def contradictions(evidence: Evidence, selection: Selection, options: JourneyOptions) -> Evidence:
    """The evidence with contradictions between mean ratings and data flagged.

    * rated rare (Häufigkeit ≤ ``rare_rating_max``) but ≥ ``frequent_ticket_share`` of tickets;
    * rated frequent (≥ ``frequent_rating_min``) but ≤ ``rare_ticket_share`` of tickets;
    * rated harmless (Schaden ≤ ``harmless_rating_max``) but NPS ``nps_gap`` points below all.
    """
    found = []
    means = selection.ranking.set_index("journey")
    for _, row in evidence.journeys.iterrows():
        if row["journey"] not in means.index:
            continue
        rated = means.loc[row["journey"]]
        share = row["ticket_share"]
        if evidence.tickets_total and pd.notna(share):
            if (
                rated["frequency"] <= options.rare_rating_max
                and share >= options.frequent_ticket_share
            ):
                found.append(
                    {
                        "journey": row["journey"],
                        "kind": "rare_but_tickets",
                        "rating": rated["frequency"],
                        "share": share,
                    }
                )
            if (
                rated["frequency"] >= options.frequent_rating_min
                and share <= options.rare_ticket_share
            ):
                found.append(
                    {
                        "journey": row["journey"],
                        "kind": "frequent_but_few",
                        "rating": rated["frequency"],
                        "share": share,
                    }
                )
        nps, n = row.get("nps"), row.get("nps_n")
        if (
            pd.notna(nps)
            and pd.notna(n)
            and n >= evidence.min_n
            and rated["damage"] <= options.harmless_rating_max
            and nps <= evidence.nps_all - options.nps_gap
        ):
            found.append(
                {
                    "journey": row["journey"],
                    "kind": "harmless_but_nps",
                    "rating": rated["damage"],
                    "nps": nps,
                }
            )
    return Evidence(
        phases=evidence.phases,
        journeys=evidence.journeys,
        churn=evidence.churn,
        contradictions=tuple(found),
        min_n=evidence.min_n,
        small_n=evidence.small_n,
        tickets_total=evidence.tickets_total,
        nps_all=evidence.nps_all,
    )
