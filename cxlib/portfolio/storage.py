"""The portfolio file: one SQLite database of every run's key figures.

Every successful client run appends one anonymous row
(:class:`~cxlib.portfolio.records.PortfolioRecord`) to ``portfolio.sqlite``
beside the reports (``<out_dir>/portfolio.sqlite``; the environment variable
``CXWB_PORTFOLIO`` names another file, or ``off`` switches the portfolio off).
The client is a salted hash of its client id; the salt is random per database
and stored in its ``meta`` table. A re-run for the same client and report date
replaces its row (upsert), so re-runs never count twice.

Writes run in one ``BEGIN IMMEDIATE`` transaction with a busy timeout, so that
several batch workers can write at the same time; the schema is created with
``IF NOT EXISTS``, carries a version in the ``meta`` table and gains missing
columns on open (older files keep working; a newer file is refused).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlib.exceptions import PortfolioError
from cxlib.portfolio.records import (
    KeyFigures,
    PortfolioRecord,
    client_key,
    latest,
    records_frame,
)

if TYPE_CHECKING:
    import pandas as pd

    from cxlib.parameters.schema import ClientParameters

__all__ = ["DB_NAME", "ENV_VAR", "Portfolio", "database_path"]

SCHEMA_VERSION = 1
DB_NAME = "portfolio.sqlite"
ENV_VAR = "CXWB_PORTFOLIO"
#: Values of ``CXWB_PORTFOLIO`` that switch the portfolio off.
OFF_VALUES = frozenset({"off", "0", "no", "none", "false"})
#: Seconds a writer waits for another writer's transaction before giving up.
BUSY_TIMEOUT = 30.0

_TABLE = "runs"
# name, SQL type; the first two are the primary key
_COLUMNS: tuple[tuple[str, str], ...] = (
    ("client_key", "TEXT NOT NULL"),
    ("report_date", "TEXT NOT NULL"),
    ("industry", "TEXT"),
    ("size_class", "TEXT"),
    ("business_model", "TEXT"),
    ("language", "TEXT"),
    ("maturity_index", "REAL"),
    ("maturity_stage", "INTEGER"),
    ("maturity_n", "INTEGER"),
    ("nps", "REAL"),
    ("nps_n", "INTEGER"),
    ("churn_rate", "REAL"),
    ("churn_n", "INTEGER"),
    ("run_at", "TEXT"),
    ("cxlib_version", "TEXT"),
    ("input_hash", "TEXT"),
)


def database_path(out_dir: str | Path) -> Path | None:
    """The portfolio file for reports in ``out_dir``; None when switched off.

    ``CXWB_PORTFOLIO`` overrides the default ``<out_dir>/portfolio.sqlite``.
    """
    value = os.environ.get(ENV_VAR, "").strip()
    if value.lower() in OFF_VALUES:
        return None
    if value:
        return Path(value).expanduser()
    return Path(out_dir) / DB_NAME


class Portfolio:
    """The portfolio file: open, write (upsert) and read records.

    ``Portfolio(path)`` creates nothing; the first write creates the file and
    its schema. Reading a missing file raises :class:`PortfolioError` (use
    :meth:`exists` first where an empty portfolio is fine).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"Portfolio({str(self.path)!r})"

    def exists(self) -> bool:
        """True when the file exists."""
        return self.path.is_file()

    @contextlib.contextmanager
    def _connection(self, write: bool) -> Iterator[sqlite3.Connection]:
        if not write and not self.exists():
            raise PortfolioError(f"Keine Portfolio-Datenbank unter {self.path}.")
        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise PortfolioError(
                f"Portfolio-Datenbank {self.path} lässt sich nicht öffnen: {exc}"
            ) from None
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            yield connection
        except sqlite3.DatabaseError as exc:
            raise PortfolioError(
                f"Portfolio-Datenbank {self.path} ist nicht lesbar ({exc}); "
                "ist es wirklich eine von cxwb angelegte Datei?"
            ) from None
        finally:
            connection.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: ``BEGIN IMMEDIATE`` takes the write lock at once."""
        with self._connection(write=True) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                _ensure_schema(connection, self.path)
                yield connection
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def salt(self) -> str:
        """The database's random salt (created with the file)."""
        with self._transaction() as connection:
            return _salt(connection)

    def client_key(self, client_id: str) -> str:
        """The pseudonymous key of ``client_id`` in this database (salted sha256, 16 hex)."""
        return client_key(client_id, self.salt())

    def upsert(self, record: PortfolioRecord) -> None:
        """Insert ``record``, or replace the row of the same client and report date."""
        self.upsert_many([record])

    def upsert_many(self, records: list[PortfolioRecord]) -> None:
        """Insert or replace several records in one transaction."""
        with self._transaction() as connection:
            connection.executemany(_UPSERT, [_row(r) for r in records])

    def record(
        self,
        params: ClientParameters,
        figures: KeyFigures,
        language: str,
        input_hash: str | None,
        run_at: dt.datetime | None = None,
    ) -> PortfolioRecord:
        """Key, build and upsert the record of one run in one transaction; returns it."""
        with self._transaction() as connection:
            key = client_key(params.client.id, _salt(connection))
            record = PortfolioRecord.for_run(key, params, figures, language, input_hash, run_at)
            connection.execute(_UPSERT, _row(record))
        return record

    def read(self) -> tuple[str | None, list[PortfolioRecord]]:
        """The salt (None in a file never written to) and all rows, oldest report first."""
        with self._connection(write=False) as connection:
            version = _schema_version(connection)
            if version is None:
                return None, []
            _check_version(version, self.path)
            salt_row = connection.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
            connection.row_factory = sqlite3.Row
            present = _present_columns(connection)
            rows = connection.execute(f"SELECT * FROM {_TABLE}").fetchall()
        wanted = [f.name for f in fields(PortfolioRecord)]
        records = [_record(row, present, wanted) for row in rows]
        records.sort(key=lambda r: (r.report_date, r.run_at or "", r.client_key))
        return (str(salt_row[0]) if salt_row else None), records

    def records(self) -> list[PortfolioRecord]:
        """All rows, oldest report first."""
        return self.read()[1]

    def latest(self) -> list[PortfolioRecord]:
        """One record per client: its latest report date (then latest run)."""
        return latest(self.records())

    def to_frame(self, latest_only: bool = False) -> pd.DataFrame:
        """The records as a DataFrame (one row per record, columns as in the table)."""
        return records_frame(self.latest() if latest_only else self.records())


_NAMES = tuple(name for name, _ in _COLUMNS)
_UPSERT = (
    f"INSERT INTO {_TABLE} ({', '.join(_NAMES)}) VALUES ({', '.join('?' for _ in _NAMES)}) "
    "ON CONFLICT (client_key, report_date) DO UPDATE SET "
    + ", ".join(f"{n} = excluded.{n}" for n in _NAMES[2:])
)


def _row(record: PortfolioRecord) -> tuple[str | float | int | None, ...]:
    return tuple(getattr(record, name) for name in _NAMES)


def _schema_version(connection: sqlite3.Connection) -> int | None:
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not exists:
        return None
    row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def _check_version(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise PortfolioError(
            f"Portfolio-Datenbank {path} hat Schema-Version {version}, diese cxlib-Version "
            f"kennt nur bis {SCHEMA_VERSION}; bitte cxwb aktualisieren."
        )


def _present_columns(connection: sqlite3.Connection) -> set[str]:
    return {row[1] for row in connection.execute(f"PRAGMA table_info({_TABLE})")}


def _ensure_schema(connection: sqlite3.Connection, path: Path) -> None:
    """Create missing tables and columns (inside the caller's write transaction)."""
    connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    version = _schema_version(connection)
    if version is not None:
        _check_version(version, path)
    columns = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {_TABLE} ({columns}, PRIMARY KEY (client_key, report_date))"
    )
    present = _present_columns(connection)
    for name, kind in _COLUMNS:
        if name not in present:  # a file from an older schema: add the column, keep the rows
            connection.execute(
                f"ALTER TABLE {_TABLE} ADD COLUMN {name} {kind.replace(' NOT NULL', '')}"
            )
    connection.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(SCHEMA_VERSION),),
    )
    connection.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('salt', ?)", (secrets.token_hex(16),)
    )


def _salt(connection: sqlite3.Connection) -> str:
    return str(connection.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0])


def _record(row: sqlite3.Row, present: set[str], wanted: list[str]) -> PortfolioRecord:
    """A stored row as a record; columns an older database lacks are None."""
    values: dict[str, Any] = {n: (row[n] if n in present else None) for n in wanted}
    return PortfolioRecord(**values)
