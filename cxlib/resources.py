"""The package's own files: where notebooks, templates and folders are, and reading packaged YAML.

ruamel.yaml, which reads every file a user writes (YAML 1.2: ``no`` stays
text, comments survive), is pure Python and needs about half a second for the
packaged texts and catalogues, once in every run. The packaged files are read
with PyYAML's C parser instead (libyaml, 10-20 times faster). PyYAML follows
YAML 1.1, which reads a few plain words differently (``no``, ``on``, ``0o17``);
a test loads every packaged file both ways and requires the same result, so
that no shipped text can ever change meaning. Files a user provides (an adapted
questionnaire) keep going through ruamel.yaml.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
#: The project folder (the git checkout the package is installed from, editable).
PROJECT_DIR = PACKAGE_DIR.parent
#: File in a run's output folder with the parameters and data the run has
#: already validated and loaded, so the kernel does not read them again.
HANDOFF_FILE = "client_data.pickle"

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def is_packaged(path: Path) -> bool:
    """True for a file inside the installed cxlib package."""
    return path.resolve().is_relative_to(PACKAGE_DIR)


def load_packaged(path: Path) -> object:
    """The content of a packaged YAML file (raises ``yaml.YAMLError`` if it is broken)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
