"""The codebook of comment themes: a YAML file, read and checked, extendable per client.

The default codebook (``cxlib/voice/data/codebook.yaml``) has one theme per
pain point of the method's seeds (Onboarding, Kommunikation, Rechnung/Abschlag,
Preis, Erreichbarkeit/Wartezeit, Freundlichkeit, Lösung/Kompetenz, Digitale
Kanäle/App, Lieferung/Qualität, Kündigung/Wechsel), each with a German and an
English label and its terms (German lemmas, lower case), and the tone words:
``tone.positive``, ``tone.negative``, ``negation``, ``intensifier`` (only
strengthens the next tone word) and ``excess`` (negative after "zu"). The
file's head comment explains the matching rules.

A consultant extends it per client with ``analysis.voice.codebook: <file>``
in the parameter file: a YAML file of the same form whose themes are added
(a new id) or whose terms are added to a default theme (the same id; a label
given there replaces the default one); tone lists are added likewise.
Problems are reported all at once by :class:`CodebookError`, in plain German
with the file and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxlib.exceptions import CatalogueError
from cxlib.resources import read_catalogue
from cxlib.texts import LANGUAGES

DEFAULT_CODEBOOK = Path(__file__).resolve().parent / "data" / "codebook.yaml"
#: The tone lists of a codebook (besides ``themes``), each a list of lemmas.
TONE_LISTS = ("positive", "negative", "negation", "intensifier", "excess")


class CodebookError(CatalogueError):
    """A codebook file is missing, unreadable or has entries the coding cannot use."""

    kind = "Codebuch"


@dataclass(frozen=True)
class Theme:
    """One theme: its id, labels by language and terms (lower-case lemmas)."""

    id: str
    labels: tuple[tuple[str, str], ...]
    terms: tuple[str, ...]

    def label(self, lang: str = "de") -> str:
        """The theme's name in ``lang``."""
        return dict(self.labels)[lang]


@dataclass(frozen=True)
class Codebook:
    """Themes in file order and the tone words the coding uses."""

    themes: tuple[Theme, ...]
    positive: frozenset[str]
    negative: frozenset[str]
    negation: frozenset[str]
    excess: frozenset[str]
    intensifier: frozenset[str] = frozenset()
    #: the files it was read from, default first
    sources: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        """The theme ids in codebook order."""
        return tuple(theme.id for theme in self.themes)

    def theme(self, theme_id: str) -> Theme:
        """The theme with ``theme_id``."""
        return next(theme for theme in self.themes if theme.id == theme_id)


def _words(value: object, where: str, problems: list[str]) -> list[str]:
    """A list of words (lower case, trimmed); a problem for anything else."""
    if not isinstance(value, list) or not value:
        problems.append(
            f"{where}: erwartet eine nicht leere Liste von Wörtern, z. B. [preis, tarif]"
        )
        return []
    words = []
    for i, word in enumerate(value):
        if not isinstance(word, str) or not word.strip():
            problems.append(f"{where}[{i + 1}]: „{word}“ ist kein Wort")
        elif " " in word.strip():
            problems.append(f"{where}[{i + 1}]: „{word}“ hat mehrere Wörter; je Eintrag ein Wort")
        else:
            words.append(word.strip().lower())
    return words


def _parse(
    raw: object, partial: bool, problems: list[str]
) -> tuple[dict[str, Theme], dict[str, list[str]]]:
    """Themes and tone lists of one file (``partial``: labels may be missing, extending a theme)."""
    themes: dict[str, Theme] = {}
    tones: dict[str, list[str]] = {name: [] for name in TONE_LISTS}
    if not isinstance(raw, dict):
        problems.append("erwartet Schlüssel „themes“ (Themen mit label und terms)")
        return themes, tones
    unknown = set(raw) - {"themes", "tone", "negation", "intensifier", "excess"}
    if unknown:
        problems.append(f"unbekannte Schlüssel: {', '.join(sorted(map(str, unknown)))}")
    entries = raw.get("themes", {})
    if not isinstance(entries, dict) or (not entries and not partial):
        problems.append("themes: erwartet Themen als „id: {label: …, terms: […]}“")
        entries = {}
    for theme_id, entry in entries.items():
        where = f"themes.{theme_id}"
        if not isinstance(theme_id, str) or not theme_id.replace("_", "").isalnum():
            problems.append(f"{where}: Themen-Id nur aus Buchstaben, Ziffern und _")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{where}: erwartet label und terms")
            continue
        extra = set(entry) - {"label", "terms"}
        if extra:
            problems.append(f"{where}: unbekannte Schlüssel: {', '.join(sorted(map(str, extra)))}")
        labels: tuple[tuple[str, str], ...] = ()
        label = entry.get("label")
        if label is not None or not partial:
            if not isinstance(label, dict) or set(label) != set(LANGUAGES):
                problems.append(
                    f"{where}.label: erwartet je Sprache einen Namen, z. B. "
                    "{de: Preis, en: Price}"
                )
            else:
                labels = tuple((lang, str(label[lang])) for lang in LANGUAGES)
        terms = _words(entry.get("terms"), f"{where}.terms", problems)
        themes[theme_id] = Theme(theme_id, labels, tuple(terms))
    tone = raw.get("tone", {})
    if not isinstance(tone, dict) or set(tone) - {"positive", "negative"}:
        problems.append("tone: erwartet „positive: […]“ und „negative: […]“")
        tone = {}
    for name in ("positive", "negative"):
        if name in tone or not partial:
            tones[name] = _words(tone.get(name), f"tone.{name}", problems)
    for name in ("negation", "intensifier", "excess"):
        if name in raw or not partial:
            tones[name] = _words(raw.get(name), name, problems)
    return themes, tones


def _merge(
    base: Codebook, themes: dict[str, Theme], tones: dict[str, list[str]], source: str
) -> Codebook:
    merged = {theme.id: theme for theme in base.themes}
    for theme_id, theme in themes.items():
        old = merged.get(theme_id)
        if old is None:
            merged[theme_id] = theme
        else:
            terms = old.terms + tuple(t for t in theme.terms if t not in old.terms)
            merged[theme_id] = Theme(theme_id, theme.labels or old.labels, terms)
    return Codebook(
        themes=tuple(merged.values()),
        positive=base.positive | set(tones["positive"]),
        negative=base.negative | set(tones["negative"]),
        negation=base.negation | set(tones["negation"]),
        excess=base.excess | set(tones["excess"]),
        intensifier=base.intensifier | set(tones["intensifier"]),
        sources=(*base.sources, source),
    )


def _load(path: Path, base: Codebook | None) -> Codebook:
    problems: list[str] = []
    themes, tones = _parse(read_catalogue(path, CodebookError), base is not None, problems)
    if base is None:
        missing = [theme_id for theme_id, theme in themes.items() if not theme.labels]
        problems += [f"themes.{theme_id}.label fehlt" for theme_id in missing]
    else:
        known = set(base.ids)
        problems += [
            f"themes.{theme_id}: neues Thema ohne label (je Sprache ein Name)"
            for theme_id, theme in themes.items()
            if theme_id not in known and not theme.labels
        ]
    if problems:
        raise CodebookError(path, problems)
    empty = Codebook((), frozenset(), frozenset(), frozenset(), frozenset())
    return _merge(base or empty, themes, tones, str(path))


def load_codebook(extension: str | Path | None = None) -> Codebook:
    """The default codebook, extended by the client's file ``extension`` when given.

    Raises :class:`CodebookError` (file and entry in plain German) for a
    missing or broken file.
    """
    default = _load(DEFAULT_CODEBOOK, None)
    if extension is None:
        return default
    return _load(Path(extension).expanduser().resolve(), default)
