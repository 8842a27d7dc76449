"""The KPI section: blocks by name in report order, what each shows, statements, no file of its own.

What a block shows for a demo client follows from the client's data as
docs/demo-data.md describes them (which tables, which survey groupings, how
many answers a month), recounted here from the raw tables.
"""

from __future__ import annotations

import json
import re
import warnings
from html import escape

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from cxlib import kpis
from cxlib.io.loading import load_client_data
from cxlib.kpis.comparisons import DIMENSIONS
from cxlib.kpis.readings import ppd_reading
from cxlib.parameters.files import load_parameters
from cxlib.report.section import Section, UnknownBlockError, check_block_names
from cxlib.texts import t
from cxlib.workbook import Workbook

#: The KPI section's blocks in report order (the order of notebook 03).
ORDER = (
    "table",
    "notes",
    "ppd",
    "groups",
    "more_groups",
    "trend",
    "retention",
    "cohorts",
    "economics",
    "value_at_risk",
    "customer_base",
    "drivers",
    "warning",
    "call_backs",
    "themes",
)


@pytest.fixture(scope="module")
def clients(project):
    """Per demo client: parameters, loaded data, baseline and German section."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for client in ("stadtwerke-lindenau", "berger-haustechnik", "cafe-bohnenglueck"):
            params = load_parameters(project / "parameters" / f"{client}.yaml")
            data = load_client_data(params)
            base = kpis.analyse(params, data)
            out[client] = (params, data, base, kpis.section(base, "de"))
    return out


def html(shown) -> str:
    return "".join(item.data for item in shown)


def groupings(survey: pd.DataFrame) -> list[str]:
    """The survey's comparison dimensions with at least two groups."""
    return [d for d in DIMENSIONS if d in survey and survey[d].nunique() >= 2]


def test_blocks_in_report_order(clients):
    for _params, _data, _base, section in clients.values():
        assert isinstance(section, Section) and section.id == "kpi"
        assert section.names == ORDER


def test_an_unknown_block_raises(clients):
    section = clients["stadtwerke-lindenau"][3]
    with pytest.raises(UnknownBlockError, match=r"kpi.*tabel"):
        section.show("tabel")


def test_blocks_are_built_when_shown_and_close_their_charts(clients):
    _params, _data, base, _section = clients["stadtwerke-lindenau"]
    _base = base
    plt.close("all")
    section = kpis.section(base, "de")
    assert plt.get_fignums() == []  # no chart drawn before a block is shown
    shown = section.show("ppd")
    assert plt.get_fignums() == []  # the chart is an image now, its figure closed
    image = shown.items[1].data
    assert image.startswith('<figure class="cx-figure"><img src="data:image/svg+xml;base64,')
    # the alt text states the chart's finding (its reading), not just the heading
    alt = re.search(r'alt="([^"]*)"', image).group(1)
    assert alt != t("kpis.headings.ppd", "de")
    assert escape(ppd_reading(_base, "de")) in alt


def test_the_utility_shows_every_block(clients):
    _params, data, base, section = clients["stadtwerke-lindenau"]
    for name in ORDER:
        # the purchase model is for clients without contracts (test_clv_report)
        assert len(section.show(name)) > 0 or name == "customer_base", name
    # every grouping beside the charted one: heading, table, reading
    others = [d for d in groupings(data.get("survey")) if d != base.main_dimension()]
    assert len(others) >= 2  # segment and wave (docs/demo-data.md)
    assert len(section.show("more_groups")) == 3 * len(others)
    warning = html(section.show("warning"))
    flagged = f"{len(base.warning.flagged):,}".replace(",", ".")
    assert f"zeigten {flagged} von " in warning


def test_the_craft_client_shows_no_trend_other_groups_or_signals(clients):
    params, data, base, section = clients["berger-haustechnik"]
    survey = data.get("survey")
    # one grouping (touchpoint), charted: nothing is left for the tables
    assert groupings(survey) == ["touchpoint"] == [base.main_dimension()]
    assert len(section.show("more_groups")) == 0
    # 41 answers over a year: no month reaches min_n, so there is no trend chart
    per_month = survey["date"].dt.to_period("M").value_counts()
    assert (per_month >= params.analysis.min_n).sum() < 3
    assert len(section.show("trend")) == 0
    assert data.get("signals") is None
    assert len(section.show("warning")) == 0 and not section.exports
    for name in ("table", "ppd", "groups", "retention", "cohorts", "economics"):
        assert len(section.show(name)) > 0, name
    notes = html(section.show("notes"))
    assert "geringe Aussagekraft" in notes  # every group below small_n


def test_the_cafe_has_repurchase_instead_of_retention(clients):
    params, data, _base, section = clients["cafe-bohnenglueck"]
    assert params.business_model == "non_contractual"
    assert len(section.show("retention")) == 0 and len(section.show("cohorts")) == 0
    assert data.get("signals") is None and len(section.show("warning")) == 0
    economics = html(section.show("economics"))
    assert "Kunden ohne feste Laufzeit" in economics
    assert section.statements[2].text.startswith("Wiederkauf: ")


def test_a_client_without_data_gets_one_note(minimal_params):
    params = load_parameters(minimal_params)
    base = kpis.analyse(params, {})
    for lang in ("de", "en"):
        section = kpis.section(base, lang)
        retention = t("kpis.messages.key_none", lang)
        assert section.key_message == t("kpis.messages.key_no_survey", lang, retention=retention)
        assert section.statements == ()
        assert section.exports == {}
        assert section.figures == {"baseline": [], "comparisons": []}
        table = section.show("table")
        assert len(table) == 1 and t("kpis.notes.no_figures", lang) in table.items[0].data
        for name in ORDER[1:]:
            assert len(section.show(name)) == 0, name


def test_record_writes_figures_and_statements_and_no_list_of_its_own(clients, tmp_path):
    params, data, base, section = clients["stadtwerke-lindenau"]
    wb = Workbook(params, data, "de", tmp_path)
    wb.heading(section)
    wb.record(section)
    record = json.loads((tmp_path / "sections" / "03-kpi.json").read_text(encoding="utf-8"))
    assert record["subtitle"] == section.key_message
    assert [s["text"] for s in record["summary"]] == [s.text for s in section.statements]
    assert record["figures"]["nps"]["n"] == base.experience["nps"].n == 2520
    # the early warnings it counts are on the team's one list (the churn section writes it)
    assert base.warning.flagged and not list(tmp_path.glob("*.csv"))


def test_english_section_has_english_words(clients):
    _params, _data, base, _section = clients["stadtwerke-lindenau"]
    section = kpis.section(base, "en")
    assert section.key_message.startswith("Likelihood to recommend (NPS) −4")
    assert "rueckrufliste.csv" in t("kpis.readings.warning", "en", month="", flagged=1, customers=2)


def test_notebook_shows_every_block_once_in_order(clients, project):
    notebook = nbformat.read(project / "notebooks" / "03-kennzahlen.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    shown = [m for cell in code for m in re.findall(r'section\.show\("(\w+)"\)', cell.source)]
    check_block_names(clients["stadtwerke-lindenau"][3], shown)
    assert code[-1].source == "wb.record(section)"
    assert all(not cell.get("outputs") for cell in code)


def test_group_tables_are_sorted_by_value_not_alphabetically(clients):
    from cxlib.kpis.tables import comparison_frame

    _params, _data, base, _section = clients["stadtwerke-lindenau"]
    frame = comparison_frame(base, "de")
    column = next(c for c in frame.columns if c.startswith("NPS ("))
    shown = [v for v in frame[column] if v != "–"]
    values = [int(v.split()[0].replace("−", "-").replace("+", "")) for v in shown]
    assert len(values) >= 3
    assert values == sorted(values, reverse=True)
    # the groups without a value come last
    assert list(frame[column]).index(shown[-1]) == len(shown) - 1


def test_driver_names_come_from_the_label_map_never_the_raw_header():
    from cxlib.kpis.tables import item_label

    assert item_label("item_rechnung_verstaendlich") == "Rechnung verständlich"
    assert item_label("item_puenktlichkeit") == "Pünktlichkeit"
    assert item_label("item_preis_leistung") == "Preis-Leistung"
    assert item_label("item_puenktlichkeit", "en") == "Punctuality"
    # a question the map does not know: its own words, never "item_…" or underscores
    assert item_label("item_lieferung_schnell") == "Lieferung schnell"
