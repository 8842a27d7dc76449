"""The outer loop: recurring comment themes and the plan's pain points they belong to."""

from __future__ import annotations

import re
from html import unescape

import pandas as pd
import pytest

from cxlib.journeys.analysis import analyse
from cxlib.journeys.map_view import loop_table
from cxlib.journeys.outer_loop import half_year, outer_loop
from cxlib.kpis.analysis import comment_themes_of
from cxlib.texts import t
from cxlib.voice.codebook import load_codebook

from .demo_clients import demo_client


def test_half_years_are_labelled_by_calendar_half() -> None:
    dates = pd.Series(pd.to_datetime(["2025-06-30", "2025-07-01", None, "2024-01-01"]))
    assert half_year(dates).tolist()[:2] == ["2025-H1", "2025-H2"]
    assert pd.isna(half_year(dates).iloc[2])
    assert half_year(dates).iloc[3] == "2024-H1"


def _comments(rows: list[tuple[str, str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(date, theme, tone) per comment -> answered frame and hits frame."""
    answered = pd.DataFrame({"date": pd.to_datetime([r[0] for r in rows])})
    hits = pd.DataFrame(
        {
            "row": range(len(rows)),
            "theme": [r[1] for r in rows],
            "tone": [r[2] for r in rows],
            "mentions": 1,
        }
    )
    return answered, hits


def test_a_theme_recurs_only_when_often_negative_and_in_two_half_years() -> None:
    codebook = load_codebook()
    rows = [("2025-02-01", "preis", "negative")] * 12  # often, but one half-year only
    rows += [("2024-03-01", "rechnung", "negative")] * 6 + [
        ("2025-09-01", "rechnung", "negative")
    ] * 6
    rows += [("2024-03-01", "onboarding", "negative")] * 5 + [
        ("2025-09-01", "onboarding", "negative")
    ] * 4
    rows += [("2024-03-01", "digital", "positive")] * 20  # often, but not criticised
    answered, hits = _comments(rows)
    loop = outer_loop(answered, hits, codebook, None, min_n=10)
    assert loop.periods == 3 and loop.persistence_checked
    assert [(r.theme, r.negative, r.periods) for r in loop.themes] == [("rechnung", 12, 2)]
    assert loop.themes[0].comments == len(rows) and not loop.themes[0].pain_points
    html = unescape(loop_table(loop, "de").data)
    assert t("journeys.loop.no_pain", "de") in html


def test_with_one_half_year_the_count_alone_decides_and_the_report_says_so() -> None:
    rows = [("2025-02-01", "preis", "negative")] * 10 + [("2025-03-01", "preis", "neutral")]
    answered, hits = _comments(rows)
    loop = outer_loop(answered, hits, load_codebook(), None, min_n=10)
    assert not loop.persistence_checked
    assert [r.theme for r in loop.themes] == ["preis"]
    assert t("journeys.loop.one_period", "de") in unescape(loop_table(loop, "de").data)


def test_stadtwerke_recurring_themes_and_their_pain_points() -> None:
    params, data = demo_client("stadtwerke-lindenau")
    result = analyse(params, data)
    loop = result.loop
    # negative counts as the KPI section's comment themes count them (overall row)
    themes = comment_themes_of(params, data)
    overall = themes.frequency[themes.frequency["by"] == "all"].set_index("theme")
    # the half-years of the comments, counted here from the survey's dates
    survey = data.get("survey")
    commented = survey[survey["comment"].fillna("").str.strip() != ""]
    dates = commented["date"]
    spans = {f"{d.year}-H{1 + (d.month > 6)}" for d in dates}
    assert loop.periods == len(spans)
    expected = {
        theme for theme, row in overall.iterrows() if row["negative"] >= params.analysis.min_n
    }
    got = {r.theme for r in loop.themes}
    assert got <= expected  # the half-year rule can only remove themes
    for recurring in loop.themes:
        assert recurring.negative == overall.loc[recurring.theme, "negative"]
        assert recurring.comments == len(commented)
    # the bill theme recurs and belongs to the pain points about the bill and the instalment
    pains = list(result.plan.pain_points["text"])
    bill = next(r for r in loop.themes if r.theme == "rechnung")
    about_bill = {
        pains.index("Rechnung nach der Preisanpassung schwer nachvollziehbar") + 1,
        pains.index("Abschlag passt nicht zum Verbrauch, Nachzahlung überrascht") + 1,
    }
    assert set(bill.pain_points) == about_bill
    # a recurring theme no pain point names is shown as a cause the plan leaves open
    open_causes = [r for r in loop.themes if not r.pain_points]
    assert open_causes
    text = unescape(re.sub(r"<[^>]+>", " ", loop_table(loop, "de").data))
    assert text.count(t("journeys.loop.no_pain", "de")) == len(open_causes)


@pytest.mark.parametrize("client", ["cafe-bohnenglueck", "berger-haustechnik"])
def test_without_a_recurring_theme_the_block_says_so(client) -> None:
    """Café (71 comments) and Berger (13) have no theme with ten negative comments."""
    params, data = demo_client(client)
    loop = analyse(params, data).loop
    assert loop.comments and not loop.themes
    assert t("journeys.loop.none", "de") in unescape(loop_table(loop, "de").data)
