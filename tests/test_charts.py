"""The common chart style and its colours (cxlib.report.charts).

The style is checked by what it does to figures drawn after it (colours of
bars and lines, frame, grid, pixel size of a saved figure), not by reading
back the rcParams it sets. Colour contrasts are computed with the WCAG 2
formula for relative luminance, written out below.
"""

from __future__ import annotations

import io
import re
from typing import get_args

import matplotlib

matplotlib.use("Agg")
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from cxlib.report import charts
from cxlib.report.summary import Light
from cxlib.resources import templates_dir

CLIENT = "#0b6e4f"  # an accent colour unlike any of the module's own colours
CSS = templates_dir() / "report" / "report.css"


@pytest.fixture
def styled(monkeypatch):
    """The report style with the client's accent; rcParams and ACCENT restored afterwards."""
    monkeypatch.setattr(charts, "ACCENT", charts.ACCENT)
    with mpl.rc_context():
        charts.apply_style(CLIENT)
        yield
        plt.close("all")


def png_size(fig) -> tuple[int, int]:
    """(width, height) in pixels of the figure saved as PNG (from the IHDR chunk)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    png = buffer.getvalue()
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def contrast(colour: str, background: str = "#ffffff") -> float:
    """WCAG 2 contrast ratio (L1 + 0.05) / (L2 + 0.05) of two sRGB colours."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(colour), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --------------------------------------------------------------------------- style


def test_bars_and_lines_in_the_report_style_use_the_client_accent(styled):
    assert charts.ACCENT == CLIENT  # read at drawing time by the analysis plots
    _, (bars, lines) = plt.subplots(1, 2)
    drawn = bars.bar(["A", "B", "C"], [3, 1, 2])
    assert {to_hex(bar.get_facecolor()) for bar in drawn} == {CLIENT}
    for k in range(3):
        lines.plot([0, 1], [k, k + 1])
    # one meaning per colour, in this order: this client, a comparison, a risk
    colours = [to_hex(line.get_color()) for line in lines.get_lines()]
    assert colours == [CLIENT, charts.GREY, charts.RED]


def test_a_new_figure_fits_the_a4_text_width_at_the_report_resolution(styled):
    fig = plt.figure()
    with mpl.rc_context({"savefig.bbox": "standard"}):  # the full figure, not cropped
        # 7 × 3.5 inches at 110 dpi (module docstring of apply_style)
        assert png_size(fig) == (7 * 110, round(3.5 * 110))


def test_frame_and_grid_only_where_the_report_wants_them(styled):
    fig, ax = plt.subplots()
    ax.bar(["A", "B"], [1200, 800])
    fig.canvas.draw()
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    assert ax.spines["left"].get_visible() and ax.spines["bottom"].get_visible()
    assert all(line.get_visible() for line in ax.yaxis.get_gridlines())  # horizontal grid
    assert not any(line.get_visible() for line in ax.xaxis.get_gridlines())
    assert all(to_hex(line.get_color()) == charts.LIGHT_GREY for line in ax.yaxis.get_gridlines())
    # the grid lies behind the bars
    assert ax.yaxis.get_zorder() < ax.patches[0].get_zorder()


def test_the_report_is_white_and_ink_even_after_a_dark_notebook_style(monkeypatch):
    monkeypatch.setattr(charts, "ACCENT", charts.ACCENT)
    with mpl.rc_context():
        plt.style.use("dark_background")
        charts.apply_style()
        fig, ax = plt.subplots()
        ax.set_title("Titel")
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())
        assert pixels[0, 0].tolist() == [255, 255, 255, 255]  # figure background
        assert pixels[pixels.shape[0] // 2, pixels.shape[1] // 2].tolist() == [255] * 4  # axes
        assert to_hex(ax.title.get_color()) == charts.INK
        assert to_hex(ax.yaxis.label.get_color()) == charts.INK
        assert charts.ACCENT == charts.DEFAULT_ACCENT
        plt.close(fig)


@pytest.mark.parametrize("bad", ["green", "#12345", "1f5f8b", "#1f5f8bff", "#1g5f8b"])
def test_apply_style_rejects_what_is_not_a_hex_colour(monkeypatch, bad):
    monkeypatch.setattr(charts, "ACCENT", CLIENT)
    with mpl.rc_context(), pytest.raises(ValueError, match="#1f5f8b"):
        charts.apply_style(bad)
    assert charts.ACCENT == CLIENT  # unchanged


# --------------------------------------------------------------------------- colours


def test_contrast_formula_reproduces_the_wcag_extremes():
    assert contrast("#000000") == pytest.approx(21.0)  # black on white, WCAG's maximum
    assert contrast("#ffffff") == pytest.approx(1.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey


def test_text_and_graphic_colours_are_readable_on_white():
    assert contrast(charts.INK) >= 4.5  # body text, WCAG AA
    assert contrast(charts.DEFAULT_ACCENT) >= 4.5  # headings and links of the report
    for graphic in (charts.GREY, charts.RED):
        assert contrast(graphic) >= 3.0, graphic  # lines and bars, WCAG 1.4.11
    assert contrast(charts.LIGHT_GREY) < 3.0  # faint on purpose: grids and bands only


def test_each_meaning_has_its_own_colour():
    meanings = [charts.DEFAULT_ACCENT, charts.GREY, charts.RED]
    assert len(set(meanings)) == len(meanings)
    assert len(set(charts.LIGHTS.values())) == len(charts.LIGHTS)


def test_every_summary_light_has_a_colour_and_a_css_rule():
    assert set(charts.LIGHTS) == set(get_args(Light))
    css = CSS.read_text(encoding="utf-8")
    for light in charts.LIGHTS:
        # page.html.j2 defines --green etc. from LIGHTS; the CSS must use each of them
        assert re.search(rf"\.light-{light} \{{ --c: var\(--{light}\); \}}", css), light


# --------------------------------------------------------------------------- monthly counts


def test_monthly_counts_shows_empty_months_as_zero(styled):
    months = pd.to_datetime(["2025-01-01", "2025-02-01", "2025-05-01"])
    ax = charts.monthly_counts({"tickets": pd.Series([3, 4, 5], index=months)})
    # March and April have no rows: zeros between February and May
    assert list(ax.get_lines()[0].get_ydata()) == [3, 4, 0, 0, 5]
    assert ax.get_legend() is None  # one table: nothing to tell apart


def test_monthly_counts_one_line_per_table_all_in_the_client_colour(styled):
    months = pd.date_range("2025-01-01", periods=6, freq="MS")
    series = {
        "customers": pd.Series([1200, 1300, 900, 1000, 1100, 1250], index=months),
        "survey": pd.Series([10, 20, 30, 25, 15, 5], index=months),
        "pos_export": pd.Series([1, 2, 3, 4, 5, 6], index=months),
    }
    ax = charts.monthly_counts(series, lang="de")
    lines = ax.get_lines()
    # table names from the catalogue; a name without a text stays as it is
    assert [line.get_label() for line in lines] == ["Kunden", "Umfrageantworten", "pos_export"]
    assert {to_hex(line.get_color()) for line in lines} == {CLIENT}
    assert len({line.get_linestyle() for line in lines}) == 3  # tells apart in black and white
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "Kunden",
        "Umfrageantworten",
        "pos_export",
    ]
    assert ax.get_ylabel() == "Datensätze je Monat"
    assert ax.get_ylim()[0] == 0


@pytest.mark.parametrize(("lang", "thousands"), [("de", "."), ("en", ",")])
def test_monthly_counts_ticks_are_whole_numbers_in_the_report_language(styled, lang, thousands):
    months = pd.date_range("2025-01-01", periods=6, freq="MS")
    counts = pd.Series([1200, 1300, 900, 1000, 1100, 1250], index=months)
    ax = charts.monthly_counts({"customers": counts}, lang=lang)
    ax.figure.canvas.draw()
    ticks = ax.get_yticks()
    assert np.all(ticks == np.round(ticks))  # whole numbers only
    labels = [label.get_text() for label in ax.get_yticklabels()]
    # Python's own thousands grouping as the reference: 1200 → "1.200" (de) / "1,200" (en)
    assert labels == [f"{int(v):,}".replace(",", thousands) for v in ticks]
    assert any(int(v) >= 1000 for v in ticks)  # so that a separator was needed at all
    dates = [label.get_text() for label in ax.get_xticklabels()]
    assert dates and all(re.fullmatch(r"\d{2}/\d{4}", d) for d in dates)  # 03/2025
