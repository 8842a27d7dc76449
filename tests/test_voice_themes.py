"""Comment themes: frequencies with Wilson intervals, detractor/promoter tests, quotes, codebook.

Shares and intervals are checked against statsmodels' Wilson interval; the
tests of detractors against promoters on planted tables whose outcome is known
by construction (a large, a small-but-significant and a large-but-uncertain
difference); quotes and the report block against planted personal details and
HTML.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cxlib import kpis
from cxlib.voice.codebook import CodebookError, load_codebook
from cxlib.voice.themes import comment_themes, nps_group, shares_by_group
from cxlib.voice.themes_view import groups_frame, themes_block

from .demo_clients import demo_client

CODEBOOK = load_codebook()


def _survey(groups: list[tuple[int, int, str, str]]) -> pd.DataFrame:
    """(count, nps, comment, phase) blocks to one survey frame."""
    rows = [(nps, comment, phase) for count, nps, comment, phase in groups for _ in range(count)]
    return pd.DataFrame(rows, columns=["nps", "comment", "phase"])


def _html(items: list[object]) -> str:
    return "".join(str(getattr(item, "data", item)) for item in items)


def test_shares_and_wilson_intervals_by_hand():
    survey = _survey(
        [
            (12, 2, "Rechnung falsch", "Rechnung"),
            (8, 10, "Hotline sehr freundlich", "Service"),
            (20, 8, "Alles in Ordnung", "Service"),
            (5, 9, "", "Service"),  # no comment: not counted
        ]
    )
    result = comment_themes(survey, CODEBOOK, min_n=5)
    assert result is not None and (result.comments, result.coded) == (40, 20)
    frame = result.to_frame()
    bill = frame[(frame["by"] == "all") & (frame["theme"] == "rechnung")].iloc[0]
    low, high = proportion_confint(12, 40, method="wilson")
    assert (bill["mentions"], bill["n"]) == (12, 40)
    assert bill["share"] == pytest.approx(0.3)
    assert (bill["low"], bill["high"]) == (pytest.approx(low), pytest.approx(high))
    assert (bill["negative"], bill["positive"]) == (12, 0)
    # by NPS group: all 12 detractors name the bill, none of the 8 promoters
    groups = shares_by_group(result, "nps_group")
    assert list(groups.columns) == ["detractor", "passive", "promoter"]
    assert groups.loc["rechnung", "detractor"] == 1.0 and groups.loc["rechnung", "promoter"] == 0
    assert groups.loc["freundlichkeit", "promoter"] == 1.0
    # by phase: the friendly hotline is 8 of the 28 Service comments
    phases = shares_by_group(result, "phase")
    assert phases.loc["freundlichkeit", "Service"] == pytest.approx(8 / 28)


def test_nps_groups():
    scores = pd.Series([0, 6, 7, 8, 9, 10, None])
    assert list(nps_group(scores).fillna("-")) == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
        "-",
    ]


def test_a_theme_is_stated_only_with_a_significant_and_relevant_difference():
    survey = _survey(
        [
            # bill: 30 of 100 detractors, 5 of 100 promoters: 25 points, clearly significant
            (30, 3, "Abschlag viel zu hoch", "x"),
            (5, 10, "Abschlag viel zu hoch", "x"),
            # app: 4 of 100 against 1 of 100: 3 points, below the relevant 5
            (4, 3, "App stürzt ab", "x"),
            (1, 10, "App stürzt ab", "x"),
            # friendliness: 8 against 2: 6 points, relevant but not significant after Holm
            (8, 3, "Sehr freundlich", "x"),
            (2, 10, "Sehr freundlich", "x"),
            (58, 3, "Keine Angabe", "x"),
            (92, 10, "Weiter so", "x"),
        ]
    )
    result = comment_themes(survey, CODEBOOK, min_n=10)
    sep = result.separation.set_index("theme")
    assert set(sep.index) == {"rechnung", "digital", "freundlichkeit"}
    assert sep.loc["rechnung", "difference"] == pytest.approx(25.0)
    assert sep.loc["digital", "difference"] == pytest.approx(3.0)
    assert not sep.loc["digital", "relevant"]  # below MIN_DIFFERENCE
    assert sep.loc["freundlichkeit", "difference"] == pytest.approx(6.0)
    # Holm over three themes: the smallest p is multiplied by 3
    p = sep["p"].sort_values()
    assert sep.loc[p.index[0], "p_holm"] == pytest.approx(min(1.0, 3 * p.iloc[0]))
    assert sep.loc["freundlichkeit", "p_holm"] > 0.05
    assert result.separating == ("rechnung",) and result.separation_up() == ("rechnung",)


def test_a_significant_but_small_difference_is_not_stated():
    # 24 % against 20 % of 2,000 comments each: p < 0.01, but only 4 points
    survey = _survey(
        [
            (480, 2, "Rechnung falsch", "x"),
            (1520, 2, "Weiter so", "x"),
            (400, 10, "Rechnung falsch", "x"),
            (1600, 10, "Weiter so", "x"),
        ]
    )
    sep = comment_themes(survey, CODEBOOK).separation.set_index("theme")
    assert sep.loc["rechnung", "p_holm"] < 0.01
    assert not sep.loc["rechnung", "relevant"] and not sep.loc["rechnung", "different"]


def test_no_test_with_too_few_detractors_or_promoters():
    survey = _survey([(5, 2, "Rechnung falsch", "x"), (30, 10, "Hotline gut", "x")])
    result = comment_themes(survey, CODEBOOK, min_n=10)
    assert result.separation.empty and result.separating == ()
    text = _html(themes_block(result, "de"))
    assert "zu wenige Kommentare (je Gruppe mindestens 10, hier 5 und 30)" in text
    # the five detractors' share is no figure; the 30 promoters' is one
    frame = groups_frame(result, "de").set_index("Thema")
    assert pd.isna(frame.loc["Rechnung/Abschlag", "Kritiker"])
    assert frame.loc["Erreichbarkeit/Wartezeit", "Weiterempfehler"] == 1.0


def test_quotes_are_masked_short_and_never_mostly_personal():
    survey = _survey(
        [
            (1, 2, "Rechnung falsch, bitte melden: max.muster@example.de", "x"),
            (1, 2, "Rechnung: 0171 2345678 max.muster@example.de K-002789", "x"),
            (1, 2, "Rechnung falsch. " + "Sehr ärgerlich, wirklich. " * 10, "x"),
            (3, 2, "Die Rechnung ist falsch", "x"),
            (1, 10, "Rechnung war verständlich", "x"),
            (1, 5, "Rechnung kam spät", "x"),
        ]
    )
    quotes = comment_themes(survey, CODEBOOK).quotes["rechnung"]
    assert len(quotes) == 3
    joined = " ".join(quotes)
    assert "example.de" not in joined and "2345678" not in joined and "002789" not in joined
    assert "0171" not in joined and all(len(q) <= 160 for q in quotes)
    # one negative and one positive first; the most frequent negative one leads
    assert quotes[0] == "Die Rechnung ist falsch" and "Rechnung war verständlich" in quotes


def test_the_block_escapes_comments_and_reads_plainly():
    survey = _survey(
        [
            (30, 3, "Abschlag zu hoch <script>alert(1)</script>", "x"),
            (5, 10, "Abschlag zu hoch", "x"),
            (70, 3, "Weiter so", "x"),
            (95, 10, "Weiter so", "x"),
        ]
    )
    result = comment_themes(survey, CODEBOOK)
    html = _html(themes_block(result, "de"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    reading = "Kritiker nennen Rechnung/Abschlag häufiger als Weiterempfehler (30 % gegenüber 5 %"
    assert reading.replace(" %", "\u202f%") in html
    english = _html(themes_block(result, "en"))
    assert "Detractors name Bill/instalment more often than promoters" in english


def test_nothing_without_comments():
    assert comment_themes(pd.DataFrame({"nps": [1, 2]}), CODEBOOK) is None
    assert comment_themes(pd.DataFrame({"nps": [1], "comment": [" "]}), CODEBOOK) is None
    assert themes_block(None, "de") == []


def test_a_client_codebook_adds_themes_and_terms(tmp_path):
    own = tmp_path / "codebuch.yaml"
    own.write_text(
        "themes:\n"
        "  rechnung:\n"
        "    terms: [zählerstand]\n"
        "  atmosphaere:\n"
        "    label: {de: Atmosphäre, en: Atmosphere}\n"
        "    terms: [atmosphäre, ambiente, gemütlich]\n"
        "tone:\n"
        "  positive: [gemütlich]\n",
        encoding="utf-8",
    )
    codebook = load_codebook(own)
    assert codebook.ids[-1] == "atmosphaere" and "zählerstand" in codebook.theme("rechnung").terms
    assert codebook.theme("rechnung").label("de") == "Rechnung/Abschlag"
    result = comment_themes(
        pd.DataFrame({"comment": ["Schöne Atmosphäre", "Zählerstand falsch"]}), codebook
    )
    overall = result.overall().set_index("theme")
    assert overall.loc["atmosphaere", "positive"] == 1 and overall.loc["rechnung", "negative"] == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("themes:\n  neu:\n    terms: [wort]\n", "themes.neu: neues Thema ohne label"),
        ("themes:\n  preis:\n    terms: wort\n", "themes.preis.terms: erwartet eine nicht leere"),
        ("themes:\n  preis:\n    terms: [zwei wörter]\n", "themes.preis.terms[1]: „zwei wörter“"),
        ("themes:\n  preis:\n    termz: [x]\n", "themes.preis: unbekannte Schlüssel: termz"),
        ("themes: [\n", "YAML-Syntaxfehler"),
    ],
)
def test_codebook_errors_name_file_and_entry(tmp_path, text, message):
    own = tmp_path / "kaputt.yaml"
    own.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as error:
        load_codebook(own)
    assert str(own) in str(error.value) and message in str(error.value)


def test_a_missing_codebook_file():
    with pytest.raises(CodebookError, match="Datei nicht gefunden"):
        load_codebook("/nonexistent/codebuch.yaml")


def test_the_parameter_file_names_the_client_codebook(tmp_path):
    params, data = demo_client("cafe-bohnenglueck")
    own = tmp_path / "cafe-codebuch.yaml"
    own.write_text(
        "themes:\n  atmosphaere:\n    label: {de: Atmosphäre, en: Atmosphere}\n"
        "    terms: [atmosphäre]\n",
        encoding="utf-8",
    )
    voice = params.analysis.voice.model_copy(update={"codebook": str(own)})
    analysis = params.analysis.model_copy(update={"voice": voice})
    base = kpis.analyse(params.model_copy(update={"analysis": analysis}), data)
    assert "atmosphaere" in base.themes.themes
    survey = data.get("survey")
    expected = survey["comment"].fillna("").str.contains("Atmosphäre").sum()
    overall = base.themes.overall().set_index("theme")
    assert overall.loc["atmosphaere", "mentions"] == expected > 0


@pytest.mark.parametrize(
    "client", ["stadtwerke-lindenau", "cafe-bohnenglueck", "berger-haustechnik"]
)
def test_demo_clients_show_their_themes_without_personal_details(client):
    params, data = demo_client(client)
    survey = data.get("survey").copy()
    comments = survey["comment"].fillna("").astype(str)
    planted = "Rechnung falsch, Frau Kowalczyk, Tel. 0341 9876543, IBAN DE89370400440532013000"
    with_comment = comments.str.strip() != ""
    survey.loc[with_comment.idxmax(), "comment"] = planted
    tables = {name: data.get(name) for name in ("survey", "customers", "tickets")}
    tables["survey"] = survey
    base = kpis.analyse(params, {k: v for k, v in tables.items() if v is not None})
    result = base.themes
    assert result is not None and result.comments == int(with_comment.sum())
    html = _html(kpis.section(base, "de").show("themes"))
    for detail in ("Kowalczyk", "9876543", "DE89", "0532013000"):
        assert detail not in html
    # every quote is a (masked) comment of this client
    masked = set(comments)
    quotes = re.findall(r"<td>„([^„“<]*)“</td>", html)
    assert quotes
    for quote in quotes:
        assert quote.replace("&quot;", '"') in masked or "***" in quote


def test_stadtwerke_planted_comment_effect():
    # docs/demo-data.md: detractors' comments are negative texts with probability 0.85,
    # promoters' with 0.15; only the Service phase's negative texts are about reaching the
    # hotline, so reachability is named far more often by detractors than by promoters
    params, data = demo_client("stadtwerke-lindenau")
    result = comment_themes(data.get("survey"), CODEBOOK, min_n=params.analysis.min_n)
    assert result.comments == 308 and result.coded == 308
    up = result.separation_up()
    assert "erreichbarkeit" in up
    overall = result.overall().set_index("theme")
    assert overall.loc["erreichbarkeit", "positive"] == 0  # no positive text names it


def test_the_figures_for_results_json():
    import json

    from cxlib.kpis.view import figures

    params, data = demo_client("stadtwerke-lindenau")
    base = kpis.analyse(params, data)
    out = json.loads(json.dumps(figures(base)["comment_themes"]))
    assert (out["comments"], out["coded"]) == (base.themes.comments, base.themes.coded)
    assert out["separating"] == list(base.themes.separating)
    top = out["themes"][0]
    assert top["mentions"] == max(r["mentions"] for r in out["themes"])
    assert top["low"] < top["share"] < top["high"]
