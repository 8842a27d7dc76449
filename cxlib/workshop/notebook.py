"""The client's workshop notebook: the template ``notebooks/workshop.ipynb`` set to one client.

:func:`write_workshop_notebook` copies the template into
``workshops/<client_id>.ipynb`` (git-ignored) and sets it to the client the
way papermill does (an ``injected-parameters`` cell after the cell tagged
``parameters``), without executing it. The template is not one of the
numbered analysis notebooks (:func:`cxlib.runner.run.notebook_paths`), so it
never becomes part of the report.
"""

from __future__ import annotations

import os
from pathlib import Path

from cxlib.exceptions import CXError
from cxlib.resources import notebooks_dir

__all__ = ["DEFAULT_FOLDER", "TEMPLATE_NAME", "template_path", "write_workshop_notebook"]

TEMPLATE_NAME = "workshop.ipynb"
DEFAULT_FOLDER = "workshops"


def template_path() -> Path:
    """The workshop notebook template (``notebooks/workshop.ipynb``)."""
    return notebooks_dir() / TEMPLATE_NAME


def write_workshop_notebook(
    client: str | Path,
    folder: str | Path = DEFAULT_FOLDER,
    lang: str | None = None,
    template: str | Path | None = None,
) -> Path:
    """Write ``<folder>/<client_id>.ipynb``: the template set to ``client``, not executed.

    ``client`` is a client id or a parameter file (raises
    :class:`~cxlib.exceptions.ClientNotFoundError` if there is none). The
    values go into an ``injected-parameters`` cell after the ``parameters``
    cell, as papermill does; all cells keep their source hidden and have no
    outputs. An earlier workshop notebook of the client is replaced (it holds
    no data: everything typed is saved in the client's files).
    """
    import nbformat
    from papermill.parameterize import parameterize_notebook

    from cxlib.parameters.files import find_parameters

    params_file = find_parameters(client)
    client_id = params_file.stem
    if lang not in (None, "", "de", "en"):
        raise CXError(f"Unbekannte Sprache „{lang}“ (de oder en)")
    source = Path(template) if template else template_path()
    nb = nbformat.read(source, as_version=4)
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(
        nb,
        {"client_id": client_id, "params_file": str(params_file), "lang": lang or ""},
        report_mode=True,  # the injected cell's source is hidden like the others
        comment="Parameter von cxwb workshop",
    )
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    out_dir = Path(folder).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{client_id}.ipynb"
    tmp = target.with_name(f".{target.name}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, target)
    return target
