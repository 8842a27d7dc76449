"""The management summary: five to seven one-sentence statements with a traffic light.

Each report section contributes statements (with its key figure in the text);
this module orders them and adds the data-quality statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from cxlib import formatting as fmt
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.runner.results import SectionRecord

Light = Literal["green", "amber", "red", "grey"]
MAX_STATEMENTS = 7


@dataclass(frozen=True)
class Statement:
    """One sentence of the management summary and its traffic light.

    ``grey`` means "for information" (no judgement).
    """

    text: str
    light: Light
    section: str

    def to_dict(self) -> dict[str, str]:
        """The statement as a JSON-ready dict."""
        return asdict(self)


def data_quality_statement(quality: pd.DataFrame, lang: str = "de") -> Statement:
    """How much of the client's data could be used, as one statement.

    ``quality`` is :meth:`cxlib.io.loading.ClientData.quality_frame`.
    """
    if quality.empty:
        return Statement(t("summary.no_data", lang), "amber", "appendix")
    read = int(quality["rows_read"].sum())
    rejected = int(quality["rows_rejected"].sum())
    light: Light = "green" if rejected == 0 else ("amber" if rejected / read < 0.05 else "red")
    text = t(
        "summary.quality",
        lang,
        tables=_counted("summary.files", len(quality), lang),
        rows=_counted("summary.rows", read, lang),
        rejected=fmt.integer(rejected, lang),
    )
    return Statement(text, light, "appendix")


def _counted(key: str, count: int, lang: str) -> str:
    """'1 Datei' or '3 Dateien': the form of ``key`` that fits ``count``."""
    return t(f"{key}.{fmt.plural(count, lang)}", lang, n=fmt.integer(count, lang))


def compose(
    sections: Sequence[SectionRecord], quality: pd.DataFrame, lang: str = "de"
) -> list[Statement]:
    """The management summary: the sections' statements and the data-quality one.

    ``sections`` are the section records in report order, each with its
    ``summary`` statements, most important first. Every section's
    first statement comes before any section's second one, so that a section
    with many statements cannot crowd out the others; at most seven in all,
    in report order.
    """
    lists = [
        [Statement(s.text, s.light, record.id) for s in record.summary or ()] for record in sections
    ]
    chosen: set[tuple[int, int]] = set()
    for rank in range(max((len(items) for items in lists), default=0)):
        for number, items in enumerate(lists):
            if rank < len(items) and len(chosen) < MAX_STATEMENTS - 1:
                chosen.add((number, rank))
    statements = [
        items[rank]
        for number, items in enumerate(lists)
        for rank in range(len(items))
        if (number, rank) in chosen
    ]
    statements.append(data_quality_statement(quality, lang))
    return statements
