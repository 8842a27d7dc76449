"""Maturity capture in the workshop: the 24 statements per respondent, results live.

One :class:`MaturityCapture` shows, for the respondent picked at the top, the
questionnaire's statements grouped by dimension (one accordion page each), every
statement with its five behaviour anchors (0-4) and "weiß nicht" as clickable
choices, and the progress ("17 von 24"). Several respondents are captured side
by side: a picker, an "add respondent" row and an overview table of everyone's
progress. Every click is saved at once through the workshop store (with the
version token read when the respondent was loaded) and the live results
(index, stage, radar chart, disagreement flags) are recomputed with
:func:`cxlib.maturity.assessment.assess` on exactly the answers in the widgets.

"Weiß nicht" is saved as an empty score (it is not a 0); a statement nobody
clicked yet is not saved at all.
"""

from __future__ import annotations

import html
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.exceptions import CXError, DataError
from cxlib.maturity.assessment import MaturityResult, assess, dimension_scores, questionnaire
from cxlib.maturity.plots import radar
from cxlib.texts import t
from cxlib.workshop.capture import Capture, Debouncer
from cxlib.workshop.inputs import same_name, shown_text

if TYPE_CHECKING:
    from cxlib.workshop.capture import StatusBar
    from cxlib.workshop.store import WorkshopStore

__all__ = ["DONT_KNOW", "MaturityCapture", "Respondent", "figure_png"]

#: Value of the "weiß nicht" choice in the widgets (saved as an empty score).
DONT_KNOW = "?"


def figure_png(
    draw: Callable[[Any], Any],
    *,
    figsize: tuple[float, float] = (7.0, 4.6),
    polar: bool = False,
    margins: dict[str, float] | None = None,
) -> bytes:
    """Draw on a fresh (pyplot-free) figure and return it as PNG bytes.

    Using :class:`matplotlib.figure.Figure` directly keeps no figure open in
    pyplot, so repeated redraws during a workshop do not pile up memory. Fixed
    ``margins`` (``subplots_adjust`` arguments) instead of a tight bounding box
    draw the figure once instead of twice.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100)
    ax = fig.add_subplot(projection="polar" if polar else None)
    if margins:
        fig.subplots_adjust(**margins)
    draw(ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white", bbox_inches=None if margins else "tight")
    return buffer.getvalue()


#: Room for the radar's outer labels and its legend below.
RADAR_MARGINS = {"left": 0.19, "right": 0.81, "top": 0.9, "bottom": 0.17}


@dataclass
class Respondent:
    """One respondent's answers as held in the widgets.

    ``scores`` holds the clicked statements only: 0-4, or None for "weiß nicht".
    ``token`` is the store's version token read when the answers were loaded;
    ``unsaved`` is True while the last save of these answers was refused.
    """

    name: str
    department: str
    scores: dict[str, int | None] = field(default_factory=dict)
    token: str | None = None
    unsaved: bool = False


#: How many unrated statements the missing-note names (the rest as "…").
MISSING_SHOWN = 8


def _problem_text(exc: CXError) -> str:
    """A short one-line message for a data error (its problems), else the message."""
    if isinstance(exc, DataError) and exc.problems:
        return "; ".join(p.message for p in exc.problems[:3])
    return str(exc)


class MaturityCapture(Capture):
    """The Reifegrad tab: capture widgets per respondent plus the live results.

    ``store`` implements the workshop store interface (``parameters``,
    ``maturity_answers``, ``maturity_token``, ``save_maturity``); ``status``
    reports saves and errors (the app's header); ``on_change`` is called after
    each successful save; ``redraw`` is how long the radar chart waits for
    further clicks before it is redrawn (inside the kernel's event loop).
    ``widget`` is what to display; ``result`` the live
    :class:`~cxlib.maturity.assessment.MaturityResult` (None while the answers do not
    allow one, ``result_problem`` says why).
    """

    def __init__(
        self,
        store: WorkshopStore,
        lang: str = "de",
        status: StatusBar | None = None,
        *,
        on_change: Callable[[], None] | None = None,
        redraw: float = 0.3,
    ) -> None:
        super().__init__(store, lang, status)
        self.on_change = on_change
        self._redraw = Debouncer(self.draw_chart, redraw)
        params = store.parameters()
        self.client_name = params.client.name
        self.options = params.analysis.maturity
        source = params.resolve(self.options.questionnaire) if self.options.questionnaire else None
        self._source = source
        self.items = questionnaire(lang, source)
        self.item_ids: list[str] = list(self.items["item"])
        self.respondents: dict[str, Respondent] = {}
        self._history = pd.DataFrame()
        self._wave: str | None = None
        self.result: MaturityResult | None = None
        self.result_problem: str | None = None
        self._build()
        self.load()

    # ------------------------------------------------------------------ widgets
    def _tx(self, key: str, **values: Any) -> str:
        return t(f"workshop.maturity.{key}", self.lang, **values)

    def _build(self) -> None:
        full = w.Layout(width="100%")
        self.picker = w.Dropdown(
            description=self._tx("respondent"),
            style={"description_width": "initial"},
            layout=w.Layout(width="24em", max_width="100%"),
        )
        self.picker.observe(self._on_pick, names="value")
        self.new_name = w.Text(placeholder=self._tx("name"), layout=w.Layout(width="14em"))
        self.new_department = w.Combobox(
            placeholder=self._tx("department"), ensure_option=False, layout=w.Layout(width="14em")
        )
        self.add_button = w.Button(
            description=self._tx("add"), icon="user-plus", layout=w.Layout(width="auto")
        )
        self.add_button.on_click(self._on_add)
        self.add_message = w.HTML()
        self.progress_bar = w.IntProgress(
            min=0, max=len(self.item_ids), value=0, layout=w.Layout(width="6em")
        )
        self.progress = w.HTML(layout=w.Layout(min_width="7em"))
        self.unit_state = w.HTML()
        self.empty_note = w.HTML(f"<i>{html.escape(self._tx('none_yet'))}</i>")

        self.choices: dict[str, w.RadioButtons] = {}
        pages = []
        self._dimensions: list[tuple[str, str, list[str]]] = []
        for dim, group in self.items.groupby("dimension", sort=False):
            rows = []
            for item in group.itertuples():
                options = [(f"{k} – {getattr(item, f'anchor_{k}')}", k) for k in range(5)]
                options.append((self._tx("dont_know"), DONT_KNOW))
                radio = w.RadioButtons(options=options, value=None, layout=full)
                radio.add_class("cxws-choice")
                radio.observe(self._on_answer(item.item), names="value")
                self.choices[item.item] = radio
                head = w.HTML(
                    f"<b>{html.escape(item.item)}</b> {html.escape(item.text)}",
                    layout=full,
                )
                rows.append(w.VBox([head, radio], layout=w.Layout(margin="0 0 0.8em 0")))
            pages.append(w.VBox(rows))
            self._dimensions.append((dim, group["dimension_name"].iat[0], list(group["item"])))
        self.accordion = w.Accordion(children=pages, layout=full)
        self.accordion.selected_index = 0

        self.result_text = w.HTML()
        self.chart = w.Image(format="png", layout=w.Layout(width="100%", max_width="640px"))
        self.flags = w.HTML()
        self.overview = w.HTML()

        add_row = w.HBox([self.new_name, self.new_department, self.add_button, self.add_message])
        capture = w.VBox(
            [
                w.HBox(
                    [self.picker, self.progress_bar, self.progress, self.unit_state],
                    layout=w.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.empty_note,
                self.accordion,
            ],
            layout=w.Layout(width="58%", padding="0 1em 0 0"),
        )
        results = w.VBox(
            [
                w.HTML(f"<h3>{html.escape(self._tx('results'))}</h3>"),
                self.result_text,
                self.chart,
                self.flags,
                w.HTML(f"<h3>{html.escape(self._tx('overview'))}</h3>"),
                self.overview,
            ],
            layout=w.Layout(width="42%"),
        )
        self.widget = w.VBox(
            [
                w.HTML(f"<b>{html.escape(self._tx('add_heading'))}</b>"),
                add_row,
                w.HBox([capture, results], layout=full),
            ]
        )
        self.widget.children[-1].add_class("cxws-columns")
        self.widget.add_class("cxws-maturity")

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        """(Re)read the answers and tokens from the store; the widgets show the saved state."""
        answers = self.store.maturity_answers()
        self.respondents = {}
        self._history = pd.DataFrame()
        self._wave = None
        if answers is not None and not answers.empty:
            if "wave" in answers.columns and answers["wave"].notna().any():
                self._wave = str(sorted(answers["wave"].dropna().astype(str).unique())[-1])
                latest = answers["wave"].astype("string") == self._wave
                self._history = answers[~latest.fillna(False)].copy()
                answers = answers[latest.fillna(False)]
            for row in answers.itertuples(index=False):
                name = shown_text(str(row.respondent))  # as typed, without Excel's apostrophe
                person = self.respondents.get(name)
                if person is None:
                    person = Respondent(name, shown_text(str(row.department)))
                    self.respondents[name] = person
                score = row.score
                person.scores[str(row.item)] = None if pd.isna(score) else int(score)
        for person in self.respondents.values():
            person.token = self.store.maturity_token(person.name)
        current = self.picker.value if self.picker.value in self.respondents else None
        self._refresh_picker(current or next(iter(self.respondents), None))
        self._refresh_departments()
        self.refresh_results()

    def _refresh_picker(self, select: str | None) -> None:
        self._loading = True
        try:
            self.picker.options = [
                (f"{p.name} ({p.department})", p.name) for p in self.respondents.values()
            ]
            self.picker.value = select
        finally:
            self._loading = False
        self._show(select)

    def _refresh_departments(self) -> None:
        known = dict.fromkeys(p.department for p in self.respondents.values())
        self.new_department.options = list(known)

    def _show(self, name: str | None) -> None:
        """Put one respondent's answers into the radio buttons."""
        person = self.respondents.get(name) if name else None
        self.empty_note.layout.display = "none" if person else None
        self.accordion.layout.display = None if person else "none"
        self._loading = True
        try:
            for item, radio in self.choices.items():
                if person is None or item not in person.scores:
                    radio.value = None
                else:
                    score = person.scores[item]
                    radio.value = DONT_KNOW if score is None else score
        finally:
            self._loading = False
        self._refresh_progress()

    # ------------------------------------------------------------------ events
    @property
    def current(self) -> Respondent | None:
        """The respondent shown in the capture widgets."""
        return self.respondents.get(self.picker.value) if self.picker.value else None

    def _on_pick(self, change: dict) -> None:
        if not self._loading:
            self._show(change["new"])

    def _on_add(self, _button: Any = None) -> None:
        name = self.new_name.value.strip()
        department = self.new_department.value.strip()
        problem = None
        if not name:
            problem = self._tx("name_missing")
        elif not department:
            problem = self._tx("department_missing")
        elif same_name(name, self.respondents) is not None:  # "p01" is "P01"
            problem = self._tx("name_taken", name=same_name(name, self.respondents))
        if problem:
            self.add_message.value = f'<span class="cxws-error">{html.escape(problem)}</span>'
            return
        try:
            token = self.store.maturity_token(name)
        except CXError as exc:
            self.status.error(exc)
            return
        self.add_message.value = ""
        self.respondents[name] = Respondent(name, department, token=token)
        self.new_name.value = ""
        self.new_department.value = ""
        self._refresh_departments()
        self._refresh_picker(name)
        self.accordion.selected_index = 0
        self._refresh_overview()

    def add_respondent(self, name: str, department: str) -> None:
        """Add a respondent (as the add row does) and show it."""
        self.new_name.value = name
        self.new_department.value = department
        self._on_add()

    def _on_answer(self, item: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            if self._loading or change["new"] is None:
                return
            person = self.current
            if person is None:
                return
            value = change["new"]
            was_open = self._open_page(person)
            person.scores[item] = None if value == DONT_KNOW else int(value)
            self._refresh_progress()
            self._advance(person, was_open)
            self._save(person)
            self.refresh_results()

        return handler

    def _open_page(self, person: Respondent) -> int | None:
        """The accordion page shown, if it still has an unanswered statement."""
        page = self.accordion.selected_index
        if page is None:
            return None
        items = self._dimensions[page][2]
        return page if any(i not in person.scores for i in items) else None

    def _advance(self, person: Respondent, page: int | None) -> None:
        """Open the next dimension when this click answered the last open statement of a page."""
        if page is None or page + 1 >= len(self._dimensions):
            return
        if all(i in person.scores for i in self._dimensions[page][2]):
            self.accordion.selected_index = page + 1

    def answer(self, item: str, score: int | None) -> None:
        """Click an answer for the current respondent (None = "weiß nicht")."""
        self.choices[item].value = DONT_KNOW if score is None else score

    def _save(self, person: Respondent) -> None:
        scores = {i: person.scores[i] for i in self.item_ids if i in person.scores}
        unit = t("workshop.status.units.maturity", self.lang, respondent=person.name)
        saved = self.status.attempt(
            lambda: self.store.save_maturity(
                person.name, person.department, scores, expected=person.token
            ),
            unit=unit,
        )
        person.unsaved = saved is None  # shown beside the person too, not only in the header
        self._refresh_progress()
        self._refresh_overview()
        if saved is not None:
            person.token = saved.token
            if self.on_change is not None:
                self.on_change()

    # ------------------------------------------------------------------ results
    def _refresh_progress(self) -> None:
        person = self.current
        done = len(person.scores) if person else 0
        self.progress_bar.value = done
        total = len(self.item_ids)
        progress = html.escape(self._tx("progress", done=done, total=total))
        self.progress.value = f'<b style="white-space: nowrap">{progress}</b>'
        unsaved = html.escape(t("workshop.status.row_unsaved", self.lang))
        marked = person is not None and person.unsaved
        self.unit_state.value = f'<span class="cxws-error">{unsaved}</span>' if marked else ""
        for index, (dim, name, items) in enumerate(self._dimensions):
            answered = sum(1 for i in items if person and i in person.scores)
            self.accordion.set_title(index, f"{dim} {name} · {answered}/{len(items)}")

    def answers_frame(self) -> pd.DataFrame:
        """The answers in the widgets as the canonical table (plus earlier waves, if any)."""
        rows = [
            {
                "respondent": p.name,
                "department": p.department,
                "item": item,
                "score": np.nan if score is None else float(score),
            }
            for p in self.respondents.values()
            for item, score in p.scores.items()
        ]
        frame = pd.DataFrame(rows, columns=["respondent", "department", "item", "score"])
        if self._wave is not None:
            frame["wave"] = self._wave
            history = self._history[[c for c in frame.columns if c in self._history.columns]]
            frame = pd.concat([history, frame], ignore_index=True)
        return frame

    def refresh_results(self) -> None:
        """Recompute index, stage, radar, flags and overview from the widgets' answers."""
        frame = self.answers_frame()
        self.result, self.result_problem = None, None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.result = assess(frame, self._source, options=self.options)
        except CXError as exc:
            self.result_problem = _problem_text(exc)
        self._refresh_overview()
        if self.result is None:
            partial = self._partial_html()
            message = self._tx("not_enough", message=self.result_problem)
            self.result_text.value = partial or f"<p>{html.escape(message)}</p>"
            self._redraw.cancel()
            self.chart.layout.display = "none"
            self.flags.value = ""
            return
        r = self.result
        text = self._tx(
            "index",
            index=fmt.integer(r.index, self.lang),
            stage=r.stage,
            stage_name=r.stage_label(self.lang),
        )
        if r.capped:
            text += " " + self._tx("capped")
        count = self._tx("answers", n=r.n_respondents, answers=int(r.dimensions["n_answers"].sum()))
        self.result_text.value = (
            f'<p class="cxws-big"><b>{html.escape(text)}</b></p><p>{html.escape(count)}</p>'
            + self._missing_html()
        )
        self.flags.value = self._flags_html(r)
        self._redraw()

    def _rated_items(self) -> set[str]:
        """The statements with at least one rating 0-4 (not "weiß nicht") in this wave."""
        return {i for p in self.respondents.values() for i, v in p.scores.items() if v is not None}

    def _missing_html(self, unrated: list[str] | None = None) -> str:
        """The note on statements that nobody has rated yet (empty when all are rated)."""
        rated = self._rated_items()
        missing = [i for i in self.item_ids if i not in rated]
        parts = []
        if unrated:
            parts.append(self._tx("missing_dimensions", dimensions=", ".join(unrated)))
        if missing:
            more = " …" if len(missing) > MISSING_SHOWN else ""
            shown = ", ".join(missing[:MISSING_SHOWN]) + more
            parts.append(
                self._tx("missing_items", n=len(missing), total=len(self.item_ids), items=shown)
            )
        return "".join(f'<p class="cxws-missing">{html.escape(p)}</p>' for p in parts)

    def _partial_html(self) -> str:
        """What partial answers already show: the rated dimensions' scores, and what is missing.

        Empty when there is no rating at all (or the answers break the rules): then
        the plain "no result yet" message stands.
        """
        frame = self.answers_frame()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                dims = dimension_scores(frame, self._source, options=self.options)
        except CXError:
            return ""
        if dims["score"].isna().all():
            return ""
        names = {dim: name for dim, name, _items in self._dimensions}
        rows, unrated = [], []
        for r in dims.itertuples():
            label = f"{r.dimension} {names.get(r.dimension, '')}".strip()
            if pd.isna(r.score):
                unrated.append(label)
                shown = "–"
            else:
                shown = fmt.integer(r.score, self.lang)
            rows.append(
                f"<tr><td>{html.escape(label)}</td><td>{shown}</td><td>{r.n_answers}</td></tr>"
            )
        head = "".join(
            f"<th>{html.escape(self._tx(k))}</th>"
            for k in ("col_dimension", "col_points", "col_ratings")
        )
        return (
            f'<p class="cxws-partial"><b>{html.escape(self._tx("partial"))}</b></p>'
            f'<table class="cxws-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>" + self._missing_html(unrated)
        )

    def draw_chart(self) -> None:
        """Draw the radar chart of the current result (the deferred part of a refresh)."""
        r = self.result
        if r is None:
            return

        def draw(ax: Any) -> None:
            radar(r, ax=ax, lang=self.lang, client=self.client_name)
            ax.tick_params(axis="x", labelsize=10.5, pad=10)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=10.5, ncol=2)

        self.chart.value = figure_png(draw, figsize=(6.6, 5.8), polar=True, margins=RADAR_MARGINS)
        self.chart.layout.display = None

    def _flags_html(self, r: MaturityResult) -> str:
        points = r.options.disagreement_points
        flagged = r.disagreements
        head = f"<h4>{html.escape(self._tx('disagreement', points=points))}</h4>"
        if flagged.empty:
            return head + f"<p>{html.escape(self._tx('no_disagreement', points=points))}</p>"
        frame = self.answers_frame()
        if self._wave is not None:
            frame = frame[frame["wave"] == self._wave]
        texts = dict(zip(self.items["item"], self.items["text"], strict=True))
        lines = []
        for row in flagged.itertuples():
            answers = frame[frame["item"] == row.item]

            def who(value: float, answers: pd.DataFrame = answers) -> str:
                return ", ".join(answers.loc[answers["score"] == value, "respondent"])

            line = self._tx(
                "flag",
                item=row.item,
                text=texts.get(row.item, "").rstrip("."),
                low=fmt.integer(row.low, self.lang),
                low_who=who(row.low),
                high=fmt.integer(row.high, self.lang),
                high_who=who(row.high),
            )
            lines.append(f"<li>{html.escape(line)}</li>")
        return head + f'<ul class="cxws-flags">{"".join(lines)}</ul>'

    def _refresh_overview(self) -> None:
        total = len(self.item_ids)
        index = {}
        if self.result is not None:
            people = self.result.respondents
            index = dict(zip(people["respondent"], people["index"], strict=True))
        head = "".join(
            f"<th>{html.escape(self._tx(k))}</th>"
            for k in ("col_respondent", "col_department", "col_progress", "col_index")
        )
        rows = []
        for p in self.respondents.values():
            value = index.get(p.name)
            shown = "–" if value is None or pd.isna(value) else fmt.integer(value, self.lang)
            mark = ' class="cxws-current"' if p.name == self.picker.value else ""
            unsaved = ""
            if p.unsaved:
                unsaved = f' <span class="cxws-error">{html.escape(self._tx("unsaved"))}</span>'
            rows.append(
                f"<tr{mark}><td>{html.escape(p.name)}{unsaved}</td>"
                f"<td>{html.escape(p.department)}</td>"
                f"<td>{len(p.scores)}/{total}</td><td>{shown}</td></tr>"
            )
        self.overview.value = (
            f'<table class="cxws-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
