"""``results.json``: one client's run as data, written and read through one typed model.

Written by :func:`cxlib.runner.run.run_client` beside the report, read by the
incremental batch (the input hash), the Dask batch (to record a worker's run
in the portfolio), the report renderer and the tests. The file:

* ``schema_version`` (:data:`SCHEMA_VERSION`), ``client_id``, ``lang``,
  ``generated_at`` (ISO time, UTC, seconds), ``input_hash`` (sha256, see
  :func:`cxlib.runner.run.input_hash`), ``versions`` (library versions);
* ``sections``: one :class:`SectionRecord` per report section, as the
  notebook stored it with ``wb.heading``/``wb.record`` (``id``, ``title``,
  ``subtitle``, ``figures``, ``summary``, ``facts``; keys a section never set
  are absent); each statement names the ids of the facts it states;
* ``summary``: the management summary's statements;
* ``data_quality``: one :class:`QualityRow` per loaded table;
* ``facts``: the report-wide facts (data quality) that the summary may state;
* ``tests``: the report's testing family (:class:`TestsRecord`, see
  :mod:`cxlib.report.testing`): method, α, size and every test with its raw
  and adjusted p-value and verdict;
* ``benchmark``: the client's position in the portfolio
  (:class:`~cxlib.portfolio.comparison.Benchmark`).

Reading validates the whole file; a file of another schema version or with
wrong content raises :class:`~cxlib.exceptions.ResultsFileError` with a plain
message. Writing gives UTF-8 JSON with sorted keys and two-space indents, so
that an unchanged run gives an unchanged file (apart from ``generated_at``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_serializer,
    model_serializer,
)

from cxlib.exceptions import ResultsFileError
from cxlib.portfolio.comparison import Benchmark
from cxlib.report.summary import Statement

__all__ = [
    "RESULTS_FILE",
    "SCHEMA_VERSION",
    "ClientResults",
    "FactRecord",
    "QualityRow",
    "SectionRecord",
    "TestRecord",
    "TestsRecord",
    "read_results",
    "write_results",
]

#: The version of the file's layout; a reader refuses any other.
#: 2: the report's testing family (``tests``) and the sections' facts.
SCHEMA_VERSION = 2
#: The file's name in a client's report folder.
RESULTS_FILE = "results.json"


class FactRecord(BaseModel):
    """One fact of a section (:class:`cxlib.report.facts.Fact`) with its definition."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z_]+\..+$")
    value: float | str | None
    unit: Literal[
        "count",
        "share",
        "points",
        "score",
        "ratio",
        "euro",
        "months",
        "years",
        "days",
        "stage",
        "date",
    ]
    #: The one-sentence definition in the report's language.
    definition: str = Field(min_length=1)
    n: int | None = None
    low: float | None = None
    high: float | None = None
    #: Why there is no interval (count, input, rule, derived, too_few, census, published);
    #: None with one.
    no_interval: (
        Literal["count", "input", "rule", "derived", "too_few", "census", "published"] | None
    ) = None
    population: str = ""
    period: str = ""
    sources: tuple[str, ...] = ()
    #: The interval's confidence level (0.95); None without an interval.
    level: float | None = None


class SectionRecord(BaseModel):
    """One report section's record: heading texts, key figures (plain JSON) and statements."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str | None = None
    subtitle: str | None = None
    #: JSON-ready numbers and codes, no words; each section defines its own.
    figures: dict[str, JsonValue] | None = None
    summary: tuple[Statement, ...] | None = None
    #: The figures the section states, each once (:mod:`cxlib.report.facts`).
    facts: tuple[FactRecord, ...] | None = None

    @model_serializer(mode="wrap")
    def _leave_out_missing(self, handler: SerializerFunctionWrapHandler) -> dict[str, JsonValue]:
        """Keys the notebook never set stay absent (as in the notebook's record)."""
        return {key: value for key, value in handler(self).items() if value is not None}


class QualityRow(BaseModel):
    """One loaded table in the report's data-quality appendix."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: str
    file: str
    rows_read: int
    rows_rejected: int
    #: Empty cells over all loaded columns (in the rows kept).
    missing: int
    #: Headers not loaded, comma-joined.
    ignored_columns: str
    #: The most frequent rejection reasons with counts.
    reasons: str


class TestRecord(BaseModel):
    """One test of the report's family (:class:`cxlib.report.testing.Hypothesis` judged)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    p: float = Field(ge=0, le=1)
    p_adjusted: float = Field(ge=0, le=1)
    enough: bool
    relevant: bool
    verdict: Literal["finding", "no_evidence", "few_events", "small"]


class TestsRecord(BaseModel):
    """The report's testing family: Holm over every test a section could state."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    __test__ = False  # not a pytest test class

    method: Literal["holm"]
    alpha: float
    size: int = Field(ge=0)
    tests: tuple[TestRecord, ...]


class ClientResults(BaseModel):
    """The content of one client's ``results.json`` (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[2]
    client_id: str
    lang: Literal["de", "en"]
    generated_at: AwareDatetime
    input_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    versions: dict[str, str]
    sections: tuple[SectionRecord, ...]
    summary: tuple[Statement, ...]
    data_quality: tuple[QualityRow, ...]
    benchmark: Benchmark
    tests: TestsRecord
    #: Report-wide facts that belong to no section (data quality).
    facts: tuple[FactRecord, ...] = ()

    @field_serializer("generated_at")
    def _iso_seconds(self, value: dt.datetime) -> str:
        return value.isoformat(timespec="seconds")

    def section(self, section_id: str) -> SectionRecord | None:
        """The record of section ``section_id`` (``maturity``, ``kpi`` …); None if absent."""
        return next((s for s in self.sections if s.id == section_id), None)

    def to_json(self) -> str:
        """The file's text: sorted keys, two-space indents, non-ASCII as is, final newline."""
        data = self.model_dump(mode="json")
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes, source: str | Path = RESULTS_FILE) -> ClientResults:
        """Parse and validate a file's text; :class:`ResultsFileError` names what is wrong."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ResultsFileError(f"{source} ist kein gültiges JSON ({exc}).") from None
        version = data.get("schema_version") if isinstance(data, dict) else None
        if version != SCHEMA_VERSION:
            raise ResultsFileError(
                f"{source} hat Schema-Version {version!r}; diese cxwb-Version liest nur "
                f"Version {SCHEMA_VERSION}. Bitte den Bericht mit `cxwb run` neu erzeugen."
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = [
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
                for error in exc.errors()[:5]
            ]
            raise ResultsFileError(
                f"{source} passt nicht zum erwarteten Aufbau: " + "; ".join(problems)
            ) from None


def read_results(folder: str | Path) -> ClientResults:
    """The ``results.json`` in a client's report ``folder`` (raises ResultsFileError)."""
    path = Path(folder) / RESULTS_FILE
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ResultsFileError(f"{path} lässt sich nicht lesen: {exc.strerror or exc}") from None
    return ClientResults.from_json(text, path)


def write_results(results: ClientResults, folder: str | Path) -> Path:
    """Write ``results`` as ``folder/results.json``; returns the path."""
    path = Path(folder) / RESULTS_FILE
    path.write_text(results.to_json(), encoding="utf-8")
    return path
