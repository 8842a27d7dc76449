"""What every capture tab of the workshop shares: the store, the language, the status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import StatusBar


class Capture:
    """Base of the maturity, journey and plan captures.

    ``store`` is the client's :class:`~cxlib.workshop.store.WorkshopStore` (or a
    test double with the same methods); without ``status`` a capture gets its
    own status bar, so that it also works on its own.
    """

    def __init__(self, store: Any, lang: str = "de", status: StatusBar | None = None) -> None:
        if status is None:
            from .app import StatusBar

            status = StatusBar(lang)
        self.store = store
        self.lang = lang
        self.status = status
        #: True while widgets are filled from the store (their events must not save)
        self._loading = False
