"""What ``cxwb run`` hands its notebooks, in two steps: the data first, the testing family after.

The run's main process validates and loads the client, writes the parameters
and the data to :data:`~cxlib.resources.HANDOFF_FILE` in the run's folder and
starts the notebooks at once; meanwhile it computes the report's testing
family (:func:`cxlib.report_tests.report_tests`) and then writes the family
and the memo entries computed with it (the churn fit, the coded comments, the
early-warning flags: :data:`FAMILY_MEMO`) to :data:`FAMILY_FILE`, atomically
(written beside, then renamed). A notebook works until it needs the family:
its :class:`~cxlib.report.testing.PendingFamily` and its data's
:meth:`~cxlib.io.loading.ClientData.expect` wait for that file then
(:func:`read_family`). So a section without tests (maturity), and the parts
of the others before their first verdict, run while the family is computed.

When the family cannot be computed, the main process writes
:data:`FAILED_FILE` with the reason instead; a notebook waiting for the
family stops with :class:`FamilyUnavailable`, and the run reports the
family's own error. Both files are removed with the run's folder; they hold
client data and never reach the report.
"""

from __future__ import annotations

import os
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cxlib.report.testing import TestFamily
from cxlib.resources import HANDOFF_FILE
from cxlib.runner import arrow_pickle

if TYPE_CHECKING:
    from cxlib.io.loading import ClientData
    from cxlib.parameters.schema import ClientParameters

__all__ = [
    "FAILED_FILE",
    "FAMILY_FILE",
    "FAMILY_MEMO",
    "FamilyUnavailable",
    "read_data",
    "read_family",
    "shared_categories",
    "write_data",
    "write_failure",
    "write_family",
]

#: The family and its memo entries, next to the data's hand-off.
FAMILY_FILE = "family.pickle"
#: Written instead of :data:`FAMILY_FILE` when the family could not be computed.
FAILED_FILE = "family.failed"
#: Memo keys (their beginnings) that the family computes and the notebooks reuse.
FAMILY_MEMO = ("survival.fitted/", "kpis.early_warning", "voice.coded/", "voice.themes/")
#: Seconds a notebook waits for the family at most (a run's main process that
#: died takes its kernels with it; this only bounds a main process that hangs).
WAIT_LIMIT = 3600.0
#: Seconds between looks for the family's file.
_STEP = 0.005


class FamilyUnavailable(RuntimeError):
    """The run's main process could not compute the testing family (or took too long)."""


def write_data(folder: Path, params: ClientParameters, data: ClientData) -> Path:
    """Write the parameters and data for the notebooks (streamed: no copy as bytes).

    Text columns go as Arrow buffers and come back memory-mapped
    (:mod:`cxlib.runner.arrow_pickle`); the frames come back with the same
    dtypes, and all tables with one customer categorical.
    """
    path = folder / HANDOFF_FILE
    arrow_pickle.dump((params, data), path)
    return path


def read_data(path: Path) -> tuple[ClientParameters, ClientData]:
    """The parameters and data written by :func:`write_data` (read once per file and version)."""
    stat = path.stat()
    return _read_data(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1)
def _read_data(path: Path, mtime: int, size: int) -> tuple[ClientParameters, ClientData]:
    from cxlib.io.loading import ClientData
    from cxlib.parameters.schema import ClientParameters

    handed = arrow_pickle.load(path)
    params, data = handed if isinstance(handed, tuple) and len(handed) == 2 else (None, None)
    if not isinstance(params, ClientParameters) or not isinstance(data, ClientData):
        raise TypeError(f"{path} is not a hand-off of cxwb run")
    return params, data


def shared_categories(data: ClientData) -> dict[str, object]:
    """The categories of the data's categorical columns, by table and column.

    The family's memo entries name these instead of carrying copies: the
    kernel's results then share the categories of the kernel's data (one
    million customer numbers are neither read twice nor hashed to compare).
    """
    frames = {name: table.frame for name, table in data.tables.items()} | {
        f"derived.{name}": frame for name, frame in data.derived.items()
    }
    return {
        f"{name}.{column}": frame[column].cat.categories
        for name, frame in frames.items()
        for column in frame.columns
        if isinstance(frame[column].dtype, pd.CategoricalDtype)
    }


def write_family(folder: Path, tests: TestFamily, data: ClientData) -> Path:
    """Publish the family and the data's :data:`FAMILY_MEMO` entries, all at once.

    The memo's customer categories are written as references to those of
    the data's hand-off (:func:`shared_categories`), which
    :func:`read_family` resolves in the kernel's data.
    """
    memo = {k: v for k, v in data.memo.items() if k.startswith(FAMILY_MEMO)}
    path = folder / FAMILY_FILE
    partial = path.with_name(f".{path.name}.partial")
    arrow_pickle.dump((tests, memo), partial, shared_categories(data))
    os.replace(partial, path)
    return path


def write_failure(folder: Path, reason: str) -> None:
    """Tell the waiting notebooks that no family will come, and why."""
    path = folder / FAILED_FILE
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(reason, encoding="utf-8")
    os.replace(partial, path)


def read_family(folder: Path, limit: float = WAIT_LIMIT) -> tuple[TestFamily, dict[str, object]]:
    """The family and memo entries of :func:`write_family`, waiting for them (once per folder).

    Raises :class:`FamilyUnavailable` when :data:`FAILED_FILE` appears
    instead, or after ``limit`` seconds.
    """
    return _read_family(folder, limit)


@lru_cache(maxsize=1)
def _read_family(folder: Path, limit: float) -> tuple[TestFamily, dict[str, object]]:
    path, failed = folder / FAMILY_FILE, folder / FAILED_FILE
    deadline = time.monotonic() + limit
    while not path.is_file():
        if failed.is_file():
            reason = failed.read_text(encoding="utf-8", errors="replace")
            raise FamilyUnavailable(f"the report's testing family was not computed: {reason}")
        if time.monotonic() > deadline:
            raise FamilyUnavailable(
                f"the report's testing family did not come within {limit:.0f} s"
            )
        time.sleep(_STEP)

    def shared(name: str) -> object:
        _, data = read_data(folder / HANDOFF_FILE)
        return shared_categories(data)[name]

    handed = arrow_pickle.load(path, shared)
    tests, memo = handed if isinstance(handed, tuple) and len(handed) == 2 else (None, None)
    if not isinstance(tests, TestFamily) or not isinstance(memo, dict):
        raise TypeError(f"{path} is not a testing family of cxwb run")
    return tests, memo
