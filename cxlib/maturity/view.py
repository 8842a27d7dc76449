"""The maturity section of the report: the words, blocks and statements of a MaturityAnalysis.

:func:`section` is the second of the section's two steps; it words the result
of :func:`cxlib.maturity.analysis.analyse` in one language. The blocks, in
report order: ``stage``, ``dimension_table``, ``radar``, ``heatmap``,
``disagreement``, ``typing``, ``fields``, ``seed_comparison``, ``basis`` (the
data basis heading and table) and ``categories``. Each block shows nothing when
it does not apply (one department, no data); without data ``stage`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd
from IPython.display import HTML

from cxlib import formatting as fmt
from cxlib.io.overview import DataOverview
from cxlib.maturity.analysis import MaturityAnalysis
from cxlib.maturity.assessment import STAGE_KEYS, MaturityResult
from cxlib.maturity.facts import ITEM_TOP, facts
from cxlib.maturity.plots import radar, reference_level
from cxlib.report import blocks as display
from cxlib.report import charts as plots
from cxlib.report.facts import FactSheet
from cxlib.report.section import Block, Section
from cxlib.report.summary import Light, Statement
from cxlib.texts import t

#: The stage a client should reach (4 Skalieren: CX run systematically across the company);
#: the summary's light: green at or above it, amber one stage below, red further below.
TARGET_STAGE = 4
#: The field of action the seed survey names as SMEs' main obstacle ("Silos").
SILO_FIELD = "silos"
#: Below this gap (points) between the two typing groups the type is called a tendency.
CLOSE_PROFILE = 10.0


def stage_light(stage: int) -> Light:
    """The summary light of a maturity stage against :data:`TARGET_STAGE`."""
    if stage >= TARGET_STAGE:
        return "green"
    return "amber" if stage == TARGET_STAGE - 1 else "red"


def _join(*parts: HTML | str | None) -> HTML:
    """Several helper outputs (already escaped) as one display."""
    return HTML("".join(str(p.data) if isinstance(p, HTML) else str(p) for p in parts if p))


@dataclass(frozen=True)
class _Words:
    """The section's displays in one language; ``result`` is None without data."""

    result: MaturityResult | None
    lang: str
    client: str
    #: the section's facts: counts the displays state are read from here, never computed
    facts: FactSheet

    def _t(self, key: str, **values: object) -> str:
        return t(f"maturity.{key}", self.lang, **values)

    def _count(self, fact_id: str) -> int:
        return int(self.facts[fact_id].value)

    def _n(self, value: float, decimals: int = 0) -> str:
        return fmt.number(value, decimals, self.lang)

    def _dim(self, dimension: str) -> str:
        assert self.result is not None
        return self.result.dimension_name(dimension, self.lang)

    def key_message(self) -> str:
        """The section's key message (heading subtitle)."""
        r = self.result
        if r is None:
            return self._t("no_data")
        key = "key_message_capped" if r.capped else "key_message"
        return self._t(
            key,
            stage=r.stage,
            name=r.stage_label(self.lang),
            index=self._n(r.index),
            n=r.n_respondents,
            weakest=self._dim(r.weakest),
        )

    def stage(self) -> HTML:
        """The stage with its one-sentence meaning, the cap note and the basis note."""
        r = self.result
        if r is None:
            return display.note(self._t("no_data"), lang=self.lang)
        key = STAGE_KEYS[r.stage - 1]
        parts = [
            display.note(
                self._t(
                    "stage_box",
                    stage=r.stage,
                    name=r.stage_label(self.lang),
                    meaning=self._t(f"stages.{key}.meaning"),
                ),
                lang=self.lang,
            )
        ]
        if r.capped:
            weak = r.dimensions.sort_values("score", kind="stable").iloc[0]
            text = self._t(
                "cap_note",
                raw=r.raw_stage,
                raw_name=r.stage_label(self.lang, r.raw_stage),
                weakest=self._dim(weak["dimension"]),
                weak_stage=int(weak["stage"]),
            )
            parts.append(display.note(text, kind="warning", lang=self.lang))
        if r.silent_respondents:
            people = ", ".join(r.silent_respondents)
            parts.append(display.note(self._t("silent_note", people=people), lang=self.lang))
        return _join(*parts)

    def _basis_note(self) -> HTML:
        """How the survey was taken: who answered, the scale, "don't know", the version."""
        r = self.result
        assert r is not None
        basis = self._t(
            "basis_note",
            n=r.n_respondents,
            departments=self._count("maturity.departments"),
            missing=self._count("maturity.dont_know"),
            version=r.questionnaire.version,
        )
        if len(r.waves) > 1:
            basis += " " + self._t("wave_note", wave=r.wave, before=r.waves[-2])
        return display.note(basis, lang=self.lang)

    def dimension_table(self) -> HTML:
        """The readings of the dimension scores; the table (score, stage, department spread,
        answers) and how the survey was taken are for checking them: in the appendix.

        The scores themselves stay in the section: the radar chart names each one.
        """
        r = self.result
        if r is None:
            return HTML("")
        ordered = r.dimensions.sort_values("score", ascending=False, kind="stable")
        strong, weak = ordered.iloc[0], ordered.iloc[-1]
        title = self._t("heading.dimensions")
        parts: list[HTML | None] = [display.subheading(title)]
        if r.dimensions["spread"].notna().any():
            widest = r.dimensions.loc[r.dimensions["spread"].idxmax()]
            reading = self._t(
                "reading.dimensions",
                strongest=self._dim(strong["dimension"]),
                strong_score=self._n(strong["score"]),
                weakest=self._dim(weak["dimension"]),
                weak_score=self._n(weak["score"]),
                widest=self._dim(widest["dimension"]),
                spread=self._n(widest["spread"]),
            )
            parts.append(display.reading(reading, self.lang))
        parts.append(self._waves_reading())
        detail = [self._dimension_frame(), self._basis_note()]
        parts.append(display.appendix(title, *detail, lang=self.lang))
        return _join(*parts)

    def _dimension_frame(self) -> HTML:
        """The dimension table; with several waves also the change since the previous one."""
        r = self.result
        assert r is not None
        if r.changes.empty:
            return r.summary(self.lang)
        frame = r.dimensions
        change = r.changes.set_index("dimension")["change"].reindex(frame["dimension"])
        column = self._t("col.change_since", wave=r.waves[-2])
        table = pd.DataFrame(
            {
                self._t("col.dimension"): [self._dim(d) for d in frame["dimension"]],
                self._t("col.score"): frame["score"],
                column: change.to_numpy(),
                self._t("col.stage"): [
                    f"{s}\u00a0{r.stage_label(self.lang, s)}" for s in frame["stage"]
                ],
                self._t("col.spread"): frame["spread"],
                self._t("col.answers"): frame["n_answers"],
            }
        )
        return display.table(table, self.lang, decimals=0, signed=[column])

    def radar(self) -> HTML:
        """The radar chart against the next stage's threshold, with its reading."""
        r = self.result
        if r is None:
            return HTML("")
        _, level = reference_level(r)
        ax = radar(r, lang=self.lang, client=self.client)
        key = "reading.radar_top" if r.stage == 5 else "reading.radar"
        reading = self._t(
            key,
            client=self.client,
            target=self._n(level),
            below=self._count("maturity.below_next_stage"),
            dimensions=self._count("maturity.dimensions"),
        )
        if len(r.waves) > 1:
            reading += " " + self._t("reading.radar_wave", wave=r.waves[-2])
        return _join(
            display.subheading(self._t("heading.radar")),
            display.figure(
                ax.figure, alt=f"{self._t('chart.radar_alt', client=self.client)} {reading}"
            ),
            display.reading(reading, self.lang),
        )

    def heatmap(self) -> HTML:
        """Department × dimension heatmap (the silo index) as a shaded table, with its reading."""
        r = self.result
        if r is None:
            return HTML("")
        parts: list[HTML | str] = [display.subheading(self._t("heading.heatmap"))]
        if len(r.departments) < 2:
            parts.append(display.reading(self._t("reading.heatmap_single"), self.lang))
            return _join(*parts)
        widest = r.dimensions.loc[r.dimensions["spread"].idxmax(), "dimension"]
        column = r.departments[widest]
        reading = self._t(
            "reading.heatmap",
            dimension=self._dim(widest),
            low=column.idxmin(),
            low_score=self._n(column.min()),
            high=column.idxmax(),
            high_score=self._n(column.max()),
        )
        # the finding stays; the table of every department's score is for the workshop
        shading = display.reading(self._t("reading.heatmap_shading"), self.lang)
        title = self._t("heading.heatmap")
        detail = display.appendix(title, HTML(self._heat_table()), shading, lang=self.lang)
        parts += [display.reading(reading, self.lang), detail]
        return _join(*parts)

    def _heat_table(self) -> str:
        """The shaded table: darker = higher score; numbers in every cell (prints in b/w)."""
        assert self.result is not None
        frame = self.result.departments.T
        head = "".join(f'<th class="num" scope="col">{escape(str(d))}</th>' for d in frame.columns)
        rows = []
        for dimension, values in frame.iterrows():
            cells = []
            for value in values:
                if pd.isna(value):
                    cells.append(f'<td class="num">{fmt.MISSING}</td>')
                    continue
                # darker = higher; the number always readable (WCAG AA, charts.heat_cell)
                shade, ink = plots.heat_cell(plots.ACCENT, value / 100)
                style = f"background:{shade};color:{ink};text-align:center;padding:1mm 1.5mm"
                cells.append(f'<td class="num" style="{style}">{self._n(value)}</td>')
            label = escape(self._dim(str(dimension)))
            rows.append(f'<tr><th scope="row">{label}</th>{"".join(cells)}</tr>')
        corner = escape(self._t("col.dimension"))
        return (
            '<table class="cx-table cx-heatmap" style="font-size:8.5pt"><thead><tr>'
            f'<th scope="col">{corner}</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def disagreement(self) -> HTML:
        """Items whose answers lie ``disagreement_points`` or more apart."""
        r = self.result
        if r is None:
            return HTML("")
        flagged = r.disagreements
        points = r.options.disagreement_points
        parts: list[HTML | str] = [display.subheading(self._t("heading.disagreement"))]
        if flagged.empty:
            parts.append(
                display.reading(self._t("reading.no_disagreement", points=points), self.lang)
            )
            return _join(*parts)
        texts = r.questionnaire.texts
        table = pd.DataFrame(
            {
                self._t("col.item"): [f"{i} {texts[i][self.lang]}" for i in flagged["item"]],
                self._t("col.low"): [
                    f"{self._n(v)}: {d}"
                    for v, d in zip(flagged["low"], flagged["low_departments"], strict=True)
                ],
                self._t("col.high"): [
                    f"{self._n(v)}: {d}"
                    for v, d in zip(flagged["high"], flagged["high_departments"], strict=True)
                ],
            }
        )
        reading = self._t("reading.disagreement", n=len(flagged), points=points)
        parts.append(display.reading(reading, self.lang))
        # the statements themselves are for checking: in the appendix
        title = self._t("heading.disagreement")
        parts.append(display.appendix(title, display.table(table, self.lang), lang=self.lang))
        return _join(*parts)

    def _waves_reading(self) -> HTML | None:
        """The change since the previous wave in one sentence (None with one wave)."""
        r = self.result
        if r is None or r.changes.empty:
            return None
        dims = r.changes[r.changes["dimension"] != "index"]
        best = dims.loc[dims["change"].abs().idxmax()]
        total = r.changes.set_index("dimension").loc["index"]
        key = "reading.waves" if total["change"] > 0 else "reading.waves_down"
        reading = self._t(
            key,
            before=r.waves[-2],
            before_index=self._n(total["before"]),
            after_index=self._n(total["after"]),
            best=self._dim(best["dimension"]),
            best_change=fmt.signed(best["change"], 0, self.lang),
        )
        return display.reading(reading, self.lang)

    def typing(self) -> HTML:
        """The type (CX-Einsteiger / CX-Fortgeschrittene) with the seed's explanation."""
        r = self.result
        if r is None:
            return HTML("")
        scores = {k: self._n(v) for k, v in r.profile_scores.items()}
        text = self._t(f"profile.{r.profile}.text", **scores)
        gap = float(self.facts["maturity.profile.gap"].value)
        if gap < CLOSE_PROFILE:
            text += " " + self._t("profile.close", gap=self._n(gap))
        title = f"{self._t('heading.typing')}: {self._t(f'profile.{r.profile}.name')}"
        return _join(display.subheading(title), display.note(text, lang=self.lang))

    def fields(self) -> HTML:
        """The fields of action with Now / Next / Later steps."""
        r = self.result
        if r is None:
            return HTML("")
        frame = r.fields_frame(self.lang)
        table = pd.DataFrame(
            {
                self._t("col.field"): [
                    f"{n} ({self._n(s)}) → {f}"
                    for n, s, f in zip(frame["name"], frame["score"], frame["field"], strict=True)
                ],
                self._t("col.now"): frame["now"],
                self._t("col.next"): frame["next"],
                self._t("col.later"): frame["later"],
            }
        )
        return _join(
            display.subheading(self._t("heading.fields")),
            display.table(table, self.lang),
            display.reading(self._t("reading.fields"), self.lang),
        )

    def seed_comparison(self) -> HTML:
        """The seed survey's "a quarter rate their CX very good" as context, not a benchmark."""
        r = self.result
        if r is None:
            return HTML("")
        top = r.options.stage_cutoffs[-1]
        k = self._count("maturity.top_stage_respondents")
        text = self._t(
            "seed",
            client=self.client,
            k=k,
            n=r.n_respondents,
            top=self._n(top),
        )
        return _join(
            display.subheading(self._t("heading.seed")), display.note(text, lang=self.lang)
        )

    def statements(self) -> list[Statement]:
        """One or two summary statements: the stage, then disagreement or the type.

        The stage is a figure against :data:`TARGET_STAGE`; the disagreement is
        a risk (amber). The seed survey's "silos are the main obstacle" is added
        only when the client's own weakest field is the silos field.
        """
        r = self.result
        if r is None:
            return []
        first = Statement(
            self._t(
                "statement",
                stage=r.stage,
                name=r.stage_label(self.lang),
                index=self._n(r.index),
                weakest=self._dim(r.weakest),
            ),
            stage_light(r.stage),
            "maturity",
            "figure",
            ("maturity.stage", "rule.maturity.stages", "maturity.index"),
        )
        weakness = r.items["dimension"].map(r.dimensions.set_index("dimension")["score"])
        gaps = r.items.assign(weakness=weakness).sort_values(
            ["dept_gap", "weakness"], ascending=[False, True], kind="stable"
        )
        top = gaps.iloc[0] if len(gaps) else None
        if top is not None and top["dept_gap"] >= r.options.disagreement_points:
            text = self._t(
                "statement_disagreement",
                dimension=self._dim(top["dimension"]),
                item=top["item"],
                low=top["dept_low"],
                low_mean=self._n(top["dept_low_mean"], 1),
                high=top["dept_high"],
                high_mean=self._n(top["dept_high_mean"], 1),
                top=ITEM_TOP,
            )
            weakest = r.fields_of_action[0] if r.fields_of_action else None
            if weakest is not None and weakest.field == SILO_FIELD:
                text = text[:-1] + self._t("statement_silos", weakest=self._dim(weakest.dimension))
            cited = (
                f"maturity.item.{top['item']}.{top['dept_low']}",
                f"maturity.item.{top['item']}.{top['dept_high']}",
                "rule.maturity.item_top",
            )
            return [first, Statement(text, "amber", "maturity", "risk", cited)]
        group = self._t(f"profile.{r.profile}.group")
        name = self._t(f"profile.{r.profile}.name")
        return [
            first,
            Statement(self._t("statement_profile", profile=name, group=group), "grey", "maturity"),
        ]

    def figures(self) -> dict[str, object]:
        """The key figures for results.json."""
        r = self.result
        if r is None:
            return {"available": False}
        return {
            "available": True,
            "wave": r.wave,
            "index": round(r.index, 1),
            "stage": r.stage,
            "stage_name": r.stage_label(self.lang),
            "raw_stage": r.raw_stage,
            "capped": r.capped,
            "profile": r.profile,
            "respondents": r.n_respondents,
            "dimensions": r.to_frame().round(1).to_dict(orient="records"),
            "disagreements": r.disagreements["item"].tolist(),
            "silos": r.dimensions.loc[r.dimensions["silo"], "dimension"].tolist(),
            "fields_of_action": r.fields_frame(self.lang).round(1).to_dict(orient="records"),
            "changes": r.changes.round(1).to_dict(orient="records"),
            "questionnaire_version": r.questionnaire.version,
        }


def _shown(part: HTML | None) -> list[object]:
    """A block's outputs: nothing for an empty display."""
    return [part] if part is not None and part.data else []


def _profile(title: str, part: HTML, lang: str) -> HTML:
    """A part of the data profile, for the data quality in the appendix."""
    return display.appendix(title, part, lang=lang, place="quality")


def _profile_categories(overview: DataOverview, lang: str) -> list[object]:
    """The most frequent values of the category columns, for the appendix (nothing without)."""
    part = overview.categories(lang, caption=False)
    if part is None or not part.data:
        return []
    return [_profile(t("overview.categories_title", lang), part, lang)]


def section(result: MaturityAnalysis, lang: str) -> Section:
    """The maturity section of ``result`` in ``lang`` (``de`` or ``en``).

    Blocks are built when shown (a chart is drawn in the cell that shows it).
    """
    sheet = facts(result)
    words = _Words(result.assessment, lang, result.client, sheet)
    overview = result.overview
    basis = t("maturity.heading.basis", lang)
    blocks: dict[str, Block] = {
        "stage": lambda: _shown(words.stage()),
        "dimension_table": lambda: _shown(words.dimension_table()),
        "radar": lambda: _shown(words.radar()),
        "heatmap": lambda: _shown(words.heatmap()),
        "disagreement": lambda: _shown(words.disagreement()),
        "typing": lambda: _shown(words.typing()),
        "fields": lambda: _shown(words.fields()),
        "seed_comparison": lambda: _shown(words.seed_comparison()),
        # the data profile belongs to the data quality in the appendix, not to the maturity story
        "basis": lambda: [_profile(basis, overview.summary(lang), lang)],
        "categories": lambda: _profile_categories(overview, lang),
    }
    figures = words.figures()
    figures["data_overview"] = overview.to_frame().to_dict(orient="records")
    return Section(
        id="maturity",
        key_message=words.key_message(),
        blocks=blocks,
        statements=tuple(words.statements()),
        figures=figures,
        facts=sheet,
    )
