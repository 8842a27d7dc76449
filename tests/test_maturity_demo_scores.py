"""The demo clients' maturity scores recomputed from the raw files, independently of cxlib.

The raw answer files (data/<client>/) are read with plain pandas, the questionnaire
(cxlib/maturity/data/maturity_questionnaire.yaml) with a YAML reader, and the
documented formula is applied by hand (CX_METHOD.md, "Maturity"):

* dimension score = mean item score (over items and respondents) / 4 × 100,
  an empty score ("weiß nicht") is left out, not counted as 0;
* index = weighted mean of the dimension scores (weights from the questionnaire);
* stages 1-5 with the cut-offs 20/40/60/80, a value on a cut-off belongs to the
  higher stage; the overall stage is at most the weakest dimension's stage + 1;
* disagreement: answers to one item ≥ 2 points apart;
* type: the typing group (einsteiger D1, D2, D7 / fortgeschritten D6, D8) with the
  lower mean score.

The results must equal :func:`cxlib.maturity.assess` on the loaded data and the
realised numbers in docs/demo-data.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ruamel.yaml import YAML

from cxlib.io.loading import load_client_data
from cxlib.maturity import assess
from cxlib.parameters.files import load_parameters

PROJECT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = PROJECT / "cxlib" / "maturity" / "data" / "maturity_questionnaire.yaml"
CUTOFFS = (20, 40, 60, 80)


def read_raw(client: str) -> pd.DataFrame:
    """The raw answers as respondent, department, item, score (float, NaN = empty), wave."""
    folder = PROJECT / "data" / client
    if client == "stadtwerke-lindenau":
        raw = pd.read_csv(folder / "reifegrad.csv", sep=";", dtype=str, keep_default_na=False)
        names = {"Teilnehmer": "respondent", "Abteilung": "department", "Aussage": "item"}
        frame = raw.rename(columns={**names, "Bewertung": "score", "Welle": "wave"})
    elif client == "berger-haustechnik":
        raw = pd.read_excel(folder / "reifegrad_workshop.xlsx", sheet_name="Reifegrad")
        names = {"Person": "respondent", "Bereich": "department", "Frage": "item"}
        frame = raw.rename(columns={**names, "Punkte": "score"}).assign(wave="")
    else:
        frame = pd.read_csv(folder / "maturity.csv", dtype=str, keep_default_na=False)
        frame = frame.assign(wave="")
    frame["score"] = pd.to_numeric(frame["score"].replace("", np.nan)).astype(float)
    return frame


def questionnaire() -> dict:
    return YAML(typ="safe").load(QUESTIONNAIRE.read_text(encoding="utf-8"))


def stage(score: float) -> int:
    return 1 + sum(round(score, 9) >= cut for cut in CUTOFFS)


def by_hand(frame: pd.DataFrame) -> dict:
    """The documented formula applied to one wave of raw answers."""
    q = questionnaire()
    item_dimension = {i["id"]: d["id"] for d in q["dimensions"] for i in d["items"]}
    weights = {d["id"]: float(d["weight"]) for d in q["dimensions"]}
    order = [d["id"] for d in q["dimensions"]]
    answered = frame.dropna(subset=["score"])
    dimension = answered["item"].map(item_dimension)
    scores = (answered["score"].groupby(dimension).mean() / 4 * 100).reindex(order)
    index = sum(scores[d] * weights[d] for d in order) / sum(weights.values())
    raw_stage = stage(index)
    weakest_stage = min(stage(s) for s in scores)
    spread = answered.groupby("item")["score"].agg(lambda s: s.max() - s.min())
    groups = {g: np.mean([scores[d] for d in members]) for g, members in q["typing"].items()}
    return {
        "scores": scores.to_numpy(),
        "index": index,
        "raw_stage": raw_stage,
        "stage": min(raw_stage, weakest_stage + 1),
        "disagreements": set(spread.index[spread >= 2]),
        "missing": int(frame["score"].isna().sum()),
        "profile": "einsteiger"
        if groups["einsteiger"] <= groups["fortgeschritten"]
        else "fortgeschritten",
    }


#: docs/demo-data.md, realised numbers (rounded to one decimal there).
DOCUMENTED = {
    ("stadtwerke-lindenau", "2025-Q2"): (
        [76.0, 60.9, 66.7, 61.5, 50.0, 39.1, 58.3, 33.3],
        55.7,
        3,
        "fortgeschritten",
    ),
    ("stadtwerke-lindenau", "2025-Q4"): (
        [77.1, 60.9, 84.4, 59.4, 68.8, 51.0, 57.3, 36.5],
        61.9,
        3,
        "fortgeschritten",
    ),
    ("berger-haustechnik", ""): (
        [21.7, 28.3, 50.0, 41.1, 42.9, 41.7, 23.2, 46.7],
        36.9,
        2,
        "einsteiger",
    ),
    ("cafe-bohnenglueck", ""): ([61.1, 48.6, 54.2, 51.5, 37.5, 43.1, 48.5, 38.9], 47.9, 3, None),
}


@pytest.mark.parametrize(("client", "wave"), list(DOCUMENTED), ids=lambda v: v or "-")
def test_scores_recomputed_from_the_raw_file_match_assess_and_the_docs(client: str, wave: str):
    raw = read_raw(client)
    expected = by_hand(raw[raw["wave"] == wave])

    params = load_parameters(PROJECT / "parameters" / f"{client}.yaml")
    answers = load_client_data(params).get("maturity")
    if wave:
        answers = answers[answers["wave"] == wave]
    result = assess(answers)

    assert result.dimensions["score"].to_numpy() == pytest.approx(expected["scores"])
    assert result.index == pytest.approx(expected["index"])
    assert (result.raw_stage, result.stage) == (expected["raw_stage"], expected["stage"])
    assert result.capped == (expected["stage"] < expected["raw_stage"])
    assert set(result.disagreements["item"]) == expected["disagreements"]
    assert int(result.dimensions["n_missing"].sum()) == expected["missing"]
    assert result.profile == expected["profile"]

    scores, index, documented_stage, profile = DOCUMENTED[(client, wave)]
    assert np.round(expected["scores"], 1).tolist() == scores
    assert round(expected["index"], 1) == index and expected["stage"] == documented_stage
    assert profile in (None, expected["profile"])


def test_headline_of_two_waves_is_the_latest_and_changes_are_the_differences():
    raw = read_raw("stadtwerke-lindenau")
    first, latest = (by_hand(raw[raw["wave"] == w]) for w in ("2025-Q2", "2025-Q4"))
    params = load_parameters(PROJECT / "parameters" / "stadtwerke-lindenau.yaml")
    result = assess(load_client_data(params).get("maturity"))
    assert result.wave == "2025-Q4" and result.index == pytest.approx(latest["index"])
    changes = result.changes.set_index("dimension")["change"]
    assert changes.drop("index").to_numpy() == pytest.approx(latest["scores"] - first["scores"])
    assert changes["index"] == pytest.approx(latest["index"] - first["index"])
