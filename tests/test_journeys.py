"""The journey selection rule (CX_METHOD.md "Journey selection", seed 003), branch by branch.

Every expected result is worked out by hand in the test from the rule as the
method states it: qualify only if all three mean ratings are ≥ 3; rank by
H·S·M; a tie goes to the Startphase if among the tied, else to higher
Schaden, then higher Häufigkeit; no qualifier or an uncertain rating →
Startphase.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from cxlib.exceptions import CXError
from cxlib.journeys import selection as journeys
from cxlib.journeys.selection import RatingError, from_workshop, select
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import JourneyOptions, Workshop
from cxlib.report import charts as plots

matplotlib.use("Agg")
PARAMETERS = Path(__file__).resolve().parent.parent / "parameters"


def ratings(*rows: tuple) -> pd.DataFrame:
    """Rows of (journey, H, S, M[, uncertain[, rater]])."""
    columns = ["journey", "frequency", "damage", "feasibility", "uncertain", "rater"]
    return pd.DataFrame([row + (False, "GF")[len(row) - 4 :] for row in rows], columns=columns)


def test_clear_winner_by_product() -> None:
    # products by hand: Startphase 4·3·4 = 48, Problemfall 3·5·4 = 60, Geldphase 5·4·4 = 80
    result = select(
        ratings(("Startphase", 4, 3, 4), ("Problemfall", 3, 5, 4), ("Geldphase", 5, 4, 4))
    )
    assert result.selected == "Geldphase"
    assert result.reason == "rule"
    ranking = result.to_frame()
    assert list(ranking["journey"]) == ["Geldphase", "Problemfall", "Startphase"]
    assert list(ranking["product"]) == [80, 60, 48]
    assert list(ranking["sum"]) == [13, 12, 11]
    assert list(ranking["rank"]) == [1, 2, 3]
    assert result.explanation("de") == (
        "Regel angewandt: 3 von 3 Journeys mit allen drei Werten mindestens 3; "
        "davon hat Geldphase das höchste Produkt H·S·M (80,0)."
    )


def test_tie_goes_to_the_startphase_when_it_is_among_the_tied() -> None:
    # 4·4·4 = 64 = 4·4·4; Geldphase has the same damage, so only the Startphase rule decides
    result = select(
        ratings(("Geldphase", 4, 4, 4), ("Startphase", 4, 4, 4), ("Problemfall", 2, 5, 5))
    )
    assert (result.selected, result.reason, result.tie_break) == ("Startphase", "tie", "fallback")
    assert "Vorrang" in result.explanation("de")


def test_tie_without_startphase_goes_to_higher_damage_then_frequency() -> None:
    # 5·4·4 = 80 = 4·5·4: Problemfall has the higher Schaden (5 > 4)
    result = select(
        ratings(("Geldphase", 5, 4, 4), ("Problemfall", 4, 5, 4), ("Startphase", 3, 3, 3))
    )
    assert (result.selected, result.reason, result.tie_break) == ("Problemfall", "tie", "damage")
    # 5·4·3 = 60 = 3·4·5, equal Schaden 4: Geldphase has the higher Häufigkeit (5 > 3)
    result = select(ratings(("Problemfall", 3, 4, 5), ("Geldphase", 5, 4, 3)))
    assert (result.selected, result.reason, result.tie_break) == ("Geldphase", "tie", "frequency")


def test_no_journey_qualifies_falls_back_to_the_startphase() -> None:
    # each journey has one mean below 3
    result = select(
        ratings(("Startphase", 2, 4, 4), ("Problemfall", 5, 5, 2), ("Geldphase", 4, 1, 5))
    )
    assert (result.selected, result.reason) == ("Startphase", "none_qualified")
    assert not result.ranking["qualified"].any()
    assert result.ranking["rank"].isna().all()
    assert "Startphase zuerst" in result.explanation("de")


def test_an_uncertain_rating_means_startphase_first() -> None:
    # by the product alone Geldphase (5·5·5) would win; one uncertain rating overrides it
    table = ratings(
        ("Startphase", 3, 3, 3, False, "Vertrieb"),
        ("Geldphase", 5, 5, 5, True, "Service"),
    )
    result = select(table)
    assert (result.selected, result.reason, result.rule_choice) == (
        "Startphase",
        "uncertain",
        "Geldphase",
    )
    text = result.explanation("de")
    assert "Service – Geldphase" in text and "fiele die Wahl nach der Regel auf Geldphase" in text


@pytest.mark.parametrize("bad", [0, 6, "vier", 3.5, None])
def test_invalid_rating_names_the_row(bad) -> None:
    table = ratings(("Startphase", 4, 4, 4), ("Geldphase", 4, 4, 4)).astype(object)
    table.loc[1, "damage"] = bad
    with pytest.raises(RatingError, match=r"Zeile 2 \(GF, Geldphase\), Spalte „damage“") as info:
        select(table)
    assert isinstance(info.value, CXError)


def test_missing_column_is_a_cx_error() -> None:
    with pytest.raises(RatingError, match="feasibility"):
        select(pd.DataFrame({"journey": ["A"], "frequency": [3], "damage": [3]}))


def test_several_raters_are_averaged_and_their_spread_kept() -> None:
    # Startphase: H (2+4)/2 = 3, S (3+5)/2 = 4, M (4+4)/2 = 4 → qualifies, 48
    # Geldphase:  H (5+5)/2 = 5, S (1+4)/2 = 2.5 → does not qualify although one rater gave 4
    table = ratings(
        ("Startphase", 2, 3, 4, False, "A"),
        ("Startphase", 4, 5, 4, False, "B"),
        ("Geldphase", 5, 1, 5, False, "A"),
        ("Geldphase", 5, 4, 5, False, "B"),
    )
    result = select(table, fallback="Problemfall")
    row = result.ranking.set_index("journey").loc["Startphase"]
    assert (row["frequency"], row["damage"], row["feasibility"], row["product"]) == (3, 4, 4, 48)
    assert (row["frequency_min"], row["frequency_max"], row["raters"]) == (2, 4, 2)
    assert (result.selected, result.reason) == ("Startphase", "rule")
    shown = result.table("de")
    assert shown.loc[0, "Häufigkeit"] == "3 (2–4)"


def test_renamed_journeys_and_a_configured_fallback() -> None:
    table = ratings(("Erste Wochen", 2, 2, 2), ("Störfall", 2, 5, 5))
    result = select(table, fallback="erste wochen")
    assert (result.selected, result.reason) == ("Erste Wochen", "none_qualified")


def test_client_with_renamed_phases_from_the_parameter_file() -> None:
    workshop = Workshop.model_validate(
        {
            "phases": ["Anfrage", "Erste Wochen", "Betrieb", "Störung", "Abrechnung"],
            "journeys": [
                {
                    "id": "ankommen",
                    "name": "Ankommen",
                    "phases": ["Erste Wochen"],
                    "ratings": [
                        {"participant": "GF", "haeufigkeit": 2, "schaden": 2, "machbarkeit": 5}
                    ],
                },
                {
                    "id": "stoerfall",
                    "name": "Störfall",
                    "phases": ["Störung"],
                    "ratings": [
                        {"participant": "GF", "haeufigkeit": 2, "schaden": 5, "machbarkeit": 2}
                    ],
                },
            ],
        }
    )
    result = from_workshop(workshop, JourneyOptions(fallback="ankommen"))
    assert (result.selected, result.reason) == ("Ankommen", "none_qualified")
    with pytest.raises(ValueError, match="Onboarding"):
        Workshop.model_validate(
            {
                "phases": ["Anfrage"],
                "journeys": [{"id": "a", "name": "A", "phases": ["Onboarding"]}],
            }
        )


def test_robust_and_close_choices() -> None:
    # A 5·5·5 = 125 vs B 3·3·3 = 27: one point anywhere cannot change the choice
    assert select(ratings(("A", 5, 5, 5), ("B", 3, 3, 3)), fallback="B").robust
    # A 4·4·4 = 64 vs B 5·4·3 = 60: B's Machbarkeit one point higher gives 5·4·4 = 80 > 64
    close = select(ratings(("A", 4, 4, 4), ("B", 5, 4, 3)), fallback="X")
    assert close.selected == "A" and not close.robust
    assert any(f == journeys.Flip("B", "feasibility", 1, "B") for f in close.flips)
    # one point lower on A's Häufigkeit: 3·4·4 = 48 < 60 → B as well
    assert journeys.Flip("A", "frequency", -1, "B") in close.flips
    assert "knapp" in close.headline("de")


def test_demo_workshops_select_the_documented_journeys() -> None:
    """docs/demo-data.md: utility → Geldphase, craft → Problemfall, café → Startphase (unsicher)."""
    expected = {
        "stadtwerke-lindenau": ("Geldphase", "rule", (4.5, 4.5, 3.5)),
        "berger-haustechnik": ("Problemfall", "rule", (13 / 3, 14 / 3, 11 / 3)),
        "cafe-bohnenglueck": ("Startphase", "uncertain", (4.5, 3.75, 4.25)),
    }
    for client, (journey, reason, means) in expected.items():
        params = load_parameters(PARAMETERS / f"{client}.yaml")
        result = from_workshop(params.workshop, params.analysis.journey)
        assert (result.selected, result.reason) == (journey, reason), client
        row = result.chosen_row
        assert tuple(row[["frequency", "damage", "feasibility"]]) == pytest.approx(means)
    berger = from_workshop(*_workshop("berger-haustechnik"))
    assert berger.ranking["qualified"].sum() == 1  # the only qualifier
    utility = from_workshop(*_workshop("stadtwerke-lindenau"))
    assert utility.headline("de") == (
        "Empfohlene Fokus-Journey: Geldphase (Häufigkeit 4,5, Schaden 4,5, Machbarkeit 3,5); "
        "Auswahl robust."
    )


def _workshop(client: str):
    params = load_parameters(PARAMETERS / f"{client}.yaml")
    return params.workshop, params.analysis.journey


def test_summary_escapes_and_plot_highlights_the_choice() -> None:
    plots.apply_style("#00704a")
    result = select(ratings(("<b>Geldphase</b>", 5, 4, 4), ("Startphase", 3, 3, 3)))
    html = result.summary("de").data
    assert "&lt;b&gt;Geldphase&lt;/b&gt;" in html and "<b>Geldphase" not in html
    ax = result.plot()
    colours = [tuple(c.get_facecolor()[0][:3]) for c in ax.collections]
    accent = matplotlib.colors.to_rgb("#00704a")
    grey = matplotlib.colors.to_rgb(plots.GREY)
    assert colours == [pytest.approx(accent), pytest.approx(grey)]
    assert ax.get_xlabel().startswith("Häufigkeit")
    assert result.plot(lang="en").get_xlabel().startswith("Frequency")
    matplotlib.pyplot.close("all")
