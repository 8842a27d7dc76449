"""Safe storage of the workshop's input: maturity answers, journey ratings, pain points, measures.

The workshop widgets never write files themselves; they call a
:class:`WorkshopStore`, which writes into exactly the files a batch run reads
(the client's parameter YAML and the maturity answers table), so that
``cxwb run`` never depends on widget state::

    store = WorkshopStore("parameters/cafe-bohnenglueck.yaml", writer="Anna")
    token = store.maturity_token("R1")
    store.save_maturity("R1", "Geschäftsführung", {"D1.1": 3, "D1.2": None}, expected=token)

Every save

1. takes the client's lock (:class:`filelock.FileLock` on
   ``<params dir>/.workshop-history/<client file>.lock``) around the whole
   read-modify-write, so two tabs or two people never interleave;
2. re-reads the files and compares the caller's ``expected`` version token
   with the stored state of exactly the unit being saved (one respondent, one
   participant's rating of one journey, or the plan of pain points and
   measures). Two tabs saving different respondents both succeed; a stale
   token raises :class:`~cxlib.exceptions.WorkshopConflict` naming who changed
   it and when, and nothing is written. Tokens are hashes of the stored
   content, so they also notice edits made by hand outside the workshop;
3. validates the input (scores 0-4 or empty, items of the questionnaire,
   ratings 1-5, the plan against the parameter schema) and raises
   :class:`WorkshopInputError` listing every problem; an invalid state is
   never written;
4. writes atomically: a temporary file in the same folder, flushed and
   fsynced, checked with the batch loader itself (``load_parameters`` for
   the YAML, ``read_table`` for the answers), then the previous file is copied
   into ``<dir>/.workshop-history/<file name>/<UTC time>_<writer>.<ext>``
   (the last :data:`KEEP_VERSIONS` are kept) and the temporary file replaces
   the original with :func:`os.replace`. A crash at any point leaves the
   previous file byte-identical; a failed write raises
   :class:`WorkshopWriteError` (a CXError with a plain message).
   :meth:`WorkshopStore.restore` writes an old version back through the same
   path, so a restore can be undone too. Saving what is already stored
   writes nothing (``Saved.changed`` is False).

Who saved what is noted in ``<params dir>/.workshop-history/<client
file>.log.jsonl``; it names the writer in conflict messages and the history.
Reads are fresh on every call, but a file is parsed again only when its bytes
changed (cached by a content hash), so tokens are cheap to ask for.

The YAML is edited with ruamel.yaml in round-trip mode: only the keys of the
saved unit change; comments, key order, quoting, flow style, blank lines,
a BOM, Windows line ends and every other section stay as they are (the
indentation of the file is detected).

Where the maturity answers go (the choice made for issue 8):

* ``data.maturity`` is a **CSV** file: only the rows of the saved respondent
  (in the workshop wave, see below) are replaced, at the place of their first
  row; every other line stays byte-identical, in the file's own encoding,
  separator, line ends, headers and column mapping, so the loader reads it
  exactly as before.
* ``data.maturity`` is an **XLSX** file or not set: the client's export is
  never modified. The store creates ``reifegrad_workshop.csv`` beside the
  existing file (or in ``<params dir>/../data/<client id>/`` when none is
  set), copies the existing answers into it once (UTF-8 with BOM, ``;``,
  the German headers Teilnehmer;Abteilung;Aussage;Bewertung[;Welle] that the
  loader recognises), and points ``data.maturity`` at it with a round-trip
  edit that names the previous file in a comment. From then on the CSV rule
  applies. A restore of the YAML's earlier version points back at the export.

Waves: when the answers have a ``wave`` column, the workshop writes into one
wave, by default the latest label in the file (``WorkshopStore(..., wave=
"2026-Q1")`` starts a new one); other waves are never touched and
:meth:`WorkshopStore.maturity_answers` returns the rows of the workshop wave
(``all_waves=True``: all of them).

The history folders sit beside the client's files (``parameters/`` and
``data/<client>/``); they hold copies of client data and belong in the
project's ``.gitignore`` like the data itself.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import getpass
import glob
import hashlib
import io
import json
import math
import numbers
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from filelock import FileLock, Timeout
from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from cxlib.exceptions import CXError, DataError, ParameterError, WorkshopConflict
from cxlib.io.loading import read_table
from cxlib.io.sources import CSV_SUFFIXES, Grid, find_header, header_text, read_grid
from cxlib.io.tables import TABLES
from cxlib.maturity.catalogue import load_questionnaire
from cxlib.parameters.schema import (
    ClientParameters,
    DataFile,
    _problems_from,
    load_parameters,
    read_yaml,
)
from cxlib.texts import t

__all__ = [
    "HISTORY_DIR",
    "KEEP_VERSIONS",
    "Saved",
    "Version",
    "WorkshopBusy",
    "WorkshopConflict",
    "WorkshopInputError",
    "WorkshopStore",
    "WorkshopWriteError",
]

#: Folder beside each written file that holds its earlier versions (and the lock and log).
HISTORY_DIR = ".workshop-history"
#: Earlier versions kept per file.
KEEP_VERSIONS = 100
#: Seconds a save waits for another writer of the same client before giving up.
LOCK_TIMEOUT = 15.0
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
_STAMP = "%Y%m%dT%H%M%S%fZ"
_VERSION_NAME = re.compile(r"^(\d{8}T\d{12}Z)_(.*)$")
_RATING_KEYS = {  # field → (YAML alias, model name)
    "frequency": ("haeufigkeit", "frequency"),
    "damage": ("schaden", "damage"),
    "feasibility": ("machbarkeit", "feasibility"),
}
_UNCERTAIN_KEYS = ("unsicher", "uncertain")
_DATE_KEYS = ("start", "check_date")
_MAX_LOG_LINES = 2000


class WorkshopInputError(CXError):
    """Workshop input that cannot be saved; ``problems`` holds ``(key, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]], lang: str = "de"):
        self.problems = list(problems)
        lines = [t("workshop_store.input_head", lang, n=len(self.problems))]
        lines += [f"  - {key}: {message}" if key else f"  - {message}" for key, message in problems]
        super().__init__("\n".join(lines))


class WorkshopWriteError(CXError, OSError):
    """A file could not be written (disk full, no permission, opened by another program).

    Nothing was changed; it is also an :class:`OSError`.
    """


class WorkshopBusy(WorkshopConflict):
    """Another writer held the client's lock for longer than the timeout; nothing was written."""


@dataclass(frozen=True)
class Saved:
    """The outcome of a save.

    ``path``: the file written (or that would have been written); ``token``:
    the new version token of the saved unit (pass it as ``expected`` to the
    next save); ``backup``: the copy of the previous file in the history, None
    when the file was new or nothing changed; ``changed``: False when the
    stored state already was the saved one (then nothing was written).
    """

    path: Path
    token: str
    backup: Path | None
    changed: bool = True


@dataclass(frozen=True)
class Version:
    """An earlier version of a workshop file, kept in its history folder.

    ``path`` is the copy, ``original`` the file it is a version of.
    ``saved_at`` (UTC) and ``writer`` tell when and by whom this version was
    replaced: the copy is the state just before that save.
    """

    path: Path
    original: Path
    saved_at: dt.datetime
    writer: str

    def label(self, lang: str = "de") -> str:
        """A line for a list of versions ("kunde.yaml: Stand vor der Änderung von Anna …")."""
        return t(
            "workshop_store.version_label",
            lang,
            file=self.original.name,
            writer=self.writer,
            when=_when(self.saved_at, lang),
        )


# ---------------------------------------------------------------- helpers


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _when(moment: dt.datetime, lang: str) -> str:
    """ "um 14:32" today, "am 22.11.2026 um 14:32" otherwise (local time)."""
    local = moment.astimezone()
    time = local.strftime("%H:%M")
    if local.date() == dt.datetime.now().astimezone().date():
        return t("workshop_store.when_today", lang, time=time)
    date = local.strftime("%d.%m.%Y") if lang == "de" else local.strftime("%Y-%m-%d")
    return t("workshop_store.when_other", lang, date=date, time=time)


def _fingerprint(path: Path) -> str:
    """Hash of a file's bytes (raises OSError when it cannot be read)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _token(content: Any) -> str:
    """A short version token: hash of the content in canonical JSON."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _safe_name(writer: str) -> str:
    """``writer`` as a file-name part: ASCII letters, digits, - and _."""
    folded = writer.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae"}))
    folded = folded.translate(str.maketrans({"Ö": "Oe", "Ü": "Ue", "ß": "ss"}))
    return re.sub(r"[^A-Za-z0-9_-]+", "-", folded).strip("-")[:40] or "workshop"


def _default_writer() -> str:
    try:
        return os.environ.get("CXWB_WRITER") or getpass.getuser() or "workshop"
    except (KeyError, OSError):  # no user name in containers without passwd entry
        return "workshop"


def _remove_stale(directory: Path, prefix: str, age: float = 3600.0) -> None:
    """Remove temporary files left by a save that was killed (older than ``age`` seconds)."""
    limit = _now().timestamp() - age
    for path in directory.glob(f"{glob.escape(prefix)}*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (best effort; not possible on every platform)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _clean_text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _score_value(value: Any) -> tuple[bool, int | None]:
    """(valid, score) for one maturity answer: 0-4 or None ("weiß nicht")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True, None
    if value is pd.NA:
        return True, None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False, None
    if float(value) != int(value) or not 0 <= int(value) <= 4:
        return False, None
    return True, int(value)


def _rating_value(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    if float(value) != int(value) or not 1 <= int(value) <= 5:
        return None
    return int(value)


def _plain(value: Any) -> Any:
    """numpy scalars and whole floats as plain Python values for the YAML."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    return value


# ---------------------------------------------------------------- YAML round trip


def _yaml(mapping: int, sequence: int, offset: int) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: YAML, document: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


#: Indentations tried (mapping, sequence, offset); the project's files use the first.
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 4, 0), (4, 6, 2), (2, 4, 0))
Indent = tuple[int, int, int]


def _round_trip(
    text: str, known: Indent | None = None, verified: bool = False
) -> tuple[Indent, YAML, Any]:
    """The indentation and a YAML instance that reproduce ``text``, and its document.

    ruamel does not keep the indentation, so candidates (``known`` first) are
    tried until dumping the unchanged document gives the text back; with
    ``verified`` (the text was written with ``known``) the check is skipped.
    Failing all, ruamel's guess is used.
    """
    if known is not None and verified:
        yaml = _yaml(*known)
        return known, yaml, yaml.load(text)
    candidates = [known] if known else []
    candidates += [c for c in _INDENTS if c != known]
    for indent in candidates:
        yaml = _yaml(*indent)
        document = yaml.load(text)
        if _dump(yaml, document) == text:
            return indent, yaml, document
    _, guessed, block_indent = load_yaml_guess_indent(text)
    indent = (guessed or 2, guessed or 2, block_indent or 0)
    yaml = _yaml(*indent)
    return indent, yaml, yaml.load(text)


def _reference_problems(document: Any, lang: str) -> list[tuple[str, str]]:
    """Pain points and measures naming a journey that is not defined."""
    workshop = document.get("workshop") if isinstance(document, Mapping) else None
    if not isinstance(workshop, Mapping):
        return []
    journeys = workshop.get("journeys") or []
    ids = {str(j.get("id")) for j in journeys if isinstance(j, Mapping)}
    problems = []
    for kind in ("pain_points", "measures"):
        for index, item in enumerate(workshop.get(kind) or []):
            if not isinstance(item, Mapping) or item.get("journey") in (None, ""):
                continue
            if str(item["journey"]) not in ids:
                message = t("workshop_store.problem.unknown_journey", lang, journey=item["journey"])
                problems.append((f"workshop.{kind}.{index}.journey", message))
    return problems


def _trailing_lines(mapping: CommentedMap) -> str:
    """The blank lines after a mapping's last key (ruamel keeps them in its comment)."""
    if not mapping:
        return ""
    items = mapping.ca.items.get(list(mapping)[-1])
    token = items[2] if items and len(items) > 2 else None
    value = getattr(token, "value", "") or ""
    return value[value.index("\n") + 1 :] if "\n" in value else ""


# ---------------------------------------------------------------- CSV records


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


# ---------------------------------------------------------------- the store


class WorkshopStore:
    """Reads and safely writes one client's workshop input (see the module docstring).

    ``params_file`` is the client's parameter YAML; ``writer`` names who saves
    (shown in conflict messages and the history; default: ``CXWB_WRITER`` or
    the login name); ``wave`` is the maturity wave the workshop writes into
    when the answers have waves (default: the latest); ``lock_timeout`` is how
    long a save waits for another writer of the same client.
    """

    def __init__(
        self,
        params_file: str | Path,
        *,
        writer: str | None = None,
        wave: str | None = None,
        lock_timeout: float = LOCK_TIMEOUT,
    ):
        self.params_file = Path(params_file).expanduser().resolve()
        self.writer = _clean_text(writer) or _default_writer()
        self.wave = _clean_text(wave) or None
        self.lock_timeout = lock_timeout
        history = self.params_file.parent / HISTORY_DIR
        self._lock_path = history / f"{self.params_file.name}.lock"
        self._log_path = history / f"{self.params_file.name}.log.jsonl"
        self._params_cache: tuple[str, ClientParameters] | None = None
        self._pending: tuple[str, ClientParameters] | None = None
        self._yaml_state: tuple[str, Indent] | None = None
        self._yaml_bom = False
        self._yaml_crlf = False
        self._answers_cache: tuple[Any, pd.DataFrame] | None = None

    # ------------------------------------------------------------ reading

    def parameters(self) -> ClientParameters:
        """The client's parameters, freshly read and validated (raises ParameterError).

        The file is read on every call; it is parsed again only when its bytes
        changed (the validated result is cached by a hash of the content).
        """
        try:
            fingerprint = _fingerprint(self.params_file)
        except OSError:
            return load_parameters(self.params_file)  # raises the plain "not found"
        cached = self._params_cache
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        params = load_parameters(self.params_file)
        self._params_cache = (fingerprint, params)
        return params

    @property
    def lang(self) -> str:
        """The client's report language (for messages), "de" when unknown."""
        try:
            return self.parameters().language
        except CXError:
            pass
        try:
            text = self.params_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return "de"
        found = re.search(r"^language:\s*[\"']?(de|en)\b", text, re.MULTILINE)
        return found.group(1) if found else "de"

    def _all_answers(self, params: ClientParameters) -> pd.DataFrame:
        """Every stored maturity answer (all waves) as the loader reads it."""
        source = params.data.maturity
        if source is None:
            return pd.DataFrame(
                {
                    "respondent": pd.Series(dtype="string"),
                    "department": pd.Series(dtype="string"),
                    "item": pd.Series(dtype="string"),
                    "score": pd.Series(dtype=float),
                }
            )
        path = params.resolve(source.file)
        try:
            key = (str(path), source.model_dump_json(), _fingerprint(path))
        except OSError:
            key = None
        cached = self._answers_cache
        if key is not None and cached is not None and cached[0] == key:
            return cached[1].copy()
        frame = read_table("maturity", source, params.base_dir).frame.copy()
        frame["score"] = frame["score"].astype("Float64").astype(float)
        if key is not None:
            self._answers_cache = (key, frame)
        return frame.copy()

    def _workshop_wave(self, frame: pd.DataFrame) -> str | None:
        if "wave" not in frame.columns:
            return None
        if self.wave:
            return self.wave
        waves = sorted(frame["wave"].dropna().astype(str).unique())
        return waves[-1] if waves else None

    def _wave_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        wave = self._workshop_wave(frame)
        if wave is None:
            return frame
        part = frame[frame["wave"].astype("string") == wave].reset_index(drop=True)
        part.attrs = {}
        return part

    def maturity_answers(self, *, all_waves: bool = False) -> pd.DataFrame:
        """The stored answers of the workshop wave (the rows the saves edit).

        Columns respondent, department, item, score (float; NaN = "weiß
        nicht"), plus wave when the file has waves. Empty (with these columns)
        when the client has no maturity file yet. ``all_waves=True`` returns
        every wave (for comparisons with earlier waves; see
        :meth:`workshop_wave` for the one being edited).
        """
        frame = self._all_answers(self.parameters())
        return frame if all_waves else self._wave_rows(frame)

    def workshop_wave(self) -> str | None:
        """The wave label the saves write into (None when the answers have no waves)."""
        frame = self._all_answers(self.parameters())
        if "wave" not in frame.columns:
            return self.wave
        return self._workshop_wave(frame)

    @staticmethod
    def _respondent_content(part: pd.DataFrame, respondent: str) -> list[Any]:
        rows = part[part["respondent"].astype(str) == respondent]
        content = [
            (str(item), str(dept), None if pd.isna(score) else int(score))
            for item, dept, score in zip(
                rows["item"], rows["department"], rows["score"], strict=True
            )
        ]
        return sorted(content)

    def maturity_token(self, respondent: str) -> str:
        """Version token of the stored answers of ``respondent`` (in the workshop wave)."""
        part = self._wave_rows(self._all_answers(self.parameters()))
        return _token(self._respondent_content(part, _clean_text(respondent)))

    @staticmethod
    def _rating_content(params: ClientParameters, journey_id: str, participant: str) -> Any:
        for journey in params.workshop.journeys:
            if journey.id != journey_id:
                continue
            for rating in journey.ratings:
                if _clean_text(rating.participant) == participant:
                    return rating.model_dump(mode="json")
        return None

    def journey_token(self, journey_id: str, participant: str) -> str:
        """Version token of ``participant``'s stored rating of journey ``journey_id``."""
        content = self._rating_content(self.parameters(), journey_id, _clean_text(participant))
        return _token(content)

    @staticmethod
    def _plan_content(params: ClientParameters) -> Any:
        workshop = params.workshop
        return {
            "pain_points": [p.model_dump(mode="json") for p in workshop.pain_points],
            "measures": [m.model_dump(mode="json") for m in workshop.measures],
        }

    def plan_token(self) -> str:
        """Version token of the stored pain points and measures together."""
        return _token(self._plan_content(self.parameters()))

    # ------------------------------------------------------------ locking, log, conflicts

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self._lock_path), timeout=self.lock_timeout)
        try:
            lock.acquire()
        except Timeout:
            message = t(
                "workshop_store.busy",
                self.lang,
                client=self.params_file.stem,
                seconds=f"{self.lock_timeout:g}",
            )
            raise WorkshopBusy(message) from None
        try:
            yield
        finally:
            lock.release()

    def _log(self, key: str, token: str, path: Path, backup: Path | None) -> None:
        """Note who saved what (for conflict messages and the history's writers).

        Best effort: the save itself is complete when this runs, so a failing
        log write must not report the save as failed.
        """
        with suppress(OSError):
            self._append_log(key, token, path, backup)

    def _append_log(self, key: str, token: str, path: Path, backup: Path | None) -> None:
        entry = {
            "at": _now().isoformat(),
            "writer": self.writer,
            "key": key,
            "token": token,
            "file": str(path),
            "sha": _fingerprint(path),
            "backup": str(backup) if backup else None,
        }
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        with self._log_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._trim_log()

    def _log_entries(self) -> list[dict[str, Any]]:
        try:
            text = self._log_path.read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return []
        entries = []
        for line in text.splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut short by a crash
                continue
        return entries

    def _trim_log(self) -> None:
        entries = self._log_entries()
        if len(entries) <= _MAX_LOG_LINES:
            return
        keep = entries[-_MAX_LOG_LINES // 2 :]
        data = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in keep).encode("utf-8")
        self._replace(self._log_path, data, backup=False)

    def _check(self, key: str, what: str, current: str, expected: str | None, path: Path) -> None:
        """Raise WorkshopConflict when ``expected`` is set and differs from ``current``."""
        if expected is None or expected == current:
            return
        lang = self.lang
        entries = self._log_entries()
        entry = next((e for e in reversed(entries) if e.get("key") == key), None)
        if entry is None or entry.get("token") != current:
            # not a save of this unit: a restore or the switch to the workshop CSV
            # counts when it wrote exactly the file as it is now
            entry = next((e for e in reversed(entries) if e.get("file") == str(path)), None)
            try:
                same = entry is not None and entry.get("sha") == _fingerprint(path)
            except OSError:
                same = False
            entry = entry if same else None
        if entry is not None:
            changed_at = dt.datetime.fromisoformat(entry["at"])
            writer = entry.get("writer") or t("workshop_store.unknown_writer", lang)
            message = t(
                "workshop_store.conflict",
                lang,
                what=what,
                writer=writer,
                when=_when(changed_at, lang),
            )
            raise WorkshopConflict(message, writer, changed_at)
        try:
            changed_at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        except OSError:
            changed_at = _now()
        message = t(
            "workshop_store.conflict_unknown", lang, what=what, when=_when(changed_at, lang)
        )
        raise WorkshopConflict(message, None, changed_at)

    # ------------------------------------------------------------ atomic write + history

    def _backup(self, path: Path) -> Path:
        folder = path.parent / HISTORY_DIR / path.name
        folder.mkdir(parents=True, exist_ok=True)
        stamp = _now().strftime(_STAMP)
        target = folder / f"{stamp}_{_safe_name(self.writer)}{path.suffix}"
        counter = 1
        while target.exists():
            counter += 1
            target = folder / f"{stamp}_{_safe_name(self.writer)}-{counter}{path.suffix}"
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        os.close(fd)
        try:
            shutil.copy2(path, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        versions = sorted(p for p in folder.iterdir() if _VERSION_NAME.match(p.stem))
        for old in versions[:-KEEP_VERSIONS]:
            old.unlink(missing_ok=True)
        return target

    def _replace(
        self,
        path: Path,
        data: bytes,
        validate: Callable[[Path], None] | None = None,
        backup: bool = True,
    ) -> Path | None:
        """Write ``data`` to ``path`` atomically; returns the backup of the old file.

        The data goes to a temporary file in the same folder (flushed and
        fsynced), ``validate`` checks that file, the old file is copied into
        the history, and :func:`os.replace` puts the new one in place. On any
        error the temporary file is removed and ``path`` is left untouched.
        """
        prefix = f".{path.stem}.tmp-"
        _remove_stale(path.parent, prefix)
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=path.suffix, dir=path.parent)
        tmp = Path(name)
        saved: Path | None = None
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
            os.chmod(tmp, mode)
            if validate is not None:
                validate(tmp)
            if backup and path.exists():
                saved = self._backup(path)
            os.replace(tmp, path)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if saved is not None:
                saved.unlink(missing_ok=True)
            if isinstance(exc, OSError) and not isinstance(exc, CXError):
                message = t("workshop_store.write_failed", self.lang, file=path, error=exc)
                raise WorkshopWriteError(message) from exc
            raise
        _fsync_dir(path.parent)
        return saved

    def _validate_yaml_file(self, tmp: Path) -> None:
        try:
            params = load_parameters(tmp)
        except ParameterError as exc:
            raise ParameterError(self.params_file, exc.problems) from None
        # the validated content becomes the cache once the file is in place
        self._pending = (_fingerprint(tmp), params.model_copy(update={"source": self.params_file}))

    @staticmethod
    def _validate_csv_file(source: DataFile, base_dir: Path, shown: Path) -> Callable[[Path], None]:
        def validate(tmp: Path) -> None:
            try:
                read_table("maturity", source.model_copy(update={"file": str(tmp)}), base_dir)
            except DataError as exc:
                problems = [
                    p.__class__(str(shown), p.message, p.row, p.column, p.value, p.expected)
                    for p in exc.problems
                ]
                raise DataError(problems, exc.hint) from None

        return validate

    # ------------------------------------------------------------ YAML saves

    def _load_document(self) -> tuple[str, YAML, Any]:
        """The parameter file's text, a YAML instance that reproduces it, and its document."""
        try:
            raw = self.params_file.read_bytes()
            self._yaml_bom = raw.startswith(codecs.BOM_UTF8)
            text = raw.decode("utf-8-sig")
            self._yaml_crlf = "\r\n" in text
            text = text.replace("\r\n", "\n")
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            written, known = self._yaml_state or (None, None)
            indent, yaml, document = _round_trip(text, known, verified=digest == written)
        except (OSError, UnicodeDecodeError, YAMLError):
            read_yaml(self.params_file)  # raises ParameterError with a plain message
            raise
        self._yaml_state = (digest, indent)
        return text, yaml, document

    def _prevalidate(self, document: Any) -> None:
        """Validate the edited document in memory (plain messages, no line numbers).

        pydantic checks the journey references of pain points and measures only
        when every field is valid, so they are checked here as well, to list
        every problem at once.
        """
        problems = _reference_problems(document, self.lang)
        try:
            ClientParameters.model_validate({**document, "source": self.params_file})
        except ValidationError as exc:
            found = _problems_from(exc, None)
            if problems:  # the same finding from the model validator
                found = [p for p in found if "journeys definiert" not in p[1]]
            problems += found
        if problems:
            raise WorkshopInputError(problems, self.lang)

    def _write_document(self, text: str, yaml: YAML, document: Any) -> tuple[Path | None, bool]:
        """Validate and write the edited document; (backup, changed)."""
        new_text = _dump(yaml, document)
        if new_text == text:
            return None, False
        self._prevalidate(document)
        self._pending = None
        data = (new_text.replace("\n", "\r\n") if self._yaml_crlf else new_text).encode("utf-8")
        if self._yaml_bom:  # keep what the editor wrote: BOM and Windows line ends
            data = codecs.BOM_UTF8 + data
        backup = self._replace(self.params_file, data, self._validate_yaml_file)
        if self._pending is not None:
            self._params_cache, self._pending = self._pending, None
        if self._yaml_state is not None:  # this text round-trips with this indentation
            self._yaml_state = (
                hashlib.sha256(new_text.encode("utf-8")).hexdigest(),
                self._yaml_state[1],
            )
        return backup, True

    def save_rating(
        self,
        journey_id: str,
        participant: str,
        frequency: int,
        damage: int,
        feasibility: int,
        uncertain: bool = False,
        expected: str | None = None,
    ) -> Saved:
        """Save one participant's 1-5 ratings of one journey into ``workshop.journeys``.

        An existing rating of the participant is updated in place (only the
        changed values); a new one is appended in the style of its siblings.
        Raises WorkshopInputError (invalid input) or WorkshopConflict
        (``expected`` is stale).
        """
        lang = self.lang
        participant = _clean_text(participant)
        problems: list[tuple[str, str]] = []
        values: dict[str, int] = {}
        for field, value in (
            ("frequency", frequency),
            ("damage", damage),
            ("feasibility", feasibility),
        ):
            checked = _rating_value(value)
            if checked is None:
                name = t(f"workshop_store.field.{field}", lang)
                problems.append(
                    (field, t("workshop_store.problem.rating", lang, field=name, value=value))
                )
            else:
                values[field] = checked
        if not isinstance(uncertain, bool | np.bool_):
            problems.append(("uncertain", t("workshop_store.problem.uncertain", lang)))
        if not participant:
            problems.append(("participant", t("workshop_store.problem.empty_participant", lang)))
        if problems:
            raise WorkshopInputError(problems, lang)
        key = f"rating:{journey_id}:{participant}"
        what = t("workshop_store.what.rating", lang, participant=participant, journey=journey_id)
        with self._locked():
            params = self.parameters()
            current = _token(self._rating_content(params, journey_id, participant))
            self._check(key, what, current, expected, self.params_file)
            text, yaml, document = self._load_document()
            journeys = (document.get("workshop") or {}).get("journeys") or []
            journey = next((j for j in journeys if str(j.get("id")) == journey_id), None)
            if journey is None:
                problem = t("workshop_store.problem.unknown_journey", lang, journey=journey_id)
                raise WorkshopInputError([("journey", problem)], lang)
            ratings = journey.get("ratings")
            if ratings is None:
                ratings = CommentedSeq()
                journey["ratings"] = ratings
            entry = next(
                (r for r in ratings if _clean_text(r.get("participant")) == participant), None
            )
            if entry is None:
                entry = CommentedMap()
                entry["participant"] = participant
                for field, (alias, _name) in _RATING_KEYS.items():
                    entry[alias] = values[field]
                if uncertain:
                    entry["unsicher"] = True
                flow = [r for r in ratings if isinstance(r, CommentedMap)]
                if not flow or flow[-1].fa.flow_style():
                    entry.fa.set_flow_style()
                ratings.append(entry)
            else:
                for field, names in _RATING_KEYS.items():
                    name = next((n for n in names if n in entry), names[0])
                    if entry.get(name) != values[field]:
                        entry[name] = values[field]
                name = next((n for n in _UNCERTAIN_KEYS if n in entry), None)
                if name is not None:
                    if bool(entry[name]) != bool(uncertain):
                        entry[name] = bool(uncertain)
                elif uncertain:
                    entry["unsicher"] = True
            backup, changed = self._write_document(text, yaml, document)
            new_params = self.parameters() if changed else params
            token = _token(self._rating_content(new_params, journey_id, participant))
            if changed:
                self._log(key, token, self.params_file, backup)
        return Saved(self.params_file, token, backup, changed)

    def _plan_items(self, kind: str, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        problems: list[tuple[str, str]] = []
        out: list[dict[str, Any]] = []
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                problems.append(
                    (f"workshop.{kind}.{i}", t("workshop_store.problem.not_a_mapping", self.lang))
                )
                continue
            clean: dict[str, Any] = {}
            for key, value in item.items():
                if isinstance(value, str):
                    value = value.strip()
                if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
                    continue
                clean[str(key)] = _as_date(value) if key in _DATE_KEYS else _plain(value)
            out.append(clean)
        if problems:
            raise WorkshopInputError(problems, self.lang)
        return out

    @staticmethod
    def _update_seq(seq: CommentedSeq, new: list[dict[str, Any]]) -> None:
        """Make ``seq`` equal ``new`` with as few changed entries as possible."""

        def frozen(item: Any) -> str:
            return json.dumps(dict(item), sort_keys=True, default=str)

        old_keys = [frozen(item) for item in seq]
        new_keys = [frozen(item) for item in new]
        matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
        for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
            if tag == "equal":
                continue
            common = min(i2 - i1, j2 - j1) if tag == "replace" else 0
            for offset in range(common):  # update in place: only changed keys
                entry, values = seq[i1 + offset], new[j1 + offset]
                if not isinstance(entry, CommentedMap):
                    seq[i1 + offset] = CommentedMap(values)
                    continue
                for key in [k for k in entry if k not in values]:
                    del entry[key]
                for key, value in values.items():
                    if key not in entry or entry[key] != value:
                        entry[key] = value
            for index in range(i2 - 1, i1 + common - 1, -1):
                del seq[index]
            for offset, values in enumerate(new[j1 + common : j2]):
                seq.insert(i1 + common + offset, CommentedMap(values))

    def save_plan(
        self,
        pain_points: list[dict],
        measures: list[dict],
        expected: str | None = None,
    ) -> Saved:
        """Save the workshop's pain points and measures (dicts with the YAML keys).

        Entries that did not change keep their lines and comments; changed
        entries are updated key by key. Empty values (None, "") are left out.
        Dates may be ``datetime.date`` or text (2026-02-02 or 02.02.2026).
        Raises WorkshopInputError listing every problem (e.g.
        ``workshop.measures.1.owner: Pflichtangabe fehlt``) or
        WorkshopConflict when ``expected`` is stale.
        """
        lang = self.lang
        new_pain = self._plan_items("pain_points", pain_points)
        new_measures = self._plan_items("measures", measures)
        key = "plan"
        what = t("workshop_store.what.plan", lang)
        with self._locked():
            params = self.parameters()
            current = _token(self._plan_content(params))
            self._check(key, what, current, expected, self.params_file)
            text, yaml, document = self._load_document()
            workshop = document.get("workshop")
            if workshop is None:
                workshop = CommentedMap()
                document["workshop"] = workshop
            for name, new in (("pain_points", new_pain), ("measures", new_measures)):
                seq = workshop.get(name)
                if seq is None:
                    if not new:
                        continue
                    seq = CommentedSeq()
                    workshop[name] = seq
                self._update_seq(seq, new)
            backup, changed = self._write_document(text, yaml, document)
            new_params = self.parameters() if changed else params
            token = _token(self._plan_content(new_params))
            if changed:
                self._log(key, token, self.params_file, backup)
        return Saved(self.params_file, token, backup, changed)

    def check_plan(self, pain_points: list[dict], measures: list[dict]) -> list[tuple[str, str]]:
        """The problems ``save_plan`` would raise for this input (empty list: valid).

        For validating as the user types; nothing is written.
        """
        try:
            new_pain = self._plan_items("pain_points", pain_points)
            new_measures = self._plan_items("measures", measures)
            _text, _yaml, document = self._load_document()
            workshop = document.setdefault("workshop", CommentedMap())
            workshop["pain_points"] = new_pain
            workshop["measures"] = new_measures
            self._prevalidate(document)
        except WorkshopInputError as exc:
            return exc.problems
        return []

    # ------------------------------------------------------------ maturity saves

    def _item_order(self, params: ClientParameters) -> list[str]:
        custom = params.analysis.maturity.questionnaire
        questionnaire = load_questionnaire(params.resolve(custom) if custom else None)
        return [item for d in questionnaire.dimensions for item in d.items]

    def save_maturity(
        self,
        respondent: str,
        department: str,
        scores: Mapping[str, int | None],
        expected: str | None = None,
    ) -> Saved:
        """Save all answers of one respondent: replaces every stored row of them.

        ``scores`` maps item ids (D1.1 …) to 0-4 or None ("weiß nicht"); items
        not in ``scores`` get no row (empty ``scores`` removes the respondent).
        Where the answers are stored is described in the module docstring.
        Raises WorkshopInputError, WorkshopConflict, or the loader's DataError
        when the existing answers file is broken.
        """
        lang = self.lang
        respondent = _clean_text(respondent)
        department = _clean_text(department)
        with self._locked():
            params = self.parameters()
            order = self._item_order(params)
            rank = {item: i for i, item in enumerate(order)}
            problems: list[tuple[str, str]] = []
            if not respondent:
                problems.append(("respondent", t("workshop_store.problem.empty_respondent", lang)))
            if not department:
                problems.append(("department", t("workshop_store.problem.empty_department", lang)))
            rows: list[tuple[str, str, int | None]] = []
            for item, value in scores.items():
                item_id = _clean_text(item)
                valid, score = _score_value(value)
                if item_id not in rank:
                    problems.append(
                        (item_id, t("workshop_store.problem.unknown_item", lang, item=item_id))
                    )
                elif not valid:
                    problems.append((item_id, t("workshop_store.problem.score", lang, value=value)))
                else:
                    rows.append((item_id, department, score))
            if problems:
                raise WorkshopInputError(problems, lang)
            rows.sort(key=lambda row: rank[row[0]])
            frame = self._all_answers(params)
            wave = self._workshop_wave(frame)
            if self.wave and "wave" not in frame.columns and len(frame):
                problem = t("workshop_store.problem.no_waves", lang, wave=self.wave)
                raise WorkshopInputError([("wave", problem)], lang)
            if "wave" not in frame.columns and self.wave:
                wave = self.wave  # a new file: the wave column starts with this one
            part = self._wave_rows(frame) if "wave" in frame.columns else frame
            key = f"maturity:{wave or ''}:{respondent}"
            what = t("workshop_store.what.maturity", lang, respondent=respondent)
            current = _token(self._respondent_content(part, respondent))
            source = params.data.maturity
            path = params.resolve(source.file) if source else self._new_csv_path(params)
            self._check(key, what, current, expected, path)
            new_token = _token(sorted(rows))
            if new_token == current:
                return Saved(path, current, None, False)
            if source is not None and path.suffix.lower() in CSV_SUFFIXES:
                backup = self._rewrite_csv(path, source, params, respondent, wave, rows)
            else:
                path, backup = self._switch_to_csv(params, frame, respondent, wave, rows)
            self._log(key, new_token, path, backup)
        return Saved(path, new_token, backup, True)

    def _new_csv_path(self, params: ClientParameters) -> Path:
        source = params.data.maturity
        if source is not None:
            return params.resolve(source.file).with_name(WORKSHOP_CSV)
        return (self.params_file.parent / ".." / "data" / params.client.id / WORKSHOP_CSV).resolve()

    def _encode(self, text: str, encoding: str, bom: bool, values: list[str]) -> bytes:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            bad = next((v for v in values if not _encodable(v, encoding)), "")
            problem = t("workshop_store.problem.encoding", self.lang, value=bad, encoding=encoding)
            raise WorkshopInputError([("", problem)], self.lang) from None
        return codecs.BOM_UTF8 + data if bom else data

    def _rewrite_csv(
        self,
        path: Path,
        source: DataFile,
        params: ClientParameters,
        respondent: str,
        wave: str | None,
        rows: list[tuple[str, str, int | None]],
    ) -> Path | None:
        """Replace the respondent's rows of an existing CSV; every other line stays as it is."""
        spec = TABLES["maturity"]
        parsed = _read_csv_records(path, source, source.file)
        position, match = find_header(_records_grid(parsed.records), spec, source, source.file)
        columns = match.columns
        width = len(parsed.records[position])
        if wave is not None and "wave" not in columns:
            problem = t("workshop_store.problem.no_waves", self.lang, wave=wave)
            raise WorkshopInputError([("wave", problem)], self.lang)
        if "score" not in columns:
            problem = t("workshop_store.problem.no_score_column", self.lang, file=source.file)
            raise WorkshopInputError([("score", problem)], self.lang)

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
            if "score" in columns:
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
        remaining = len(out) - (position + 1)
        if remaining <= 0:
            problem = t("workshop_store.problem.no_data_left", self.lang)
            raise WorkshopInputError([("respondent", problem)], self.lang)
        typed = [respondent, *(department for _, department, _ in rows[:1])]
        data = self._encode("".join(out), parsed.encoding, parsed.bom, typed)
        validate = self._validate_csv_file(source, params.base_dir, path)
        return self._replace(path, data, validate)

    def _switch_to_csv(
        self,
        params: ClientParameters,
        frame: pd.DataFrame,
        respondent: str,
        wave: str | None,
        rows: list[tuple[str, str, int | None]],
    ) -> tuple[Path, Path | None]:
        """Create the workshop CSV with the existing answers and point the YAML at it."""
        path = self._new_csv_path(params)
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
            records.append(record + ([wave] if has_wave else []))
        if len(records) == 1:
            problem = t("workshop_store.problem.no_data_left", self.lang)
            raise WorkshopInputError([("respondent", problem)], self.lang)
        text = "".join(_csv_line(r, ";", "\n") for r in records)
        csv_source = DataFile(file=str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        backup_csv = self._replace(
            path,
            codecs.BOM_UTF8 + text.encode("utf-8"),
            self._validate_csv_file(csv_source, path.parent, path),
        )
        try:
            text_yaml, yaml, document = self._load_document()
            data = document.get("data")
            if data is None:
                data = CommentedMap()
                keys = list(document)
                where = keys.index("workshop") if "workshop" in keys else len(keys)
                document.insert(where, "data", data)
            relative = Path(os.path.relpath(path, self.params_file.parent)).as_posix()
            old = data.get("maturity")
            if isinstance(old, CommentedMap):
                previous = old.get("file")
                trailing = _trailing_lines(old)
                for name in [k for k in old if k != "file"]:
                    del old[name]
                old["file"] = relative
                if previous:
                    comment = t("workshop_store.yaml_comment", self.lang, file=previous)
                    old.yaml_add_eol_comment(f"# {comment}", "file")
                    token = old.ca.items["file"][2]
                    token.value = token.value.rstrip("\n") + "\n" + trailing
            else:
                entry = CommentedMap()
                entry["file"] = relative
                data["maturity"] = entry
            yaml_backup, _changed = self._write_document(text_yaml, yaml, document)
        except BaseException:
            if backup_csv is not None:
                os.replace(backup_csv, path)
            elif not existed:
                path.unlink(missing_ok=True)
            raise
        self._log("data.maturity", "", self.params_file, yaml_backup)
        return path, backup_csv

    # ------------------------------------------------------------ history

    def _history_files(self) -> list[Path]:
        files = [self.params_file]
        try:
            params = self.parameters()
        except CXError:
            return files
        source = params.data.maturity
        if source is not None:
            files.append(params.resolve(source.file))
        workshop_csv = self._new_csv_path(params)
        if workshop_csv not in files:
            files.append(workshop_csv)
        return files

    def history(self) -> list[Version]:
        """Earlier versions of the parameter file and the answers file, newest first."""
        writers = {e.get("backup"): e.get("writer") for e in self._log_entries() if e.get("backup")}
        versions = []
        for original in self._history_files():
            folder = original.parent / HISTORY_DIR / original.name
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                found = _VERSION_NAME.match(path.stem)
                if not found or path.suffix != original.suffix:
                    continue
                saved_at = dt.datetime.strptime(found.group(1), _STAMP).replace(tzinfo=dt.UTC)
                writer = writers.get(str(path)) or found.group(2)
                versions.append(Version(path, original, saved_at, writer))
        versions.sort(key=lambda v: (v.saved_at, v.path.name), reverse=True)
        return versions

    def restore(self, version: Version) -> Saved:
        """Write ``version`` back over its original (validated, atomic, itself undoable)."""
        lang = self.lang
        path, original = Path(version.path).resolve(), Path(version.original).resolve()
        mine = original in self._history_files()
        folder = original.parent / HISTORY_DIR / original.name
        if not mine or path.parent != folder or not path.is_file():
            problem = t("workshop_store.problem.not_a_version", lang, file=path.name)
            raise WorkshopInputError([("", problem)], lang)
        with self._locked():
            data = path.read_bytes()
            if original == self.params_file:
                validate: Callable[[Path], None] | None = self._validate_yaml_file
            else:
                params = self.parameters()
                source = params.data.maturity
                if source is not None and params.resolve(source.file) == original:
                    validate = self._validate_csv_file(source, params.base_dir, original)
                else:
                    validate = self._validate_csv_file(
                        DataFile(file=str(original)), original.parent, original
                    )
            backup = self._replace(original, data, validate)
            token = hashlib.sha256(data).hexdigest()[:16]
            self._log(f"restore:{original.name}", token, original, backup)
        return Saved(original, token, backup, True)


def _encodable(value: str, encoding: str) -> bool:
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True
