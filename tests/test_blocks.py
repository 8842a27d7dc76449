"""HTML snippets for the notebooks (cxlib.report.blocks): formats by language, escaping, anchors.

Expected cells are written by hand from the rules in cxlib.formatting
(babel's de_DE / en_GB patterns, commercial rounding, typographic minus).
"""

from __future__ import annotations

import base64
import datetime as dt
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from markupsafe import Markup

from cxlib.parameters.schema import Analysis
from cxlib.report import blocks as display
from cxlib.texts import t

HOSTILE = '<script>alert("x")</script> & Co'
#: HOSTILE as text in HTML: html.escape with quote=True (&, <, >, " and ')
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"


def cells(html: str, tag: str = "td") -> list[str]:
    return re.findall(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}>", html)


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Segment": ["Privat & Gewerbe", "<b>Groß</b>", None],
            "Umsatz (€)": [1234.5, np.nan, -3.75],
            "Kunden": pd.array([1200, None, 3], dtype="Int64"),
            "Anteil": [0.123, 0.5, None],
            "Beginn": pd.to_datetime(["2025-12-31", None, "2026-01-31"]),
            "NPS": [12.0, -3.0, 0.0],
            "aktiv": [True, False, True],
        }
    )


def test_table_german_formats(frame):
    # 1234.5 → 1.234,5 (one decimal by default); Int64 1200 → 1.200; 0.123 → 12 % with a
    # narrow no-break space; −3.75 → −3,8 (half up, away from zero, typographic minus);
    # NPS is signed with 0 decimals: +12, −3, 0; missing → en dash
    html = display.table(frame, "de", percent=["Anteil"], signed=["NPS"]).data
    assert cells(html) == [
        "Privat &amp; Gewerbe", "1.234,5", "1.200", "12\u202f%", "31.12.2025", "+12", "ja",
        "&lt;b&gt;Groß&lt;/b&gt;", "–", "–", "50\u202f%", "–", "−3", "nein",
        "–", "−3,8", "3", "–", "31.01.2026", "0", "ja",
    ]  # fmt: skip


def test_table_english_formats(frame):
    html = display.table(frame, "en", decimals={"Umsatz (€)": 2}, percent=["Anteil"]).data
    row = cells(html)[:7]
    assert row == ["Privat &amp; Gewerbe", "1,234.50", "1,200", "12%", "31/12/2025", "12.0", "yes"]
    assert "31/01/2026" in html and "−3.75" in html


def test_table_escapes_headers_cells_index_and_caption():
    frame = pd.DataFrame({HOSTILE: [HOSTILE], "A & B": [1]}, index=pd.Index([HOSTILE], name="K"))
    html = display.table(frame, "de", caption=HOSTILE, index=True).data
    assert "<script" not in html
    assert cells(html, "caption") == [ESCAPED]
    assert cells(html, "th") == ["K", ESCAPED, "A &amp; B", ESCAPED]  # head, then row head
    assert cells(html) == [ESCAPED, "1"]


def test_client_text_is_escaped_by_every_helper():
    fig, _ = plt.subplots()
    snippets = {
        "section_heading": display.section_heading("kpi", HOSTILE, HOSTILE).data,
        "subheading": display.subheading(HOSTILE).data,
        "reading": display.reading(HOSTILE).data,
        "note": display.note(HOSTILE, "warning").data,
        "figure": display.figure(fig, HOSTILE, caption=HOSTILE).data,
    }
    for name, html in snippets.items():
        assert "<script" not in html, name
        assert ESCAPED in html, name
    assert f'alt="{ESCAPED}"' in snippets["figure"]  # quotes cannot end the attribute
    # text that looks escaped is still text: its & is escaped again
    assert "&amp;amp;" in display.subheading("&amp;").data
    assert "O&#x27;Brien" in display.subheading("O'Brien").data


def test_table_aligns_numbers_right(frame):
    html = display.table(frame, "de").data
    headers = re.findall(r"<th(\s[^>]*)?>(.*?)</th>", html)
    aligned = {text: 'class="num"' in attrs for attrs, text in headers}
    assert aligned == {
        "Segment": False,
        "Umsatz (€)": True,
        "Kunden": True,
        "Anteil": True,
        "Beginn": True,
        "NPS": True,
        "aktiv": False,
    }
    assert '<td class="num">1.234,5</td>' in html


def test_table_object_column_of_numbers_and_missing():
    frame = pd.DataFrame({"Wert": [1, 2.5, None, dt.date(2025, 3, 1)]}, dtype=object)
    html = display.table(frame, "de").data
    assert cells(html) == ["1", "2,5", "–", "01.03.2025"]
    assert 'class="num"' in html


def test_table_index_only_when_asked(frame):
    indexed = frame.set_index("Segment")
    assert '<th scope="row">' not in display.table(indexed, "de").data
    html = display.table(indexed, "de", index=True).data
    assert cells(html, "th")[0] == "Segment"
    assert '<th scope="row">Privat &amp; Gewerbe</th>' in html
    assert '<th scope="row">–</th>' in html


def test_section_heading_anchor_and_escaping():
    html = display.section_heading("kpi", "Kennzahlen & Werte", "NPS +12 <gut> (n = 212)").data
    assert '<h2 id="sec-kpi">Kennzahlen &amp; Werte</h2>' in html
    assert "NPS +12 &lt;gut&gt; (n\u00a0=\u00a0212)" in html
    assert display.anchor("Churn Survival!") == "sec-churn-survival"
    assert display.anchor("maturity") == "sec-maturity"


def test_small_n_badge_uses_the_words_the_appendix_explains():
    # below the documented default threshold (analysis.small_n) a number gets the badge
    below = Analysis().small_n - 1
    badge = display.small_n_badge(below, "de").data
    assert badge == f'<span class="cx-badge cx-small-n">geringe Aussagekraft (n = {below})</span>'
    for lang in ("de", "en"):
        # the glossary term ("Limited reliability" starts a line there, so ignore case)
        term = t("report.appendix.glossary.terms.small_n.term", lang).casefold()
        assert display.small_n_text(below, lang).casefold() == f"{term} (n = {below})"
        # the method note quotes the same words and names the threshold
        note = t("report.appendix.method.notes.small_n.text", lang, small_n=below + 1, min_n=10)
        assert term in note.casefold() and f" {below + 1} " in note


def test_small_n_badge_formats_large_n_in_the_report_language():
    assert display.small_n_text(1240, "de") == "geringe Aussagekraft (n = 1.240)"
    assert display.small_n_text(1240, "en") == "limited reliability (n = 1,240)"


def test_small_texts_in_both_languages():
    assert ">geringe Aussagekraft (n = 24)<" in display.small_n_badge(24, "de").data
    assert ">limited reliability (n = 1,240)<" in display.small_n_badge(1240, "en").data
    assert "Lesehilfe:" in display.reading("Höher ist besser.").data
    assert "How to read it:" in display.reading("Higher is better.", "en").data
    assert (
        "<h3" in display.subheading("A & B").data
        and "A &amp; B" in display.subheading("A & B").data
    )


def test_note_kinds_and_safe_html():
    warning = display.note("Nur 9 Antworten <b>", "warning").data
    assert "cx-note-warning" in warning and "Achtung:" in warning and "&lt;b&gt;" in warning
    assert "Note:" in display.note("x", lang="en").data
    badge = display.small_n_badge(9)
    assert badge.data in display.note(badge).data  # a helper's result stays HTML
    assert "<i>ok</i>" in display.note(Markup("<i>ok</i>")).data
    with pytest.raises(ValueError):
        display.note("x", kind="danger")


def test_figure_is_inline_vector_svg_with_alt_and_closed():
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([1, 2], [3, 4])
    ax.set_title("Kündigungen je Monat")
    html = display.figure(fig, 'NPS "je" Segment', caption="Quelle & Stand").data
    assert not plt.fignum_exists(fig.number)
    src = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    svg = base64.b64decode(src).decode("utf-8")
    # a vector graphic (sharp in print at any size), not a raster image inside an SVG
    assert "<svg" in svg and "<path" in svg and "<image" not in svg
    # letters drawn as paths: no font needed on the reader's machine, nothing to load
    assert "<text" not in svg and "@font-face" not in svg
    assert not re.search(r'href="(https?:)?//', svg)
    # path coordinates to 0.1 pt (invisible on paper, a fifth of the report's size)
    paths = " ".join(re.findall(r' d="([^"]*)"', svg))
    assert paths and not re.search(r"\d\.\d\d", paths)
    assert re.search(r'transform="[^"]*\d\.\d{3,}', svg)  # transforms keep their precision
    assert 'alt="NPS &quot;je&quot; Segment"' in html
    assert "<figcaption>Quelle &amp; Stand</figcaption>" in html
    # shown at its physical size: SVG points (1/72 in) → CSS pixels (1/96 in), 6 in wide at most
    width = int(re.search(r'width="(\d+)"', html).group(1))
    assert 0.8 * 6 * 96 <= width <= 6 * 96 + 2
    # in print a tall chart may shrink to 8/9 of its height and no further (9 pt labels → 8 pt)
    height_pt = float(re.search(r'<svg[^>]*\sheight="([\d.]+)pt"', svg).group(1))
    legible = int(re.search(r'style="--cx-legible: (\d+)mm"', html).group(1))
    assert legible == round(height_pt / 72 * 25.4 * 8 / 9)
    # the same chart gives the same bytes (no date, fixed ids): reports stay comparable
    fig2, ax2 = plt.subplots(figsize=(6, 3))
    ax2.plot([1, 2], [3, 4])
    ax2.set_title("Kündigungen je Monat")
    again = display.figure(fig2, 'NPS "je" Segment', caption="Quelle & Stand").data
    assert again == html


def test_slashed_compounds_may_break_after_the_slash_in_cells_only():
    frame = pd.DataFrame({"Kennzahl/Phase": ["NPS Phase Verlängerung/Rechnung", "24/7", "<a/b>"]})
    html = display.table(frame).data
    assert "Verlängerung/<wbr>Rechnung" in html
    assert "24/7" in html  # numbers and dates (31/12/2025) stay whole
    assert "&lt;a/<wbr>b&gt;" in html  # escaped first, then the break
    assert "Kennzahl/Phase</th>" in html  # headers keep their words
