"""Where the project's notebooks, templates and default folders are."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The project folder (the git checkout the package is installed from, editable).
PROJECT_DIR = PACKAGE_DIR.parent
#: File in a run's output folder with the parameters and data the run has
#: already validated and loaded, so the kernel does not read them again.
HANDOFF_FILE = "client_data.pickle"


def notebooks_dir() -> Path:
    """The folder with the numbered analysis notebooks (``CXWB_NOTEBOOKS`` overrides)."""
    return Path(os.environ.get("CXWB_NOTEBOOKS", PROJECT_DIR / "notebooks")).resolve()


def parameter_dirs() -> list[Path]:
    """Folders searched for ``<client_id>.yaml``, first match wins."""
    dirs = []
    if os.environ.get("CXWB_PARAMETERS"):
        dirs.append(Path(os.environ["CXWB_PARAMETERS"]).expanduser())
    dirs += [Path.cwd() / "parameters", PROJECT_DIR / "parameters"]
    unique: list[Path] = []
    for folder in dirs:
        folder = folder.resolve()
        if folder not in unique:
            unique.append(folder)
    return unique


def templates_dir() -> Path:
    """Templates for the HTML report."""
    return PACKAGE_DIR / "templates"
