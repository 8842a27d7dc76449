"""The section contract: what every analysis package hands to its notebook and to the report.

Every analysis package (:mod:`cxlib.maturity`, :mod:`cxlib.journeys`,
:mod:`cxlib.kpis`, :mod:`cxlib.survival`) exposes the same two steps::

    result = package.analyse(params, data, tests)  # numbers and tables, no words
    section = package.section(result, lang)        # words, blocks, statements

``tests`` is the report's testing family (:mod:`cxlib.report.testing`): the
analyses that test differences (KPI comparisons, churn tests) judge them in
one family for the whole report; the others take it and have no tests.

and every analysis notebook calls them in the same order::

    wb = workbook.open_client(...)
    result = analysis.analyse(wb.params, wb.data, wb.tests)
    section = analysis.section(result, wb.lang)
    wb.heading(section)            # the section heading with its key message
    section.show("stage")          # one cell per block, in section.names order
    ...
    wb.record(section)             # figures, statements and files for results.json

A :class:`Section` knows its blocks by name; asking for a name it does not
have raises :class:`UnknownBlockError` instead of silently showing nothing.
A block is built when it is shown (charts are drawn in the cell that shows
them), and it may show nothing when it does not apply (one wave, no data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import pandas as pd

from cxlib.report.facts import FactSheet
from cxlib.report.summary import Statement

SectionId = Literal["maturity", "journey", "kpi", "survival"]
#: Report sections in report order; the analysis notebooks are numbered the same way.
SECTION_ORDER: tuple[SectionId, ...] = ("maturity", "journey", "kpi", "survival")

#: A value as JSON holds it (what results.json and a section's figures are made of).
JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"

#: What a block shows: displayable objects (HTML, figures), in order; empty shows nothing.
Block = Callable[[], Sequence[object]]


class UnknownBlockError(KeyError):
    """A notebook asked a section for a block it does not have (a programming error)."""


@dataclass(frozen=True)
class Shown:
    """The outputs of one block; shows each of them when it is a cell's last expression."""

    name: str
    items: tuple[object, ...]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if self.items:
            display(*self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[object]:
        return iter(self.items)


@dataclass(frozen=True)
class Section:
    """One report section in one language.

    ``key_message`` is the heading's subtitle; ``blocks`` are the section's
    displays in report order; ``statements`` go to the management summary;
    ``figures`` (JSON-ready numbers, no words) go to ``results.json``;
    ``facts`` (:mod:`cxlib.report.facts`) are the figures the section states,
    each named once with n, interval and definition, also in results.json;
    ``exports`` are files for the client's teams written beside the report
    (file name → table, e.g. the call-back list), never shown in the report.
    """

    id: SectionId
    key_message: str
    blocks: Mapping[str, Block]
    statements: tuple[Statement, ...] = ()
    figures: Mapping[str, object] = field(default_factory=dict)
    exports: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    facts: FactSheet = field(default_factory=FactSheet)

    def __post_init__(self) -> None:
        if self.id not in SECTION_ORDER:
            raise ValueError(f"unknown section {self.id!r}; known: {SECTION_ORDER}")
        for statement in self.statements:
            unknown = [f for f in statement.facts if f not in self.facts]
            if unknown:
                raise ValueError(f"section {self.id!r}: statement cites unknown facts {unknown}")

    @property
    def names(self) -> tuple[str, ...]:
        """The block names in report order."""
        return tuple(self.blocks)

    def show(self, name: str) -> Shown:
        """The outputs of block ``name`` (raises :class:`UnknownBlockError` for a wrong name)."""
        try:
            build = self.blocks[name]
        except KeyError:
            raise UnknownBlockError(
                f"section {self.id!r} has no block {name!r}; blocks: {', '.join(self.names)}"
            ) from None
        return Shown(name, tuple(build()))


def check_block_names(section: Section, names: Sequence[str]) -> None:
    """Raise :class:`UnknownBlockError` unless ``names`` are exactly the section's blocks, in order.

    The notebook tests call this with the names a notebook shows, so that a
    block the section adds or renames cannot silently go missing from the report.
    """
    if tuple(names) != section.names:
        raise UnknownBlockError(
            f"section {section.id!r}: notebook shows {tuple(names)}, section has {section.names}"
        )
