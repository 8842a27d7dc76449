"""The report as a reader gets it: the three demo clients printed to PDF by Chromium.

The checks read the printed pages (pypdf: page size, text per page, images),
not the HTML: A4, page numbers and a running footer, charts as vector
graphics, the 1-3-3 plan on one page, no raw column names, the glossary
covering the technical terms the report uses. Without Chromium the PDF tests
are skipped; the run itself must still write the HTML report and say why the
PDF is missing (tested without Chromium on every machine).
"""

from __future__ import annotations

import os
import re
import unicodedata
import warnings
from pathlib import Path

import pytest

from cxlib.exceptions import CXWarning
from cxlib.report.pdf import ENV_VARIABLE, PdfOutcome, find_engine, pdf_requested, write_pdf
from cxlib.runner.run import run_client
from cxlib.texts import t

PROJECT = Path(__file__).resolve().parent.parent
CLIENTS = ("stadtwerke-lindenau", "cafe-bohnenglueck", "berger-haustechnik")
A4_POINTS = (595.3, 841.9)  # 210 × 297 mm in PDF points (1/72 in)
needs_chromium = pytest.mark.skipif(find_engine() is None, reason="Chromium fehlt")


def test_pdf_is_asked_for_by_parameter_or_environment(monkeypatch):
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    assert not pdf_requested(False)
    assert pdf_requested(True)
    monkeypatch.setenv(ENV_VARIABLE, "1")
    assert pdf_requested(False)


def test_a_missing_engine_gives_a_plain_reason_not_an_error(tmp_path: Path, monkeypatch):
    html = tmp_path / "report.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    monkeypatch.setenv("CXWB_CHROMIUM", "kein-chromium-hier")
    outcome = write_pdf(html, tmp_path / "report.pdf")
    assert outcome == PdfOutcome(None, t("report.pdf.no_engine", "de"))
    assert "apt-get install -y chromium" in (outcome.reason or "")
    assert not (tmp_path / "report.pdf").exists()


@pytest.mark.slow
def test_a_run_without_chromium_still_writes_the_html_and_says_why(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CXWB_CHROMIUM", "kein-chromium-hier")
    monkeypatch.setenv(ENV_VARIABLE, "1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_client(PROJECT / "parameters" / "berger-haustechnik.yaml", tmp_path)
    assert result.report is not None and result.report.is_file()
    assert not result.report.with_name("report.pdf").exists()
    reasons = [str(w.message) for w in caught if issubclass(w.category, CXWarning)]
    assert t("report.pdf.no_engine", "de") in reasons
    assert t("report.pdf.no_engine", "de") in result.report.with_name("run.log").read_text("utf-8")


# --- the printed demo reports -----------------------------------------------------------


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Path]:
    """The three demo clients run with ``CXWB_PDF=1``: client id → report folder."""
    if find_engine() is None:
        pytest.skip("Chromium fehlt")
    out = tmp_path_factory.mktemp("printed")
    before = os.environ.get(ENV_VARIABLE)
    os.environ[ENV_VARIABLE] = "1"
    try:
        folders = {}
        for client in CLIENTS:
            result = run_client(PROJECT / "parameters" / f"{client}.yaml", out)
            assert result.report is not None
            folders[client] = result.report.parent
    finally:
        if before is None:
            del os.environ[ENV_VARIABLE]
        else:
            os.environ[ENV_VARIABLE] = before
    return folders


def _pages(folder: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(folder / "report.pdf").pages]


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_the_pdf_is_a4_numbered_with_a_footer_and_the_same_content(printed, client):
    from pypdf import PdfReader

    folder = printed[client]
    reader = PdfReader(folder / "report.pdf")
    total = len(reader.pages)
    assert total > 5
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_POINTS[0]) < 1.5 and abs(height - A4_POINTS[1]) < 1.5
    pages = _pages(folder)
    # every page after the cover carries "n / total" and the client's name
    html = (folder / "report.html").read_text("utf-8")
    name = re.search(r'<p class="cover-client">([^<]+)</p>', html).group(1).replace("&amp;", "&")
    for number, text in enumerate(pages[1:], start=2):
        assert f"Seite {number} / {total}" in text
        assert name.split()[0] in text
    # the same content: every section heading of the HTML is printed
    headings = re.findall(r'<h2 id="sec-[^"]+">([^<]+)</h2>', html)
    printed_text = " ".join(" ".join(p.split()) for p in pages)
    for heading in headings:
        assert " ".join(heading.replace("&amp;", "&").split()) in printed_text


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_charts_are_printed_as_vectors_not_blurred_rasters(printed, client):
    from pypdf import PdfReader

    html = (printed[client] / "report.html").read_text("utf-8")
    charts = html.count('class="cx-figure"')
    assert charts >= 3
    assert "data:image/png" not in html.split('class="cover-logo"')[-1].split("</section>", 1)[-1]
    # no raster image in the PDF except a client's raster logo on the cover
    reader = PdfReader(printed[client] / "report.pdf")
    rasters = sum(len(page.images) for page in reader.pages[1:])
    assert rasters == 0


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_the_action_plan_prints_on_one_page(printed, client):
    pages = [" ".join(p.split()) for p in _pages(printed[client])]
    start = t("journeys.headings.pains", "de")
    end = t("journeys.plan.col.values", "de").split()[0]
    holding = [i for i, p in enumerate(pages) if start in p]
    assert len(holding) == 1
    page = pages[holding[0]]
    assert t("journeys.headings.measures", "de") in page and end in page
    # the three measures' check dates are on the same page as the pain points
    assert len(re.findall(r"\d\d\.\d\d\.\d{4}", page.split(start, 1)[1])) >= 3


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_no_raw_column_name_reaches_the_printed_page(printed, client):
    text = " ".join(" ".join(p.split()) for p in _pages(printed[client]))
    for raw in ("verstaendlich", "Puenktlichkeit", "Preis leistung", "preis_leistung"):
        assert raw not in text


#: Technical terms a reader meets in the German report → the glossary term that explains them.
GLOSSARY_TERMS = {
    "Konkordanz": "concordance",
    "Log-Rank": "logrank",
    "Holm": "holm",
    "Kundenmonat": "customer_months",
    "Top-2": "top2",
    "Voice of the Customer": "voc",
    "Cross-Sell": "cross_sell",
    "ARPU": "arpu",
    "CLV": "clv",
    "Cox": "cox",
    "Bootstrap": "bootstrap",
    "Frühwarnsignal": "early_warning",
    "NPS": "nps",
    "CSAT": "csat",
    "CES": "ces",
}


def _body_and_glossary(html: str) -> tuple[str, str]:
    body, glossary = html.split('id="sec-glossary"', 1)
    return re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]*"', "", body)), glossary


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_every_technical_term_of_the_report_is_in_the_glossary(printed, client):
    html = (printed[client] / "report.html").read_text("utf-8")
    body, glossary = _body_and_glossary(html)
    used = [word for word in GLOSSARY_TERMS if word in body]
    assert {"Holm", "Voice of the Customer", "Top-2"} <= set(used)  # the list is not idle
    for word in used:
        term = t(f"report.appendix.glossary.terms.{GLOSSARY_TERMS[word]}.term", "de")
        assert f'<th scope="row">{term.replace("&", "&amp;")}</th>' in glossary, word


def _hex(colour: str) -> str:
    colour = colour.strip().lower()
    if re.fullmatch(r"#[0-9a-f]{3}", colour):
        colour = "#" + "".join(c * 2 for c in colour[1:])
    return colour


def _contrast(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio, computed here from the definition (not with cxlib's helper)."""

    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    low, high = sorted((luminance(_hex(first)), luminance(_hex(second))))
    return (high + 0.05) / (low + 0.05)


def _over_white(rgba: str) -> str:
    r, g, b, a = (float(x) for x in rgba.split(","))
    return "#" + "".join(f"{round(255 + (c - 255) * a):02x}" for c in (r, g, b))


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_all_text_colours_reach_wcag_aa_contrast(printed, client):
    html = (printed[client] / "report.html").read_text("utf-8")
    # shaded table cells: the background as printed (a tint over white) against the text colour
    cells = re.findall(
        r"background:\s*(#[0-9a-fA-F]{6}|rgba\(([^)]*)\));\s*color:\s*(#[0-9a-fA-F]{6})", html
    )
    assert cells, "no shaded table found"
    for background, rgba, ink in cells:
        shade = _over_white(rgba) if rgba else background
        assert _contrast(shade, ink) >= 4.5, (background, ink)
    # the traffic lights' symbols and words are text on white
    root = re.search(r":root \{([^}]*)\}", html).group(1)
    for name in ("green", "amber", "red", "grey"):
        colour = re.search(rf"--{name}: (#[0-9a-fA-F]{{6}})", root).group(1)
        assert _contrast(colour, "#ffffff") >= 4.5, name


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_no_leftovers_a_reader_would_stumble_over(printed, client):
    html = (printed[client] / "report.html").read_text("utf-8")
    text = " ".join(" ".join(p.split()) for p in _pages(printed[client]))
    assert "± 0,0" not in text
    # file names without the consultant's folders
    files = re.findall(r'<span class="file">([^<]*)</span>', html)
    assert files and not any("/" in f or "\\" in f for f in files)
    # no comparison among clients yet: no empty section in the contents
    assert 'href="#sec-benchmark"' not in html
    # the effort score says which way is better wherever it is named with a value
    for name in re.findall(r"Kundenaufwand \(CES, [^)]*\)", html):
        assert "höher = leichter" in name or "= leicht" in name
    # column headers keep "95 %-Intervall" on one line
    column_header = r'<th[^>]*scope="col"[^>]*>([^<]*(?:<span[^>]*>[^<]*</span>[^<]*)*)</th>'
    for header in re.findall(column_header, html):
        if "%-Intervall" in header:
            assert 'class="nowrap"' in header, header
    # a reason the client does not have is not named (only Stadtwerke records "Umzug")
    if client == "berger-haustechnik":
        assert "Umzug" not in text


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_alt_texts_say_what_the_chart_shows_not_its_heading(printed, client):
    html = (printed[client] / "report.html").read_text("utf-8")
    headings = {h.strip() for h in re.findall(r"<h3[^>]*>([^<]+)</h3>", html)}
    alts = re.findall(r'<img[^>]*\salt="([^"]*)"', html.split('class="cover-logo"')[-1])
    assert len(alts) >= 3
    for alt in alts:
        assert alt.strip() not in headings
        assert len(alt) > 60, alt


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_no_printed_page_ends_with_a_heading_or_holds_only_a_scrap(printed, client):
    import html as markup

    page_html = (printed[client] / "report.html").read_text("utf-8")
    heads = re.findall(r"<h3[^>]*>([^<]+)</h3>", page_html)
    heads += re.findall(r"<caption>([^<]+)</caption>", page_html)
    heads = [markup.unescape(h).strip() for h in heads]
    pages = _pages(printed[client])
    for number, text in enumerate(pages, start=1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        body = [
            line
            for line in lines
            if not re.search(r"Seite \d+ / \d+", line) and "Standortbestimmung" not in line
        ]
        assert len(body) > 3 or number == 1, (number, body)  # no page holding only a scrap
        assert not any(body[-1] == h or h.endswith(body[-1]) for h in heads), (number, body[-1])


#: Printed pages before the appendix (cover to the last section) at most (issue 18). Measured
#: at full size (see the next test): 16 / 14 / 14 (Stadtwerke, Café, Berger); before, 18 / 18 / 15
#: at the 85-92 % that Chromium shrank the pages to because tables overflowed the text width.
MAIN_PAGES = 16


#: The statements of the management summary in print (report.css: .stmt-text).
STATEMENT_PT = 11.0


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_the_pages_print_at_full_size_not_shrunk_to_fit(printed, client):
    """Nothing is wider than the text width, so Chromium prints at 100 %.

    A table wider than the page makes Chromium shrink every page to fit it: all
    text and every chart smaller than the stylesheet says (the forest plot's
    labels below 8 pt). The summary's statements are set in 11 pt and must print so,
    on the summary's one page.
    """
    from pypdf import PdfReader

    sizes: list[float] = []

    def visit(text, cm, tm, font, size):
        if text.strip() and size:
            sizes.append(round(size * tm[0] * cm[0], 1))

    summary = PdfReader(printed[client] / "report.pdf").pages[2]
    text = summary.extract_text(visitor_text=visit)
    assert max(set(sizes), key=sizes.count) == pytest.approx(STATEMENT_PT, abs=0.1)
    # at full size the summary still fits on its one page: its legend closes it
    assert t("report.summary.legend", "de") in text


def _appendix_start(pages: list[str]) -> int:
    """The index of the page on which the appendix begins (after cover, contents and summary).

    The appendix starts on a new page with its heading alone on a line, followed by
    the method notes' heading.
    """
    title, notes = t("report.appendix.title", "de"), t("report.appendix.method.title", "de")
    for i, page in enumerate(pages[3:], start=3):
        lines = [line.strip() for line in page.splitlines()]
        if title in lines and notes in lines:
            return i
    raise AssertionError("kein Anhang gefunden")


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("client", CLIENTS)
def test_the_main_part_is_short_and_the_details_are_in_the_appendix(printed, client):
    pages = _pages(printed[client])
    start = _appendix_start(pages)
    assert start <= MAIN_PAGES, f"{start} Seiten vor dem Anhang"
    # NFKC: the printed text may hold ligatures ("ﬁ" in "Häufigste")
    main = unicodedata.normalize("NFKC", " ".join(" ".join(p.split()) for p in pages[:start]))
    appendix = unicodedata.normalize("NFKC", " ".join(" ".join(p.split()) for p in pages[start:]))
    # the data profile is part of the data quality, not of the maturity section
    for profile in (t("overview.categories_title", "de"), t("maturity.heading.basis", "de")):
        assert profile not in main
    assert t("overview.categories_title", "de") in appendix
    # the detail tables are in the appendix, the sections point to them
    assert t("report.appendix.details.title", "de") in appendix
    assert "steht im Anhang." in main


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("width", [1280, 768])
def test_on_screen_every_table_stays_on_the_page(printed, width):
    """A director reads the HTML on a laptop or an upright tablet: no table may stick out
    of the white page into the grey margin (the measures table did by 108 px)."""
    from playwright.sync_api import sync_playwright

    overflowing = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_engine(), args=["--no-sandbox"])
        for client, folder in printed.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto((folder / "report.html").as_uri())
            overflowing[client] = page.evaluate(
                """() => {
                  const body = document.body, style = getComputedStyle(body);
                  const right = body.getBoundingClientRect().right - parseFloat(style.paddingRight);
                  return [...document.querySelectorAll('table')]
                    .filter((t) => t.getBoundingClientRect().right > right + 1)
                    .map((t) => t.querySelector('th')?.textContent);
                }"""
            )
            page.close()
        browser.close()
    assert overflowing == {client: [] for client in printed}
