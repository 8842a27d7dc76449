"""One list for the team to call: the call-back list and the highest churn risks merged.

Two kinds of customers need a call, and the team has one telephone:

* the **call-backs** of the closed loop (:mod:`cxlib.voice.callbacks`):
  detractors, open tickets and complaints of the last days, each with its
  recovery step (seed 003's four steps);
* the **highest churn risks** of the risk model (:mod:`cxlib.survival.risk_list`):
  the ``calls_per_week`` × ``call_weeks`` active customers with the highest
  probability of leaving, each with the factors that raise it;
* the **early warnings** (:mod:`cxlib.kpis.early_warning`): customers showing
  two or more early-warning signals in the latest month, with the signals.

:func:`team_list` merges them into one row per pseudonymous customer number
(a customer in both appears once, with both reasons), ordered by priority:

1. call-backs of priority 1 (two or more reasons or a score of 0-3) and every
   call-back who is also a high churn risk or shows early warnings (an unhappy
   customer about to leave);
2. the other call-backs (an answer they are owed);
3. the churn risks and early warnings without a call-back (a preventive call).

Within a priority the customers with early warnings first (a signal of this
month is the most acute; the KPI section says to approach them first), then
the highest churn probability (those without one after those with one), then
the latest contact. Each row gets the week
to call in, ``calls_per_week`` a week in list order; every call-back stays on
the list (it closes the loop), so the list may take longer than
``call_weeks`` weeks, which the report's note says (:attr:`TeamList.weeks`).
The list goes to :data:`TEAM_LIST_FILE` beside the report, never into it;
the report shows only the counts of :class:`TeamList` (facts of the churn
section, equal to the file's rows). Comments are masked
(:func:`cxlib.voice.masking.mask`) before they reach the list; no name,
address or other personal detail of the customers table is on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.kpis.early_warning import EarlyWarning
from cxlib.report.facts import Fact
from cxlib.texts import t
from cxlib.voice.callbacks import CALL_BACK_FILE, REASONS, CallBacks
from cxlib.voice.codebook import Codebook
from cxlib.voice.coding import code

__all__ = ["TEAM_LIST_FILE", "TeamList", "team_facts", "team_list"]

#: The one list's file name beside the report (the call-back list's name).
TEAM_LIST_FILE = CALL_BACK_FILE
#: The recovery step of a churn risk without a call-back (a preventive call).
PREVENTIVE_STEP = 5
#: The columns of :attr:`TeamList.rows`.
COLUMNS = (
    "customer_id",
    *REASONS,
    "churn_risk",
    "probability",
    "factors",
    "early_warning",
    "signals",
    "score",
    "themes",
    "comment",
    "last_contact",
    "priority",
    "step",
    "week",
)


@dataclass(frozen=True)
class TeamList:
    """The merged list (numbers and the risk model's factor words, see the module notes).

    ``rows`` has the columns :data:`COLUMNS`; ``probability_label`` is the risk
    list's heading of the churn probability (it names the horizon).
    """

    rows: pd.DataFrame = field(repr=False)
    calls_per_week: int
    probability_label: str = ""
    #: the early-warning signals ``signals`` names, in the order they are listed
    signal_names: tuple[str, ...] = ()

    @property
    def customers(self) -> int:
        """Customers on the list (the file's rows)."""
        return len(self.rows)

    @property
    def call_backs(self) -> int:
        """Customers on it for a critical answer, an open ticket or a complaint."""
        return int(self.rows[list(REASONS)].any(axis=1).sum()) if len(self.rows) else 0

    @property
    def churn_risks(self) -> int:
        """Customers on it for a high churn risk."""
        return int(self.rows["churn_risk"].sum()) if len(self.rows) else 0

    @property
    def both(self) -> int:
        """Call-backs who are also a high churn risk."""
        if not len(self.rows):
            return 0
        return int((self.rows[list(REASONS)].any(axis=1) & self.rows["churn_risk"]).sum())

    @property
    def warnings(self) -> int:
        """Customers on it (also) for two or more early-warning signals in the latest month."""
        return int(self.rows["early_warning"].sum()) if len(self.rows) else 0

    @property
    def weeks(self) -> int:
        """Weeks the list takes at ``calls_per_week`` calls a week."""
        return int(self.rows["week"].max()) if len(self.rows) else 0

    def frame(self, lang: str = "de") -> pd.DataFrame:
        """The file for the team in ``lang``: one row per customer, in calling order."""
        rows = self.rows
        names = [t(f"voice.reasons.{r}", lang) for r in REASONS] + [
            t("survival.team.reason_risk", lang),
            t("survival.team.reason_signals", lang),
        ]
        flags = rows[[*REASONS, "churn_risk", "early_warning"]].to_numpy(dtype=bool)
        reasons: np.ndarray | list[str] = (
            fmt.join_where(np.array(names, dtype=object), flags) if len(rows) else []
        )

        def c(key: str) -> str:
            return t(f"voice.list.{key}", lang)

        return pd.DataFrame(
            {
                t("survival.risk_week", lang): rows["week"].astype(int),
                c("priority"): rows["priority"].astype(int),
                c("customer"): rows["customer_id"].astype(str),
                c("reasons"): reasons,
                self.probability_label or t("survival.team.probability", lang): rows["probability"],
                t("survival.risk_factors", lang): rows["factors"],
                t("survival.team.signals", lang): [
                    ", ".join(t(f"kpis.signals.{k}", lang) for k in str(keys).split() if k)
                    for keys in rows["signals"]
                ],
                c("score"): rows["score"].round().astype("Int64"),  # 0-10, empty if none
                t("survival.team.themes", lang): rows["themes"],
                c("comment"): rows["comment"],
                c("last_contact"): [
                    "" if pd.isna(d) else fmt.date(d, lang) for d in rows["last_contact"]
                ],
                c("step"): [t(f"voice.steps.{int(s)}", lang) for s in rows["step"]],
            }
        )


def _themes(comments: pd.Series, codebook: Codebook | None, lang: str) -> list[str]:
    """The themes of each (masked) comment, named in ``lang`` ("" without a codebook)."""
    if codebook is None:
        return [""] * len(comments)
    out = []
    for text in comments:
        ids = dict.fromkeys(m.theme for m in code(str(text), codebook))
        out.append(", ".join(codebook.theme(i).label(lang) for i in ids))
    return out


def team_list(
    call_backs: CallBacks | None,
    risks: pd.DataFrame | None,
    calls_per_week: int,
    codebook: Codebook | None = None,
    lang: str = "de",
    warning: EarlyWarning | None = None,
) -> TeamList:
    """Merge the call-backs, the highest churn risks and the early warnings (module notes).

    ``risks`` is the risk list cut to the team's capacity
    (:func:`cxlib.survival.risk_list.call_list`: week, customer number,
    tenure, probability, factors, in this order) or None without a risk
    model; ``codebook`` names each comment's themes in ``lang``; ``warning``
    gives the customers with two or more signals in the latest month.
    """
    backs = call_backs.rows if call_backs is not None else pd.DataFrame()
    if len(backs):
        backs = backs.assign(
            customer_id=backs["customer_id"].astype(str),
            themes=_themes(backs["comment"], codebook, lang),
        )
    else:
        backs = pd.DataFrame(columns=["customer_id", *REASONS, "priority", "step"])
    label = ""
    if risks is not None and len(risks.columns) >= 5:
        label = str(risks.columns[3])
        risk = pd.DataFrame(
            {
                "customer_id": risks.iloc[:, 1].astype(str).to_numpy(),
                "churn_risk": True,
                "probability": risks.iloc[:, 3].astype(float).to_numpy(),
                "factors": risks.iloc[:, 4].astype(str).to_numpy(),
            }
        )
    else:
        risk = pd.DataFrame(columns=["customer_id", "churn_risk", "probability", "factors"])
    rows = backs.merge(risk, on="customer_id", how="outer", suffixes=("", "_risk"))
    rows = rows.merge(_warned(warning), on="customer_id", how="outer")
    rows["early_warning"] = rows["early_warning"].eq(True)
    rows["signals"] = rows["signals"].fillna("")
    for reason in REASONS:
        rows[reason] = rows[reason].eq(True)
    rows["churn_risk"] = rows["churn_risk"].eq(True)
    for column, empty in (("factors", ""), ("themes", ""), ("comment", "")):
        rows[column] = rows[column].fillna(empty) if column in rows else empty
    for column in ("score", "probability"):
        rows[column] = pd.to_numeric(rows.get(column), errors="coerce").astype(float)
    rows["last_contact"] = pd.to_datetime(rows.get("last_contact"))
    backed = rows[list(REASONS)].any(axis=1)
    first = backed & (rows["priority"].eq(1) | rows["churn_risk"] | rows["early_warning"])
    rows["priority"] = np.where(first, 1, np.where(backed, 2, 3))
    steps = pd.to_numeric(rows["step"], errors="coerce").fillna(PREVENTIVE_STEP)
    rows["step"] = np.where(backed, steps, PREVENTIVE_STEP).astype(int)
    rows = rows.assign(_w=~rows["early_warning"], _p=-rows["probability"].fillna(-1.0))
    rows = rows.sort_values(
        ["priority", "_w", "_p", "last_contact", "customer_id"],
        ascending=[True, True, True, False, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    rows["week"] = np.arange(len(rows)) // calls_per_week + 1
    signals = tuple(warning.available) if warning is not None else ()
    return TeamList(rows[list(COLUMNS)], calls_per_week, label, signals)


def _warned(warning: EarlyWarning | None) -> pd.DataFrame:
    """customer_id, early_warning and the signal keys (space-separated) of the flagged customers."""
    flags = warning.latest_flags if warning is not None else pd.DataFrame()
    if warning is None or not len(flags):
        return pd.DataFrame(
            {"customer_id": pd.Series([], dtype=str), "early_warning": [], "signals": []}
        )
    shown = flags[list(warning.available)].to_numpy(dtype=bool)
    keys = np.array(warning.available, dtype=object)
    return pd.DataFrame(
        {
            "customer_id": flags["customer_id"].astype(str).to_numpy(),
            "early_warning": True,
            "signals": [" ".join(keys[row]) for row in shown],
        }
    )


def team_facts(team: TeamList) -> list[Fact]:
    """The list's counts the report states (each equals a count of the file's rows)."""

    def count(key: str, value: int) -> Fact:
        return Fact(
            f"survival.team.{key}",
            value,
            "count",
            f"survival.team_{key}",
            no_interval="count",
            sources=("survey", "tickets", "customers"),
        )

    return [
        count("customers", team.customers),
        count("call_backs", team.call_backs),
        count("risks", team.churn_risks),
        count("both", team.both),
        count("signals", team.warnings),
        count("weeks", team.weeks),
    ]
