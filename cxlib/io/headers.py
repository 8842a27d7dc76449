"""The header row of a client's file: where it is and how its headers map onto a table.

:func:`find_header` locates the header row in a :class:`~cxlib.io.sources.Grid`
and :func:`match_headers` maps its headers onto a
:class:`~cxlib.io.tables.TableSpec`: explicit mapping first, then names and
aliases (case, spaces, dots, hyphens, underscores and slashes ignored), never
personal data. Every problem is a :class:`~cxlib.exceptions.DataProblem`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from cxlib.exceptions import DataProblem
from cxlib.io.parsing import format_value
from cxlib.io.sources import Grid, file_problem
from cxlib.io.tables import PERSONAL_DATA_HEADERS, TableSpec
from cxlib.parameters.schema import DataFile

#: How many non-empty rows are searched for the header row.
HEADER_SEARCH_ROWS = 10


# ---------------------------------------------------------------- headers

_IGNORED_CHARS = re.compile(r"[\s._\-/]+")
_UNIT = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORD_SPLIT = re.compile(r"[^0-9a-zäöü]+")


def normalise_header(header: str) -> str:
    """Fold case and drop spaces, dots, hyphens, underscores and slashes."""
    return _IGNORED_CHARS.sub("", header.casefold())


#: Compound words that are personal data too, although no word of
#: ``PERSONAL_DATA_HEADERS`` stands alone in them.
_PERSONAL_COMPOUNDS = (
    "kundenname",
    "firmenname",
    "mailadresse",
    "emailadresse",
    "telefonnummer",
    "telefonnr",
    "rufnummer",
    "mobilnummer",
    "handynummer",
    "hausnummer",
)
_PERSONAL = frozenset(normalise_header(h) for h in (*PERSONAL_DATA_HEADERS, *_PERSONAL_COMPOUNDS))


def quoted(headers: tuple[str, ...] | list[str], limit: int = 25) -> str:
    """Headers for a message: „A“, „B“ (long ones shortened, at most ``limit``)."""
    shown = [f"„{h if len(h) <= 40 else h[:39] + '…'}“" for h in headers if h]
    if len(shown) > limit:
        shown = [*shown[:limit], f"… ({len(shown) - limit} weitere)"]
    return ", ".join(shown) or "keine"


def header_text(value: object) -> str:
    """The text of a header cell: stripped, inner whitespace collapsed."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return " ".join(format_value(value).split())


def is_personal(header: str) -> bool:
    """Whether a header looks like personal data (whole header or one word of it)."""
    if normalise_header(header) in _PERSONAL:
        return True
    return any(word in _PERSONAL for word in _WORD_SPLIT.split(header.casefold()) if word)


@dataclass(frozen=True)
class HeaderMatch:
    """How the headers of one row map onto a table's columns.

    ``columns`` maps canonical names to header positions (spec order, then
    prefix columns in file order); ``problems`` holds ``(header, message)``
    pairs for structural problems (missing or ambiguous columns).
    """

    headers: tuple[str, ...]
    columns: dict[str, int]
    ignored: tuple[str, ...]
    personal: tuple[str, ...]
    problems: tuple[tuple[str | None, str], ...]
    complete: bool


def _alias_index(spec: TableSpec) -> dict[str, str]:
    index: dict[str, str] = {}
    for column in spec.columns:
        for name in (column.name, *column.aliases):
            index.setdefault(normalise_header(name), column.name)
    return index


def _canonical(header: str, spec: TableSpec, aliases: dict[str, str]) -> str | None:
    for prefix in spec.prefix_columns:
        if header.casefold().startswith(prefix):
            return prefix + header[len(prefix) :]
    key = normalise_header(header)
    if key in aliases:
        return aliases[key]
    return aliases.get(normalise_header(_UNIT.sub("", header)) or "\0")


def match_headers(headers: list[str], spec: TableSpec, mapping: dict[str, str]) -> HeaderMatch:
    """Match ``headers`` (one row of the file) onto ``spec``.

    The explicit ``mapping`` (client header → canonical name) wins; the
    remaining canonical columns are matched by name and alias. Personal-data
    headers are never matched.
    """
    table = spec.name
    found = quoted(headers)
    problems: list[tuple[str | None, str]] = []
    assigned: dict[str, int] = {}
    mapped_positions: set[int] = set()
    personal: list[str] = []
    for client_header, target in mapping.items():
        wanted = " ".join(client_header.split())
        positions = [i for i, h in enumerate(headers) if h == wanted and wanted]
        if not positions:
            problems.append(
                (
                    client_header,
                    f"Spalte „{client_header}“ (zugeordnet zu {target}) fehlt in der Datei; "
                    f"gefundene Überschriften: {found}. Zuordnung unter data.{table}.columns "
                    "korrigieren",
                )
            )
        elif is_personal(wanted):
            mapped_positions.update(positions)
            personal.append(wanted)
            problems.append(
                (
                    client_header,
                    f"„{client_header}“ sieht nach personenbezogenen Daten aus; solche Spalten "
                    f"dürfen nicht geladen werden. Zuordnung unter data.{table}.columns entfernen",
                )
            )
        elif len(positions) > 1:
            problems.append((client_header, f"Überschrift „{client_header}“ kommt mehrfach vor"))
        elif target in assigned:
            problems.append(
                (client_header, f"mehrere Spalten sind {target} zugeordnet; nur eine ist erlaubt")
            )
        else:
            assigned[target] = positions[0]
            mapped_positions.add(positions[0])
    aliases = _alias_index(spec)
    automatic: dict[str, int] = {}
    ignored: list[str] = list(personal)
    for position, header in enumerate(headers):
        if not header or position in mapped_positions:
            continue
        if is_personal(header):
            personal.append(header)
            ignored.append(header)
            continue
        canonical = _canonical(header, spec, aliases)
        if canonical is None or canonical in assigned:
            ignored.append(header)
        elif canonical in automatic:
            first = headers[automatic[canonical]]
            both = (
                f"„{header}“ kommt mehrfach vor"
                if first == header
                else (f"„{first}“ und „{header}“ passen beide zu {canonical}")
            )
            fix = f"die richtige Spalte in der Parameterdatei unter data.{table}.columns zuordnen"
            problems.append((header, f"{both}; {fix}"))
        else:
            automatic[canonical] = position
    assigned.update(automatic)
    order = {c.name: i for i, c in enumerate(spec.columns)}
    columns = dict(sorted(assigned.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[1])))
    complete = all(name in columns for name in spec.required)
    return HeaderMatch(
        tuple(headers), columns, tuple(ignored), tuple(personal), tuple(problems), complete
    )


# ---------------------------------------------------------------- header row


def _headers(grid: Grid, position: int) -> list[str]:
    return [header_text(v) for v in grid.frame.iloc[position].tolist()]


def find_header(
    grid: Grid, spec: TableSpec, source: DataFile, file: str
) -> tuple[int, HeaderMatch]:
    """Position of the header row in the grid and how its headers match.

    Without ``header_row`` the first of the first ten non-empty rows that has
    all required columns wins; failing that, the row matching most columns.
    """
    if source.header_row is not None:
        position = int(np.searchsorted(grid.rows, source.header_row))
        if position < len(grid.rows) and grid.rows[position] == source.header_row:
            return position, match_headers(_headers(grid, position), spec, source.columns)
        raise file_problem(
            file,
            f"Zeile {source.header_row} (data.{spec.name}.header_row) ist leer oder fehlt; "
            f"die letzte Zeile mit Inhalt ist {grid.rows[-1]}",
        )
    best: tuple[int, HeaderMatch] | None = None
    searched = 0
    for position in range(len(grid.rows)):
        headers = _headers(grid, position)
        if not any(headers):
            continue
        match = match_headers(headers, spec, source.columns)
        if match.complete:
            return position, match
        if best is None or len(match.columns) > len(best[1].columns):
            best = (position, match)
        searched += 1
        if searched == HEADER_SEARCH_ROWS:
            break
    if best is None:
        raise file_problem(file, "Datei enthält nur leere Zeilen und keine Datenzeilen")
    return best


def structure_problems(
    match: HeaderMatch, spec: TableSpec, source: DataFile, file: str, header_row: int | None
) -> list[DataProblem]:
    """Problems of the header: mapping, ambiguity and missing required columns."""
    problems = [DataProblem(file, message, column=header) for header, message in match.problems]
    found = quoted(match.headers)
    where = f" (Zeile {header_row})" if header_row else ""
    fix = f"in der Parameterdatei unter data.{spec.name}.columns zuordnen"
    if source.header_row is None:
        fix += f" oder die Zeile der Überschriften als data.{spec.name}.header_row angeben"
    for column in spec.columns:
        if column.required and column.name not in match.columns:
            problems.append(
                DataProblem(
                    file,
                    f"Pflichtspalte {column.name} ({column.description}) nicht gefunden; "
                    f"gefundene Überschriften{where}: {found}. Die passende Spalte {fix}",
                    expected=f"Überschrift wie {quoted(column.aliases[:3] or (column.name,))}",
                    code="missing_column",
                )
            )
    return problems
