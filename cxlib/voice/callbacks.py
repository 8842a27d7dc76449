"""Whom do we call back? The inner loop of the closed feedback loop (seeds 003, 004).

From the survey answers and the service tickets up to the cut-off, the
customers to follow up individually, by pseudonymous customer number:

* **detractors**: answers with a recommendation score 0-6 given in the last
  :data:`WINDOW_DAYS` days before the cut-off (with their masked comment);
  answers without a customer number are counted but cannot be called back;
* **open tickets**: tickets without a close date (opened up to the cut-off);
* **complaints**: tickets of a complaint category (:data:`COMPLAINT_WORDS` in
  the category, e.g. "Beschwerde", "Rechnung/Reklamation") opened in the window.

One row per customer: the reasons, the latest score and comment, the last
contact (latest answer or ticket of the window), a priority (1: two or more
reasons or a score of 0-3; 2: otherwise) and the suggested step of seed 003's
complaint recovery (1 acknowledge, 2 take responsibility and say the next
step, 3 deliver the solution, 4 follow up): a detractor without a ticket
starts at step 1, an open ticket at step 2 (it is known, not yet solved), a
closed complaint at step 4 (is it really done?); with several reasons the
earliest step. The list goes to :data:`CALL_BACK_FILE` beside the report
(Excel-friendly, :mod:`cxlib.io.exports`), never into the HTML; the report
shows only the counts and the process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib.io.customer_codes import plain_numbers
from cxlib.voice.masking import mask

#: The call-back list's file name beside the report.
CALL_BACK_FILE = "rueckrufliste.csv"
#: Days before the cut-off whose detractors and complaints are followed up (a choice:
#: a call-back months later no longer closes the loop).
WINDOW_DAYS = 90
#: A ticket category containing one of these words (any case) is a complaint.
COMPLAINT_WORDS = ("beschwerde", "reklamation", "complaint")
#: Scores of the detractors (NPS 0-6) and of the most critical ones (priority 1).
DETRACTOR_MAX = 6
CRITICAL_MAX = 3
#: The reasons, in the order the list names them, and the recovery step each starts at.
REASONS = ("detractor", "open_ticket", "complaint")
FIRST_STEP = {"detractor": 1, "open_ticket": 2, "complaint": 4}


@dataclass(frozen=True)
class CallBacks:
    """Whom to call back and why (counts for the report, rows for the file)."""

    window_days: int
    cutoff: dt.date
    #: detractor answers in the window, and of them without a customer number
    detractors: int
    detractors_anonymous: int
    #: tickets without a close date, and complaint tickets opened in the window
    open_tickets: int
    complaints: int
    #: one row per customer: customer_id, detractor, open_ticket, complaint (bool),
    #: score, comment (masked), last_contact, priority, step
    rows: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def customers(self) -> int:
        """Customers on the list."""
        return len(self.rows)

    @property
    def first_priority(self) -> int:
        """Customers of priority 1."""
        return int((self.rows["priority"] == 1).sum()) if len(self.rows) else 0

    def call_list(self, lang: str = "de") -> pd.DataFrame:
        """The list for the service team in ``lang``: one row per customer, priority first."""
        from cxlib import formatting as fmt
        from cxlib.texts import t

        rows = self.rows
        names = np.array([t(f"voice.reasons.{r}", lang) for r in REASONS], dtype=object)
        shown = rows[list(REASONS)].to_numpy(dtype=bool) if len(rows) else np.zeros((0, 3), bool)
        reasons: np.ndarray | list[str] = fmt.join_where(names, shown) if len(rows) else []
        return pd.DataFrame(
            {
                t("voice.list.customer", lang): rows.get("customer_id", pd.Series([], dtype=str)),
                t("voice.list.priority", lang): rows.get("priority", pd.Series([], dtype=int)),
                t("voice.list.reasons", lang): reasons,
                t("voice.list.score", lang): rows.get("score", pd.Series([], dtype=float)),
                t("voice.list.comment", lang): rows.get("comment", pd.Series([], dtype=str)),
                t("voice.list.last_contact", lang): [
                    fmt.date(d, lang) for d in rows.get("last_contact", [])
                ],
                t("voice.list.step", lang): [
                    t(f"voice.steps.{int(s)}", lang) for s in rows.get("step", [])
                ],
            }
        )


def is_complaint(category: pd.Series) -> pd.Series:
    """True where the ticket category names a complaint (:data:`COMPLAINT_WORDS`)."""
    text = category.astype("string").str.lower().fillna("")
    return text.str.contains("|".join(COMPLAINT_WORDS), regex=True).astype(bool)


def _plain_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its customer numbers as plain text instead of the loaded categorical.

    The few rows of a call-back list grouped by a categorical would be grouped
    over all its categories (a million customers: a second per grouping).
    """
    if "customer_id" not in frame:
        return frame
    return frame.assign(customer_id=plain_numbers(frame["customer_id"]))


def _per_customer(frame: pd.DataFrame, column: str, date: str) -> pd.DataFrame:
    """customer_id, a True ``column`` and the latest ``date`` for each customer of ``frame``."""
    out = frame.groupby("customer_id", observed=True)[date].max().rename("last_contact")
    return out.to_frame().assign(**{column: True}).reset_index()


def call_backs(
    survey: pd.DataFrame | None,
    tickets: pd.DataFrame | None,
    cutoff: dt.date,
    window_days: int = WINDOW_DAYS,
) -> CallBacks | None:
    """The call-back list up to ``cutoff`` (module notes); None without scores and tickets."""
    cut = pd.Timestamp(cutoff)
    start = cut - pd.Timedelta(days=window_days)
    parts: list[pd.DataFrame] = []
    detractors = anonymous = open_count = complaint_count = 0
    answers = pd.DataFrame()
    has_scores = survey is not None and "nps" in survey and survey["nps"].notna().any()
    if survey is not None and has_scores:
        recent = _plain_numbers(survey[(survey["date"] > start) & (survey["date"] <= cut)])
        critical = recent[recent["nps"] <= DETRACTOR_MAX]
        ids = critical.get("customer_id")
        detractors = len(critical)
        anonymous = len(critical) if ids is None else int(ids.isna().sum())
        if ids is not None:
            known = critical[ids.notna()].sort_values("date")
            parts.append(_per_customer(known, "detractor", "date"))
            comments = known["comment"] if "comment" in known else pd.Series("", known.index)
            answers = (
                known.assign(comment=comments.fillna("").astype(str).map(mask))
                .groupby("customer_id", observed=True)
                .last()[["nps", "comment"]]
                .rename(columns={"nps": "score"})
                .reset_index()
            )
    if tickets is not None and len(tickets):
        known = _plain_numbers(tickets[tickets["customer_id"].notna() & (tickets["opened"] <= cut)])
        closed = known["closed"] if "closed" in known else pd.Series(pd.NaT, known.index)
        still_open = known[closed.isna() | (closed > cut)]
        complaints = known[
            is_complaint(known.get("category", pd.Series("", known.index)))
            & (known["opened"] > start)
        ]
        open_count, complaint_count = len(still_open), len(complaints)
        parts.append(_per_customer(still_open, "open_ticket", "opened"))
        parts.append(_per_customer(complaints, "complaint", "opened"))
    if not has_scores and tickets is None:
        return None
    rows = _combine(parts, answers)
    return CallBacks(
        window_days=window_days,
        cutoff=cutoff,
        detractors=detractors,
        detractors_anonymous=anonymous,
        open_tickets=open_count,
        complaints=complaint_count,
        rows=rows,
    )


def _combine(parts: list[pd.DataFrame], answers: pd.DataFrame) -> pd.DataFrame:
    """One row per customer from the reasons' frames, with priority and step."""
    columns = ["customer_id", *REASONS, "score", "comment", "last_contact", "priority", "step"]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns)
    stacked = pd.concat(parts, ignore_index=True)
    stacked["customer_id"] = stacked["customer_id"].astype(str)
    for reason in REASONS:  # a reason's frame has its column True; the others leave it empty
        stacked[reason] = stacked[reason].eq(True) if reason in stacked else False
    stacked["last_contact"] = pd.to_datetime(stacked["last_contact"])
    grouped = stacked.groupby("customer_id")
    rows = grouped[list(REASONS)].any().join(grouped["last_contact"].max()).reset_index()
    if len(answers):
        answers = answers.assign(
            customer_id=answers["customer_id"].astype(str),
            score=pd.to_numeric(answers["score"], errors="coerce").astype(float),
        )
        rows = rows.merge(answers, on="customer_id", how="left")
    else:
        rows = rows.assign(score=np.nan, comment="")
    rows["comment"] = rows["comment"].fillna("")
    reasons = rows[list(REASONS)].to_numpy(dtype=bool)
    critical = rows["score"].le(CRITICAL_MAX).to_numpy()
    rows["priority"] = np.where((reasons.sum(axis=1) >= 2) | critical, 1, 2)
    steps = np.array([FIRST_STEP[r] for r in REASONS])
    rows["step"] = np.where(reasons, steps, 99).min(axis=1)
    rows = rows.sort_values(
        ["priority", "last_contact", "customer_id"], ascending=[True, False, True]
    )
    return rows[columns].reset_index(drop=True)
