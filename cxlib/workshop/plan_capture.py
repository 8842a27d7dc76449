"""Action-plan capture in the workshop: three pain points and three measures, checked as typed.

Every field is checked on each keystroke; an invalid field gets a red frame and a
plain message right below it ("Kein gültiges Datum; bitte TT.MM.JJJJ …"), and the
status line names its row. An invalid row does not block the others: the plan is
saved with the valid rows as typed and the invalid row as it was last saved (an
empty row is left out). Until the store confirmed a save the status line says
"noch nicht gespeichert"; saving waits until typing pauses (``debounce``
seconds; 0 saves at once).

The values are checked by the parameter file's own schema
(:class:`cxlib.parameters.schema.PainPoint`, :class:`cxlib.parameters.schema.Measure`), so
what is saved is what a batch run accepts. Numbers are read as the client
writes them (German "1.000" is one thousand, "2,5" two and a half; "1.5" is
refused as unclear) and the value read is shown beside the field.

Keys the widgets do not edit (a measure's ``metric``, ``baseline`` and ``group``, a pain
point's ``phase``) are named under their row and kept only while the row still
holds the same entry: once its description, journey or KPI is rewritten, the
row is a new entry and is saved with exactly the fields the form shows (a new
KPI must not inherit the old one's baseline from the data).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ipywidgets as w
from pydantic import ValidationError

from cxlib import formatting as fmt
from cxlib.parameters.schema import Measure, PainPoint
from cxlib.texts import t
from cxlib.workshop.capture import Capture, Debouncer
from cxlib.workshop.inputs import number_problem, parse_number

if TYPE_CHECKING:
    from cxlib.workshop.capture import StatusBar
    from cxlib.workshop.store import WorkshopStore

__all__ = ["PlanCapture", "parse_date", "parse_number"]

ROWS = 3
_DATE_DE = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{4})\s*$")
_DATE_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_date(text: str) -> dt.date | None:
    """'16.02.2026', '16/02/2026' or '2026-02-16' as a date; None if it is not a valid date."""
    match = _DATE_DE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _DATE_ISO.match(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@dataclass
class _Row:
    """The widgets of one pain point or measure: field name → (input, message)."""

    kind: str
    number: int
    journey: w.Dropdown
    fields: dict[str, w.Text] = field(default_factory=dict)
    messages: dict[str, w.HTML] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    note: w.HTML = field(default_factory=w.HTML)
    hidden: w.HTML = field(default_factory=w.HTML)
    #: the row's entry as last checked (None: empty or invalid) and as last saved
    current: dict[str, Any] | None = None
    saved: dict[str, Any] | None = None

    def values(self) -> dict[str, str]:
        return {name: widget.value for name, widget in self.fields.items()}

    def identity(self) -> dict[str, str]:
        """What makes the row the entry it was loaded as: journey, description, KPI."""
        values = {k: " ".join(v.split()) for k, v in self.values().items() if k in _IDENTITY}
        return {"journey": str(self.journey.value), **values}

    def kept(self) -> dict[str, Any]:
        """The hidden keys to save: those loaded, while the row is still the same entry."""
        return dict(self.extra) if self.extra and self.identity() == self.origin else {}

    def is_empty(self) -> bool:
        return all(not v.strip() for v in self.values().values())


PAIN_FIELDS = ("text", "ticket_category")
MEASURE_FIELDS = ("text", "owner", "start", "check_date", "kpi", "target")
_REQUIRED = {"text", "owner", "kpi", "start", "check_date"}
#: Fields whose change makes a row a new entry (its hidden keys are dropped).
_IDENTITY = ("text", "kpi")


class PlanCapture(Capture):
    """The Maßnahmenplan tab: pain point and measure rows, validated as typed.

    ``errors`` maps ``(kind, row number, field)`` to the message shown next to
    the field (empty when all is valid); :meth:`plan` returns the lists that
    would be saved (None while something is invalid).
    """

    def __init__(
        self,
        store: WorkshopStore,
        lang: str = "de",
        status: StatusBar | None = None,
        *,
        debounce: float = 0.8,
    ) -> None:
        super().__init__(store, lang, status)
        self.errors: dict[tuple[str, int, str], str] = {}
        self._saved_plan: tuple[list[dict], list[dict]] = ([], [])
        self.token: str | None = None
        self.debouncer = Debouncer(self._save, debounce)
        self.pain_rows: list[_Row] = []
        self.measure_rows: list[_Row] = []
        #: The journey the selection rule chose (its name; None: nothing chosen yet).
        self.chosen: str | None = None
        self.journey_names: dict[str, str] = {}
        self.journey_note = w.HTML()
        self.widget = w.VBox()
        self.widget.add_class("cxws-plan")
        self.load()

    def _tx(self, key: str, **values: Any) -> str:
        return t(f"workshop.plan.{key}", self.lang, **values)

    # ------------------------------------------------------------------ widgets
    def _row(self, kind: str, number: int, names: tuple[str, ...], journeys: list) -> _Row:
        options = [(j.name, j.id) for j in journeys]
        label = {"description_width": "10em"}
        dropdown = w.Dropdown(
            options=options,
            value=options[0][1] if options else None,
            description=self._tx("journey"),
            style=label,
            layout=w.Layout(width="27em"),
        )
        row = _Row(kind, number, dropdown)
        placeholders = {
            "start": self._tx("date_placeholder"),
            "check_date": self._tx("date_placeholder"),
            "ticket_category": self._tx("optional"),
            "target": self._tx("optional"),
        }
        for name in names:
            row.fields[name] = w.Text(
                description=self._tx(name),
                placeholder=placeholders.get(name, ""),
                continuous_update=True,
                layout=w.Layout(width="52em" if name in {"text", "kpi"} else "27em"),
                style=label,
            )
            row.messages[name] = w.HTML()
        return row

    def _row_widget(self, row: _Row) -> w.Widget:
        title = self._tx("pain_point" if row.kind == "pain_points" else "measure", n=row.number)
        lines: list[w.Widget] = [w.HTML(f"<h4>{html.escape(title)}</h4>"), row.journey]
        for name, widget in row.fields.items():
            widget.observe(self._on_edit, names="value")
            lines.append(w.VBox([widget, row.messages[name]], layout=w.Layout(margin="0")))
        row.journey.observe(self._on_edit, names="value")
        lines += [row.hidden, row.note]
        return w.VBox(lines, layout=w.Layout(margin="0 0 0.6em 0"))

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        """(Re)read the plan and its token; the widgets show the saved state."""
        self.debouncer.cancel()
        params = self.store.parameters()
        self.options = params.analysis.journey
        workshop = params.workshop
        journeys = list(workshop.journeys)
        self.journey_names = {j.id: j.name for j in journeys}
        self.token = self.store.plan_token()
        self.pain_rows = [
            self._row("pain_points", n + 1, PAIN_FIELDS, journeys)
            for n in range(max(ROWS, len(workshop.pain_points)))
        ]
        self.measure_rows = [
            self._row("measures", n + 1, MEASURE_FIELDS, journeys)
            for n in range(max(ROWS, len(workshop.measures)))
        ]
        self._loading = True
        try:
            for row, point in zip(self.pain_rows, workshop.pain_points, strict=False):
                row.journey.value = point.journey
                row.fields["text"].value = point.text
                row.fields["ticket_category"].value = point.ticket_category or ""
                row.extra = {"phase": point.phase} if point.phase else {}
                row.origin = row.identity()
            for row, measure in zip(self.measure_rows, workshop.measures, strict=False):
                row.journey.value = measure.journey
                row.fields["text"].value = measure.text
                row.fields["owner"].value = measure.owner
                row.fields["start"].value = fmt.date(measure.start, self.lang)
                row.fields["check_date"].value = fmt.date(measure.check_date, self.lang)
                row.fields["kpi"].value = measure.kpi
                row.fields["target"].value = (
                    "" if measure.target is None else _number_text(measure.target, self.lang)
                )
                row.extra = {
                    k: getattr(measure, k)
                    for k in ("metric", "baseline")
                    if getattr(measure, k) is not None
                }
                if measure.group is not None:  # the customers a monthly churn rate counts
                    row.extra["group"] = measure.group.model_dump()
                row.origin = row.identity()
        finally:
            self._loading = False
        if journeys:
            children: list[w.Widget] = [w.HTML(f"<h3>{html.escape(self._tx('pain_points'))}</h3>")]
            children += [self._row_widget(r) for r in self.pain_rows]
            children.append(w.HTML(f"<h3>{html.escape(self._tx('measures'))}</h3>"))
            children += [self._row_widget(r) for r in self.measure_rows]
        else:
            children = [w.HTML(f"<p>{html.escape(self._tx('no_journeys'))}</p>")]
        self.widget.children = [self.journey_note, *children]
        self._refresh_journey_note()
        pains, measures, _invalid = self._collect()
        self._saved_plan = (pains, measures)
        for row in (*self.pain_rows, *self.measure_rows):
            row.saved = row.current

    # ------------------------------------------------------------------ checks
    def _check_pain(self, row: _Row) -> dict[str, Any] | None:
        values = {k: v.strip() for k, v in row.values().items()}
        errors = {}
        if not values["text"]:
            errors["text"] = self._tx("required")
        self._mark(row, errors)
        if errors:
            return None
        entry: dict[str, Any] = {"journey": row.journey.value, "text": values["text"]}
        if values["ticket_category"]:
            entry["ticket_category"] = values["ticket_category"]
        entry.update(self._hidden(row))
        return self._schema(row, PainPoint, entry)

    def _check_measure(self, row: _Row) -> dict[str, Any] | None:
        values = {k: v.strip() for k, v in row.values().items()}
        errors: dict[str, str] = {}
        for name in MEASURE_FIELDS:
            if name in _REQUIRED and not values[name]:
                errors[name] = self._tx("required")
        dates = {}
        for name in ("start", "check_date"):
            if values[name]:
                dates[name] = parse_date(values[name])
                if dates[name] is None:
                    errors[name] = self._tx("bad_date")
        target = None
        hints: dict[str, str] = {}
        if values["target"]:
            problem = number_problem(values["target"], self.lang)
            if problem is not None:
                errors["target"] = problem
            else:
                target = parse_number(values["target"], self.lang)
                if target is not None:
                    hints["target"] = self._tx("read_as", value=_number_text(target, self.lang))
        start, check = dates.get("start"), dates.get("check_date")
        note = ""
        if start and check and "check_date" not in errors:
            if check < start:
                errors["check_date"] = self._tx("check_before_start")
            else:
                days = (check - start).days
                low, high = self.options.check_min_days, self.options.check_max_days
                if not low <= days <= high:
                    note = self._tx("check_window", days=days, low=low, high=high)
        row.note.value = f'<span class="cxws-hint">{html.escape(note)}</span>' if note else ""
        self._mark(row, errors, hints)
        if errors:
            return None
        entry: dict[str, Any] = {
            "journey": row.journey.value,
            "text": values["text"],
            "owner": values["owner"],
            "start": start,
            "check_date": check,
            "kpi": values["kpi"],
        }
        if target is not None:
            entry["target"] = target
        entry.update(self._hidden(row))
        return self._schema(row, Measure, entry)

    def _hidden(self, row: _Row) -> dict[str, Any]:
        """The row's hidden keys to save, named under the row (or why they are dropped)."""
        kept = row.kept()
        if not row.extra:
            row.hidden.value = ""
            return kept
        names = ", ".join(f"{k}: {_value_text(v, self.lang)}" for k, v in row.extra.items())
        key = "hidden_kept" if kept else "hidden_dropped"
        row.hidden.value = (
            f'<span class="cxws-hint">{html.escape(self._tx(key, keys=names))}</span>'
        )
        return kept

    def _schema(self, row: _Row, model: type, entry: dict[str, Any]) -> dict[str, Any] | None:
        """Check the entry against the parameter schema (the rules a batch run applies)."""
        try:
            model.model_validate(entry)
        except ValidationError as exc:
            message = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            row.note.value = f'<span class="cxws-error">{html.escape(message)}</span>'
            return None
        return entry

    def _mark(self, row: _Row, errors: dict[str, str], hints: dict[str, str] | None = None) -> None:
        """Show each field's error (red frame, message beside it) or its hint."""
        hints = hints or {}
        for name, widget in row.fields.items():
            message = errors.get(name, "")
            key = (row.kind, row.number, name)
            if message:
                self.errors[key] = message
                widget.add_class("cxws-field-error")
            else:
                self.errors.pop(key, None)
                widget.remove_class("cxws-field-error")
            if message:
                row.messages[name].value = f'<span class="cxws-error">{html.escape(message)}</span>'
            elif name in hints:
                row.messages[
                    name
                ].value = f'<span class="cxws-hint">{html.escape(hints[name])}</span>'
            else:
                row.messages[name].value = ""

    def _collect(self) -> tuple[list[dict], list[dict], list[_Row]]:
        """Check every row: the pain points and measures to save, and the invalid rows.

        An invalid row contributes its last saved entry (nothing if it never was
        saved): its stored state stays as it is while the valid rows are saved.
        Each row's checked entry is kept in ``row.current`` (None: empty or invalid).
        """
        invalid: list[_Row] = []
        pains: list[dict] = []
        measures: list[dict] = []
        for rows, check, out in (
            (self.pain_rows, self._check_pain, pains),
            (self.measure_rows, self._check_measure, measures),
        ):
            for row in rows:
                row.current = None
                if row.is_empty():
                    self._mark(row, {})
                    row.note.value = ""
                    continue
                row.current = check(row)
                if row.current is not None:
                    out.append(row.current)
                    continue
                invalid.append(row)
                if row.saved is not None:
                    out.append(row.saved)
        return pains, measures, invalid

    def plan(self) -> tuple[list[dict], list[dict]] | None:
        """Check every row; the pain points and measures to save, or None if any is invalid."""
        pains, measures, invalid = self._collect()
        return None if invalid else (pains, measures)

    def _title(self, row: _Row) -> str:
        return self._tx("pain_point" if row.kind == "pain_points" else "measure", n=row.number)

    @property
    def unit(self) -> str:
        """The plan's name in the status line (what one save writes)."""
        return t("workshop.tabs.plan", self.lang)

    # ------------------------------------------------------------------ events
    def note_selection(self, chosen: str | None) -> None:
        """The journey the selection rule chose now (name); the plan warns if it is another."""
        self.chosen = chosen
        self._refresh_journey_note()

    def _refresh_journey_note(self) -> None:
        rows = (*self.pain_rows, *self.measure_rows)
        used = {
            self.journey_names.get(str(r.journey.value), str(r.journey.value))
            for r in rows
            if r.journey.value and r.fields["text"].value.strip()
        }
        text = ""
        if self.chosen and used and self.chosen not in used:
            text = self._tx("other_journey", plan=", ".join(sorted(used)), chosen=self.chosen)
        self.journey_note.value = f'<p class="cxws-hint">{html.escape(text)}</p>' if text else ""

    def _on_edit(self, _change: dict) -> None:
        if self._loading:
            return
        self._refresh_journey_note()
        pains, measures, invalid = self._collect()
        for row in (*self.pain_rows, *self.measure_rows):
            if row in invalid:
                self.status.invalid(self._tx("fields_invalid"), unit=self._title(row))
            else:
                self.status.settled(self._title(row))
        if (pains, measures) != self._saved_plan:
            self.status.pending(self.unit)
            self.debouncer()
        else:
            self.debouncer.cancel()
            self.status.settled(self.unit)

    def _save(self) -> None:
        pains, measures, invalid = self._collect()
        if (pains, measures) == self._saved_plan:
            self.status.settled(self.unit)
            return
        saved = self.status.attempt(
            lambda: self.store.save_plan(pains, measures, expected=self.token), unit=self.unit
        )
        if saved is not None:
            self.token = saved.token
            self._saved_plan = (pains, measures)
            for row in (*self.pain_rows, *self.measure_rows):
                if row not in invalid:
                    row.saved = row.current

    def flush(self) -> None:
        """Save now what is waiting for the typing pause."""
        self.debouncer.flush()


def _number_text(value: float, lang: str) -> str:
    """``value`` without digit groups or exponent, with the language's decimal mark."""
    text = f"{value:.12g}"
    if "e" in text:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "de" else text


def _value_text(value: Any, lang: str) -> str:
    if isinstance(value, dict):  # a measure's group: "channel = Vergleichsportal"
        return " = ".join(str(v) for v in value.values())
    return _number_text(value, lang) if isinstance(value, float | int) else str(value)


def _span(css: str, text: str) -> str:
    return f'<span class="{css}">{html.escape(text)}</span>'
