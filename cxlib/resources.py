"""The package's own files: where notebooks, templates and folders are, and reading packaged YAML.

Everything a report needs ships inside the package (``pip install .`` or the
wheel is enough): the analysis notebooks in ``cxlib/notebooks/``, the report
template in ``cxlib/report/templates/``, the portfolio page's in
``cxlib/portfolio/templates/``, texts and catalogues as YAML. Only the
defaults for the user's own folders (``parameters``, ``data``, ``reports``)
depend on where cxlib runs from: the checkout's folders when it is imported
from a git checkout (editable install), else the current working directory's.

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

from cxlib.exceptions import CatalogueError

PACKAGE_DIR = Path(__file__).resolve().parent
#: The folder above the package: the git checkout when cxlib is imported from one
#: (editable install), ``site-packages`` for an installed wheel. Only for tools and
#: tests that work on the checkout; the defaults a run uses come from
#: :func:`checkout_dir` and :func:`default_dir`.
PROJECT_DIR = PACKAGE_DIR.parent
#: File in a run's output folder with the parameters and data the run has
#: already validated and loaded, so the kernel does not read them again.
HANDOFF_FILE = "client_data.pickle"

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def checkout_dir() -> Path | None:
    """The project's git checkout cxlib is imported from, or None for an installed package.

    A checkout is recognised by the ``pyproject.toml`` beside the package
    folder, which an installed wheel never has.
    """
    return PROJECT_DIR if (PROJECT_DIR / "pyproject.toml").is_file() else None


def default_dir(name: str) -> Path:
    """The default folder ``name`` (``reports``, ``data``, ...) for commands and the workshop.

    In a checkout the checkout's folder, so that the workshop and ``cxwb
    demo-data`` find the demo clients wherever they are started; for an
    installed package the folder in the current working directory.
    """
    return (checkout_dir() or Path.cwd()) / name


def notebooks_dir() -> Path:
    """The folder with the numbered analysis notebooks (``CXWB_NOTEBOOKS`` overrides).

    The packaged ``cxlib/notebooks/``; the checkout's top-level ``notebooks``
    is a symbolic link to it for opening them in JupyterLab.
    """
    return Path(os.environ.get("CXWB_NOTEBOOKS", PACKAGE_DIR / "notebooks")).resolve()


def parameter_dirs() -> list[Path]:
    """Folders searched for ``<client_id>.yaml``, first match wins.

    ``$CXWB_PARAMETERS``, then ``parameters`` in the current working
    directory, then the checkout's ``parameters`` when cxlib runs from one.
    """
    dirs = []
    if os.environ.get("CXWB_PARAMETERS"):
        dirs.append(Path(os.environ["CXWB_PARAMETERS"]).expanduser())
    dirs.append(Path.cwd() / "parameters")
    checkout = checkout_dir()
    if checkout is not None:
        dirs.append(checkout / "parameters")
    unique: list[Path] = []
    for folder in dirs:
        folder = folder.resolve()
        if folder not in unique:
            unique.append(folder)
    return unique


def templates_dir() -> Path:
    """Templates for the HTML report: the folder with the nbconvert template ``report``."""
    return PACKAGE_DIR / "report" / "templates"


def portfolio_templates_dir() -> Path:
    """Templates for the portfolio page (``cxwb portfolio``)."""
    return PACKAGE_DIR / "portfolio" / "templates"


def is_packaged(path: Path) -> bool:
    """True for a file inside the installed cxlib package."""
    return path.resolve().is_relative_to(PACKAGE_DIR)


def load_packaged(path: Path) -> object:
    """The content of a packaged YAML file (raises ``yaml.YAMLError`` if it is broken)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


def read_catalogue(path: Path, error: type[CatalogueError]) -> object:
    """The content of a catalogue YAML file, packaged or the user's own.

    A missing file or broken YAML raises ``error`` (a :class:`CatalogueError`
    subclass) naming the file, so that the user sees which file to fix.
    """
    try:
        if is_packaged(path):
            return load_packaged(path)
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(path, ["Datei nicht gefunden"]) from None
    except yaml.YAMLError as exc:
        raise error(path, [f"YAML-Syntaxfehler: {exc}"]) from None
