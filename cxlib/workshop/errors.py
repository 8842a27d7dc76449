"""The errors of the workshop's storage: invalid input, a failed write, a busy lock.

All are :class:`~cxlib.exceptions.CXError` with a plain message; a conflict
with someone else's save is :class:`~cxlib.exceptions.WorkshopConflict`
(re-exported here because the store raises it too).
"""

from __future__ import annotations

from cxlib.exceptions import CXError, WorkshopConflict
from cxlib.texts import t

__all__ = ["WorkshopBusy", "WorkshopConflict", "WorkshopInputError", "WorkshopWriteError"]


class WorkshopInputError(CXError):
    """Workshop input that cannot be saved; ``problems`` holds ``(key, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]], lang: str = "de"):
        self.problems = list(problems)
        lines = [t("workshop_store.input_head", lang, n=len(self.problems))]
        lines += [f"  - {key}: {message}" if key else f"  - {message}" for key, message in problems]
        super().__init__("\n".join(lines))


class WorkshopWriteError(CXError, OSError):
    """A file could not be written (disk full, no permission, opened by another program).

    Nothing was changed; it is also an :class:`OSError`.
    """


class WorkshopBusy(WorkshopConflict):
    """Another writer held the client's lock for longer than the timeout; nothing was written."""
