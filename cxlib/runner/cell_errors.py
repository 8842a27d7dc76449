"""How a user's error raised in a notebook kernel reaches the runner: as a typed record.

A cell's error reaches papermill only as class name, message text and
traceback lines. So every kernel the runner starts (see
:mod:`cxlib.runner.kernel`) runs :func:`install` at start-up: IPython's custom
exception handler then catches every :class:`~cxlib.exceptions.CXError` a
cell raises, publishes its :class:`~cxlib.exceptions.ErrorRecord` as a
display output of type :data:`MIME_TYPE` in the failing cell, and shows the
usual traceback after it. papermill writes the executed notebook also when a
cell fails; :func:`record_in` reads the record back from it. A cell that fails
with anything else leaves no record: that is a bug, not the user's to fix.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import TYPE_CHECKING

from cxlib.exceptions import CXError, ErrorRecord

if TYPE_CHECKING:
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["MIME_TYPE", "install", "record_in"]

#: The output type carrying the record (a JSON object, see ErrorRecord.to_dict).
MIME_TYPE = "application/vnd.cxwb.error+json"

log = logging.getLogger("cxlib.runner.run")


def _show_with_record(
    shell: InteractiveShell,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    tb_offset: int | None = None,
) -> None:
    """IPython's handler for CXError: publish the record, then the usual traceback."""
    from IPython.display import publish_display_data

    if isinstance(value, CXError):
        publish_display_data({MIME_TYPE: ErrorRecord.of(value).to_dict()})
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)


def install(shell: InteractiveShell | None = None) -> None:
    """In a kernel: send every CXError a cell raises as a record (see the module docstring)."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:  # not in IPython: nothing to hook
        return
    shell.set_custom_exc((CXError,), _show_with_record)


def record_in(notebook: nbformat.NotebookNode) -> ErrorRecord | None:
    """The user's error record of the notebook's failed cell; None if it failed otherwise."""
    for cell in notebook.cells:
        outputs = cell.get("outputs") or []
        if not any(output.get("output_type") == "error" for output in outputs):
            continue
        for output in outputs:
            data = output.get("data") or {}
            if output.get("output_type") == "display_data" and MIME_TYPE in data:
                try:
                    return ErrorRecord.from_dict(data[MIME_TYPE])
                except ValueError as exc:  # a damaged record is no user's error
                    log.error("error record unreadable: %s", exc)
                    return None
    return None
