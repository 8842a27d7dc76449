"""The checks of workshop input before anything is saved: answers, ratings, plan entries.

Each check returns the cleaned values or raises
:class:`~cxlib.workshop.errors.WorkshopInputError` listing every problem at
once, in the client's language. Version tokens (:func:`version_token`) are
hashes of stored content, so they notice edits made outside the workshop too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cxlib.parameters.problems import UNKNOWN_JOURNEY, ParameterProblem
from cxlib.texts import t
from cxlib.workshop.csv_edit import AnswerRow
from cxlib.workshop.errors import WorkshopInputError

__all__ = [
    "check_answers",
    "check_candidates",
    "check_rating",
    "clean_text",
    "excel_text",
    "number_problem",
    "parse_number",
    "plan_items",
    "reference_problems",
    "same_name",
    "shown_text",
    "version_token",
    "without_code",
]

#: Keys of plan entries that hold dates (text as 2026-02-02 or 02.02.2026 is read as a date).
DATE_KEYS = ("start", "check_date")
#: Keys of plan entries that hold numbers (text is read as a number in the client's language).
NUMBER_KEYS = ("target", "baseline")
#: Decimal mark and digit-group mark by language: German 1.000,5, English 1,000.5.
_MARKS = {"de": (",", "."), "en": (".", ",")}
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_RATING_FIELDS = ("frequency", "damage", "feasibility")


def version_token(content: Any) -> str:
    """A short version token: hash of the content in canonical JSON."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def clean_text(value: Any) -> str:
    """``value`` as text with runs of white space made one blank ("" for None)."""
    return " ".join(str(value).split()) if value is not None else ""


#: First characters with which Excel and LibreOffice read a CSV cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "\u2212", "@", "\t", "\r")


def excel_text(text: str) -> str:
    """``text`` as written into a CSV: an apostrophe before a leading = + - − @, so that
    Excel shows the text instead of running it as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def shown_text(text: str) -> str:
    """Text read from a CSV as it was typed (the inverse of :func:`excel_text`)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def same_name(name: str, names: Iterable[str]) -> str | None:
    """The entry of ``names`` that is ``name`` apart from spaces and case ("p01" is "P01")."""
    key = clean_text(shown_text(clean_text(name))).casefold()
    return next((n for n in names if clean_text(shown_text(str(n))).casefold() == key), None)


def _score_value(value: Any) -> tuple[bool, int | None]:
    """(valid, score) for one maturity answer: 0-4 or None ("weiß nicht")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True, None
    if value is pd.NA:
        return True, None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False, None
    number = float(value)
    if number != int(number) or not 0 <= int(number) <= 4:
        return False, None
    return True, int(number)


def _rating_value(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    if number != int(number) or not 1 <= int(number) <= 5:
        return None
    return int(number)


def check_answers(
    respondent: str,
    department: str,
    scores: Mapping[str, int | None],
    items: Sequence[str],
    lang: str,
) -> list[AnswerRow]:
    """One respondent's answers as rows in questionnaire order (``items``).

    ``respondent`` and ``department`` are already cleaned; scores are 0-4 or
    None ("weiß nicht"). Raises WorkshopInputError for an empty name or
    department, an item not in ``items`` or an invalid score.
    """
    rank = {item: i for i, item in enumerate(items)}
    problems: list[tuple[str, str]] = []
    if not respondent:
        problems.append(("respondent", t("workshop_store.problem.empty_respondent", lang)))
    if not department:
        problems.append(("department", t("workshop_store.problem.empty_department", lang)))
    rows: list[AnswerRow] = []
    for item, value in scores.items():
        item_id = clean_text(item)
        valid, score = _score_value(value)
        if item_id not in rank:
            problems.append((item_id, t("workshop_store.problem.unknown_item", lang, item=item_id)))
        elif not valid:
            problems.append((item_id, t("workshop_store.problem.score", lang, value=value)))
        else:
            rows.append((item_id, department, score))
    if problems:
        raise WorkshopInputError(problems, lang)
    rows.sort(key=lambda row: rank[row[0]])
    return rows


def check_rating(
    participant: str, ratings: Mapping[str, Any], uncertain: Any, lang: str
) -> dict[str, int]:
    """The 1-5 ratings by field (frequency, damage, feasibility) of one participant.

    Raises WorkshopInputError for a rating that is not a whole number from 1
    to 5, an ``uncertain`` that is not a bool, or an empty participant.
    """
    problems: list[tuple[str, str]] = []
    values: dict[str, int] = {}
    for field in _RATING_FIELDS:
        value = ratings[field]
        checked = _rating_value(value)
        if checked is None:
            name = t(f"workshop_store.field.{field}", lang)
            problems.append(
                (field, t("workshop_store.problem.rating", lang, field=name, value=value))
            )
        else:
            values[field] = checked
    if not isinstance(uncertain, bool | np.bool_):
        problems.append(("uncertain", t("workshop_store.problem.uncertain", lang)))
    if not participant:
        problems.append(("participant", t("workshop_store.problem.empty_participant", lang)))
    if problems:
        raise WorkshopInputError(problems, lang)
    return values


def _read_number(text: str, lang: str) -> float | None:
    """``text`` as a number by ``lang``'s marks, None when it is not one in that notation."""
    decimal, group = _MARKS.get(lang, _MARKS["de"])
    cleaned = _SPACES.sub(group, text.strip().replace("\u2212", "-"))
    d, g = re.escape(decimal), re.escape(group)
    grouped = rf"[-+]?\d{{1,3}}(?:{g}\d{{3}})+(?:{d}\d+)?"
    plain = rf"[-+]?\d+(?:{d}\d+)?"
    if re.fullmatch(grouped, cleaned) or re.fullmatch(plain, cleaned):
        return float(cleaned.replace(group, "").replace(decimal, "."))
    return None


def _other(lang: str) -> str:
    return "en" if lang == "de" else "de"


def parse_number(text: str, lang: str = "de") -> float | None:
    """Typed text as a number, read as the client writes numbers; None if it is none or unclear.

    German (``lang="de"``): "1.000" is one thousand, "2,5" two and a half,
    "1.000,5" and "1 000" work too; "1.5" is refused (a decimal point or a
    mistyped "15"?). English mirrors this ("1,000", "2.5"; "1,5" is refused).
    A minus sign (- or −) may lead. :func:`number_problem` says why text was refused.
    """
    return _read_number(text, lang)


def number_problem(text: str, lang: str = "de") -> str | None:
    """Why :func:`parse_number` refuses ``text`` (a plain sentence), None when it reads it."""
    if _read_number(text, lang) is not None:
        return None
    if _read_number(text, _other(lang)) is not None:
        return t("workshop_store.problem.ambiguous_number", lang, value=text.strip())
    return t("workshop_store.problem.not_a_number", lang, value=text.strip())


def _plain(value: Any) -> Any:
    """numpy scalars and whole floats as plain Python values for the YAML."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    return value


def plan_items(kind: str, items: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Pain points or measures (``kind``) as plain dicts for the YAML, empty values left out.

    Texts are stripped, dates parsed, numbers given as text (target,
    baseline) read as the client writes them (:func:`parse_number`: German
    "1.000" is one thousand), numpy scalars made plain. Every key given is
    written and nothing else: a replaced entry keeps no key of its predecessor.
    An entry that is not a mapping, or a number that cannot be read
    unambiguously, raises WorkshopInputError. The schema checks the rest.
    """
    problems: list[tuple[str, str]] = []
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            message = t("workshop_store.problem.not_a_mapping", lang)
            problems.append((f"workshop.{kind}.{i}", message))
            continue
        clean: dict[str, Any] = {}
        for key, value in item.items():
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
                continue
            if key in NUMBER_KEYS and isinstance(value, str):
                problem = number_problem(value, lang)
                if problem is not None:
                    problems.append((f"workshop.{kind}.{i}.{key}", problem))
                    continue
                value = parse_number(value, lang)
            clean[str(key)] = _as_date(value) if key in DATE_KEYS else _plain(value)
        out.append(clean)
    if problems:
        raise WorkshopInputError(problems, lang)
    return out


def reference_problems(document: Any, lang: str) -> list[tuple[str, str]]:
    """Pain points and measures naming a journey that is not defined (code unknown_journey)."""
    workshop = document.get("workshop") if isinstance(document, Mapping) else None
    if not isinstance(workshop, Mapping):
        return []
    journeys = workshop.get("journeys") or []
    ids = {str(j.get("id")) for j in journeys if isinstance(j, Mapping)}
    problems: list[tuple[str, str]] = []
    for kind in ("pain_points", "measures"):
        for index, item in enumerate(workshop.get(kind) or []):
            if not isinstance(item, Mapping) or item.get("journey") in (None, ""):
                continue
            if str(item["journey"]) not in ids:
                message = t("workshop_store.problem.unknown_journey", lang, journey=item["journey"])
                key = f"workshop.{kind}.{index}.journey"
                problems.append(ParameterProblem(key, message, UNKNOWN_JOURNEY))
    return problems


def without_code(problems: list[tuple[str, str]], code: str) -> list[tuple[str, str]]:
    """``problems`` without those of ``code`` (plain pairs have no code and stay)."""
    return [p for p in problems if getattr(p, "code", None) != code]


_UMLAUT_IDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def candidate_id(name: str, taken: set[str]) -> str:
    """A journey id for ``name`` (lower case, a-z 0-9 -), not one of ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower().translate(_UMLAUT_IDS)).strip("-") or "journey"
    found, number = base, 2
    while found in taken:
        found, number = f"{base}-{number}", number + 1
    return found


def check_candidates(
    candidates: Sequence[tuple[str | None, str]], lang: str
) -> list[tuple[str, str]]:
    """The journey candidates as ``(id, name)``: names trimmed, new ones given an id.

    ``candidates`` are ``(id, name)`` pairs, id None for a new candidate. Raises
    WorkshopInputError for an empty name or a name that is there twice
    (compared without regard to case and spaces).
    """
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for number, (_id, name) in enumerate(candidates, start=1):
        text = clean_text(name)
        if not text:
            problems.append((f"journeys.{number}", t("workshop_store.problem.no_name", lang)))
        elif text.casefold() in seen:
            problem = t("workshop_store.problem.name_twice", lang, name=text)
            problems.append((f"journeys.{number}", problem))
        seen.setdefault(text.casefold(), number)
    if problems:
        raise WorkshopInputError(problems, lang)
    taken = {str(i) for i, _name in candidates if i}
    result = []
    for journey_id, name in candidates:
        if not journey_id:
            journey_id = candidate_id(clean_text(name), taken)
            taken.add(journey_id)
        result.append((str(journey_id), clean_text(name)))
    return result
