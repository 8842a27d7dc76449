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
4. writes atomically (:mod:`cxlib.workshop.atomic`): a temporary file in the
   same folder, flushed and fsynced, checked with the batch loader itself
   (``load_parameters`` for the YAML, ``read_table`` for the answers), then
   the previous file is copied into
   ``<dir>/.workshop-history/<file name>/<UTC time>_<writer>.<ext>`` (the last
   :data:`KEEP_VERSIONS` are kept) and the temporary file replaces the
   original with :func:`os.replace`. A crash at any point leaves the previous
   file byte-identical; a failed write raises :class:`WorkshopWriteError` (a
   CXError with a plain message). :meth:`WorkshopStore.restore` writes an old
   version back through the same path, so a restore can be undone too.
   Saving what is already stored writes nothing (``Saved.changed`` is False).

Who saved what is noted in ``<params dir>/.workshop-history/<client
file>.log.jsonl``; it names the writer in conflict messages and the history.
Reads are fresh on every call, but a file is parsed again only when its bytes
changed (cached by a content hash), so tokens are cheap to ask for.

The YAML is edited with ruamel.yaml in round-trip mode
(:mod:`cxlib.workshop.yaml_edit`): only the keys of the saved unit change;
comments, key order, quoting, flow style, blank lines, a BOM, Windows line
ends and every other section stay as they are (the indentation of the file is
detected).

Where the maturity answers go (the choice made for issue 8; the edits are in
:mod:`cxlib.workshop.csv_edit`): when ``data.maturity`` is a **CSV** file,
only the saved respondent's rows (in the workshop wave) are replaced and every
other line stays byte-identical. An **XLSX** export (or none set) is never
modified: the store creates ``reifegrad_workshop.csv`` beside it (or in
``<params dir>/../data/<client id>/`` when none is set) with the existing
answers, and points ``data.maturity`` at it with a round-trip edit that names
the previous file in a comment; from then on the CSV rule applies. A restore
of the YAML's earlier version points back at the export.

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

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout
from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap

from cxlib.exceptions import CXError, ParameterError, WorkshopConflict
from cxlib.io.sources import CSV_SUFFIXES
from cxlib.maturity.catalogue import load_questionnaire
from cxlib.parameters.files import _problems_from, load_parameters
from cxlib.parameters.problems import UNKNOWN_JOURNEY, ParameterProblem
from cxlib.parameters.schema import ClientParameters, DataFile
from cxlib.texts import t
from cxlib.workshop.answers import AnswerReader, respondent_content, wave_rows, wave_to_edit
from cxlib.workshop.atomic import (
    HISTORY_DIR,
    KEEP_VERSIONS,
    SaveLog,
    Version,
    fingerprint,
    history_folder,
    now,
    replace_atomically,
    versions_of,
    when,
)
from cxlib.workshop.csv_edit import (
    WORKSHOP_CSV,
    csv_validator,
    rewrite_respondent,
    workshop_csv,
)
from cxlib.workshop.errors import WorkshopBusy, WorkshopInputError, WorkshopWriteError
from cxlib.workshop.inputs import (
    check_answers,
    check_candidates,
    check_rating,
    clean_text,
    excel_text,
    plan_items,
    reference_problems,
    same_name,
    shown_text,
    version_token,
    without_code,
)
from cxlib.workshop.yaml_edit import (
    Edit,
    ParameterDocument,
    point_maturity_at,
    set_candidates,
    set_plan,
    set_rating,
)

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

#: Seconds a save waits for another writer of the same client before giving up.
LOCK_TIMEOUT = 15.0


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


#: The writer when nobody named one: never the login name (on a shared or container
#: machine that is "root" or a stranger's account, not the person at the projector).
DEFAULT_WRITER = "Workshop"


def _default_writer() -> str:
    return clean_text(os.environ.get("CXWB_WRITER")) or DEFAULT_WRITER


# ---------------------------------------------------------------- the store


class WorkshopStore:
    """Reads and safely writes one client's workshop input (see the module docstring).

    ``params_file`` is the client's parameter YAML; ``writer`` names who saves
    (shown in conflict messages and the history; default: ``CXWB_WRITER``, which
    ``cxwb workshop`` sets to the consultant's name, else "Workshop"); ``wave``
    is the maturity wave the workshop writes into when the answers have waves
    (default: the latest); ``lock_timeout`` is how long a save waits for another
    writer of the same client.
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
        self.writer = clean_text(writer) or _default_writer()
        self.wave = clean_text(wave) or None
        self.lock_timeout = lock_timeout
        history = self.params_file.parent / HISTORY_DIR
        self._lock_path = history / f"{self.params_file.name}.lock"
        self._save_log = SaveLog(history / f"{self.params_file.name}.log.jsonl", self.writer)
        self._document = ParameterDocument(self.params_file)
        self._params_cache: tuple[str, ClientParameters] | None = None
        self._pending: tuple[str, ClientParameters] | None = None
        self._answers = AnswerReader()

    # ------------------------------------------------------------ reading

    def parameters(self) -> ClientParameters:
        """The client's parameters, freshly read and validated (raises ParameterError).

        The file is read on every call; it is parsed again only when its bytes
        changed (the validated result is cached by a hash of the content).
        """
        try:
            digest = fingerprint(self.params_file)
        except OSError:
            return load_parameters(self.params_file)  # raises the plain "not found"
        cached = self._params_cache
        if cached is not None and cached[0] == digest:
            return cached[1]
        params = load_parameters(self.params_file)
        self._params_cache = (digest, params)
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

    def maturity_answers(self, *, all_waves: bool = False) -> pd.DataFrame:
        """The stored answers of the workshop wave (the rows the saves edit).

        Columns respondent, department, item, score (float; NaN = "weiß
        nicht"), plus wave when the file has waves. Empty (with these columns)
        when the client has no maturity file yet. ``all_waves=True`` returns
        every wave (for comparisons with earlier waves; see
        :meth:`workshop_wave` for the one being edited).
        """
        frame = self._answers.read(self.parameters())
        return frame if all_waves else wave_rows(frame, self.wave)

    def workshop_wave(self) -> str | None:
        """The wave label the saves write into (None when the answers have no waves)."""
        frame = self._answers.read(self.parameters())
        if "wave" not in frame.columns:
            return self.wave
        return wave_to_edit(frame, self.wave)

    def maturity_token(self, respondent: str) -> str:
        """Version token of the stored answers of ``respondent`` (in the workshop wave)."""
        part = wave_rows(self._answers.read(self.parameters()), self.wave)
        return version_token(respondent_content(part, excel_text(clean_text(respondent))))

    @staticmethod
    def _rating_content(params: ClientParameters, journey_id: str, participant: str) -> Any:
        for journey in params.workshop.journeys:
            if journey.id != journey_id:
                continue
            for rating in journey.ratings:
                if clean_text(rating.participant) == participant:
                    return rating.model_dump(mode="json")
        return None

    def journey_token(self, journey_id: str, participant: str) -> str:
        """Version token of ``participant``'s stored rating of journey ``journey_id``."""
        content = self._rating_content(self.parameters(), journey_id, clean_text(participant))
        return version_token(content)

    @staticmethod
    def _plan_content(params: ClientParameters) -> Any:
        workshop = params.workshop
        return {
            "pain_points": [p.model_dump(mode="json") for p in workshop.pain_points],
            "measures": [m.model_dump(mode="json") for m in workshop.measures],
        }

    def plan_token(self) -> str:
        """Version token of the stored pain points and measures together."""
        return version_token(self._plan_content(self.parameters()))

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

    def _check(self, key: str, what: str, current: str, expected: str | None, path: Path) -> None:
        """Raise WorkshopConflict when ``expected`` is set and differs from ``current``."""
        if expected is None or expected == current:
            return
        lang = self.lang
        entry = self._save_log.last_change(key, current, path)
        if entry is not None:
            changed_at = dt.datetime.fromisoformat(entry["at"])
            writer = entry.get("writer") or t("workshop_store.unknown_writer", lang)
            message = t(
                "workshop_store.conflict",
                lang,
                what=what,
                writer=writer,
                when=when(changed_at, lang),
            )
            raise WorkshopConflict(message, writer, changed_at)
        try:
            changed_at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        except OSError:
            changed_at = now()
        message = t("workshop_store.conflict_unknown", lang, what=what, when=when(changed_at, lang))
        raise WorkshopConflict(message, None, changed_at)

    # ------------------------------------------------------------ writing

    def _replace(
        self, path: Path, data: bytes, validate: Callable[[Path], None] | None = None
    ) -> Path | None:
        """Write ``data`` to ``path`` atomically, keeping the old file in the history."""
        return replace_atomically(path, data, writer=self.writer, lang=self.lang, validate=validate)

    def _validate_yaml_file(self, tmp: Path) -> None:
        try:
            params = load_parameters(tmp)
        except ParameterError as exc:
            raise ParameterError(self.params_file, exc.problems) from None
        # the validated content becomes the cache once the file is in place
        self._pending = (fingerprint(tmp), params.model_copy(update={"source": self.params_file}))

    def _prevalidate(self, document: Any) -> None:
        """Validate the edited document in memory (plain messages, no line numbers).

        pydantic checks the journey references of pain points and measures only
        when every field is valid, so they are checked here as well, to list
        every problem at once; the model's own finding of the same kind is then
        left out (told apart by its code, in every language).
        """
        problems = reference_problems(document, self.lang)
        try:
            ClientParameters.model_validate({**document, "source": self.params_file})
        except ValidationError as exc:
            found = _problems_from(exc, None)
            if problems:
                found = without_code(found, UNKNOWN_JOURNEY)
            problems += found
        if problems:
            raise WorkshopInputError(problems, self.lang)

    def _write_document(self, edit: Edit) -> tuple[Path | None, bool]:
        """Validate and write the edited parameter document; (backup, changed)."""
        rendered = self._document.render(edit)
        if rendered is None:
            return None, False
        new_text, data = rendered
        self._prevalidate(edit.document)
        self._pending = None
        backup = self._replace(self.params_file, data, self._validate_yaml_file)
        if self._pending is not None:
            self._params_cache, self._pending = self._pending, None
        self._document.written(new_text)
        return backup, True

    # ------------------------------------------------------------ YAML saves

    def _refuse_other_spelling(self, name: str, names: Iterable[str], field: str) -> None:
        """WorkshopInputError when ``names`` hold ``name`` in another spelling ("p01", "P01")."""
        other = same_name(name, names)
        if other is not None and other != name:
            problem = t(
                "workshop_store.problem.other_spelling",
                self.lang,
                name=shown_text(name),
                other=shown_text(other),
            )
            raise WorkshopInputError([(field, problem)], self.lang)

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
        participant = clean_text(participant)
        ratings = {"frequency": frequency, "damage": damage, "feasibility": feasibility}
        values = check_rating(participant, ratings, uncertain, lang)
        key = f"rating:{journey_id}:{participant}"
        with self._locked():
            params = self.parameters()
            name = next((j.name for j in params.workshop.journeys if j.id == journey_id), None)
            what = t(
                "workshop_store.what.rating",
                lang,
                participant=participant,
                journey=name or journey_id,  # the name the room sees, not the id
            )
            named = [clean_text(r.participant) for j in params.workshop.journeys for r in j.ratings]
            self._refuse_other_spelling(participant, named, "participant")
            current = version_token(self._rating_content(params, journey_id, participant))
            self._check(key, what, current, expected, self.params_file)
            edit = self._document.load()
            journeys = (edit.document.get("workshop") or {}).get("journeys") or []
            journey = next((j for j in journeys if str(j.get("id")) == journey_id), None)
            if journey is None:
                problem = t("workshop_store.problem.unknown_journey", lang, journey=journey_id)
                raise WorkshopInputError(
                    [ParameterProblem("journey", problem, UNKNOWN_JOURNEY)], lang
                )
            set_rating(journey, participant, values, bool(uncertain))
            backup, changed = self._write_document(edit)
            new_params = self.parameters() if changed else params
            token = version_token(self._rating_content(new_params, journey_id, participant))
            if changed:
                self._save_log.note(key, token, self.params_file, backup)
        return Saved(self.params_file, token, backup, changed)

    def candidates_token(self) -> str:
        """Version token of the journey candidates (ids and names)."""
        journeys = self.parameters().workshop.journeys
        return version_token([(j.id, j.name) for j in journeys])

    def save_candidates(
        self, candidates: list[tuple[str | None, str]], expected: str | None = None
    ) -> Saved:
        """Make the journey candidates ``(id, name)`` (id None: new), keeping their ratings.

        A candidate not listed is removed with its ratings (the previous file
        stays in the history); names are trimmed and must differ (case aside).
        Raises WorkshopInputError, or WorkshopConflict when ``expected`` is stale.
        """
        lang = self.lang
        wanted = check_candidates(candidates, lang)
        what = t("workshop_store.what.candidates", lang)
        with self._locked():
            params = self.parameters()
            current = version_token([(j.id, j.name) for j in params.workshop.journeys])
            self._check("candidates", what, current, expected, self.params_file)
            edit = self._document.load()
            set_candidates(edit.document, wanted)
            backup, changed = self._write_document(edit)
            token = self.candidates_token()
            if changed:
                self._save_log.note("candidates", token, self.params_file, backup)
        return Saved(self.params_file, token, backup, changed)

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
        plan = {
            "pain_points": plan_items("pain_points", pain_points, lang),
            "measures": plan_items("measures", measures, lang),
        }
        key = "plan"
        what = t("workshop_store.what.plan", lang)
        with self._locked():
            params = self.parameters()
            current = version_token(self._plan_content(params))
            self._check(key, what, current, expected, self.params_file)
            edit = self._document.load()
            set_plan(edit.document, plan)
            backup, changed = self._write_document(edit)
            new_params = self.parameters() if changed else params
            token = version_token(self._plan_content(new_params))
            if changed:
                self._save_log.note(key, token, self.params_file, backup)
        return Saved(self.params_file, token, backup, changed)

    def check_plan(self, pain_points: list[dict], measures: list[dict]) -> list[tuple[str, str]]:
        """The problems ``save_plan`` would raise for this input (empty list: valid).

        For validating as the user types; nothing is written.
        """
        lang = self.lang
        try:
            new_pain = plan_items("pain_points", pain_points, lang)
            new_measures = plan_items("measures", measures, lang)
            document = self._document.load().document
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
        respondent = excel_text(clean_text(respondent))  # as written into the CSV
        department = excel_text(clean_text(department))
        with self._locked():
            params = self.parameters()
            rows = check_answers(respondent, department, scores, self._item_order(params), lang)
            frame = self._answers.read(params)
            wave = wave_to_edit(frame, self.wave)
            if self.wave and "wave" not in frame.columns and len(frame):
                problem = t("workshop_store.problem.no_waves", lang, wave=self.wave)
                raise WorkshopInputError([("wave", problem)], lang)
            if "wave" not in frame.columns and self.wave:
                wave = self.wave  # a new file: the wave column starts with this one
            part = wave_rows(frame, self.wave) if "wave" in frame.columns else frame
            stored = part["respondent"].astype(str).unique() if len(part) else []
            self._refuse_other_spelling(respondent, stored, "respondent")
            key = f"maturity:{wave or ''}:{respondent}"
            what = t("workshop_store.what.maturity", lang, respondent=respondent)
            current = version_token(respondent_content(part, respondent))
            source = params.data.maturity
            path = params.resolve(source.file) if source else self._new_csv_path(params)
            self._check(key, what, current, expected, path)
            new_token = version_token(sorted(rows))
            if new_token == current:
                return Saved(path, current, None, False)
            if source is not None and path.suffix.lower() in CSV_SUFFIXES:
                data = rewrite_respondent(path, source, respondent, wave, rows, lang)
                validate = csv_validator(source, params.base_dir, path)
                backup = self._replace(path, data, validate)
            else:
                data = workshop_csv(frame, respondent, wave, rows, lang)
                path, backup = self._switch_to_csv(params, data)
            self._save_log.note(key, new_token, path, backup)
        return Saved(path, new_token, backup, True)

    def _new_csv_path(self, params: ClientParameters) -> Path:
        source = params.data.maturity
        if source is not None:
            return params.resolve(source.file).with_name(WORKSHOP_CSV)
        return (self.params_file.parent / ".." / "data" / params.client.id / WORKSHOP_CSV).resolve()

    def _switch_to_csv(self, params: ClientParameters, data: bytes) -> tuple[Path, Path | None]:
        """Write the workshop CSV (``data``) and point the YAML at it; (path, backup).

        When the YAML cannot be written, the CSV is put back as it was.
        """
        path = self._new_csv_path(params)
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        backup_csv = self._replace(
            path, data, csv_validator(DataFile(file=str(path)), path.parent, path)
        )
        try:
            edit = self._document.load()
            relative = Path(os.path.relpath(path, self.params_file.parent)).as_posix()
            point_maturity_at(edit.document, relative, self.lang)
            yaml_backup, _changed = self._write_document(edit)
        except BaseException:
            if backup_csv is not None:
                os.replace(backup_csv, path)
            elif not existed:
                path.unlink(missing_ok=True)
            raise
        self._save_log.note("data.maturity", "", self.params_file, yaml_backup)
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
        workshop_file = self._new_csv_path(params)
        if workshop_file not in files:
            files.append(workshop_file)
        return files

    def history(self) -> list[Version]:
        """Earlier versions of the parameter file and the answers file, newest first."""
        entries = self._save_log.entries()
        writers = {e["backup"]: e.get("writer") for e in entries if e.get("backup")}
        versions = [v for f in self._history_files() for v in versions_of(f, writers)]
        versions.sort(key=lambda v: (v.saved_at, v.path.name), reverse=True)
        return versions

    def restore(self, version: Version) -> Saved:
        """Write ``version`` back over its original (validated, atomic, itself undoable)."""
        lang = self.lang
        path, original = Path(version.path).resolve(), Path(version.original).resolve()
        mine = original in self._history_files()
        if not mine or path.parent != history_folder(original) or not path.is_file():
            problem = t("workshop_store.problem.not_a_version", lang, file=path.name)
            raise WorkshopInputError([("", problem)], lang)
        with self._locked():
            data = path.read_bytes()
            if original == self.params_file:
                validate: Callable[[Path], None] = self._validate_yaml_file
            else:
                params = self.parameters()
                source = params.data.maturity
                if source is not None and params.resolve(source.file) == original:
                    validate = csv_validator(source, params.base_dir, original)
                else:
                    validate = csv_validator(
                        DataFile(file=str(original)), original.parent, original
                    )
            backup = self._replace(original, data, validate)
            token = hashlib.sha256(data).hexdigest()[:16]
            self._save_log.note(f"restore:{original.name}", token, original, backup)
        return Saved(original, token, backup, True)
