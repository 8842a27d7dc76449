"""The management summary: at most seven one-sentence statements with a traffic light.

Each report section contributes statements (with its key figure in the text);
this module chooses and checks them and adds the data-quality statement when
the data has a problem. The rules (also in the report's method notes,
``report.appendix.method.notes.summary`` and ``quality``):

* **Lights.** Green only for a figure at or above its target or benchmark
  (``kind="figure"``; the section decides by its stated rule). A risk is never
  green: a green statement of ``kind="risk"``, and any statement of a risk
  section (:data:`RISK_SECTIONS`: churn) not marked as a figure, is shown
  amber. Any other green statement without a figure is shown grey.
* **Choice.** Every section's first statement (so each analysis with data has
  one), then the data-quality statement if there is one, then the largest
  significant change over time (``kind="change"``), then the sections' further
  statements by rank and report order, up to :data:`MAX_STATEMENTS`; shown in
  report order with the data quality last.
* **Data quality** is a statement only when it is a problem
  (:func:`data_quality_statement`): from :data:`PROBLEM_SHARE` of the rows
  rejected or of the cells that must be filled left empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Literal

from cxlib import formatting as fmt
from cxlib.report.facts import Fact, FactSheet, Unit
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.io.cutoff import DataAge
    from cxlib.io.loading import TableQuality
    from cxlib.runner.results import SectionRecord

Light = Literal["green", "amber", "red", "grey"]
#: What a statement says: a figure against its target or benchmark (the only kind that
#: may be green), a risk (never green), a change over time, or context (information).
Kind = Literal["figure", "risk", "change", "context"]
MAX_STATEMENTS = 7
#: Sections whose statements are about a risk (losing customers): never green
#: unless the section marks a statement as a figure against its target.
RISK_SECTIONS = frozenset({"survival"})
#: Data quality is a problem from this share of rejected rows or of empty cells that
#: must be filled (a choice); red from the shares below.
PROBLEM_SHARE = 0.01
RED_REJECTED_SHARE = 0.05
RED_MISSING_SHARE = 0.10
#: Columns whose empty cells mean something (not a gap in the data): the end date of
#: an active customer, an upgrade that did not happen, a ticket still open, an
#: unanswered survey question or "weiß nicht" in the maturity survey, an optional
#: comment or customer number. ``churn_reason`` is empty by design only for customers
#: without an end date (see :func:`unexplained_missing`).
BLANK_BY_DESIGN = {
    "customers": frozenset({"end_date", "upgrade_date"}),
    "survey": frozenset({"customer_id", "comment", "nps", "csat", "ces"}),
    "tickets": frozenset({"closed", "reopened"}),
    "maturity": frozenset({"score"}),
}
#: Survey columns with this prefix are driver questions: empty = not answered.
ANSWER_PREFIX = "item_"


@dataclass(frozen=True)
class Statement:
    """One sentence of the management summary, its traffic light and its kind.

    ``grey`` means "for information" (no judgement); ``kind`` says what the
    sentence is (see :data:`Kind`) and decides which lights it may have.
    ``facts`` are the ids of the section's facts (:mod:`cxlib.report.facts`)
    whose numbers the sentence states: the summary prints the section's
    figures, never its own.
    """

    text: str
    light: Light
    section: str
    kind: Kind = "context"
    facts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, str | list[str]]:
        """The statement as a JSON-ready dict."""
        out: dict[str, str | list[str]] = {
            key: value for key, value in asdict(self).items() if key != "facts"
        }
        out["facts"] = list(self.facts)
        return out


def checked(statement: Statement) -> Statement:
    """``statement`` with the light the summary rules allow (module docstring)."""
    if statement.light != "green":
        return statement
    if _is_risk(statement):
        return replace(statement, light="amber")
    return statement if statement.kind == "figure" else replace(statement, light="grey")


def _is_risk(statement: Statement) -> bool:
    return statement.kind == "risk" or (
        statement.section in RISK_SECTIONS and statement.kind != "figure"
    )


def _blank_by_design(table: str, column: str) -> bool:
    if table == "survey" and column.startswith(ANSWER_PREFIX):
        return True
    return column in BLANK_BY_DESIGN.get(table, frozenset())


def unexplained_missing(quality: TableQuality) -> tuple[int, int]:
    """Empty cells that must be filled, and how many such cells there are, in one table.

    Cells of :data:`BLANK_BY_DESIGN` columns do not count; an empty churn reason
    counts only beyond the customers without an end date (the active ones).
    """
    kept = quality.rows_read - quality.rows_rejected
    empty = cells = 0
    for column, count in quality.missing.items():
        if _blank_by_design(quality.table, column):
            continue
        if quality.table == "customers" and column == "churn_reason":
            active = quality.missing.get("end_date", 0)
            empty += max(count - active, 0)
            cells += kept - active
            continue
        empty += count
        cells += kept
    return empty, cells


def data_quality_statement(quality: Sequence[TableQuality], lang: str = "de") -> Statement | None:
    """The data-quality statement, or None when the data has no problem.

    ``quality`` holds the loaded tables' records
    (:attr:`cxlib.io.loading.ClientData.quality`). A problem is a share of
    rejected rows (of all rows read) or of empty cells that must be filled (of
    all such cells, :func:`unexplained_missing`) of at least
    :data:`PROBLEM_SHARE`; red from :data:`RED_REJECTED_SHARE` rejected or
    :data:`RED_MISSING_SHARE` empty. Without any table: the "no data" statement.
    """
    if not quality:
        return Statement(t("summary.no_data", lang), "amber", "appendix", "risk")
    read = sum(q.rows_read for q in quality)
    rejected = sum(q.rows_rejected for q in quality)
    gaps = [unexplained_missing(q) for q in quality]
    empty, cells = sum(e for e, _ in gaps), sum(c for _, c in gaps)
    rejected_share = rejected / read if read else 0.0
    missing_share = empty / cells if cells else 0.0
    if max(rejected_share, missing_share) < PROBLEM_SHARE:
        return None
    cited: tuple[str, ...] = ("quality.rows_read", "quality.tables", "quality.rejected")
    red = rejected_share >= RED_REJECTED_SHARE or missing_share >= RED_MISSING_SHARE
    rows = _counted("summary.rows", read, lang)
    tables = _counted("summary.files", len(quality), lang)
    rejected_rows = _counted("summary.rows", rejected, lang)
    if missing_share >= PROBLEM_SHARE:
        text = t(
            "summary.quality_missing",
            lang,
            rows=rows,
            tables=tables,
            missing=fmt.integer(empty, lang),
            share=fmt.percent(missing_share, 0, lang),
            rejected=rejected_rows,
        )
        cited += ("quality.missing", "quality.missing_share")
    else:
        text = t(
            "summary.quality",
            lang,
            rows=rows,
            tables=tables,
            rejected=fmt.integer(rejected, lang),
            share=fmt.percent(rejected_share, 0, lang),
        )
        cited += ("quality.rejected_share",)
    return Statement(text, "red" if red else "amber", "appendix", "risk", cited)


def quality_facts(quality: Sequence[TableQuality]) -> FactSheet:
    """The data-quality figures of the summary and the appendix, as facts (all counts)."""
    read = sum(q.rows_read for q in quality)
    rejected = sum(q.rows_rejected for q in quality)
    gaps = [unexplained_missing(q) for q in quality]
    empty, cells = sum(e for e, _ in gaps), sum(c for _, c in gaps)
    tables = tuple(q.table for q in quality)

    def count(key: str, value: float, unit: Unit = "count") -> Fact:
        return Fact(
            f"quality.{key}", value, unit, f"quality.{key}", no_interval="count", sources=tables
        )

    per_table = [
        Fact(
            f"quality.{q.table}.{key}",
            value,
            "count",
            f"quality.table_{key}",
            no_interval="count",
            population=q.table,
            sources=(q.table,),
        )
        for q in quality
        for key, value in (
            ("rows_read", q.rows_read),
            ("rejected", q.rows_rejected),
            ("missing_cells", sum(q.missing.values())),
        )
    ]
    return FactSheet(
        (
            count("rows_read", read),
            count("tables", len(quality)),
            count("rejected", rejected),
            count("rejected_share", rejected / read if read else 0.0, "share"),
            count("missing", empty),
            count("missing_share", empty / cells if cells else 0.0, "share"),
            *per_table,
        )
    )


def _counted(key: str, count: int, lang: str) -> str:
    """'1 Datei' or '3 Dateien': the form of ``key`` that fits ``count``."""
    return t(f"{key}.{fmt.plural(count, lang)}", lang, n=fmt.integer(count, lang))


def data_age_statement(age: DataAge | None, lang: str = "de") -> Statement | None:
    """A red risk statement when the data end far before the report date (or the cut-off)."""
    from cxlib.io.cutoff import stale_text

    text = None if age is None else stale_text(age, lang)
    cited = ("quality.data_age",)
    return None if text is None else Statement(text, "red", "appendix", "risk", cited)


def compose(
    sections: Sequence[SectionRecord],
    quality: Sequence[TableQuality],
    lang: str = "de",
    age: DataAge | None = None,
) -> list[Statement]:
    """The management summary: the sections' statements and, on a problem, the data quality.

    ``sections`` are the section records in report order, each with its
    ``summary`` statements, most important first; ``quality`` the loaded
    tables' records; ``age`` how old the data are (a warning first when they
    end far before the report date, :func:`data_age_statement`). Chosen and
    checked by the rules of the module docstring: at most
    :data:`MAX_STATEMENTS`, in report order, data quality last.
    """
    lists = [
        [
            checked(Statement(s.text, s.light, record.id, s.kind, s.facts))
            for s in record.summary or ()
        ]
        for record in sections
    ]
    quality_statement = data_quality_statement(quality, lang)
    age_statement = data_age_statement(age, lang)
    room = MAX_STATEMENTS - (quality_statement is not None) - (age_statement is not None)
    firsts = [(number, 0) for number, items in enumerate(lists) if items]
    later = [
        (number, rank)
        for rank in range(1, max((len(items) for items in lists), default=0))
        for number, items in enumerate(lists)
        if rank < len(items)
    ]
    changes = [key for key in later if lists[key[0]][key[1]].kind == "change"]
    others = [key for key in later if key not in changes]
    chosen = set([*firsts, *changes, *others][:room])
    statements = [
        items[rank]
        for number, items in enumerate(lists)
        for rank in range(len(items))
        if (number, rank) in chosen
    ]
    if quality_statement is not None:
        statements.append(quality_statement)
    return statements if age_statement is None else [age_statement, *statements]
