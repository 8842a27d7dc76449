"""The run's hand-off to its notebooks: the data at once, the family when it is computed."""

from __future__ import annotations

import pickle
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlib.exceptions import CXError
from cxlib.io.loading import ClientData
from cxlib.report.testing import Hypothesis, PendingFamily, TestFamily
from cxlib.report_tests import report_tests
from cxlib.resources import HANDOFF_FILE
from cxlib.runner import arrow_pickle, handoff
from cxlib.runner.run import run_client
from tests.demo_clients import PROJECT, demo_client

DEMO_CLIENTS = ["stadtwerke-lindenau", "cafe-bohnenglueck", "berger-haustechnik"]
FAMILY = TestFamily.of([Hypothesis("a", 0.01), Hypothesis("b", 0.04), Hypothesis("c", 0.5)])


def _data() -> ClientData:
    return ClientData(tables={})


def _fresh(folder: Path) -> Path:
    handoff._read_family.cache_clear()
    return folder


def test_a_pending_family_fetches_once_at_its_first_use_and_is_then_that_family():
    calls: list[int] = []

    def fetch() -> TestFamily:
        calls.append(1)
        return FAMILY

    pending = PendingFamily(fetch)
    assert calls == []  # made, passed around, not yet asked
    assert pending.verdict(Hypothesis("a", 0.01)) == "finding"  # Holm: 0.01 · 3 = 0.03
    assert pending.p_adjusted("b") == pytest.approx(0.08)  # 0.04 · 2
    assert pending.size == 3 and "c" in pending
    assert calls == [1]
    assert pending == FAMILY and FAMILY.__eq__(pending) is NotImplemented  # then ours
    assert hash(pending) == hash(FAMILY)
    assert pending.to_frame().equals(FAMILY.to_frame())
    copied = pickle.loads(pickle.dumps(PendingFamily(fetch)))
    assert type(copied) is TestFamily and copied == FAMILY


def test_the_data_wait_for_expected_memo_entries_and_compute_the_others():
    data = _data()
    fetched: list[int] = []

    def fetch() -> dict[str, object]:
        fetched.append(1)
        return {"survival.fitted/x": "fit from main", "kpis.early_warning": "flags"}

    data.memo["kpis.early_warning"] = "own flags"  # already here: kept
    data.expect(handoff.FAMILY_MEMO, fetch)
    assert data.remembered("kpis.economy/x", lambda: "economy") == "economy"
    assert fetched == []  # not one of the family's: computed here, nothing awaited
    assert data.remembered("survival.fitted/x", lambda: "computed twice") == "fit from main"
    assert data.remembered("kpis.early_warning", lambda: "computed twice") == "own flags"
    assert fetched == [1]
    # the waiting function stays in its process
    assert pickle.loads(pickle.dumps(data)).expected == []


def test_the_family_is_read_when_it_arrives_with_only_its_memo(tmp_path: Path):
    folder = _fresh(tmp_path)
    data = _data()
    data.memo.update({"survival.fitted/x": 1, "voice.themes/x": 2, "kpis.economy/x": 3})

    def later() -> None:
        time.sleep(0.3)
        handoff.write_family(folder, FAMILY, data)

    writer = threading.Thread(target=later)
    writer.start()
    started = time.monotonic()
    tests, memo = handoff.read_family(folder)
    writer.join()
    assert time.monotonic() - started >= 0.25
    assert tests == FAMILY
    assert memo == {"survival.fitted/x": 1, "voice.themes/x": 2}  # not the economy
    assert not list(folder.glob(".*partial"))


def test_a_failed_family_stops_the_waiting_notebook_with_the_reason(tmp_path: Path):
    folder = _fresh(tmp_path)
    handoff.write_failure(folder, "CXError: Spalte fehlt")
    with pytest.raises(handoff.FamilyUnavailable, match="Spalte fehlt"):
        handoff.read_family(folder)
    handoff._read_family.cache_clear()
    with pytest.raises(handoff.FamilyUnavailable, match="within 0 s"):
        handoff.read_family(tmp_path / "nothing-here", limit=0.05)


@pytest.mark.parametrize("client", DEMO_CLIENTS)
def test_the_data_hand_off_round_trips_every_table_with_its_exact_dtypes(
    client: str, tmp_path: Path
):
    params, data = demo_client(client)
    path = handoff.write_data(tmp_path, params, data)
    handoff._read_data.cache_clear()
    back_params, back_data = handoff.read_data(path)
    assert back_params == params
    assert back_data.tables.keys() == data.tables.keys() and back_data.quality == data.quality
    for name, table in data.tables.items():
        back = back_data.tables[name].frame
        pd.testing.assert_frame_equal(back, table.frame, check_exact=True, check_categorical=True)
        assert list(back.dtypes) == list(table.frame.dtypes)  # string[pyarrow] stays, not object
        source, back_source = table.frame.attrs["source"], back.attrs["source"]
        assert back_source["file"] == source["file"]
        assert back_source["headers"] == source["headers"]
        np.testing.assert_array_equal(back_source["rows"], source["rows"])
    for name, frame in data.derived.items():
        pd.testing.assert_frame_equal(back_data.derived[name], frame, check_exact=True)
    # still one customer numbering for all tables: the same categories object
    assert len({id(c) for c in handoff.shared_categories(back_data).values()}) == 1


def test_the_text_columns_travel_as_arrow_not_as_pickled_strings(tmp_path: Path):
    params, data = demo_client("cafe-bohnenglueck")
    path = handoff.write_data(tmp_path, params, data)
    raw = path.read_bytes()
    assert raw.startswith(arrow_pickle.MAGIC)
    length = int.from_bytes(raw[8:16], "little")
    pickled, arrow = raw[16 : 16 + length], raw[16 + length :]
    receipt = data.get("transactions")["transaction_id"].iloc[-1]
    customer = str(data.get("transactions")["customer_id"].iloc[-1])
    for text in (receipt, customer):  # neither a receipt number nor a customer number
        assert text.encode() not in pickled and text.encode() in arrow
    handoff._read_data.cache_clear()
    _, back = handoff.read_data(path)
    column = back.get("transactions")["transaction_id"].array
    assert isinstance(column, pd.arrays.ArrowStringArray)
    assert column[len(column) - 1] == receipt


def test_the_family_names_the_datas_categories_instead_of_copying_them(tmp_path: Path):
    params, data = demo_client("stadtwerke-lindenau")
    fresh = ClientData(tables=data.tables, derived=data.derived)
    tests = report_tests(params, fresh)
    handoff.write_data(tmp_path, params, fresh)
    handoff.write_family(tmp_path, tests, fresh)
    handoff._read_data.cache_clear()
    _, back = handoff.read_data(tmp_path / HANDOFF_FILE)
    family, memo = handoff.read_family(_fresh(tmp_path))
    assert family == tests and memo.keys() == fresh.memo.keys()
    (categories,) = {id(c) for c in handoff.shared_categories(back).values()}
    found = _categoricals(memo)
    assert found, "the family's fits keep customer numbers as categoricals"
    assert all(id(dtype.categories) == categories for dtype in found)


def _categoricals(value: object, depth: int = 0) -> list[pd.CategoricalDtype]:
    """Every categorical dtype in ``value`` (dataclasses, containers, frames), a few levels deep."""
    if depth > 4:
        return []
    if isinstance(value, pd.DataFrame):
        return [d for d in [*value.dtypes, value.index.dtype] if isinstance(d, pd.CategoricalDtype)]
    if isinstance(value, (pd.Series, pd.Index)):
        parts = [value.dtype] + ([value.index.dtype] if isinstance(value, pd.Series) else [])
        return [d for d in parts if isinstance(d, pd.CategoricalDtype)]
    if isinstance(value, dict):
        return [d for v in value.values() for d in _categoricals(v, depth + 1)]
    if isinstance(value, (list, tuple)):
        return [d for v in value for d in _categoricals(v, depth + 1)]
    if hasattr(value, "__dataclass_fields__"):
        return [d for v in vars(value).values() for d in _categoricals(v, depth + 1)]
    return []


@pytest.mark.parametrize("client", ["stadtwerke-lindenau", "cafe-bohnenglueck"])
def test_every_memo_entry_of_the_family_is_handed_on(client: str):
    params, data = demo_client(client)
    fresh = ClientData(tables=data.tables, derived=data.derived)
    report_tests(params, fresh)
    assert fresh.memo, "the family remembers its fits for the notebooks"
    assert all(key.startswith(handoff.FAMILY_MEMO) for key in fresh.memo), sorted(fresh.memo)


@pytest.mark.slow
def test_a_family_that_fails_ends_the_run_with_its_own_error(tmp_path: Path, monkeypatch):
    def broken(params, data):
        raise CXError("Die Testfamilie ging schief")

    monkeypatch.setattr("cxlib.report_tests.report_tests", broken)
    started = time.monotonic()
    with pytest.raises(CXError, match="Testfamilie ging schief"):
        run_client(PROJECT / "parameters" / "cafe-bohnenglueck.yaml", out_dir=tmp_path)
    assert time.monotonic() - started < 120  # the notebooks did not wait for it
    failed = tmp_path / "cafe-bohnenglueck.failed"
    assert failed.is_dir() and not (tmp_path / "cafe-bohnenglueck").exists()
    leftovers = {p.name for p in failed.iterdir()}
    assert not leftovers & {"client_data.pickle", handoff.FAMILY_FILE, handoff.FAILED_FILE}
