"""From findings to levers: the lever catalogue and the link from each finding to its lever.

The catalogue (``cxlib/journeys/data/levers.yaml``, its head comment explains
the form) holds the seeds' levers (seed 003: the seven retention levers,
complaint recovery in four steps, prevention and win-back, the energy case's
moving assistant and bill explanation; seed 004: the closed feedback loop),
each with de/en texts and the findings it answers: churn reasons, comment
theme ids and churn drivers. A consultant extends it per client with
``analysis.journey.levers: <file>`` (same form; a new id adds a lever, a known
id adds matches and replaces the texts given); problems are reported all at
once by :class:`LeverCatalogueError` in plain German.

:func:`link` links three kinds of finding, in this order, to the first lever
of the catalogue that names them:

* **churn drivers** that survive the report's testing family
  (:mod:`cxlib.report.testing`): a Cox or early-warning-signal test
  (``survival/cox/…``, ``survival/signals/…``) whose verdict is a finding;
  one per covariate. A test that is not a finding is never linked, and
  without the family no driver is;
* the **top churn reasons** (:data:`TOP`, most churns first; counts among
  the churned customers of the customer table, ``churn_reason``);
* the **top comment themes** (:data:`TOP`, most comments first,
  :class:`cxlib.journeys.journey_map.JourneyMap`).

A finding without a matching lever is kept (lever None): the report says the
catalogue has none, so that the consultant adds one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from cxlib.exceptions import CatalogueError
from cxlib.resources import read_catalogue
from cxlib.texts import LANGUAGES

if TYPE_CHECKING:
    from cxlib.journeys.journey_map import ThemeCount
    from cxlib.report.testing import TestFamily

__all__ = [
    "DEFAULT_CATALOGUE",
    "Finding",
    "Lever",
    "LeverCatalogue",
    "LeverCatalogueError",
    "LeverLinks",
    "link",
    "load_levers",
    "surviving_drivers",
]

DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "data" / "levers.yaml"
#: How many churn reasons and comment themes are linked.
TOP = 3
#: The kinds of finding a lever answers (the keys under ``matches``).
KINDS = ("reasons", "themes", "drivers")
#: The tests of the churn section whose findings are churn drivers.
DRIVER_TESTS = ("survival/cox/", "survival/signals/")

FindingKind = Literal["driver", "reason", "theme"]


class LeverCatalogueError(CatalogueError):
    """A lever catalogue is missing, unreadable or has entries that cannot be used."""

    kind = "Hebelkatalog"


@dataclass(frozen=True)
class Lever:
    """One lever: texts by language, the phase it works on and the findings it answers."""

    id: str
    label: tuple[tuple[str, str], ...]
    action: tuple[tuple[str, str], ...]
    source: tuple[tuple[str, str], ...] = ()
    phase: str | None = None
    reasons: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    drivers: tuple[str, ...] = ()

    def text(self, part: Literal["label", "action", "source"], lang: str = "de") -> str:
        """The lever's label, action or source in ``lang`` (empty if not given)."""
        texts: tuple[tuple[str, str], ...] = getattr(self, part)
        return dict(texts).get(str(lang)[:2], "")

    def answers(self, kind: FindingKind, key: str) -> bool:
        """True if the lever names this finding (reasons compared without case)."""
        if kind == "reason":
            return key.casefold() in {r.casefold() for r in self.reasons}
        return key in (self.themes if kind == "theme" else self.drivers)


@dataclass(frozen=True)
class LeverCatalogue:
    """Levers in catalogue order and the files they were read from."""

    levers: tuple[Lever, ...]
    sources: tuple[str, ...] = ()

    def lever(self, lever_id: str) -> Lever:
        """The lever with ``lever_id``."""
        return next(lever for lever in self.levers if lever.id == lever_id)

    def match(self, kind: FindingKind, key: str) -> Lever | None:
        """The first lever that answers the finding, or None."""
        return next((lever for lever in self.levers if lever.answers(kind, key)), None)


@dataclass(frozen=True)
class Finding:
    """One finding and its lever (None: none in the catalogue).

    ``key`` is the churn reason, the theme id or the driver's covariate;
    ``count`` of ``n`` churns (reasons) or comments (themes); drivers carry
    no count here (the churn section shows their hazard ratios) but the id
    of the test that secured them.
    """

    kind: FindingKind
    key: str
    lever: Lever | None
    count: int | None = None
    n: int | None = None
    test: str | None = None
    label: tuple[tuple[str, str], ...] = ()

    @property
    def share(self) -> float | None:
        """count / n (None for drivers)."""
        return None if self.count is None or not self.n else self.count / self.n


@dataclass(frozen=True)
class LeverLinks:
    """The findings of one client, each with its lever, in display order."""

    findings: tuple[Finding, ...]
    #: False when no testing family was given (drivers could not be judged)
    drivers_judged: bool = True

    def to_frame(self) -> pd.DataFrame:
        """One row per finding: kind, key, count, n, share, test, lever."""
        return pd.DataFrame(
            [
                {
                    "kind": f.kind,
                    "key": f.key,
                    "count": f.count,
                    "n": f.n,
                    "share": f.share,
                    "test": f.test,
                    "lever": f.lever.id if f.lever else None,
                }
                for f in self.findings
            ],
            columns=["kind", "key", "count", "n", "share", "test", "lever"],
        )

    def lever_of(self, kind: FindingKind, key: str) -> str | None:
        """The lever id linked to a finding (None: not linked or not a finding)."""
        return next(
            (f.lever.id for f in self.findings if f.kind == kind and f.key == key and f.lever),
            None,
        )


def _texts(value: object, where: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        problems.append(f"{where}: erwartet je Sprache einen Text, z. B. {{de: …, en: …}}")
        return ()
    return tuple((lang, str(value[lang])) for lang in LANGUAGES)


def _keys(value: object, where: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        problems.append(f"{where}: erwartet eine Liste von Namen, z. B. [Umzug]")
        return ()
    return tuple(x.strip() for x in value)


def _parse(raw: object, partial: bool, problems: list[str]) -> dict[str, dict[str, object]]:
    """The entries of one file as field dicts (``partial``: texts may be missing)."""
    if not isinstance(raw, dict) or set(raw) != {"levers"} or not isinstance(raw["levers"], dict):
        problems.append("erwartet genau den Schlüssel „levers“ (Hebel als „id: {label: …}“)")
        return {}
    out: dict[str, dict[str, object]] = {}
    for lever_id, entry in raw["levers"].items():
        where = f"levers.{lever_id}"
        if not isinstance(lever_id, str) or not lever_id.replace("_", "").isalnum():
            problems.append(f"{where}: Hebel-Id nur aus Buchstaben, Ziffern und _")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{where}: erwartet label, action und matches")
            continue
        extra = set(entry) - {"label", "action", "source", "phase", "matches"}
        if extra:
            problems.append(f"{where}: unbekannte Schlüssel: {', '.join(sorted(map(str, extra)))}")
        fields: dict[str, object] = {}
        for part in ("label", "action", "source"):
            if part in entry or (not partial and part != "source"):
                fields[part] = _texts(entry.get(part), f"{where}.{part}", problems)
        if "phase" in entry:
            fields["phase"] = str(entry["phase"]) if entry["phase"] is not None else None
        matches = entry.get("matches") or {}
        if not isinstance(matches, dict) or set(matches) - set(KINDS):
            problems.append(f"{where}.matches: erwartet reasons, themes und/oder drivers")
            matches = {}
        for kind in KINDS:
            if kind in matches:
                fields[kind] = _keys(matches[kind], f"{where}.matches.{kind}", problems)
        out[lever_id] = fields
    return out


def _merge(
    base: LeverCatalogue, entries: dict[str, dict[str, object]], source: str
) -> LeverCatalogue:
    merged = {lever.id: lever for lever in base.levers}
    for lever_id, fields in entries.items():
        old = merged.get(lever_id)
        if old is None:
            values = {k: v for k, v in fields.items() if v is not None or k == "phase"}
            merged[lever_id] = Lever(id=lever_id, **values)  # type: ignore[arg-type]
            continue
        update: dict[str, object] = {
            k: v for k, v in fields.items() if k in ("label", "action", "source", "phase")
        }
        for kind in KINDS:
            if kind in fields:
                known = getattr(old, kind)
                new = tuple(x for x in fields[kind] if x not in known)  # type: ignore[attr-defined]
                update[kind] = known + new
        merged[lever_id] = Lever(**{**old.__dict__, **update})
    return LeverCatalogue(tuple(merged.values()), (*base.sources, source))


def _load(path: Path, base: LeverCatalogue | None) -> LeverCatalogue:
    problems: list[str] = []
    entries = _parse(read_catalogue(path, LeverCatalogueError), base is not None, problems)
    known = {lever.id for lever in base.levers} if base else set()
    for lever_id, fields in entries.items():
        if lever_id not in known and not (fields.get("label") and fields.get("action")):
            problems.append(f"levers.{lever_id}: neuer Hebel ohne label und action (je Sprache)")
    if problems:
        raise LeverCatalogueError(path, problems)
    return _merge(base or LeverCatalogue(()), entries, str(path))


def load_levers(extension: str | Path | None = None) -> LeverCatalogue:
    """The default lever catalogue, extended by the client's file ``extension`` when given.

    Raises :class:`LeverCatalogueError` (file and entry in plain German) for a
    missing or broken file.
    """
    default = _load(DEFAULT_CATALOGUE, None)
    if extension is None:
        return default
    return _load(Path(extension).expanduser().resolve(), default)


def surviving_drivers(tests: TestFamily | None) -> list[tuple[str, str]]:
    """(covariate, test id) of each churn driver the family confirms, one per covariate.

    Only Cox and signal tests whose verdict is ``finding`` count (module notes).
    """
    if tests is None or not tests.size:
        return []
    frame = tests.to_frame()
    found: dict[str, str] = {}
    for row in frame.itertuples(index=False):
        test_id = str(row.id)
        prefix = next((p for p in DRIVER_TESTS if test_id.startswith(p)), None)
        if prefix is None or row.verdict != "finding":
            continue
        covariate = test_id[len(prefix) :].partition(": ")[0]
        found.setdefault(covariate, test_id)
    return list(found.items())


def churn_reasons(
    customers: pd.DataFrame | None, top: int = TOP
) -> tuple[list[tuple[str, int]], int]:
    """The ``top`` churn reasons of the churned customers (most first) and how many churned
    customers have a reason; empty without a ``churn_reason`` column."""
    if customers is None or "churn_reason" not in customers:
        return [], 0
    reasons = customers["churn_reason"].astype("string").str.strip()
    if "end_date" in customers:
        reasons = reasons[customers["end_date"].notna()]
    reasons = reasons[reasons.notna() & (reasons != "")]
    counts = reasons.value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return [(str(k), int(v)) for k, v in ranked[:top]], len(reasons)


def link(
    catalogue: LeverCatalogue,
    tests: TestFamily | None,
    customers: pd.DataFrame | None,
    themes: tuple[ThemeCount, ...],
) -> LeverLinks:
    """Each surviving churn driver, top churn reason and top comment theme with its lever."""
    findings = [
        Finding("driver", covariate, catalogue.match("driver", covariate), test=test_id)
        for covariate, test_id in surviving_drivers(tests)
    ]
    reasons, n_reasons = churn_reasons(customers)
    findings += [
        Finding("reason", reason, catalogue.match("reason", reason), count, n_reasons)
        for reason, count in reasons
    ]
    findings += [
        Finding(
            "theme",
            theme.theme,
            catalogue.match("theme", theme.theme),
            theme.mentions,
            theme.n,
            label=theme.labels,
        )
        for theme in themes[:TOP]
    ]
    return LeverLinks(tuple(findings), drivers_judged=tests is not None)
