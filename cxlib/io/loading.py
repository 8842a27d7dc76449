"""Loading a client's data files into canonical, validated tables.

:func:`load_client_data` reads every table configured under ``data`` in the
client's parameter file; :func:`read_table` reads one. Each file is

1. read as a grid of raw cells: CSV with pyarrow's multi-threaded reader into
   Arrow strings, or pandas' C engine for files that are not plain (encoding
   and separator detected on a sample unless configured), XLSX with openpyxl
   (typed cells),
2. searched for its header row (``header_row`` or the first of the first ten
   rows that has all required columns), whose headers are matched onto the
   table's canonical columns (:mod:`cxlib.io.sources`),
3. parsed column by column (:func:`cxlib.io.parsing.parse_cells`) and checked:
   required cells, ranges, unique keys, end date not before start date.

Every problem of a file is collected; a :class:`~cxlib.exceptions.DataError`
lists them all at once (for all files, in :func:`load_client_data`). Row
numbers are those the user sees: the line of a CSV file (the header on line 1
means the first data row is row 2; a record with a quoted line break counts
once, as in Excel) or the Excel row number. Nothing is ever written.

Big files: parsing, checks and the duplicate search are vectorised (Arrow
string kernels, one sort per key column instead of a hash table over millions
of ids), the raw grid is released once the columns are parsed, and text
columns stay Arrow strings (``string[pyarrow]``), so that a 5,000,000-row
German CSV loads in seconds within a few times the file's size
(``benchmarks/bench_loading.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib import formatting as fmt
from cxlib.exceptions import DataError, DataProblem
from cxlib.io.customer_codes import (
    customer_codes,
    per_customer_date,
    share_customer_codes,
    stable_order,
)
from cxlib.io.headers import find_header, header_text, structure_problems
from cxlib.io.origin import Origin
from cxlib.io.parsing import Cells, Formats, parse_cells
from cxlib.io.sources import Grid, file_problem, read_grid
from cxlib.io.tables import TABLES
from cxlib.parameters.schema import ClientParameters, DataFile

T = TypeVar("T")

__all__ = [
    "ClientData",
    "LoadedTable",
    "TableQuality",
    "customers_from_purchases",
    "load_client_data",
    "read_table",
]

#: At most this many cells are listed per column and reason (the rest is counted).
MAX_PROBLEMS_PER_RULE = 1000
_SKIP_HINT = (
    "Mit `invalid_rows: skip` unter data.{table} werden fehlerhafte Zeilen ausgelassen "
    "und im Anhang gezählt."
)

_PURCHASES_HINT = (
    "Eine Kaufliste gehört unter data.transactions (Kundennummer, Kaufdatum, Umsatz), mit "
    "business_model: non_contractual; die Kundentabelle (data.customers) ist dann nicht "
    "nötig: Kunde seit = erster Kauf."
)


@dataclass(frozen=True)
class TableQuality:
    """What loading one file found: rows read and rejected, gaps, unused columns.

    ``missing`` counts the empty cells per loaded canonical column (in the rows
    kept); ``ignored_columns`` lists every header that was not loaded, of which
    ``personal_columns`` were dropped because they look like personal data.
    """

    table: str
    file: str
    rows_read: int
    rows_rejected: int
    problems: tuple[DataProblem, ...]
    missing: dict[str, int]
    ignored_columns: tuple[str, ...]
    personal_columns: tuple[str, ...]
    encoding: str | None
    separator: str | None

    def to_frame(self) -> pd.DataFrame:
        """The findings as a long table for the data-quality appendix.

        One row per rejection problem (``kind="rejected"``, with row, column,
        value and message), per canonical column with empty cells
        (``kind="missing"``, ``count``) and per unused header
        (``kind="personal"`` or ``kind="ignored"``). Columns: table, file,
        kind, column, row, value, count, message.
        """
        records = [
            ("rejected", p.column, p.row, p.value, 1, p.message + _expected(p))
            for p in self.problems
        ]
        records += [
            ("missing", name, None, None, count, "leere Zellen")
            for name, count in self.missing.items()
            if count
        ]
        for header in self.ignored_columns:
            personal = header in self.personal_columns
            reason = "personenbezogen, nicht geladen" if personal else "nicht verwendet"
            records.append(("personal" if personal else "ignored", header, None, None, 0, reason))
        frame = pd.DataFrame(
            records, columns=["kind", "column", "row", "value", "count", "message"]
        ).astype({"row": "Int64", "count": "int64"})
        frame.insert(0, "file", self.file)
        frame.insert(0, "table", self.table)
        return frame

    @property
    def reasons(self) -> str:
        """The most frequent rejection reasons, e.g. "NPS: Wert außerhalb … (3×)"."""
        counts = Counter(
            f"{p.column}: {p.message}" if p.column else p.message for p in self.problems
        )
        return "; ".join(f"{reason} ({n}×)" for reason, n in counts.most_common(3))


def _expected(problem: DataProblem) -> str:
    return f" (erwartet: {problem.expected})" if problem.expected else ""


@dataclass(frozen=True)
class LoadedTable:
    """One loaded table: canonical frame plus what loading it found."""

    name: str
    frame: pd.DataFrame
    quality: TableQuality


@dataclass(frozen=True)
class ClientData:
    """All configured tables of one client.

    ``derived`` holds tables built from others where the client has none (a
    shop with only purchases: customers from the purchases, see
    :func:`customers_from_purchases`); :meth:`get` returns them, :attr:`quality`
    lists only the files read.
    """

    tables: dict[str, LoadedTable]
    derived: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: results computed once from these tables (see :meth:`remembered`)
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)
    #: where memo entries computed elsewhere come from (see :meth:`expect`); empty: nowhere
    expected: list[tuple[tuple[str, ...], Callable[[], Mapping[str, object]]]] = field(
        default_factory=list, compare=False, repr=False
    )

    def __getstate__(self) -> dict[str, object]:
        """Pickled without :attr:`expected` (a waiting function belongs to its process)."""
        return self.__dict__ | {"expected": []}

    def remembered(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per ``key`` for these tables: the stored result afterwards.

        The memo lets the report's testing family and the notebooks share the
        costly work (the coded comments, the fitted churn models): in a run,
        the notebooks take what the family remembered (see :meth:`expect`).
        ``key`` must name the result and everything it depends on
        besides the tables (for example ``f"voice.themes/{params.fingerprint()}"``,
        see :meth:`cxlib.parameters.schema.ClientParameters.fingerprint`).
        """
        if key not in self.memo and self.expected:
            prefixes, fetch = self.expected[0]
            if key.startswith(prefixes):  # another process computes it: wait instead
                self.expected.clear()
                for name, value in fetch().items():
                    self.memo.setdefault(name, value)
        if key not in self.memo:
            self.memo[key] = compute()
        return cast("T", self.memo[key])

    def expect(self, prefixes: tuple[str, ...], fetch: Callable[[], Mapping[str, object]]) -> None:
        """Take the memo entries whose keys start with ``prefixes`` from ``fetch()``.

        ``cxwb run`` computes the report's testing family, and with it the
        entries it remembers (the churn fit, the coded comments, the
        early-warning flags), in its main process while the notebooks already
        run (:mod:`cxlib.runner.handoff`). A notebook's first :meth:`remembered`
        of such a key calls ``fetch`` (which waits for the main process) and
        adds what it returns to the memo instead of computing the entry a
        second time; entries already here are kept.
        """
        self.expected[:] = [(prefixes, fetch)]

    def get(self, name: str) -> pd.DataFrame | None:
        """The frame of table ``name`` (read or derived), or None when there is none."""
        if name not in TABLES:
            raise KeyError(f"unbekannte Tabelle {name!r}; bekannt: {', '.join(TABLES)}")
        table = self.tables.get(name)
        return self.derived.get(name) if table is None else table.frame

    @property
    def customers(self) -> pd.DataFrame | None:
        """Customers and contracts, if configured."""
        return self.get("customers")

    @property
    def transactions(self) -> pd.DataFrame | None:
        """Purchases, if configured."""
        return self.get("transactions")

    @property
    def survey(self) -> pd.DataFrame | None:
        """Survey answers, if configured."""
        return self.get("survey")

    @property
    def tickets(self) -> pd.DataFrame | None:
        """Service tickets, if configured."""
        return self.get("tickets")

    @property
    def maturity(self) -> pd.DataFrame | None:
        """CX maturity answers, if configured."""
        return self.get("maturity")

    @property
    def signals(self) -> pd.DataFrame | None:
        """Monthly early-warning signals, if configured."""
        return self.get("signals")

    @property
    def quality(self) -> tuple[TableQuality, ...]:
        """The quality record of every loaded table, in report order."""
        return tuple(self.tables[name].quality for name in TABLES if name in self.tables)

    def quality_frame(self) -> pd.DataFrame:
        """One row per table for the appendix.

        Columns: table, file, rows_read, rows_rejected, missing (empty
        cells over all loaded columns), ignored_columns (comma-joined) and
        reasons (the three most frequent rejection reasons with counts).
        """
        rows = [
            {
                "table": q.table,
                "file": q.file,
                "rows_read": q.rows_read,
                "rows_rejected": q.rows_rejected,
                "missing": sum(q.missing.values()),
                "ignored_columns": ", ".join(q.ignored_columns),
                "reasons": q.reasons,
            }
            for q in self.quality
        ]
        columns = ["table", "file", "rows_read", "rows_rejected", "missing"]
        return pd.DataFrame(rows, columns=[*columns, "ignored_columns", "reasons"])


# ---------------------------------------------------------------- validation


def _blank_rows(frame: pd.DataFrame, typed: bool) -> np.ndarray:
    """True where every cell of ``frame`` is empty or blank."""
    if typed:
        return np.array([not any(header_text(v) for v in row) for row in frame.to_numpy()], bool)
    return frame.apply(lambda column: column.str.strip() == "").all(axis=1).to_numpy(dtype=bool)


@dataclass(frozen=True)
class _Context:
    """Where problems of the data rows point: file, row numbers, client headers."""

    file: str
    rows: np.ndarray
    headers: dict[str, str]

    def cells(
        self,
        mask: np.ndarray,
        message: str,
        cells: Cells | None,
        column: str | None,
        expected: str | None = None,
    ) -> list[DataProblem]:
        """One problem per cell in ``mask`` (at most MAX_PROBLEMS_PER_RULE, then a count)."""
        header = None if column is None else self.headers.get(column, column)
        positions = np.flatnonzero(mask)
        problems = [
            DataProblem(
                self.file,
                message,
                int(self.rows[i]),
                header,
                (cells.display(i) or None) if cells is not None else None,
                expected,
            )
            for i in positions[:MAX_PROBLEMS_PER_RULE]
        ]
        if len(positions) > MAX_PROBLEMS_PER_RULE:
            rest = len(positions) - MAX_PROBLEMS_PER_RULE
            text = f"{message}: {fmt.integer(rest)} weitere Zellen"
            problems.append(DataProblem(self.file, text, None, header, count=rest))
        return problems


#: Rows of a sorted key column compared at a time (see :func:`_sorted_codes`).
_SORTED_SLICE = 1 << 20


def _strictly_ordered(cells: pa.ChunkedArray) -> bool:
    """True when the strings rise (or fall) from each cell to the next, none missing.

    Exports list receipts in the order they were written, so receipt numbers
    usually rise through the file: then they are all different, and no sort
    is needed to show it (ten million receipts: one comparison of neighbours
    instead of a sort). Compared a slice at a time; the first slice out of
    order ends the check.
    """
    n = len(cells)
    if cells.null_count or n < 2:
        return cells.null_count == 0
    for compare in (pc.greater, pc.less):
        for start in range(0, n - 1, _SORTED_SLICE):
            part = cells.slice(start, _SORTED_SLICE + 1)
            if not pc.all(compare(part[1:], part[:-1])).as_py():
                break
        else:
            return True
    return False


def _sorted_codes(key: pd.Series) -> np.ndarray:
    """Equal Arrow strings get equal numbers (missing ones one of their own).

    Found by a stable sort and comparing neighbours: hashing five million
    distinct receipt numbers took three times the memory of the column. Keys
    that already stand in strict order are all different: their row numbers.
    """
    cells = key.array.__arrow_array__()
    if _strictly_ordered(cells):
        return np.arange(len(cells), dtype=np.int64)
    order = pc.sort_indices(cells).to_numpy()  # missing values last, next to each other
    n = len(order)
    same, missing = np.zeros(max(n - 1, 0), bool), np.zeros(n, bool)
    # neighbours compared a slice of the sorted column at a time (with the next slice's
    # first value): a sorted copy of 10 M receipt numbers would take 140 MB at once
    for start in range(0, n, _SORTED_SLICE):
        part = cells.take(order[start : start + _SORTED_SLICE + 1])
        end = start + len(part)
        same[start : end - 1] = pc.fill_null(pc.equal(part[1:], part[:-1]), False).to_numpy()
        missing[start:end] = pc.is_null(part).to_numpy(zero_copy_only=False)
        del part
    _release_freed_memory()
    same |= missing[1:] & missing[:-1]
    rank = np.cumsum(np.concatenate([[True], ~same])) - 1
    del same, missing
    codes = np.empty(len(order), np.int64)
    codes[order] = rank
    return codes


def _group_codes(keys: list[pd.Series], positions: np.ndarray) -> np.ndarray:
    """Equal numbers for the rows at ``positions`` with equal keys (missing = a value).

    The numbers only tell groups apart (they are not 0, 1, … in order of
    appearance); no hash table over all rows and no copy of the key columns.
    """
    combined: np.ndarray | None = None
    for key in keys:
        if isinstance(key.dtype, pd.StringDtype) and key.dtype.storage == "pyarrow":
            codes = _sorted_codes(key)[positions]
        else:
            codes = pd.factorize(key, use_na_sentinel=True)[0][positions].astype(np.int64) + 1
        if combined is None:
            combined = codes
        else:  # renumbered 0, 1, … so that the next product cannot overflow
            combined = combined * (int(codes.max()) + 1) + codes
            combined = np.unique(combined, return_inverse=True)[1].astype(np.int64)
    assert combined is not None
    return combined


def _release_freed_memory() -> None:
    """Hand memory Arrow has freed back to the system now.

    Arrow's allocator (mimalloc) keeps freed pages a while for reuse; the raw
    text of a big file, just freed, would otherwise still count in the
    process's peak while the key check allocates its own arrays (loading 10M
    purchases: peak 2.1-2.4 GB without, about 1.8 GB with).
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _first_in_group(group: np.ndarray) -> np.ndarray:
    """For each element, the index of the first element with the same number (numbers ≥ 0)."""
    if not len(group) or np.bincount(group).max() <= 1:
        # no key twice (the usual case): every element is its own first, found without
        # sorting (ten million receipt numbers: 0.03 s and 80 MB instead of 1 s and 250 MB)
        return np.arange(len(group), dtype=np.int64)
    order = stable_order(group)  # within a group: original order
    ordered = group[order]
    start = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    del ordered
    run_start = np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))
    first = np.empty(len(order), np.int64)
    first[order] = order[run_start]
    return first


def _duplicates(
    values: dict[str, pd.Series], keys: list[str], eligible: np.ndarray, context: _Context
) -> tuple[list[DataProblem], np.ndarray]:
    """Repeated keys: each repeat names its row and the row of the first occurrence."""
    frame = pd.DataFrame({name: values[name] for name in keys})
    positions = np.flatnonzero(eligible & frame.notna().any(axis=1).to_numpy())
    duplicate = np.zeros(len(eligible), bool)
    if not len(positions):
        return [], duplicate
    groups = _group_codes([values[name] for name in keys], positions)
    first = _first_in_group(groups)
    del groups
    repeat = first != np.arange(len(first))
    duplicate[positions[repeat]] = True
    column = " + ".join(context.headers[name] for name in keys)
    problems = []
    for i, f in zip(positions[repeat][:MAX_PROBLEMS_PER_RULE], first[repeat], strict=False):
        shown = " / ".join(str(v) for v in frame.iloc[i] if not pd.isna(v))
        first_row = int(context.rows[positions[f]])
        problems.append(
            DataProblem(
                context.file,
                f"doppelter Eintrag; kommt bereits in Zeile {first_row} vor",
                int(context.rows[i]),
                column,
                shown,
                "jeden Wert nur einmal",
                code="duplicate_key",
            )
        )
    if int(repeat.sum()) > MAX_PROBLEMS_PER_RULE:  # the true total, as for the cell rules
        rest = int(repeat.sum()) - MAX_PROBLEMS_PER_RULE
        message = f"doppelter Eintrag: {fmt.integer(rest)} weitere Zeilen"
        problems.append(
            DataProblem(context.file, message, None, column, code="duplicate_key", count=rest)
        )
    return problems, duplicate


def _purchase_list(
    name: str, values: dict[str, pd.Series], duplicate: np.ndarray, context: _Context
) -> DataProblem | None:
    """A customers file that repeats most customer numbers is a list of purchases.

    At least a fifth of the rows (and 10) repeat a customer number: one plain
    problem instead of a thousand duplicate entries.
    """
    repeats, rows = int(duplicate.sum()), len(duplicate)
    if name != "customers" or repeats < 10 or 5 * repeats < rows:
        return None
    distinct = int(values["customer_id"].nunique())
    return DataProblem(
        context.file,
        f"{fmt.integer(repeats)} von {fmt.integer(rows)} Zeilen wiederholen eine schon "
        f"genannte Kundennummer ({fmt.integer(distinct)} verschiedene Kunden): Das ist eine "
        "Liste von Käufen, keine Kundentabelle (eine Zeile je Kunde)",
        None,
        context.headers["customer_id"],
        code="purchases_as_customers",
    )


#: Date columns that must not lie before another one: (earlier, later, message, expected).
_ORDERED = {
    "customers": (
        "start_date",
        "end_date",
        "Vertragsende liegt vor Vertragsbeginn",
        "Datum ab Vertragsbeginn",
    )
}


def _formats(source: DataFile, grid: Grid, file: str) -> Formats:
    decimal = source.decimal or ("." if grid.separator == "," else ",")
    thousands = source.thousands
    if thousands is None:
        thousands = "." if decimal == "," else ","
    if thousands == decimal:
        raise file_problem(file, f"decimal und thousands sind beide „{decimal}“; eines ändern")
    if source.date_format:
        try:
            pd.to_datetime(pd.Series(["31.12.2025"]), format=source.date_format, errors="coerce")
        except ValueError as exc:
            raise file_problem(file, f"date_format „{source.date_format}“: {exc}") from None
    return Formats(decimal, thousands, source.date_format)


def _hints(problems: list[DataProblem], source: DataFile, table: str) -> str:
    messages = {p.message for p in problems}
    hints = [_SKIP_HINT.format(table=table)] if problems and source.invalid_rows == "error" else []
    if "keine gültige Zahl" in messages and source.decimal is None:
        hints.append(
            f"Zahlen in anderem Format (z. B. 1,234.56)? Unter data.{table} decimal und "
            "thousands angeben."
        )
    if "kein gültiges Datum" in messages and source.date_format is None:
        hints.append(
            f"Datumsangaben in anderem Format? Unter data.{table} date_format angeben, "
            "z. B. '%d/%m/%Y'."
        )
    return "\n".join(hints)


def _data_rows(
    grid: Grid, position: int, columns: dict[str, int], headers: tuple[str, ...]
) -> tuple[np.ndarray, dict[str, Cells], np.ndarray]:
    """The rows below the header without blank ones: (row numbers, cells, extra).

    ``extra`` marks CSV rows with text beyond the last header. The raw grid is
    not needed afterwards (and not copied here), so that its memory can go.
    """
    data = grid.frame.iloc[position + 1 :]
    make = Cells.from_objects if grid.typed else Cells.from_text
    cells = {column: make(data[pos]) for column, pos in columns.items()}
    empty = np.ones(len(data), bool)
    for column_cells in cells.values():
        empty &= column_cells.empty
    if empty.any():
        candidates = np.flatnonzero(empty)
        empty[candidates[~_blank_rows(data.iloc[candidates], grid.typed)]] = False
    extra = np.zeros(len(data), bool) if grid.typed else _extra_fields(data, headers)
    rows = grid.rows[position + 1 :]
    if not empty.any():
        return rows, cells, extra
    keep = ~empty
    return rows[keep], {column: c.subset(keep) for column, c in cells.items()}, extra[keep]


def _extra_fields(data: pd.DataFrame, headers: tuple[str, ...]) -> np.ndarray:
    """CSV rows with text beyond the last header (a separator inside unquoted text)."""
    last = max((i for i, h in enumerate(headers) if h), default=-1)
    extra = np.zeros(len(data), bool)
    for pos in range(last + 1, data.shape[1]):
        extra |= (data[pos].str.strip() != "").to_numpy(dtype=bool)
    return extra


def read_table(name: str, source: DataFile, base_dir: Path) -> LoadedTable:
    """Read and validate one client data file as canonical table ``name``.

    ``source.file`` is resolved against ``base_dir`` (the parameter file's
    folder). Raises :class:`DataError` listing every problem of the file; with
    ``invalid_rows: skip`` rows with problems are dropped and counted instead,
    but structural problems (unreadable file, missing columns) still raise.
    """
    file = source.file
    spec = TABLES.get(name)
    if spec is None:
        raise file_problem(file, f"unbekannte Tabelle „{name}“; bekannt: {', '.join(TABLES)}")
    path = Path(file).expanduser()
    grid = read_grid(path if path.is_absolute() else Path(base_dir) / path, source, file)
    formats = _formats(source, grid, file)
    position, match = find_header(grid, spec, source, file)
    structure = structure_problems(match, spec, source, file, int(grid.rows[position]))
    rows, cells, extra = _data_rows(grid, position, match.columns, match.headers)
    encoding, separator = grid.encoding, grid.separator
    del grid  # the raw cells: only the parsed columns are kept from here on
    if not len(rows):
        message = "Datei enthält keine Datenzeilen (nur Überschriften)"
        structure.append(DataProblem(file, message, code="no_data_rows"))
        raise DataError(structure)
    headers = {column: match.headers[pos] for column, pos in match.columns.items()}
    context = _Context(file, rows, headers)
    values: dict[str, pd.Series] = {}
    problems: list[DataProblem] = []
    bad = {column: np.zeros(len(rows), bool) for column in cells}
    later = {_ORDERED[name][1]} if name in _ORDERED else set()  # its raw text: messages below
    for column in list(cells):  # each column's raw text is freed once it is parsed
        column_cells = cells[column] if column in later else cells.pop(column)
        spec_column = spec.column(column)
        parsed = parse_cells(column_cells, spec_column, formats)
        values[column] = parsed.values
        errors = list(parsed.errors)
        if spec_column.required:
            errors.append((column_cells.empty, "Pflichtfeld ist leer"))
        for mask, message in errors:
            problems += context.cells(mask, message, column_cells, column, parsed.expected)
            bad[column] |= mask
        del parsed, column_cells  # their values live on in ``values``
        _release_freed_memory()  # for the numbers of the next column
    row_bad = np.logical_or.reduce([np.zeros(len(rows), bool), *bad.values()])
    if extra.any():
        message = "mehr Felder als Überschriften (Trennzeichen im Text? Text in „…“ setzen)"
        problems += context.cells(extra, message, None, None)
        row_bad |= extra
    if name in _ORDERED and {*_ORDERED[name][:2]} <= values.keys():
        first, second, message, expected = _ORDERED[name]
        before = (values[second] < values[first]).to_numpy(dtype=bool)
        problems += context.cells(before, message, cells[second], second, expected)
        row_bad |= before
    del cells  # the raw text: only the messages above show it; frees it before the key check
    _release_freed_memory()
    if keys := [column for column in spec.unique if column in values]:
        key_bad = np.logical_or.reduce([bad[k] for k in keys])
        eligible = ~row_bad if source.invalid_rows == "skip" else ~key_bad
        repeats, duplicate = _duplicates(values, keys, eligible, context)
        if purchases := _purchase_list(name, values, duplicate, context):
            raise DataError([purchases], _PURCHASES_HINT)
        problems += repeats
        row_bad |= duplicate
    order = {header: i for i, header in enumerate(match.headers)}
    problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", -1)))
    if structure or (problems and source.invalid_rows == "error"):
        raise DataError(structure + problems, _hints(problems, source, name) or None)
    if row_bad.any():  # filtered column by column: each unfiltered column is freed at once
        for column in list(values):
            values[column] = values[column][~row_bad].reset_index(drop=True)
    frame = pd.DataFrame(values, copy=False)  # a copy would double the numeric columns
    # where each row came from, so that later checks can name file, row and column
    frame.attrs["source"] = Origin(file, rows[~row_bad] if row_bad.any() else rows, headers)
    quality = TableQuality(
        table=name,
        file=file,
        rows_read=len(rows),
        rows_rejected=int(row_bad.sum()),
        problems=tuple(problems),
        missing={column: int(frame[column].isna().sum()) for column in frame.columns},
        ignored_columns=match.ignored,
        personal_columns=match.personal,
        encoding=encoding,
        separator=separator,
    )
    return LoadedTable(name, frame, quality)


def load_client_data(params: ClientParameters) -> ClientData:
    """Read every table configured under ``data`` in the client's parameters.

    Every table's ``customer_id`` is a categorical with the same categories in
    all tables (:func:`cxlib.io.customer_codes.share_customer_codes`): the same
    customer has the same integer code everywhere. Raises one :class:`DataError`
    listing the problems of all files together.
    """
    tables: dict[str, LoadedTable] = {}
    problems: list[DataProblem] = []
    hints: list[str] = []
    for name in TABLES:
        source = getattr(params.data, name, None)
        if source is None:
            continue
        try:
            tables[name] = read_table(name, source, params.base_dir)
        except DataError as exc:
            problems += exc.problems
            hints += [line for line in (exc.hint or "").splitlines() if line not in hints]
    if problems:
        raise DataError(problems, "\n".join(hints) or None)
    share_customer_codes(table.frame for table in tables.values())
    derived = {}
    shop = params.business_model == "non_contractual"
    if shop and "customers" not in tables and "transactions" in tables:
        derived["customers"] = customers_from_purchases(tables["transactions"].frame)
    _release_freed_memory()  # the files' raw text: 380-600 MB for 10M purchases
    return ClientData(tables, derived)


def customers_from_purchases(transactions: pd.DataFrame) -> pd.DataFrame:
    """A customers table for a client with only purchases: one row per customer number.

    ``start_date`` is the day of the first purchase (customer since = first
    purchase); no other columns are known.
    """
    ids = transactions["customer_id"]
    (codes,), numbers = customer_codes(ids)
    present = np.unique(codes[codes >= 0])  # sorted: customers in the order of their numbers
    if isinstance(ids.dtype, pd.CategoricalDtype):
        column: pd.Series = pd.Series(pd.Categorical.from_codes(present, dtype=ids.dtype))
    else:
        column = pd.Series(numbers.take(present), dtype=ids.dtype)
    first = per_customer_date(ids, transactions["date"], column, "min")
    return pd.DataFrame({"customer_id": column, "start_date": first.to_numpy()})
