"""What the portfolio stores of one run: the key figures and the pseudonymous record.

:func:`key_figures` takes the comparable figures out of a run's section
records (results.json ``sections``); :class:`PortfolioRecord` is one row of the
portfolio: no name, no client id, only a salted hash of the id
(:func:`client_key`) beside industry, size class, business model, report
date, language and the figures. Storage: :mod:`cxlib.portfolio.storage`;
comparison: :mod:`cxlib.portfolio.comparison`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

from cxlib import __version__

if TYPE_CHECKING:
    import pandas as pd
    from pydantic import JsonValue

    from cxlib.parameters.schema import ClientParameters
    from cxlib.runner.results import SectionRecord

__all__ = [
    "KeyFigures",
    "PortfolioRecord",
    "client_key",
    "key_figures",
    "latest",
    "records_frame",
]


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


def _number(value: JsonValue) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _count(value: JsonValue) -> int | None:
    number = _number(value)
    return round(number) if number is not None else None


def key_figures(sections: Sequence[SectionRecord]) -> KeyFigures:
    """The comparable figures from a run's section records (results.json ``sections``).

    Maturity: ``maturity.figures.index``/``stage``/``respondents`` (only when
    ``available``). NPS and churn: the ``kpi.figures.baseline`` rows ``nps``
    and ``churn`` (churn in percent there, a share here).
    """
    by_id = {s.id: s.figures or {} for s in sections}
    maturity = by_id.get("maturity") or {}
    values: dict[str, float | int | None] = {}
    if maturity.get("available"):
        values["maturity_index"] = _number(maturity.get("index"))
        values["maturity_stage"] = _count(maturity.get("stage"))
        values["maturity_n"] = _count(maturity.get("respondents"))
    rows = (by_id.get("kpi") or {}).get("baseline") or []
    baseline = {
        row.get("kpi"): row
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, Mapping)
    }
    if "nps" in baseline:
        values["nps"] = _number(baseline["nps"].get("value"))
        values["nps_n"] = _count(baseline["nps"].get("n"))
    if "churn" in baseline:
        churn = _number(baseline["churn"].get("value"))
        values["churn_rate"] = churn / 100 if churn is not None else None
        values["churn_n"] = _count(baseline["churn"].get("n"))
    return KeyFigures(**values)  # type: ignore[arg-type]


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
