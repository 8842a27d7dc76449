"""The client's HTML report: one self-contained file that works offline.

The executed analysis notebook provides the sections (its deliberate
displays: HTML from :mod:`cxlib.report.blocks`, charts, markdown); this module puts
the cover, the table of contents and the management summary in front and the
appendix (method notes, data quality, glossary, versions) behind it.

Two templates in ``cxlib/report/templates/report/``:

* ``index.html.j2`` – an nbconvert template (extends ``base/display_priority.j2``)
  that renders the notebook without inputs, prompts, streams or errors;
* ``page.html.j2`` – the page around it (Jinja with autoescape, so every text
  from the client's parameters or results is escaped), with ``report.css``
  inlined.

The result loads nothing from the network: no scripts, no web fonts, images
as ``data:`` URIs.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import re
import warnings
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import nbformat
from bs4 import BeautifulSoup, Tag
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets.config import Config

from cxlib import __version__
from cxlib import formatting as fmt
from cxlib.exceptions import CXWarning
from cxlib.parameters.schema import ClientParameters
from cxlib.portfolio.page import benchmark_view
from cxlib.report import charts as plots
from cxlib.report import summary as summary_rules
from cxlib.report import testing
from cxlib.report.blocks import APPENDIX_CLASS, anchor, nobreak
from cxlib.resources import templates_dir
from cxlib.texts import t, wording

if TYPE_CHECKING:
    from cxlib.report.summary import Statement
    from cxlib.runner.results import ClientResults, QualityRow

__all__ = ["notebook_html", "render_report"]

TEMPLATE_NAME = "report"
#: Cells with one of these tags are left out of the report entirely.
REMOVE_CELL_TAGS = frozenset({"remove", "remove-cell"})
#: Cells with one of these tags keep nothing of their outputs.
REMOVE_OUTPUT_TAGS = frozenset({"remove-output"})
#: Traffic lights: a shape for black-and-white print, besides colour and word.
SYMBOLS = {"green": "●", "amber": "▲", "red": "■", "grey": "○"}
#: Order of the method notes and glossary terms in the appendix (keys in report.yaml).
METHOD_NOTES = (
    "cutoff",
    "overview",
    "interval",
    "significance",
    "small_n",
    "tests",
    "survival",
    "summary",
    "quality",
    "rounding",
)
GLOSSARY = (
    "maturity",
    "journey",
    "nps",
    "csat",
    "ces",
    "churn",
    "retention",
    "survival",
    "median",
    "hazard",
    "interval",
    "significance",
    "small_n",
    "top2",
    "voc",
    "cross_sell",
    "arpu",
    "clv",
    "customer_months",
    "early_warning",
    "drivers",
    "logrank",
    "cox",
    "concordance",
    "holm",
    "bootstrap",
)
#: Which representation of an output the report shows, best first; others are dropped
#: (JavaScript, widgets and LaTeX would need scripts the offline report does not load).
DISPLAY_PRIORITY = (
    "text/html",
    "image/png",
    "image/svg+xml",
    "image/jpeg",
    "text/markdown",
    "text/plain",
)
LOGO_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}

# Plain-text outputs that are accidents (the repr of a matplotlib object left as a
# cell's last expression), not deliberate displays.
_ACCIDENTAL_REPR = re.compile(
    r"^\s*(\[?(\s*<[^<>\n]*>,?)+\s*\]?|Text\(.*\)|\(-?[\d.e+-]+, -?[\d.e+-]+\))\s*$", re.DOTALL
)
_EXTERNAL_URL = re.compile(r"^\s*((https?|ftp):|//|javascript:)", re.IGNORECASE)
_CSS_EXTERNAL = re.compile(r"@import[^;]*;|url\(\s*['\"]?\s*(https?:)?//[^)]*\)", re.IGNORECASE)
_URL_ATTRIBUTES = ("src", "href", "srcset", "poster", "action", "formaction", "data", "xlink:href")
_DROPPED_TAGS = ("script", "link", "iframe", "frame", "object", "embed", "base", "meta", "noscript")


# --- the notebook part ------------------------------------------------------------


def _clean_base64(data: str | bytes) -> str:
    text = data.decode("ascii") if isinstance(data, bytes) else str(data)
    return re.sub(r"\s+", "", text)


def _text_base64(text: str) -> str:
    return base64.b64encode(str(text).encode("utf-8")).decode("ascii")


def _is_accidental_repr(text: str) -> bool:
    return bool(_ACCIDENTAL_REPR.match(str(text)))


class _ReportExporter(HTMLExporter):
    """nbconvert's HTML exporter without its closing BeautifulSoup pass.

    ``HTMLExporter.from_notebook_node`` ends by parsing its whole output again
    to give input cells tab stops and images without alt text a placeholder.
    The report has no input cells, :func:`_offline` parses the fragment anyway
    (and fills in missing alt texts in the report's language), and the second
    parse of a page full of inline images costs about half a second per report.
    """

    def from_notebook_node(  # type: ignore[override]
        self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """Render ``nb`` with the report template (the filters HTMLExporter registers)."""
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", Highlight2HTML(parent=self))
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            ),
        )
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


def _exporter() -> HTMLExporter:
    exporter = _ReportExporter(
        config=Config({"NbConvertBase": {"display_data_priority": list(DISPLAY_PRIORITY)}}),
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(templates_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        anchor_link_text="",
        filters={
            "cx_base64": _clean_base64,
            "cx_base64_text": _text_base64,
            "cx_is_object_repr": _is_accidental_repr,
        },
    )
    remover = TagRemovePreprocessor(
        remove_cell_tags=set(REMOVE_CELL_TAGS),
        remove_all_outputs_tags=set(REMOVE_OUTPUT_TAGS),
        enabled=True,
    )
    exporter.register_preprocessor(remover, enabled=True)
    return exporter


def _offline(html: str, missing_alt: str = "") -> str:
    """Strip whatever would load from the network or run code from an HTML fragment.

    Images without alt text get ``missing_alt``.
    """
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()
    for tag in soup.find_all("img", alt=False):
        tag.attrs["alt"] = missing_alt
    for tag in soup.find_all(True):
        for name in list(tag.attrs):
            value = tag.attrs[name]
            value = " ".join(value) if isinstance(value, list) else str(value)
            if (
                name.lower().startswith("on")
                or (name.lower() in _URL_ATTRIBUTES and _EXTERNAL_URL.match(value))
                or (name.lower() == "srcset" and "//" in value)
                or (name.lower() == "style" and _CSS_EXTERNAL.search(value))
            ):
                del tag.attrs[name]
    for style in soup.find_all("style"):
        if style.string and _CSS_EXTERNAL.search(style.string):
            style.string = _CSS_EXTERNAL.sub("none", style.string)
    return str(soup)


def notebook_html(notebook: nbformat.NotebookNode, lang: str = "de") -> str:
    """The report sections from an executed notebook, as an HTML fragment.

    Inputs, prompts, stdout/stderr streams, errors and raw cells are left out,
    and so are cells tagged ``remove`` or ``remove-cell``; markdown cells and
    display outputs (by priority: HTML, PNG, SVG, markdown, plain text) stay.
    The caller's notebook is not changed.
    """
    notebook = copy.deepcopy(notebook)
    figure_alt = t("report.display.figure_alt", lang)
    resources = {"cx": {"figure_alt": figure_alt}}
    with warnings.catch_warnings():
        # outputs with no representation in DISPLAY_PRIORITY are dropped on purpose
        warnings.filterwarnings(
            "ignore", message="Your element with mimetype", category=UserWarning
        )
        body, _ = _exporter().from_notebook_node(notebook, resources=resources)
    return _offline(body, figure_alt).strip()


# --- the page around it -----------------------------------------------------------


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(templates_dir() / TEMPLATE_NAME),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def _css() -> str:
    css = (templates_dir() / TEMPLATE_NAME / "report.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return re.sub(r"\s*\n\s*", "\n", css).strip()


def _logo_uri(params: ClientParameters) -> str | None:
    """The client's logo as a data: URI (never inline SVG markup), or None."""
    if not params.branding.logo:
        return None
    path = params.resolve(params.branding.logo)
    mime = LOGO_TYPES.get(path.suffix.lower())
    if mime is None or not path.is_file():
        warnings.warn(
            f"Logo {path} fehlt oder ist kein PNG/JPG/SVG; der Bericht erscheint ohne Logo.",
            CXWarning,
            stacklevel=3,
        )
        return None
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _text(value: Any) -> str:
    """Plain text of a results value: lists joined, empty as a dash."""
    if value is None or value == "" or value == []:
        return fmt.MISSING
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _table_label(name: str, lang: str) -> str:
    try:
        return t(f"tables.{name}", lang)
    except KeyError:
        return name


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end the string or the style element."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " ·.,-–()/+'" else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'


def _timestamp(stamp: dt.datetime, lang: str) -> str:
    return t(
        "report.appendix.reproducibility.time",
        lang,
        date=fmt.date(stamp, lang),
        time=f"{stamp:%H:%M}",
    )


def _summary(items: Iterable[Statement], titles: Mapping[str, str]) -> list[dict[str, str | None]]:
    out = []
    for item in items:
        light = item.light
        if light not in SYMBOLS:
            warnings.warn(f"Unbekannte Ampel {light!r}; als grau gezeigt.", CXWarning, stacklevel=3)
            light = "grey"
        section = item.section
        out.append(
            {
                "text": nobreak(item.text),
                "light": light,
                "anchor": anchor(section) if section in titles else None,
                "section_title": titles.get(section, ""),
            }
        )
    return out


def _file_name(value: Any) -> Any:
    """``../data/x/kunden.csv`` → ``kunden.csv`` (also for a list of files)."""
    if isinstance(value, list | tuple):
        return [_file_name(v) for v in value]
    if not isinstance(value, str) or not value:
        return value
    return re.split(r"[\\/]", value.rstrip("/\\"))[-1]


def _quality(rows: Iterable[QualityRow], lang: str) -> list[dict[str, object]]:
    return [
        {
            "table": _table_label(row.table, lang),
            # the file's name only: folders on the consultant's machine are no reader's business
            "file": _text(_file_name(row.file)),
            "rows_read": fmt.integer(row.rows_read, lang),
            "rows_rejected": fmt.integer(row.rows_rejected, lang),
            "missing": fmt.integer(row.missing, lang),
            "ignored_columns": _text(row.ignored_columns),
            "reasons": _text(row.reasons),
        }
        for row in rows
    ]


def _lift_details(body: str, lang: str) -> tuple[str, list[dict[str, Any]], Markup]:
    """Move the appendix blocks (:func:`cxlib.report.blocks.appendix`) out of the sections.

    Returns the body with a pointer where each detail block stood, the detail blocks
    grouped under the title of the section they came from (in report order),
    and the blocks for the data-quality part of the appendix.
    """
    soup = BeautifulSoup(body, "html.parser")
    details: list[dict[str, Any]] = []
    quality: list[str] = []
    for block in soup.find_all("div", class_=APPENDIX_CLASS):
        if block.get("data-place") == "quality":  # the contents lead to the data quality
            quality.append(str(block.extract()))
            continue
        pointer = soup.new_tag("p", attrs={"class": "cx-pointer"})
        pointer.string = str(block.get("data-pointer", ""))
        pointer["data-title"] = str(block.get("data-title", ""))
        block.replace_with(pointer)
        heading = pointer.find_previous("h2")
        title = heading.get_text(" ", strip=True) if heading is not None else ""
        if not details or details[-1]["title"] != title:
            details.append({"title": title, "blocks": []})
        details[-1]["blocks"].append(Markup(str(block)))  # built by blocks.appendix
    _join_pointers(soup, lang)
    return str(soup), details, Markup("".join(quality))


def _join_pointers(soup: BeautifulSoup, lang: str) -> None:
    """Pointers that follow each other become one line: „A“ und „B“ stehen im Anhang.

    Three details moved from one place leave one printed line, not three.
    """
    for pointer in soup.find_all("p", class_="cx-pointer"):
        if pointer.parent is None:  # already joined into the one before it
            continue
        run = [pointer]
        sibling = pointer.next_sibling
        while sibling is not None:
            if isinstance(sibling, Tag):
                if sibling.name != "p" or "cx-pointer" not in sibling.get_attribute_list("class"):
                    break
                run.append(sibling)
            elif sibling.get_text().strip():  # text between them: not one run
                break
            sibling = sibling.next_sibling
        if len(run) > 1:
            titles = [t("report.display.quoted", lang, title=p.get("data-title", "")) for p in run]
            first, last = ", ".join(titles[:-1]), titles[-1]
            joined = t("report.display.and_last", lang, first=first, last=last)
            pointer.string = t("report.display.in_appendix_many", lang, titles=joined)
            for extra in run[1:]:
                extra.extract()
    for pointer in soup.find_all("p", class_="cx-pointer"):
        pointer.attrs.pop("data-title", None)


def _check_anchors(body: str, sections: list[dict[str, str]]) -> None:
    missing = [s["title"] for s in sections if f'id="{s["anchor"]}"' not in body]
    if missing:
        warnings.warn(
            "Im Notebook fehlt die Überschrift (display.section_heading) für: "
            + ", ".join(missing)
            + "; das Inhaltsverzeichnis verweist ins Leere.",
            CXWarning,
            stacklevel=3,
        )


def report_language(params: ClientParameters, lang: str) -> str:
    """``lang`` with the client's wording (business model, loyalty cards) for the report's texts."""
    return wording(lang, params.business_model, params.client.loyalty_cards)


def joined_html(fragments: Mapping[str, str]) -> str:
    """The :func:`notebook_html` of each executed notebook, by name, as one fragment.

    In report order (by notebook name), as :func:`notebook_html` gives it for
    the notebooks combined (:func:`cxlib.runner.execution.combine`): a run
    converts each notebook as soon as its last cell is done, while the others
    still run.
    """
    return "\n".join(fragments[name] for name in sorted(fragments))


def render_report(
    notebook: nbformat.NotebookNode | str,
    params: ClientParameters,
    results: ClientResults,
    lang: str,
) -> str:
    """The complete client report as one self-contained HTML document.

    ``notebook`` holds the executed analysis notebooks' cells in report order
    (:func:`cxlib.runner.execution.combine`), or their HTML already converted
    (:func:`joined_html`, with :func:`notebook_html` in
    :func:`report_language`); ``results`` the run's results.json (its
    sections, summary, data quality, benchmark, versions, input hash and
    time).
    """
    lang = report_language(params, lang)
    html = notebook if isinstance(notebook, str) else notebook_html(notebook, lang)
    body, details, profile = _lift_details(html, lang)
    sections = [
        {
            "anchor": anchor(s.id),
            "title": s.title if s.title is not None else s.id,
            "subtitle": nobreak(s.subtitle or ""),
        }
        for s in results.sections
    ]
    _check_anchors(body, sections)
    titles = {s.id: s.title if s.title is not None else s.id for s in results.sections}
    titles["appendix"] = t("report.appendix.title", lang)
    small_n, min_n = params.analysis.small_n, params.analysis.min_n
    values = {
        "cutoff": fmt.date(params.cutoff, lang),
        "small_n": fmt.integer(small_n, lang),
        "min_n": fmt.integer(min_n, lang),
        "problem": fmt.percent(summary_rules.PROBLEM_SHARE, 0, lang),
        "red_rejected": fmt.percent(summary_rules.RED_REJECTED_SHARE, 0, lang),
        "red_missing": fmt.percent(summary_rules.RED_MISSING_SHARE, 0, lang),
        "tests": fmt.integer(results.tests.size, lang),
        "alpha": fmt.percent(testing.ALPHA, 0, lang),
    }
    context = {
        "lang": lang,
        "t": lambda key, **kw: t(key, lang, **kw),
        "version": __version__,
        "accent": params.branding.accent_color,
        "lights": plots.LIGHTS,
        "symbols": SYMBOLS,
        "css": Markup(_css()),  # our own stylesheet
        # the printed page's running footer (client-provided text, escaped for CSS)
        "footer": Markup(
            _css_string(
                t(
                    "report.pdf.footer",
                    lang,
                    client=params.client.name,
                    title=t("report.title", lang),
                )
            )
        ),
        "page_label": Markup(_css_string(t("report.pdf.page", lang) + " ")),
        "client_name": params.client.name,
        "consultant": params.consultant,
        "report_date": fmt.date(params.report_date, lang),
        "cutoff": values["cutoff"],
        "logo_uri": _logo_uri(params),
        "sections": sections,
        "summary": _summary(results.summary, titles),
        "benchmark": benchmark_view(results.benchmark, lang),  # None: no block
        "body": Markup(body),  # rendered and cleaned by notebook_html
        "method_notes": [
            (
                t(f"report.appendix.method.notes.{key}.term", lang),
                t(f"report.appendix.method.notes.{key}.text", lang, **values),
            )
            for key in METHOD_NOTES
        ],
        "quality": _quality(results.data_quality, lang),
        "profile": profile,  # data profiles the sections moved to the data quality
        "details": details,  # detail tables the sections moved to the appendix
        "glossary": [
            (
                t(f"report.appendix.glossary.terms.{key}.term", lang),
                t(f"report.appendix.glossary.terms.{key}.meaning", lang),
            )
            for key in GLOSSARY
        ],
        "versions": list(results.versions.items()),
        "input_hash": _text(results.input_hash),
        "generated_at": _timestamp(results.generated_at, lang),
    }
    return _environment().get_template("page.html.j2").render(context)
