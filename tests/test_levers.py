"""From findings to levers: the catalogue, its extension and the link of each finding to a lever.

A churn driver is linked only when the report's testing family confirms it
(verdict "finding"); the demo clients' planted effects give the expected
links (docs/demo-data.md: Stadtwerke's customers move house most often,
Umzug is a constant hazard, so it is the top churn reason and the seed's
moving assistant is its lever).
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from cxlib.journeys.analysis import analyse
from cxlib.journeys.levers import (
    DEFAULT_CATALOGUE,
    LeverCatalogueError,
    churn_reasons,
    link,
    load_levers,
    surviving_drivers,
)
from cxlib.journeys.map_view import lever_table
from cxlib.parameters.schema import COVARIATES
from cxlib.report.testing import Hypothesis, TestFamily
from cxlib.report_tests import report_tests
from cxlib.survival.drivers import COVARIATE_SIGNALS
from cxlib.texts import wording
from cxlib.voice.codebook import load_codebook

from .demo_clients import demo_client

CONTRACT_WORDS = re.compile(r"kündig|vertrag", re.IGNORECASE)


def test_the_catalogue_has_both_languages_and_only_known_themes_and_drivers() -> None:
    catalogue = load_levers()
    assert len(catalogue.levers) >= 10
    themes = set(load_codebook().ids)
    drivers = set(COVARIATES) | set(COVARIATE_SIGNALS)
    for lever in catalogue.levers:
        for lang in ("de", "en"):
            assert lever.text("label", lang) and lever.text("action", lang), lever.id
        assert set(lever.themes) <= themes, lever.id
        assert set(lever.drivers) <= drivers, lever.id
    # every theme of the default codebook has a lever: a top theme is never left without one
    assert themes <= {theme for lever in catalogue.levers for theme in lever.themes}


def test_the_catalogue_texts_carry_no_contract_words() -> None:
    """Lever texts reach every report, also those of clients without contracts."""
    for lever in load_levers().levers:
        for part in ("label", "action"):
            assert not CONTRACT_WORDS.search(lever.text(part, "de")), (lever.id, part)


def test_stadtwerke_top_churn_reason_umzug_links_to_the_moving_assistant() -> None:
    params, data = demo_client("stadtwerke-lindenau")
    customers = data.get("customers")
    churned = customers.loc[customers["end_date"].notna(), "churn_reason"].dropna()
    assert churned.value_counts().index[0] == "Umzug"  # counted here
    result = analyse(params, data, report_tests(params, data))
    assert result.levers.lever_of("reason", "Umzug") == "umzug"
    first_reason = next(f for f in result.levers.findings if f.kind == "reason")
    assert first_reason.key == "Umzug"
    assert first_reason.count == int((churned == "Umzug").sum())
    assert first_reason.n == len(churned)
    # the bill theme of the comments links to explaining the bill (the seed's energy case)
    assert result.levers.lever_of("theme", "rechnung") == "rechnung_erklaeren"


@pytest.mark.parametrize("client", ["stadtwerke-lindenau", "cafe-bohnenglueck"])
def test_only_drivers_the_report_family_confirms_are_linked(client) -> None:
    params, data = demo_client(client)
    tests = report_tests(params, data)
    result = analyse(params, data, tests)
    verdicts = tests.to_frame().set_index("id")["verdict"]
    linked = [f for f in result.levers.findings if f.kind == "driver"]
    assert linked, "the demo clients have confirmed churn drivers"
    for finding in linked:
        assert verdicts[finding.test] == "finding"
    not_findings = {
        test_id.split("/", 2)[2].partition(": ")[0]
        for test_id, verdict in verdicts.items()
        if test_id.startswith(("survival/cox/", "survival/signals/")) and verdict != "finding"
    }
    confirmed = {
        test_id.split("/", 2)[2].partition(": ")[0]
        for test_id, verdict in verdicts.items()
        if test_id.startswith(("survival/cox/", "survival/signals/")) and verdict == "finding"
    }
    assert not (not_findings - confirmed) & {f.key for f in linked}


def test_a_driver_that_does_not_survive_the_correction_is_never_linked() -> None:
    family = TestFamily.of(
        [
            Hypothesis("survival/cox/channel: Website", 1e-6),  # a finding
            Hypothesis("survival/cox/segment: Gewerbe", 1e-6, relevant=False),  # too small
            Hypothesis("survival/cox/early_tickets", 1e-6, enough=False),  # too few churns
            Hypothesis("survival/signals/silent", 0.04),  # raw p below 0.05, after Holm
            Hypothesis("survival/signals/usage_drop", 0.04),  # 2 · 0.04 = 0.08: not below
            Hypothesis("kpi/nps/segment/Gewerbe", 1e-6),  # not a churn test
        ]
    )
    assert family.p_adjusted("survival/signals/silent") == pytest.approx(0.08)
    assert surviving_drivers(family) == [("channel", "survival/cox/channel: Website")]
    links = link(load_levers(), family, None, ())
    assert [(f.kind, f.key) for f in links.findings] == [("driver", "channel")]
    # without a family no driver is linked, and the report says why
    alone = link(load_levers(), None, None, ())
    assert not alone.findings and not alone.drivers_judged
    assert "Testfamilie" in lever_table(alone, "de").data


def test_churn_reasons_count_only_churned_customers() -> None:
    import pandas as pd

    customers = pd.DataFrame(
        {
            "end_date": [pd.Timestamp("2025-01-01")] * 4 + [pd.NaT] * 3,
            "churn_reason": ["Umzug", "Umzug", "Preis", None, "Umzug", "Preis", "Preis"],
        }
    )
    assert churn_reasons(customers) == ([("Umzug", 2), ("Preis", 1)], 3)
    assert churn_reasons(customers.drop(columns="churn_reason")) == ([], 0)


def test_a_client_file_adds_levers_and_matches(tmp_path: Path) -> None:
    own = tmp_path / "hebel.yaml"
    own.write_text(
        "levers:\n"
        "  hausverkauf:\n"
        "    label: {de: Neue Eigentümer gewinnen, en: Win the new owners}\n"
        "    action: {de: Beim Verkauf den Käufer ansprechen., en: Approach the buyer.}\n"
        "    matches:\n"
        "      reasons: [Objekt verkauft]\n"
        "  umzug:\n"
        "    matches:\n"
        "      reasons: [Wegzug]\n",
        encoding="utf-8",
    )
    catalogue = load_levers(own)
    assert catalogue.sources == (str(DEFAULT_CATALOGUE), str(own))
    # the client's new lever comes after the defaults: the default moving lever keeps
    # "Objekt verkauft", the new match "Wegzug" is added to it
    assert catalogue.match("reason", "wegzug").id == "umzug"
    assert catalogue.match("reason", "Umzug").id == "umzug"
    assert catalogue.lever("hausverkauf").text("label", "en") == "Win the new owners"


def test_a_broken_client_file_names_the_entry(tmp_path: Path) -> None:
    own = tmp_path / "hebel.yaml"
    own.write_text(
        "levers:\n  neu:\n    matches: {reasons: Umzug}\n  umzug:\n    farbe: rot\n",
        encoding="utf-8",
    )
    with pytest.raises(LeverCatalogueError) as error:
        load_levers(own)
    message = str(error.value)
    assert "levers.neu.matches.reasons" in message
    assert "levers.neu: neuer Hebel ohne label und action" in message
    assert "levers.umzug: unbekannte Schlüssel: farbe" in message
    with pytest.raises(LeverCatalogueError, match="Datei nicht gefunden"):
        load_levers(tmp_path / "fehlt.yaml")


def test_the_cafe_lever_table_has_no_contract_words() -> None:
    params, data = demo_client("cafe-bohnenglueck")
    result = analyse(params, data, report_tests(params, data))
    lang = wording(params.language, params.business_model)
    html = lever_table(result.levers, lang).data
    assert result.levers.findings
    assert not CONTRACT_WORDS.search(unescape(re.sub(r"<[^>]+>", " ", html)))


def test_berger_sold_property_links_to_the_change_of_owner_not_to_moving_house() -> None:
    params, data = demo_client("berger-haustechnik")
    result = analyse(params, data, report_tests(params, data))
    assert result.levers.lever_of("reason", "Objekt verkauft") == "eigentuemerwechsel"
    assert "Umzug" not in unescape(lever_table(result.levers, "de").data)


def test_a_catalogue_with_many_problems_lists_thirty_and_counts_the_rest(tmp_path: Path) -> None:
    own = tmp_path / "hebel.yaml"
    own.write_text(
        "levers:\n" + "".join(f"  neu{i}:\n    phase: x\n" for i in range(35)), encoding="utf-8"
    )
    with pytest.raises(LeverCatalogueError) as error:
        load_levers(own)
    lines = str(error.value).splitlines()
    assert lines[0] == f"Hebelkatalog {own}: 35 Problem(e)"
    assert len([line for line in lines if line.startswith("  - ")]) == 30
    assert lines[-1] == "  … und 5 weitere"


def test_broken_yaml_names_the_catalogue_file(tmp_path: Path) -> None:
    own = tmp_path / "hebel.yaml"
    own.write_text("levers: [unclosed\n", encoding="utf-8")
    with pytest.raises(LeverCatalogueError, match="YAML-Syntaxfehler") as error:
        load_levers(own)
    assert str(own) in str(error.value)
