"""The maturity questionnaire and action catalogue: versioned data files, read and checked.

Both live in ``cxlib/maturity/data/`` as YAML so that a consultancy can adapt them
without touching code: ``maturity_questionnaire.yaml`` (dimensions, items with
German and English statements and 0-4 behaviour anchors, weights, the typing
groups of seed 000) and ``maturity_actions.yaml`` (Now / Next / Later steps per
dimension and stage band, and seed 000's five fields of action). A copy with
changes can be passed to :func:`cxlib.maturity.assessment.assess` as a path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from cxlib.exceptions import CXError
from cxlib.resources import is_packaged, load_packaged
from cxlib.texts import LANGUAGES

DATA_DIR = Path(__file__).resolve().parent / "data"
QUESTIONNAIRE_FILE = DATA_DIR / "maturity_questionnaire.yaml"
ACTIONS_FILE = DATA_DIR / "maturity_actions.yaml"
#: Number of anchors per item: 0 nicht vorhanden … 4 verankert und verbessert.
LEVELS = 5
STEPS = ("now", "next", "later")


class CatalogueError(CXError):
    """The questionnaire or action catalogue file is incomplete or inconsistent."""

    def __init__(self, file: str | Path, problems: list[str]):
        self.file = str(file)
        self.problems = list(problems)
        lines = [f"Reifegrad-Katalog {self.file}: {len(problems)} Problem(e)"]
        lines += [f"  - {p}" for p in problems[:30]]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Dimension:
    """One dimension of the questionnaire."""

    id: str
    names: Mapping[str, str]
    weight: float
    field: str
    items: tuple[str, ...]

    def name(self, lang: str = "de") -> str:
        """The dimension's name in ``lang``."""
        return self.names[lang]


@dataclass(frozen=True, eq=False)
class Questionnaire:
    """The questionnaire: dimensions, items, anchors, weights and typing groups."""

    version: str
    source: str
    dimensions: tuple[Dimension, ...]
    texts: Mapping[str, Mapping[str, str]]  # item → lang → statement
    anchors: Mapping[str, Mapping[str, tuple[str, ...]]]  # item → lang → 5 anchors
    scale: Mapping[str, tuple[str, ...]]
    typing: Mapping[str, tuple[str, ...]]

    @property
    def item_dimension(self) -> dict[str, str]:
        """Item id → dimension id."""
        return {item: d.id for d in self.dimensions for item in d.items}

    @property
    def weights(self) -> dict[str, float]:
        """Dimension id → weight from the file."""
        return {d.id: d.weight for d in self.dimensions}

    def dimension(self, dimension_id: str) -> Dimension:
        """The dimension with id ``dimension_id``."""
        return next(d for d in self.dimensions if d.id == dimension_id)

    def to_frame(self, lang: str = "de") -> pd.DataFrame:
        """Items as rows: item, dimension, dimension_name, text, anchor_0 … anchor_4."""
        rows = []
        for dim in self.dimensions:
            for item in dim.items:
                row = {
                    "item": item,
                    "dimension": dim.id,
                    "dimension_name": dim.name(lang),
                    "text": self.texts[item][lang],
                }
                row.update({f"anchor_{k}": a for k, a in enumerate(self.anchors[item][lang])})
                rows.append(row)
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class ActionCatalogue:
    """Now / Next / Later steps per dimension and stage, and the five fields of action."""

    version: str
    fields: Mapping[str, Mapping[str, str]]  # field id → lang → name
    bands: Mapping[int, str]  # stage → band
    actions: Mapping[str, Mapping[str, Mapping[str, Mapping[str, str]]]]

    def steps(self, dimension: str, stage: int, lang: str = "de") -> dict[str, str]:
        """``{now, next, later}`` for a dimension at ``stage`` in ``lang``."""
        band = self.actions[dimension][self.bands[stage]]
        return {step: band[step][lang] for step in STEPS}


def _read(path: Path) -> object:
    try:
        if is_packaged(path):
            return load_packaged(path)
        return YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(path, ["Datei nicht gefunden"]) from None
    except (YAMLError, yaml.YAMLError) as exc:
        raise CatalogueError(path, [f"YAML-Syntaxfehler: {exc}"]) from None


def _by_lang(value: Any, where: str, problems: list[str]) -> dict[str, str]:
    """``{de: …, en: …}`` checked for both languages."""
    out: dict[str, str] = {}
    if not isinstance(value, dict):
        problems.append(f"{where}: erwartet Texte für {', '.join(LANGUAGES)}")
        return out
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: Text „{lang}“ fehlt")
        out[lang] = str(text or "")
    return out


def _lists_by_lang(
    value: Any, where: str, problems: list[str], count: int
) -> dict[str, tuple[str, ...]]:
    """``{de: […], en: […]}`` checked for both languages and ``count`` entries each."""
    out: dict[str, tuple[str, ...]] = {}
    if not isinstance(value, dict):
        problems.append(f"{where}: erwartet Texte für {', '.join(LANGUAGES)}")
        return out
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, list) or len(text) != count or not all(text):
            problems.append(f"{where}: „{lang}“ braucht genau {count} Anker-Texte (0-4)")
            text = list(text or [])[:count] + [""] * count
        out[lang] = tuple(str(a) for a in text[:count])
    return out


@cache
def _load_questionnaire(path: Path) -> Questionnaire:
    doc = _read(path)
    problems: list[str] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("dimensions"), list):
        raise CatalogueError(path, ["Schlüssel „dimensions“ (Liste) fehlt"])
    dims, texts, anchors, seen = [], {}, {}, set()
    for d in doc["dimensions"]:
        did = str(d.get("id", ""))
        names = _by_lang(d.get("name"), f"{did}.name", problems)
        weight = d.get("weight", 1)
        if not isinstance(weight, int | float) or weight < 0:
            problems.append(f"{did}.weight: muss eine Zahl ≥ 0 sein")
            weight = 0
        items = []
        for item in d.get("items") or []:
            iid = str(item.get("id", ""))
            if not iid or iid in seen:
                problems.append(f"{did}: Aussage „{iid}“ fehlt oder ist doppelt")
            seen.add(iid)
            items.append(iid)
            texts[iid] = _by_lang(item.get("text"), f"{iid}.text", problems)
            anchors[iid] = _lists_by_lang(item.get("anchors"), f"{iid}.anchors", problems, LEVELS)
        if not items:
            problems.append(f"{did}: keine Aussagen")
        dims.append(Dimension(did, names, float(weight), str(d.get("field", "")), tuple(items)))
    ids = {d.id for d in dims}
    typing = {k: tuple(v) for k, v in (doc.get("typing") or {}).items()}
    if set(typing) != {"einsteiger", "fortgeschritten"}:
        problems.append("typing: braucht die Gruppen einsteiger und fortgeschritten")
    for group, members in typing.items():
        if not members or not set(members) <= ids:
            problems.append(f"typing.{group}: unbekannte oder fehlende Dimensionen {members}")
    if sum(d.weight for d in dims) <= 0:
        problems.append("weight: mindestens eine Dimension braucht ein Gewicht > 0")
    scale = _lists_by_lang(doc.get("scale"), "scale", problems, LEVELS)
    if problems:
        raise CatalogueError(path, problems)
    return Questionnaire(
        str(doc.get("version", "")), str(path), tuple(dims), texts, anchors, scale, typing
    )


def load_questionnaire(source: str | Path | Questionnaire | None = None) -> Questionnaire:
    """The questionnaire from ``source`` (a file, or the packaged default when None)."""
    if isinstance(source, Questionnaire):
        return source
    return _load_questionnaire(Path(source or QUESTIONNAIRE_FILE).expanduser().resolve())


@cache
def _load_actions(path: Path, questionnaire: Questionnaire) -> ActionCatalogue:
    doc = _read(path)
    if not isinstance(doc, dict):
        raise CatalogueError(path, ["Schlüssel „fields“, „bands“ und „actions“ fehlen"])
    problems: list[str] = []
    fields = {k: _by_lang(v, f"fields.{k}", problems) for k, v in (doc.get("fields") or {}).items()}
    bands = {int(s): band for band, stages in (doc.get("bands") or {}).items() for s in stages}
    if sorted(bands) != [1, 2, 3, 4, 5]:
        problems.append("bands: jede Stufe 1-5 muss genau einer Gruppe angehören")
    actions: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for dim in questionnaire.dimensions:
        if dim.field not in fields:
            problems.append(f"{dim.id}: Handlungsfeld „{dim.field}“ ist nicht unter fields")
        per_band = (doc.get("actions") or {}).get(dim.id) or {}
        actions[dim.id] = {}
        for band in set(bands.values()):
            steps = per_band.get(band) or {}
            actions[dim.id][band] = {
                s: _by_lang(steps.get(s), f"actions.{dim.id}.{band}.{s}", problems) for s in STEPS
            }
    if problems:
        raise CatalogueError(path, problems)
    return ActionCatalogue(str(doc.get("version", "")), fields, bands, actions)


def load_actions(questionnaire: Questionnaire, source: str | Path | None = None) -> ActionCatalogue:
    """The action catalogue, checked against the questionnaire's dimensions."""
    return _load_actions(Path(source or ACTIONS_FILE).expanduser().resolve(), questionnaire)
