"""The run's hand-off to its notebooks: the data at once, the family when it is computed."""

from __future__ import annotations

import pickle
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from cxlib.exceptions import CXError
from cxlib.io.loading import ClientData
from cxlib.report.testing import Hypothesis, PendingFamily, TestFamily
from cxlib.report_tests import report_tests
from cxlib.runner import handoff
from cxlib.runner.run import run_client
from tests.demo_clients import PROJECT, demo_client

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


def test_the_data_hand_off_round_trips(tmp_path: Path):
    params, data = demo_client("cafe-bohnenglueck")
    path = handoff.write_data(tmp_path, params, data)
    back_params, back_data = handoff.read_data(path)
    assert back_params == params
    pd.testing.assert_frame_equal(back_data.get("transactions"), data.get("transactions"))


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
