"""CX maturity: scoring by hand-worked examples, cut-offs, cap, flags, typing, demo clients.

The references are worked out by hand in each test (mean item score / 4 × 100,
CX_METHOD.md "Maturity") or taken from docs/demo-data.md, whose realised
numbers are computed from the raw files independently of cxlib.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from cxlib.exceptions import CXError
from cxlib.maturity.assessment import (
    MaturityDataError,
    SilentRespondentWarning,
    assess,
    questionnaire,
    stage_of,
)
from cxlib.maturity.catalogue import (
    LEVELS,
    STEPS,
    CatalogueError,
    load_actions,
    load_questionnaire,
)
from cxlib.parameters.schema import MaturityOptions
from cxlib.runner.run import prepare

DIMS = [f"D{i}" for i in range(1, 9)]
ITEMS = [f"{d}.{k}" for d in DIMS for k in (1, 2, 3)]


def answers(scores: dict[str, dict[str, float | None]], departments=None, wave=None):
    """Long table from ``{respondent: {item: score}}``; unspecified items score 2."""
    rows = []
    for person, given in scores.items():
        dept = (departments or {}).get(person, "Vertrieb")
        for item in ITEMS:
            rows.append((person, dept, item, given.get(item, 2), wave))
    frame = pd.DataFrame(rows, columns=["respondent", "department", "item", "score", "wave"])
    frame["score"] = frame["score"].astype("Float64")
    return frame if wave else frame.drop(columns="wave")


def uniform(per_dim: dict[str, float], person: str = "P1") -> dict[str, dict[str, float]]:
    """One respondent answering every item of a dimension with the same score."""
    return {person: {i: per_dim.get(i[:2], 2) for i in ITEMS}}


# --- scoring -------------------------------------------------------------------


def test_dimension_score_is_mean_over_items_and_respondents():
    # D1 answers: P1 4, 3, 2 and P2 1, 0, 2 → mean 12/6 = 2 → 50
    # D2 answers: P1 4, 4, 4 and P2 3, 3, 3 → mean 3.5 → 87.5; others 2 → 50
    data = answers(
        {
            "P1": {"D1.1": 4, "D1.2": 3, "D1.3": 2, "D2.1": 4, "D2.2": 4, "D2.3": 4},
            "P2": {"D1.1": 1, "D1.2": 0, "D1.3": 2, "D2.1": 3, "D2.2": 3, "D2.3": 3},
        }
    )
    result = assess(data)
    scores = result.dimensions.set_index("dimension")["score"]
    assert scores["D1"] == pytest.approx(50.0)
    assert scores["D2"] == pytest.approx(87.5)
    assert scores["D3"] == pytest.approx(50.0)
    # index = equal-weight mean: (50 + 87.5 + 6 × 50) / 8 = 54.6875
    assert result.index == pytest.approx(54.6875)
    assert result.stage == 3 and result.stage_name == "Mobilisieren"
    assert result.dimensions.set_index("dimension")["n_answers"]["D1"] == 6


def test_weights_from_argument_and_options():
    # D1 = 100, all others 50: with weight 3 on D1 the index is (3·100 + 7·50) / 10 = 65
    data = answers(uniform({"D1": 4}))
    assert assess(data).index == pytest.approx((100 + 7 * 50) / 8)
    assert assess(data, weights={"D1": 3}).index == pytest.approx(65.0)
    options = MaturityOptions(weights={"D1": 3})
    assert assess(data, options=options).index == pytest.approx(65.0)
    # a weight of 0 leaves a dimension out: (7 · 50) / 7
    assert assess(data, weights={"D1": 0}).index == pytest.approx(50.0)
    with pytest.raises(MaturityDataError, match="D9"):
        assess(data, weights={"D9": 1})


def test_missing_answers_are_left_out_not_zero():
    # P1 answers D1.1 = 4 and leaves D1.2, D1.3 empty ("weiß nicht"); P2 answers 2, 2, 2.
    # D1 = mean(4, 2, 2, 2) / 4 · 100 = 62.5 over 4 answers (not (4+0+0+2+2+2)/6).
    data = answers(
        {"P1": {"D1.1": 4, "D1.2": None, "D1.3": None}, "P2": {"D1.1": 2, "D1.2": 2, "D1.3": 2}}
    )
    dims = assess(data).dimensions.set_index("dimension")
    assert dims.loc["D1", "score"] == pytest.approx(62.5)
    assert dims.loc["D1", "n_answers"] == 4
    assert dims.loc["D1", "n_missing"] == 2


# --- stages --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "stage"),
    [(0, 1), (19.99, 1), (20, 2), (39.9, 2), (40, 3), (59.99, 3), (60, 4), (80, 5), (100, 5)],
)
def test_stage_cutoffs_boundary_belongs_to_higher_stage(score, stage):
    assert stage_of(score) == stage


def test_boundary_reached_through_floating_point_mean():
    # a mean that is exactly on a boundary in exact arithmetic may be one ulp off in
    # floats; the score is rounded to 9 decimals before the comparison
    assert stage_of(math.nextafter(40.0, 0.0)) == 3
    assert stage_of(math.nextafter(20.0, 0.0)) == 2
    assert stage_of(39.999) == 2


@pytest.mark.parametrize(("level", "stage"), [(0.8, 2), (1.6, 3), (2.4, 4), (3.2, 5)])
def test_exact_boundaries_from_answers(level, stage):
    # five respondents answer every item; their scores sum to 5 · level per item, e.g.
    # level 1.6 = (2 + 2 + 2 + 1 + 1) / 5 → every dimension and the index are exactly 40
    total = round(5 * level)
    base, extra = divmod(total, 5)
    people = {f"P{i}": {item: base + (i < extra) for item in ITEMS} for i in range(5)}
    result = assess(answers(people))
    assert result.index == pytest.approx(level * 25)
    assert result.stage == stage
    assert (result.dimensions["stage"] == stage).all()


def test_weakest_link_caps_the_overall_stage():
    # D8 = 0 (stage 1), all others 4 → index (7·100 + 0)/8 = 87.5 → raw stage 5, cap 1 + 1 = 2
    data = answers(uniform({d: 4 for d in DIMS[:7]} | {"D8": 0}))
    result = assess(data)
    assert result.index == pytest.approx(87.5)
    assert result.raw_stage == 5
    assert result.stage == 2 and result.capped
    uncapped = assess(data, options=MaturityOptions(weakest_link_cap=False))
    assert uncapped.stage == 5 and not uncapped.capped


def test_custom_cutoffs():
    data = answers(uniform({}))  # everything 2 → 50
    assert assess(data).stage == 3
    assert assess(data, options=MaturityOptions(stage_cutoffs=[10, 20, 30, 50])).stage == 5
    with pytest.raises(ValueError, match="aufsteigend"):
        MaturityOptions(stage_cutoffs=[20, 60, 40, 80])


# --- disagreement, silos, typing, fields -----------------------------------------


def test_disagreement_flag_at_two_points():
    people = {
        "P1": {"D3.1": 1, "D3.2": 1},
        "P2": {"D3.1": 3, "D3.2": 2},  # D3.1 differs by 2 → flag; D3.2 by 1 → no flag
    }
    result = assess(answers(people, {"P1": "IT", "P2": "Vertrieb"}))
    flagged = result.disagreements
    assert flagged["item"].tolist() == ["D3.1"]
    row = flagged.iloc[0]
    assert (row["low_departments"], row["high_departments"]) == ("IT", "Vertrieb")
    assert row["dept_gap"] == 2
    # a stricter threshold flags both
    strict = assess(answers(people), options=MaturityOptions(disagreement_points=1))
    assert set(strict.disagreements["item"]) == {"D3.1", "D3.2"}


def test_silo_index_is_spread_between_department_means():
    # D6: IT answers 0 everywhere, Vertrieb (two people) 4 and 2 → means 0 vs 75 → spread 75
    people = {
        "P1": {i: 0 for i in ITEMS if i.startswith("D6")},
        "P2": {i: 4 for i in ITEMS if i.startswith("D6")},
        "P3": {i: 2 for i in ITEMS if i.startswith("D6")},
    }
    result = assess(answers(people, {"P1": "IT", "P2": "Vertrieb", "P3": "Vertrieb"}))
    dims = result.dimensions.set_index("dimension")
    assert dims.loc["D6", "spread"] == pytest.approx(75.0)
    assert dims.loc["D6", "silo"]
    assert dims.loc["D1", "spread"] == 0
    assert result.departments.loc["IT", "D6"] == 0


def test_typing_einsteiger_and_fortgeschritten():
    beginner = assess(answers(uniform({"D1": 0, "D2": 1, "D7": 0})))
    assert beginner.profile == "einsteiger"
    assert beginner.profile_scores["einsteiger"] == pytest.approx((0 + 25 + 0) / 3)
    advanced = assess(answers(uniform({"D6": 1, "D8": 0})))
    assert advanced.profile == "fortgeschritten"


def test_three_weakest_dimensions_become_fields_of_action():
    result = assess(answers(uniform({"D5": 0, "D8": 1, "D2": 1, "D3": 3})))
    fields = result.fields_of_action
    # D5 = 0 first; D2 and D8 tie at 25 and keep questionnaire order
    assert [f.dimension for f in fields] == ["D5", "D2", "D8"]
    assert [f.field for f in fields] == ["metrics", "silos", "technology"]
    frame = result.fields_frame("de")
    assert set(STEPS) <= set(frame.columns)
    assert frame["field"].tolist() == ["CX messbar machen", "Silos auflösen",
                                       "Technologie gezielt einsetzen"]  # fmt: skip
    assert frame[list(STEPS)].map(bool).all().all()


# --- waves ---------------------------------------------------------------------


def test_second_wave_shows_change_and_headline_is_latest():
    first = answers(uniform({}), wave="2025-Q2")  # all 50
    second = answers(uniform({"D3": 3}), wave="2025-Q4")  # D3 75
    result = assess(pd.concat([second, first], ignore_index=True))
    assert result.wave == "2025-Q4" and result.waves == ("2025-Q2", "2025-Q4")
    change = result.changes.set_index("dimension")["change"]
    assert change["D3"] == pytest.approx(25.0)
    assert change["D1"] == 0
    assert change["index"] == pytest.approx(25 / 8)
    assert result.index == pytest.approx((7 * 50 + 75) / 8)


# --- bad input -----------------------------------------------------------------


def test_unknown_item_names_item_and_respondent():
    data = answers(uniform({}))
    data.loc[5, "item"] = "D9.9"
    with pytest.raises(MaturityDataError, match=r"D9\.9") as info:
        assess(data)
    assert "Person P1" in str(info.value)
    assert isinstance(info.value, CXError)


@pytest.mark.parametrize("bad", [5, -1, 2.5])
def test_score_outside_scale_is_rejected(bad):
    data = answers(uniform({}))
    data["score"] = data["score"].astype(float)
    data.loc[3, "score"] = bad
    with pytest.raises(MaturityDataError, match=r"ungültige Bewertung.*D2\.1"):
        assess(data)


def test_duplicate_and_missing_columns():
    data = answers(uniform({}))
    with pytest.raises(MaturityDataError, match="doppelte Antwort"):
        assess(pd.concat([data, data.iloc[[0]]], ignore_index=True))
    with pytest.raises(MaturityDataError, match="department"):
        assess(data.drop(columns="department"))
    with pytest.raises(MaturityDataError, match="keine Reifegrad-Antworten"):
        assess(None)


def test_respondent_without_any_answer_is_left_out_with_warning():
    people = uniform({}) | {"P9": dict.fromkeys(ITEMS)}
    with pytest.warns(SilentRespondentWarning, match="P9"):
        result = assess(answers(people))
    assert result.silent_respondents == ("P9",)
    assert result.n_respondents == 1
    assert result.index == pytest.approx(50.0)


def test_no_scores_at_all_is_an_error():
    people = {"P1": dict.fromkeys(ITEMS), "P2": dict.fromkeys(ITEMS)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SilentRespondentWarning)
        with pytest.raises(MaturityDataError, match="keine einzige Bewertung"):
            assess(answers(people))


# --- questionnaire and catalogue -------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en"])
def test_questionnaire_is_complete_in_both_languages(lang):
    frame = questionnaire(lang)
    assert frame["item"].tolist() == ITEMS
    assert frame.groupby("dimension")["item"].count().tolist() == [3] * 8
    anchors = [f"anchor_{k}" for k in range(LEVELS)]
    assert set(["item", "dimension", "text", *anchors]) <= set(frame.columns)
    assert frame[["text", *anchors]].map(lambda s: len(s.strip()) >= 3).all().all()
    assert frame["text"].is_unique


def test_questionnaire_has_version_weights_and_all_actions():
    q = load_questionnaire()
    assert q.version and set(q.weights) == set(DIMS)
    assert all(w == 1 for w in q.weights.values())
    actions = load_actions(q)
    assert set(actions.fields) == {"strategy", "silos", "technology", "metrics", "people"}
    for dim in DIMS:
        for stage in range(1, 6):
            for lang in ("de", "en"):
                assert all(actions.steps(dim, stage, lang).values())


def test_broken_questionnaire_names_the_problem(tmp_path):
    text = load_questionnaire().source
    broken = tmp_path / "fragebogen.yaml"
    content = Path(text).read_text(encoding="utf-8")
    content = content.replace(
        "en: [No description, A few sketches, One journey is described, ",
        "en: [No description, A few sketches, ",
    )
    broken.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"D4\.1\.anchors"):
        assess(answers(uniform({})), questionnaire=broken)


# --- demo clients (docs/demo-data.md) --------------------------------------------


@pytest.fixture(scope="module")
def demo():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return {
            c: prepare(c)[1].maturity
            for c in ("stadtwerke-lindenau", "berger-haustechnik", "cafe-bohnenglueck")
        }


def test_utility_first_wave(demo):
    data = demo["stadtwerke-lindenau"]
    result = assess(data[data["wave"] == "2025-Q2"])
    expected = [76.0, 60.9, 66.7, 61.5, 50.0, 39.1, 58.3, 33.3]
    assert result.dimensions["score"].round(1).tolist() == expected
    assert round(result.index, 1) == 55.7
    assert result.stage == 3 and result.profile == "fortgeschritten"
    flagged = set(result.disagreements["item"])
    assert flagged == {"D2.2", "D6.1", "D6.2", "D8.1", "D8.2", "D8.3"}
    items = result.items.set_index("item")
    for item in ("D8.1", "D8.2", "D6.2"):  # planted: IT vs Vertrieb, department means ≥ 2 apart
        assert items.loc[item, "dept_high"] == "Vertrieb"
        assert items.loc[item, "dept_gap"] >= 2
        assert "IT" in items.loc[item, "low_departments"].split(", ")
    assert int(result.dimensions["n_missing"].sum()) == 2


def test_utility_second_wave_is_headline_and_capped(demo):
    result = assess(demo["stadtwerke-lindenau"])
    assert result.wave == "2025-Q4"
    assert round(result.index, 1) == 61.9
    assert result.raw_stage == 4 and result.stage == 3 and result.capped
    assert result.weakest == "D8"
    change = result.changes.set_index("dimension")["change"].round(1)
    assert change[["D3", "D5", "D6", "index"]].tolist() == [17.7, 18.8, 11.9, 6.2]
    expected = {"D1.3", "D2.1", "D2.2", "D2.3", "D5.1", "D6.1", "D8.1", "D8.2", "D8.3"}
    assert set(result.disagreements["item"]) == expected


def test_craft_is_einsteiger(demo):
    result = assess(demo["berger-haustechnik"])
    expected = [21.7, 28.3, 50.0, 41.1, 42.9, 41.7, 23.2, 46.7]
    assert result.dimensions["score"].round(1).tolist() == expected
    assert round(result.index, 1) == 36.9 and result.stage == 2
    assert result.profile == "einsteiger"
    assert int(result.dimensions["n_missing"].sum()) == 4
    assert set(result.disagreements["item"]) == {"D5.2", "D7.1", "D7.3"}
    assert {f.dimension for f in result.fields_of_action} == {"D1", "D2", "D7"}


def test_cafe_in_between(demo):
    result = assess(demo["cafe-bohnenglueck"])
    assert round(result.index, 1) == 47.9 and result.stage == 3
    assert result.dimensions["score"].round(1).tolist() == [
        61.1, 48.6, 54.2, 51.5, 37.5, 43.1, 48.5, 38.9,
    ]  # fmt: skip
    assert set(result.disagreements["item"]) == {"D3.3", "D4.1", "D7.2"}
    assert int(result.dimensions["n_missing"].sum()) == 2


# --- output --------------------------------------------------------------------


def test_to_frame_summary_and_plots(demo):
    from cxlib.maturity.plots import heatmap, radar, waves

    result = assess(demo["stadtwerke-lindenau"])
    frame = result.to_frame()
    assert frame.columns.tolist() == ["dimension", "score", "stage", "spread", "n_answers"]
    assert frame["dimension"].iloc[-1] == "index"
    assert frame["n_answers"].iloc[-1] == 191  # 192 answers, 1 "weiß nicht" in 2025-Q4
    html = result.summary("en")._repr_html_()
    assert "Technology &amp; data integration" in html
    for draw in (radar, heatmap, waves):
        ax = draw(result, lang="de")
        try:
            assert ax.figure is not None
        finally:
            plt.close(ax.figure)
    ax = result.plot()
    try:
        lines = ax.get_lines()
        assert len(lines) == 3  # reference, previous wave, client
        assert list(lines[-1].get_ydata())[:8] == pytest.approx(result.dimensions["score"].tolist())
    finally:
        plt.close(ax.figure)


def test_unknown_item_in_a_loaded_file_names_file_row_and_column(tmp_path):
    """The loader remembers where each answer came from; assess() names it."""
    from cxlib.io.loading import read_table
    from cxlib.parameters.schema import DataFile

    lines = ["Teilnehmer;Abteilung;Aussage;Bewertung"]
    lines += [f"P1;Vertrieb;D{d}.{k};2" for d in range(1, 9) for k in range(1, 4)]
    lines.insert(5, "P1;Vertrieb;D9.1;3")  # line 6 of the file
    (tmp_path / "reifegrad.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    answers = read_table("maturity", DataFile(file="reifegrad.csv"), tmp_path).frame
    with pytest.raises(MaturityDataError) as info:
        assess(answers)
    [problem] = info.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "reifegrad.csv",
        6,
        "Aussage",
        "D9.1",
    )


def test_radar_legend_names_client_wave_or_result_never_none(demo):
    from cxlib.maturity.plots import radar

    result = assess(demo["stadtwerke-lindenau"])
    single = dataclasses.replace(result, wave=None, waves=(None,))
    cases = [
        (result, "Stadtwerke", f"Stadtwerke ({result.wave})"),
        (single, "Stadtwerke", "Stadtwerke"),
        (single, "", "Ergebnis"),
    ]
    for res, client, expected in cases:
        ax = radar(res, lang="de", client=client)
        try:
            labels = [text.get_text() for text in ax.get_legend().get_texts()]
        finally:
            plt.close(ax.figure)
        assert expected in labels and not any("None" in label for label in labels)
