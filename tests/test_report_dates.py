"""One report date, one data cut-off, the run time only in the appendix; plan dates (issue 14).

The cover names the report date ("Berichtsdatum") and the data cut-off
("Datenstand"); the time of the program run appears only in the appendix's
reproducibility block, labelled as such. The 1-3-3 plan's dates are read
against the report date (weeks after it), and a measure that would already
have started by the report date is an issue of the plan, never a silently
overdue date.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cxlib.journeys.plan import build
from cxlib.journeys.view import section
from cxlib.parameters.schema import ClientParameters, JourneyOptions
from cxlib.report.render import render_report

from .results_factory import client_results
from .test_action_plan import workshop
from .test_report import make_notebook, make_params


def params_with_cutoff(tmp_path, lang: str) -> ClientParameters:
    data = make_params(tmp_path, lang=lang).model_dump()
    data["analysis"]["data_cutoff"] = "2025-12-31"
    data["source"] = tmp_path / "kunde.yaml"
    return ClientParameters.model_validate(data)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    # report date 31.01.2026, data up to 31.12.2025, the program ran on 02.12.2026 13:05 UTC
    generated = dt.datetime(2026, 12, 2, 13, 5, 9, tzinfo=dt.UTC)
    return {
        lang: render_report(
            make_notebook(),
            params_with_cutoff(tmp_path_factory.mktemp(lang), lang),
            client_results(generated_at=generated),
            lang,
        )
        for lang in ("de", "en")
    }


def cover(page: str) -> str:
    return page[page.index('class="cover"') : page.index("</section>")]


def test_cover_names_report_date_and_data_cut_off(pages):
    de, en = cover(pages["de"]), cover(pages["en"])
    assert "<dt>Berichtsdatum</dt><dd>31.01.2026</dd>" in de
    assert "<dt>Datenstand</dt><dd>31.12.2025</dd>" in de
    assert "<dt>Report date</dt><dd>31/01/2026</dd>" in en
    assert "<dt>Data cut-off</dt><dd>31/12/2025</dd>" in en
    assert "Stand<" not in de  # the ambiguous "Stand" is gone
    assert "02.12.2026" not in de  # the run time is not on the cover


def test_run_time_only_in_the_reproducibility_block(pages):
    de = pages["de"]
    block = de[de.index('id="sec-reproducibility"') :]
    assert "Erzeugt am (Programmlauf)" in block
    assert de.count("02.12.2026") == 1 and "02.12.2026" in block
    en = pages["en"]
    assert "Generated on (program run)" in en[en.index('id="sec-reproducibility"') :]
    assert en.count("02/12/2026") == 1


def test_summary_kicker_shows_the_report_date_not_the_run(pages):
    de = pages["de"]
    summary = de[de.index('class="summary"') : de.index("<main")]
    assert "31.01.2026" in summary and "02.12.2026" not in summary


def test_plan_dates_are_read_against_the_report_date():
    # measures start 02.02.2026, checks after 28, 35 and 42 days: 02.03., 09.03., 16.03.2026.
    # Report date 19.01.2026: 42, 49 and 56 days later = 6, 7 and 8 whole weeks.
    plan = build(
        workshop([28, 35, 42]),
        "startphase",
        "Startphase",
        JourneyOptions(),
        report_date=dt.date(2026, 1, 19),
        warn=False,
    )
    assert plan.complete
    assert plan.check_weeks() == (6, 8)
    assert plan.reading("de") == (
        "Drei Maßnahmen mit Verantwortlichen und Prüfterminen, 6 bis 8 Wochen nach dem "
        "Berichtsdatum (19.01.2026); der letzte Prüftermin ist der 16.03.2026. Ausgangswerte "
        "aus den Daten, wo berechenbar, sonst aus dem Workshop."
    )


def test_a_measure_starting_before_the_report_date_is_a_plan_issue():
    # the same plan in a report dated 16.02.2026: every start (02.02.) lies before it
    plan = build(
        workshop([28, 35, 42]),
        "startphase",
        "Startphase",
        JourneyOptions(),
        report_date=dt.date(2026, 2, 16),
        warn=False,
    )
    assert not plan.complete
    texts = plan.issue_texts("de")
    assert texts[0] == (
        "Maßnahme „Maßnahme 1“: Start 02.02.2026 liegt vor dem Berichtsdatum 16.02.2026; "
        "bitte die Termine im Workshop neu setzen."
    )
    assert len(texts) == 3


def test_demo_plan_reading_names_weeks_after_the_report_date(project):
    from cxlib.io.loading import load_client_data
    from cxlib.journeys.analysis import analyse
    from cxlib.parameters.files import load_parameters

    # Stadtwerke: report date 31.01.2026; checks 30.03., 23.03., 13.04.2026 = 58, 51 and
    # 72 days later: 7 to 10 whole weeks
    params = load_parameters(project / "parameters" / "stadtwerke-lindenau.yaml")
    result = analyse(params, load_client_data(params))
    assert result.plan.check_weeks() == (7, 10)
    shown = "".join(item.data for item in section(result, "de").show("plan"))
    assert "7 bis 10 Wochen nach dem Berichtsdatum (31.01.2026)" in shown
