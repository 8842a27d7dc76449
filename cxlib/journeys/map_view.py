"""The journey map, the lever table and the outer loop as HTML (words and layout only).

The map (:class:`cxlib.journeys.journey_map.JourneyMap`) is drawn as a
table-shaped figure, one column per phase from left to right, so that it
prints sharp at A4 page width (landscape or portrait: the text wraps inside
its column) and every number stays text, escaped and searchable; the focus
journey's phases carry the accent colour and a "Fokus" label, its pain points
are numbered ①②③ as in the plan. Where a phase has no data the cell says so
(``journeys.map.no_*``); no number is made up. The lever table
(:class:`cxlib.journeys.levers.LeverLinks`) lists each finding with its
evidence and the lever to pull. Numbers come from the analysis and are facts
(:mod:`cxlib.journeys.facts`); this module only formats them.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from IPython.display import HTML

from cxlib import formatting as fmt
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.journeys.journey_map import JourneyMap, PhaseCell
    from cxlib.journeys.levers import Finding, LeverLinks
    from cxlib.journeys.outer_loop import OuterLoop

__all__ = ["PAIN_MARKS", "lever_table", "loop_table", "map_figure"]

#: Markers of the plan's pain points 1-3 (beyond three: the number in brackets).
PAIN_MARKS = ("①", "②", "③")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _w(text: object) -> str:
    """Escaped, with a line-break opportunity after each slash ("Verlängerung/Rechnung")."""
    return _e(text).replace("/", "/<wbr>")


def _known(key: str, lang: str) -> str | None:
    """The text of ``key`` (with the client's variants), or None if the catalogue has none."""
    try:
        return t(key, lang)
    except KeyError:
        return None


def _mark(number: int) -> str:
    return PAIN_MARKS[number - 1] if 0 < number <= len(PAIN_MARKS) else f"({number})"


class _Cells:
    """The cell texts of one phase in one language."""

    def __init__(self, journey_map: JourneyMap, lang: str) -> None:
        self.map = journey_map
        self.lang = lang

    def _t(self, key: str, **values: object) -> str:
        return t(f"journeys.map.{key}", self.lang, **values)

    def _cell(self, main: str, detail: str = "", missing: bool = False) -> str:
        cls = ' class="cx-map-missing"' if missing else ""
        sub = f'<span class="cx-map-detail">{_e(detail)}</span>' if detail else ""
        return f'<td{cls}><span class="cx-map-value">{_w(main)}</span>{sub}</td>'

    def _small(self, n: int) -> str:
        return " *" if n < self.map.small_n else ""

    def tickets(self, cell: PhaseCell) -> str:
        if not self.map.has_tickets or cell.tickets is None:
            return self._cell(self._t("no_tickets"), missing=True)
        rate = cell.tickets_per_100
        if rate is None:
            return self._cell(self._t("no_customers"), missing=True)
        detail = self._t("tickets_detail", tickets=fmt.integer(cell.tickets, self.lang))
        return self._cell(self._t("tickets_cell", rate=fmt.number(rate, 1, self.lang)), detail)

    def csat(self, cell: PhaseCell) -> str:
        if not cell.csat_n or cell.csat is None:
            return self._cell(self._t("no_survey"), missing=True)
        if cell.csat_n < self.map.min_n:
            return self._cell(self._t("few_answers"), missing=True)
        share = fmt.percent(cell.csat, 0, self.lang) + self._small(cell.csat_n)
        return self._cell(share, self._t("csat_detail", n=fmt.integer(cell.csat_n, self.lang)))

    def early_churn(self, cell: PhaseCell, churn_phase: str | None) -> str:
        share = cell.early_churn
        if share is None:
            if cell.phase == churn_phase:
                return self._cell(self._t("no_churn_data"), missing=True)
            return self._cell(self._t("churn_elsewhere"), missing=True)
        n = cell.early_churn_n or 0
        detail = self._t(
            "churn_detail",
            months=fmt.integer(cell.early_churn_months, self.lang),
            n=fmt.integer(n, self.lang),
        )
        main = self._t("churn_cell", share=fmt.percent(share, 0, self.lang)) + self._small(n)
        return self._cell(main, detail)

    def theme(self, cell: PhaseCell) -> str:
        if not self.map.has_comments or not cell.comments:
            return self._cell(self._t("no_comments"), missing=True)
        if cell.comments < self.map.min_n:
            return self._cell(self._t("few_comments"), missing=True)
        top = cell.top_theme
        if top is None:
            return self._cell(self._t("no_theme"), missing=True)
        detail = self._t(
            "theme_detail",
            share=fmt.percent(top.share, 0, self.lang),
            n=fmt.integer(top.n, self.lang),
        )
        return self._cell(top.label(self.lang) + self._small(top.n), detail)

    def moments(self, cell: PhaseCell) -> str:
        text = cell.moments or _known(f"journeys.map.moments.{cell.phase}", self.lang)
        if not text:  # not a standard phase: the catalogue names none
            return self._cell(self._t("no_moments"), missing=True)
        return f'<td class="cx-map-moments">{_w(text)}</td>'

    def pains(self, cell: PhaseCell) -> str:
        if not cell.pain_points:
            return "<td></td>"
        marks = " ".join(_mark(number) for number, _ in cell.pain_points)
        return f'<td class="cx-map-pains"><span class="cx-map-mark">{marks}</span></td>'

    def pain_legend(self, columns: int) -> str:
        """A row under the map with the pain points' texts, numbered as in the plan."""
        pains = sorted(p for cell in self.map.phases for p in cell.pain_points)
        if not pains:
            return ""
        items = "".join(
            f'<li><span class="cx-map-mark">{_mark(number)}</span> {_e(text)}</li>'
            for number, text in pains
        )
        title = _e(self._t("pains_legend", journey=self.map.focus or ""))
        return (
            f'<tr class="cx-map-legend"><td colspan="{columns + 1}"><strong>{title}</strong>'
            f"<ul>{items}</ul></td></tr>"
        )


def map_figure(journey_map: JourneyMap, lang: str, churn_phase: str | None) -> HTML:
    """The journey map as a figure (see the module docstring); ``churn_phase`` is the phase
    early churn is attributed to (``analysis.journey.early_churn_phase``)."""
    cells = _Cells(journey_map, lang)
    phases = journey_map.phases
    focus = journey_map.focus

    def head(cell: PhaseCell) -> str:
        label = ""
        if cell.focus and focus:
            label = f'<span class="cx-map-focus">{_e(cells._t("focus", journey=focus))}</span>'
        cls = ' class="cx-map-on"' if cell.focus else ""
        return f'<th scope="col"{cls}>{_w(cell.phase)}{label}</th>'

    rows = [
        ("tickets", cells.tickets),
        ("csat", cells.csat),
        ("early_churn", lambda c: cells.early_churn(c, churn_phase)),
        ("theme", cells.theme),
        ("moments", cells.moments),
    ]
    if any(c.pain_points for c in phases):
        rows.append(("pains", cells.pains))
    body = []
    for name, render in rows:
        tds = []
        for cell in phases:
            td = render(cell)
            if cell.focus:
                td = td.replace("<td", '<td data-focus="1"', 1)
            tds.append(td)
        header = f'<th scope="row">{_e(cells._t(f"row.{name}"))}</th>'
        body.append(f"<tr>{header}{''.join(tds)}</tr>")
    body.append(cells.pain_legend(len(phases)))
    width = f"{100 / max(len(phases), 1):.2f}"
    cols = '<col class="cx-map-rowhead">' + "".join(f'<col style="width:{width}%">' for _ in phases)
    caption = cells._t("caption")
    return HTML(
        f'<figure class="cx-figure cx-journey-map" role="figure" '
        f'aria-label="{_e(cells._t("alt"))}"><table><colgroup>{cols}</colgroup>'
        f"<thead><tr><th></th>{''.join(head(c) for c in phases)}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _finding_text(finding: Finding, lang: str, small_n: int) -> tuple[str, str]:
    """The finding's name and its evidence in ``lang`` (a small n says so)."""
    if finding.kind == "driver":
        label = _known(f"journeys.levers.driver.{finding.key}", lang) or finding.key
        return (
            t("journeys.levers.kind.driver", lang, label=label),
            t("journeys.levers.driver_evidence", lang),
        )
    from cxlib.report import blocks as display

    share = fmt.percent(finding.share, 0, lang)
    n = fmt.integer(finding.n or 0, lang)
    small = f"; {display.small_n_text(finding.n or 0, lang)}" if (finding.n or 0) < small_n else ""
    if finding.kind == "reason":
        return (
            t("journeys.levers.kind.reason", lang, label=finding.key),
            t("journeys.levers.reason_evidence", lang, share=share, n=n) + small,
        )
    label = dict(finding.label).get(str(lang)[:2], finding.key)
    return (
        t("journeys.levers.kind.theme", lang, label=label),
        t("journeys.levers.theme_evidence", lang, share=share, n=n) + small,
    )


def lever_table(
    links: LeverLinks, lang: str, small_n: int = 30, focus_phases: tuple[str, ...] = ()
) -> HTML:
    """The findings with their levers as an escaped HTML table, or a note without findings.

    A share resting on fewer than ``small_n`` churns or comments is marked; a
    lever that works on a phase of the focus journey (``focus_phases``) says so,
    as a candidate for the plan's measures.
    """
    from cxlib.report import blocks as display

    parts = [display.note(t("journeys.levers.intro", lang), lang=lang).data]
    if not links.drivers_judged:
        parts.append(display.note(t("journeys.levers.not_judged", lang), lang=lang).data)
    if not links.findings:
        parts.append(display.note(t("journeys.levers.none", lang), lang=lang).data)
        return HTML("".join(parts))

    def c(key: str) -> str:
        return _e(t(f"journeys.levers.col.{key}", lang))

    rows = []
    for finding in links.findings:
        name, evidence = _finding_text(finding, lang, small_n)
        lever = finding.lever
        if lever is None:
            missing = _e(t("journeys.levers.no_lever", lang))
            lever_cell = f'<td colspan="2" class="cx-map-missing">{missing}</td>'
        else:
            focus = ""
            if lever.phase is not None and lever.phase in focus_phases:
                focus = (
                    f'<span class="cx-map-focus">{_e(t("journeys.levers.in_focus", lang))}</span>'
                )
            lever_cell = (
                f"<td><strong>{_e(lever.text('label', lang))}</strong>{focus}</td>"
                f"<td>{_e(lever.text('action', lang))}</td>"
            )
        rows.append(f"<tr><td>{_e(name)}</td><td>{_e(evidence)}</td>{lever_cell}</tr>")
    head = "".join(f"<th>{c(k)}</th>" for k in ("finding", "evidence", "lever", "action"))
    parts.append(
        f'<table class="cx-table cx-levers"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return HTML("".join(parts))


def loop_table(loop: OuterLoop, lang: str) -> HTML:
    """The recurring comment themes with the plan's pain points they belong to (outer loop)."""
    from cxlib.report import blocks as display

    parts = [display.note(t("journeys.loop.intro", lang), lang=lang).data]
    if not loop.comments:
        parts.append(display.note(t("journeys.loop.no_comments", lang), lang=lang).data)
        return HTML("".join(parts))
    if not loop.persistence_checked:
        parts.append(display.note(t("journeys.loop.one_period", lang), lang=lang).data)
    if not loop.themes:
        parts.append(display.note(t("journeys.loop.none", lang), lang=lang).data)
        return HTML("".join(parts))
    pains = dict(loop.pains)
    rows = []
    for theme in loop.themes:
        values = {
            "share": fmt.percent(theme.share, 0, lang),
            "n": fmt.integer(theme.comments, lang),
            "seen": fmt.integer(theme.periods, lang),
            "periods": fmt.integer(loop.periods, lang),
        }
        key = "evidence" if loop.persistence_checked else "evidence_one"
        evidence = t(f"journeys.loop.{key}", lang, **values)
        if theme.pain_points:
            pain = "<br>".join(
                f'<span class="cx-map-mark">{_mark(number)}</span> {_e(pains.get(number, ""))}'
                for number in theme.pain_points
            )
        else:
            pain = f'<span class="cx-map-missing">{_e(t("journeys.loop.no_pain", lang))}</span>'
        rows.append(
            f"<tr><td><strong>{_e(theme.label(lang))}</strong></td><td>{_e(evidence)}</td>"
            f"<td>{pain}</td></tr>"
        )
    head = "".join(
        f"<th>{_e(t(f'journeys.loop.col.{key}', lang))}</th>"
        for key in ("theme", "evidence", "pain")
    )
    parts.append(
        f'<table class="cx-table cx-levers"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return HTML("".join(parts))
