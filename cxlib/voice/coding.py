"""Comments coded into themes with a tone: German lemmas, compounds, typos, negation.

For a consultant who wants to know what customers write about, offline and
transparent (rules, no model). :func:`code` splits a comment into clauses (at
punctuation and at "aber", "jedoch", "sondern", "allerdings"), turns every word
into its lemma (simplemma, German) and finds the codebook's terms
(:mod:`cxlib.voice.codebook`): the lemma itself, a compound beginning or
ending with a term of five or more letters ("Abschlagszahlung" → abschlag),
or one typo in words of seven letters or more (two from ten letters). When
several terms match one word only the longest counts.

Each theme found in a clause is one :class:`Mention` with the clause's tone:
the sum of its tone words (+1 positive, −1 negative); a negation word
("nicht", "kein", "nie", "ohne", "schwer" …) turns the next tone word within
three words round ("nicht freundlich" is negative), or, closing the clause,
the one before it ("freundlich war sie nicht"), and counts −1 where there is
none ("Rückruf kam nie"); "zu" before an excess word ("zu hoch", "viel zu
lange") is −1; "un" before a tone word turns it round ("unübersichtlich"); an
intensifier before a tone word counts nothing ("super ärgerlich" is negative). A
word that is a tone word itself is no compound of a term ("problemlos" is no
problem). A clause without tone words takes the tone of its sentence up to
the next "aber" ("Unklar, wann der Abschlag abgebucht wird": the bill is
meant negatively; in "Preis ok, aber die App ist schlecht" the price is not).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pandas as pd

from cxlib.voice.codebook import Codebook
from cxlib.voice.lemma_cache import lemma_store

Tone = Literal["positive", "negative", "neutral"]
#: Compounds match terms of at least this many letters at their start or end.
COMPOUND_MIN = 5
#: Typos are tolerated in words and terms of at least this many letters (one),
#: and two from :data:`TYPO_TWO` letters on.
TYPO_MIN = 7
TYPO_TWO = 10
#: Words that begin a new clause with its own tone.
CLAUSE_WORDS = ("aber", "jedoch", "sondern", "allerdings", "dafür")
#: A negation reaches this many words ahead (and back, when nothing follows).
NEGATION_REACH = 3

_SENTENCE = re.compile(r"[.!?;\n]+")
_CONTRAST = re.compile(r"\b(?:" + "|".join(CLAUSE_WORDS) + r")\b", re.IGNORECASE)
_CLAUSE = re.compile(r",|:|\s[-–]\s")
_TOKEN = re.compile(r"[A-Za-zÄÖÜäöüß]+")


@dataclass(frozen=True)
class Mention:
    """One theme in one clause of a comment, with the clause's tone."""

    theme: str
    tone: Tone
    clause: str


@lru_cache(maxsize=65536)
def lemmas(word: str) -> frozenset[str]:
    """The lower-case forms a word may stand for: itself and its German lemma(s).

    simplemma's answers, kept across runs in :mod:`cxlib.voice.lemma_cache`.
    """
    store = lemma_store("de")
    known = store.get(word)
    if known is not None:  # seen in an earlier run: no dictionary needed
        return frozenset(known)
    import simplemma  # loads its German dictionary on first use (0.8 s)

    lower = word.lower()
    found = {lower, simplemma.lemmatize(word, lang="de").lower()}
    found.add(simplemma.lemmatize(lower, lang="de").lower())
    store.add(word, tuple(sorted(found)))
    return frozenset(found)


def _edits(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of ``a`` and ``b``, or ``limit + 1`` when larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous2, previous = previous, row
    return previous[-1]


def _allowed(length: int) -> int:
    return 2 if length >= TYPO_TWO else 1


@dataclass(frozen=True, eq=False)
class _Index:
    """The codebook's terms and tone words prepared for fast look-up."""

    term_theme: dict[str, frozenset[str]]
    tone: dict[str, int]
    negation: frozenset[str]
    excess: frozenset[str]
    intensifier: frozenset[str]
    long_terms: tuple[str, ...]
    typo_terms: tuple[str, ...]


@lru_cache(maxsize=16)
def _index(codebook: Codebook) -> _Index:
    term_theme: dict[str, set[str]] = {}
    for theme in codebook.themes:
        for term in theme.terms:
            term_theme.setdefault(term, set()).add(theme.id)
    tone = dict.fromkeys(codebook.positive, 1)
    tone.update(dict.fromkeys(codebook.negative, -1))
    terms = sorted(term_theme, key=len, reverse=True)
    return _Index(
        term_theme={term: frozenset(ids) for term, ids in term_theme.items()},
        tone=tone,
        negation=codebook.negation,
        excess=codebook.excess,
        intensifier=codebook.intensifier,
        long_terms=tuple(t for t in terms if len(t) >= COMPOUND_MIN),
        typo_terms=tuple(t for t in terms if len(t) >= TYPO_MIN),
    )


@lru_cache(maxsize=65536)
def _themes_of(word: str, index: _Index) -> frozenset[str]:
    """The themes one word stands for (lemma, compound part or typo; the longest term wins)."""
    forms = lemmas(word)
    exact = [form for form in forms if form in index.term_theme]
    if exact:
        best = max(exact, key=len)
        return index.term_theme[best]
    if forms & index.tone.keys():  # a tone word of its own ("problemlos" is no problem)
        return frozenset()
    lower = word.lower()
    for term in index.long_terms:  # longest first
        if len(lower) > len(term) and (lower.startswith(term) or lower.endswith(term)):
            return index.term_theme[term]
    if len(lower) >= TYPO_MIN:
        best_term, best_distance = "", TYPO_TWO
        for term in index.typo_terms:
            limit = _allowed(min(len(term), len(lower)))
            distance = _edits(lower, term, limit)
            if distance <= limit and distance < best_distance:
                best_term, best_distance = term, distance
        if best_term:
            return index.term_theme[best_term]
    return frozenset()


@lru_cache(maxsize=65536)
def _tone_of(word: str, index: _Index) -> int:
    """+1, −1 or 0: the word's tone (its lemma, or one typo in a long word)."""
    forms = lemmas(word)
    values = [index.tone[form] for form in forms if form in index.tone]
    if values:
        return -1 if -1 in values else 1
    lower = word.lower()
    if lower.startswith("un") and len(lower) > 4:  # "unübersichtlich", "unkompliziert"
        rest = _tone_of(lower[2:], index)
        if rest:
            return -rest
    if len(lower) >= TYPO_MIN:
        for candidate, value in index.tone.items():
            if len(candidate) >= TYPO_MIN and _edits(lower, candidate, 1) <= 1:
                return value
    return 0


def _is(word: str, words: frozenset[str]) -> bool:
    return bool(lemmas(word) & words)


def _clause_tone(words: list[str], index: _Index) -> int:
    """The sum of the clause's tone words, with negation and "zu" (module notes)."""
    values = [_tone_of(w, index) for w in words]
    used = [False] * len(words)
    total = 0
    for i, word in enumerate(words):
        lower = word.lower()
        if i + 1 < len(words) and values[i + 1] and _is(word, index.intensifier):
            values[i] = 0  # "super ärgerlich": only the word after it counts
        if lower == "zu" and i + 1 < len(words) and _is(words[i + 1], index.excess):
            values[i + 1], used[i + 1] = 0, True
            total -= 1
        elif _is(word, index.negation):
            values[i] = 0
            ahead = [j for j in range(i + 1, min(len(words), i + 1 + NEGATION_REACH)) if values[j]]
            # a negation closing the clause looks back ("freundlich war er nicht")
            last = i == len(words) - 1
            back = [j for j in range(i) if last and values[j] and not used[j]]
            target = ahead[0] if ahead else (back[-1] if back else None)
            if target is None:
                total -= 1
            else:
                values[target] = -values[target]
                used[target] = True
    return total + sum(values)


def _tone(value: int) -> Tone:
    return "positive" if value > 0 else "negative" if value < 0 else "neutral"


def code(text: str, codebook: Codebook) -> tuple[Mention, ...]:
    """The theme mentions in one comment, each with its tone (module notes)."""
    index = _index(codebook)
    mentions: list[Mention] = []
    segments = [
        part for sentence in _SENTENCE.split(text or "") for part in _CONTRAST.split(sentence)
    ]
    for segment in segments:
        clauses = [c.strip() for c in _CLAUSE.split(segment) if c and c.strip()]
        coded = []
        for clause in clauses:
            words = _TOKEN.findall(clause)
            themes: set[str] = set()
            for word in words:
                themes |= _themes_of(word, index)
            coded.append((clause, themes, _clause_tone(words, index)))
        segment_tone = sum(tone for _, _, tone in coded)
        for clause, themes, tone in coded:
            shown = _tone(tone or segment_tone)
            ordered = [t for t in codebook.ids if t in themes]
            mentions += [Mention(theme, shown, clause) for theme in ordered]
    return tuple(mentions)


def code_comments(comments: Iterable[str], codebook: Codebook) -> pd.DataFrame:
    """One row per comment and theme: ``row`` (position), ``theme``, ``tone``, ``mentions``.

    A comment's tone for a theme is the sign of its mentions' tones (+1/−1)
    summed; a theme named twice in one comment counts once.
    """
    records = []
    for row, text in enumerate(comments):
        by_theme: dict[str, list[int]] = {}
        for mention in code(text, codebook):
            value = {"positive": 1, "negative": -1, "neutral": 0}[mention.tone]
            by_theme.setdefault(mention.theme, []).append(value)
        for theme, values in by_theme.items():
            records.append((row, theme, _tone(sum(values)), len(values)))
    lemma_store("de").save()  # the words met for the first time, for the next run
    return pd.DataFrame(records, columns=["row", "theme", "tone", "mentions"])
