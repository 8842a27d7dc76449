"""The journey section of the report: the words, blocks and statements of a JourneyAnalysis.

:func:`section` is the second of the section's two steps; it words the result
of :func:`cxlib.journeys.analysis.analyse` in one language. The blocks, in
report order: ``map`` (the journey map, the section's first figure), ``chart``
(the ranking heading and the bubble chart), ``ranking``, ``evidence``, ``plan``,
``levers`` (findings linked to the lever catalogue), ``loop`` (recurring comment
themes and the plan's pain points they belong to), ``checklist``, ``basis``
(the data the evidence rests on).
"""

from __future__ import annotations

from dataclasses import dataclass

from IPython.display import HTML

from cxlib import formatting as fmt
from cxlib.journeys.analysis import JourneyAnalysis
from cxlib.journeys.facts import RATINGS, facts, rating_id
from cxlib.journeys.map_view import lever_table, loop_table, map_figure
from cxlib.journeys.value_words import value_note, value_statement
from cxlib.report import blocks as display
from cxlib.report.section import Block, Section
from cxlib.report.summary import Light, Statement
from cxlib.texts import t


@dataclass(frozen=True)
class _Words:
    """The section's displays and sentences in one language."""

    result: JourneyAnalysis
    lang: str
    #: the phase early churn is attributed to (the map shows it there)
    params_churn_phase: str | None = None

    def _t(self, key: str, **values: object) -> str:
        return t(f"journeys.{key}", self.lang, **values)

    def _heading(self, name: str) -> HTML:
        return display.subheading(self._t(f"headings.{name}"))

    def key_message(self) -> str:
        """The subtitle: the choice, the branch of the rule and robustness."""
        selection = self.result.selection
        if selection is None:
            return self._t("none_rated")
        return selection.headline(self.lang)

    def map(self) -> list[object]:
        """The journey map: heading and figure (phases left to right with their evidence)."""
        churn_phase = self.params_churn_phase
        figure = map_figure(self.result.map, self.lang, churn_phase)
        return [display.subheading(self._t("map.heading")), figure]

    def levers(self) -> list[object]:
        """From findings to levers: each linked finding with the lever to pull."""
        table = lever_table(
            self.result.levers,
            self.lang,
            self.result.map.small_n,
            tuple(cell.phase for cell in self.result.map.phases if cell.focus),
        )
        # the consultant's tool for choosing measures: in the appendix, a pointer here
        return [display.appendix(self._t("levers.heading"), table, lang=self.lang)]

    def loop(self) -> list[object]:
        """The outer loop: recurring comment themes and the plan's pain points they belong to."""
        title = self._t("loop.heading")
        return [display.appendix(title, loop_table(self.result.loop, self.lang), lang=self.lang)]

    def chart(self) -> list[object]:
        """The ranking heading and the bubble chart with its reading (a note without ratings)."""
        selection = self.result.selection
        if selection is None:
            return [self._heading("ranking"), display.note(self._t("none_rated"), lang=self.lang)]
        reading = f"{selection.explanation(self.lang)} {selection.robustness(self.lang)}"
        alt = f"{self._t('chart.alt')} {selection.explanation(self.lang)}"
        figure = display.figure(selection.plot(lang=self.lang).figure, alt=alt)
        return [self._heading("ranking"), figure, display.reading(reading, self.lang)]

    def ranking(self) -> list[object]:
        """The ranking table (the rule's inputs and result); nothing without ratings."""
        selection = self.result.selection
        if selection is None:
            return []
        # the rule's inputs are for checking the chart: in the appendix
        title = self._t("headings.ranking")
        return [display.appendix(title, selection.summary(self.lang), lang=self.lang)]

    def evidence(self) -> list[object]:
        """What the data say about the candidates (contradictions or the reading); the
        tables behind it (per journey, per phase) are for checking: in the appendix."""
        evidence = self.result.evidence
        texts = evidence.contradiction_texts(self.lang)
        if texts:
            after = display.note(" ".join(texts), kind="warning", lang=self.lang)
        else:
            small_n = fmt.integer(evidence.small_n, self.lang)
            reading = self._t("evidence.consistent", small_n=small_n)
            after = display.reading(reading, self.lang)
        note = display.note(self._t("evidence.note"), lang=self.lang)
        title = self._t("headings.evidence")
        parts: list[object] = [self._heading("evidence"), after]
        parts.append(display.appendix(title, note, evidence.summary(self.lang), lang=self.lang))
        phases = evidence.phase_table(self.lang)
        if not phases.empty:  # the phases in detail
            caption = f"{title} – {self._t('evidence.by_phase')}"
            detail = display.table(phases, self.lang)
            parts.append(display.appendix(caption, detail, lang=self.lang))
        return parts

    def plan(self) -> list[object]:
        """The printable 1-3-3 plan: issues (if any), pain points, measures, reading."""
        plan = self.result.plan
        if plan is None:
            return [self._heading("plan")]
        parts = [self._heading("plan")]
        if plan.issues:
            parts.append(display.note(" ".join(plan.issue_texts(self.lang)), "warning", self.lang))
        pains, measures = self._t("headings.pains"), self._t("headings.measures")
        parts.append(display.table(plan.pain_table(self.lang), self.lang, caption=pains))
        parts.append(display.table(plan.table(self.lang), self.lang, caption=measures))
        undetectable = plan.detection_texts(self.lang)
        if undetectable:
            parts.append(display.note(" ".join(undetectable), "warning", self.lang))
        parts.append(display.reading(plan.reading(self.lang), self.lang))
        worth = value_note(self.result.value, plan, self.lang)
        if worth is not None:  # what the plan is worth: a short note under it
            parts.append(display.note(worth, lang=self.lang))
        # one block, so that the printed plan stays on one page (report.css: .cx-plan)
        body = "".join(part.data for part in parts)
        return [HTML(f'<section class="cx-plan">{body}</section>')]

    def checklist(self) -> list[object]:
        """Symptom checklist and early-warning signals with the reading."""
        checklist = self.result.checklist
        status = checklist.signals["status"]
        reading = self._t(
            "checklist.reading",
            applies=fmt.integer(checklist.applies, self.lang),
            answered=fmt.integer(checklist.answered, self.lang),
            shown=fmt.integer(int((status == "shown").sum()), self.lang),
            checked=fmt.integer(int(status.isin(["shown", "not_shown"]).sum()), self.lang),
        )
        tables = display.appendix(
            self._t("headings.checklist"), checklist.summary(self.lang), lang=self.lang
        )
        return [self._heading("checklist"), display.reading(reading, self.lang), tables]

    def basis(self) -> list[object]:
        """The data basis: what the tickets table holds; nothing without tickets (evidence and
        checklist already say that the data hold none)."""
        overview = self.result.overview
        if not overview.tables:  # nothing loaded: the evidence block already says so
            return []
        title = self._t("headings.basis")
        return [
            display.appendix(title, overview.summary(self.lang), lang=self.lang, place="quality")
        ]

    def statements(self) -> tuple[Statement, ...]:
        """The management-summary statement: the recommended journey.

        A recommendation has no target, so it is never green: grey when the
        rule chose it robustly, amber when a one-point change in a rating
        would flip it or the fallback rule chose it. The plan's next steps are
        shown in the section, not in the summary; its value in euros is a
        second statement where a measure is valued (grey: a potential, no
        finding).
        """
        selection = self.result.selection
        if selection is None:
            return (Statement(self._t("none_rated"), "grey", "journey"),)
        robust = selection.robust and selection.reason in ("rule", "tie")
        cited = tuple(
            rating_id(selection.selected, c) for c in RATINGS if selection.chosen_row is not None
        )
        light: Light = "grey" if robust else "amber"
        headline = Statement(selection.headline(self.lang), light, "journey", "context", cited)
        worth = value_statement(self.result.value, self.lang)
        return (headline,) if worth is None else (headline, worth)

    def figures(self) -> dict[str, object]:
        """Key figures for results.json: ratings, ranking, choice, reason, plan, evidence."""
        selection, evidence, plan = self.result.selection, self.result.evidence, self.result.plan
        checklist = self.result.checklist
        return {
            "selection": selection.to_dict() if selection else None,
            "explanation": selection.explanation(self.lang) if selection else None,
            "evidence": evidence.journeys.to_dict(orient="records"),
            "evidence_phases": evidence.phases.to_dict(orient="records"),
            "early_churn": evidence.churn.to_dict(orient="records"),
            "contradictions": list(evidence.contradictions),
            "plan": plan.to_dict(self.lang) if plan else None,
            "symptoms_apply": checklist.applies,
            "checklist": checklist.to_frame().to_dict(orient="records"),
            "journey_map": self.result.map.to_frame().to_dict(orient="records"),
            "levers": self.result.levers.to_frame().to_dict(orient="records"),
            "recurring_themes": self.result.loop.to_frame().to_dict(orient="records"),
            "plan_value": (
                self.result.value.to_frame().to_dict(orient="records")
                if self.result.value is not None
                else None
            ),
        }


def section(result: JourneyAnalysis, lang: str) -> Section:
    """The journey section of ``result`` in ``lang`` (``de`` or ``en``).

    Blocks are built when shown (a chart is drawn in the cell that shows it).
    """
    words = _Words(result, lang, result.early_churn_phase)
    blocks: dict[str, Block] = {
        "map": words.map,
        "chart": words.chart,
        "ranking": words.ranking,
        "evidence": words.evidence,
        "plan": words.plan,
        "levers": words.levers,
        "loop": words.loop,
        "checklist": words.checklist,
        "basis": words.basis,
    }
    return Section(
        id="journey",
        key_message=words.key_message(),
        blocks=blocks,
        statements=words.statements(),
        figures=words.figures(),
        facts=facts(result),
    )
