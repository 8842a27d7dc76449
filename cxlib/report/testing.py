"""The report's testing family: every test a section could state as a finding, judged together.

A report states differences of the kind "more", "less", "n times as often" or
"driver" in several sections: the KPI section compares survey groups and
waves and the comment themes of detractors and promoters, the churn section
compares churn curves (log-rank), model columns (Cox) and early-warning
signals. Each such test is a :class:`Hypothesis`; all hypotheses of one
report form one :class:`TestFamily`, whose p-values are adjusted together
with Holm's step-down method (:func:`holm`), so that the chance that the
whole report states even one difference that is pure chance stays below
:data:`ALPHA`.

Holm rather than Benjamini-Hochberg: every stated difference reaches a managing
director who acts on it (a false driver costs money, so the family-wise error
is the right guard), the family is small (about 10 to 80 tests), so Holm costs
little power, and its adjusted p-values do not depend on how many other tests
happen to be significant.

A hypothesis becomes a *finding* only when its adjusted p-value is below
:data:`ALPHA`, it rests on enough data (``enough``: each compared group has at
least ten churns, or the survey groups at least ``min_n`` answers) and its
effect matters (``relevant``: each section fixes its minimum relevant effect in
advance, e.g. a hazard ratio outside 0.8-1.25 or five points). The
:attr:`TestFamily.verdict` says which condition failed otherwise.

The family is computed once per run (:func:`cxlib.report_tests.report_tests`),
in ``cxwb run``'s main process while the notebooks start; a notebook gets it
as a :class:`PendingFamily`, which waits for it at the first verdict. Every
analysis judges its own tests by it; an analysis run on its own judges them
within its own family.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "ALPHA",
    "METHOD",
    "Hypothesis",
    "PendingFamily",
    "TestFamily",
    "Verdict",
    "holm",
]

#: Family-wise error rate of the report's tests.
ALPHA = 0.05
#: The multiple-testing correction of the family (:func:`holm`).
METHOD = "holm"

#: ``finding``: stated; ``no_evidence``: adjusted p not below α; ``few_events``: too
#: little data behind the effect; ``small``: significant but too small to matter.
Verdict = Literal["finding", "no_evidence", "few_events", "small"]


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN stays NaN and does not count).

    The i-th smallest of m p-values becomes max over j ≤ i of (m − j + 1)·p_(j),
    capped at 1 (Holm 1979); rejecting where the adjusted value is below α
    keeps the family-wise error rate at α.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    steps = (m - np.arange(m)) * q[order]
    adjusted = np.minimum(1.0, np.maximum.accumulate(steps))
    result = np.empty(m)
    result[order] = adjusted
    out[ok] = result
    return out


@dataclass(frozen=True)
class Hypothesis:
    """One test a section could state as a finding, before the family's adjustment.

    ``id`` names it across the report (``"kpi/nps/segment/Gewerbe"``,
    ``"survival/cox/channel: Website"``): the same test gets the same id in
    every process of a run. ``p`` is its raw two-sided p-value (NaN: not
    tested, not a member). ``enough`` and ``relevant`` are the section's rules
    for enough data and an effect that matters.
    """

    id: str
    p: float
    enough: bool = True
    relevant: bool = True


def _verdict(p_adjusted: float, enough: bool, relevant: bool) -> Verdict:
    if not p_adjusted < ALPHA:
        return "no_evidence"
    if not enough:
        return "few_events"
    return "finding" if relevant else "small"


@dataclass(frozen=True)
class TestFamily:
    """All tests of one report with their Holm-adjusted p-values (see the module docstring)."""

    __test__ = False  # not a pytest test class

    hypotheses: tuple[Hypothesis, ...] = ()
    adjusted: tuple[float, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.adjusted) != len(self.hypotheses):
            raise ValueError("one adjusted p-value per hypothesis")
        index = {h.id: i for i, h in enumerate(self.hypotheses)}
        if len(index) != len(self.hypotheses):
            raise ValueError("hypothesis ids must be unique in a family")
        object.__setattr__(self, "_index", index)

    @classmethod
    def of(cls, hypotheses: Iterable[Hypothesis]) -> TestFamily:
        """The family of ``hypotheses``, adjusted together (untested ones are left out)."""
        members = tuple(h for h in hypotheses if not np.isnan(h.p))
        adjusted = holm([h.p for h in members])
        return cls(members, tuple(float(q) for q in adjusted))

    @property
    def size(self) -> int:
        """How many tests the family has (the m of Holm's method)."""
        return len(self.hypotheses)

    def __contains__(self, hypothesis_id: object) -> bool:
        return hypothesis_id in self._index

    def p_adjusted(self, hypothesis_id: str) -> float:
        """The adjusted p-value of a member; NaN for a test that is not a member (not tested)."""
        at = self._index.get(hypothesis_id)
        return float("nan") if at is None else self.adjusted[at]

    def verdict(self, hypothesis: Hypothesis) -> Verdict:
        """The verdict on ``hypothesis`` (its own enough/relevant, the family's adjusted p).

        A hypothesis with a p-value that is not a member means the family was
        computed on other data than the analysis: a programming error.
        """
        if np.isnan(hypothesis.p):
            return "no_evidence"
        if hypothesis.id not in self._index:
            raise KeyError(
                f"test {hypothesis.id!r} is not in the report's family of {self.size} tests"
            )
        return _verdict(self.p_adjusted(hypothesis.id), hypothesis.enough, hypothesis.relevant)

    def to_frame(self) -> pd.DataFrame:
        """One row per member: id, p, p_adjusted, enough, relevant, verdict."""
        rows = [
            {
                "id": h.id,
                "p": h.p,
                "p_adjusted": q,
                "enough": h.enough,
                "relevant": h.relevant,
                "verdict": _verdict(q, h.enough, h.relevant),
            }
            for h, q in zip(self.hypotheses, self.adjusted, strict=True)
        ]
        columns = ["id", "p", "p_adjusted", "enough", "relevant", "verdict"]
        return pd.DataFrame(rows, columns=columns)

    def figures(self) -> dict[str, object]:
        """The family for results.json: method, α, size and one record per test."""
        return {
            "method": METHOD,
            "alpha": ALPHA,
            "size": self.size,
            "tests": self.to_frame().to_dict(orient="records"),
        }


#: What a :class:`PendingFamily` fetches on first use.
_FIELDS = frozenset({"hypotheses", "adjusted", "_index"})


class PendingFamily(TestFamily):
    """A family that another process is still computing, fetched once at its first use.

    ``cxwb run`` computes the report's family in its main process while the
    notebooks already run (:mod:`cxlib.runner.handoff`); a notebook gets this
    stand-in, so that the work before the first verdict (KPIs, models,
    charts of a section without tests) overlaps the family. Reading any of
    the family's contents (a verdict, an adjusted p-value, its size) calls
    ``fetch`` once and keeps what it returns; everything else behaves as
    that :class:`TestFamily`. Pickled, it is that family.
    """

    __test__ = False

    def __init__(self, fetch: Callable[[], TestFamily]) -> None:
        object.__setattr__(self, "_fetch", fetch)

    def __getattribute__(self, name: str) -> object:
        if name in _FIELDS and name not in object.__getattribute__(self, "__dict__"):
            family = object.__getattribute__(self, "_fetch")()
            for field_name in _FIELDS:
                object.__setattr__(self, field_name, getattr(family, field_name))
        return object.__getattribute__(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TestFamily):
            return NotImplemented
        return (self.hypotheses, self.adjusted) == (other.hypotheses, other.adjusted)

    def __hash__(self) -> int:
        return hash((self.hypotheses, self.adjusted))

    def __reduce__(self) -> tuple[type[TestFamily], tuple[object, ...]]:
        return TestFamily, (self.hypotheses, self.adjusted)

    def __repr__(self) -> str:
        if "hypotheses" not in object.__getattribute__(self, "__dict__"):
            return "PendingFamily(<not fetched yet>)"
        return f"PendingFamily(size={self.size})"
