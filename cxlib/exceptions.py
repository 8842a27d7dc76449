"""The project's own exceptions and warnings.

Everything a user can fix (a bad parameter file, a broken data file, an unknown
client) raises a subclass of :class:`CXError` with a plain message that says what
to fix. Anything else escaping from cxlib is a bug.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

#: How many single problems a message lists before it summarises the rest.
MAX_LISTED_PROBLEMS = 30


class CXError(Exception):
    """Base class of all errors a user can fix."""


class ParameterError(CXError):
    """A client parameter file is missing, unreadable or invalid.

    ``problems`` holds one ``(key, message)`` pair per problem; ``key`` is the
    dotted path in the YAML file (``"data.customers.file"``), with the line
    number where it is known.
    """

    def __init__(self, file: str | Path, problems: list[tuple[str, str]]):
        self.file = str(file)
        self.problems = list(problems)
        lines = [f"Parameterdatei {self.file}: {len(self.problems)} Problem(e)"]
        for key, message in self.problems[:MAX_LISTED_PROBLEMS]:
            lines.append(f"  - {key}: {message}" if key else f"  - {message}")
        if len(self.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  … und {len(self.problems) - MAX_LISTED_PROBLEMS} weitere")
        super().__init__("\n".join(lines))


class CatalogueError(CXError):
    """A catalogue file (the comment codebook, the lever catalogue) is missing, unreadable or
    has entries that cannot be used; every problem is listed at once.

    Subclasses name the kind of file in :attr:`kind` ("Codebuch", "Hebelkatalog").
    """

    #: what the file is called at the start of the message
    kind = "Katalog"

    def __init__(self, file: str | Path, problems: list[str]):
        self.file = str(file)
        self.problems = list(problems)
        lines = [f"{self.kind} {self.file}: {len(self.problems)} Problem(e)"]
        lines += [f"  - {p}" for p in self.problems[:MAX_LISTED_PROBLEMS]]
        if len(self.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  … und {len(self.problems) - MAX_LISTED_PROBLEMS} weitere")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class DataProblem:
    """One problem in one cell (or row, or file) of a client's data file.

    ``row`` is the row number as the user sees it in Excel or a text editor
    (the header is row 1 in a plain CSV); ``None`` for problems of the whole
    file or column. ``code`` names the kind of problem the same way in every
    language (``duplicate_key``, ``missing_column``, ``no_data_rows``; None
    where none is given): filter problems by code, never by message text.
    ``count`` is how many problems this one stands for: 1 for a single cell,
    more for the line that sums up the rest of a long list ("… 45.089 weitere
    Zeilen"), so that :class:`DataError` states the true total.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    code: str | None = None
    count: int = 1

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"Zeile {self.row}")
        if self.column is not None:
            where.append(f"Spalte „{self.column}“")
        text = ", ".join(where) + f": {self.message}"
        if self.value is not None:
            text += f" (Wert: „{self.value}“"
            text += f", erwartet: {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (erwartet: {self.expected})"
        return text


class DataError(CXError):
    """A client data file cannot be read or breaks its table's rules.

    Carries every problem found, not just the first, so that the user can fix
    the file in one go.
    """

    def __init__(self, problems: list[DataProblem], hint: str | None = None):
        self.problems = list(problems)
        self.hint = hint
        files = sorted({p.file for p in self.problems})
        head = f"{_thousands(self.total)} Problem(e) in den Kundendaten ({', '.join(files)})"
        counted = [
            f"{_thousands(n)} {_COUNTED[code]}"
            for code, n in self.counts().items()
            if code in _COUNTED and n > 1
        ]
        lines = [head + (f", davon {', '.join(counted)}" if counted else "")]
        for problem in self.problems[:MAX_LISTED_PROBLEMS]:
            lines.append(f"  - {problem}")
        if len(self.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  … und {len(self.problems) - MAX_LISTED_PROBLEMS} weitere")
        if hint:
            lines.append(hint)
        super().__init__("\n".join(lines))

    @property
    def total(self) -> int:
        """How many problems there are in all (the summed-up rest of long lists included)."""
        return sum(p.count for p in self.problems)

    def counts(self) -> dict[str | None, int]:
        """The true number of problems per code (None: problems without a code)."""
        out: dict[str | None, int] = {}
        for p in self.problems:
            out[p.code] = out.get(p.code, 0) + p.count
        return out


#: Problem codes the head line of a :class:`DataError` counts by name (German plural).
_COUNTED = {"duplicate_key": "doppelte Einträge"}


def _thousands(n: int) -> str:
    """A count with German thousands points (46.089)."""
    return f"{n:,}".replace(",", ".")


class ClientNotFoundError(CXError):
    """No parameter file exists for the requested client id."""


class PortfolioError(CXError):
    """The consultancy's portfolio database is missing, unreadable or too new."""


class WorkshopConflict(CXError):
    """A workshop save would overwrite what someone else saved in the meantime.

    Nothing was written; ``writer`` and ``changed_at`` name the other change
    where they are known.
    """

    def __init__(self, message: str, writer: str | None = None, changed_at=None):
        self.writer = writer
        self.changed_at = changed_at
        super().__init__(message)


class RunError(CXError):
    """A client run failed for a reason the user can act on.

    ``log_path`` points at the run's log with the details.
    """

    def __init__(self, message: str, log_path: str | Path | None = None):
        self.log_path = str(log_path) if log_path else None
        if self.log_path:
            message = f"{message}\nDetails im Protokoll: {self.log_path}"
        super().__init__(message)


class KernelStartError(RunError):
    """The notebooks' Jupyter kernel could not be started (it died, or never answered).

    A fault of the machine at that moment, not of the program or the client's
    data: the message says what happened and that the run can be repeated.
    """


class WorkshopServerError(CXError):
    """The workshop's JupyterLab (``cxwb workshop``) could not start or did not answer."""


class CXWarning(UserWarning):
    """Base class of the project's warnings."""


class SmallSampleWarning(CXWarning):
    """A figure rests on so few answers that it must be read with care."""


class ResultsFileError(CXError):
    """A client's ``results.json`` is unreadable, invalid or from another schema version."""


@dataclass(frozen=True)
class ErrorPlace:
    """Where one problem of a user's error is: a data cell, a row, a file or a parameter key.

    For a data problem the fields of its :class:`DataProblem`; for a
    parameter problem ``file`` and ``key`` (the dotted key with its line).
    """

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    key: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class ErrorRecord:
    """A user's error (a :class:`CXError`) as plain data, to leave the process it was raised in.

    A notebook kernel sends it to the runner (see :mod:`cxlib.runner.cell_errors`):
    ``error_type`` is the class name, ``message`` the plain message the user
    reads, ``places`` every problem with file, row, column, value (data) or
    key (parameters). ``file``, ``row``, ``column``, ``value`` and ``code``
    are the first place's.
    """

    error_type: str
    message: str
    places: tuple[ErrorPlace, ...] = ()

    @classmethod
    def of(cls, error: CXError) -> ErrorRecord:
        """The record of ``error``; data and parameter errors with their places."""
        if isinstance(error, DataError):
            names = {f.name for f in fields(ErrorPlace)}
            places = tuple(
                ErrorPlace(**{k: v for k, v in asdict(p).items() if k in names})
                for p in error.problems
            )
        elif isinstance(error, ParameterError):
            places = tuple(
                ErrorPlace(message, file=error.file, key=key or None)
                for key, message in error.problems
            )
        else:
            places = ()
        return cls(type(error).__name__, str(error), places)

    def _first(self) -> ErrorPlace:
        return self.places[0] if self.places else ErrorPlace(self.message)

    @property
    def file(self) -> str | None:
        """The file of the first problem (None when the error names none)."""
        return self._first().file

    @property
    def row(self) -> int | None:
        """The row of the first problem as the user sees it in the file."""
        return self._first().row

    @property
    def column(self) -> str | None:
        """The column of the first problem, by the client's header."""
        return self._first().column

    @property
    def value(self) -> str | None:
        """The value found in the first problem's cell."""
        return self._first().value

    @property
    def code(self) -> str | None:
        """The machine-readable code of the first problem, where it has one."""
        return self._first().code

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (see :meth:`from_dict`)."""
        return {
            "error_type": self.error_type,
            "message": self.message,
            "places": [asdict(place) for place in self.places],
        }

    @classmethod
    def from_dict(cls, data: object) -> ErrorRecord:
        """Validate a record's JSON form; ValueError when it is not one."""
        from pydantic import TypeAdapter, ValidationError

        try:
            return TypeAdapter(cls).validate_python(data, strict=False)
        except ValidationError as exc:
            raise ValueError(f"kein gültiger Fehlerdatensatz: {exc}") from None

    def to_json(self) -> str:
        """The record as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> ErrorRecord:
        """The record from :meth:`to_json`'s text; ValueError when it is not one."""
        return cls.from_dict(json.loads(text))


class NotebookError(RunError):
    """A notebook cell failed inside the kernel.

    ``record`` is the user's error as the kernel sent it (with file, row and
    column where it has them); None when the cell failed with anything else, a
    bug: then the message says so.
    """

    def __init__(
        self, message: str, record: ErrorRecord | None = None, log_path: str | Path | None = None
    ):
        self.plain_message = message
        self.record = record
        super().__init__(message, log_path)

    @property
    def internal(self) -> bool:
        """True for a bug (no user's error record came back)."""
        return self.record is None

    def with_log(self, log_path: str | Path) -> NotebookError:
        """The same error, pointing at the run's log."""
        return NotebookError(self.plain_message, self.record, log_path)
