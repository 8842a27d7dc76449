"""Client source files: raw cells with the row numbers the user sees.

:func:`read_grid` reads a CSV or XLSX file into a grid of raw cells (CSV:
encoding and separator detected unless configured, read by pyarrow where the
file is plain and by pandas' C engine otherwise, with identical cells; XLSX:
typed cells as openpyxl delivers them). The header row is found and matched
in :mod:`cxlib.io.headers`.

Every problem is raised as :class:`~cxlib.exceptions.DataError`; nothing from
pandas, the codecs or openpyxl escapes.
"""

from __future__ import annotations

import codecs
import csv
import mmap
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
from cxlib.parameters.schema import DataFile

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_SEPARATORS = (";", "\t", ",", "|")
_SAMPLE_BYTES = 1 << 16


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


def _has_nul_byte(path: Path) -> bool:
    """Whether the file holds a zero byte anywhere (one memchr over the mapped file).

    In UTF-8 and the single-byte encodings a zero byte is the NUL character
    and nothing else: checking the file once (0,1 s for half a gigabyte)
    replaces a search of every cell of every column (a second).
    """
    with path.open("rb") as handle:
        try:
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                return mapped.find(b"\x00") >= 0
        except ValueError:  # an empty file cannot be mapped
            return False


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
    # pandas cuts a cell at NUL; leave such files to it (in UTF-16 a zero byte is no NUL,
    # there the cells are searched below)
    bytes_are_characters = single_byte or encoding.startswith("utf-8")
    if bytes_are_characters and _has_nul_byte(path):
        return None
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
                encoding="utf8" if bytes_are_characters else encoding,
                block_size=_ARROW_BLOCK_BYTES,
                # one block is parsed by one thread anyway; handing it to Arrow's thread
                # pool while the run's kernels boot cost a small client 0,3-0,5 s
                use_threads=path.stat().st_size > _ARROW_BLOCK_BYTES,
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
        if not bytes_are_characters and pc.any(pc.match_substring(cells, "\x00")).as_py():
            return None
        if preamble:
            head = [fields[i] if i < len(fields) else "" for fields in preamble]
            cells = pa.chunked_array([pa.array(head, pa.large_string()), *cells.chunks])
        columns[i] = pd.Series(pd.arrays.ArrowStringArray(cells), copy=False)
    return pd.DataFrame(columns, copy=False)


def _widest_record(path: Path, encoding: str, separator: str) -> int:
    with path.open(encoding=encoding, newline="") as handle:
        return max((len(row) for row in csv.reader(handle, delimiter=separator)), default=1)


def _utf8_head(head: bytes) -> str | None:
    """ "utf-8-sig" or "utf-8" when the file's first bytes are UTF-8, else None.

    A character cut off at the end of ``head`` does not count against it.
    UTF-16 (by its byte order mark) is left to :func:`_detect_encoding`.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data" or exc.start < len(head) - 3:
            return None
    return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"


def _layout(head: bytes, encoding: str, source: DataFile) -> tuple[str, str, int]:
    """The file's first lines as text, its separator and its number of fields."""
    sample = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    separator = source.separator or _sniff_separator(sample)
    lines = sample.splitlines()[:50]
    width = max((len(row) for row in csv.reader(lines, delimiter=separator)), default=1)
    return sample, separator, width


def _read_csv(path: Path, source: DataFile, file: str) -> Grid:
    try:
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE_BYTES)
        if not head.strip():
            raise file_problem(file, "Datei ist leer und enthält keine Datenzeilen")
        if head.startswith(b"PK\x03\x04"):
            raise file_problem(file, "Datei ist eine Excel-Arbeitsmappe; mit Endung .xlsx angeben")
        # a head in UTF-8 is taken at its word: Arrow's reader checks every byte of the
        # file as UTF-8 anyway, so the whole file is searched for other bytes only when
        # that reader gives up (half a gigabyte: the search took a second)
        guessed = None if source.encoding else _utf8_head(head)
        encoding = source.encoding or guessed or _detect_encoding(path, head, file)
        sample, separator, width = _layout(head, encoding, source)
        frame = _read_csv_arrow(path, encoding, separator, width, sample)
        if frame is None and guessed is not None:
            encoding = _detect_encoding(path, head, file)
            if encoding != guessed:
                sample, separator, width = _layout(head, encoding, source)
                frame = _read_csv_arrow(path, encoding, separator, width, sample)
        if frame is not None:
            rows = np.arange(1, len(frame) + 1)
            return Grid(frame, rows, typed=False, encoding=encoding, separator=separator)
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
