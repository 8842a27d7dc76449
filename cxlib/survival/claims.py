"""Claims discipline of the churn section: which differences it may state as findings.

Every test whose result the churn section could turn into a sentence of the kind
"more", "less", "n-times as often" or "driver" is a member of the report's
testing family (:mod:`cxlib.report.testing`, together with the KPI section's
survey comparisons):

* the log-rank test of each grouping (:class:`~cxlib.survival.curves.LogRank`),
* the Wald test of each column of the Cox model of early churn,
* the Wald test of each early-warning signal in the time-varying signal model
  (:mod:`cxlib.survival.signal_model`).

The key drivers (:mod:`cxlib.survival.drivers`) are columns of the two models,
so they are in the family already. The p-values of the family are adjusted
with Holm's step-down method (:func:`cxlib.report.testing.holm`; why Holm: see
there): the chance that the report states even one difference that is pure
chance stays below :data:`ALPHA`. Without the report's family (the section
analysed on its own) the churn section's tests form the family.

A test becomes a *finding* (its :attr:`Test.verdict` is ``finding``) only when

1. its Holm-adjusted p-value is below :data:`ALPHA`;
2. each compared group has at least :data:`MIN_EVENTS` churns (customer-months
   followed by a churn, for signals); with fewer, one or two churns more or
   less turn the estimate round;
3. the effect matters: a hazard ratio outside :data:`HR_IRRELEVANT` (0.8 to
   1.25), or for a log-rank test survival shares of the compared groups at
   least :data:`MIN_SHARE_GAP` (5 percentage points) apart. With a million
   customers even a hazard ratio of 1.02 is significant; it is not stated.

Everything else reads "kein Hinweis auf einen Unterschied (n = …)": the verdict
says which condition failed (``no_evidence``, ``few_events``, ``small``).

The compared groups: for a category level of the Cox model, the customers
with that level and those with the reference level (the most frequent one);
for a yes/no covariate or signal, those with and those without it; for a
log-rank test, the groups with at least :data:`MIN_EVENTS` churns, read at the
first horizon of :data:`CONTRAST_MONTHS` at which they are observed and differ
visibly (:func:`contrast`, also the group reading of the section).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from cxlib.report.testing import ALPHA, METHOD, Hypothesis, TestFamily, Verdict, holm
from cxlib.survival.table import DAYS_PER_MONTH

if TYPE_CHECKING:
    from cxlib.survival.cox import CoxModel
    from cxlib.survival.curves import KaplanMeier, KaplanMeierGroups, LogRank
    from cxlib.survival.signal_model import SignalModel

__all__ = [
    "ALPHA",
    "CONTRAST_MONTHS",
    "HR_CAP",
    "HR_IRRELEVANT",
    "METHOD",
    "MIN_EVENTS",
    "MIN_SHARE_GAP",
    "Claims",
    "Contrast",
    "Kind",
    "Test",
    "Verdict",
    "assess",
    "contrast",
    "holm",
    "hypothesis_id",
]

#: Relative risks above this are written "mehr als 10-mal" (the exact value in the appendix):
#: so large a ratio means almost nobody in the comparison group churns, its size is uncertain.
HR_CAP = 10.0
#: Hazard ratios in this range (inclusive) are too small to matter.
HR_IRRELEVANT = (0.8, 1.25)
#: Survival shares of compared groups must be at least this far apart (5 points).
MIN_SHARE_GAP = 0.05
#: Churns each compared group needs at least.
MIN_EVENTS = 10
#: Horizons (months) at which a log-rank difference is read, in this order.
CONTRAST_MONTHS = (12, 24, 6, 36, 60, 3)
#: A horizon is skipped while the compared groups differ by less than this (1 point).
VISIBLE_GAP = 0.01

Kind = Literal["logrank", "cox", "signals"]


@dataclass(frozen=True)
class Test:
    """One test of the family, with its adjusted p-value and verdict.

    ``name`` is the grouping (log-rank), the model column (``"channel: Website"``)
    or the signal. ``effect`` is the hazard ratio as estimated (Cox, signals) or
    the gap between the compared groups' survival shares (log-rank).
    ``events`` are the churns of the compared group with the fewest; ``n`` the
    customers the test rests on.
    """

    kind: Kind
    name: str
    p: float
    p_adjusted: float
    effect: float
    events: int
    n: int
    verdict: Verdict
    #: Whether the effect matters (hazard ratio outside :data:`HR_IRRELEVANT`, share gap).
    relevant: bool = True

    @property
    def hypothesis(self) -> Hypothesis:
        """This test as a member of the report's testing family."""
        return Hypothesis(hypothesis_id(self.kind, self.name), self.p, self.enough, self.relevant)

    @property
    def enough(self) -> bool:
        """Whether each compared group has at least :data:`MIN_EVENTS` churns."""
        return self.events >= MIN_EVENTS

    @property
    def finding(self) -> bool:
        """Whether the section may state this difference."""
        return self.verdict == "finding"


@dataclass(frozen=True)
class Claims:
    """The churn section's tests, judged by the report's family, in the order collected."""

    tests: tuple[Test, ...] = ()
    #: Tests in the family that judged them (the report's, or the section's own).
    family_size: int = 0

    def hypotheses(self) -> tuple[Hypothesis, ...]:
        """The section's tests as members of the report's testing family."""
        return tuple(x.hypothesis for x in self.tests)

    def get(self, kind: Kind, name: str) -> Test | None:
        """The test of ``name`` (None when it is not in the family)."""
        return next((x for x in self.tests if x.kind == kind and x.name == name), None)

    def is_finding(self, kind: Kind, name: str) -> bool:
        """Whether ``name`` may be stated as a finding."""
        test = self.get(kind, name)
        return test is not None and test.finding

    def findings(self, kind: Kind | None = None) -> tuple[Test, ...]:
        """The findings (of one kind, or all)."""
        return tuple(x for x in self.tests if x.finding and kind in (None, x.kind))

    def figures(self) -> dict[str, object]:
        """The family for results.json: rules and one record per test."""
        return {
            "method": METHOD,
            "alpha": ALPHA,
            "family_size": self.family_size,
            "hr_irrelevant": list(HR_IRRELEVANT),
            "min_share_gap": MIN_SHARE_GAP,
            "min_events": MIN_EVENTS,
            "tests": [{**asdict(x), "finding": x.finding} for x in self.tests],
        }


@dataclass(frozen=True)
class Contrast:
    """How far apart the groups of a log-rank test are, at one horizon.

    ``shares`` maps each compared group to its survival share after ``months``;
    ``eligible`` says whether the groups are those with at least
    :data:`MIN_EVENTS` churns (False: too few such groups, all groups shown).
    """

    months: int
    shares: dict[str, float]
    eligible: bool

    @property
    def worst(self) -> str:
        """The group with the lowest share."""
        return min(self.shares, key=lambda k: self.shares[k])

    @property
    def best(self) -> str:
        """The group with the highest share."""
        return max(self.shares, key=lambda k: self.shares[k])

    @property
    def gap(self) -> float:
        """Highest minus lowest share."""
        return self.shares[self.best] - self.shares[self.worst]


def contrast(groups: KaplanMeierGroups) -> Contrast | None:
    """The compared groups of a grouping and the horizon at which they are read.

    Compared are the groups with at least :data:`MIN_EVENTS` churns; with fewer
    than two such groups all groups (``eligible`` False). The horizon is the
    first of :data:`CONTRAST_MONTHS` at which two of them are observed and
    differ by at least one percentage point (a 12-month minimum term keeps
    everyone at 100 % for a year), else the first at which two are observed;
    None when there is none.
    """
    curves: Mapping[str, KaplanMeier] = groups.curves
    eligible = {k: c for k, c in curves.items() if c.n_events >= MIN_EVENTS}
    enough = len(eligible) >= 2
    chosen = eligible if enough else dict(curves)
    first: Contrast | None = None
    for months in CONTRAST_MONTHS:
        shares = {k: c.survival_at(months * DAYS_PER_MONTH) for k, c in chosen.items()}
        shares = {k: float(v) for k, v in shares.items() if pd.notna(v)}
        if len(shares) < 2:
            continue
        found = Contrast(months, shares, enough)
        if found.gap >= VISIBLE_GAP:
            return found
        first = first or found
    return first


def hypothesis_id(kind: Kind, name: str) -> str:
    """The report-wide id of a churn test (``survival/cox/channel: Website``)."""
    return f"survival/{kind}/{name}"


def _hr_relevant(hr: float) -> bool:
    low, high = HR_IRRELEVANT
    return not (low <= hr <= high) and math.isfinite(hr)


def _column_events(x: np.ndarray, columns: Sequence[str], events: np.ndarray) -> list[int]:
    """Per model column: churns in the smaller of its two compared groups."""
    out = []
    for j, column in enumerate(columns):
        name, _, level = column.partition(": ")
        values = x[:, j] == 1
        if level:
            own = [i for i, c in enumerate(columns) if c.partition(": ")[0] == name]
            other = (x[:, own] == 0).all(axis=1)  # the reference level
        else:
            other = x[:, j] == 0
        out.append(int(min((values & events).sum(), (other & events).sum())))
    return out


def _model_rows(
    kind: Kind, model: CoxModel, frame: pd.DataFrame, n: int
) -> list[tuple[Kind, str, float, float, int, int, bool]]:
    columns = list(model.design.columns)
    hr = model.hazard_ratios
    x = model.design.matrix(frame)
    events = frame["event"].to_numpy(dtype=bool)
    counts = _column_events(x, columns, events)
    rows: list[tuple[Kind, str, float, float, int, int, bool]] = []
    for column, fewest in zip(columns, counts, strict=True):
        ratio = float(hr.loc[column, "hr"])
        p = float(hr.loc[column, "p"])
        rows.append((kind, column, p, ratio, fewest, n, _hr_relevant(ratio)))
    return rows


def assess(
    tests: Mapping[str, LogRank] | None = None,
    groups: Mapping[str, KaplanMeierGroups] | None = None,
    model: CoxModel | None = None,
    model_frame: pd.DataFrame | None = None,
    signals: SignalModel | None = None,
    family: TestFamily | None = None,
) -> Claims:
    """The churn section's tests with adjusted p-values and verdicts.

    ``tests`` / ``groups``: the log-rank tests and Kaplan-Meier curves per
    grouping; ``model`` / ``model_frame``: the Cox model and the rows it was
    fitted on; ``signals``: the signal model (its episodes are its rows);
    ``family``: the report's testing family (default: these tests alone).
    """
    rows: list[tuple[Kind, str, float, float, int, int, bool]] = []
    for name, test in (tests or {}).items():
        curves = (groups or {}).get(name)
        found = contrast(curves) if curves is not None else None
        gap = found.gap if found is not None else math.nan
        n = sum(c.n for c in curves.curves.values()) if curves is not None else 0
        events = 0
        if found is not None and found.eligible and curves is not None:
            events = min(curves.curves[k].n_events for k in found.shares)
        relevant = found is not None and gap >= MIN_SHARE_GAP
        rows.append(("logrank", name, float(test.p), gap, events, n, relevant))
    if model is not None and model_frame is not None and len(model_frame):
        rows += _model_rows("cox", model, model_frame, model.n)
    if signals is not None and signals.model is not None:
        rows += _model_rows("signals", signals.model, signals.episodes, signals.customers)
    raw = [
        Test(kind, name, p, math.nan, effect, events, n, "no_evidence", relevant)
        for kind, name, p, effect, events, n, relevant in rows
    ]
    if family is None:
        family = TestFamily.of(x.hypothesis for x in raw)
    return Claims(
        tuple(
            replace(
                x,
                p_adjusted=family.p_adjusted(x.hypothesis.id),
                verdict=family.verdict(x.hypothesis),
            )
            for x in raw
        ),
        family.size,
    )
