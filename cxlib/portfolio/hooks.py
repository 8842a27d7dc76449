"""The portfolio's two hooks in a client run; neither ever fails the client's report.

:func:`benchmark_for_run` gives results.json its ``benchmark`` (the client's
position, from the portfolio as it is before this run); :func:`record_run`
adds the finished run's key figures to the portfolio. A broken or locked
portfolio is a warning in the run's log, never an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from cxlib.portfolio.comparison import METRICS, MIN_COMPARABLE, Benchmark, benchmark, position
from cxlib.portfolio.records import KeyFigures, PortfolioRecord, client_key, key_figures
from cxlib.portfolio.storage import Portfolio, database_path

if TYPE_CHECKING:
    from cxlib.parameters.schema import ClientParameters
    from cxlib.runner.results import ClientResults

__all__ = ["benchmark_for_run", "record_run"]

log = logging.getLogger("cxlib.runner.run.portfolio")


def benchmark_for_run(
    params: ClientParameters, figures: KeyFigures, out_dir: str | Path
) -> Benchmark:
    """results.json's ``benchmark`` for a run: its position, from the portfolio as it is now.

    Never raises: a broken or locked portfolio is logged as a warning (into the
    run's log) and the report appears without comparison.
    """
    path = database_path(out_dir)
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
        return empty
    try:
        salt, records = Portfolio(path).read()
        key = client_key(params.client.id, salt) if salt else ""
        found = benchmark(records, key, params.business_model, params.client.size_class, figures)
    except Exception as exc:  # the report must not fail for the portfolio
        log.warning("Portfoliovergleich nicht möglich (%s): %s", path, exc)
        return replace(empty, reason="error")
    log.info(
        "portfolio %s: %d comparable clients, comparison %s",
        path,
        found.n_comparable,
        "shown" if found.available else "not shown",
    )
    return found


def record_run(
    params: ClientParameters,
    results: ClientResults,
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
            params, key_figures(results.sections), results.lang, results.input_hash
        )
    except Exception as exc:  # the report must not fail for the portfolio
        message = f"Kennzahlen nicht ins Portfolio {path} geschrieben: {type(exc).__name__}: {exc}"
        log.warning(message)
        if log_path is not None:
            with contextlib.suppress(OSError), log_path.open("a", encoding="utf-8") as handle:
                stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
                handle.write(f"{stamp} WARNING {message}\n")
        return None
