"""The consultancy's cross-client portfolio: key figures of every run in one SQLite file.

Every successful client run appends one anonymous row (:class:`PortfolioRecord`)
to ``portfolio.sqlite`` beside the reports (``<out_dir>/portfolio.sqlite``;
the environment variable ``CXWB_PORTFOLIO`` names another file, or ``off``
switches the portfolio off). The row holds no name: the client is a salted
hash of its client id (the salt is random per database and stored in it), plus
industry, size class, business model, report date, language, maturity index
and stage, NPS and churn rate with their numbers of answers/customers, the run
time, the cxlib version and the run's input hash. A re-run for the same client
and report date replaces its row (upsert), so re-runs never count twice.

From the same file a client's report gets its position among *comparable*
clients (:func:`benchmark`): the same business model and the same size class
(both are fixed choices in the parameter file; the free-text industry is not
used, because "Handwerk" and "Handwerk (Heizung)" would never match). Each
other client counts once, with its latest report. Figures are shown only when
at least :data:`MIN_COMPARABLE` *other* comparable clients have the figure,
and only as aggregates: rank ("better than 4 of 6"), median and quartiles,
rounded to a coarse grid (:data:`GRID`) so that no other client's exact value
appears; never a single other client's value, key or industry.

Writes run in one ``BEGIN IMMEDIATE`` transaction with a busy timeout, so that
several batch workers can write at the same time; the schema is created with
``IF NOT EXISTS``, carries a version in the ``meta`` table and gains missing
columns on open (older files keep working; a newer file is refused).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import math
import os
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlib import __version__
from cxlib.exceptions import PortfolioError

if TYPE_CHECKING:
    import pandas as pd

    from cxlib.parameters.schema import ClientParameters

__all__ = [
    "Benchmark",
    "KeyFigures",
    "MetricPosition",
    "Portfolio",
    "PortfolioRecord",
    "benchmark",
    "benchmark_for_run",
    "database_path",
    "key_figures",
    "record_run",
]

SCHEMA_VERSION = 1
DB_NAME = "portfolio.sqlite"
ENV_VAR = "CXWB_PORTFOLIO"
#: Values of ``CXWB_PORTFOLIO`` that switch the portfolio off.
OFF_VALUES = frozenset({"off", "0", "no", "none", "false"})
#: Seconds a writer waits for another writer's transaction before giving up.
BUSY_TIMEOUT = 30.0
#: A comparison is shown only with at least this many OTHER comparable clients.
MIN_COMPARABLE = 5
#: The comparable figures, their direction, and the grid the aggregates are rounded to.
METRICS = ("maturity_index", "nps", "churn_rate")
HIGHER_IS_BETTER = {"maturity_index": True, "nps": True, "churn_rate": False}
GRID = {"maturity_index": 5.0, "nps": 5.0, "churn_rate": 0.01}
#: How comparable clients are chosen (recorded in results.json).
CRITERIA = ("business_model", "size_class")

log = logging.getLogger("cxlib.runner.run.portfolio")

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


# --- records ---------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigures:
    """The comparable figures of one run (None where the run has no such figure).

    ``churn_rate`` is a share (0.018 = 1.8 %); the ``*_n`` fields are the
    numbers of respondents/answers/customers each figure rests on.
    """

    maturity_index: float | None = None
    maturity_stage: int | None = None
    maturity_n: int | None = None
    nps: float | None = None
    nps_n: int | None = None
    churn_rate: float | None = None
    churn_n: int | None = None


@dataclass(frozen=True)
class PortfolioRecord:
    """One row of the portfolio: one client (pseudonymous) and report date."""

    client_key: str
    report_date: str
    industry: str | None
    size_class: str | None
    business_model: str | None
    language: str | None
    maturity_index: float | None
    maturity_stage: int | None
    maturity_n: int | None
    nps: float | None
    nps_n: int | None
    churn_rate: float | None
    churn_n: int | None
    run_at: str
    cxlib_version: str
    input_hash: str | None

    @classmethod
    def for_run(
        cls,
        client_key: str,
        params: ClientParameters,
        figures: KeyFigures,
        language: str,
        input_hash: str | None,
        run_at: dt.datetime | None = None,
    ) -> PortfolioRecord:
        """The record of one client run (no name, no client id: only ``client_key``)."""
        stamp = run_at or dt.datetime.now(dt.UTC)
        return cls(
            client_key=client_key,
            report_date=params.report_date.isoformat(),
            industry=params.client.industry,
            size_class=params.client.size_class,
            business_model=params.business_model,
            language=language,
            run_at=stamp.isoformat(timespec="seconds"),
            cxlib_version=__version__,
            input_hash=input_hash,
            **asdict(figures),
        )


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _count(value: Any) -> int | None:
    number = _number(value)
    return round(number) if number is not None else None


def key_figures(sections: list[Mapping[str, Any]]) -> KeyFigures:
    """The comparable figures from a run's ``sections`` (results.json).

    Maturity: ``maturity.figures.index``/``stage``/``respondents`` (only when
    ``available``). NPS and churn: the ``kpi.figures.baseline`` rows ``nps``
    and ``churn`` (churn in percent there, a share here).
    """
    by_id = {s.get("id"): s.get("figures") or {} for s in sections if isinstance(s, Mapping)}
    maturity = by_id.get("maturity") or {}
    values: dict[str, Any] = {}
    if maturity.get("available"):
        values["maturity_index"] = _number(maturity.get("index"))
        values["maturity_stage"] = _count(maturity.get("stage"))
        values["maturity_n"] = _count(maturity.get("respondents"))
    baseline = {
        row.get("kpi"): row
        for row in (by_id.get("kpi") or {}).get("baseline") or []
        if isinstance(row, Mapping)
    }
    if "nps" in baseline:
        values["nps"] = _number(baseline["nps"].get("value"))
        values["nps_n"] = _count(baseline["nps"].get("n"))
    if "churn" in baseline:
        churn = _number(baseline["churn"].get("value"))
        values["churn_rate"] = churn / 100 if churn is not None else None
        values["churn_n"] = _count(baseline["churn"].get("n"))
    return KeyFigures(**values)


# --- the database ----------------------------------------------------------------


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
        records = [
            PortfolioRecord(**{n: (row[n] if n in present else None) for n in wanted})
            for row in rows
        ]
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


def latest(records: list[PortfolioRecord]) -> list[PortfolioRecord]:
    """One record per client key: latest report date, then latest run."""
    best: dict[str, PortfolioRecord] = {}
    for record in records:
        current = best.get(record.client_key)
        if current is None or (record.report_date, record.run_at or "") > (
            current.report_date,
            current.run_at or "",
        ):
            best[record.client_key] = record
    return sorted(best.values(), key=lambda r: r.client_key)


def records_frame(records: list[PortfolioRecord]) -> pd.DataFrame:
    """Records as a DataFrame with the record fields as columns."""
    import pandas as pd

    return pd.DataFrame(
        [asdict(r) for r in records], columns=[f.name for f in fields(PortfolioRecord)]
    )


def client_key(client_id: str, salt: str) -> str:
    """Salted sha256 of ``client_id`` (16 hex digits): the only client reference stored."""
    return hashlib.sha256(f"{salt}\x00{client_id}".encode()).hexdigest()[:16]


_NAMES = tuple(name for name, _ in _COLUMNS)
_UPSERT = (
    f"INSERT INTO {_TABLE} ({', '.join(_NAMES)}) VALUES ({', '.join('?' for _ in _NAMES)}) "
    "ON CONFLICT (client_key, report_date) DO UPDATE SET "
    + ", ".join(f"{n} = excluded.{n}" for n in _NAMES[2:])
)


def _row(record: PortfolioRecord) -> tuple[Any, ...]:
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


# --- the comparison in a client's report -----------------------------------------


@dataclass(frozen=True)
class MetricPosition:
    """Where the client stands on one figure among the comparable clients.

    ``shown`` is False (and every aggregate None) when fewer than
    :data:`MIN_COMPARABLE` other comparable clients have the figure or the
    client has none. ``better_than`` counts others strictly worse; ``median``,
    ``q1`` and ``q3`` are rounded to :data:`GRID`.
    """

    metric: str
    value: float | None
    n_others: int
    shown: bool
    higher_is_better: bool
    better_than: int | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    grid: float | None = None


@dataclass(frozen=True)
class Benchmark:
    """The client's position among comparable clients (results.json ``benchmark``)."""

    #: True when at least one figure is shown.
    available: bool
    #: Other comparable clients in the portfolio (each counted once).
    n_comparable: int
    min_comparable: int
    business_model: str | None
    size_class: str | None
    positions: tuple[MetricPosition, ...]
    #: The latest comparable run used (the comparison depends on the portfolio's state);
    #: None without comparable clients.
    as_of: str | None
    criteria: tuple[str, ...] = CRITERIA
    #: Why there is no comparison: ``too_few``, ``off`` (switched off), ``error``
    #: (no file yet: the report shows no block) or ``error`` (logged in run.log).
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for results.json."""
        out = asdict(self)
        out["criteria"] = list(self.criteria)
        out["positions"] = [asdict(p) for p in self.positions]
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per figure: value, number of others, rank and rounded quartiles."""
        import pandas as pd

        return pd.DataFrame(
            [asdict(p) for p in self.positions],
            columns=[f.name for f in fields(MetricPosition)],
        )


def _grid(value: float, step: float) -> float:
    """``value`` rounded half up to a multiple of ``step`` (no float dust: 0.07, not 0.0700…1)."""
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return round(math.floor(value / step + 0.5) * step, decimals)


def _quantile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default method)."""
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def position(
    metric: str, value: float | None, others: list[float], min_comparable: int = MIN_COMPARABLE
) -> MetricPosition:
    """The client's position on ``metric`` among ``others`` (one value per other client)."""
    higher = HIGHER_IS_BETTER[metric]
    if value is None or len(others) < min_comparable:
        return MetricPosition(metric, value, len(others), False, higher)
    ordered = sorted(others)
    step = GRID[metric]
    better = sum(1 for o in others if (value > o if higher else value < o))
    return MetricPosition(
        metric,
        value,
        len(others),
        True,
        higher,
        better_than=better,
        median=_grid(_quantile(ordered, 0.5), step),
        q1=_grid(_quantile(ordered, 0.25), step),
        q3=_grid(_quantile(ordered, 0.75), step),
        grid=step,
    )


def comparable(
    records: list[PortfolioRecord],
    own_key: str,
    business_model: str | None,
    size_class: str | None,
) -> list[PortfolioRecord]:
    """Other clients' latest records with the same business model and size class."""
    return [
        r
        for r in latest(records)
        if r.client_key != own_key
        and r.business_model == business_model
        and r.size_class == size_class
    ]


def benchmark(
    records: list[PortfolioRecord],
    own_key: str,
    business_model: str | None,
    size_class: str | None,
    figures: KeyFigures,
    min_comparable: int = MIN_COMPARABLE,
    as_of: dt.datetime | None = None,
) -> Benchmark:
    """The client's position among comparable clients in ``records``.

    Comparable: same business model and same size class (a missing size class
    only matches a missing one); the client's own rows never count. A figure is
    compared only when at least ``min_comparable`` others have it.
    """
    group = comparable(records, own_key, business_model, size_class)
    positions = tuple(
        position(
            metric,
            getattr(figures, metric),
            [v for v in (getattr(r, metric) for r in group) if v is not None],
            min_comparable,
        )
        for metric in METRICS
    )
    available = any(p.shown for p in positions)
    return Benchmark(
        available=available,
        n_comparable=len(group),
        min_comparable=min_comparable,
        business_model=business_model,
        size_class=size_class,
        positions=positions,
        # the portfolio's state that was used (latest comparable run), not the clock:
        # an unchanged portfolio gives an unchanged results.json
        as_of=(
            as_of.isoformat(timespec="seconds")
            if as_of
            else max((r.run_at for r in group), default=None)
        ),
        reason=None if available else "too_few",
    )


# --- the hooks in run_client (never fail the client's report) ----------------------


def benchmark_for_run(
    params: ClientParameters, results: Mapping[str, Any], out_dir: str | Path
) -> dict[str, Any]:
    """results.json's ``benchmark`` for a run: its position, from the portfolio as it is now.

    Never raises: a broken or locked portfolio is logged as a warning (into the
    run's log) and the report appears without comparison.
    """
    path = database_path(out_dir)
    figures = key_figures(list(results.get("sections", [])))
    empty = Benchmark(
        False,
        0,
        MIN_COMPARABLE,
        params.business_model,
        params.client.size_class,
        tuple(position(m, getattr(figures, m), []) for m in METRICS),
        None,
        reason="off" if path is None else "too_few",
    )
    if path is None or not path.is_file():  # off, or the first run ever: nothing to compare
        return empty.to_dict()
    try:
        salt, records = Portfolio(path).read()
        key = client_key(params.client.id, salt) if salt else ""
        found = benchmark(records, key, params.business_model, params.client.size_class, figures)
    except Exception as exc:  # the report must not fail for the portfolio
        log.warning("Portfoliovergleich nicht möglich (%s): %s", path, exc)
        return {**empty.to_dict(), "reason": "error"}
    log.info(
        "portfolio %s: %d comparable clients, comparison %s",
        path,
        found.n_comparable,
        "shown" if found.available else "not shown",
    )
    return found.to_dict()


def record_run(
    params: ClientParameters,
    results: Mapping[str, Any],
    out_dir: str | Path,
    log_path: Path | None = None,
) -> PortfolioRecord | None:
    """Append (upsert) the run's key figures to the portfolio; None when off or failed.

    Never raises: a failure is written as a warning into ``log_path`` (the
    run's log) and to the ``cxlib.runner.run.portfolio`` logger.
    """
    path = database_path(out_dir)
    if path is None:
        return None
    try:
        return Portfolio(path).record(
            params,
            key_figures(list(results.get("sections", []))),
            str(results.get("lang") or params.language),
            results.get("input_hash"),
        )
    except Exception as exc:  # the report must not fail for the portfolio
        message = f"Kennzahlen nicht ins Portfolio {path} geschrieben: {type(exc).__name__}: {exc}"
        log.warning(message)
        if log_path is not None:
            with contextlib.suppress(OSError), log_path.open("a", encoding="utf-8") as handle:
                stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
                handle.write(f"{stamp} WARNING {message}\n")
        return None
