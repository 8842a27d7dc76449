"""What every capture tab of the workshop shares.

The store, the language, the status bar, and the debouncer that lets typing
pause before a save or a redraw.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxlib.workshop.app import StatusBar


class Capture:
    """Base of the maturity, journey and plan captures.

    ``store`` is the client's :class:`~cxlib.workshop.store.WorkshopStore` (or a
    test double with the same methods); without ``status`` a capture gets its
    own status bar, so that it also works on its own.
    """

    def __init__(self, store: Any, lang: str = "de", status: StatusBar | None = None) -> None:
        if status is None:
            from cxlib.workshop.app import StatusBar

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
