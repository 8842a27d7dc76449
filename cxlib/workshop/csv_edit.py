"""Edits of the maturity answers file: one respondent's rows in a CSV, or a new workshop CSV.

Where the answers go (the choice made for issue 8):

* ``data.maturity`` is a **CSV** file: :func:`rewrite_respondent` replaces
  only the rows of the saved respondent (in the workshop wave), at the place
  of their first row; every other line stays byte-identical, in the file's
  own encoding, separator, line ends, headers and column mapping, so the
  loader reads it exactly as before.
* ``data.maturity`` is an **XLSX** file or not set: the client's export is
  never modified. :func:`workshop_csv` builds ``reifegrad_workshop.csv``
  (:data:`WORKSHOP_CSV`) with the existing answers and the saved ones (UTF-8
  with BOM, ``;``, the German headers Teilnehmer;Abteilung;Aussage;Bewertung
  [;Welle] that the loader recognises); the store writes it beside the export
  and points the parameter file at it. From then on the CSV rule applies.

Both return the bytes to write; :func:`csv_validator` checks a written file
with the batch loader itself. Input the file cannot hold raises
:class:`~cxlib.workshop.errors.WorkshopInputError`.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.exceptions import DataError
from cxlib.io.headers import find_header, header_text
from cxlib.io.loading import read_table
from cxlib.io.sources import Grid, read_grid
from cxlib.io.tables import TABLES
from cxlib.parameters.schema import DataFile
from cxlib.texts import t
from cxlib.workshop.errors import WorkshopInputError

__all__ = [
    "WORKSHOP_CSV",
    "WORKSHOP_HEADERS",
    "AnswerRow",
    "csv_validator",
    "rewrite_respondent",
    "workshop_csv",
]

#: File the answers go to when the client's export is an Excel file (or none is set).
WORKSHOP_CSV = "reifegrad_workshop.csv"
#: Headers of a maturity CSV created by the store (German aliases the loader recognises).
WORKSHOP_HEADERS = {
    "respondent": "Teilnehmer",
    "department": "Abteilung",
    "item": "Aussage",
    "score": "Bewertung",
    "wave": "Welle",
}
#: One saved answer: (item, department, score; None = "weiß nicht").
AnswerRow = tuple[str, str, int | None]


@dataclass(frozen=True)
class _CsvFile:
    """A CSV file as records with their original text, in its own dialect."""

    lines: list[str]  # the original text of each record (with its line end)
    records: list[list[str]]
    encoding: str
    bom: bool
    separator: str
    newline: str


def _read_csv_records(path: Path, source: DataFile, file: str) -> _CsvFile:
    grid = read_grid(path, source, file)
    encoding = grid.encoding or "utf-8"
    separator = grid.separator or ";"
    raw = path.read_bytes()
    bom = raw.startswith(codecs.BOM_UTF8)
    if bom:
        raw = raw[len(codecs.BOM_UTF8) :]
    base = "utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding
    text = raw.decode(base)
    physical = re.findall(r"[^\n]*\n|[^\n]+$", text)
    newline = "\r\n" if physical and physical[0].endswith("\r\n") else "\n"
    reader = csv.reader(iter(physical), delimiter=separator)
    lines: list[str] = []
    records: list[list[str]] = []
    consumed = 0
    for record in reader:
        records.append(record)
        lines.append("".join(physical[consumed : reader.line_num]))
        consumed = reader.line_num
    return _CsvFile(lines, records, base, bom, separator, newline)


def _records_grid(records: list[list[str]]) -> Grid:
    width = max((len(r) for r in records), default=1)
    padded = [r + [""] * (width - len(r)) for r in records]
    frame = pd.DataFrame(padded, columns=range(width), dtype=object)
    return Grid(frame, np.arange(1, len(records) + 1), typed=False)


def _csv_line(cells: list[str], separator: str, newline: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator=newline).writerow(cells)
    return buffer.getvalue()


def _encodable(value: str, encoding: str) -> bool:
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _encode(text: str, encoding: str, bom: bool, values: list[str], lang: str) -> bytes:
    """``text`` in the file's encoding; a typed value it cannot hold is an input error."""
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        bad = next((v for v in values if not _encodable(v, encoding)), "")
        problem = t("workshop_store.problem.encoding", lang, value=bad, encoding=encoding)
        raise WorkshopInputError([("", problem)], lang) from None
    return codecs.BOM_UTF8 + data if bom else data


def _no_data_left(lang: str) -> WorkshopInputError:
    problem = t("workshop_store.problem.no_data_left", lang)
    return WorkshopInputError([("respondent", problem)], lang)


def rewrite_respondent(
    path: Path,
    source: DataFile,
    respondent: str,
    wave: str | None,
    rows: list[AnswerRow],
    lang: str,
) -> bytes:
    """The CSV ``path`` with the respondent's rows (in ``wave``) replaced by ``rows``.

    Every other line stays as it is; the new rows take the place of the
    respondent's first row (or go to the end). Raises WorkshopInputError when
    the file has no wave or score column that the save needs, when no answer
    would be left, or when a typed value cannot be stored in its encoding.
    """
    spec = TABLES["maturity"]
    parsed = _read_csv_records(path, source, source.file)
    position, match = find_header(_records_grid(parsed.records), spec, source, source.file)
    columns = match.columns
    width = len(parsed.records[position])
    if wave is not None and "wave" not in columns:
        problem = t("workshop_store.problem.no_waves", lang, wave=wave)
        raise WorkshopInputError([("wave", problem)], lang)
    if "score" not in columns:
        problem = t("workshop_store.problem.no_score_column", lang, file=source.file)
        raise WorkshopInputError([("score", problem)], lang)

    def cell(record: list[str], column: str) -> str:
        pos = columns[column]
        return header_text(record[pos]) if pos < len(record) else ""

    def belongs(record: list[str]) -> bool:
        if not any(c.strip() for c in record) or cell(record, "respondent") != respondent:
            return False
        return wave is None or cell(record, "wave") == wave

    new_lines = []
    for item, department, score in rows:
        cells = [""] * width
        cells[columns["respondent"]] = respondent
        cells[columns["department"]] = department
        cells[columns["item"]] = item
        cells[columns["score"]] = "" if score is None else str(score)
        if wave is not None:
            cells[columns["wave"]] = wave
        new_lines.append(_csv_line(cells, parsed.separator, parsed.newline))
    out: list[str] = []
    inserted = False
    for index, (line, record) in enumerate(zip(parsed.lines, parsed.records, strict=True)):
        if index > position and belongs(record):
            if not inserted:
                out += new_lines
                inserted = True
            continue
        out.append(line)
    if not inserted:
        if out and not out[-1].endswith("\n"):
            out[-1] += parsed.newline
        out += new_lines
    if len(out) - (position + 1) <= 0:
        raise _no_data_left(lang)
    typed = [respondent, *(department for _, department, _ in rows[:1])]
    return _encode("".join(out), parsed.encoding, parsed.bom, typed, lang)


def workshop_csv(
    frame: pd.DataFrame,
    respondent: str,
    wave: str | None,
    rows: list[AnswerRow],
    lang: str,
) -> bytes:
    """A new workshop CSV: the answers of ``frame`` with the respondent's replaced by ``rows``.

    ``frame`` holds every stored answer as the loader reads it; with a
    ``wave`` the file gets a wave column and only the respondent's rows of
    that wave are replaced. Raises WorkshopInputError when no answer would
    be left.
    """
    has_wave = wave is not None
    keep = frame["respondent"].astype(str) != respondent
    if has_wave and "wave" in frame.columns:
        keep |= frame["wave"].astype("string").fillna("") != wave
    kept = frame[keep.to_numpy(dtype=bool)]
    columns = ["respondent", "department", "item", "score"] + (["wave"] if has_wave else [])
    records = [[WORKSHOP_HEADERS[c] for c in columns]]
    for row in kept.itertuples(index=False):
        values = row._asdict()
        score = values["score"]
        record = [
            str(values["respondent"]),
            str(values["department"]),
            str(values["item"]),
            "" if pd.isna(score) else str(int(score)),
        ]
        if has_wave:
            record.append("" if pd.isna(values.get("wave")) else str(values.get("wave")))
        records.append(record)
    for item, department, score in rows:
        record = [respondent, department, item, "" if score is None else str(score)]
        records.append(record + ([wave] if wave is not None else []))
    if len(records) == 1:
        raise _no_data_left(lang)
    text = "".join(_csv_line(r, ";", "\n") for r in records)
    return codecs.BOM_UTF8 + text.encode("utf-8")


def csv_validator(source: DataFile, base_dir: Path, shown: Path) -> Callable[[Path], None]:
    """A check of a written answers file with the batch loader (``read_table``).

    The problems of the returned callable's DataError name ``shown`` (the
    file as the user knows it), not the temporary file that was checked.
    """

    def validate(tmp: Path) -> None:
        try:
            read_table("maturity", source.model_copy(update={"file": str(tmp)}), base_dir)
        except DataError as exc:
            problems = [dataclasses.replace(p, file=str(shown)) for p in exc.problems]
            raise DataError(problems, exc.hint) from None

    return validate
