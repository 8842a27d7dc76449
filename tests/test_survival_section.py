"""The churn section (cxlib.survival.view): blocks by name, words per language, exports.

Expected texts come from the catalogue (cxlib/texts/<lang>/survival.yaml) and
the reading functions; the section must show each in its block, in report
order, and say what is missing when there is no analysis.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import nbformat
import pandas as pd
import pytest

from cxlib import formatting as fmt
from cxlib import workbook
from cxlib.io.exports import write_excel_csv
from cxlib.report.section import Shown, UnknownBlockError, check_block_names
from cxlib.survival.analysis import SurvivalUnavailable, analyse
from cxlib.survival.readings import definition_note, group_reading
from cxlib.survival.risk_list import call_list, risk_list
from cxlib.survival.statements import key_message, statements
from cxlib.survival.team_list import TEAM_LIST_FILE, team_list
from cxlib.survival.view import BLOCKS, section
from cxlib.texts import t

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04-verbleibanalyse.ipynb"
#: Blocks with a sub-heading of their own, and its text key.
TITLES = {
    "curve": "survival.curve_title",
    "horizon": "survival.horizon_title",
    "logrank": "survival.logrank_title",
    "model": "survival.forest_title",
    "reasons": "survival.reasons_title",
    "drivers": "survival.drivers_title",
}
CHARTS = {"curve", "group", "model", "reasons"}


def html_of(shown: Shown) -> str:
    return "".join(str(getattr(item, "data", item)) for item in shown)


@pytest.fixture(scope="module")
def utility():
    return workbook.open_client("stadtwerke-lindenau")


@pytest.fixture(scope="module")
def result(utility):
    return analyse(utility.params, utility.data)


@pytest.fixture(scope="module", params=["de", "en"])
def shown(request, result):
    """Every block of the demo utility's section, shown once per language."""
    lang = request.param
    sec = section(result, lang)
    return lang, sec, {name: html_of(sec.show(name)) for name in sec.names}


def test_blocks_in_report_order(result) -> None:
    sec = section(result, "de")
    assert sec.id == "survival"
    assert sec.names == BLOCKS


def test_each_block_shows_its_own_content(result, shown) -> None:
    lang, sec, html = shown
    for name, key in TITLES.items():
        assert escape(t(key, lang)) in html[name], name
    assert escape(definition_note(result, lang)) in html["definition"]
    grouping = t(f"survival.groupings.{result.best_grouping}", lang)
    assert escape(t("survival.group_title", lang, grouping=grouping)) in html["group"]
    assert escape(group_reading(result, lang)) in html["group"]
    rows = len(sec.exports[TEAM_LIST_FILE])
    # recounted from the three sources: call-backs, the 100 highest risks (25 calls a week
    # for 4 weeks) and the customers with two or more early-warning signals
    backs = set(result.call_backs.rows["customer_id"].astype(str))
    risky = set(risk_list(result, lang).head(100).iloc[:, 0].astype(str))
    warned = set(result.warning.flagged)
    assert rows == len(backs | risky | warned)
    warnings = t("survival.risk_note_signals", lang, signals=fmt.integer(len(warned), lang))
    values = {
        "file": TEAM_LIST_FILE,
        "customers": fmt.integer(rows, lang),
        "call_backs": fmt.integer(len(backs), lang),
        "risks": fmt.integer(len(risky), lang),
        "both": fmt.integer(len(backs & risky), lang),
        "warnings": " " + warnings,
        "weeks": fmt.integer(-(-rows // 25), lang),
        "per_week": fmt.integer(result.calls_per_week, lang),
        "call_weeks": fmt.integer(result.call_weeks, lang),
        "active": fmt.integer(len(risk_list(result, lang)), lang),
    }
    assert escape(t("survival.risk_note", lang, **values)) in html["risk"]
    for name in sec.names:  # charts only where there is one, one each
        assert html[name].count("<img ") == (1 if name in CHARTS else 0), name


def test_an_unknown_block_raises(result) -> None:
    sec = section(result, "de")
    with pytest.raises(UnknownBlockError, match="definition, curve"):
        sec.show("chart")
    with pytest.raises(UnknownBlockError):
        sec.show("Definition")  # names are exact


def test_the_notebook_shows_every_block_in_order(result) -> None:
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]
    names = [m for source in cells for m in re.findall(r'section\.show\("(\w+)"\)', source)]
    check_block_names(section(result, "de"), names)
    assert cells[-1] == "wb.record(section)"


def test_key_message_statements_and_figures(result) -> None:
    de, en = section(result, "de"), section(result, "en")
    assert de.key_message == key_message(result, "de") != en.key_message
    assert list(de.statements) == statements(result, "de")
    assert [s.light for s in de.statements] == [s.light for s in en.statements]
    # figures are numbers: the same in both languages but for the name of a missing reason
    reasons = {lang: sec.figures["reasons_24_months"] for lang, sec in (("de", de), ("en", en))}
    assert reasons["de"][t("survival.reason_missing", "de")] == pytest.approx(
        reasons["en"][t("survival.reason_missing", "en")]
    )
    others = {k: v for k, v in de.figures.items() if k != "reasons_24_months"}
    assert others == {k: v for k, v in en.figures.items() if k != "reasons_24_months"}
    assert others["customers"] == result.data.n and others["available"] is True


def test_the_team_list_is_an_export_written_by_record(utility, result, tmp_path) -> None:
    sec = section(result, "de")
    assert list(sec.exports) == [TEAM_LIST_FILE]
    called = call_list(risk_list(result, "de"), result, "de")
    team = team_list(result.call_backs, called, 25, result.codebook, "de", result.warning).frame(
        "de"
    )
    pd.testing.assert_frame_equal(sec.exports[TEAM_LIST_FILE], team)
    wb = workbook.Workbook(utility.params, utility.data, "de", tmp_path / "run")
    wb.record(sec)
    expected = write_excel_csv(team, tmp_path / "expected.csv", "de")
    assert (tmp_path / "run" / TEAM_LIST_FILE).read_bytes() == expected.read_bytes()
    assert not (tmp_path / "run" / "risikoliste.csv").exists()  # one list, not two
    record = json.loads((tmp_path / "run" / "sections" / "04-survival.json").read_text())
    assert record["figures"]["customers"] == result.data.n
    assert len(record["summary"]) == len(sec.statements)


def test_without_a_model_there_is_no_risk_list(result) -> None:
    sec = section(replace(result, model=None, model_note="survival.model_none"), "en")
    # the team's list holds the call-backs and the early warnings, no risks
    backs = set(result.call_backs.rows["customer_id"].astype(str))
    warned = set(result.warning.flagged)
    assert len(sec.exports[TEAM_LIST_FILE]) == len(backs | warned)
    count = fmt.integer(len(backs), "en")
    note = t("survival.risk_note_none", "en", file=TEAM_LIST_FILE, call_backs=count)
    note += " " + t("survival.risk_note_signals", "en", signals=fmt.integer(len(warned), "en"))
    assert escape(note) in html_of(sec.show("risk"))
    empty = section(replace(result, model=None, call_backs=None, warning=None), "en")
    assert empty.exports == {}
    assert escape(t("survival.risk_note_empty", "en")) in html_of(empty.show("risk"))
    assert escape(t("survival.model_none", "en")) in html_of(sec.show("model"))


def test_early_ticket_groups_are_named_in_the_report_language(result) -> None:
    assert list(result.groups["early_tickets"].curves) == ["yes", "no"]  # no words in the result
    only = replace(result, tests={"early_tickets": result.tests["early_tickets"]})
    for lang in ("de", "en"):
        html = html_of(section(only, lang).show("group"))
        assert escape(t("survival.early_yes", lang, n=result.early[0])) in html
        assert escape(t("survival.early_no", lang, n=result.early[0])) in html


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("reason", ["customers", "events"])
def test_without_an_analysis_the_section_says_what_is_missing(reason, lang, tmp_path) -> None:
    cutoff = dt.date(2025, 12, 31)
    sec = section(SurvivalUnavailable(reason, cutoff), lang)
    assert sec.names == BLOCKS
    assert sec.key_message == t(f"survival.unavailable.{reason}.key_message", lang)
    note = t(f"survival.unavailable.{reason}.note", lang, cutoff=fmt.date(cutoff, lang))
    assert escape(note) in html_of(sec.show("definition"))
    assert all(len(sec.show(name)) == 0 for name in BLOCKS if name != "definition")
    assert sec.statements == () and sec.exports == {}
    assert sec.figures == {"available": False, "reason": reason}


def test_unavailable_notes_name_what_to_deliver() -> None:
    customers = SurvivalUnavailable("customers", dt.date(2025, 12, 31))
    assert "Kundentabelle" in html_of(section(customers, "de").show("definition"))
    assert "customers table" in html_of(section(customers, "en").show("definition"))
    events = SurvivalUnavailable("events", dt.date(2025, 12, 31))
    assert "31.12.2025" in html_of(section(events, "de").show("definition"))


def test_the_package_offers_the_contract() -> None:
    import cxlib.survival as survival
    from cxlib.survival import analysis, cox
    from cxlib.survival import section as exported  # the function, not the module

    assert survival.analyse is analysis.analyse
    assert exported is section
    assert callable(cox.fit)  # cxlib.survival.cox is the module


def test_the_risk_list_is_cut_to_the_team_s_capacity(result) -> None:
    """25 calls a week for 4 weeks (the defaults): the 100 highest risks, 25 per call week."""
    full = risk_list(result, "de")
    assert len(full) > 100  # Stadtwerke has thousands of active customers
    called = call_list(full, result, "de")
    assert (result.calls_per_week, result.call_weeks) == (25, 4)
    assert len(called) == 100
    week = called[t("survival.risk_week", "de")]
    assert week.tolist() == [w for w in (1, 2, 3, 4) for _ in range(25)]
    pd.testing.assert_frame_equal(called.drop(columns=week.name), full.head(100))
    probability = called.columns[3]
    assert called[probability].is_monotonic_decreasing
    # on the team's list: exactly these 100, with their probability and factors
    team = section(result, "de").exports[TEAM_LIST_FILE]
    risky = team[team[t("voice.list.reasons", "de")].str.contains("Kündigungsrisiko")]
    assert sorted(risky[t("voice.list.customer", "de")]) == sorted(full.head(100).iloc[:, 0])
    by_id = team.set_index(t("voice.list.customer", "de"))
    top = full.head(100).set_index(full.columns[0])
    assert by_id.loc[top.index, probability].tolist() == top[probability].tolist()


def test_a_team_that_can_call_everyone_gets_everyone(result) -> None:
    roomy = replace(result, calls_per_week=10**5, call_weeks=1)
    full = risk_list(roomy, "de")
    called = call_list(full, roomy, "de")
    assert len(called) == len(full) and set(called[t("survival.risk_week", "de")]) == {1}
    sec = section(roomy, "de")
    team = sec.exports[TEAM_LIST_FILE]
    # every active customer is planned; with the call-backs all in the first week
    assert set(team[t("survival.risk_week", "de")]) == {1}
    assert fmt.integer(len(full), "de") + " mit dem höchsten Risiko" in html_of(sec.show("risk"))
