"""Reading the YAML files shipped inside cxlib (text catalogue, maturity catalogues) fast.

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

from pathlib import Path
from typing import Any

import yaml

from .paths import PACKAGE_DIR

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def is_packaged(path: Path) -> bool:
    """True for a file inside the installed cxlib package."""
    return path.resolve().is_relative_to(PACKAGE_DIR)


def load_packaged(path: Path) -> Any:
    """The content of a packaged YAML file (raises ``yaml.YAMLError`` if it is broken)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
