"""Facts: every figure a section states, named once, with its n, interval and definition.

A :class:`Fact` is one figure of the report as the analysis computed it: an
id that names it across the report (``kpi.nps``, ``survival.early_churn.6``),
its value and unit, the n it rests on, its 95 % interval or the reason it has
none (a count is exact; a value typed in the workshop is an input), the text
key of its one-sentence definition (de and en in ``cxlib/texts/*/facts.yaml``),
and the population, period and tables it comes from.

A section's :class:`FactSheet` holds its facts; statements of the management
summary name the facts they state (:attr:`cxlib.report.summary.Statement.facts`),
so that the summary prints the section's number, never one of its own.
results.json carries every fact (``sections[].facts``, see docs/results.md);
the reconciliation test (``tests/test_reconciliation.py``) checks that each
number of the summary and of the key messages is one of these facts at its
shown precision.

Registering an id twice with another value raises :class:`FactConflictError`:
one fact, one number.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from cxlib.texts import t

__all__ = [
    "Fact",
    "FactConflictError",
    "FactSheet",
    "NoInterval",
    "Unit",
    "bounded",
]

#: What a fact's value measures. ``share`` is a fraction (0.25 is shown as 25 %),
#: ``points`` NPS points or percentage points, ``score`` a mean on a rating scale,
#: ``ratio`` a relative risk or factor, ``euro`` money, ``months``/``days`` durations,
#: ``stage`` a maturity stage, ``count`` a number of things, ``date`` an ISO date.
Unit = Literal[
    "count", "share", "points", "score", "ratio", "euro", "months", "years", "days", "stage", "date"
]
#: Why a fact has no interval: ``count`` (counted, exact), ``input`` (typed in the
#: workshop or the parameter file), ``rule`` (a threshold of the method), ``derived``
#: (arithmetic on facts that have their own intervals), ``too_few`` (too little data),
#: ``census`` (everyone concerned was counted or asked: no sampling error to state),
#: ``published`` (quoted from a published source, such as the seed's SME survey).
NoInterval = Literal["count", "input", "rule", "derived", "too_few", "census", "published"]


#: The confidence level of every interval of the report.
LEVEL = 0.95


class FactConflictError(ValueError):
    """One id was given two different values (a programming error: two definitions)."""


@dataclass(frozen=True)
class Fact:
    """One figure of the report (see the module docstring)."""

    id: str
    value: float | str
    unit: Unit
    #: Text key of the one-sentence definition (``facts.<key>`` in de and en).
    definition: str
    n: int | None = None
    low: float | None = None
    high: float | None = None
    no_interval: NoInterval | None = None
    #: Who is counted (a group label such as "Segment Gewerbe"; empty: the whole population
    #: of the definition).
    population: str = ""
    #: The period the figure covers, as ISO dates "2024-01-01/2025-12-31" (empty: up to the
    #: data cut-off).
    period: str = ""
    #: The tables it is computed from (``customers``, ``survey`` …).
    sources: tuple[str, ...] = ()
    #: The confidence level of the interval (None without an interval).
    level: float | None = None

    def __post_init__(self) -> None:
        has_interval = self.low is not None and self.high is not None
        if has_interval and self.level is None:
            object.__setattr__(self, "level", LEVEL)
        if not has_interval and self.level is not None:
            raise ValueError(f"fact {self.id}: a level without an interval")
        if has_interval == (self.no_interval is not None):
            raise ValueError(f"fact {self.id}: give an interval or the reason there is none")
        if self.unit == "date":
            if not isinstance(self.value, str):
                raise ValueError(f"fact {self.id}: a date is an ISO string")
            dt.date.fromisoformat(self.value)
        elif not isinstance(self.value, (int, float)):
            raise ValueError(f"fact {self.id}: value must be a number")
        if has_interval and isinstance(self.value, (int, float)) and math.isfinite(self.value):
            assert self.low is not None and self.high is not None
            if not self.low - 1e-9 <= self.value <= self.high + 1e-9:
                raise ValueError(f"fact {self.id}: {self.value} outside [{self.low}, {self.high}]")

    @property
    def scale(self) -> float:
        """The factor from the value to the number shown (100 for a share shown in %)."""
        return 100.0 if self.unit == "share" else 1.0

    def shown(self) -> tuple[float, ...]:
        """The numbers this fact may put on the page: value, interval bounds, n (display scale)."""
        if isinstance(self.value, str):
            return ()
        numbers = [self.value * self.scale]
        if self.low is not None and self.high is not None and self.level is not None:
            numbers += [self.low * self.scale, self.high * self.scale, self.level * 100]
        if self.n is not None:
            numbers.append(float(self.n))
        return tuple(x for x in numbers if math.isfinite(x))

    def record(self, lang: str) -> dict[str, object]:
        """The fact for results.json, with its definition in ``lang``."""
        return {
            "id": self.id,
            "value": self.value,
            "unit": self.unit,
            "definition": t(f"facts.{self.definition}", lang),
            "n": self.n,
            "low": self.low,
            "high": self.high,
            "no_interval": self.no_interval,
            "population": self.population,
            "period": self.period,
            "sources": list(self.sources),
            "level": self.level,
        }


def bounded(
    fact_id: str,
    value: float,
    unit: Unit,
    definition: str,
    *,
    n: object = None,
    low: object = None,
    high: object = None,
    reason: NoInterval = "count",
    population: str = "",
    sources: tuple[str, ...] = (),
) -> Fact:
    """A fact with its interval where both bounds are finite numbers, else with ``reason``.

    ``n`` is kept where it is a finite number. The one constructor the analyses'
    fact modules use for figures whose interval may be missing (NaN bounds, too
    few data) or that never have one (a count: the default ``reason``).
    """

    def finite(x: object) -> bool:
        return isinstance(x, (int, float)) and math.isfinite(x)

    interval = finite(low) and finite(high)
    return Fact(
        fact_id,
        value,
        unit,
        definition,
        n=int(n) if finite(n) else None,  # type: ignore[call-overload]
        low=float(low) if interval else None,  # type: ignore[arg-type]
        high=float(high) if interval else None,  # type: ignore[arg-type]
        no_interval=None if interval else reason,
        population=population,
        sources=sources,
    )


@dataclass(frozen=True)
class FactSheet(Mapping[str, Fact]):
    """A section's facts by id, in the order they were added; ids are unique."""

    facts: tuple[Fact, ...] = ()
    _index: dict[str, Fact] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Fact] = {}
        for fact in self.facts:
            _check(index, fact)
            index[fact.id] = fact
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "facts", tuple(index.values()))

    def __getitem__(self, fact_id: str) -> Fact:
        return self._index[fact_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def plus(self, *facts: Fact | Iterable[Fact]) -> FactSheet:
        """A sheet with ``facts`` added (each a fact or an iterable of facts)."""
        flat: list[Fact] = []
        for item in facts:
            flat.extend([item] if isinstance(item, Fact) else item)
        return FactSheet((*self.facts, *flat))

    def within(self, population: str, prefix: str) -> FactSheet:
        """The facts of another sheet for one group: ids prefixed, population set."""
        return FactSheet(
            tuple(replace(f, id=f"{prefix}.{f.id}", population=population) for f in self.facts)
        )

    def records(self, lang: str) -> list[dict[str, object]]:
        """All facts for results.json, in order."""
        return [fact.record(lang) for fact in self.facts]


def _check(index: Mapping[str, Fact], fact: Fact) -> None:
    known = index.get(fact.id)
    if known is None or known == fact:
        return
    if known.value != fact.value or known.n != fact.n:
        raise FactConflictError(
            f"fact {fact.id} has two values: {known.value!r} (n={known.n}) "
            f"and {fact.value!r} (n={fact.n})"
        )
    raise FactConflictError(f"fact {fact.id} is defined twice with different details")
