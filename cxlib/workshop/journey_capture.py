"""Journey capture in the workshop: 1-5 ratings per participant, the rule's choice live.

For the participant picked at the top, every candidate journey of the parameter
file gets three rows of buttons 1-5 (Häufigkeit, Schaden, Machbarkeit) and an
"unsicher" box. A rating is saved through the workshop store as soon as all three
values are set; until then the row says "noch nicht vollständig bewertet". The
bubble chart, the chosen journey, the reason and the robustness sentence are
recomputed with :func:`cxlib.journeys.selection.from_workshop` on exactly the complete
ratings in the widgets, so the rule (thresholds, fallback "Startphase zuerst")
is the one the report uses.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from cxlib.exceptions import CXError
from cxlib.journeys.selection import CRITERIA, Selection, from_workshop
from cxlib.parameters.schema import JourneyRating
from cxlib.texts import t
from cxlib.workshop.capture import Capture, Debouncer
from cxlib.workshop.inputs import same_name
from cxlib.workshop.maturity_capture import figure_png

#: The seed's standard candidates (seed 003, step 1), offered while a client has none.
STANDARD_CANDIDATES = ("startphase", "problemfall", "geldphase")

if TYPE_CHECKING:
    from cxlib.workshop.capture import StatusBar
    from cxlib.workshop.store import WorkshopStore

__all__ = ["JourneyCapture"]

#: Room for the axis labels of the bubble chart.
BUBBLE_MARGINS = {"left": 0.1, "right": 0.96, "top": 0.95, "bottom": 0.13}


class JourneyCapture(Capture):
    """The Journey-Auswahl tab: rating widgets per participant plus the live selection.

    ``ratings`` maps ``(journey_id, participant)`` to ``{"frequency", "damage",
    "feasibility", "uncertain"}`` (None while not clicked); ``selection`` is the
    live :class:`~cxlib.journeys.selection.Selection` (None while nothing is fully rated).
    ``redraw`` is how long the bubble chart waits for further clicks before it
    is redrawn (inside the kernel's event loop).
    """

    def __init__(
        self,
        store: WorkshopStore,
        lang: str = "de",
        status: StatusBar | None = None,
        *,
        redraw: float = 0.3,
    ) -> None:
        super().__init__(store, lang, status)
        self._redraw = Debouncer(self.draw_chart, redraw)
        #: Called after the candidates changed (the app reloads the plan tab's journeys).
        self.on_candidates: Callable[[], None] | None = None
        #: Called with the chosen journey's name (None: nothing chosen) after each refresh.
        self.on_selection: Callable[[str | None], None] | None = None
        self.selection: Selection | None = None
        self.ratings: dict[tuple[str, str], dict[str, Any]] = {}
        self.tokens: dict[tuple[str, str], str] = {}
        self.participants: list[str] = []
        self.load_parameters()
        self._build()
        self.load()

    def _tx(self, key: str, **values: Any) -> str:
        return t(f"workshop.journeys.{key}", self.lang, **values)

    def load_parameters(self) -> None:
        """Read the candidates and ratings from the store's parameter file."""
        params = self.store.parameters()
        self.workshop = params.workshop
        self.options = params.analysis.journey
        self.journeys = list(params.workshop.journeys)

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        self.picker = w.Dropdown(
            description=self._tx("participant"),
            style={"description_width": "initial"},
            layout=w.Layout(width="28em", max_width="100%"),
        )
        self.picker.observe(self._on_pick, names="value")
        self.new_name = w.Text(placeholder=t("workshop.maturity.name", self.lang))
        self.add_button = w.Button(
            description=self._tx("add"), icon="user-plus", layout=w.Layout(width="auto")
        )
        self.add_button.on_click(self._on_add)
        self.add_message = w.HTML()
        self.empty_note = w.HTML(f"<i>{html.escape(self._tx('none_yet'))}</i>")
        self.capture = w.VBox()
        self._build_rows()
        self.candidate_box = w.VBox()
        self.candidates = w.Accordion(children=[self.candidate_box])
        self._build_candidates()
        self.result_text = w.HTML()
        self.chart = w.Image(format="png", layout=w.Layout(width="100%", max_width="720px"))
        self.ranking = w.HTML(layout=w.Layout(overflow="auto", width="100%"))
        left = w.VBox(
            [self.picker, self.empty_note, self.capture],
            layout=w.Layout(width="45%", padding="0 1em 0 0"),
        )
        right = w.VBox(
            [
                w.HTML(f"<h3>{html.escape(self._tx('results'))}</h3>"),
                self.result_text,
                self.chart,
                self.ranking,
            ],
            layout=w.Layout(width="55%"),
        )
        self.widget = w.VBox(
            [
                self.candidates,
                w.HBox([self.new_name, self.add_button, self.add_message]),
                w.HBox([left, right], layout=w.Layout(width="100%")),
            ]
        )
        self.widget.children[-1].add_class("cxws-columns")
        self.widget.add_class("cxws-journeys")

    def _build_rows(self) -> None:
        """The rating rows, one per candidate (again after the candidates changed)."""
        self.buttons: dict[tuple[str, str], w.ToggleButtons] = {}
        self.unsure: dict[str, w.Checkbox] = {}
        self.row_state: dict[str, w.HTML] = {}
        rows = []
        for journey in self.journeys:
            lines = [w.HTML(f"<h4>{html.escape(journey.name)}</h4>")]
            for criterion in CRITERIA:
                toggle = w.ToggleButtons(
                    options=[str(v) for v in range(1, 6)],
                    value=None,
                    description=self._tx(criterion),
                    style={"button_width": "3.2em", "description_width": "8em"},
                )
                toggle.observe(self._on_rate(journey.id), names="value")
                self.buttons[journey.id, criterion] = toggle
                lines.append(toggle)
            box = w.Checkbox(value=False, description=self._tx("uncertain"), indent=False)
            box.observe(self._on_rate(journey.id), names="value")
            self.unsure[journey.id] = box
            self.row_state[journey.id] = w.HTML()
            lines.append(w.HBox([box, self.row_state[journey.id]]))
            rows.append(w.VBox(lines, layout=w.Layout(margin="0 0 0.8em 0")))
        if not self.journeys:
            rows.append(w.HTML(f"<p>{html.escape(self._tx('no_candidates'))}</p>"))
        self.capture.children = rows
        self._built = [(j.id, j.name) for j in self.journeys]

    # ------------------------------------------------------------------ candidates
    def _build_candidates(self) -> None:
        """Add, rename, remove candidates; the seed's three offered while there are none."""
        rows: list[w.Widget] = []
        for journey in self.journeys:
            name = w.Text(value=journey.name, continuous_update=False)
            name.observe(self._on_rename(journey.id), names="value")
            remove = w.Button(description=self._tx("remove"), icon="trash")
            remove.layout.width = "auto"
            remove.on_click(self._on_remove(journey.id))
            rows.append(w.HBox([name, remove]))
        self.candidate_name = w.Text(placeholder=self._tx("new_candidate"))
        add = w.Button(description=self._tx("add_candidate"), icon="plus")
        add.layout.width = "auto"
        add.on_click(lambda _b: self._change_candidates(new=self.candidate_name.value))
        rows.append(w.HBox([self.candidate_name, add]))
        if not self.journeys:
            names = ", ".join(name for _id, name in self._standard())
            standard = w.Button(
                description=self._tx("standard", names=names), button_style="primary"
            )
            standard.layout.width = "auto"
            standard.on_click(lambda _b: self._change_candidates(standard=True))
            rows.insert(0, standard)
        self.candidate_box.children = rows
        self.candidates.set_title(0, self._tx("candidates", n=len(self.journeys)))
        self.candidates.selected_index = None if self.journeys else 0

    def _standard(self) -> list[tuple[str, str]]:
        """The seed's standard candidates (seed 003, step 1): id and name."""
        return [(key, self._tx(f"standard_{key}")) for key in STANDARD_CANDIDATES]

    def _on_rename(self, journey_id: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            if not self._loading:
                self._change_candidates(rename=(journey_id, change["new"]))

        return handler

    def _on_remove(self, journey_id: str) -> Callable[[Any], None]:
        return lambda _button: self._change_candidates(remove=journey_id)

    def _change_candidates(
        self,
        *,
        new: str | None = None,
        rename: tuple[str, str] | None = None,
        remove: str | None = None,
        standard: bool = False,
    ) -> None:
        """Save the changed candidate list, then show it (the plan tab is told too)."""
        wanted: list[tuple[str | None, str]] = [(j.id, j.name) for j in self.journeys]
        if standard:
            taken = {j.id for j in self.journeys}
            wanted += [(i, name) for i, name in self._standard() if i not in taken]
        if new is not None:
            wanted.append((None, new))
        if rename is not None:
            wanted = [(i, rename[1] if i == rename[0] else name) for i, name in wanted]
        if remove is not None:
            wanted = [(i, name) for i, name in wanted if i != remove]
        saved = self.status.attempt(
            lambda: self.store.save_candidates(wanted, expected=self.candidates_token),
            unit=self._tx("candidates", n=len(wanted)),
        )
        if saved is None:
            return
        self.load()
        if self.on_candidates is not None:
            self.on_candidates()

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        """(Re)read candidates, ratings and tokens; the widgets show the saved state."""
        current = self.picker.value
        self.load_parameters()
        self.candidates_token = self.store.candidates_token()
        if [(j.id, j.name) for j in self.journeys] != self._built:
            self._build_rows()
            self._build_candidates()
        self.ratings, self.tokens, self.participants = {}, {}, []
        for journey in self.journeys:
            for rating in journey.ratings:
                key = (journey.id, rating.participant)
                self.ratings[key] = {
                    "frequency": rating.frequency,
                    "damage": rating.damage,
                    "feasibility": rating.feasibility,
                    "uncertain": rating.uncertain,
                }
                if rating.participant not in self.participants:
                    self.participants.append(rating.participant)
        for journey in self.journeys:
            for participant in self.participants:
                self.tokens[journey.id, participant] = self.store.journey_token(
                    journey.id, participant
                )
        self._refresh_picker(current if current in self.participants else None)
        self.refresh_results()

    def _refresh_picker(self, select: str | None) -> None:
        if select is None and self.participants:
            select = self.participants[0]
        self._loading = True
        try:
            self.picker.options = list(self.participants)
            self.picker.value = select
        finally:
            self._loading = False
        self._show(select)

    def _show(self, participant: str | None) -> None:
        self.empty_note.layout.display = "none" if participant else None
        self.capture.layout.display = None if participant else "none"
        self._loading = True
        try:
            for journey in self.journeys:
                rating = self.ratings.get((journey.id, participant or ""), {})
                for criterion in CRITERIA:
                    value = rating.get(criterion)
                    self.buttons[journey.id, criterion].value = (
                        None if value is None else str(value)
                    )
                self.unsure[journey.id].value = bool(rating.get("uncertain", False))
                self._row_state(journey.id, rating)
        finally:
            self._loading = False

    def _row_state(self, journey_id: str, rating: dict[str, Any]) -> None:
        complete = all(rating.get(c) is not None for c in CRITERIA)
        text = self._tx("complete" if complete else "incomplete")
        css = "cxws-status-ok" if complete else "cxws-hint"
        self.row_state[journey_id].value = f'<span class="{css}">{html.escape(text)}</span>'

    # ------------------------------------------------------------------ events
    def _on_pick(self, change: dict) -> None:
        if not self._loading:
            self._show(change["new"])

    def _on_add(self, _button: Any = None) -> None:
        name = self.new_name.value.strip()
        problem = None
        if not name:
            problem = self._tx("name_missing")
        elif same_name(name, self.participants) is not None:  # "p01" is "P01"
            problem = self._tx("name_taken", name=same_name(name, self.participants))
        if problem:
            self.add_message.value = f'<span class="cxws-error">{html.escape(problem)}</span>'
            return
        try:
            tokens = {(j.id, name): self.store.journey_token(j.id, name) for j in self.journeys}
        except CXError as exc:
            self.status.error(exc)
            return
        self.tokens.update(tokens)
        self.add_message.value = ""
        self.new_name.value = ""
        self.participants.append(name)
        self._refresh_picker(name)

    def add_participant(self, name: str) -> None:
        """Add a participant (as the add row does) and show it."""
        self.new_name.value = name
        self._on_add()

    def _on_rate(self, journey_id: str) -> Callable[[dict], None]:
        def handler(_change: dict) -> None:
            if self._loading or not self.picker.value:
                return
            participant = self.picker.value
            rating = {
                c: None
                if self.buttons[journey_id, c].value is None
                else int(self.buttons[journey_id, c].value)
                for c in CRITERIA
            }
            rating["uncertain"] = bool(self.unsure[journey_id].value)
            self.ratings[journey_id, participant] = rating
            self._row_state(journey_id, rating)
            if all(rating[c] is not None for c in CRITERIA):
                self._save(journey_id, participant, rating)
                self.refresh_results()

        return handler

    def rate(
        self,
        journey_id: str,
        frequency: int | None = None,
        damage: int | None = None,
        feasibility: int | None = None,
        uncertain: bool | None = None,
    ) -> None:
        """Click ratings for the current participant (None leaves a value as it is)."""
        values = {"frequency": frequency, "damage": damage, "feasibility": feasibility}
        for criterion, value in values.items():
            if value is not None:
                self.buttons[journey_id, criterion].value = str(value)
        if uncertain is not None:
            self.unsure[journey_id].value = uncertain

    def _save(self, journey_id: str, participant: str, rating: dict[str, Any]) -> None:
        key = (journey_id, participant)
        saved = self.status.attempt(
            lambda: self.store.save_rating(
                journey_id,
                participant,
                rating["frequency"],
                rating["damage"],
                rating["feasibility"],
                uncertain=rating["uncertain"],
                expected=self.tokens.get(key),
            ),
            unit=self._unit(journey_id, participant),
        )
        if saved is not None:
            self.tokens[key] = saved.token
        else:  # beside the row too, not only in the header
            text = html.escape(t("workshop.status.row_unsaved", self.lang))
            self.row_state[journey_id].value = f'<span class="cxws-error">{text}</span>'

    def _unit(self, journey_id: str, participant: str) -> str:
        """The rating's name in the status line: journey name and participant."""
        name = next((j.name for j in self.journeys if j.id == journey_id), journey_id)
        return t("workshop.status.units.rating", self.lang, journey=name, participant=participant)

    # ------------------------------------------------------------------ results
    def live_workshop(self) -> Any:
        """The parameter file's workshop with the complete ratings from the widgets."""
        journeys = []
        for journey in self.journeys:
            ratings = [
                JourneyRating(
                    participant=participant,
                    frequency=r["frequency"],
                    damage=r["damage"],
                    feasibility=r["feasibility"],
                    uncertain=r["uncertain"],
                )
                for (jid, participant), r in self.ratings.items()
                if jid == journey.id and all(r[c] is not None for c in CRITERIA)
            ]
            journeys.append(journey.model_copy(update={"ratings": ratings}))
        return self.workshop.model_copy(update={"journeys": journeys})

    def refresh_results(self) -> None:
        """Recompute the selection and redraw the bubble chart from the widgets' ratings."""
        try:
            self.selection = from_workshop(self.live_workshop(), self.options)
        except CXError as exc:
            self.selection = None
            self.result_text.value = f'<p class="cxws-error">{html.escape(str(exc))}</p>'
            self._redraw.cancel()
            self.chart.layout.display = "none"
            self.ranking.value = ""
            return
        if self.selection is None:
            if self.on_selection is not None:
                self.on_selection(None)
            self.result_text.value = f"<p>{html.escape(self._tx('nothing_rated'))}</p>"
            self._redraw.cancel()
            self.chart.layout.display = "none"
            self.ranking.value = ""
            return
        s = self.selection
        self.result_text.value = (
            f'<p class="cxws-big"><b>{html.escape(self._tx("choice", journey=s.selected))}</b></p>'
            f"<p>{html.escape(s.explanation(self.lang))}</p>"
            f"<p>{html.escape(s.robustness(self.lang))}</p>"
        )
        self.ranking.value = s.summary(self.lang).data
        self._redraw()
        if self.on_selection is not None:
            self.on_selection(s.selected)

    def draw_chart(self) -> None:
        """Draw the bubble chart of the current selection (the deferred part of a refresh)."""
        s = self.selection
        if s is None:
            return
        self.chart.value = figure_png(
            lambda ax: s.plot(ax=ax, lang=self.lang), figsize=(7.0, 4.4), margins=BUBBLE_MARGINS
        )
        self.chart.layout.display = None
