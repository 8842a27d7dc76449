"""The workshop view: one widget with the header and the tabs Reifegrad, Journey-Auswahl,
Maßnahmenplan (and "Bericht" when the report button module is installed).

    from cxlib.workshop.app import workshop_app
    workshop_app("stadtwerke-lindenau")          # the last expression of a notebook cell

The header names the client and shows the save status ("gespeichert 14:32") or,
in plain words, why something was not saved. Every valid change is saved at once
through :class:`cxlib.workshop.store.WorkshopStore`; when another tab or person
changed the same data in the meantime (a ``WorkshopConflict``), the input stays
in the widgets and a "neu laden" button fetches the saved state.
"""

from __future__ import annotations

import html
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from cxlib.exceptions import CXError
from cxlib.texts import t
from cxlib.workshop.capture import StatusBar, is_conflict
from cxlib.workshop.journey_capture import JourneyCapture
from cxlib.workshop.maturity_capture import MaturityCapture
from cxlib.workshop.plan_capture import PlanCapture

__all__ = ["CSS", "HistoryPanel", "StatusBar", "WorkshopApp", "is_conflict", "workshop_app"]

log = logging.getLogger("cxlib.workshop.app")

#: Projector-friendly styling, scoped to the workshop widget (class ``cxws``).
CSS = """
<style>
.cxws, .cxws .widget-label, .cxws .widget-html-content, .cxws input, .cxws select,
.cxws button, .cxws .widget-radio-box label, .cxws .widget-toggle-button,
.cxws .widget-checkbox label, .cxws .lm-TabBar-tabLabel, .cxws .p-TabBar-tabLabel,
.cxws .jupyter-widget-Collapse-header, .cxws .p-Collapse-header {
  font-size: 19px !important; line-height: 1.45;
}
.cxws input, .cxws select, .cxws button { height: auto !important; min-height: 36px; }
.cxws .widget-radio-box label { display: flex !important; flex-direction: row-reverse;
  justify-content: flex-end; align-items: flex-start; height: auto !important;
  white-space: normal !important; padding: 1px 0; }
.cxws .widget-checkbox, .cxws .widget-checkbox label { height: auto !important;
  overflow: visible !important; }
.cxws .widget-inline-hbox .widget-label { overflow: visible; }
.cxws .widget-radio-box input { flex: none; margin: 0.35em 0.5em 0 0 !important; }
.cxws .widget-radio-box { height: auto !important; }
.cxws .lm-TabBar-tab, .cxws .p-TabBar-tab { flex: 0 0 auto !important; max-width: none !important;
  min-width: 0 !important; padding: 4px 18px !important; }
.cxws .lm-TabBar, .cxws .p-TabBar { min-height: 44px !important; }
.cxws .widget-toggle-buttons .widget-toggle-button { min-width: 2.6em; }
.cxws img { max-width: 100%; height: auto; }
.cxws h2 { font-size: 28px; margin: 0.2em 0; }
.cxws h3 { font-size: 23px; margin: 0.6em 0 0.3em 0; }
.cxws h4 { font-size: 20px; margin: 0.6em 0 0.3em 0; }
.cxws .cxws-big { font-size: 23px; }
.cxws .cxws-error, .cxws .cxws-status-error { color: #b3261e; font-weight: bold; }
.cxws .cxws-status-ok { color: #2e7d32; font-weight: bold; }
.cxws .cxws-hint { color: #8a5a00; }
.cxws .cxws-status-error, .cxws .cxws-hint { white-space: pre-line; }
.cxws .cxws-field-error input { border: 2px solid #b3261e !important; }
.cxws table.cxws-table { border-collapse: collapse; }
.cxws table.cxws-table th, .cxws table.cxws-table td { padding: 4px 10px; text-align: left;
  border-bottom: 1px solid #ddd; }
.cxws tr.cxws-current td { font-weight: bold; background: #f0f5f9; }
.cxws ul.cxws-flags li { margin-bottom: 0.4em; }
/* projector (1024x768, 1280x800): tables wrap instead of running off the side, large
   click targets, and below 1200 px the live results go under the input instead of beside */
.cxws table { max-width: 100%; }
.cxws table th, .cxws table td { white-space: normal !important; padding: 2px 4px !important;
  font-size: 14px !important; hyphens: auto; }
.cxws .widget-html-content { white-space: normal; }
.cxws input[type=radio], .cxws input[type=checkbox] { width: 22px; height: 22px; }
.cxws .widget-toggle-buttons .widget-toggle-button { min-height: 40px; }
.cxws .widget-dropdown, .cxws .widget-dropdown select { max-width: 100%; }
@media (max-width: 1200px) {
  .cxws .cxws-columns { flex-direction: column !important; }
  .cxws .cxws-columns > .widget-box { width: 100% !important; padding: 0 !important; }
}
</style>
"""


class HistoryPanel:
    """Earlier versions of the client's files, to undo an accidental overwrite.

    "Frühere Stände" opens a list of the store's versions (newest first, with
    who replaced them and when); "Diesen Stand wiederherstellen" writes the
    chosen one back through the store (itself undoable) and reloads the tabs.
    """

    def __init__(
        self, store: Any, lang: str, status: StatusBar, on_restored: Callable[[], None]
    ) -> None:
        self.store = store
        self.lang = lang
        self.status = status
        self.on_restored = on_restored
        self.versions: list[Any] = []
        self.toggle = w.ToggleButton(
            value=False,
            description=t("workshop.history.show", lang),
            tooltip=t("workshop.history.tooltip", lang),
            icon="history",
            layout=w.Layout(width="auto"),
        )
        self.toggle.observe(self._on_toggle, names="value")
        self.choice = w.Dropdown(options=[], layout=w.Layout(width="46em"))
        self.restore_button = w.Button(
            description=t("workshop.history.restore", lang),
            icon="undo",
            layout=w.Layout(width="auto"),
        )
        self.restore_button.on_click(lambda _b: self.restore())
        self.note = w.HTML()
        self.box = w.HBox([self.choice, self.restore_button, self.note])
        self.box.layout.display = "none"

    def _on_toggle(self, change: dict) -> None:
        self.box.layout.display = None if change["new"] else "none"
        if change["new"]:
            self.refresh()

    def refresh(self) -> None:
        """Read the list of versions from the store."""
        try:
            self.versions = list(self.store.history())
        except CXError as exc:
            self.status.error(exc)
            return
        self.choice.options = [(v.label(self.lang), i) for i, v in enumerate(self.versions)]
        self.choice.value = 0 if self.versions else None
        empty = t("workshop.history.none", self.lang)
        self.note.value = "" if self.versions else f"<i>{html.escape(empty)}</i>"
        self.restore_button.disabled = not self.versions

    def restore(self) -> None:
        """Write the chosen version back and show the restored state in every tab."""
        if self.choice.value is None:
            return
        version = self.versions[self.choice.value]
        if self.status.attempt(lambda: self.store.restore(version)) is None:
            return
        self.status.clear()  # the tabs now show the restored files, not the unsaved input
        self.on_restored()
        label = version.label(self.lang)
        text = t("workshop.history.restored", self.lang, time=self.status._now(), label=label)
        self.status._set("restored", text, "cxws-status-ok")
        self.refresh()


class WorkshopApp(w.VBox):
    """The workshop widget: header (client, save status) and one tab per capture step.

    Attributes ``maturity``, ``journeys`` and ``plan`` are the capture objects
    (:class:`MaturityCapture`, :class:`JourneyCapture`, :class:`PlanCapture`);
    ``status`` is the header's :class:`StatusBar`; ``tabs`` the Tab widget.
    When the parameter file cannot be read, the header shows the message and no
    tabs are built (``maturity`` etc. and ``tabs`` are None).

    ``debounce``: seconds of typing pause before the plan is saved; ``redraw``:
    seconds the charts wait for further clicks before they are redrawn (both
    take effect inside the Jupyter kernel; without an event loop everything
    happens at once). ``report``: the "Bericht erzeugen" widget factory
    (default: :func:`cxlib.workshop.report_button.report_button` if installed;
    False: no report tab).
    """

    def __init__(
        self,
        store: Any,
        lang: str | None = None,
        *,
        debounce: float = 0.8,
        redraw: float = 0.3,
        report: Callable[[Path, str], w.Widget] | bool | None = None,
    ) -> None:
        self.store = store
        self.maturity = self.journeys = self.plan = None
        self.tabs: w.Tab | None = None
        try:
            params = store.parameters()
        except CXError as exc:
            self.lang = lang or "de"
            self.status = StatusBar(self.lang)
            self.status.error(exc)
            self.title = w.HTML()
            super().__init__([w.HTML(CSS), self.status.widget])
            self.add_class("cxws")
            return
        self.lang = lang = lang or params.language
        self.status = StatusBar(lang, on_reload=self.reload)
        title = t("workshop.title", lang, client=params.client.name)
        self.title = w.HTML(f"<h2>{html.escape(title)}</h2>")
        try:
            self.maturity = MaturityCapture(store, lang, self.status, redraw=redraw)
            self.journeys = JourneyCapture(store, lang, self.status, redraw=redraw)
            self.plan = PlanCapture(store, lang, self.status, debounce=debounce)
            self.journeys.on_candidates = self._candidates_changed
            self.journeys.on_selection = self.plan.note_selection
            self.plan.note_selection(self.journeys.selection and self.journeys.selection.selected)
        except CXError as exc:
            self.status.error(exc)
            super().__init__([w.HTML(CSS), self.title, self.status.widget])
            self.add_class("cxws")
            return
        children = [self.maturity.widget, self.journeys.widget, self.plan.widget]
        titles = [t(f"workshop.tabs.{k}", lang) for k in ("maturity", "journeys", "plan")]
        button = self._report_widget(report, Path(store.params_file), lang)
        if button is not None:
            children.append(button)
            titles.append(t("workshop.tabs.report", lang))
        self.tabs = w.Tab(children=children, titles=titles)
        self.status.loaded()
        self.history = None
        parts: list[w.Widget] = [self.status.widget]
        below: list[w.Widget] = []
        if hasattr(store, "history") and hasattr(store, "restore"):
            self.history = HistoryPanel(store, lang, self.status, self.reload)
            parts.append(self.history.toggle)
            below.append(self.history.box)
        if self.history is not None:
            self.history.toggle.layout.margin = "0 0 0 auto"  # right-aligned
        row = w.HBox(parts, layout=w.Layout(width="100%"))
        header = w.VBox([self.title, row, *below])
        header.add_class("cxws-header")  # stays readable when the view is locked (launch.py)
        super().__init__([w.HTML(CSS), header, self.tabs])
        self.add_class("cxws")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The widget's output; where it cannot be shown (an output of another server's or
        an ended kernel, an untrusted notebook), a plain note instead of the widget's source."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle:
            bundle["text/plain"] = t("workshop.placeholder", self.lang)
        return bundle

    @staticmethod
    def _report_widget(
        report: Callable[[Path, str], w.Widget] | bool | None, params_file: Path, lang: str
    ) -> w.Widget | None:
        """The "Bericht erzeugen" widget, if its module is installed (``report=False``: none)."""
        if report is False:
            return None
        if report is None or report is True:
            try:
                from cxlib.workshop.report_button import report_button as report
            except ImportError:
                return None
        try:
            return report(params_file, lang)
        except CXError as exc:
            return w.HTML(f'<p class="cxws-error">{html.escape(str(exc))}</p>')
        except Exception:  # an optional part must not take the capture tabs down with it
            log.exception("the report button could not be built")
            return None

    def _candidates_changed(self) -> None:
        """The journey candidates changed: the plan's journey choices follow (input saved first)."""
        if self.plan is not None:
            self.plan.debouncer.flush()
            self.plan.load()

    def reload(self) -> None:
        """Discard the input in the widgets and show the saved state of every tab."""
        for part in (self.maturity, self.journeys, self.plan):
            if part is None:
                continue
            try:
                part.load()
            except CXError as exc:
                self.status.error(exc)
                return


def workshop_app(
    client_id_or_params_file: str | Path,
    lang: str | None = None,
    *,
    store: Any = None,
    debounce: float = 0.8,
    redraw: float = 0.3,
    report: Callable[[Path, str], w.Widget] | bool | None = None,
) -> WorkshopApp:
    """The workshop widget for one client (a client id or the path of its parameter file).

    ``lang`` defaults to the parameter file's language. Problems a user can fix
    (unknown client, invalid parameter file) are shown in the widget's header.
    ``store`` replaces the :class:`~cxlib.workshop.store.WorkshopStore` (tests);
    the other options are those of :class:`WorkshopApp`.
    """
    if store is None:
        from cxlib.parameters.files import find_parameters
        from cxlib.workshop.store import WorkshopStore

        try:
            store = WorkshopStore(find_parameters(client_id_or_params_file))
        except CXError as exc:
            store = _Broken(exc)
    with warnings.catch_warnings():  # library notices would appear above the widgets
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return WorkshopApp(store, lang, debounce=debounce, redraw=redraw, report=report)


class _Broken:
    """A stand-in store whose parameters cannot be read (the app shows the error)."""

    def __init__(self, exc: CXError) -> None:
        self.exc = exc
        self.params_file = Path()

    def parameters(self) -> Any:
        raise self.exc
