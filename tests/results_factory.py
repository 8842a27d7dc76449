"""Valid :class:`~cxlib.runner.results.ClientResults` for tests, with neutral defaults."""

from __future__ import annotations

import datetime as dt

from cxlib.portfolio.comparison import Benchmark
from cxlib.runner.results import SCHEMA_VERSION, ClientResults

#: No comparison: the portfolio switched off (the report shows no block).
NO_BENCHMARK = Benchmark(False, 0, 5, "contractual", None, (), None, reason="off")


def client_results(**fields) -> ClientResults:
    """A valid results.json model: no sections, no data, portfolio off; ``fields`` override.

    Values are validated like a file read from disk (dicts become records).
    """
    base = {
        "schema_version": SCHEMA_VERSION,
        "client_id": "muster-gmbh",
        "lang": "de",
        "generated_at": dt.datetime(2026, 1, 31, 13, 5, 9, tzinfo=dt.UTC),
        "input_hash": "0" * 64,
        "versions": {},
        "sections": (),
        "summary": (),
        "data_quality": (),
        "benchmark": NO_BENCHMARK,
        "tests": {"method": "holm", "alpha": 0.05, "size": 0, "tests": ()},
    }
    return ClientResults.model_validate({**base, **fields})
