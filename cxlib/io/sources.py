"""Client source files: raw cells and the header row.

:func:`read_grid` reads a CSV or XLSX file into a grid of raw cells (CSV:
encoding and separator detected unless configured, read by pyarrow where the
file is plain and by pandas' C engine otherwise, with identical cells; XLSX:
typed cells as openpyxl delivers them) with the row numbers the user sees.
:func:`find_header` locates the header row and :func:`match_headers` maps its
headers onto a :class:`~cxlib.io.tables.TableSpec`: explicit mapping first, then
names and aliases (case, spaces, dots, hyphens, underscores and slashes
ignored), never personal data.

Every problem is raised as :class:`~cxlib.exceptions.DataError`; nothing from
pandas, the codecs or openpyxl escapes.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.exceptions import DataError, DataProblem
from cxlib.io.parsing import format_value
from cxlib.io.tables import PERSONAL_DATA_HEADERS, TableSpec
from cxlib.parameters.schema import DataFile

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: How many non-empty rows are searched for the header row.
HEADER_SEARCH_ROWS = 10
_SEPARATORS = (";", "\t", ",", "|")
_SAMPLE_BYTES = 1 << 16


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
        target = _canonical(header, spec, aliases)
        if target is None or target in assigned:
            ignored.append(header)
        elif target in automatic:
            first = headers[automatic[target]]
            both = (
                f"„{header}“ kommt mehrfach vor"
                if first == header
                else (f"„{first}“ und „{header}“ passen beide zu {target}")
            )
            fix = f"die richtige Spalte in der Parameterdatei unter data.{table}.columns zuordnen"
            problems.append((header, f"{both}; {fix}"))
        else:
            automatic[target] = position
    assigned.update(automatic)
    order = {c.name: i for i, c in enumerate(spec.columns)}
    columns = dict(sorted(assigned.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[1])))
    complete = all(name in columns for name in spec.required)
    return HeaderMatch(
        tuple(headers), columns, tuple(ignored), tuple(personal), tuple(problems), complete
    )


# ---------------------------------------------------------------- raw grid


@dataclass(frozen=True)
class Grid:
    """A file as positional columns of raw cells, with the user's row numbers."""

    frame: pd.DataFrame
    rows: np.ndarray
    typed: bool
    encoding: str | None = None
    separator: str | None = None


def file_problem(file: str, message: str) -> DataError:
    """A DataError for a problem of the whole file."""
    return DataError([DataProblem(file, message)])


def read_grid(path: Path, source: DataFile, file: str) -> Grid:
    """Read ``path`` as a grid of raw cells; ``file`` is the name shown in problems."""
    if not path.exists():
        raise file_problem(file, f"Datei nicht gefunden: {path}")
    if not path.is_file():
        raise file_problem(file, f"{path} ist keine Datei")
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path, source, file)
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, source, file)
    advice = "als .xlsx oder CSV speichern" if suffix == ".xls" else "CSV oder XLSX verwenden"
    raise file_problem(file, f"Dateityp „{suffix or path.name}“ wird nicht unterstützt; {advice}")


#: The five bytes Windows-1252 leaves undefined (every other byte decodes).
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


def _undecodable_offset(path: Path, encoding: str) -> int | None:
    """Offset of the first byte that ``encoding`` cannot decode, None if all decode."""
    single_byte = encoding == "cp1252"  # a byte search, no need to decode
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if single_byte:  # bytes.find is memchr: gigabytes per second
                found = [i for i in map(chunk.find, _CP1252_UNDEFINED) if i >= 0]
                if found:
                    return offset + min(found)
            else:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    return offset + max(exc.start, 0)
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset
    return None


def _undecodable_line(path: Path, encoding: str) -> int | None:
    """Line of the first byte that ``encoding`` cannot decode, None if all decode."""
    offset = _undecodable_offset(path, encoding)
    if offset is None:
        return None
    line = 1
    with path.open("rb") as handle:
        while offset > 0 and (chunk := handle.read(min(1 << 20, offset))):
            line += chunk.count(b"\n")
            offset -= len(chunk)
    return line


def _detect_encoding(path: Path, head: bytes, file: str) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _undecodable_line(path, "utf-8") is None:
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    line = _undecodable_line(path, "cp1252")
    if line is None:
        return "cp1252"
    raise file_problem(
        file,
        f"Zeichen in Zeile {line} sind weder UTF-8 noch Windows-1252; Datei als CSV (UTF-8) "
        "neu speichern oder die Kodierung unter encoding angeben",
    )


def _records(sample: str, separator: str) -> list[list[str]]:
    rows = list(csv.reader(sample.splitlines()[:50], delimiter=separator))
    return [row for row in rows if any(cell.strip() for cell in row)]


def _sniff_separator(sample: str) -> str:
    """The separator that splits the first lines into the most consistent fields."""
    first = sample.lstrip("\ufeff").split("\n", 1)[0].strip()
    if re.fullmatch(r"sep=[;,\t|]", first):
        return first[4]
    best, best_score = ";", (0, 0)
    for separator in _SEPARATORS:
        counts = [len(row) for row in _records(sample, separator) if len(row) > 1]
        if counts:
            mode = Counter(counts).most_common(1)[0][0]
            score = (counts.count(mode), mode)
            if score > best_score:
                best, best_score = separator, score
    return best


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ARROW_BLOCK_BYTES = 8 << 20


def _preamble(sample: str, separator: str, width: int) -> list[list[str]] | None:
    """The records before the first full-width one (title lines), None if unsure.

    Arrow's reader wants every record to have ``width`` fields; the short lines
    above the header (a title, ``sep=;``, blank lines) are read here instead and
    skipped there. Only plain lines (no quotes) qualify, so that one line is one
    record for both readers.
    """
    lines = _LINE_BREAK.split(sample)[:-1]  # the last piece may be cut off
    records: list[list[str]] = []
    for line in lines[:50]:
        if '"' in line or len(line.splitlines()) > 1:
            return None
        fields = next(csv.reader([line], delimiter=separator), [])
        if len(fields) >= width:
            return records
        records.append(fields)
    return None


_SINGLE_BYTE = ("cp1252", "latin-1")


def _decode_single_byte(cells: pa.ChunkedArray, encoding: str) -> pa.ChunkedArray:
    """Bytes of a single-byte encoding as Arrow strings (Python decodes each distinct value)."""
    as_text = pc.CastOptions(pa.large_string(), allow_invalid_utf8=True)
    chunks = []
    for chunk in cells.chunks:
        text = pc.cast(chunk, options=as_text)
        if pc.all(pc.string_is_ascii(text)).as_py() is not False:
            chunks.append(text)  # ASCII is the same in every one of these encodings
            continue
        coded = pc.dictionary_encode(chunk)
        words = [value.decode(encoding) for value in coded.dictionary.to_pylist()]
        chunks.append(pc.take(pa.array(words, pa.large_string()), coded.indices))
    return pa.chunked_array(chunks, pa.large_string())


def _read_csv_arrow(
    path: Path, encoding: str, separator: str, width: int, sample: str
) -> pd.DataFrame | None:
    """The grid read by pyarrow's multi-threaded CSV reader, or None to use pandas.

    Gives the same cells as pandas' C engine (``dtype=str``, no NA detection,
    blank lines kept as empty rows) as Arrow strings, at a fraction of the time
    and memory. Whenever the file is not plain (a record with another number
    of fields than ``width`` below the title lines, a NUL character, bytes
    not in ``encoding``), None is returned and pandas reads it, so that every
    message about broken files stays as it is.
    """
    import pyarrow.csv as pacsv

    preamble = _preamble(sample, separator, width)
    if preamble is None:
        return None
    # Windows-1252 and Latin-1 keep ASCII as it is: read bytes, decode only what is not ASCII
    single_byte = encoding in _SINGLE_BYTE
    cell_type = pa.large_binary() if single_byte else pa.large_string()
    names = [f"f{i}" for i in range(width)]
    irregular: list[int] = []

    def invalid(row: object) -> str:
        irregular.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=len(preamble),
                encoding="utf8" if single_byte or encoding.startswith("utf-8") else encoding,
                block_size=_ARROW_BLOCK_BYTES,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=separator,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, cell_type),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, UnicodeError, OSError, ValueError):
        return None
    if irregular or table.num_rows + len(preamble) == 0:
        return None
    columns = {}
    for i, name in enumerate(names):
        cells = table.column(name)
        if single_byte:
            try:
                cells = _decode_single_byte(cells, encoding)
            except UnicodeDecodeError:
                return None  # pandas names the problem
        if pc.any(pc.match_substring(cells, "\x00")).as_py():
            return None  # pandas cuts a cell at NUL; leave such files to it
        if preamble:
            head = [fields[i] if i < len(fields) else "" for fields in preamble]
            cells = pa.chunked_array([pa.array(head, pa.large_string()), *cells.chunks])
        columns[i] = pd.Series(pd.arrays.ArrowStringArray(cells), copy=False)
    return pd.DataFrame(columns, copy=False)


def _widest_record(path: Path, encoding: str, separator: str) -> int:
    with path.open(encoding=encoding, newline="") as handle:
        return max((len(row) for row in csv.reader(handle, delimiter=separator)), default=1)


def _read_csv(path: Path, source: DataFile, file: str) -> Grid:
    try:
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE_BYTES)
        if not head.strip():
            raise file_problem(file, "Datei ist leer und enthält keine Datenzeilen")
        if head.startswith(b"PK\x03\x04"):
            raise file_problem(file, "Datei ist eine Excel-Arbeitsmappe; mit Endung .xlsx angeben")
        encoding = source.encoding or _detect_encoding(path, head, file)
        sample = head.decode(encoding, errors="ignore").lstrip("\ufeff")
        separator = source.separator or _sniff_separator(sample)
        lines = sample.splitlines()[:50]
        width = max((len(row) for row in csv.reader(lines, delimiter=separator)), default=1)
        options = {
            "sep": separator,
            "header": None,
            "dtype": str,
            "keep_default_na": False,
            "na_filter": False,
            "skip_blank_lines": False,
            "index_col": False,
            "engine": "c",
            "encoding": encoding,
            "encoding_errors": "strict",
        }
        frame = _read_csv_arrow(path, encoding, separator, width, sample)
        if frame is not None:
            rows = np.arange(1, len(frame) + 1)
            return Grid(frame, rows, typed=False, encoding=encoding, separator=separator)
        try:  # a row wider than ``width`` raises (or warns and would lose data)
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(path, names=range(width), **options)
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            if "Expected" not in str(exc) and "Length of header" not in str(exc):
                raise
            width = _widest_record(path, encoding, separator)
            frame = pd.read_csv(path, names=range(width), **options)
    except DataError:
        raise
    except UnicodeError:
        raise file_problem(
            file,
            f"Datei ist nicht als {source.encoding or encoding} lesbar; Kodierung prüfen "
            "(encoding in der Parameterdatei weglassen, dann wird sie erkannt)",
        ) from None
    except pd.errors.EmptyDataError:
        raise file_problem(file, "Datei ist leer und enthält keine Datenzeilen") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        found = re.search(r"row (\d+)", str(exc))
        where = f" ab Zeile {int(found.group(1)) + 1}" if found else ""
        raise file_problem(
            file,
            f"Datei ist keine lesbare CSV-Datei{where} (nicht geschlossenes Anführungszeichen?)",
        ) from None
    except (OSError, ValueError, csv.Error) as exc:
        raise file_problem(file, f"Datei kann nicht gelesen werden: {exc}") from None
    if frame.empty:
        raise file_problem(file, "Datei ist leer und enthält keine Datenzeilen")
    rows = np.arange(1, len(frame) + 1)
    return Grid(frame, rows, typed=False, encoding=encoding, separator=separator)


def _read_xlsx(path: Path, source: DataFile, file: str) -> Grid:
    import openpyxl  # only for Excel files (0.1 s to import)

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for broken files
        raise file_problem(
            file,
            "Datei ist keine gültige Excel-Arbeitsmappe (beschädigt oder anderes Format); "
            "in Excel öffnen und als .xlsx neu speichern",
        ) from None
    try:
        if source.sheet is not None and source.sheet not in book.sheetnames:
            sheets = ", ".join(f"„{s}“" for s in book.sheetnames)
            raise file_problem(file, f"Tabellenblatt „{source.sheet}“ fehlt; vorhanden: {sheets}")
        sheet = book[source.sheet] if source.sheet else book.worksheets[0]
        sheet.reset_dimensions()  # some tools write wrong dimensions
        records, numbers = [], []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
                records.append(row)
                numbers.append(number)
    except DataError:
        raise
    except Exception as exc:  # corrupt parts surface only while reading
        reason = type(exc).__name__
        raise file_problem(file, f"Excel-Datei kann nicht gelesen werden ({reason})") from None
    finally:
        book.close()
    if not records:
        raise file_problem(file, "Tabellenblatt ist leer und enthält keine Datenzeilen")
    width = max(len(row) for row in records)
    padded = [tuple(row) + (None,) * (width - len(row)) for row in records]
    frame = pd.DataFrame(padded, dtype=object)
    return Grid(frame, np.asarray(numbers), typed=True)


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
