"""Shared fixtures: minimal parameter files and the project's folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def write_params(folder: Path, body: str, name: str = "kunde.yaml") -> Path:
    """Write a parameter file (UTF-8) into ``folder`` and return its path."""
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


MINIMAL = """\
client:
  id: muster-gmbh
  name: Muster GmbH
consultant: Erika Beraterin
report_date: 2026-01-31
business_model: contractual
"""


@pytest.fixture
def minimal_params(tmp_path: Path) -> Path:
    """A valid parameter file without data files."""
    return write_params(tmp_path, MINIMAL)


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The tests (and the cxwb processes they start) keep caches in a folder of their own.

    So that a test never reads what an earlier run left in the user's cache
    (:mod:`cxlib.voice.lemma_cache`) and never writes there.
    """
    os.environ["CXWB_CACHE_DIR"] = str(tmp_path_factory.mktemp("cxwb-cache"))


@pytest.fixture(scope="session")
def project() -> Path:
    """The project folder."""
    return PROJECT
