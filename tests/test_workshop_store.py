"""The workshop's safe storage layer (issue 8): round trips, comments, validation, crashes,
history and restore, conflicts between writers, and that batch runs read what was saved.

Every test works on copies of ``parameters/`` and the client's ``data/`` folder in
``tmp_path``. Expected values are written out by hand or read from the original
files with plain pandas / csv, never through the store.
"""

from __future__ import annotations

import csv
import difflib
import multiprocessing
import os
import pickle
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from filelock import FileLock
from pydantic import ValidationError

from cxlib.exceptions import CXError, DataError, ParameterError, WorkshopConflict
from cxlib.maturity.assessment import assess
from cxlib.parameters.files import _problems_from, read_yaml
from cxlib.parameters.problems import UNKNOWN_JOURNEY, ParameterProblem
from cxlib.parameters.schema import ClientParameters, DataFile
from cxlib.runner.run import prepare
from cxlib.workshop import atomic
from cxlib.workshop import store as store_module
from cxlib.workshop.csv_edit import csv_validator
from cxlib.workshop.store import (
    HISTORY_DIR,
    Saved,
    Version,
    WorkshopBusy,
    WorkshopInputError,
    WorkshopStore,
    WorkshopWriteError,
)

PROJECT = Path(__file__).resolve().parents[1]
CLIENTS = ("berger-haustechnik", "cafe-bohnenglueck", "stadtwerke-lindenau")
ITEMS = [f"D{d}.{k}" for d in range(1, 9) for k in (1, 2, 3)]
#: fork starts the writer processes without importing cxlib again (spawn elsewhere)
CONTEXT = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def copy_client(tmp_path: Path, client: str) -> Path:
    """Copy one client's parameter file and data folder; return the parameter file."""
    (tmp_path / "parameters").mkdir(parents=True, exist_ok=True)
    shutil.copy2(PROJECT / "parameters" / f"{client}.yaml", tmp_path / "parameters")
    shutil.copytree(PROJECT / "data" / client, tmp_path / "data" / client)
    return tmp_path / "parameters" / f"{client}.yaml"


@pytest.fixture
def cafe(tmp_path: Path) -> Path:
    return copy_client(tmp_path, "cafe-bohnenglueck")


@pytest.fixture
def lindenau(tmp_path: Path) -> Path:
    return copy_client(tmp_path, "stadtwerke-lindenau")


@pytest.fixture
def berger(tmp_path: Path) -> Path:
    return copy_client(tmp_path, "berger-haustechnik")


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines of a diff."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def comment_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "#" in line]


def read_csv_plain(path: Path, sep: str, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.reader(handle, delimiter=sep))


def scores_of(rows: list[list[str]], respondent: str, wave: str | None = None) -> dict[str, str]:
    return {
        r[2]: r[3] for r in rows[1:] if r and r[0] == respondent and (wave is None or r[4] == wave)
    }


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if ".tmp-" in p.name]


# ---------------------------------------------------------------- YAML round trips


def test_rating_update_changes_one_line_and_keeps_comments(cafe):
    before = cafe.read_text(encoding="utf-8")
    store = WorkshopStore(cafe, writer="Anna")
    token = store.journey_token("problemfall", "Marketing")
    saved = store.save_rating("problemfall", "Marketing", 3, 5, 3, expected=token)
    after = cafe.read_text(encoding="utf-8")
    removed, added = changed_lines(before, after)
    assert removed == [
        "        - {participant: Marketing, haeufigkeit: 3, schaden: 4, machbarkeit: 3}"
    ]
    assert added == [
        "        - {participant: Marketing, haeufigkeit: 3, schaden: 5, machbarkeit: 3}"
    ]
    assert comment_lines(after) == comment_lines(before)
    assert saved.changed and saved.path == cafe.resolve()
    assert saved.token == store.journey_token("problemfall", "Marketing") != token
    rating = next(
        r
        for j in store.parameters().workshop.journeys
        if j.id == "problemfall"
        for r in j.ratings
        if r.participant == "Marketing"
    )
    assert (rating.frequency, rating.damage, rating.feasibility, rating.uncertain) == (
        3,
        5,
        3,
        False,
    )


def test_new_participant_is_appended_in_flow_style(cafe):
    before = cafe.read_text(encoding="utf-8")
    store = WorkshopStore(cafe, writer="Anna")
    store.save_rating("geldphase", "Vertrieb: Außendienst", 2, 3, 4, uncertain=True)
    removed, added = changed_lines(before, cafe.read_text(encoding="utf-8"))
    assert removed == []
    assert len(added) == 1 and added[0].startswith("        - {participant: ")
    ratings = next(j for j in store.parameters().workshop.journeys if j.id == "geldphase").ratings
    assert ratings[-1].participant == "Vertrieb: Außendienst"
    assert (ratings[-1].frequency, ratings[-1].uncertain) == (2, True)
    assert len(ratings) == 5


def test_uncertain_flag_toggles_in_place(cafe):
    store = WorkshopStore(cafe, writer="Anna")
    before = cafe.read_text(encoding="utf-8")
    store.save_rating("startphase", "Filialleitung Bahnhof", 5, 3, 4, uncertain=False)
    removed, added = changed_lines(before, cafe.read_text(encoding="utf-8"))
    assert removed == [
        "        - {participant: Filialleitung Bahnhof, haeufigkeit: 5, schaden: 3, "
        "machbarkeit: 4, unsicher: true}"
    ]
    assert added == [
        "        - {participant: Filialleitung Bahnhof, haeufigkeit: 5, schaden: 3, "
        "machbarkeit: 4, unsicher: false}"
    ]


def test_unchanged_save_writes_nothing(cafe):
    store = WorkshopStore(cafe, writer="Anna")
    before = cafe.read_bytes()
    saved = store.save_rating("startphase", "Marketing", 4, 4, 4)
    assert not saved.changed and saved.backup is None
    assert cafe.read_bytes() == before
    assert store.history() == []


def plan_dicts(store: WorkshopStore) -> tuple[list[dict], list[dict]]:
    workshop = store.parameters().workshop
    pains = [p.model_dump(exclude_none=True) for p in workshop.pain_points]
    measures = [m.model_dump(exclude_none=True) for m in workshop.measures]
    return pains, measures


def test_plan_change_touches_only_the_changed_value(cafe):
    before = cafe.read_text(encoding="utf-8")
    store = WorkshopStore(cafe, writer="Anna")
    pains, measures = plan_dicts(store)
    measures[1]["target"] = 80.0
    measures[1]["owner"] = "Filialleitung Bahnhof (Frau K.)"
    saved = store.save_plan(pains, measures, expected=store.plan_token())
    after = cafe.read_text(encoding="utf-8")
    removed, added = changed_lines(before, after)
    assert removed == ["      owner: Filialleitung Bahnhof", "      target: 75"]
    assert added == ["      owner: Filialleitung Bahnhof (Frau K.)", "      target: 80"]
    assert comment_lines(after) == comment_lines(before)
    assert saved.token == store.plan_token()


def test_plan_delete_and_add_entries(cafe):
    before = cafe.read_text(encoding="utf-8")
    store = WorkshopStore(cafe, writer="Anna")
    pains, measures = plan_dicts(store)
    del pains[1]
    pains.append({"journey": "problemfall", "text": "Kartenleser fällt aus", "phase": ""})
    measures.append(
        {
            "journey": "problemfall",
            "text": "Ersatzgerät in jeder Filiale",
            "owner": "Technik",
            "start": "02.03.2026",
            "check_date": "2026-04-13",
            "kpi": "Ausfallminuten je Monat",
            "target": 30,
            "baseline": None,
        }
    )
    store.save_plan(pains, measures)
    after = cafe.read_text(encoding="utf-8")
    removed, added = changed_lines(before, after)
    assert sorted(removed) == [
        "      text: Am Bahnhof morgens lange Schlange, Neukunden erleben Hektik statt Beratung",
        "    - journey: startphase",
    ]
    assert added == [
        "    - journey: problemfall",
        "      text: Kartenleser fällt aus",
        "    - journey: problemfall",
        "      text: Ersatzgerät in jeder Filiale",
        "      owner: Technik",
        "      start: 2026-03-02",
        "      check_date: 2026-04-13",
        "      kpi: Ausfallminuten je Monat",
        "      target: 30",
    ]
    workshop = store.parameters().workshop
    assert [p.text for p in workshop.pain_points][1] == (
        "Vorteile der Bohnenkarte werden bei der Ausgabe nicht erklärt"
    )
    assert str(workshop.measures[-1].start) == "2026-03-02"


def test_every_save_keeps_the_comments_of_all_demo_files(tmp_path):
    for client in CLIENTS:
        params = copy_client(tmp_path / client, client)
        before = params.read_text(encoding="utf-8")
        store = WorkshopStore(params, writer="Anna")
        journey = store.parameters().workshop.journeys[0]
        store.save_rating(journey.id, "Gast", 3, 3, 3)
        pains, measures = plan_dicts(store)
        measures[0]["kpi"] = measures[0]["kpi"] + " (neu)"
        store.save_plan(pains, measures)
        answers = store.maturity_answers()
        first = answers["respondent"].iloc[0]
        mine = answers[answers["respondent"] == first]
        scores = {
            i: (None if np.isnan(s) else int(s)) for i, s in zip(mine.item, mine.score, strict=True)
        }
        scores["D1.1"] = 4 if scores.get("D1.1") != 4 else 0
        store.save_maturity(first, mine["department"].iloc[0], scores)
        after = params.read_text(encoding="utf-8")
        kept = comment_lines(after)
        for line in comment_lines(before):
            if "reifegrad_workshop.xlsx" in line:
                continue
            assert line in kept, (client, line)
        removed, _ = changed_lines(before, after)
        assert len(removed) <= 3, (client, removed)


# ---------------------------------------------------------------- maturity answers


def test_csv_save_replaces_only_that_respondents_rows(cafe):
    path = cafe.parent.parent / "data" / "cafe-bohnenglueck" / "maturity.csv"
    before_bytes = path.read_bytes()
    rows_before = read_csv_plain(path, ",")
    store = WorkshopStore(cafe, writer="Anna")
    token = store.maturity_token("R2")
    scores = {item: 3 for item in ITEMS}
    scores["D2.2"] = None
    scores["D8.3"] = 0
    saved = store.save_maturity("R2", "Filiale Altstadt", scores, expected=token)
    assert saved.path == path.resolve() and saved.backup is not None
    assert saved.backup.read_bytes() == before_bytes
    rows_after = read_csv_plain(path, ",")
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")  # the file's own dialect
    # every other respondent's line is byte-identical and in place
    others_before = [r for r in rows_before if r[0] != "R2"]
    others_after = [r for r in rows_after if r[0] != "R2"]
    assert others_after == others_before
    mine = [r for r in rows_after if r[0] == "R2"]
    assert len(mine) == 24 and {r[1] for r in mine} == {"Filiale Altstadt"}
    assert scores_of(rows_after, "R2")["D2.2"] == ""
    assert scores_of(rows_after, "R2")["D8.3"] == "0"
    assert scores_of(rows_after, "R2")["D1.1"] == "3"
    # the store and the loader read back exactly what was saved
    answers = store.maturity_answers()
    r2 = answers[answers["respondent"] == "R2"].set_index("item")["score"]
    assert np.isnan(r2["D2.2"]) and r2["D8.3"] == 0.0 and r2["D5.1"] == 3.0
    assert saved.token == store.maturity_token("R2")


def test_csv_save_keeps_encoding_separator_and_other_waves(lindenau):
    path = lindenau.parent.parent / "data" / "stadtwerke-lindenau" / "reifegrad.csv"
    rows_before = read_csv_plain(path, ";")
    header = rows_before[0]
    store = WorkshopStore(lindenau, writer="Ömer Özdemir")
    answers = store.maturity_answers()
    assert set(answers["wave"]) == {"2025-Q4"}  # the workshop wave: the latest
    assert store.workshop_wave() == "2025-Q4"
    assert set(store.maturity_answers(all_waves=True)["wave"]) == {"2025-Q2", "2025-Q4"}
    assert len(answers) == len([r for r in rows_before[1:] if r[4] == "2025-Q4"])
    store.save_maturity("P01", "Geschäftsführung", {"D1.1": 4, "D1.2": 0})
    store.save_maturity("P99 (Gast)", "Kundenservice", {"D3.1": 2})
    rows_after = read_csv_plain(path, ";")
    assert rows_after[0] == header
    q2_before = [r for r in rows_before if len(r) > 4 and r[4] == "2025-Q2"]
    assert [r for r in rows_after if len(r) > 4 and r[4] == "2025-Q2"] == q2_before
    assert scores_of(rows_after, "P01", "2025-Q4") == {"D1.1": "4", "D1.2": "0"}
    assert scores_of(rows_after, "P01", "2025-Q2") == scores_of(rows_before, "P01", "2025-Q2")
    assert rows_after[-1] == ["P99 (Gast)", "Kundenservice", "D3.1", "2", "2025-Q4"]
    history = store.history()
    assert history[0].writer == "Ömer Özdemir"


def test_new_wave_keeps_earlier_waves(lindenau):
    path = lindenau.parent.parent / "data" / "stadtwerke-lindenau" / "reifegrad.csv"
    n_before = len(read_csv_plain(path, ";"))
    store = WorkshopStore(lindenau, writer="Anna", wave="2026-Q1")
    assert store.maturity_answers().empty
    assert store.workshop_wave() == "2026-Q1"
    store.save_maturity("P01", "Geschäftsführung", {item: 2 for item in ITEMS})
    rows = read_csv_plain(path, ";")
    assert len(rows) == n_before + 24
    assert scores_of(rows, "P01", "2026-Q1") == {item: "2" for item in ITEMS}
    result = assess(prepare(lindenau)[1].maturity)
    assert result.wave == "2026-Q1" and result.waves == ("2025-Q2", "2025-Q4", "2026-Q1")
    assert result.dimensions.set_index("dimension")["score"].tolist() == [50.0] * 8


def test_excel_export_is_never_modified(berger):
    folder = berger.parent.parent / "data" / "berger-haustechnik"
    xlsx = folder / "reifegrad_workshop.xlsx"
    xlsx_bytes = xlsx.read_bytes()
    original = pd.read_excel(xlsx, sheet_name="Reifegrad", header=None, dtype=object)
    before_yaml = berger.read_text(encoding="utf-8")
    store = WorkshopStore(berger, writer="Anna")
    token = store.maturity_token("GF")
    scores = {item: 4 for item in ITEMS}
    saved = store.save_maturity("GF", "Geschäftsführung", scores, expected=token)
    assert xlsx.read_bytes() == xlsx_bytes
    target = folder / "reifegrad_workshop.csv"
    assert saved.path == target.resolve()
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfTeilnehmer;Abteilung;Aussage;Bewertung\n")
    # the YAML now points at the CSV; only the maturity block changed
    removed, added = changed_lines(before_yaml, berger.read_text(encoding="utf-8"))
    assert removed == [
        "    file: ../data/berger-haustechnik/reifegrad_workshop.xlsx",
        "    sheet: Reifegrad",
    ]
    assert added == [
        "    file: ../data/berger-haustechnik/reifegrad_workshop.csv  # im Workshop erfasst; "
        "vorher ../data/berger-haustechnik/reifegrad_workshop.xlsx"
    ]
    # all other answers were copied: compare with the Excel sheet read by plain pandas
    head = next(i for i in range(10) if "Person" in original.iloc[i].astype(str).tolist())
    sheet = original.iloc[head + 1 :].dropna(how="all")
    sheet.columns = original.iloc[head].astype(str).tolist()
    rows = read_csv_plain(target, ";", "utf-8-sig")
    copied = {(r[0], r[2]): r[3] for r in rows[1:] if r[0] != "GF"}
    expected = {
        (str(p), str(f)): "" if pd.isna(s) else str(int(s))
        for p, f, s in zip(sheet["Person"], sheet["Frage"], sheet["Punkte"], strict=True)
        if str(p) != "GF"
    }
    assert copied == expected and len(expected) == 96
    assert scores_of(rows, "GF") == {item: "4" for item in ITEMS}
    # the second save edits the CSV in place
    store.save_maturity("GF", "Geschäftsführung", {**scores, "D1.1": 0})
    assert scores_of(read_csv_plain(target, ";", "utf-8-sig"), "GF")["D1.1"] == "0"
    assert xlsx.read_bytes() == xlsx_bytes


def test_first_answers_without_maturity_file(tmp_path):
    params = copy_client(tmp_path, "cafe-bohnenglueck")
    text = params.read_text(encoding="utf-8")
    params.write_text(
        text.replace("  maturity:\n    file: ../data/cafe-bohnenglueck/maturity.csv\n", ""),
        encoding="utf-8",
    )
    store = WorkshopStore(params, writer="Anna")
    assert store.parameters().data.maturity is None
    assert list(store.maturity_answers().columns) == ["respondent", "department", "item", "score"]
    store.save_maturity("GF", "Geschäftsführung", {"D1.1": 2, "D1.2": None})
    created = tmp_path / "data" / "cafe-bohnenglueck" / "reifegrad_workshop.csv"
    assert read_csv_plain(created, ";", "utf-8-sig") == [
        ["Teilnehmer", "Abteilung", "Aussage", "Bewertung"],
        ["GF", "Geschäftsführung", "D1.1", "2"],
        ["GF", "Geschäftsführung", "D1.2", ""],
    ]
    assert (
        store.parameters().data.maturity.file == "../data/cafe-bohnenglueck/reifegrad_workshop.csv"
    )


def test_batch_loader_reads_what_the_store_wrote(berger):
    store = WorkshopStore(berger, writer="Anna")
    _, data = prepare(berger)
    original = data.maturity.copy()
    scores = {item: 0 for item in ITEMS}
    store.save_maturity("GF", "Geschäftsführung", scores)
    store.save_maturity("Neu", "Vertrieb", {item: 4 for item in ITEMS[:3]})
    params, data = prepare(berger)
    assert params.data.maturity.file.endswith("reifegrad_workshop.csv")
    loaded = data.maturity
    # expected by hand: the original answers without GF, GF all 0, "Neu" 4 on D1
    expected = original[original["respondent"] != "GF"][["respondent", "item", "score"]]
    expected = pd.concat(
        [
            expected.astype({"score": float}),
            pd.DataFrame({"respondent": "GF", "item": ITEMS, "score": 0.0}),
            pd.DataFrame({"respondent": "Neu", "item": ITEMS[:3], "score": 4.0}),
        ]
    )
    got = loaded[["respondent", "item", "score"]].astype({"score": float})
    key = ["respondent", "item"]
    pd.testing.assert_frame_equal(
        got.astype({"respondent": str, "item": str}).sort_values(key).reset_index(drop=True),
        expected.astype({"respondent": str, "item": str}).sort_values(key).reset_index(drop=True),
    )
    result = assess(loaded)
    d1 = expected[expected["item"].str.startswith("D1.")]["score"]
    assert result.dimensions.set_index("dimension").loc["D1", "score"] == pytest.approx(
        d1.mean() / 4 * 100
    )
    assert result.n_respondents == expected["respondent"].nunique()


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("scores", "key", "fragment"),
    [
        ({"D1.1": 5}, "D1.1", "Bewertung „5“"),
        ({"D1.1": -1}, "D1.1", "ungültig"),
        ({"D1.1": 2.5}, "D1.1", "ungültig"),
        ({"D1.1": "drei"}, "D1.1", "ungültig"),
        ({"D1.1": True}, "D1.1", "ungültig"),
        ({"D9.9": 2}, "D9.9", "gibt es im Fragebogen nicht"),
    ],
)
def test_invalid_answers_are_rejected_and_nothing_is_written(cafe, scores, key, fragment):
    path = cafe.parent.parent / "data" / "cafe-bohnenglueck" / "maturity.csv"
    before = path.read_bytes()
    store = WorkshopStore(cafe, writer="Anna")
    with pytest.raises(WorkshopInputError) as info:
        store.save_maturity("R1", "Geschäftsführung", {"D2.1": 1, **scores})
    assert isinstance(info.value, CXError)
    assert [k for k, _ in info.value.problems] == [key]
    assert fragment in str(info.value)
    assert path.read_bytes() == before
    assert not (path.parent / HISTORY_DIR).exists()


def test_empty_respondent_and_department(cafe):
    store = WorkshopStore(cafe, writer="Anna")
    with pytest.raises(WorkshopInputError) as info:
        store.save_maturity("  ", "", {"D1.1": 1})
    assert [k for k, _ in info.value.problems] == ["respondent", "department"]


@pytest.mark.parametrize(
    ("values", "field"),
    [((6, 3, 3), "frequency"), ((3, 0, 3), "damage"), ((3, 3, 2.5), "feasibility")],
)
def test_invalid_ratings_are_rejected(cafe, values, field):
    before = cafe.read_bytes()
    store = WorkshopStore(cafe, writer="Anna")
    with pytest.raises(WorkshopInputError) as info:
        store.save_rating("startphase", "Marketing", *values)
    assert [k for k, _ in info.value.problems] == [field]
    assert cafe.read_bytes() == before


def test_unknown_journey_is_rejected(cafe):
    before = cafe.read_bytes()
    with pytest.raises(WorkshopInputError, match="„lieferung“"):
        WorkshopStore(cafe).save_rating("lieferung", "Marketing", 3, 3, 3)
    assert cafe.read_bytes() == before


def test_invalid_plan_lists_every_problem(cafe):
    before = cafe.read_bytes()
    store = WorkshopStore(cafe, writer="Anna")
    pains, measures = plan_dicts(store)
    measures[0]["owner"] = ""
    measures[1]["check_date"] = "2026-01-01"  # before its start
    pains[0]["journey"] = "unbekannt"
    problems = store.check_plan(pains, measures)
    with pytest.raises(WorkshopInputError) as info:
        store.save_plan(pains, measures)
    assert info.value.problems == problems
    keys = [k for k, _ in problems]
    assert "workshop.measures.0.owner" in keys
    assert "workshop.measures.1" in keys
    assert "workshop.pain_points.0.journey" in keys
    assert any("„unbekannt“" in m for _, m in problems)
    assert cafe.read_bytes() == before
    assert store.check_plan(*plan_dicts(store)) == []


def test_unknown_journey_is_listed_once_per_entry_by_code_in_either_language(cafe):
    """The store checks journey references itself and leaves out the schema's finding of
    the same kind; it tells them apart by code, so the filter works in English too."""
    text = cafe.read_text(encoding="utf-8")
    found = {}
    for lang in ("de", "en"):
        cafe.write_text(text.replace("language: de", f"language: {lang}"), encoding="utf-8")
        store = WorkshopStore(cafe)
        pains, measures = plan_dicts(store)
        pains[0]["journey"] = measures[0]["journey"] = "unbekannt"
        # every other field is valid, so the schema itself reports the first bad reference
        document = read_yaml(cafe)
        document["workshop"]["pain_points"], document["workshop"]["measures"] = pains, measures
        with pytest.raises(ValidationError) as info:
            ClientParameters.model_validate(document)
        schema = _problems_from(info.value, None)
        assert [p.code for p in schema] == [UNKNOWN_JOURNEY]
        problems = store.check_plan(pains, measures)
        with pytest.raises(WorkshopInputError) as saved:
            store.save_plan(pains, measures)
        assert saved.value.problems == problems
        assert [(p[0], p.code) for p in problems] == [
            ("workshop.pain_points.0.journey", UNKNOWN_JOURNEY),
            ("workshop.measures.0.journey", UNKNOWN_JOURNEY),
        ]
        assert schema[0][1] not in [m for _, m in problems], "the schema's duplicate is gone"
        found[lang] = problems
    de, en = ([m for _, m in found[lang]] for lang in ("de", "en"))
    assert all("ist nicht unter workshop.journeys definiert" in m for m in de)
    assert all("is not defined under workshop.journeys" in m for m in en)
    assert [p.code for p in found["de"]] == [p.code for p in found["en"]]


def test_a_problem_code_unpacks_compares_and_pickles_like_the_pair():
    problem = ParameterProblem("workshop.measures.0.journey", "Journey fehlt", UNKNOWN_JOURNEY)
    key, message = problem
    assert (key, message) == ("workshop.measures.0.journey", "Journey fehlt")
    assert problem == ("workshop.measures.0.journey", "Journey fehlt")
    copy = pickle.loads(pickle.dumps(problem))
    assert copy == problem and copy.code == UNKNOWN_JOURNEY
    assert ParameterProblem("", "x").code == ""


def test_validation_of_a_written_answers_file_keeps_the_problem_code(cafe, tmp_path):
    """The written file's problems name the file the user knows, with their codes."""
    broken = tmp_path / "broken.csv"
    row = "R1,Geschäftsführung,D1.1,2\n"
    broken.write_text("respondent,department,item,score\n" + row + row, encoding="utf-8")
    shown = cafe.parent.parent / "data" / "cafe-bohnenglueck" / "maturity.csv"
    validate = csv_validator(DataFile(file=str(broken)), tmp_path, shown)
    with pytest.raises(DataError) as info:
        validate(broken)
    (problem,) = info.value.problems
    assert (problem.code, problem.row, problem.file) == ("duplicate_key", 3, str(shown))


def test_broken_parameter_file_is_reported_plainly(cafe):
    cafe.write_text(cafe.read_text(encoding="utf-8") + "unbekannt: 1\n", encoding="utf-8")
    before = cafe.read_bytes()
    with pytest.raises(ParameterError, match="unbekannter Schlüssel"):
        WorkshopStore(cafe).save_rating("startphase", "Marketing", 3, 3, 3)
    assert cafe.read_bytes() == before


# ---------------------------------------------------------------- crashes


def test_crash_at_replace_leaves_the_previous_files_intact(cafe, monkeypatch):
    csv_path = cafe.parent.parent / "data" / "cafe-bohnenglueck" / "maturity.csv"
    yaml_before, csv_before = cafe.read_bytes(), csv_path.read_bytes()
    store = WorkshopStore(cafe, writer="Anna")

    def crash(src, dst):
        raise OSError("Stromausfall")

    monkeypatch.setattr(store_module.os, "replace", crash)
    with pytest.raises(OSError, match="Stromausfall") as info:
        store.save_rating("startphase", "Marketing", 1, 1, 1)
    # a plain message for the widget, never a traceback
    assert isinstance(info.value, WorkshopWriteError) and isinstance(info.value, CXError)
    assert "unverändert" in str(info.value)
    with pytest.raises(OSError, match="Stromausfall"):
        store.save_maturity("R1", "Geschäftsführung", {"D1.1": 0})
    monkeypatch.undo()
    assert cafe.read_bytes() == yaml_before
    assert csv_path.read_bytes() == csv_before
    assert no_temp_files(cafe.parent) and no_temp_files(csv_path.parent)
    assert store.history() == []
    # afterwards saving works again
    assert store.save_rating("startphase", "Marketing", 1, 1, 1).changed


def test_crash_while_writing_leaves_the_previous_file_intact(cafe, monkeypatch):
    before = cafe.read_bytes()
    store = WorkshopStore(cafe, writer="Anna")
    real_fsync = os.fsync

    def crash(fd):
        real_fsync(fd)
        raise OSError("Platte voll")

    monkeypatch.setattr(store_module.os, "fsync", crash)
    with pytest.raises(OSError, match="Platte voll"):
        store.save_rating("startphase", "Marketing", 1, 1, 1)
    monkeypatch.undo()
    assert cafe.read_bytes() == before
    assert no_temp_files(cafe.parent)


def test_crash_while_switching_from_excel_removes_the_new_csv(berger, monkeypatch):
    folder = berger.parent.parent / "data" / "berger-haustechnik"
    before = berger.read_bytes()
    store = WorkshopStore(berger, writer="Anna")
    real_replace = os.replace

    def crash_on_yaml(src, dst):
        if str(dst).endswith(".yaml"):
            raise OSError("Absturz")
        return real_replace(src, dst)

    monkeypatch.setattr(store_module.os, "replace", crash_on_yaml)
    with pytest.raises(OSError, match="Absturz"):
        store.save_maturity("GF", "Geschäftsführung", {"D1.1": 4})
    monkeypatch.undo()
    assert berger.read_bytes() == before
    assert not (folder / "reifegrad_workshop.csv").exists()
    assert prepare(berger)[0].data.maturity.file.endswith(".xlsx")


# ---------------------------------------------------------------- history and restore


def test_history_and_restore(cafe):
    original = cafe.read_bytes()
    store = WorkshopStore(cafe, writer="Anna")
    first = store.save_rating("startphase", "Marketing", 1, 1, 1)
    after_first = cafe.read_bytes()
    time.sleep(0.01)
    second = WorkshopStore(cafe, writer="Ben").save_rating("startphase", "Marketing", 2, 2, 2)
    history = store.history()
    assert [v.writer for v in history] == ["Ben", "Anna"]
    assert [v.path for v in history] == [second.backup, first.backup]
    assert history[0].saved_at > history[1].saved_at
    assert all(isinstance(v, Version) and v.original == cafe.resolve() for v in history)
    assert history[1].path.read_bytes() == original
    assert "Stand vor der Änderung von Ben" in history[0].label()
    restored = store.restore(history[1])
    assert isinstance(restored, Saved)
    assert cafe.read_bytes() == original
    # the restore is undoable: its backup holds the state it replaced
    assert restored.backup.read_bytes() != original
    store.restore(store.history()[0])
    assert b"haeufigkeit: 2" in cafe.read_bytes()
    assert after_first != cafe.read_bytes()


def test_versions_saved_within_one_minute_can_be_told_apart(cafe):
    """Issue 16: history entries could not be told apart (same writer, same minute)."""
    import datetime as dt

    moment = dt.datetime(2026, 1, 31, 14, 32, 5, tzinfo=dt.UTC)
    versions = [
        Version(cafe, cafe.resolve(), moment + dt.timedelta(seconds=s), "Anna") for s in (0, 7)
    ]
    first, second = (v.label("de") for v in versions)
    assert first != second
    local = moment.astimezone().strftime("%d.%m.%Y um %H:%M:%S")
    assert f"Stand vor der Änderung von Anna am {local}" in first


def test_restore_of_the_answers_file(cafe):
    path = cafe.parent.parent / "data" / "cafe-bohnenglueck" / "maturity.csv"
    before = path.read_bytes()
    store = WorkshopStore(cafe, writer="Anna")
    store.save_maturity("R1", "Geschäftsführung", {"D1.1": 0})
    version = next(v for v in store.history() if v.original == path.resolve())
    store.restore(version)
    assert path.read_bytes() == before


def test_restore_refuses_other_files(cafe, tmp_path):
    stray = tmp_path / "fremd.yaml"
    stray.write_text("a: 1\n", encoding="utf-8")
    store = WorkshopStore(cafe)
    fake = Version(stray, cafe.resolve(), pd.Timestamp.now(tz="UTC").to_pydatetime(), "x")
    with pytest.raises(WorkshopInputError, match="keine gespeicherte Version"):
        store.restore(fake)
    # a real version, but of another client's file
    other = copy_client(tmp_path / "other", "cafe-bohnenglueck")
    foreign = WorkshopStore(other, writer="Anna")
    foreign.save_rating("startphase", "Marketing", 1, 1, 1)
    with pytest.raises(WorkshopInputError, match="keine gespeicherte Version"):
        store.restore(foreign.history()[0])


def test_history_keeps_the_last_versions(cafe, monkeypatch):
    monkeypatch.setattr(atomic, "KEEP_VERSIONS", 3)
    store = WorkshopStore(cafe, writer="Anna")
    for value in (1, 2, 3, 4, 5):
        store.save_rating("startphase", "Marketing", value, 1, 1)
    history = store.history()
    assert len(history) == 3
    # newest first: the states before the saves of 5, 4 and 3
    assert b"haeufigkeit: 4, schaden: 1" in history[0].path.read_bytes()
    assert b"haeufigkeit: 2, schaden: 1" in history[2].path.read_bytes()


# ---------------------------------------------------------------- two writers


def test_two_tabs_different_respondents_both_succeed(cafe):
    tab_a, tab_b = WorkshopStore(cafe, writer="Anna"), WorkshopStore(cafe, writer="Ben")
    token_a, token_b = tab_a.maturity_token("R1"), tab_b.maturity_token("R2")
    tab_a.save_maturity("R1", "Geschäftsführung", {"D1.1": 0}, expected=token_a)
    tab_b.save_maturity("R2", "Marketing", {"D1.1": 4}, expected=token_b)
    rows = read_csv_plain(cafe.parent.parent / "data" / "cafe-bohnenglueck" / "maturity.csv", ",")
    assert scores_of(rows, "R1") == {"D1.1": "0"}
    assert scores_of(rows, "R2") == {"D1.1": "4"}


def test_stale_token_raises_conflict_and_keeps_the_other_save(cafe):
    tab_a, tab_b = WorkshopStore(cafe, writer="Anna"), WorkshopStore(cafe, writer="Ben")
    stale = tab_b.maturity_token("R1")
    tab_a.save_maturity("R1", "Geschäftsführung", {"D1.1": 0}, expected=tab_a.maturity_token("R1"))
    path = cafe.parent.parent / "data" / "cafe-bohnenglueck" / "maturity.csv"
    after_a = path.read_bytes()
    with pytest.raises(WorkshopConflict) as info:
        tab_b.save_maturity("R1", "Geschäftsführung", {"D1.1": 4}, expected=stale)
    message = str(info.value)
    assert "„R1“" in message and "von Anna um " in message and "neu laden" in message
    assert info.value.writer == "Anna"
    assert path.read_bytes() == after_a
    # after reloading the token, the save goes through
    tab_b.save_maturity("R1", "Geschäftsführung", {"D1.1": 4}, expected=tab_b.maturity_token("R1"))
    assert scores_of(read_csv_plain(path, ","), "R1") == {"D1.1": "4"}


def test_rating_and_plan_conflicts(cafe):
    tab_a, tab_b = WorkshopStore(cafe, writer="Anna"), WorkshopStore(cafe, writer="Ben")
    marketing_b = tab_b.journey_token("startphase", "Marketing")
    gf_b = tab_b.journey_token("startphase", "Geschäftsführung")
    plan_b = tab_b.plan_token()
    tab_a.save_rating(
        "startphase", "Marketing", 1, 1, 1, expected=tab_a.journey_token("startphase", "Marketing")
    )
    with pytest.raises(WorkshopConflict, match="Marketing"):
        tab_b.save_rating("startphase", "Marketing", 5, 5, 5, expected=marketing_b)
    # another participant of the same journey is not affected
    tab_b.save_rating("startphase", "Geschäftsführung", 5, 5, 5, expected=gf_b)
    # the rating saves did not touch the plan, so the plan token is still valid
    pains, measures = plan_dicts(tab_b)
    measures[0]["target"] = 66
    tab_b.save_plan(pains, measures, expected=plan_b)
    with pytest.raises(WorkshopConflict, match="von Ben"):
        tab_a.save_plan(pains[:1], measures, expected=plan_b)
    assert len(tab_a.parameters().workshop.pain_points) == 3


def test_edit_by_hand_is_detected(cafe):
    store = WorkshopStore(cafe, writer="Anna")
    token = store.maturity_token("R3")
    path = cafe.parent.parent / "data" / "cafe-bohnenglueck" / "maturity.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("R3,"))
    lines[index] = lines[index][:-2] + ("0\n" if lines[index][-2] != "0" else "1\n")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(WorkshopConflict, match="außerhalb des Workshops"):
        store.save_maturity("R3", "Marketing", {"D1.1": 2}, expected=token)


def test_conflict_message_in_english(cafe):
    cafe.write_text(
        cafe.read_text(encoding="utf-8").replace("language: de", "language: en"),
        encoding="utf-8",
    )
    tab_a, tab_b = WorkshopStore(cafe, writer="Anna"), WorkshopStore(cafe, writer="Ben")
    stale = tab_b.plan_token()
    tab_a.save_plan([], [], expected=stale)
    with pytest.raises(WorkshopConflict, match=r"was changed by Anna at .*reload"):
        tab_b.save_plan([], [], expected=stale)


def test_lock_timeout_gives_a_clear_message(cafe):
    store = WorkshopStore(cafe, writer="Anna", lock_timeout=0.2)
    before = cafe.read_bytes()
    holder = FileLock(str(store._lock_path))
    with holder:
        started = time.perf_counter()
        with pytest.raises(WorkshopBusy, match="anderen Fenster gespeichert") as info:
            store.save_rating("startphase", "Marketing", 1, 1, 1)
        assert time.perf_counter() - started >= 0.2
    assert isinstance(info.value, WorkshopConflict)
    assert cafe.read_bytes() == before


def _save_many(params_file: str, writer: str, respondents: list[str], barrier) -> None:
    store = WorkshopStore(params_file, writer=writer, lock_timeout=60)
    barrier.wait()
    for index, respondent in enumerate(respondents):
        token = store.maturity_token(respondent)
        store.save_maturity(respondent, "Team " + writer, {"D1.1": index % 5}, expected=token)


def _hold_lock(lock_path: str, seconds: float, started) -> None:
    with FileLock(lock_path):
        started.set()
        time.sleep(seconds)


def test_two_processes_lose_no_update(cafe):
    context = multiprocessing.get_context(CONTEXT)
    barrier = context.Barrier(2)
    names = {w: [f"{w}{i}" for i in range(6)] for w in ("A", "B")}
    workers = [
        context.Process(target=_save_many, args=(str(cafe), w, names[w], barrier)) for w in names
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    rows = read_csv_plain(cafe.parent.parent / "data" / "cafe-bohnenglueck" / "maturity.csv", ",")
    for respondents in names.values():
        for index, respondent in enumerate(respondents):
            assert scores_of(rows, respondent) == {"D1.1": str(index % 5)}
    assert len(rows) == 1 + 144 + 12
    store = WorkshopStore(cafe)
    assert len(store.history()) == 12


def test_a_save_waits_for_the_other_process(cafe):
    store = WorkshopStore(cafe, writer="Anna", lock_timeout=30)
    store._lock_path.parent.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context(CONTEXT)
    started = context.Event()
    holder = context.Process(target=_hold_lock, args=(str(store._lock_path), 1.5, started))
    holder.start()
    assert started.wait(60)
    began = time.perf_counter()
    store.save_rating("startphase", "Marketing", 1, 1, 1)
    waited = time.perf_counter() - began
    holder.join(30)
    assert waited >= 0.5
    assert b"{participant: Marketing, haeufigkeit: 1" in cafe.read_bytes()


# ---------------------------------------------------------------- other file shapes

CP1252_CSV = (
    "Export Reifegrad;Stand 31.12.2025;;\r\n"
    "Kürzel;Bereich;Frage;Punkte;Kommentar\r\n"
    'GF;Geschäftsführung;D1.1;2;"zwei\r\nZeilen"\r\n'
    "GF;Geschäftsführung;D1.2;;\r\n"
    "Büro;Verwaltung;D1.1;1;kurz\r\n"
    "GF;Geschäftsführung;D1.3;3;\r\n"
)


def test_csv_with_preamble_mapping_cp1252_and_quoted_line_breaks(minimal_params):
    folder = minimal_params.parent
    answers = folder / "antworten.csv"
    answers.write_bytes(CP1252_CSV.encode("cp1252"))
    minimal_params.write_text(
        minimal_params.read_text(encoding="utf-8")
        + "data:\n  maturity:\n    file: antworten.csv\n    header_row: 2\n"
        "    columns: {Kürzel: respondent}\n",
        encoding="utf-8",
    )
    store = WorkshopStore(minimal_params, writer="Anna")
    assert store.maturity_token("GF") != store.maturity_token("Büro")
    store.save_maturity("GF", "Geschäftsführung", {"D2.1": 4, "D2.2": None})
    raw = answers.read_bytes()
    assert raw.decode("cp1252") == (
        "Export Reifegrad;Stand 31.12.2025;;\r\n"
        "Kürzel;Bereich;Frage;Punkte;Kommentar\r\n"
        "GF;Geschäftsführung;D2.1;4;\r\n"
        "GF;Geschäftsführung;D2.2;;\r\n"
        "Büro;Verwaltung;D1.1;1;kurz\r\n"
    )
    loaded = store.maturity_answers()
    assert loaded["respondent"].tolist() == ["GF", "GF", "Büro"]
    assert loaded["score"].fillna(-1).tolist() == [4.0, -1.0, 1.0]
    # a name the file's encoding cannot hold is refused with a plain message
    with pytest.raises(WorkshopInputError, match="cp1252"):
        store.save_maturity("Łukasz", "Vertrieb", {"D1.1": 2})
    assert answers.read_bytes() == raw


def test_block_style_ratings_get_a_block_style_entry(minimal_params):
    minimal_params.write_text(
        minimal_params.read_text(encoding="utf-8")
        + "workshop:\n  journeys:\n  - id: startphase\n    name: Startphase\n    ratings:\n"
        "    - participant: GF\n      haeufigkeit: 3\n      schaden: 3\n      machbarkeit: 3\n",
        encoding="utf-8",
    )
    before = minimal_params.read_text(encoding="utf-8")
    store = WorkshopStore(minimal_params, writer="Anna")
    store.save_rating("startphase", "Büro", 4, 2, 5)
    assert minimal_params.read_text(encoding="utf-8") == before + (
        "    - participant: Büro\n      haeufigkeit: 4\n      schaden: 2\n      machbarkeit: 5\n"
    )


def test_conflict_after_a_restore_names_who_restored(cafe):
    anna, ben = WorkshopStore(cafe, writer="Anna"), WorkshopStore(cafe, writer="Ben")
    anna.save_maturity("R1", "Geschäftsführung", {"D1.1": 0})
    stale = ben.maturity_token("R1")
    anna.restore(anna.history()[0])
    with pytest.raises(WorkshopConflict, match="von Anna um"):
        ben.save_maturity("R1", "Geschäftsführung", {"D1.1": 1}, expected=stale)


def test_deleting_a_respondent(cafe):
    store = WorkshopStore(cafe, writer="Anna")
    assert (store.maturity_answers()["respondent"] == "R6").sum() == 24
    store.save_maturity("R6", "Marketing", {})
    assert "R6" not in set(store.maturity_answers()["respondent"])
    assert store.maturity_token("R6") == WorkshopStore(cafe).maturity_token("niemand")


def test_windows_line_ends_and_bom_are_kept(cafe):
    text = cafe.read_text(encoding="utf-8")
    cafe.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    before = cafe.read_bytes()
    WorkshopStore(cafe, writer="Anna").save_rating("problemfall", "Marketing", 3, 5, 3)
    after = cafe.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and after.count(b"\r\n") == before.count(b"\r\n")
    changed = [
        (a, b) for a, b in zip(before.split(b"\r\n"), after.split(b"\r\n"), strict=True) if a != b
    ]
    assert changed == [
        (
            b"        - {participant: Marketing, haeufigkeit: 3, schaden: 4, machbarkeit: 3}",
            b"        - {participant: Marketing, haeufigkeit: 3, schaden: 5, machbarkeit: 3}",
        )
    ]


def test_client_without_data_section(tmp_path):
    from tests.conftest import MINIMAL

    folder = tmp_path / "parameters"
    folder.mkdir()
    params = folder / "muster.yaml"
    params.write_text(MINIMAL + "\nworkshop:\n  pain_points: []\n", encoding="utf-8")
    store = WorkshopStore(params, writer="Anna")
    saved = store.save_maturity("GF", "Geschäftsführung", {"D1.1": 3})
    assert saved.path == tmp_path / "data" / "muster-gmbh" / "reifegrad_workshop.csv"
    assert params.read_text(encoding="utf-8") == MINIMAL + (
        "\ndata:\n  maturity:\n    file: ../data/muster-gmbh/reifegrad_workshop.csv\n"
        "workshop:\n  pain_points: []\n"
    )
    assert prepare(params)[1].maturity["score"].tolist() == [3]
