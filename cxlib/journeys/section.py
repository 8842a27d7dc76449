"""The journey section in one call: selection, evidence, 1-3-3 plan and checklist.

The notebook ``02-journey-auswahl`` calls :func:`analyse` and shows the
parts; this module also writes the section's key message, readings and
management-summary statements from the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from IPython.display import HTML

from cxlib import formatting as fmt
from cxlib.journeys.checklist import Checklist, check
from cxlib.journeys.evidence import Evidence, collect, contradictions
from cxlib.journeys.plan import ActionPlan
from cxlib.journeys.plan import build as build_plan
from cxlib.journeys.selection import Selection, from_workshop, journey_id
from cxlib.report.summary import Statement
from cxlib.texts import t


@dataclass(frozen=True)
class JourneyReport:
    """Everything the journey section shows."""

    selection: Selection | None
    evidence: Evidence
    plan: ActionPlan | None
    checklist: Checklist
    lang: str = "de"

    def key_message(self) -> str:
        """The section's subtitle: the choice, the branch of the rule and robustness."""
        if self.selection is None:
            return t("journeys.none_rated", self.lang)
        return self.selection.headline(self.lang)

    def chart_reading(self) -> str:
        """Reading aid under the bubble chart."""
        return f"{self.selection.explanation(self.lang)} {self.selection.robustness(self.lang)}"

    def evidence_reading(self) -> str:
        """Reading aid under the evidence table: contradictions or agreement."""
        texts = self.evidence.contradiction_texts(self.lang)
        if texts:
            return " ".join(texts)
        small_n = fmt.integer(self.evidence.small_n, self.lang)
        return t("journeys.evidence.consistent", self.lang, small_n=small_n)

    def checklist_reading(self) -> str:
        """Reading aid under the checklist: how many symptoms apply, signals seen."""
        shown = int((self.checklist.signals["status"] == "shown").sum())
        checked = int(self.checklist.signals["status"].isin(["shown", "not_shown"]).sum())
        return t(
            "journeys.checklist.reading",
            self.lang,
            applies=fmt.integer(self.checklist.applies, self.lang),
            answered=fmt.integer(self.checklist.answered, self.lang),
            shown=fmt.integer(shown, self.lang),
            checked=fmt.integer(checked, self.lang),
        )

    # --- what the notebook shows (escaped HTML; empty when there is nothing) ---------

    def chart(self) -> Any:
        """The bubble chart with its reading aid, or a note when nothing was rated."""
        from cxlib.report import blocks as display

        if self.selection is None:
            return display.note(t("journeys.none_rated", self.lang), lang=self.lang)
        figure = display.figure(
            self.selection.plot(lang=self.lang).figure, alt=t("journeys.chart.alt", self.lang)
        )
        reading = display.reading(self.chart_reading(), self.lang)
        return HTML(figure.data + reading.data)

    def ranking(self) -> Any:
        """The ranking table (rule's inputs and result)."""
        return self.selection.summary(self.lang) if self.selection else HTML("")

    def evidence_view(self) -> Any:
        """The evidence table with its reading aid (contradictions as a warning)."""
        from cxlib.report import blocks as display

        table = self.evidence.summary(self.lang).data
        phases = self.evidence.phase_table(self.lang)
        if not phases.empty:
            caption = t("journeys.evidence.by_phase", self.lang)
            table += display.table(phases, self.lang, caption=caption).data
        texts = self.evidence.contradiction_texts(self.lang)
        if texts:
            note = display.note(" ".join(texts), kind="warning", lang=self.lang)
            return HTML(table + note.data)
        return HTML(table + display.reading(self.evidence_reading(), self.lang).data)

    def plan_view(self) -> Any:
        """The printable 1-3-3 plan: issues (if any), pain points, measures, reading."""
        from cxlib.report import blocks as display

        if self.plan is None:
            return HTML("")
        parts = []
        if self.plan.issues:
            parts.append(display.note(" ".join(self.plan.issues), "warning", self.lang).data)
        parts.append(
            display.table(
                self.plan.pain_table(self.lang),
                self.lang,
                caption=t("journeys.headings.pains", self.lang),
            ).data
        )
        parts.append(
            display.table(
                self.plan.table(self.lang),
                self.lang,
                caption=t("journeys.headings.measures", self.lang),
            ).data
        )
        if self.plan.complete:
            date = fmt.date(self.plan.last_check, self.lang)
            reading = t("journeys.plan.reading_complete", self.lang, date=date)
        else:
            reading = t("journeys.plan.reading_incomplete", self.lang)
        parts.append(display.reading(reading, self.lang).data)
        return HTML("".join(parts))

    def checklist_view(self) -> Any:
        """Symptom checklist and early-warning signals with the reading aid."""
        from cxlib.report import blocks as display

        return HTML(
            self.checklist.summary(self.lang).data
            + display.reading(self.checklist_reading(), self.lang).data
        )

    def statements(self) -> list[Statement]:
        """One or two management-summary statements, most important first."""
        if self.selection is None:
            return [Statement(t("journeys.none_rated", self.lang), "grey", "journey")]
        sel = self.selection
        light = "green" if sel.robust and sel.reason in ("rule", "tie") else "amber"
        out = [Statement(sel.headline(self.lang), light, "journey")]
        if self.plan is not None:
            light = "green" if self.plan.complete else "amber"
            out.append(Statement(self.plan.statement_text(self.lang), light, "journey"))
        return out

    def figures(self) -> dict[str, Any]:
        """Key figures for results.json: ratings, ranking, choice, reason, plan, evidence."""
        return {
            "selection": self.selection.to_dict() if self.selection else None,
            "explanation": self.selection.explanation(self.lang) if self.selection else None,
            "evidence": self.evidence.journeys.to_dict(orient="records"),
            "evidence_phases": self.evidence.phases.to_dict(orient="records"),
            "early_churn": self.evidence.churn.to_dict(orient="records"),
            "contradictions": list(self.evidence.contradictions),
            "plan": self.plan.to_dict() if self.plan else None,
            "symptoms_apply": self.checklist.applies,
            "checklist": self.checklist.to_frame().to_dict(orient="records"),
        }


def analyse(params: Any, data: Any, lang: str = "de") -> JourneyReport:
    """Run the whole journey section for one client's parameters and data."""
    workshop, options = params.workshop, params.analysis.journey
    selection = from_workshop(workshop, options)
    evidence = collect(
        data,
        workshop,
        options,
        cutoff=params.cutoff,
        contractual=params.business_model == "contractual",
        observation_start=params.analysis.observation_start,
        inactivity_days=params.analysis.survival.inactivity_days,
        min_n=params.analysis.min_n,
        small_n=params.analysis.small_n,
    )
    plan = None
    if selection is not None:
        evidence = contradictions(evidence, selection, options)
        chosen_id = journey_id(workshop, selection.selected)
        plan = build_plan(
            workshop,
            chosen_id,
            selection.selected,
            options,
            evidence,
            data.get("tickets"),
            lang,
            warn=False,
        )
    checklist = check(
        workshop,
        data,
        options,
        cutoff=params.cutoff,
        inactivity_days=params.analysis.survival.inactivity_days,
        min_n=params.analysis.min_n,
    )
    return JourneyReport(selection, evidence, plan, checklist, lang)
