"""The notebooks' entry point: one client's parameters, data, texts and records.

Every analysis notebook starts with::

    wb = workbook.open_client(client_id, params_file=params_file, lang=lang,
                              output_dir=output_dir)

which validates the parameter file, loads the client's data (cached, so the
notebooks executed in one kernel load it once; in a run, from the hand-off
``cxwb`` wrote after validating) and sets the chart style.
``wb.section(...)`` shows a section heading and ``wb.record(...)`` stores the
section's key figures and summary statements in ``output_dir`` for
``results.json``; without an ``output_dir`` (a consultant exploring in
JupyterLab) records stay in memory.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from cxlib.io.cutoff import settle_cutoff
from cxlib.io.exports import write_excel_csv
from cxlib.io.loading import ClientData, load_client_data
from cxlib.parameters.files import find_parameters, load_parameters
from cxlib.parameters.schema import ClientParameters
from cxlib.report import blocks as display
from cxlib.report.section import SECTION_ORDER, JSONValue, Section
from cxlib.report.summary import Statement
from cxlib.report.testing import PendingFamily, TestFamily
from cxlib.resources import HANDOFF_FILE
from cxlib.texts import t, wording

__all__ = ["SECTION_ORDER", "Workbook", "open_client", "to_jsonable"]


@lru_cache(maxsize=4)
def _load(path: Path, stamp: tuple[int, int]) -> tuple[ClientParameters, ClientData]:
    params = load_parameters(path)
    data = load_client_data(params)
    return settle_cutoff(params, data), data


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def to_jsonable(value: object) -> JSONValue:
    """Turn numpy/pandas scalars, dates and NaN into plain JSON values."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Statement):
        return to_jsonable(value.to_dict())
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date().isoformat()
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        item: JSONValue = value.item()
        return item
    if isinstance(value, (int, float)):
        return value
    raise TypeError(f"no JSON value for {type(value).__name__}: {value!r}")


@dataclass
class Workbook:
    """One client's run inside a notebook kernel."""

    params: ClientParameters
    data: ClientData
    lang: str
    output_dir: Path | None
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    _tests: TestFamily | None = None

    @property
    def tests(self) -> TestFamily:
        """The report's testing family (:mod:`cxlib.report.testing`), computed once.

        In a run it comes from ``cxwb run``'s main process, which computes it
        while the notebooks start (a :class:`~cxlib.report.testing.PendingFamily`,
        see :mod:`cxlib.runner.handoff`); in JupyterLab it is computed on first
        use from the client's parameters and data.
        """
        if self._tests is None:
            from cxlib.report_tests import report_tests

            self._tests = report_tests(self.params, self.data)
        return self._tests

    @property
    def accent(self) -> str:
        """The client's accent colour (#RRGGBB)."""
        return self.params.branding.accent_color

    def t(self, key: str, **values: Any) -> str:
        """A text from the catalogue in this run's language."""
        return t(key, self.lang, **values)

    def section(self, section_id: str, subtitle: str) -> Any:
        """The section heading (to display) with its key message; records both."""
        if section_id not in SECTION_ORDER:
            raise ValueError(f"unknown section {section_id!r}; known: {SECTION_ORDER}")
        title = self.t(f"sections.{section_id}.title")
        record = self.records.setdefault(section_id, {"id": section_id})
        record.update(title=title, subtitle=subtitle)
        self._write(section_id)
        return display.section_heading(section_id, title, subtitle)

    def heading(self, section: Section) -> Any:
        """The heading of ``section`` with its key message (to display); records both."""
        return self.section(section.id, section.key_message)

    def record(
        self,
        section_id: str | Section,
        figures: dict[str, Any] | None = None,
        summary: list[Statement] | None = None,
    ) -> None:
        """Store a section's key figures and summary statements for results.json.

        Given a :class:`~cxlib.report.section.Section`, its figures, statements
        and exports are stored; the exports (the team's call list) are written
        into ``output_dir`` as Excel-friendly CSV files.
        """
        if isinstance(section_id, Section):
            sec = section_id
            if self.output_dir is not None:
                for name, frame in sec.exports.items():
                    write_excel_csv(frame, self.output_dir / name, self.lang)
            self.record(sec.id, dict(sec.figures), list(sec.statements))
            if sec.facts:
                self.records[sec.id]["facts"] = to_jsonable(sec.facts.records(self.lang))
                self._write(sec.id)
            return
        record = self.records.setdefault(section_id, {"id": section_id})
        if figures:
            record.setdefault("figures", {}).update(to_jsonable(figures))
        if summary:
            record["summary"] = [s.to_dict() for s in summary]
        self._write(section_id)

    def _write(self, section_id: str) -> None:
        if self.output_dir is None:
            return
        folder = self.output_dir / "sections"
        folder.mkdir(parents=True, exist_ok=True)
        number = SECTION_ORDER.index(section_id) + 1
        target = folder / f"{number:02d}-{section_id}.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(self.records[section_id], ensure_ascii=False, indent=2, sort_keys=True),
            encoding="utf-8",
        )
        os.replace(tmp, target)

    def note(self, key: str, kind: Literal["info", "warning"] = "info", **values: Any) -> Any:
        """A boxed note with the catalogue text ``key``, in this run's language."""
        return display.note(self.t(key, **values), kind=kind, lang=self.lang)

    def subheading(self, key: str, **values: Any) -> Any:
        """A sub-heading with the catalogue text ``key``."""
        return display.subheading(self.t(key, **values))

    def table(self, frame: pd.DataFrame, **options: Any) -> Any:
        """A formatted, escaped HTML table in this run's language."""
        return display.table(frame, self.lang, **options)


def open_client(
    client_id: str = "",
    params_file: str = "",
    lang: str = "",
    output_dir: str = "",
) -> Workbook:
    """Validate and load one client for a notebook.

    ``params_file`` wins over ``client_id`` (looked up as
    ``parameters/<client_id>.yaml``); ``lang`` overrides the file's language;
    ``output_dir`` is where section records are written (a run's folder).
    """
    handoff = Path(output_dir) / HANDOFF_FILE if output_dir else None
    tests: TestFamily | None = None
    if handoff is not None and handoff.is_file():  # in cxwb run (see cxlib.runner.handoff)
        from cxlib.runner import handoff as run

        params, data = run.read_data(handoff)
        folder = handoff.parent
        tests = PendingFamily(lambda: run.read_family(folder)[0])
        data.expect(run.FAMILY_MEMO, lambda: run.read_family(folder)[1])
    else:
        path = find_parameters(params_file or client_id)
        params, data = _load(path, _stamp(path))
    language = lang or params.language
    if language not in ("de", "en"):
        raise ValueError(f"unknown language {language!r}")
    from cxlib.report.charts import apply_style

    apply_style(params.branding.accent_color)
    words = wording(language, params.business_model, params.client.loyalty_cards)
    return Workbook(params, data, words, Path(output_dir) if output_dir else None, _tests=tests)
