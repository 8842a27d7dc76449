"""The data cut-off (issue 15): by default the last date in the data; old data get a warning.

A shop whose export ends years before the report date must not read as today's
figures (and must not count every customer as lost who "did not buy" in the
years the export does not cover).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cxlib.cli import main
from cxlib.io.cutoff import STALE_DAYS, DataAge, data_age, latest_date, stale_text
from cxlib.report.summary import compose
from cxlib.runner.run import prepare
from tests.demo_clients import demo_client

from .test_retail_path import PURCHASES, SHOP, _export

#: The last purchase of PURCHASES.
LAST = dt.date(2025, 11, 20)


def _shop(tmp_path: Path, report_date: str, extra: str = "") -> Path:
    _export(tmp_path, PURCHASES)
    body = SHOP.format(extra=extra).replace(
        "report_date: 2025-12-31", f"report_date: {report_date}"
    )
    path = tmp_path / "laden.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_cut_off_defaults_to_the_last_date_in_the_data(tmp_path: Path) -> None:
    params, data = prepare(_shop(tmp_path, "2025-12-31"))
    assert latest_date(data) == LAST
    assert params.cutoff == LAST  # not the report date 31.12.2025
    assert params.analysis.data_cutoff == LAST
    assert stale_text(data_age(params, data)) is None  # 41 days: not old


def test_a_given_cut_off_stays(tmp_path: Path) -> None:
    analysis = "analysis:\n  data_cutoff: 2025-12-15\n"
    params, _ = prepare(_shop(tmp_path, "2025-12-31", analysis))
    assert params.cutoff == dt.date(2025, 12, 15)


def test_data_years_before_the_report_date_warn_in_validate_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # last purchase 20.11.2025, report date 20.11.2030: five years (1,826 days) later
    path = _shop(tmp_path, "2030-11-20")
    params, data = prepare(path)
    age = data_age(params, data)
    assert (age.cutoff, age.days_before_report) == (LAST, 1826) and age.stale
    text = stale_text(age)
    assert text is not None and "20.11.2025" in text and "5 Jahre" in text
    assert "20.11.2030" in text
    assert main(["validate", str(path)]) == 0  # a warning, not an error
    assert "WARNUNG Datenstand: Die Daten reichen nur bis zum 20.11.2025" in capsys.readouterr().out
    [first] = compose([], [], "de", age)[:1]
    assert first.text == text and first.light == "red" and first.kind == "risk"


def test_a_given_cut_off_long_after_the_last_data_warns(tmp_path: Path) -> None:
    # the case: a shop export ending years before a cut-off someone set by hand
    analysis = "analysis:\n  data_cutoff: 2027-11-20\n"
    params, data = prepare(_shop(tmp_path, "2027-12-01", analysis))
    text = stale_text(data_age(params, data))
    assert text is not None and "2 Jahre vor dem angegebenen Datenstand 20.11.2027" in text


def test_the_threshold_is_half_a_year() -> None:
    cutoff = dt.date(2025, 1, 1)
    within = DataAge(cutoff + dt.timedelta(days=STALE_DAYS), cutoff, cutoff)
    beyond = DataAge(cutoff + dt.timedelta(days=STALE_DAYS + 1), cutoff, cutoff)
    assert (within.stale, beyond.stale) == (False, True)
    assert "6 Monate" in (stale_text(beyond) or "")  # 184 days ≈ 6.0 months


def test_demo_clients_are_not_old() -> None:
    params, data = demo_client("cafe-bohnenglueck")
    assert stale_text(data_age(params, data)) is None
