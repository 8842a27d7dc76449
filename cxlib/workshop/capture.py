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
    """The save status in the header: time of the last save, or the error in plain words.

    :meth:`attempt` runs one store call: on success the status reads "gespeichert
    HH:MM"; on a :class:`CXError` its message is shown (never a traceback); on a
    conflict the "neu laden" button appears as well. ``clock`` returns the time
    shown (injectable for tests). ``state`` is one of idle, loaded, saved,
    error, conflict, invalid, reloaded.
    """

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
            layout=w.Layout(width="auto"),
        )
        self.reload_button.layout.display = "none"
        self.reload_button.on_click(lambda _b: self.reload())
        self.widget = w.HBox([self.label, self.reload_button])
        self.state = "idle"
        self.message = ""

    def _now(self) -> str:
        return self.clock().strftime("%H:%M")

    def _set(self, state: str, text: str, css: str) -> None:
        self.state = state
        self.message = text
        self.label.value = f'<span class="{css}">{html.escape(text)}</span>'

    def loaded(self) -> None:
        """Show that the data was (re)loaded."""
        self._set("loaded", t("workshop.status.loaded", self.lang, time=self._now()), "")

    def saved(self) -> None:
        """Show the time of the successful save."""
        self.reload_button.layout.display = "none"
        text = t("workshop.status.saved", self.lang, time=self._now())
        self._set("saved", text, "cxws-status-ok")

    def error(self, exc: BaseException) -> None:
        """Show why a save failed; a conflict also offers "neu laden"."""
        if is_conflict(exc):
            text = t("workshop.status.conflict", self.lang, message=str(exc).strip())
            self.reload_button.layout.display = None
            self._set("conflict", text, "cxws-status-error")
        else:
            text = t("workshop.status.error", self.lang, message=str(exc).strip())
            self._set("error", text, "cxws-status-error")

    def invalid(self, message: str) -> None:
        """Show that input is not saved because it is not valid yet."""
        self._set("invalid", t("workshop.status.invalid", self.lang, message=message), "cxws-hint")

    def attempt(self, action: Callable[[], T]) -> T | None:
        """Run a store call; its result, or None after showing the error."""
        try:
            result = action()
        except CXError as exc:
            self.error(exc)
            return None
        self.saved()
        return result

    def reload(self) -> None:
        """Run the reload callback (the app reloads every tab from the files)."""
        self.reload_button.layout.display = "none"
        if self.on_reload is not None:
            self.on_reload()
        if self.state != "error":
            self._set("reloaded", t("workshop.status.reloaded", self.lang, time=self._now()), "")


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
