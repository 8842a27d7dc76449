"""What every capture tab of the workshop shares.

The store, the language, the status bar (:class:`StatusBar`, also the
header's in the workshop app), and the debouncer that lets typing pause
before a save or a redraw. Nothing here imports the app or a capture tab.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import ipywidgets as w

from cxlib.exceptions import CXError
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.workshop.store import WorkshopStore

__all__ = ["Capture", "Debouncer", "StatusBar", "is_conflict"]

T = TypeVar("T")


def is_conflict(exc: BaseException) -> bool:
    """True for the store's WorkshopConflict (matched by class name along the MRO)."""
    return any(cls.__name__ == "WorkshopConflict" for cls in type(exc).__mro__)


class StatusBar:
    """The save status in the header, per unit: saved only once the store confirmed it.

    A *unit* is what one save writes: one respondent's answers, one
    participant's rating of one journey, the action plan. :meth:`attempt` runs
    one store call for a unit: on success the unit's problem (if any) is
    cleared and, when no other unit has one, the status reads "gespeichert
    HH:MM:SS"; on a :class:`CXError` the message is shown (never a traceback);
    on a conflict the "neu laden" button appears as well. A unit's conflict or
    error stays on screen, naming the unit, until that unit is saved or
    everything is reloaded: a later successful save of another unit does not
    replace it. :meth:`pending` marks a unit whose input waits to be saved
    (shown as not saved), :meth:`invalid` one whose input cannot be saved yet.

    ``clock`` returns the time shown (injectable for tests). ``state`` is the
    most serious open problem (conflict, error, invalid, pending) or, with
    none, the last event (idle, loaded, saved, reloaded, restored);
    ``problems`` maps each unit with an open problem to (state, message).
    """

    #: Open problems by seriousness: the header's state is the first one present.
    SERIOUSNESS = ("conflict", "error", "invalid", "pending")

    def __init__(
        self,
        lang: str = "de",
        *,
        on_reload: Callable[[], None] | None = None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.lang = lang
        self.clock = clock
        self.on_reload = on_reload
        self.label = w.HTML()
        self.reload_button = w.Button(
            description=t("workshop.status.reload", lang),
            icon="refresh",
            button_style="warning",
            layout=w.Layout(width="auto", min_width="9em", flex="0 0 auto"),
        )
        self.reload_button.layout.display = "none"
        self.reload_button.on_click(lambda _b: self.reload())
        self.widget = w.HBox([self.label, self.reload_button])
        self.state = "idle"
        self.message = ""
        self.problems: dict[str, tuple[str, str]] = {}
        self._event = ("idle", "", "")

    def _now(self) -> str:
        return self.clock().strftime("%H:%M:%S")

    def _set(self, state: str, text: str, css: str) -> None:
        """Record the last event and show it (open problems stay in front of it)."""
        self._event = (state, text, css)
        self._render()

    def _render(self) -> None:
        open_states = [state for state, _ in self.problems.values()]
        worst = next((s for s in self.SERIOUSNESS if s in open_states), None)
        conflict = "conflict" in open_states
        self.reload_button.layout.display = None if conflict else "none"
        if worst is None:
            self.state, self.message, css = self._event
            self.label.value = (
                f'<span class="{css}">{html.escape(self.message)}</span>'
                if css
                else (html.escape(self.message))
            )
            return
        lines = [message for _state, message in self.problems.values()]
        css = "cxws-hint" if worst in ("invalid", "pending") else "cxws-status-error"
        shown = f'<span class="{css}">{html.escape(chr(10).join(lines))}</span>'
        if self._event[0] in ("saved", "restored"):
            lines.append(self._event[1])
            # its own line, hidden with every "gespeichert" when the view is locked (launch.py)
            shown += f'<br><span class="cxws-status-ok">{html.escape(self._event[1])}</span>'
        self.state = worst
        self.message = "\n".join(lines)
        self.label.value = shown

    def _unit_text(self, unit: str | None, text: str) -> str:
        return t("workshop.status.unit", self.lang, unit=unit, text=text) if unit else text

    def loaded(self) -> None:
        """Show that the data was (re)loaded."""
        self._set("loaded", t("workshop.status.loaded", self.lang, time=self._now()), "")

    def saved(self, unit: str | None = None) -> None:
        """The store confirmed the save of ``unit``: its open problem is cleared."""
        self.problems.pop(unit or "", None)
        text = t("workshop.status.saved", self.lang, time=self._now())
        self._set("saved", self._unit_text(unit, text) if self.problems else text, "cxws-status-ok")

    def error(self, exc: BaseException, unit: str | None = None) -> None:
        """Show why a save of ``unit`` failed; a conflict also offers "neu laden"."""
        if is_conflict(exc):
            state, key = "conflict", "workshop.status.conflict"
        else:
            state, key = "error", "workshop.status.error"
        text = t(key, self.lang, message=str(exc).strip())
        self.problems[unit or ""] = (state, self._unit_text(unit, text))
        self._render()

    def invalid(self, message: str, unit: str | None = None) -> None:
        """Show that ``unit``'s input is not saved because it is not valid yet."""
        text = t("workshop.status.invalid", self.lang, message=message)
        self.problems[unit or ""] = ("invalid", self._unit_text(unit, text))
        self._render()

    def pending(self, unit: str) -> None:
        """``unit`` has input that waits to be saved (shown as not saved until confirmed)."""
        if self.problems.get(unit, ("",))[0] in ("conflict", "error"):
            return  # the open problem says more; the next attempt replaces it
        self.problems[unit] = (
            "pending",
            self._unit_text(unit, t("workshop.status.pending", self.lang)),
        )
        self._render()

    def settled(self, unit: str) -> None:
        """``unit`` holds nothing unsaved any more (e.g. typed back to the saved state)."""
        if self.problems.get(unit, ("",))[0] in ("invalid", "pending"):
            del self.problems[unit]
            self._render()

    def attempt(self, action: Callable[[], T], unit: str | None = None) -> T | None:
        """Run a store call saving ``unit``; its result, or None after showing the error."""
        try:
            result = action()
        except CXError as exc:
            self.error(exc, unit)
            return None
        self.saved(unit)
        return result

    def clear(self) -> None:
        """Forget every open problem (the input on screen was replaced by the saved state)."""
        self.problems.clear()
        self._event = ("idle", "", "")
        self._render()

    def reload(self) -> None:
        """Run the reload callback (the app reloads every tab from the files).

        Reloading discards the input on screen, so every open problem is
        resolved; a problem of the reload itself is shown instead.
        """
        self.clear()
        if self.on_reload is not None:
            self.on_reload()
        if not self.problems:
            self._set("reloaded", t("workshop.status.reloaded", self.lang, time=self._now()), "")
        else:
            self._render()


class Capture:
    """Base of the maturity, journey and plan captures.

    ``store`` is the client's :class:`~cxlib.workshop.store.WorkshopStore` (or a
    test double with the same methods); without ``status`` a capture gets its
    own status bar, so that it also works on its own.
    """

    def __init__(
        self, store: WorkshopStore, lang: str = "de", status: StatusBar | None = None
    ) -> None:
        if status is None:
            status = StatusBar(lang)
        self.store = store
        self.lang = lang
        self.status = status
        #: True while widgets are filled from the store (their events must not save)
        self._loading = False


class Debouncer:
    """Call a function once typing pauses for ``delay`` seconds.

    Inside a running event loop (the Jupyter kernel) the call is scheduled with
    ``loop.call_later`` and a new trigger replaces the pending one; without a
    loop, or with ``delay <= 0``, the call happens at once.
    """

    def __init__(self, function: Callable[[], None], delay: float) -> None:
        self.function = function
        self.delay = delay
        self._handle: asyncio.TimerHandle | None = None
        self._held = 0
        self._missed = False

    def __call__(self) -> None:
        self.cancel()
        if self._held:
            self._missed = True
            return
        if self.delay > 0:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                self._handle = loop.call_later(self.delay, self._fire)
                return
        self.function()

    def _fire(self) -> None:
        self._handle = None
        self.function()

    @property
    def pending(self) -> bool:
        """True while a call is scheduled."""
        return self._handle is not None

    def cancel(self) -> None:
        """Drop the scheduled call, if any."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Collect the triggers inside the block into one call at its end."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        if not self._held and self._missed:
            self._missed = False
            self()

    def flush(self) -> None:
        """Run a scheduled call now."""
        if self._handle is not None:
            self.cancel()
            self.function()
