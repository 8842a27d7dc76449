"""The client's HTML report: offline, escaped, in order, only deliberate outputs."""

from __future__ import annotations

import base64
import copy
import re
import warnings
from html import escape
from html.parser import HTMLParser

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cxlib.exceptions import CXWarning
from cxlib.parameters.schema import ClientParameters
from cxlib.report import blocks as display
from cxlib.report.render import notebook_html, render_report

from .results_factory import client_results

# A real (1 × 1 px) PNG.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e221bc330000000049454e44ae426082"
    )
).decode("ascii")
LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    '<rect width="40" height="40" fill="#0b6e4f"/></svg>'
)
MALICIOUS = "Berger & Söhne <script>alert(1)</script>"

RESULTS = {
    "sections": [
        {
            "id": "maturity",
            "title": "CX-Reifegrad",
            "subtitle": "Stufe 2 von 5 (Starten): Kennzahlen & Lernen ist das schwächste Feld.",
        },
        {
            "id": "kpi",
            "title": "Kennzahlen-Ausgangswerte",
            "subtitle": "Weiterempfehlung +12, aber jeder fünfte Kunde ist Kritiker.",
        },
    ],
    "summary": [
        {
            "text": "CX-Reifegrad: Stufe 2 von 5 (Starten), Index 34/100; schwächstes Feld: "
            "Kennzahlen & Lernen.",
            "light": "amber",
            "section": "maturity",
        },
        {
            "text": "Weiterempfehlung (NPS): +12 (95 %-Intervall −3 bis +27, n = 212).",
            "light": "green",
            "section": "kpi",
        },
        {
            "text": "Kündigungen: 18 % der Neukunden gehen in den ersten 6 Monaten.",
            "light": "red",
            "section": "kpi",
        },
        {
            "text": "Nächste Schritte: drei Maßnahmen bis 15.03.2026.",
            "light": "grey",
            "section": "maturity",
        },
        {
            "text": "Datenqualität: 21.240 Zeilen aus 2 Dateien gelesen, 12 davon verworfen.",
            "light": "green",
            "section": "appendix",
        },
    ],
    "data_quality": [
        {
            "table": "customers",
            "file": "kunden<1>.csv",
            "rows_read": 20000,
            "rows_rejected": 0,
            "missing": 12,
            "ignored_columns": "Name & Vorname",
            "reasons": "",
        },
        {
            "table": "survey",
            "file": "umfrage.xlsx",
            "rows_read": 1240,
            "rows_rejected": 12,
            "missing": 0,
            "ignored_columns": "",
            "reasons": "12 × Bewertung außerhalb 0–10",
        },
    ],
    "versions": {"cxlib": "0.1.0", "python": "3.11.7", "pandas": "3.0.0", "statsmodels": "0.14.4"},
    "input_hash": "3b9f" * 16,
    "generated_at": "2026-01-31T14:05:09+01:00",
}


def html_output(obj) -> nbformat.NotebookNode:
    return new_output(
        "display_data", data={"text/html": obj.data, "text/plain": "<IPython HTML object>"}
    )


def make_notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells.append(
        new_code_cell("client_id = 'INPUT_PARAMETERS'", metadata={"tags": ["parameters"]})
    )
    for section in RESULTS["sections"]:
        cell = new_code_cell("display.section_heading('INPUT_HEADING')")
        cell.outputs = [
            html_output(
                display.section_heading(section["id"], section["title"], section["subtitle"])
            )
        ]
        nb.cells.append(cell)
    chart = new_code_cell("plot_something()  # INPUT_CHART")
    chart.outputs = [
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure size 7x3>"}),
        new_output("stream", name="stderr", text="Traceback (most recent call last): STDERR_TEXT"),
        new_output("stream", name="stdout", text="STDOUT_TEXT debug print\n"),
    ]
    nb.cells.append(chart)
    broken = new_code_cell("1 / 0  # INPUT_BROKEN")
    broken.outputs = [
        new_output(
            "error",
            ename="ZeroDivisionError",
            evalue="division by zero",
            traceback=["Traceback (most recent call last):", "ZeroDivisionError: ERROR_TEXT"],
        )
    ]
    nb.cells.append(broken)
    removed = new_code_cell("INPUT_REMOVED", metadata={"tags": ["remove"]})
    removed.outputs = [html_output(display.reading("REMOVED_OUTPUT"))]
    nb.cells.append(removed)
    plain = new_code_cell("x")
    plain.outputs = [
        new_output("execute_result", data={"text/plain": "PLAIN_RESULT 42"}, execution_count=3),
        new_output("execute_result", data={"text/plain": "<Figure size 770x385 with 1 Axes>"}),
        new_output(
            "execute_result",
            data={
                "text/plain": "[<matplotlib.lines.Line2D at 0x7f1>,\n"
                " <matplotlib.lines.Line2D at 0x7f2>]"
            },
        ),
        new_output("execute_result", data={"text/plain": "Text(0.5, 1.0, 'Titel')"}),
    ]
    nb.cells.append(plain)
    nb.cells.append(
        new_markdown_cell("Ein **erklärender** Absatz mit [Quelle](https://example.com).")
    )
    return nb


def make_params(tmp_path, name: str = "Stadtwerke Musterstadt GmbH", lang: str = "de"):
    (tmp_path / "logo.svg").write_text(LOGO_SVG, encoding="utf-8")
    source = tmp_path / "kunde.yaml"
    source.write_text("# test\n", encoding="utf-8")
    return ClientParameters.model_validate(
        {
            "client": {"id": "muster", "name": name},
            "language": lang,
            "consultant": "Dr. Anna <Beispiel>",
            "report_date": "2026-01-31",
            "business_model": "contractual",
            "branding": {"logo": "logo.svg", "accent_color": "#0b6e4f"},
            "source": source,
        }
    )


class Attributes(HTMLParser):
    """Collects every tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Attributes()
    parser.feed(html)
    return parser.tags


@pytest.fixture(scope="module")
def report_de(tmp_path_factory) -> str:
    params = make_params(tmp_path_factory.mktemp("de"), name=MALICIOUS)
    return render_report(make_notebook(), params, client_results(**RESULTS), "de")


@pytest.fixture(scope="module")
def report_en(tmp_path_factory) -> str:
    params = make_params(tmp_path_factory.mktemp("en"), lang="en")
    return render_report(make_notebook(), params, client_results(**RESULTS), "en")


def test_document_head(report_de, report_en):
    assert report_de.startswith("<!DOCTYPE html>")
    assert '<html lang="de">' in report_de
    assert '<html lang="en">' in report_en
    assert '<meta charset="utf-8">' in report_de
    assert re.search(r"<title>Customer-Experience-Standortbestimmung – [^<]+</title>", report_de)
    assert "<style>" in report_de and "--accent: #0b6e4f" in report_de


def test_no_inputs_prompts_streams_or_errors(report_de):
    for text in ("INPUT_", "plot_something", "STDERR_TEXT", "STDOUT_TEXT", "Traceback"):
        assert text not in report_de
    assert "ZeroDivisionError" not in report_de and "ERROR_TEXT" not in report_de
    assert "In [" not in report_de and "Out[" not in report_de


def test_removed_cell_absent(report_de):
    assert "REMOVED_OUTPUT" not in report_de


def test_plain_text_fallback_but_not_accidental_reprs(report_de):
    assert re.search(r"<pre[^>]*>PLAIN_RESULT 42</pre>", report_de)
    assert "Figure size" not in report_de
    assert "Line2D" not in report_de and "Text(0.5" not in report_de


def test_markdown_cell_rendered(report_de):
    assert "<strong>erklärender</strong>" in report_de


def test_png_inlined_and_logo_as_data_uri(report_de):
    assert f'src="data:image/png;base64,{PNG}"' in report_de
    logo = base64.b64encode(LOGO_SVG.encode()).decode()
    assert f'src="data:image/svg+xml;base64,{logo}"' in report_de
    assert "<svg" not in report_de


def test_offline_no_external_references_no_scripts(report_de, report_en):
    for html in (report_de, report_en):
        assert "<script" not in html.lower()
        assert "<link" not in html.lower()
        assert "mathjax" not in html.lower() and "require.js" not in html.lower()
        for tag, attrs in tags(html):
            for name in ("src", "href"):
                value = attrs.get(name) or ""
                # "http:" rather than "http": base64 may spell "http" by chance, never ":"
                assert not re.search(r"https?:|^//", value, re.IGNORECASE), (tag, name, value)
                assert value.startswith(("#", "data:")) or not value, (tag, name, value)
            if tag == "img":
                assert (attrs.get("src") or "").startswith("data:image/")
                assert attrs.get("alt") is not None


def test_dangerous_outputs_are_neutralised():
    nb = new_notebook()
    cell = new_code_cell("x")
    cell.outputs = [
        new_output(
            "display_data",
            data={
                "text/html": '<script src="https://cdn.example/x.js"></script>'
                '<img src="https://example.com/a.png" onerror="alert(1)" alt="a">'
                '<a href="http://example.com">Quelle</a><p>OK_TEXT</p>'
            },
        ),
        new_output("display_data", data={"application/javascript": "alert('JS_OUTPUT')"}),
        new_output(
            "display_data",
            data={"application/javascript": "alert('JS_FIRST')", "text/html": "<p>HTML_TOO</p>"},
        ),
    ]
    nb.cells.append(cell)
    body = notebook_html(nb)
    assert "OK_TEXT" in body and "Quelle" in body and "HTML_TOO" in body
    assert "<script" not in body and "JS_OUTPUT" not in body and "JS_FIRST" not in body
    assert "http" not in body and "onerror" not in body


def test_page_order(report_de):
    order = [
        'class="cover"',
        'id="toc-title"',
        'id="sec-summary"',
        'id="sec-maturity"',
        'id="sec-kpi"',
        'id="sec-appendix"',
        'id="sec-method"',
        'id="sec-data-quality"',
        'id="sec-glossary"',
        'id="sec-reproducibility"',
    ]
    positions = [report_de.index(marker) for marker in order]
    assert positions == sorted(positions)
    for heading in ("Inhalt", "Management-Summary", "Anhang", "Datenqualität", "Begriffe"):
        assert f">{heading}</h" in report_de


def test_toc_links_match_section_ids(report_de):
    found = tags(report_de)
    ids = {attrs["id"] for _, attrs in found if attrs.get("id")}
    toc = report_de[report_de.index('<nav class="toc"') : report_de.index("</nav>")]
    links = [attrs["href"] for tag, attrs in tags(toc) if tag == "a"]
    assert [f"#sec-{s['id']}" for s in RESULTS["sections"]] == [
        link for link in links if link[5:] in {s["id"] for s in RESULTS["sections"]}
    ]
    for link in links:
        assert link.startswith("#") and link[1:] in ids, link


def test_summary_statements_with_traffic_lights(report_de):
    summary = report_de[report_de.index('id="sec-summary"') : report_de.index("<main class")]
    items = re.findall(r'<li class="stmt light-(\w+)">(.*?)</li>', summary, re.DOTALL)
    assert [light for light, _ in items] == [s["light"] for s in RESULTS["summary"]]
    words = {"green": "Im Soll", "amber": "Beobachten", "red": "Handlungsbedarf"}
    for (light, item), statement in zip(items, RESULTS["summary"], strict=True):
        assert escape(display.nobreak(statement["text"]), quote=False) in item
        if light in words:
            assert words[light] in item  # a word, not colour alone
        assert re.search(r'class="sym"[^>]*>[●▲■○]<', item)  # and a shape
    assert 'href="#sec-appendix"' in summary
    assert "n\u00a0=\u00a0212" in summary  # kept on one line


def test_client_text_is_escaped(report_de):
    assert "Berger &amp; Söhne &lt;script&gt;alert(1)&lt;/script&gt;" in report_de
    assert "Dr. Anna &lt;Beispiel&gt;" in report_de
    assert "kunden&lt;1&gt;.csv" in report_de and "Name &amp; Vorname" in report_de
    assert "<script>" not in report_de


def test_cover_date_and_appendix_german(report_de):
    cover = report_de[report_de.index('class="cover"') : report_de.index("</section>")]
    assert "31.01.2026" in cover
    assert "Customer-Experience-Standortbestimmung" in cover
    assert ">20.000<" in report_de and ">1.240<" in report_de  # data-quality numbers
    assert "Kunden" in report_de  # table label from the catalogue
    assert "3b9f" * 16 in report_de and "statsmodels" in report_de
    assert "31.01.2026, 14:05 Uhr" in report_de
    assert "weniger als 30 Antworten" in report_de and "Unter 10" in report_de
    assert "eingetragene Marken von Bain &amp; Company" in report_de


def test_english_variant(report_de, report_en):
    assert report_en != report_de
    assert "Customer Experience Assessment" in report_en
    assert "31/01/2026" in report_en and "31.01.2026" not in report_en
    for german in ("Management-Summary", "Anhang", "Inhalt", "Lesehilfe", "Beobachten"):
        assert german not in report_en
    for english in ("Management summary", "Appendix", "Contents", "Glossary", "Watch"):
        assert english in report_en
    assert ">20,000<" in report_en
    assert "registered trademarks of Bain &amp; Company" in report_en


def test_caller_notebook_unchanged(tmp_path):
    nb = make_notebook()
    before = copy.deepcopy(nb)
    render_report(nb, make_params(tmp_path), client_results(**RESULTS), "de")
    assert nb == before


def test_missing_section_heading_warns(tmp_path):
    results = {**RESULTS, "sections": [*RESULTS["sections"], {"id": "survival", "title": "X"}]}
    with pytest.warns(CXWarning, match="X"):
        render_report(make_notebook(), make_params(tmp_path), client_results(**results), "de")


def test_empty_report_is_small(tmp_path):
    minimal = {"sections": [], "summary": [], "data_quality": [], "versions": {}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about
        html = render_report(new_notebook(), make_params(tmp_path), client_results(**minimal), "de")
    assert len(html.encode("utf-8")) < 30_000
    assert "Es wurden keine Kundendaten eingelesen." in html


def test_png_logo_inlined_and_missing_logo_warns(tmp_path):
    params = make_params(tmp_path)
    (tmp_path / "logo.png").write_bytes(base64.b64decode(PNG))
    png_params = params.model_copy(
        update={"branding": params.branding.model_copy(update={"logo": "logo.png"})}
    )
    html = render_report(make_notebook(), png_params, client_results(**RESULTS), "de")
    assert f'class="cover-logo" src="data:image/png;base64,{PNG}"' in html
    gone = params.model_copy(
        update={"branding": params.branding.model_copy(update={"logo": "fehlt.svg"})}
    )
    with pytest.warns(CXWarning, match="Logo"):
        html = render_report(make_notebook(), gone, client_results(**RESULTS), "de")
    assert '<img class="cover-logo"' not in html


def test_markdown_image_without_alt_gets_the_report_language_alt_text():
    nb = new_notebook(cells=[new_markdown_cell(f'<img src="data:image/png;base64,{PNG}">')])
    de = notebook_html(nb, "de")
    en = notebook_html(nb, "en")
    alts = [re.search(r'<img[^>]*\balt="([^"]*)"', html).group(1) for html in (de, en)]
    assert alts[0] and alts[1] and alts[0] != alts[1]
    assert "No description has been provided" not in de
    assert "tabindex" not in de


def test_the_printed_footer_cannot_break_out_of_the_stylesheet():
    from cxlib.report.render import _css_string

    quoted = _css_string('Müller & "Söhne" </style><script>x</script>')
    assert quoted.startswith('"') and quoted.endswith('"')
    inner = quoted[1:-1]
    # no quote, no angle bracket, no ampersand left as such: escaped as CSS code points
    assert not any(ch in inner for ch in '"<>&')
    assert "Müller" in inner and "\\22 " in inner and "\\3c " in inner


@pytest.mark.parametrize("lang", ["de", "en"])
def test_notebooks_converted_one_by_one_give_the_report_of_all_converted_at_once(tmp_path, lang):
    from cxlib.report.render import joined_html, report_language
    from cxlib.runner.execution import combine

    cells = make_notebook().cells
    cells.insert(2, new_markdown_cell("## Zwischentitel\n\nText mit *Betonung* & <Zeichen>"))
    third = len(cells) // 3
    # handed over in the order the kernels finish, not in report order
    parts = {
        name: new_notebook(cells=chunk)
        for name, chunk in (
            ("03-c.ipynb", cells[2 * third :]),
            ("01-a.ipynb", cells[:third]),
            ("02-b.ipynb", cells[third : 2 * third]),
        )
    }
    params = make_params(tmp_path, lang=lang)
    words = report_language(params, lang)
    fragments = {name: notebook_html(part, words) for name, part in parts.items()}
    at_once = notebook_html(combine(parts), words)
    assert joined_html(fragments) == at_once
    assert "Zwischentitel" in at_once and "cx-section-head" in at_once
    results = client_results(**RESULTS)
    page = render_report(joined_html(fragments), params, results, lang)
    assert page == render_report(combine(parts), params, results, lang)
